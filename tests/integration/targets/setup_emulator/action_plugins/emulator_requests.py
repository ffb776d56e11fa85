# -*- coding: utf-8 -*-
# Copyright: losant.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Test-only action: the Losant requests the emulator received after a mark.

Option ``since``: the ``seq`` an ``emulator_mark`` task returned. Returns

* ``requests``: the log entries, in order: ``seq``, ``method``, ``path``,
  ``query`` (the query string's parameters), ``body`` (the JSON sent, every
  password masked), ``status``, ``fault``, ``accept_version`` (the
  Accept-Version header sent, or None); not the answers, which would fill the
  output with thousands of users (the schema check at the end of each target
  reads those);
* ``made``: ``"METHOD /path"`` of each, in order;
* ``writes``: how many were not GETs;
* ``seq``: the last sequence number (a mark for the next step).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.plugins.action import ActionBase

from ansible_collections.losant.platform.tests.integration.emulator_hooks import hook

KEPT = ("seq", "method", "path", "query", "body", "status", "fault", "accept_version")


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _VALID_ARGS = frozenset(("since",))

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        since = self._task.args.get("since")
        if since is None or not str(since).isdigit():
            return dict(result, failed=True, msg="since must be the seq of an emulator_mark task, got %r" % (since,))
        log = hook(str(task_vars["losant_emulator_url"]), "/_emulator/requests?since=%d" % int(since))
        entries = [dict((key, entry.get(key)) for key in KEPT) for entry in log["requests"]]
        result.update(
            changed=False,
            requests=entries,
            made=["%s %s" % (entry["method"], entry["path"]) for entry in entries],
            writes=len([entry for entry in entries if entry["method"] != "GET"]),
            seq=log["last_seq"],
        )
        return result
