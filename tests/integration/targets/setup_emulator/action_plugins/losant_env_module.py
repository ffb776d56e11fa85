# -*- coding: utf-8 -*-
# Copyright: losant.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Test-only action: run a module of the collection with the connection options in
its environment only (LOSANT_API_URL, LOSANT_API_TOKEN, LOSANT_APPLICATION_ID,
from the emulator's integration_config.yml variables), to prove the modules'
environment fallbacks.

Options: ``module`` (its name) and ``args`` (its arguments). Returns the module's result.

Not the ``environment`` keyword: at -vvvv ansible-playbook prints the command
line of every module it runs, and with it each variable that keyword sets. The
variables are set in this worker process, which the module's process inherits
on a local connection, and are gone when the task ends.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible.plugins.action import ActionBase

VARIABLES = {
    "LOSANT_API_URL": "losant_emulator_url",
    "LOSANT_API_TOKEN": "losant_api_token",
    "LOSANT_APPLICATION_ID": "losant_application_id",
}


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(("module", "args"))

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        if self._connection.transport not in ("local", "ansible.builtin.local"):
            return dict(result, failed=True, msg="losant_env_module needs a local connection, not %s" % self._connection.transport)
        saved = dict((name, os.environ.get(name)) for name in VARIABLES)
        os.environ.update((name, str(task_vars[var])) for name, var in VARIABLES.items())
        try:
            result.update(self._execute_module(module_name=self._task.args["module"],
                                               module_args=dict(self._task.args.get("args") or {}),
                                               task_vars=task_vars))
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
        return result
