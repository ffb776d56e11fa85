import json
import threading

import pytest
import requests

from ansible_collections.losant.platform.plugins.module_utils._transport import RETRY_AFTER_CAP, LosantApiError
from ansible_collections.losant.platform.tests.unit.helpers.fake_transport import (
    FakeSession, RoutedSession, listing_answer, response)
from ansible_collections.losant.platform.tests.unit.helpers.permitted_client import PermittedClient

APP = "5f6a7b8c9d0e1f2a3b4c5d6e"
USER_ID = "5f6a7b8c9d0e1f2a3b4c5d71"
TOKEN = "tok-3a9f-secret"
USERS = "applications/%s/experience/users" % APP


def make_client(*answers, **kwargs):
    session = FakeSession(*answers)
    sleeps = []
    client = PermittedClient("https://api.example.test/", TOKEN, APP, session=session, sleep=sleeps.append, **kwargs)
    client.sleeps = sleeps
    return client


def user(email="a@example.com", **extra):
    body = {"id": USER_ID, "experienceUserId": USER_ID, "email": email, "experienceGroups": []}
    body.update(extra)
    return body


def test_headers_and_url_are_set_once_on_the_session():
    client = make_client(response(200, user()))
    assert client.get_experience_user(USER_ID)["id"] == USER_ID
    assert client.session.headers["Authorization"] == "Bearer " + TOKEN
    assert client.session.headers["Accept"] == "application/json"
    assert client.session.headers["Content-Type"] == "application/json"
    # Pinned like Losant's official clients pin theirs: the API version of the schemas in shared/losant-api.
    assert client.session.headers["Accept-Version"] == "^1.29.3"
    assert client.session.calls[0]["url"] == "https://api.example.test/%s/%s" % (USERS, USER_ID)
    assert client.session.calls[0]["timeout"] == 30


def test_validate_certs_false_reaches_the_session():
    client = make_client(validate_certs=False)
    assert client.session.verify is False


@pytest.mark.parametrize("verify", [True, False, "/etc/losant/ca.pem"])
def test_verify_goes_with_every_request_so_a_ca_bundle_from_the_environment_cannot_override_it(verify):
    # requests prefers REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE to a session's own verify (psf/requests#3829).
    client = make_client(response(200, user()), validate_certs=verify)
    client.get_experience_user(USER_ID)
    assert client.session.calls[0]["verify"] == verify


def test_get_of_unknown_user_is_none():
    client = make_client(response(404, {"type": "NotFound", "message": "Experience User was not found"}))
    assert client.get_experience_user(USER_ID) is None


def test_email_lookup_is_one_exact_case_insensitive_query():
    client = make_client(response(200, {"items": [user("Jane@Example.com")], "count": 1, "totalCount": 1}))
    found = client.find_experience_user_by_email("jane@example.com")
    assert found["email"] == "Jane@Example.com"
    assert len(client.session.calls) == 1
    params = client.session.calls[0]["params"]
    assert json.loads(params["query"]) == {"email": {"$eq": "jane@example.com", "$ci": True}}
    assert params["perPage"] == 1000 and params["page"] == 0


def test_paging_reads_until_total_count_whatever_the_page_size():
    pages = [
        response(200, {"items": [{"id": str(i)} for i in range(0, 3)], "totalCount": 7, "perPage": 3, "page": 0}),
        response(200, {"items": [{"id": str(i)} for i in range(3, 6)], "totalCount": 7, "perPage": 3, "page": 1}),
        response(200, {"items": [{"id": "6"}], "totalCount": 7, "perPage": 3, "page": 2}),
    ]
    client = make_client(*pages)
    items = client.list_experience_groups()
    assert [item["id"] for item in items] == [str(i) for i in range(7)]
    # Page 0 asks for the most a page may hold, in a stable order; the others for what page 0 held.
    assert [call["params"] for call in client.session.calls] == [
        {"perPage": 1000, "page": 0, "sortField": "id", "sortDirection": "asc"},
        {"perPage": 3, "page": 1, "sortField": "id", "sortDirection": "asc"},
        {"perPage": 3, "page": 2, "sortField": "id", "sortDirection": "asc"},
    ]


def items_of(count, first=0):
    return [{"id": "%024x" % number, "name": "g%d" % number} for number in range(first, first + count)]


