"""The transport's own defaults (retries), write permits that nest, a connection that times
out before it is made, and the exact words of errors whose tests elsewhere match a part only."""

import pytest
import requests

from ansible_collections.losant.platform.plugins.module_utils._client import LosantClient
from ansible_collections.losant.platform.plugins.module_utils._transport import LosantApiError, UngatedWrite
from ansible_collections.losant.platform.tests.unit.helpers.fake_transport import FakeSession, response
from ansible_collections.losant.platform.tests.unit.helpers.permitted_client import PermittedClient

APP = "5f6a7b8c9d0e1f2a3b4c5d6e"
USER_ID = "5f6a7b8c9d0e1f2a3b4c5d71"
OTHER_ID = "5f6a7b8c9d0e1f2a3b4c5d72"
TOKEN = "tok-3a9f-secret"
USER_PATH = "/applications/%s/experience/users/%s" % (APP, USER_ID)
OTHER_PATH = "/applications/%s/experience/users/%s" % (APP, OTHER_ID)


def user(user_id=USER_ID, **extra):
    body = {"id": user_id, "email": "a@example.com", "experienceGroups": []}
    body.update(extra)
    return body


def test_a_client_built_without_retries_retries_five_times():
    gateway = response(502, {"type": "BadGateway", "message": "upstream"})
    session = FakeSession(*[gateway] * 6)
    client = LosantClient("https://api.example.test", TOKEN, APP, session=session, sleep=lambda seconds: None)
    assert client.retries == 5
    with pytest.raises(LosantApiError) as caught:
        client.get_experience_user(USER_ID)
    assert caught.value.message == ("Losant API request GET %s failed: HTTP 502 BadGateway: upstream (gave up after "
                                    "5 retries)" % USER_PATH)
    assert len(session.calls) == 6


def test_a_permit_inside_another_gives_the_outer_one_back_when_it_ends():
    session = FakeSession(response(200, user(OTHER_ID)), response(200, user(firstName="A")))
    client = LosantClient("https://api.example.test", TOKEN, APP, session=session)
    with client.permitted("PATCH", USER_PATH):
        with client.permitted("PATCH", OTHER_PATH):
            with pytest.raises(UngatedWrite):
                client.update_experience_user(USER_ID, {"firstName": "A"})
            client.update_experience_user(OTHER_ID, {"firstName": "B"})
        assert client.update_experience_user(USER_ID, {"firstName": "A"})["firstName"] == "A"
    with pytest.raises(UngatedWrite):
        client.update_experience_user(USER_ID, {"firstName": "A"})
    assert [(call["method"], call["url"]) for call in session.calls] == [
        ("PATCH", "https://api.example.test" + OTHER_PATH), ("PATCH", "https://api.example.test" + USER_PATH)]


def test_a_connection_that_times_out_before_it_is_made_is_retried_then_named():
    timeout = requests.exceptions.ConnectTimeout("timed out connecting")
    session = FakeSession(timeout, timeout)
    client = PermittedClient("https://api.example.test", TOKEN, APP, session=session, sleep=lambda seconds: None,
                             retries=1, timeout=12)
    with pytest.raises(LosantApiError) as caught:
        client.get_experience_user(USER_ID)
    assert caught.value.message == ("Losant API request GET %s failed: connection timed out after 12s (gave up "
                                    "after 1 retries)" % USER_PATH)
    assert caught.value.outcome_unknown is False
    assert len(session.calls) == 2


def test_a_post_whose_connection_was_never_made_is_sent_again_without_a_lookup():
    # Nothing reached Losant: the POST is repeated as it is, with no lookup by email first.
    created = user(email="n@example.com")
    session = FakeSession(requests.exceptions.ConnectTimeout("timed out connecting"), response(200, created))
    client = PermittedClient("https://api.example.test", TOKEN, APP, session=session, sleep=lambda seconds: None)
    assert client.create_experience_user({"email": "n@example.com", "password": "x" * 9}) == created
    assert [call["method"] for call in session.calls] == ["POST", "POST"]


def test_a_lookup_answered_with_another_resource_names_the_request_in_full():
    session = FakeSession(response(200, user(OTHER_ID)))
    client = PermittedClient("https://api.example.test", TOKEN, APP, session=session)
    with pytest.raises(LosantApiError) as caught:
        client.get_experience_user(USER_ID)
    assert caught.value.message == ("Losant API request GET %s failed: the answer is not the experience user asked "
                                    "for (its id is '%s')" % (USER_PATH, OTHER_ID))
    assert (caught.value.method, caught.value.path, caught.value.status) == ("GET", USER_PATH, None)


def test_the_hint_of_an_http_api_url_in_full():
    error = requests.exceptions.ConnectionError("Connection refused")
    session = FakeSession(error)
    client = PermittedClient("http://api.example.test", TOKEN, APP, session=session, sleep=lambda s: None, retries=0)
    with pytest.raises(LosantApiError) as caught:
        client.get_experience_user(USER_ID)
    assert caught.value.message == ("Losant API request GET %s failed: connection failed: Connection refused; "
                                    "api_url starts with http://: Losant's API answers on https:// only (gave up "
                                    "after 0 retries)" % USER_PATH)
