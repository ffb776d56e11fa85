"""Shared setup of the unit tests (their helpers are in ``helpers/``, imported
as ``ansible_collections.losant.platform.tests.unit.helpers...``).

``ansible.module_utils.testing.patch_module_args`` (how the tests hand
arguments to a module's ``main()``) first shipped with ansible-core 2.19.
On 2.18, the oldest release ``meta/runtime.yml`` admits, that module is
missing, so the same context manager is registered here under that name:
it patches ``basic._ANSIBLE_ARGS``, which is what 2.18's AnsibleModule reads.
"""

import contextlib
import json
import sys
import types
from unittest import mock

try:
    from ansible.module_utils.testing import patch_module_args  # noqa: F401  pylint: disable=unused-import
except ImportError:  # ansible-core < 2.19
    from ansible.module_utils import basic as _basic

    @contextlib.contextmanager
    def _patch_module_args(args=None):
        """Expose the given module args to AnsibleModule instances created within this context."""
        if not isinstance(args, (dict, type(None))):
            raise TypeError("The `args` arg must be a dict or None.")
        encoded = json.dumps({"ANSIBLE_MODULE_ARGS": args or {}}).encode()
        with mock.patch.object(_basic, "_ANSIBLE_ARGS", encoded):
            yield

    _testing = types.ModuleType("ansible.module_utils.testing")
    _testing.__doc__ = "patch_module_args for ansible-core < 2.19 (see tests/unit/conftest.py)."
    _testing.patch_module_args = _patch_module_args
    sys.modules["ansible.module_utils.testing"] = _testing
    import ansible.module_utils as _module_utils
    _module_utils.testing = _testing
