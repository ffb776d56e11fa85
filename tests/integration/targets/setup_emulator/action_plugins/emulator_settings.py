# -*- coding: utf-8 -*-
# Copyright: losant.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Test-only action: how the emulator serves (``PUT /_emulator/settings``).

Option ``page_cap``: the most items a list page holds, whatever ``perPage``
asks (1000, the emulator's default, for none; 100 serves like Losant's
documented default page size). A reset keeps it: a target that lowers it
sets it back in an ``always`` block. Returns ``settings``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.plugins.action import ActionBase

from ansible_collections.losant.platform.tests.integration.emulator_hooks import hook


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _VALID_ARGS = frozenset(("page_cap",))

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        page_cap = self._task.args.get("page_cap")
        if page_cap is None or not str(page_cap).isdigit():
            return dict(result, failed=True, msg="page_cap must be a number of items, got %r" % (page_cap,))
        settings = hook(str(task_vars["losant_emulator_url"]), "/_emulator/settings", "PUT", {"pageCap": int(page_cap)})
        result.update(changed=False, settings=settings)
        return result
