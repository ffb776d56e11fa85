"""The page cap and the latency the emulator serves with (as a real server
whose pages hold 100 items, a round trip away), ids in creation order, and
listings that follow every change although their sort is kept between pages."""

import subprocess
import sys

import pytest

from ansible_collections.losant.platform.tests.emulator.losant_emulator import Emulator
from ansible_collections.losant.platform.tests.unit.emulator.emulator_client import (
    EMULATOR_LAUNCHER, Api, assert_error, seed)


@pytest.fixture
def capped():
    with Emulator(page_cap=3) as emu:
        yield Api(emu.url)


def test_a_page_holds_at_most_the_cap_whatever_per_page_asks(capped):
    seed(capped, [{"email": "p%02d@example.com" % i} for i in range(8)], groups=[{"name": "g%d" % i} for i in range(5)])
    body = capped.list_users(perPage=1000)
    assert (body["count"], body["perPage"], body["totalCount"]) == (3, 3, 8)
    assert [u["email"] for u in body["items"]] == ["p00@example.com", "p01@example.com", "p02@example.com"]
    # The offset of a page follows the page size answered, as on a server that caps.
    second = capped.list_users(perPage=1000, page=1)
    assert [u["email"] for u in second["items"]] == ["p03@example.com", "p04@example.com", "p05@example.com"]
    assert capped.list_users(perPage=1000, page=2)["count"] == 2
    assert capped.list_users()["perPage"] == 3  # the default of 100 is capped too
    small = capped.list_users(perPage=2, page=3)
    assert (small["count"], small["perPage"]) == (2, 2)
    assert [u["email"] for u in small["items"]] == ["p06@example.com", "p07@example.com"]
    groups = capped.ok("GET", "/groups", params={"perPage": 500, "page": 1})
    assert (groups["count"], groups["perPage"], [g["name"] for g in groups["items"]]) == (2, 3, ["g3", "g4"])
    # perPage is still checked against Losant's own limits.
    assert_error(capped.call("GET", "/users", params={"perPage": 1001}), 400, "Validation", "perPage")


def test_without_a_cap_a_page_holds_what_per_page_asks(api):
    seed(api, [{"email": "p%04d@example.com" % i} for i in range(1200)])
    body = api.list_users(perPage=1000)
    assert (body["count"], body["perPage"], body["totalCount"]) == (1000, 1000, 1200)


def test_the_settings_hook_reads_and_changes_the_cap_and_a_reset_keeps_it(api):
    assert api.hook("GET", "settings").json() == {"pageCap": 1000}
    seed(api, [{"email": "p%d@example.com" % i} for i in range(5)])
    assert api.hook("PUT", "settings", {"pageCap": 2}).json() == {"pageCap": 2}
    assert api.list_users(perPage=100)["count"] == 2
    assert api.hook("PUT", "settings", {}).json() == {"pageCap": 2}
    assert api.hook("POST", "reset").status_code == 200
    assert api.hook("GET", "settings").json() == {"pageCap": 2}
    for bad in ({"pageCap": 0}, {"pageCap": 1001}, {"pageCap": "100"}, {"pageCap": True}, {"pageCap": None}):
        assert_error(api.hook("PUT", "settings", bad), 400, "Validation", "pageCap")
    assert_error(api.hook("PUT", "settings", {"latency": 1}), 400, "Validation", "latency")
    assert_error(api.hook("PUT", "settings", [1]), 400, "Validation", "settings")
    assert api.hook("GET", "settings").json() == {"pageCap": 2}


def test_the_latency_started_with_is_the_faults_latency_and_a_reset_restores_it():
    with Emulator(latency=0.25) as emu:
        api = Api(emu.url)
        assert api.hook("GET", "faults").json() == {"latency": 0.25, "rules": []}
        api.faults({"action": "status", "status": 503, "times": 1})
        assert api.hook("GET", "faults").json()["latency"] == 0.25  # rules alone keep the latency
        api.faults(latency=0)
        assert api.hook("GET", "faults").json()["latency"] == 0
        assert api.hook("DELETE", "faults").json() == {"latency": 0.25, "rules": []}
        api.faults(latency=1.5)
        api.hook("POST", "reset")
        assert api.hook("GET", "faults").json() == {"latency": 0.25, "rules": []}


@pytest.mark.parametrize("kwargs, word", [
    ({"page_cap": 0}, "page cap"), ({"page_cap": 1001}, "page cap"), ({"page_cap": 2.5}, "page cap"),
    ({"latency": -1}, "latency"), ({"latency": "slow"}, "latency"),
])
def test_bad_settings_refuse_to_start(kwargs, word):
    with pytest.raises(ValueError, match=word):
        Emulator(**kwargs)


