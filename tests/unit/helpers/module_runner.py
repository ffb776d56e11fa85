"""Run a module's main() with its HTTP transport replaced by a scripted
FakeSession; return the JSON it exits with and the session (the requests sent)."""

import json
from unittest import mock

import pytest

from ansible.module_utils.common import warnings as module_warnings
from ansible.module_utils.testing import patch_module_args

from ansible_collections.losant.platform.plugins.module_utils import _transport as transport_module
from ansible_collections.losant.platform.tests.unit.helpers.fake_transport import FakeSession, response

APP = "5f6a7b8c9d0e1f2a3b4c5d6e"
TOKEN = "tok-unit-9d1f7"
USERS = "applications/%s/experience/users" % APP
GROUPS = "applications/%s/experience/groups" % APP


def listing(*items, total=None, page=0, per_page=1000):
    """One page of a Losant listing holding ``items``."""
    return response(200, {"items": list(items), "count": len(items), "totalCount": len(items) if total is None else total,
                          "perPage": per_page, "page": page})


def query_params(query_json=None, page=0, per_page=1000):
    """The params of one listing request of the client: page 0 asks for up to 1000 items in a
    stable order (by id); later pages ask for as many as page 0 held (``per_page``)."""
    params = {"perPage": per_page, "page": page, "sortField": "id", "sortDirection": "asc"}
    if query_json is not None:
        params["query"] = query_json
    return params


def warning_texts(result):
    """The texts of a result's warnings (ansible-core 2.19 and later return them as objects)."""
    return [warning["event"]["msg"] if isinstance(warning, dict) else warning for warning in result.get("warnings", [])]


def run_main(capsys, module, args, *answers, check_mode=False, diff=False, session=None):
    """Run ``module.main()`` with ``args``; return (exit JSON, the session that answered):
    ``session`` (e.g. a RoutedSession, for requests sent at once), else a FakeSession of ``answers``."""
    session = FakeSession(*answers) if session is None else session
    module_args = dict(api_token=TOKEN, application_id=APP, api_url="https://losant.test")
    module_args.update(args)
    if check_mode:
        module_args["_ansible_check_mode"] = True
    if diff:
        module_args["_ansible_diff"] = True
    # Warnings are kept per process: each run starts without those of earlier runs.
    module_warnings._global_warnings.clear()
    with patch_module_args(module_args), mock.patch.object(transport_module.requests, "Session", return_value=session), \
            mock.patch.object(transport_module.time, "sleep", lambda seconds: None), pytest.raises(SystemExit):
        module.main()
    out = capsys.readouterr().out
    assert TOKEN not in out
    return readable_diffs(json.loads(out)), session


def readable_diffs(result):
    """The result with its diffs' before/after decoded: the modules give them as text (so that
    Ansible shows names as written), in the JSON layout Ansible would print a dict in."""
    if "diff" in result:
        diffs = result["diff"] if isinstance(result["diff"], list) else [result["diff"]]
        for diff in diffs:
            for side in ("before", "after"):
                text = diff[side]
                assert isinstance(text, str) and text.endswith("\n"), diff
                diff[side] = json.loads(text)
                assert text == json.dumps(diff[side], sort_keys=True, indent=4, separators=(",", ": "),
                                          ensure_ascii=False) + "\n"
    return result
