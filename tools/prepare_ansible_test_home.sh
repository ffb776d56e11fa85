#!/usr/bin/env bash
# Prepare a HOME for ansible-test so its sanity venvs get pip without the
# network (apart from the package registry pip itself uses).
#
# usage: tools/prepare_ansible_test_home.sh HOME_DIR VENV_PYTHON
#
# ansible-test creates each sanity venv without pip and then runs
# HOME/.ansible/test/cache/get_pip_<X_Y>.py, downloading that get-pip script
# from a host these machines cannot reach when it is not cached.  We place
# tools/get_pip_offline.py at that path, plus the matching pip wheel next to
# it; the script installs pip from that wheel (see its docstring).
set -euo pipefail

home=${1:?HOME_DIR missing}
vpy=${2:?VENV_PYTHON missing}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# The pip version ansible-test bootstraps (25.2 for ansible-core 2.21), read
# from the installed ansible-test so that bumping ansible-core follows along.
pip_version=$("$vpy" - <<'PY'
import pathlib, re, ansible_test
src = pathlib.Path(ansible_test.__file__).parent / '_internal' / 'python_requirements.py'
m = re.search(r"default_packages\s*=\s*dict\(\s*pip='([^']+)'", src.read_text())
print(m.group(1) if m else '')
PY
)
if [ -z "$pip_version" ]; then
    echo "prepare_ansible_test_home: cannot find ansible-test's pip version" >&2
    exit 1
fi

cache="$home/.ansible/test/cache"
mkdir -p "$cache"

wheel="$cache/pip-$pip_version-py3-none-any.whl"
if [ ! -f "$wheel" ]; then
    echo "== ansible-test: downloading the pip $pip_version wheel for ansible-test's offline bootstrap"
    rm -f "$cache"/pip-*.whl
    "$vpy" -m pip download --quiet --disable-pip-version-check --no-deps \
        --only-binary=:all: --dest "$cache" "pip==$pip_version"
fi

cp "$here/get_pip_offline.py" "$cache/get_pip_${pip_version//./_}.py"
