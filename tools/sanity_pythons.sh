#!/usr/bin/env bash
# Make every Python that ansible-test can test with, and that this machine
# has, reachable as DIR/pythonX.Y, and print those versions on one line.
#
# usage: tools/sanity_pythons.sh DIR VENV_PYTHON
#
# `ansible-test sanity --local` without --python runs its version-specific
# tests (compile, import) on each supported Python it finds on PATH as
# pythonX.Y and skips the rest with a warning.  pyenv's shims are no use for
# that (they fail unless their version is selected), so DIR gets symlinks to
# the real interpreters, found by tools/find_python.sh; the Makefile puts DIR
# first on PATH.  The supported versions are read from the installed
# ansible-test, so a newer ansible-core brings its own list.
set -euo pipefail

dir=${1:?DIR missing}
vpy=${2:?VENV_PYTHON missing}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

supported=$("$vpy" - <<'PY'
from ansible_test._util.target.common import constants as c
print(" ".join(c.REMOTE_ONLY_PYTHON_VERSIONS + c.CONTROLLER_PYTHON_VERSIONS))
PY
)

rm -rf "$dir"
mkdir -p "$dir"
found=()
for version in $supported; do
    if python=$(PYTHON='' "$here/find_python.sh" "$version" 2>/dev/null); then
        ln -s "$python" "$dir/python$version"
        found+=("$version")
    fi
done
echo "${found[*]}"
