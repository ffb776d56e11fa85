#!/usr/bin/env bash
# Print the path of a Python interpreter >= 3.12 (ansible-core 2.20+ needs it).
#
# Order tried:
#   1. $PYTHON, if set (an explicit choice: it must work, or we fail)
#   2. python3.13, python3.12 found on PATH
#   3. $(pyenv root)/versions/3.1[2-9]*/bin/python3, oldest first: 3.12 is
#      the version `make sanity` tests with, and the venv's interpreter is
#      the one ansible-test runs (--local)
#
# Each candidate is actually executed: pyenv shims exist on PATH for every
# installed version but fail unless that version is selected, so "found on
# PATH" proves nothing.
set -euo pipefail

check='import sys; assert sys.version_info >= (3, 12)'

works() {
    "$1" -c "$check" >/dev/null 2>&1
}

resolve() {
    # Print the real interpreter path (not a shim) so the venv does not depend
    # on pyenv's version selection later.
    "$1" -c 'import sys; print(sys.executable)'
}

if [ -n "${PYTHON:-}" ]; then
    if works "$PYTHON"; then
        resolve "$PYTHON"
        exit 0
    fi
    echo "find_python: PYTHON=$PYTHON is not a working Python >= 3.12" >&2
    exit 1
fi

for name in python3.13 python3.12; do
    if command -v "$name" >/dev/null 2>&1 && works "$name"; then
        resolve "$name"
        exit 0
    fi
done

# pyenv's versions: ask pyenv where they are; without pyenv on PATH (a
# non-interactive shell that did not run pyenv's init), use $PYENV_ROOT or
# pyenv's default location.
root=
if command -v pyenv >/dev/null 2>&1; then
    root=$(pyenv root 2>/dev/null || true)
fi
if [ -z "$root" ]; then
    root=${PYENV_ROOT:-$HOME/.pyenv}
fi
if [ -d "$root/versions" ]; then
    while IFS= read -r cand; do
        if [ -x "$cand/bin/python3" ] && works "$cand/bin/python3"; then
            echo "$cand/bin/python3"
            exit 0
        fi
    done < <(printf '%s\n' "$root"/versions/3.1[2-9]* | sort -V)
fi

cat >&2 <<'MSG'
find_python: no Python >= 3.12 found (ansible-core 2.20+ requires it).
Tried: $PYTHON, python3.13 and python3.12 on PATH, $(pyenv root)/versions/3.1[2-9]*.
Install Python 3.12 or newer, or run: make PYTHON=/path/to/python3.12 ...
MSG
exit 1
