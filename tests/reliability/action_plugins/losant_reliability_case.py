# -*- coding: utf-8 -*-
# Copyright: losant.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Test-only action: brackets one reliability case in a generated playbook.

It runs on the controller (no module is shipped), so it costs milliseconds,
not a module run. Phases:

- ``start``: empty the emulator's request log, install the case's fault
  rules, keep a snapshot of the state (what "untouched" means).
- ``end`` / ``rerun``: read the request log, the fault counters and the
  state, clear the faults, and append one JSON line to ``out`` with them;
  the registered ``result`` of the task that ran in between goes to
  ``out`` + ``.results`` (what the secret audit searches: the emulator's own
  log holds whatever a fault rule echoed).
- ``note``: only append the registered ``result`` to ``out`` + ``.results``
  (for playbooks that run side by side and must not touch the emulator's hooks).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import time
import urllib.request

from ansible.plugins.action import ActionBase


def _call(url, method="GET", body=None):
    data = None if body is None else json.dumps(body).encode("utf-8")
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read().decode("utf-8"))


def _plain(value):
    """Registered results as plain JSON types (ansible-core tags its strings and dicts)."""
    return json.loads(json.dumps(value, default=str))


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        super(ActionModule, self).run(tmp, task_vars)
        args = self._task.args
        url = args["url"].rstrip("/")
        phase = args["phase"]
        record = {"case": args["case"], "phase": phase, "time": time.time()}
        if phase == "note":
            with open(args["out"] + ".results", "a", encoding="utf-8") as out:
                out.write(json.dumps({"case": args["case"], "phase": phase, "result": _plain(args.get("result"))}) + "\n")
            return {"changed": False, "case": args["case"], "phase": phase}
        if phase == "start":
            _call(url + "/_emulator/requests", "DELETE")
            _call(url + "/_emulator/faults", "PUT", {"rules": args.get("rules") or []})
            record["state"] = _call(url + "/_emulator/state")
        else:
            result = _plain(args.get("result"))
            with open(args["out"] + ".results", "a", encoding="utf-8") as out:
                out.write(json.dumps({"case": args["case"], "phase": phase, "result": result}) + "\n")
            record["result"] = result
            # A request the client gave up on (a read timeout) may still be in
            # progress: let it finish, as it would before anyone re-runs a task.
            deadline = time.time() + 15
            while time.time() < deadline:
                log = _call(url + "/_emulator/requests")["requests"]
                if all(entry["status"] is not None for entry in log):
                    break
                time.sleep(0.1)
            record["requests"] = log
            record["faults"] = _call(url + "/_emulator/faults")["rules"]
            _call(url + "/_emulator/faults", "DELETE")
            record["state"] = _call(url + "/_emulator/state")
            _call(url + "/_emulator/requests", "DELETE")
        with open(args["out"], "a", encoding="utf-8") as out:
            out.write(json.dumps(record) + "\n")
        return {"changed": False, "case": args["case"], "phase": phase}
