"""Fault injection: every action, rule counting and latency."""

import json
import socket
import time

import pytest
import requests

from ansible_collections.losant.platform.tests.emulator.losant_emulator import DEFAULT_TOKEN
from ansible_collections.losant.platform.tests.unit.emulator.emulator_client import APP, assert_error


def raw_exchange(url, request_bytes, timeout=5):
    """Send raw bytes; return what came back (b"" on a clean close)."""
    host, port = url.split("//")[1].split(":")
    sock = socket.create_connection((host, int(port)), timeout=timeout)
    try:
        sock.sendall(request_bytes)
        chunks = []
        while True:
            data = sock.recv(65536)
            if not data:
                break
            chunks.append(data)
        return b"".join(chunks)
    finally:
        sock.close()


def raw_post_user(email):
    body = json.dumps({"email": email, "password": "password123"}).encode()
    return (("POST /applications/%s/experience/users HTTP/1.1\r\nHost: x\r\n"
             "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
             "Content-Length: %d\r\nConnection: close\r\n\r\n" % (APP, DEFAULT_TOKEN, len(body))).encode() + body)


def test_fault_status_with_retry_after_does_not_touch_state(api):
    api.faults({"method": "POST", "path": "/experience/users$", "action": "status", "status": 429,
                "retry_after": "7", "times": 1})
    resp = api.call("POST", "/users", {"email": "rl@example.com", "password": "password123"})
    body = assert_error(resp, 429, "RateLimitExceeded")
    assert body["message"]
    assert resp.headers["Retry-After"] == "7"
    assert api.list_users()["totalCount"] == 0
    api.user("rl@example.com")  # times=1: the retry goes through
    entry = api.log()["requests"][0]
    assert (entry["status"], entry["fault"], entry["response"]["type"]) == (429, "status", "RateLimitExceeded")


@pytest.mark.parametrize("status, type_", [(500, "InternalError"), (502, "BadGateway"),
                                           (503, "ServiceUnavailable"), (504, "GatewayTimeout")])
def test_fault_status_codes(api, status, type_):
    api.faults({"action": "status", "status": status})
    assert_error(api.call("GET", "/users"), status, type_)
    assert "Retry-After" not in api.call("GET", "/groups").headers


def test_fault_status_raw_body(api):
    page = "<html><body><h1>502 Bad Gateway</h1></body></html>"
    api.faults({"action": "status", "status": 502, "body": page, "content_type": "text/html"})
    resp = api.call("GET", "/users")
    assert resp.status_code == 502 and resp.text == page
    assert resp.headers["Content-Type"] == "text/html"
    assert api.log()["requests"][0]["response"] is None


def test_fault_drop_closes_without_answer_before_processing(api):
    api.faults({"action": "drop", "method": "POST"})
    with pytest.raises(requests.ConnectionError):
        api.call("POST", "/users", {"email": "drop@example.com", "password": "password123"})
    assert raw_exchange(api.url, raw_post_user("drop2@example.com")) == b""
    assert api.list_users()["totalCount"] == 0
    assert [(e["status"], e["fault"]) for e in api.log()["requests"][:2]] == [(0, "drop"), (0, "drop")]


def test_fault_drop_after_processes_then_drops(api):
    api.faults({"action": "drop_after", "method": "POST", "times": 1})
    with pytest.raises(requests.ConnectionError):
        api.call("POST", "/users", {"email": "lost@example.com", "password": "password123"})
    # the user exists although the client never saw the answer: a retry is a duplicate
    assert api.emails() == ["lost@example.com"]
    assert_error(api.call("POST", "/users", {"email": "lost@example.com", "password": "password123"}),
                 400, "AlreadyExists")
    assert api.log()["requests"][0]["status"] == 0


def test_fault_reset_sends_rst(api):
    api.faults({"action": "reset"})
    with pytest.raises(ConnectionResetError):
        raw_exchange(api.url, raw_post_user("rst@example.com"))
    with pytest.raises(requests.ConnectionError):
        api.call("GET", "/users")
    api.hook("DELETE", "faults")
    assert api.list_users()["totalCount"] == 0


def test_fault_delay_causes_read_timeout(api):
    api.faults({"action": "delay", "delay": 0.6, "method": "GET", "times": 1})
    with pytest.raises(requests.exceptions.ReadTimeout):
        api.call("GET", "/users", timeout=0.2)
    api.faults({"action": "delay", "delay": 0.3, "method": "GET"})
    start = time.perf_counter()
    assert api.list_users()["totalCount"] == 0
    assert time.perf_counter() - start >= 0.3


def test_fault_delay_after_lands_the_write_although_the_client_timed_out(api):
    uid = api.user("late@example.com")["id"]
    api.faults({"action": "delay_after", "delay": 0.8, "method": "PATCH", "times": 1})
    with pytest.raises(requests.exceptions.ReadTimeout):
        api.call("PATCH", "/users/" + uid, {"firstName": "Late"}, timeout=0.2)
    # the change is already stored while the answer waits
    assert [u["firstName"] for u in api.hook("GET", "state").json()["experienceUsers"]] == ["Late"]
    entry = api.log()["requests"][-1]
    assert (entry["method"], entry["status"], entry["fault"]) == ("PATCH", None, "delay_after")
    time.sleep(1.0)  # the late answer meets a closed connection; the server keeps serving
    assert api.ok("GET", "/users/" + uid)["firstName"] == "Late"
    assert api.log()["requests"][-2]["status"] == 200


