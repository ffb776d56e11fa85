# -*- coding: utf-8 -*-
# Copyright: losant.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Test-only action: empty the emulator (users, groups, devices, endpoints, request log, faults).

Runs on the controller against ``losant_emulator_url``. Returns ``seq``, the
request log's last sequence number (it keeps counting across resets).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.plugins.action import ActionBase

from ansible_collections.losant.platform.tests.integration.emulator_hooks import hook, last_seq


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _VALID_ARGS = frozenset()

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        url = str(task_vars["losant_emulator_url"])
        hook(url, "/_emulator/reset", "POST")
        result.update(changed=True, seq=last_seq(url))
        return result