def routed_client(route, workers=4, **kwargs):
    session = RoutedSession(route)
    sleeps = []
    client = PermittedClient("https://api.example.test/", TOKEN, APP, session=session, sleep=sleeps.append,
                             workers=workers, **kwargs)
    client.sleeps = sleeps
    return client


def pages_asked(client):
    return sorted((call["params"]["page"], call["params"]["perPage"]) for call in client.session.calls)


def test_the_pages_after_the_first_are_read_workers_at_a_time():
    everyone = items_of(250)
    # Pages 1 and 2 each wait until the other has been asked for: read one after the other, they never would.
    both_asked = threading.Barrier(2, timeout=10)

    def route(call):
        if call["params"]["page"]:
            both_asked.wait()
        return listing_answer(everyone, call["params"], page_cap=100)

    client = routed_client(route, workers=2)
    assert client.list_experience_groups() == everyone
    assert pages_asked(client) == [(0, 1000), (1, 100), (2, 100)]


def test_no_more_than_workers_requests_are_in_flight():
    everyone = items_of(2000)
    lock = threading.Lock()
    in_flight = []
    most = []

    def route(call):
        with lock:
            in_flight.append(call)
            most.append(len(in_flight))
        try:
            return listing_answer(everyone, call["params"], page_cap=100)
        finally:
            with lock:
                in_flight.remove(call)

    client = routed_client(route, workers=3)
    assert len(client.list_experience_groups()) == 2000
    assert len(client.session.calls) == 20 and max(most) <= 3


@pytest.mark.parametrize("change, problem", [
    ("added", "totalCount was 250 on page 0, then 251"),
    ("deleted", "totalCount was 250 on page 0, then 249"),
    ("shifted", "249 distinct items of 250, 1 seen twice"),
])
def test_a_listing_that_changed_while_it_was_read_is_read_again(change, problem):
    everyone = items_of(250)
    asked = []

    def route(call):
        asked.append(call["params"]["page"])
        if call["params"]["page"] == 2 and asked.count(2) == 1:
            if change == "added":
                return listing_answer(everyone + items_of(1, 900), call["params"], page_cap=100)
            if change == "deleted":
                return listing_answer(everyone[1:], call["params"], page_cap=100)
            # the last item of page 1 again, the last item missed: one was added and one deleted before it
            return response(200, {"items": everyone[199:249], "totalCount": 250})
        return listing_answer(everyone, call["params"], page_cap=100)

    client = routed_client(route)
    assert client.list_experience_groups() == everyone
    assert pages_asked(client) == [(0, 1000), (0, 1000), (1, 100), (1, 100), (2, 100), (2, 100)]


def test_a_listing_that_keeps_changing_fails_clearly_after_three_reads():
    everyone = items_of(250)
    asked = []

    def route(call):
        asked.append(call)
        grown = everyone + items_of(len(asked), 1000)  # one user more with every request
        return listing_answer(grown, call["params"], page_cap=100, total=len(grown) if call["params"]["page"] else 250)

    client = routed_client(route)
    with pytest.raises(LosantApiError) as caught:
        client.query_experience_users()
    assert len(asked) == 9  # three reads of three pages
    assert caught.value.message.startswith(
        "Losant API request GET /%s failed: the listing changed while it was read, on each of 3 reads "
        "(totalCount was 250 on page 0, then " % USERS)
    assert caught.value.message.endswith("; nothing was written: run the task again once the users and groups stop "
                                         "changing")


def test_a_server_that_drops_the_page_parameter_is_named_not_taken_for_a_changing_listing():
    everyone = items_of(250)

    def route(call):  # every page answered as page 0: a proxy that drops `page`
        return listing_answer(everyone, dict(call["params"], page=0), page_cap=100)

    client = routed_client(route, workers=1)
    with pytest.raises(LosantApiError) as caught:
        client.list_experience_groups()
    assert "every read of the listing repeated page 0 on a later page (page 1 held the same items as page 0; " \
        in caught.value.message
    assert "seems to drop the page parameter" in caught.value.message
    assert "changed while it was read" not in caught.value.message
    assert len(client.session.calls) == 9  # three reads of three pages, nothing relied on


def test_an_empty_page_where_total_count_promises_more_is_not_taken_for_the_end():
    client = routed_client(lambda call: response(200, {"items": [{"id": "1"}] if call["params"]["page"] == 0 else [],
                                                       "totalCount": 3}))
    with pytest.raises(LosantApiError, match=r"on each of 3 reads \(1 distinct items of 3; 1 distinct items of 3; "):
        client.list_experience_groups()
    assert pages_asked(client) == [(0, 1000)] * 3 + [(1, 1), (1, 1), (1, 1), (2, 1), (2, 1), (2, 1)]


