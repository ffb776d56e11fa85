"""How a refused request is described: a Losant error body (its type, its
message, or both) in Losant's words, anything else - a JSON list, an HTML
page - as a body that is not Losant's; with the status and the error type."""

import json

import pytest

from ansible_collections.losant.platform.plugins.module_utils._client import LosantClient
from ansible_collections.losant.platform.plugins.module_utils._transport import LosantApiError
from ansible_collections.losant.platform.tests.unit.helpers.fake_transport import FakeSession, response

APP = "5f6a7b8c9d0e1f2a3b4c5d6e"
USER_ID = "5f6a7b8c9d0e1f2a3b4c5d71"
TOKEN = "tok-errors-7c2e"
FAILED = "Losant API request GET /applications/%s/experience/users/%s failed: " % (APP, USER_ID)
HTML = b"<html><head><title>400 Bad Request</title></head><body><h1>Bad Request</h1></body></html>"


def refused(answer):
    """The LosantApiError of a GET (a 400 is never retried) answered by ``answer``."""
    session = FakeSession(answer)
    client = LosantClient("https://api.example.test", TOKEN, APP, session=session, sleep=lambda seconds: None)
    with pytest.raises(LosantApiError) as caught:
        client.get_experience_user(USER_ID)
    assert len(session.calls) == 1
    return caught.value


@pytest.mark.parametrize("body, described, error_type", [
    ({"type": "Validation", "message": "bad"}, "HTTP 400 Validation: bad", "Validation"),
    ({"type": "Validation"}, "HTTP 400 Validation: ", "Validation"),
    ({"message": "bad"}, "HTTP 400 Error: bad", None),
    ({"type": "Validation", "message": "bad", "extra": [1]}, "HTTP 400 Validation: bad", "Validation"),
], ids=["type-and-message", "type-only", "message-only", "more-keys"])
def test_a_losant_error_body_is_described_in_losants_words(body, described, error_type):
    error = refused(response(400, body))
    assert error.message == FAILED + described
    assert error.status == 400 and error.error_type == error_type


@pytest.mark.parametrize("body", [[{"type": "Validation", "message": "bad"}], ["type", "message"]])
def test_a_json_list_is_not_a_losant_error_body(body):
    error = refused(response(400, body))
    assert error.message == FAILED + "HTTP 400 with a non-Losant body (application/json): " + json.dumps(body)
    assert error.status == 400 and error.error_type is None


def test_a_json_object_without_type_or_message_is_not_a_losant_error_body():
    error = refused(response(400, {"error": "bad"}))
    assert error.message == FAILED + 'HTTP 400 with a non-Losant body (application/json): {"error": "bad"}'
    assert error.status == 400 and error.error_type is None


def test_an_html_body_is_described_by_its_text_without_the_tags():
    error = refused(response(400, raw=HTML, headers={"Content-Type": "text/html"}))
    assert error.message == FAILED + "HTTP 400 with a non-Losant body (text/html): 400 Bad Request Bad Request"
    assert error.status == 400 and error.error_type is None


def test_an_empty_error_body_names_no_text():
    error = refused(response(400, raw=b""))
    assert error.message == FAILED + "HTTP 400 with a non-Losant body (no content type)"
    assert error.status == 400 and error.error_type is None
