"""What every module does with the connection options: the TLS settings it
hands to the HTTP client, the rules of timeout and retries, api_token kept
out of the output, and the hint for an application id that YAML read as a number."""

import pytest

from ansible_collections.losant.platform.plugins.modules import experience_user_info
from ansible_collections.losant.platform.tests.unit.helpers.module_runner import TOKEN, listing, run_main


def run(capsys, args, *answers):
    return run_main(capsys, experience_user_info, args, *answers)


@pytest.mark.parametrize("given, verify", [
    ({}, True),
    ({"ca_path": "/etc/ssl/private-ca.pem"}, "/etc/ssl/private-ca.pem"),
    ({"validate_certs": False}, False),
    ({"validate_certs": False, "ca_path": "/etc/ssl/private-ca.pem"}, False),
])
def test_tls_settings_reach_the_session_and_every_request(capsys, given, verify):
    result, session = run(capsys, given, listing())
    assert result["experience_users"] == []
    assert session.verify == verify
    assert [call["verify"] for call in session.calls] == [verify]


def test_api_token_is_no_log_even_when_a_server_echoes_it(capsys):
    # run_main also fails the test if the token appears anywhere in the module's output.
    echoed = {"id": "b" * 24, "experienceUserId": "b" * 24, "email": "echo@acme.example", "firstName": TOKEN,
              "userTags": {}, "experienceGroups": []}
    result, session = run(capsys, {"email": "echo@acme.example"}, listing(echoed))
    assert result["experience_users"][0]["first_name"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
    assert session.headers["Authorization"] == "Bearer " + TOKEN


@pytest.mark.parametrize("given, fragment", [
    ({"timeout": 0}, "timeout must be a number of seconds greater than 0, got 0"),
    ({"timeout": -1}, "timeout must be a number of seconds greater than 0"),
    ({"retries": -1}, "retries must be 0 or more, got -1"),
    ({"application_id": "12345"}, "an id of digits only must be quoted in YAML"),
])
def test_bad_connection_options_fail_before_any_request(capsys, given, fragment):
    result, session = run(capsys, given)
    assert result["failed"] is True and fragment in result["msg"] and session.calls == []


def test_retries_0_is_accepted_and_means_one_attempt(capsys):
    result, session = run(capsys, {"retries": 0}, listing())
    assert "failed" not in result and len(session.calls) == 1


def test_a_well_formed_id_of_letters_gets_no_number_hint(capsys):
    result = run(capsys, {"application_id": "not-an-id"})[0]
    assert "application_id must be a Losant id" in result["msg"] and "quoted" not in result["msg"]
