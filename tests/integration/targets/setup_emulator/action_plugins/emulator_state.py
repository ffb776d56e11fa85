# -*- coding: utf-8 -*-
# Copyright: losant.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Test-only action: what the emulator holds, as the Losant API returns it.

Returns ``users`` and ``groups`` (experience users and groups, in the order
they were created), ``devices`` and ``endpoints``, read through /_emulator/state, which is not logged as a
Losant request.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.plugins.action import ActionBase

from ansible_collections.losant.platform.tests.integration.emulator_hooks import hook


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _VALID_ARGS = frozenset()

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        state = hook(str(task_vars["losant_emulator_url"]), "/_emulator/state")
        result.update(changed=False, users=state["experienceUsers"], groups=state["experienceGroups"],
                      devices=state["devices"], endpoints=state["experienceEndpoints"])
        return result
