# -*- coding: utf-8 -*-
# Copyright: losant.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Test-only action: insert devices, experience endpoints, groups and users
straight into the emulator (POST /_emulator/seed).

Options ``devices``, ``experience_endpoints``, ``experience_groups`` and
``experience_users``: lists of seed items as tests/emulator/README.md
describes them (API field names; groups may name a ``parentName``, users
their ``experienceGroups`` by name or id). Returns the emulator's answer:
``devices`` ([{id, name}]), ``experience_endpoints`` ([{id, method, route}]),
``experience_groups`` ([{id, name}]) and ``experience_users`` ([{id, email}]),
in the order given. No request of the Losant API is logged.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import urllib.error

from ansible.plugins.action import ActionBase

from ansible_collections.losant.platform.tests.integration.emulator_hooks import hook


def plain(value):
    """Task arguments as plain JSON types (ansible-core tags its strings and dicts)."""
    return json.loads(json.dumps(value, default=str))


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _VALID_ARGS = frozenset(("devices", "experience_endpoints", "experience_groups", "experience_users"))

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        body = {
            "devices": plain(self._task.args.get("devices") or []),
            "experienceEndpoints": plain(self._task.args.get("experience_endpoints") or []),
            "experienceGroups": plain(self._task.args.get("experience_groups") or []),
            "experienceUsers": plain(self._task.args.get("experience_users") or []),
        }
        try:
            seeded = hook(str(task_vars["losant_emulator_url"]), "/_emulator/seed", "POST", body)
        except urllib.error.HTTPError as error:
            return dict(result, failed=True, msg="the emulator refused the seed: %s" % error.read().decode("utf-8", "replace"))
        result.update(changed=True, devices=seeded["devices"], experience_endpoints=seeded["experienceEndpoints"],
                      experience_groups=seeded["experienceGroups"], experience_users=seeded["experienceUsers"])
        return result
