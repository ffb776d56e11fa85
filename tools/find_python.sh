#!/usr/bin/env bash
# Print the path of a Python interpreter for a venv.
#
# usage: tools/find_python.sh          a Python >= 3.12 (ansible-core 2.20+ needs it)
#        tools/find_python.sh 3.11     exactly Python 3.11 (for an older ansible-core)
#
# Order tried:
#   1. $PYTHON, if set (an explicit choice: it must work, or we fail)
#   2. python3.13, python3.12 found on PATH (pythonX.Y with an argument)
#   3. $(pyenv root)/versions/3.1[2-9]*/bin/python3 (X.Y.*), oldest first:
#      3.12 is the version `make sanity` runs its controller tests with, and
#      the venv's interpreter is the one ansible-test runs (--local)
#
# Each candidate is actually executed: pyenv shims exist on PATH for every
# installed version but fail unless that version is selected, so "found on
# PATH" proves nothing.
set -euo pipefail

want=${1:-}
if [ -n "$want" ]; then
    if ! [[ $want =~ ^3\.[0-9]+$ ]]; then
        echo "find_python: expected a version such as 3.11, got '$want'" >&2
        exit 2
    fi
    check="import sys; assert '%d.%d' % sys.version_info[:2] == '$want'"
    names=("python$want")
    globs=("$want.*")
    label="Python $want"
else
    check='import sys; assert sys.version_info >= (3, 12)'
    names=(python3.13 python3.12)
    globs=("3.1[2-9]*")
    label="Python >= 3.12"
fi

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
    echo "find_python: PYTHON=$PYTHON is not a working $label" >&2
    exit 1
fi

for name in "${names[@]}"; do
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
    # shellcheck disable=SC2086  # $glob (below) is a pattern: it must expand
    while IFS= read -r cand; do
        if [ -x "$cand/bin/python3" ] && works "$cand/bin/python3"; then
            echo "$cand/bin/python3"
            exit 0
        fi
    done < <(for glob in "${globs[@]}"; do printf '%s\n' "$root"/versions/$glob; done | sort -V)
fi

cat >&2 <<MSG
find_python: no $label found.
Tried: \$PYTHON, ${names[*]} on PATH, \$(pyenv root)/versions/${globs[*]}.
Install it, or run: make PYTHON=/path/to/python ...
MSG
exit 1