def test_fault_delay_after_answers_normally_after_the_delay(api):
    uid = api.user("slow@example.com")["id"]
    api.faults({"action": "delay_after", "delay": 0.3, "method": "PATCH"})
    start = time.perf_counter()
    resp = api.call("PATCH", "/users/" + uid, {"lastName": "Slow"}, timeout=5)
    assert time.perf_counter() - start >= 0.3
    assert resp.status_code == 200 and resp.json()["lastName"] == "Slow"
    assert resp.json() == api.ok("GET", "/users/" + uid)
    entry = api.log()["requests"][-2]
    assert (entry["status"], entry["fault"], entry["response"]["lastName"]) == (200, "delay_after", "Slow")


@pytest.mark.parametrize("bad", [-1, "1", True, None])
def test_fault_delay_after_rule_validation(api, bad):
    assert_error(api.hook("PUT", "faults", {"rules": [{"action": "delay_after", "delay": bad}]}),
                 400, "Validation", "rules[0].delay")
    described = api.faults({"action": "delay_after"})
    assert (described["rules"][0]["action"], described["rules"][0]["delay"]) == ("delay_after", 1)


def test_fault_malformed_and_empty_bodies_after_processing(api):
    api.faults({"action": "malformed", "times": 1, "method": "POST"}, {"action": "empty", "method": "POST"})
    resp = api.call("POST", "/users", {"email": "m@example.com", "password": "password123"})
    assert resp.status_code == 200
    with pytest.raises(ValueError):
        json.loads(resp.text)
    resp = api.call("POST", "/users", {"email": "e@example.com", "password": "password123"})
    assert resp.status_code == 200 and resp.content == b""
    assert api.emails() == ["e@example.com", "m@example.com"]
    assert [(e["status"], e["fault"], e["response"]) for e in api.log()["requests"][:2]] == \
        [(200, "malformed", None), (200, "empty", None)]


def test_fault_every_times_skip_counting_and_first_rule_wins(api):
    described = api.faults(
        {"action": "status", "status": 503, "method": "GET", "path": "/users", "every": 2, "times": 2, "skip": 1},
        {"action": "status", "status": 500, "method": "GET", "path": "/users", "times": 1},
    )
    assert described["rules"][0]["fired"] == 0
    statuses = [api.call("GET", "/users").status_code for dummy in range(8)]
    # rule 1 sees requests 1..8: skip 1, then fires on every 2nd (3rd, 5th), at most twice;
    # rule 2 only sees what rule 1 let through and fires once (on request 1)
    assert statuses == [500, 200, 503, 200, 503, 200, 200, 200]
    rules = api.hook("GET", "faults").json()["rules"]
    assert (rules[0]["fired"], rules[0]["matched"]) == (2, 8)
    assert (rules[1]["fired"], rules[1]["matched"]) == (1, 6)
    assert api.call("GET", "/groups").status_code == 200  # path does not match
    assert api.call("POST", "/users", {"email": "x@example.com", "password": "password123"}).status_code == 201


def test_faults_latency_and_hooks_are_never_faulted(api):
    api.faults({"action": "drop"}, latency=0.25)
    assert api.hook("GET", "state").status_code == 200
    assert api.hook("GET", "faults").json()["latency"] == 0.25
    start = time.perf_counter()
    with pytest.raises(requests.ConnectionError):
        api.call("GET", "/users")
    assert time.perf_counter() - start >= 0.25
    api.faults(latency=1.0)
    start = time.perf_counter()
    api.list_users()
    assert time.perf_counter() - start >= 1.0
    start = time.perf_counter()
    api.hook("GET", "requests")
    assert time.perf_counter() - start < 1.0  # the hook skipped the second of latency
    assert api.hook("DELETE", "faults").json() == {"latency": 0, "rules": []}


def test_faulted_auth_failures_still_logged(api):
    api.faults({"action": "status", "status": 500, "times": 1})
    api.call("GET", "/users", token="bad")
    api.call("GET", "/users", token="bad")
    assert [e["status"] for e in api.log()["requests"]] == [500, 401]


def test_fault_ignore_query_answers_as_if_the_parameter_was_not_sent(api):
    leaf = api.group("leaf")
    api.group("other")
    query = {"query": json.dumps({"id": leaf["id"]})}
    assert [g["name"] for g in api.call("GET", "/groups", params=query).json()["items"]] == ["leaf"]
    api.faults({"action": "ignore_query", "params": ["query"], "method": "GET", "path": "/experience/groups$"})
    answered = api.call("GET", "/groups", params=dict(query, sortField="name")).json()
    assert [g["name"] for g in answered["items"]] == ["leaf", "other"]  # sortField still applies
    logged = api.log()["requests"][-1]
    assert (logged["query"]["query"], logged["fault"]) == (query["query"], "ignore_query")
    for bad in (None, [], "query", [1]):
        rule = {"action": "ignore_query"} if bad is None else {"action": "ignore_query", "params": bad}
        assert_error(api.hook("PUT", "faults", {"rules": [rule]}), 400, "Validation", "params")


def test_fault_ignore_query_on_the_user_listing(api):
    api.user("one@example.com")
    api.user("two@example.com")
    query = {"query": json.dumps({"email": "one@example.com"})}
    assert [u["email"] for u in api.list_users(**query)["items"]] == ["one@example.com"]
    api.faults({"method": "GET", "path": "/experience/users$", "action": "ignore_query", "params": ["query"]})
    answered = api.call("GET", "/users", params=query).json()
    assert sorted(u["email"] for u in answered["items"]) == ["one@example.com", "two@example.com"]
    assert answered["totalCount"] == 2
    logged = api.log()["requests"][-1]
    assert (logged["query"], logged["fault"], logged["status"]) == (query, "ignore_query", 200)
    # the group listing is not matched by the rule: its query is still read (and refused)
    assert_error(api.call("GET", "/groups", params=query), 400, "Validation", "email")
