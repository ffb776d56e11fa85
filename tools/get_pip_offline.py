"""Offline stand-in for ansible-test's pip bootstrap script (get-pip.py).

ansible-test builds each sanity-test virtual environment without pip, then
runs ``~/.ansible/test/cache/get_pip_<major>_<minor>.py`` (downloading it from
a host that is unreachable here when it is missing).  ``make sanity`` copies
this file to that cache path, under a HOME inside ``.build/``, and downloads a
pip wheel into the same folder.

ansible-test runs it (through its quiet_pip.py wrapper, via runpy) with
arguments such as::

    --disable-pip-version-check pip==25.2 --no-setuptools --no-wheel

We put the pip wheel found next to this file on ``sys.path`` and run pip's own
``install`` command from it, with that folder as the only package source.
The ``--no-setuptools`` / ``--no-wheel`` options belong to get-pip.py, not to
``pip install``, and are dropped.
"""

from __future__ import annotations

import glob
import os
import sys

GET_PIP_ONLY_OPTIONS = {'--no-setuptools', '--no-wheel'}


def main() -> int:
    """Install pip into the running interpreter from the wheel beside this file."""
    here = os.path.dirname(os.path.abspath(__file__))
    wheels = sorted(glob.glob(os.path.join(here, 'pip-*.whl')))

    if not wheels:
        sys.stderr.write('get_pip_offline: no pip-*.whl found in %s\n' % here)
        return 1

    sys.path.insert(0, wheels[-1])

    from pip._internal.cli.main import main as pip_main  # pylint: disable=import-outside-toplevel

    args = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY_OPTIONS]

    return pip_main(['install', '--no-index', '--find-links', here] + args)


if __name__ == '__main__':
    sys.exit(main())