def test_one_page_that_holds_everything_is_one_request():
    client = routed_client(lambda call: listing_answer(items_of(100), call["params"], page_cap=100))
    assert len(client.list_experience_groups()) == 100
    assert pages_asked(client) == [(0, 1000)]


def test_an_error_on_one_page_fails_the_listing_with_that_error():
    def route(call):
        if call["params"]["page"] == 3:
            return response(403, {"type": "Forbidden", "message": "no"})
        return listing_answer(items_of(1000), call["params"], page_cap=100)

    client = routed_client(route, workers=2)
    with pytest.raises(LosantApiError) as caught:
        client.list_experience_groups()
    assert caught.value.status == 403
    assert len(client.session.calls) < 10  # no page is asked for once an error is known


@pytest.mark.parametrize("status", [502, 503, 504])
def test_gateway_errors_are_retried_with_growing_backoff(status):
    failures = [response(status, {"type": "ServiceUnavailable", "message": "try later"})] * 3
    client = make_client(*(failures + [response(200, user())]))
    assert client.get_experience_user(USER_ID)["id"] == USER_ID
    assert len(client.session.calls) == 4
    assert len(client.sleeps) == 3
    # exponential with jitter: attempt n waits between half and all of 0.5 * 2**n
    for attempt, delay in enumerate(client.sleeps):
        ceiling = 0.5 * 2 ** attempt
        assert ceiling / 2 <= delay <= ceiling


def test_429_honours_retry_after_and_caps_it():
    client = make_client(
        response(429, {"type": "RateLimitExceeded", "message": "slow down"}, {"Retry-After": "3"}),
        response(429, {"type": "RateLimitExceeded", "message": "slow down"}, {"Retry-After": "3600"}),
        response(200, user()),
    )
    client.get_experience_user(USER_ID)
    assert client.sleeps == [3.0, RETRY_AFTER_CAP]


def test_429_without_retry_after_backs_off():
    client = make_client(response(429, {"type": "RateLimitExceeded", "message": "x"}), response(200, user()))
    client.get_experience_user(USER_ID)
    assert len(client.sleeps) == 1 and 0.25 <= client.sleeps[0] <= 0.5


def test_connection_errors_are_retried_then_reported():
    client = make_client(*[requests.exceptions.ConnectionError("Connection refused")] * 3, retries=2)
    with pytest.raises(LosantApiError) as caught:
        client.get_experience_user(USER_ID)
    assert len(client.session.calls) == 3
    assert len(client.sleeps) == 2
    assert "gave up after 2 retries" in caught.value.message
    assert "GET /%s/%s" % (USERS, USER_ID) in caught.value.message


REFUSED = "; the API token was refused (unknown, expired or malformed); check api_token"
LACKS_SCOPE = "; the API token lacks the scope (permission) this request needs, or access to this application"


@pytest.mark.parametrize("status,error_type,hint", [(400, "Validation", ""), (401, "Unauthorized", REFUSED),
                                                    (403, "Forbidden", LACKS_SCOPE), (500, "Error", "")])
def test_other_errors_are_not_retried_and_name_method_path_status_type(status, error_type, hint):
    client = make_client(response(status, {"type": error_type, "message": "it went wrong"}))
    with pytest.raises(LosantApiError) as caught:
        client.update_experience_user(USER_ID, {"firstName": "X"})
    assert len(client.session.calls) == 1 and client.sleeps == []
    error = caught.value
    assert error.status == status and error.error_type == error_type
    assert error.message == "Losant API request PATCH /%s/%s failed: HTTP %d %s: it went wrong%s" % (
        USERS, USER_ID, status, error_type, hint)


def test_the_token_and_registered_secrets_never_reach_an_error_message():
    echo = "proxy saw Authorization: Bearer %s and body password=Sup3rSecret!" % TOKEN
    client = make_client(response(400, {"type": "Validation", "message": echo}))
    client.add_secret("Sup3rSecret!")
    with pytest.raises(LosantApiError) as caught:
        client.create_experience_user({"email": "a@example.com", "password": "Sup3rSecret!"})
    assert TOKEN not in caught.value.message
    assert "Sup3rSecret!" not in caught.value.message
    assert "********" in caught.value.message