def test_the_command_line_takes_the_cap_and_the_latency():
    proc = subprocess.Popen([sys.executable, str(EMULATOR_LAUNCHER), "--page-cap", "100", "--latency", "0.05", "--quiet"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        api = Api(proc.stdout.readline().strip())
        assert api.hook("GET", "settings").json() == {"pageCap": 100}
        assert api.hook("GET", "faults").json() == {"latency": 0.05, "rules": []}
        seed(api, [{"email": "p%03d@example.com" % i} for i in range(150)])
        assert api.list_users(perPage=1000)["count"] == 100
    finally:
        proc.terminate()
        proc.communicate(timeout=10)
    assert proc.returncode == 0


@pytest.mark.parametrize("flag, value, word", [("--page-cap", "0", "page cap"), ("--latency", "-0.5", "latency")])
def test_the_command_line_refuses_a_bad_cap_or_latency(flag, value, word):
    proc = subprocess.run([sys.executable, str(EMULATOR_LAUNCHER), flag, value], capture_output=True, text=True,
                          timeout=10, check=False)
    assert proc.returncode == 2 and word in proc.stderr


def test_new_ids_sort_in_creation_order_like_losant_object_ids(api):
    ids = [api.user("n%02d@example.com" % i)["id"] for i in range(12)]
    ids += [created["id"] for created in api.hook("POST", "seed", {"experienceUsers": [
        {"email": "s%02d@example.com" % i} for i in range(5)]}).json()["experienceUsers"]]
    ids.append(api.group("g")["id"])
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert [u["id"] for u in api.list_users(sortField="id", perPage=100)["items"]] == ids[:-1]


def test_listings_follow_every_change_between_pages(api):
    seed(api, [{"email": "p%02d@example.com" % i} for i in range(6)])
    assert [u["email"] for u in api.list_users(perPage=2, page=0)["items"]] == ["p00@example.com", "p01@example.com"]
    first = api.list_users(perPage=2, page=0)["items"][0]
    api.ok("PATCH", "/users/" + first["id"], {"email": "z@example.com"})
    assert [u["email"] for u in api.list_users(perPage=2, page=0)["items"]] == ["p01@example.com", "p02@example.com"]
    assert api.list_users(perPage=2, page=2)["items"][-1]["email"] == "z@example.com"
    api.user("a@example.com")
    body = api.list_users(perPage=2, page=0)
    assert body["totalCount"] == 7 and body["items"][0]["email"] == "a@example.com"
    api.ok("DELETE", "/users/" + body["items"][0]["id"])
    assert api.list_users(perPage=2)["totalCount"] == 6
    group = api.group("Ops")
    api.ok("PATCH", "/users/" + first["id"], {"experienceGroupIds": [group["id"]]})
    members = api.list_users(experienceGroupId=group["id"])
    assert [u["email"] for u in members["items"]] == ["z@example.com"]
    api.ok("PATCH", "/groups/" + group["id"], {"experienceUserIds": []})
    assert api.list_users(experienceGroupId=group["id"])["totalCount"] == 0
    api.ok("PATCH", "/groups/" + group["id"], {"name": "Renamed"})
    assert [g["name"] for g in api.ok("GET", "/groups")["items"]] == ["Renamed"]


def test_the_request_log_says_which_api_version_each_request_asked_for(api):
    api.list_users()
    api.session.headers["Accept-Version"] = "^1.29.3"
    api.user("v@example.com")
    assert [(e["method"], e["accept_version"]) for e in api.log()["requests"]] == [("GET", None), ("POST", "^1.29.3")]


def test_a_rate_limit_answers_429_beyond_its_limit_until_its_window_ends(api):
    api.faults({"method": "PATCH", "action": "rate_limit", "limit": 2, "window": 60, "name": "2 a minute"})
    user = api.user("r@example.com")
    answers = [api.call("PATCH", "/users/" + user["id"], {"firstName": "N%d" % i}) for i in range(4)]
    assert [answer.status_code for answer in answers] == [200, 200, 429, 429]
    assert_error(answers[2], 429, "RateLimitExceeded")
    assert 1 <= int(answers[2].headers["Retry-After"]) <= 60
    assert api.ok("GET", "/users/" + user["id"])["firstName"] == "N1"  # a 429 changes nothing
    assert api.call("GET", "/users").status_code == 200  # other methods are not limited
    rule = api.hook("GET", "faults").json()["rules"][0]
    assert (rule["matched"], rule["fired"], rule["limit"], rule["window"]) == (4, 2, 2, 60)
    faults = [e["fault"] for e in api.log()["requests"] if e["method"] == "PATCH"]
    assert faults == [None, None, "rate_limit", "rate_limit"]


def test_a_rate_limit_lets_requests_through_again_in_its_next_window(api):
    api.faults({"action": "rate_limit", "limit": 1, "window": 0.3})
    assert [api.call("GET", "/users").status_code for dummy in range(2)] == [200, 429]
    while api.call("GET", "/users").status_code == 429:
        pass  # the window ends within 0.3 s
    assert api.hook("GET", "faults").json()["rules"][0]["fired"] >= 1


@pytest.mark.parametrize("rule, word", [
    ({"action": "rate_limit", "limit": 0}, "limit"), ({"action": "rate_limit", "window": 0}, "window"),
    ({"action": "rate_limit", "window": "1s"}, "window"),
])
def test_a_bad_rate_limit_is_refused(api, rule, word):
    assert_error(api.hook("PUT", "faults", {"rules": [rule]}), 400, "Validation", word)
