# -*- coding: utf-8 -*-
# Copyright: losant.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Test-only action: the emulator's fault rules (``PUT /_emulator/faults``, see
tests/emulator/README.md), to answer as a server that behaves a little
differently from Losant would (a foreign 404, a query parameter ignored).

Option ``rules``: the list of rules; ``[]`` clears them (so does a reset).
Returns ``faults``, the rules as the emulator holds them.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.plugins.action import ActionBase

from ansible_collections.losant.platform.tests.integration.emulator_hooks import hook


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _VALID_ARGS = frozenset(("rules",))

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        rules = self._task.args.get("rules")
        if not isinstance(rules, list):
            return dict(result, failed=True, msg="rules must be a list of fault rules, got %r" % (rules,))
        faults = hook(str(task_vars["losant_emulator_url"]), "/_emulator/faults", "PUT", {"rules": rules})
        result.update(changed=False, faults=faults)
        return result