def test_an_html_error_page_is_described_not_dumped():
    page = b"<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>"
    client = make_client(response(502, raw=page, headers={"Content-Type": "text/html"}), retries=0)
    with pytest.raises(LosantApiError) as caught:
        client.get_experience_user(USER_ID)
    assert "HTTP 502 with a non-Losant body (text/html): 502 Bad Gateway Bad Gateway" in caught.value.message
    assert "<html>" not in caught.value.message


@pytest.mark.parametrize("raw,cause", [(b"{not json", "not JSON"), (b"", "empty body")])
def test_a_success_without_json_fails_clearly(raw, cause):
    client = make_client(response(200, raw=raw, headers={"Content-Type": "application/json"}))
    with pytest.raises(LosantApiError) as caught:
        client.get_experience_user(USER_ID)
    assert cause in caught.value.message
    assert "accepted" not in caught.value.message


@pytest.mark.parametrize("raw,cause", [(b"{not json", "not JSON"), (b"", "empty body")])
def test_a_write_answered_without_json_says_it_has_probably_taken_effect(raw, cause):
    client = make_client(response(200, raw=raw, headers={"Content-Type": "application/json"}))
    with pytest.raises(LosantApiError) as caught:
        client.update_experience_user(USER_ID, {"firstName": "J"})
    assert cause in caught.value.message
    assert caught.value.message.endswith("the PATCH was accepted, so the change has probably been made: run the task "
                                         "again to converge")
    assert len(client.session.calls) == 1


def test_post_after_a_lost_answer_looks_up_before_retrying_and_finds_the_user():
    created = user("new@example.com")
    client = make_client(
        requests.exceptions.ConnectionError("Connection reset by peer"),
        response(200, {"items": [created], "totalCount": 1}),
    )
    assert client.create_experience_user({"email": "new@example.com", "password": "x" * 8}) == created
    assert [call["method"] for call in client.session.calls] == ["POST", "GET"]


def test_post_after_a_lost_answer_is_retried_only_when_the_lookup_finds_nothing():
    created = user("new@example.com")
    client = make_client(
        response(503, {"type": "ServiceUnavailable", "message": "busy"}),
        response(200, {"items": [], "totalCount": 0}),
        response(201, created),
    )
    assert client.create_experience_user({"email": "new@example.com", "password": "x" * 8}) == created
    assert [call["method"] for call in client.session.calls] == ["POST", "GET", "POST"]


def test_post_after_429_is_retried_without_lookup():
    created = user("new@example.com")
    client = make_client(
        response(429, {"type": "RateLimitExceeded", "message": "x"}, {"Retry-After": "1"}),
        response(201, created),
    )
    client.create_experience_user({"email": "new@example.com", "password": "x" * 8})
    assert [call["method"] for call in client.session.calls] == ["POST", "POST"]


def test_a_post_without_a_recovery_lookup_is_never_repeated():
    client = make_client(requests.exceptions.ReadTimeout("read timed out"))
    with pytest.raises(LosantApiError) as caught:
        client.request("POST", "/anything", body={})
    assert len(client.session.calls) == 1
    assert "may have taken effect" in caught.value.message


def test_delete_of_a_user_already_gone_is_fine():
    client = make_client(
        response(504, {"type": "GatewayTimeout", "message": "x"}),
        response(404, {"type": "NotFound", "message": "Experience User was not found"}),
    )
    client.delete_experience_user(USER_ID)
    assert [call["method"] for call in client.session.calls] == ["DELETE", "DELETE"]


def test_a_repeated_post_refused_as_already_exists_returns_what_the_first_attempt_created():
    created = user("new@example.com")
    client = make_client(
        requests.exceptions.ReadTimeout("read timed out"),     # the first POST is still under way ...
        response(200, {"items": [], "totalCount": 0}),         # ... so the lookup finds nothing yet,
        response(400, {"type": "AlreadyExists", "message": 'Email address "new@example.com" already exists'}),
        response(200, {"items": [created], "totalCount": 1}),  # and the repeat meets the user it made
    )
    assert client.create_experience_user({"email": "new@example.com", "password": "x" * 8}) == created
    assert [call["method"] for call in client.session.calls] == ["POST", "GET", "POST", "GET"]


