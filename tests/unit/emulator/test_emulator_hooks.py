"""The /_emulator/* test hooks: request log, reset, state, seed and their errors."""

import json

from ansible_collections.losant.platform.tests.unit.emulator.emulator_client import APP, assert_error, seed


def test_request_log_masks_passwords_and_supports_since(api):
    api.call("GET", "/users", token="bad")
    user = api.user("log@example.com", password="hunter2hunter2")
    api.ok("PATCH", "/users/" + user["id"], {"password": "abcdefghij", "firstName": "L"})
    api.hook("GET", "state")  # hooks are never logged
    log = api.log()
    assert log["last_seq"] == 3
    entries = log["requests"]
    assert [e["seq"] for e in entries] == [1, 2, 3]
    assert [(e["method"], e["status"]) for e in entries] == [("GET", 401), ("POST", 201), ("PATCH", 200)]
    assert entries[0]["response"]["type"] == "Unauthorized"
    assert entries[1]["path"] == "/applications/%s/experience/users" % APP
    assert entries[1]["body"] == {"email": "log@example.com", "password": "*" * len("hunter2hunter2")}
    assert entries[1]["response"]["id"] == user["id"]
    assert entries[2]["body"] == {"password": "**********", "firstName": "L"}
    assert "hunter2" not in json.dumps(log) and "abcdefghij" not in json.dumps(log)
    assert [e["seq"] for e in api.log(since=2)["requests"]] == [3]
    api.list_users(perPage=5, _links="true")
    last = api.log(since=3)["requests"]
    assert last[0]["query"] == {"perPage": "5", "_links": "true"} and last[0]["body"] is None
    assert api.hook("DELETE", "requests").status_code == 200
    assert api.log() == {"requests": [], "last_seq": 4}
    api.list_users()
    assert [e["seq"] for e in api.log()["requests"]] == [5]
    assert_error(api.hook("GET", "requests", params={"since": "x"}), 400, "Validation", "since")


def test_reset_clears_everything(api):
    seed(api, groups=[{"name": "g"}], users=[{"email": "r@example.com"}])
    api.faults({"action": "status", "status": 500, "path": "nothing-matches"})
    api.list_users()
    assert api.hook("POST", "reset").json() == {"success": True}
    assert api.hook("GET", "state").json() == {"experienceUsers": [], "experienceGroups": [], "devices": [],
                                               "experienceEndpoints": []}
    assert api.hook("GET", "faults").json() == {"latency": 0, "rules": []}
    assert api.log()["requests"] == []
    assert api.list_users()["totalCount"] == 0


def test_hook_errors(api):
    assert_error(api.hook("GET", "nope"), 404, "NotFound")
    assert_error(api.hook("GET", "reset"), 405, "MethodNotAllowed")
    assert_error(api.hook("POST", "seed", {"experienceUsers": [{"email": "bad"}]}), 400, "Validation",
                 "experienceUsers[0]", "email")
    assert_error(api.hook("PUT", "faults", {"rules": [{"action": "explode"}]}), 400, "Validation", "action")
    assert_error(api.hook("PUT", "faults", {"rules": [{"action": "drop", "path": "("}]}), 400, "Validation", "path")
    assert_error(api.hook("PUT", "faults", {"rules": [{"action": "drop", "every": 0}]}), 400, "Validation", "every")
    assert_error(api.hook("PUT", "faults", {"rules": [{"action": "drop", "bogus": 1}]}), 400, "Validation", "bogus")
    assert_error(api.hook("PUT", "faults", {"latency": -1}), 400, "Validation", "latency")


def test_seed_resolves_names_and_is_atomic(api):
    seeded = seed(api, groups=[{"name": "parent", "groupTags": {"k": "v"}, "description": "d"},
                               {"name": "kid", "parentName": "parent"}],
                  users=[{"email": "s1@example.com", "password": "password123", "firstName": "S",
                          "experienceGroups": ["kid", "parent"], "userTags": {"t": "1"}},
                         {"email": "s2@example.com", "passwordLastUpdated": "2025-05-05T05:05:05Z"}])
    assert [g["name"] for g in seeded["experienceGroups"]] == ["parent", "kid"]
    assert [u["email"] for u in seeded["experienceUsers"]] == ["s1@example.com", "s2@example.com"]
    state = api.hook("GET", "state").json()
    kid = [g for g in state["experienceGroups"] if g["name"] == "kid"][0]
    parent = [g for g in state["experienceGroups"] if g["name"] == "parent"][0]
    assert kid["parentId"] == parent["id"] and parent["groupTags"] == {"k": "v"}
    s1 = [u for u in state["experienceUsers"] if u["email"] == "s1@example.com"][0]
    s2 = [u for u in state["experienceUsers"] if u["email"] == "s2@example.com"][0]
    assert sorted(g["name"] for g in s1["experienceGroups"]) == ["kid", "parent"]
    assert "passwordLastUpdated" in s1 and s2["passwordLastUpdated"] == "2025-05-05T05:05:05.000Z"
    before = api.hook("GET", "state").json()
    # duplicate email (case-insensitively) anywhere in the batch: nothing is inserted
    resp = api.hook("POST", "seed", {"experienceGroups": [{"name": "new"}],
                                     "experienceUsers": [{"email": "fresh@example.com"},
                                                         {"email": "S1@example.com"}]})
    assert_error(resp, 400, "AlreadyExists", "S1@example.com")
    assert_error(api.hook("POST", "seed", {"experienceUsers": [{"email": "x@example.com",
                                                               "experienceGroups": ["missing"]}]}),
                 400, "Validation", "missing")
    assert_error(api.hook("POST", "seed", {"experienceUsers": [{"email": "y@example.com", "password": "short"}]}),
                 400, "Validation", "password")
    assert api.hook("GET", "state").json() == before


def test_ten_thousand_users_seed_page_and_query(api):
    # How fast this runs is the benchmark's business (tests/bench); here, only what comes back.
    users = [{"email": "user%05d@example.com" % i, "password": "password123",
              "firstName": "F%d" % (i % 97), "userTags": {"n": str(i % 10)},
              "experienceGroups": ["even" if i % 2 == 0 else "odd"]} for i in range(10000)]
    seed(api, groups=[{"name": "even"}, {"name": "odd"}], users=users)
    seen = set()
    for page in range(10):
        body = api.list_users(perPage=1000, page=page, sortField="firstName")
        assert body["totalCount"] == 10000 and body["count"] == 1000
        seen.update(item["email"] for item in body["items"])
    assert len(seen) == 10000
    body = api.query_users({"userTags": {"n": "7"}, "email": {"$endsWith": "7@example.com"}}, perPage=1000)
    assert body["totalCount"] == 1000
    resp = api.call("POST", "/users", {"email": "user00001@EXAMPLE.com", "password": "password123"})
    assert resp.status_code == 400 and resp.json()["type"] == "AlreadyExists"
