# -*- coding: utf-8 -*-
# Copyright: losant.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Test-only action: where the emulator's request log stands.

Returns ``seq``, the sequence number of the last Losant request logged; give it
to ``emulator_requests`` as ``since`` to get the requests made after this task.
The hooks under /_emulator/ are never logged, so reading the log adds nothing to it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.plugins.action import ActionBase

from ansible_collections.losant.platform.tests.integration.emulator_hooks import last_seq


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _VALID_ARGS = frozenset()

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        # since=<huge> returns no entry, only last_seq
        result.update(changed=False, seq=last_seq(str(task_vars["losant_emulator_url"])))
        return result