def test_already_exists_on_a_first_post_is_the_caller_s_to_handle():
    client = make_client(response(400, {"type": "AlreadyExists", "message": "exists"}))
    with pytest.raises(LosantApiError) as caught:
        client.create_experience_user({"email": "new@example.com", "password": "x" * 8})
    assert caught.value.error_type == "AlreadyExists"
    assert len(client.session.calls) == 1


@pytest.mark.parametrize("failure", [requests.exceptions.ReadTimeout("read timed out"),
                                     response(504, {"type": "GatewayTimeout", "message": "x"})])
def test_a_group_post_that_may_still_be_under_way_is_not_repeated(failure):
    # Group names are not unique: a repeat could make a second group once the first lands.
    client = make_client(failure, response(200, {"items": [], "totalCount": 0}))
    with pytest.raises(LosantApiError) as caught:
        client.create_experience_group({"name": "Ops"}, recover=lambda: None if client.query_experience_groups() == []
                                       else "found")
    assert [call["method"] for call in client.session.calls] == ["POST", "GET"]
    assert "not repeated" in caught.value.message and "may still take effect" in caught.value.message


def test_a_group_post_lost_otherwise_is_looked_up_then_repeated():
    group = {"id": USER_ID, "name": "Ops"}
    client = make_client(response(503, {"type": "ServiceUnavailable", "message": "x"}),
                         response(200, {"items": [], "totalCount": 0}), response(201, group))
    found = client.create_experience_group({"name": "Ops"}, recover=lambda: (client.query_experience_groups() or [None])[0])
    assert found == group
    assert [call["method"] for call in client.session.calls] == ["POST", "GET", "POST"]


def test_a_secret_echoed_in_a_long_foreign_page_is_redacted_before_the_page_is_cut():
    page = "<html><body><p>%s</p><pre>Bearer %s</pre></body></html>" % ("x" * 170, TOKEN)
    client = make_client(response(502, raw=page.encode(), headers={"Content-Type": "text/html"}), retries=0)
    with pytest.raises(LosantApiError) as caught:
        client.get_experience_user(USER_ID)
    assert TOKEN[:8] not in caught.value.message
    assert "Bearer ********" in caught.value.message


def test_a_secret_the_page_cleaner_would_alter_is_still_redacted():
    secret = "two  spaces<and>tags"
    page = "<html><body>password=%s</body></html>" % secret
    client = make_client(response(503, raw=page.encode(), headers={"Content-Type": "text/html"}), retries=0)
    client.add_secret(secret)
    with pytest.raises(LosantApiError) as caught:
        client.get_experience_user(USER_ID)
    assert "two" not in caught.value.message and "spaces" not in caught.value.message
    assert "password=********" in caught.value.message


def test_a_secret_escaped_inside_an_exception_message_is_redacted():
    token = "tok-with-newline\n"
    session = FakeSession(requests.exceptions.InvalidHeader(
        "Invalid return character(s) in header value: %r" % ("Bearer " + token)))
    client = PermittedClient("https://api.example.test", token, APP, session=session, sleep=lambda s: None)
    with pytest.raises(LosantApiError) as caught:
        client.get_experience_user(USER_ID)
    assert "tok-with-newline" not in caught.value.message
    assert "'Bearer ********'" in caught.value.message


def test_a_tls_error_is_not_retried_and_says_so():
    client = make_client(requests.exceptions.SSLError("certificate verify failed: self-signed certificate"))
    with pytest.raises(LosantApiError) as caught:
        client.get_experience_user(USER_ID)
    assert len(client.session.calls) == 1
    assert "TLS error: certificate verify failed: self-signed certificate" in caught.value.message


APPLICATION_NOT_FOUND = {"type": "NotFound", "message": "Application was not found"}
HTML_404 = dict(raw=b"<html><body><h1>404 Not Found</h1></body></html>", headers={"Content-Type": "text/html"})
GROUP_ID = "5f6a7b8c9d0e1f2a3b4c5d72"


@pytest.mark.parametrize("call, message", [
    (lambda client: client.get_experience_user(USER_ID), "Experience User was not found"),
    (lambda client: client.delete_experience_user(USER_ID), "Experience User was not found"),
    (lambda client: client.get_experience_group(GROUP_ID), "Experience Group was not found"),
    (lambda client: client.delete_experience_group(GROUP_ID), "Experience Group was not found"),
])
def test_a_404_is_absent_only_when_losant_names_that_resource(call, message):
    assert call(make_client(response(404, {"type": "NotFound", "message": message}))) is None
    other = "Experience Group was not found" if "User" in message else "Experience User was not found"
    foreign = [response(404, APPLICATION_NOT_FOUND), response(404, **HTML_404),
               response(404, {"type": "NotFound", "message": other}), response(404, {"type": "Error", "message": message})]
    for answer in foreign:
        with pytest.raises(LosantApiError) as caught:
            call(make_client(answer))
        assert caught.value.status == 404


