# -*- coding: utf-8 -*-
# Copyright: losant.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Test-only action: empty the emulator (users, groups, request log, faults).

Runs on the controller against ``losant_emulator_url``. Returns ``seq``, the
request log's last sequence number (it keeps counting across resets).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import urllib.request

from ansible.plugins.action import ActionBase

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def hook(base_url, path, method="GET", body=None):
    data = None if body is None else json.dumps(body).encode("utf-8")
    request = urllib.request.Request(base_url.rstrip("/") + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    with _OPENER.open(request, timeout=60) as answer:
        return json.loads(answer.read().decode("utf-8"))


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _VALID_ARGS = frozenset()

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        url = str(task_vars["losant_emulator_url"])
        hook(url, "/_emulator/reset", "POST")
        result.update(changed=True, seq=hook(url, "/_emulator/requests?since=999999999")["last_seq"])
        return result
