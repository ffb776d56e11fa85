# -*- coding: utf-8 -*-
# Copyright: losant.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Test-only action: check every exchange the emulator logged since its last reset
against Losant's official JSON Schemas (tests/conformance_support.py's check_exchange:
request bodies and advanced queries sent, answers received).

setup_emulator runs it as a handler at the end of every target (each target
starts with a reset, so the log holds that target's exchanges, and only them);
a target that resets the emulator midway runs it before that reset too.

Options, defaulting to what tests/integration/emulator_service.py wrote into
integration_config.yml: ``shared_api_dir`` (``losant_shared_api_dir``), the
folder holding ``schemas/``, and ``required`` (``losant_conformance_required``).
Without the schemas the check fails when required, else it is skipped with a
warning. It fails too when the log holds no exchange, when entries are missing
from it (a gap in their sequence numbers, or a full log), or when an exchange
got no answer. Returns ``checked`` (how many exchanges) and ``problems``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from pathlib import Path

from ansible.plugins.action import ActionBase

from ansible_collections.losant.platform.tests.integration.emulator_hooks import hook

LOG_LIMIT = 20000  # the emulator keeps the last 20,000 entries of its request log
SHOWN = 40


def verdict(entries, shared_api_dir, required):
    """The task result for the logged ``entries`` (the core of the action, without I/O)."""
    from ansible_collections.losant.platform.tests.conformance_support import Contract, missing_contract

    contract = Contract(Path(shared_api_dir) / "schemas")
    if not contract.available():
        missing = missing_contract(shared_api_dir)
        if required:
            return dict(failed=True, checked=0, problems=[],
                        msg="%s, and LOSANT_CONFORMANCE_REQUIRED=1 requires the schema check" % missing)
        return dict(skipped=True, checked=0, problems=[],
                    msg="%s: schema conformance not checked (LOSANT_CONFORMANCE_REQUIRED=1 makes this a failure)" % missing)
    problems = []
    if not entries:
        problems.append("no Losant request was logged since the emulator's last reset")
    if len(entries) >= LOG_LIMIT:
        problems.append("the request log is full (%d entries): earlier exchanges may be lost" % len(entries))
    for before, after in zip(entries, entries[1:]):
        if after["seq"] != before["seq"] + 1:
            problems.append("exchanges #%d to #%d are missing from the log" % (before["seq"] + 1, after["seq"] - 1))
    problems.extend("#%s %s %s: no answer was logged" % (entry["seq"], entry["method"], entry["path"])
                    for entry in entries if entry.get("status") is None)
    problems.extend(contract.check_log(entries))
    if problems:
        shown = problems[:SHOWN] + (["... and %d more" % (len(problems) - SHOWN)] if len(problems) > SHOWN else [])
        return dict(failed=True, checked=len(entries), problems=problems,
                    msg="%d problem(s) in %d exchange(s) with the emulator:\n%s" % (len(problems), len(entries), "\n".join(shown)))
    return dict(changed=False, checked=len(entries), problems=[],
                msg="%d exchange(s) match Losant's schemas" % len(entries))


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _VALID_ARGS = frozenset(("shared_api_dir", "required"))

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        args = self._task.args
        shared_api_dir = str(args.get("shared_api_dir") or task_vars.get("losant_shared_api_dir") or "")
        required = args.get("required")
        if required is None:
            required = task_vars.get("losant_conformance_required", False)
        if not shared_api_dir:
            return dict(result, failed=True, msg="losant_shared_api_dir is not set: run tests/integration/emulator_service.py start")
        entries = hook(str(task_vars["losant_emulator_url"]), "/_emulator/requests", timeout=120)["requests"]
        result.update(verdict(entries, shared_api_dir, bool(required)))
        if result.get("skipped"):
            result["warnings"] = [result["msg"]]
        return result