def test_application_not_found_names_the_request_and_points_at_application_id():
    client = make_client(response(404, APPLICATION_NOT_FOUND))
    with pytest.raises(LosantApiError) as caught:
        client.delete_experience_user(USER_ID)
    assert caught.value.message == (
        "Losant API request DELETE /%s/%s failed: HTTP 404 NotFound: Application was not found; check "
        "application_id (%s): Losant knows no application of that id" % (USERS, USER_ID, APP))
    assert (caught.value.losant_message, caught.value.error_type) == ("Application was not found", "NotFound")


def test_a_foreign_html_404_points_at_api_url():
    client = make_client(response(404, **HTML_404))
    with pytest.raises(LosantApiError) as caught:
        client.get_experience_user(USER_ID)
    assert caught.value.message.endswith("HTTP 404 with a non-Losant body (text/html): 404 Not Found; this is not an "
                                         "answer of Losant's API: check api_url (https://api.example.test)")
    assert caught.value.losant_message is None and caught.value.error_type is None


def test_a_connection_error_against_http_hints_at_the_scheme():
    error = requests.exceptions.ConnectionError("Connection aborted: ConnectionResetError(104, 'reset by peer')")
    session = FakeSession(error)
    client = PermittedClient("http://api.example.test", TOKEN, APP, session=session, sleep=lambda s: None, retries=0)
    with pytest.raises(LosantApiError) as caught:
        client.get_experience_user(USER_ID)
    assert "api_url starts with http://: Losant's API answers on https:// only" in caught.value.message
    https = make_client(error, retries=0)
    with pytest.raises(LosantApiError) as caught:
        https.get_experience_user(USER_ID)
    assert "http://" not in caught.value.message


def test_a_connection_error_shows_the_innermost_reason_of_the_nested_caused_by_form():
    nested = requests.exceptions.ConnectionError(
        "HTTPSConnectionPool(host='api.example.test', port=443): Max retries exceeded with url: /x (Caused by "
        "NewConnectionError('<urllib3.connection.HTTPSConnection object at 0x7f>: Failed to establish a new "
        "connection: [Errno 111] Connection refused'))")
    client = make_client(nested, retries=0)
    with pytest.raises(LosantApiError) as caught:
        client.get_experience_user(USER_ID)
    assert caught.value.message == (
        "Losant API request GET /%s/%s failed: connection failed: NewConnectionError: Failed to establish a new "
        "connection: [Errno 111] Connection refused (gave up after 0 retries)" % (USERS, USER_ID))


def test_a_lookup_by_id_answered_with_another_resource_fails():
    client = make_client(response(200, user(id="5f6a7b8c9d0e1f2a3b4c5d99")))
    with pytest.raises(LosantApiError) as caught:
        client.get_experience_user(USER_ID)
    assert caught.value.message.endswith("the answer is not the experience user asked for (its id is "
                                         "'5f6a7b8c9d0e1f2a3b4c5d99')")
    assert make_client(response(200, user(id=USER_ID.upper()))).get_experience_user(USER_ID)["email"] == "a@example.com"


def test_a_group_post_after_a_connection_error_is_looked_up_first_and_repeated_only_if_not_found():
    group = {"id": USER_ID, "name": "Ops"}
    lost = requests.exceptions.ConnectionError("Connection reset by peer")
    client = make_client(lost, response(200, {"items": [group], "totalCount": 1}))
    found = client.create_experience_group({"name": "Ops"}, recover=lambda: (client.query_experience_groups() or [None])[0])
    assert found == group and [call["method"] for call in client.session.calls] == ["POST", "GET"]
    client = make_client(lost, response(200, {"items": [], "totalCount": 0}), response(201, group))
    found = client.create_experience_group({"name": "Ops"}, recover=lambda: (client.query_experience_groups() or [None])[0])
    assert found == group and [call["method"] for call in client.session.calls] == ["POST", "GET", "POST"]
