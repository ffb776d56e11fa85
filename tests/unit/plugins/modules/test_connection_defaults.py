"""The connection options left out: their defaults (api_url, a 30-second
timeout, 5 retries) and the environment variables they fall back to; and the
timeouts accepted (any number of seconds above 0) and refused."""

import json
from unittest import mock

import pytest

from ansible.module_utils.basic import env_fallback
from ansible.module_utils.common import warnings as module_warnings
from ansible.module_utils.testing import patch_module_args

from ansible_collections.losant.platform.plugins.module_utils import _transport as transport_module
from ansible_collections.losant.platform.plugins.module_utils._connection_options import (
    CONNECTION_ARGUMENT_SPEC,
    DEFAULT_API_URL,
)
from ansible_collections.losant.platform.plugins.modules import experience_user_info
from ansible_collections.losant.platform.tests.unit.helpers.fake_transport import FakeSession, RoutedSession, response
from ansible_collections.losant.platform.tests.unit.helpers.module_runner import APP, TOKEN, listing, run_main

ENV_APP = "0a1b2c3d4e5f6a7b8c9d0e1f"
ENV_TOKEN = "tok-from-the-environment-41c8"
ENVIRONMENT = ("LOSANT_API_TOKEN", "LOSANT_API_URL", "LOSANT_APPLICATION_ID")
USERS_PATH = "/applications/%s/experience/users"


@pytest.fixture
def no_losant_environment(monkeypatch):
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def run_bare(capsys, args, session):
    """Run experience_user_info's main() with exactly ``args`` (no connection option added)."""
    module_warnings._global_warnings.clear()
    with patch_module_args(args), mock.patch.object(transport_module.requests, "Session", return_value=session), \
            mock.patch.object(transport_module.time, "sleep", lambda seconds: None), pytest.raises(SystemExit):
        experience_user_info.main()
    return json.loads(capsys.readouterr().out)


def test_the_spec_gives_the_documented_defaults_and_fallbacks():
    spec = CONNECTION_ARGUMENT_SPEC
    assert DEFAULT_API_URL == "https://api.losant.com"
    assert spec["api_url"]["default"] == "https://api.losant.com"
    assert spec["timeout"] == dict(type="float", default=30)
    assert spec["retries"] == dict(type="int", default=5)
    assert spec["validate_certs"] == dict(type="bool", default=True)
    assert spec["api_token"]["fallback"] == (env_fallback, ["LOSANT_API_TOKEN"])
    assert spec["api_url"]["fallback"] == (env_fallback, ["LOSANT_API_URL"])
    assert spec["application_id"]["fallback"] == (env_fallback, ["LOSANT_APPLICATION_ID"])
    assert spec["api_token"]["required"] is True and spec["application_id"]["required"] is True


def test_left_out_api_url_is_losants_and_the_timeout_30_seconds(capsys, no_losant_environment):
    session = FakeSession(listing())
    result = run_bare(capsys, dict(api_token=TOKEN, application_id=APP), session)
    assert result["experience_users"] == [] and "failed" not in result
    assert [(call["url"], call["timeout"]) for call in session.calls] == [
        ("https://api.losant.com" + USERS_PATH % APP, 30)]
    assert session.headers["Authorization"] == "Bearer " + TOKEN


def test_left_out_connection_options_come_from_the_environment(capsys, no_losant_environment):
    no_losant_environment.setenv("LOSANT_API_TOKEN", ENV_TOKEN)
    no_losant_environment.setenv("LOSANT_API_URL", "https://losant.internal.example")
    no_losant_environment.setenv("LOSANT_APPLICATION_ID", ENV_APP)
    session = FakeSession(listing())
    result = run_bare(capsys, {}, session)
    assert result["experience_users"] == [] and "failed" not in result
    assert [call["url"] for call in session.calls] == ["https://losant.internal.example" + USERS_PATH % ENV_APP]
    assert session.headers["Authorization"] == "Bearer " + ENV_TOKEN
    assert ENV_TOKEN not in json.dumps(result)


def test_given_connection_options_win_over_the_environment(capsys, no_losant_environment):
    no_losant_environment.setenv("LOSANT_API_TOKEN", ENV_TOKEN)
    no_losant_environment.setenv("LOSANT_API_URL", "https://losant.internal.example")
    no_losant_environment.setenv("LOSANT_APPLICATION_ID", ENV_APP)
    session = FakeSession(listing())
    run_bare(capsys, dict(api_token=TOKEN, application_id=APP, api_url="https://losant.test"), session)
    assert [call["url"] for call in session.calls] == ["https://losant.test" + USERS_PATH % APP]
    assert session.headers["Authorization"] == "Bearer " + TOKEN


def test_without_a_token_anywhere_the_task_fails_naming_it(capsys, no_losant_environment):
    session = FakeSession()
    result = run_bare(capsys, dict(application_id=APP), session)
    assert result["failed"] is True and result["msg"] == "missing required arguments: api_token"
    assert session.calls == []


def test_left_out_retries_try_a_request_5_times_more(capsys):
    session = RoutedSession(response(503, {"type": "ServiceUnavailable", "message": "busy"}))
    result = run_main(capsys, experience_user_info, {}, session=session)[0]
    assert result["failed"] is True
    assert len(session.calls) == 6


@pytest.mark.parametrize("timeout", [0.5, 0.01, 1, 120])
def test_any_timeout_above_0_is_accepted_and_used_as_given(capsys, timeout):
    result, session = run_main(capsys, experience_user_info, {"timeout": timeout}, listing())
    assert result["experience_users"] == [] and "failed" not in result
    assert [call["timeout"] for call in session.calls] == [timeout]


@pytest.mark.parametrize("timeout, shown", [(0, "0.0"), (-1, "-1.0"), (-0.5, "-0.5")])
def test_a_timeout_of_0_or_less_is_refused_naming_the_option(capsys, timeout, shown):
    result, session = run_main(capsys, experience_user_info, {"timeout": timeout})
    assert result["failed"] is True
    assert result["msg"] == "timeout must be a number of seconds greater than 0, got %s" % shown
    assert result["errors"] == [result["msg"]]
    assert session.calls == []
