"""The emulator against Losant's official JSON Schemas.

Every body it answers, over a broad exercise of all endpoints (successes and
errors), validates against the schema of that answer; and it accepts exactly
the request bodies and advanced queries the schemas accept (for a catalogue of
edge cases).

The schemas are in the shared Losant API folder (see conformance_support):
absent, these tests skip with the reason, or fail when
LOSANT_CONFORMANCE_REQUIRED=1.
"""

import json

import pytest
import requests

from ansible_collections.losant.platform.tests import conformance_support as cs
from ansible_collections.losant.platform.tests.emulator.losant_emulator import READ_ONLY_TOKEN, Emulator
from ansible_collections.losant.platform.tests.unit.emulator.emulator_client import APP, MISSING_ID, OTHER_APP, Api, q


DEVICE_ID = "5f6a7b8c9d0e1f2a3b4c5d01"
ENDPOINT_ID = "5f6a7b8c9d0e1f2a3b4c5d02"
DEVICES = [
    {"id": DEVICE_ID, "name": "Gateway", "deviceClass": "gateway", "tags": [{"key": "floor", "value": "1"}],
     "connectionInfo": {"connected": 1, "time": "2026-01-01T00:00:00Z"}},
    {"name": "Pump 1", "parentId": DEVICE_ID, "description": "north",
     "tags": [{"key": "floor", "value": "2"}, {"key": "floor", "value": "3"}],
     "attributes": [{"name": "temp", "dataType": "number"}], "connectionInfo": {"connected": 0}},
    {"name": "pump 2"},
]
ENDPOINTS = [
    {"id": ENDPOINT_ID, "method": "get", "route": "/dashboard", "access": "group", "description": "home"},
    {"method": "POST", "route": "/api/readings/{deviceId}", "access": "authenticated", "enabled": False,
     "endpointTags": {"area": "api"}},
]


def exercise(emu):
    """Drive every endpoint through successes and failures; return the request log."""
    api = Api(emu.url)
    ro = Api(emu.url, READ_ONLY_TOKEN)
    seeded = api.session.post(emu.url + "/_emulator/seed", json={
        "devices": DEVICES, "experienceEndpoints": ENDPOINTS,
        "experienceGroups": [{"name": "seeded", "groupTags": {"s": "1"}, "description": "from seed",
                              "deviceTags": [{"key": "floor"}], "experienceEndpointIds": [ENDPOINT_ID]}],
        "experienceUsers": [{"email": "seeded@example.com", "lastLogin": "2026-01-01T10:00:00Z",
                             "firstName": "Seed", "experienceGroups": ["seeded"]}]}).json()
    assert len(seeded["experienceUsers"]) == 1
    root = api.ok("POST", "/groups", {
        "name": "Root", "description": "top", "groupTags": {"tier": "gold"},
        "deviceIds": ["5f6a7b8c9d0e1f2a3b4c5d01"], "deviceTags": [{"key": "floor", "value": "1"}],
        "experienceEndpointIds": ["5f6a7b8c9d0e1f2a3b4c5d02"], "deviceQueryJson": '{"name": "x"}'})
    child = api.ok("POST", "/groups", {"name": "Child", "parentId": root["id"]})
    leaf = api.ok("POST", "/groups", {"name": "Leaf", "parentId": child["id"], "deviceQueryJson": None})
    full = api.ok("POST", "/users", {
        "email": "Full.User@example.com", "password": "password123", "firstName": "Full",
        "lastName": "User", "tokenCutoff": "2026-05-01T12:00:00+02:00",
        "userTags": {"role": "admin", "site-1": "north"}, "experienceGroupIds": [root["id"], leaf["id"]]})
    minimal = api.ok("POST", "/users", {"email": "min@example.org", "password": "12345678"})
    api.ok("POST", "/groups", {"name": "Members", "experienceUserIds": [full["id"], minimal["id"]]})

    for path in ("/users/" + full["id"], "/users/" + minimal["id"], "/groups/" + root["id"],
                 "/groups/" + leaf["id"]):
        api.ok("GET", path)
    ro.ok("GET", "/users")
    for params in [{}, {"perPage": 1, "page": 1}, {"perPage": 2, "page": 50},
                   {"filterField": "email", "filter": "*example*"},
                   {"filterField": "firstName", "filter": "F*"},
                   {"experienceGroupId": "any"}, {"experienceGroupId": "none"},
                   {"experienceGroupId": leaf["id"], "includeAncestorGroups": "true"},
                   {"_actions": "false", "_links": "true", "_embedded": "true"},
                   q({"email": {"$eq": "full.user@example.com", "$ci": True}}),
                   q({"$or": [{"userTags": {"role": {"$in": ["admin"]}}}, {"experienceGroupId": None}]}),
                   q({"userTags": {"$tagKey": "site-1", "$tagValue": None}}),
                   q({"lastLogin": {"$ne": None}, "creationDate": {"$gte": "2000-01-01"}})]:
        api.ok("GET", "/users", params=params)
    for field in ("firstName", "lastName", "email", "id", "creationDate", "lastLogin", "lastUpdated"):
        for direction in ("asc", "desc"):
            api.ok("GET", "/users", params={"sortField": field, "sortDirection": direction})
    for params in [{}, {"filterField": "name", "filter": "*o*"}, {"perPage": 2, "page": 1},
                   q({"ancestorId": root["id"]}), q({"parentId": None}),
                   q({"groupTags": {"tier": "gold"}, "experienceUserId": {"$in": [full["id"]]}})]:
        api.ok("GET", "/groups", params=params)
    for field in ("name", "id", "creationDate", "lastUpdated"):
        api.ok("GET", "/groups", params={"sortField": field, "sortDirection": "desc"})
    for params in [{}, {"perPage": 1, "page": 1}, {"filterField": "name", "filter": "pump*"},
                   {"deviceClass": "gateway"}, {"parentId": DEVICE_ID}, {"tagFilter[0][key]": "floor"},
                   q({"tags": {"floor": "1"}}),
                   q({"$or": [{"name": {"$in": ["Pump 1", "x"], "$ci": True}}, {"id": {"$in": [DEVICE_ID]}}]}),
                   q({"experienceGroupId": root["id"]}), q({"attributeName": "temp", "connectionStatus": "connected"})]:
        api.ok("GET", "/devices", params=params, under="")
    for field in ("name", "id", "creationDate", "lastUpdated", "connectionStatus", "deletedAt"):
        api.ok("GET", "/devices", params={"sortField": field, "sortDirection": "desc"}, under="")
    for params in [{}, {"filterField": "route", "filter": "/dash*"}, {"filterField": "method", "filter": "GET"},
                   {"experienceGroupId": root["id"]}, {"sortField": "route", "sortDirection": "desc"},
                   {"sortField": "requestCount"}]:
        api.ok("GET", "/endpoints", params=params)

    api.ok("PATCH", "/users/" + full["id"], {
        "email": "full.user@example.com", "firstName": "", "lastName": "Renamed", "password": "new-password",
        "tokenCutoff": "2026-06-01T00:00:00.000Z", "userTags": {"role": "viewer"},
        "experienceGroupIds": [child["id"]]})
    api.ok("PATCH", "/users/" + minimal["id"], {})
    api.ok("PATCH", "/groups/" + leaf["id"], {
        "name": "Leaf 2", "description": "", "groupTags": {}, "parentId": None, "deviceIds": [],
        "deviceTags": [{"key": "k"}], "experienceEndpointIds": [], "deviceQueryJson": None,
        "experienceUserIds": [minimal["id"]]})

    # errors
    bad = [
        ("POST", "/users", {"email": "min@EXAMPLE.org", "password": "password123"}, None, None),
        ("POST", "/users", {"email": "x@example.com"}, None, None),
        ("POST", "/users", {"email": "x@example.com", "password": "password123", "x": 1}, None, None),
        ("POST", "/users", {"email": "x@example.com", "password": "password123",
                            "experienceGroupIds": [MISSING_ID]}, None, None),
        ("PATCH", "/users/" + full["id"], {"userTags": {"a b": "c"}}, None, None),
        ("PATCH", "/users/" + MISSING_ID, {"firstName": "x"}, None, None),
        ("GET", "/users/" + MISSING_ID, None, None, None),
        ("DELETE", "/users/" + MISSING_ID, None, None, None),
        ("GET", "/users/not-an-id", None, None, None),
        ("POST", "/groups", {"description": "no name"}, None, None),
        ("PATCH", "/groups/" + root["id"], {"parentId": child["id"]}, None, None),
        ("PATCH", "/groups/" + MISSING_ID, {"name": "x"}, None, None),
        ("GET", "/groups/" + MISSING_ID, None, None, None),
        ("DELETE", "/groups/" + MISSING_ID, None, None, None),
        ("GET", "/users", None, {"perPage": 5000}, None),
        ("GET", "/users", None, {"sortField": "nope"}, None),
        ("GET", "/users", None, q({"nope": 1}), None),
        ("GET", "/users", None, {"query": "{"}, None),
        ("GET", "/groups", None, q({"name": {"$regex": "x"}}), None),
        ("GET", "/users", None, None, ""),
        ("GET", "/users", None, None, "wrong-token"),
        ("PUT", "/users", None, None, None),
    ]
    for method, path, body, params, token in bad:
        resp = api.call(method, path, body, params, token=token)
        assert resp.status_code >= 400, (method, path, resp.text)
    assert ro.call("POST", "/groups", {"name": "x"}).status_code == 403
    assert api.call("GET", "/users", app=OTHER_APP).status_code == 404
    assert api.call("GET", "/devices", under="", params=q({"nope": 1})).status_code == 400
    assert api.call("GET", "/devices", under="", params={"sortField": "route"}).status_code == 400
    assert api.call("GET", "/endpoints", params={"experienceGroupId": "x"}).status_code == 400
    assert api.call("POST", "/groups", {"name": "x", "deviceIds": [MISSING_ID]}).status_code == 400
    assert api.call("POST", "/groups", {"name": "x", "deviceQueryJson": '{"email": "a"}'}).status_code == 400
    assert ro.call("GET", "/devices", under="").status_code == 200
    assert api.session.get(emu.url + "/applications/%s/dashboards" % APP).status_code == 404

    faults = {"rules": [{"action": "status", "status": 429, "retry_after": "1", "times": 1},
                        {"action": "status", "status": 503, "times": 1}]}
    api.session.put(emu.url + "/_emulator/faults", json=faults)
    assert api.call("GET", "/users").status_code == 429
    assert api.call("GET", "/users").status_code == 503

    api.ok("DELETE", "/users/" + minimal["id"])
    api.ok("DELETE", "/groups/" + root["id"])
    api.ok("GET", "/groups/" + child["id"])
    api.ok("GET", "/users")
    api.ok("GET", "/groups")
    return api.session.get(emu.url + "/_emulator/requests").json()["requests"]


@pytest.fixture(scope="module")
def exchanges():
    with Emulator() as emu:
        log = exercise(emu)
        state = requests.get(emu.url + "/_emulator/state", timeout=10).json()
    return {"log": log, "state": state}


def test_every_response_body_matches_its_schema(exchanges):
    cs.require_shared_api()
    log = exchanges["log"]
    problems = []
    used = set()
    for entry in log:
        name = cs.schemas_for(entry["method"], entry["path"], entry["status"])[1]
        assert name is not None, entry
        assert entry["response"] is not None, entry
        used.add(name)
        problems.extend("#%d %s %s -> %d: %s" % (entry["seq"], entry["method"], entry["path"], entry["status"], p)
                        for p in cs.problems(name, entry["response"]))
    assert not problems, "\n".join(problems)
    assert used == {"experienceUser", "experienceUsers", "experienceGroup", "experienceGroups",
                    "devices", "experienceEndpoints", "success", "error"}
    statuses = set(e["status"] for e in log)
    assert {200, 201, 400, 401, 403, 404, 405, 429, 503} <= statuses


def test_hook_state_matches_resource_schemas(exchanges):
    cs.require_shared_api()
    state = exchanges["state"]
    assert state["experienceUsers"] and state["experienceGroups"]
    for user in state["experienceUsers"]:
        cs.validate("experienceUser", user)
    for group in state["experienceGroups"]:
        cs.validate("experienceGroup", group)
    assert [device["name"] for device in state["devices"]] == [device["name"] for device in DEVICES]
    for device in state["devices"]:
        cs.validate("device", device)
    assert len(state["experienceEndpoints"]) == len(ENDPOINTS)
    for endpoint in state["experienceEndpoints"]:
        cs.validate("experienceEndpoint", endpoint)


def test_accepted_request_bodies_and_queries_match_the_official_schemas(exchanges):
    """Whatever the emulator accepted (2xx) the official schemas accept too."""
    cs.require_shared_api()
    log = exchanges["log"]
    problems = []
    for entry in log:
        if 200 <= entry["status"] < 300:
            problems.extend(cs.check_exchange(entry))
    assert not problems, "\n".join(problems)


def test_errors_carry_type_and_message(exchanges):
    log = exchanges["log"]
    for entry in log:
        if entry["status"] >= 400:
            assert isinstance(entry["response"].get("type"), str), entry
            assert isinstance(entry["response"].get("message"), str) and entry["response"]["message"], entry


# --------------------------------------------------------------------------
# the emulator accepts exactly what the schemas accept
# --------------------------------------------------------------------------

GROUP_ID_PLACEHOLDER = "@group"
DEVICE_ID_PLACEHOLDER = "@device"
ENDPOINT_ID_PLACEHOLDER = "@endpoint"

USER_POST_CASES = [
    {"email": "a@example.com", "password": "12345678"},
    {"email": "a@example.com", "password": "1234567"},
    {"email": "a@example.com", "password": "p" * 2048},
    {"email": "a@example.com", "password": "p" * 2049},
    {"email": "a@example.com"},
    {"password": "12345678"},
    {"email": "a@example.com", "password": "12345678", "firstName": "", "lastName": "l" * 1024},
    {"email": "a@example.com", "password": "12345678", "firstName": "f" * 1025},
    {"email": "a@example.com", "password": "12345678", "firstName": None},
    {"email": "a@example.com", "password": "12345678", "userTags": {}},
    {"email": "a@example.com", "password": "12345678", "userTags": {"A_b-9": "v"}},
    {"email": "a@example.com", "password": "12345678", "userTags": {"k" * 255: "v" * 255}},
    {"email": "a@example.com", "password": "12345678", "userTags": {"k" * 256: "v"}},
    {"email": "a@example.com", "password": "12345678", "userTags": {"k.k": "v"}},
    {"email": "a@example.com", "password": "12345678", "userTags": {"k": ""}},
    {"email": "a@example.com", "password": "12345678", "userTags": {"k": "v" * 256}},
    {"email": "a@example.com", "password": "12345678", "userTags": {"k": True}},
    {"email": "a@example.com", "password": "12345678", "tokenCutoff": "2026-01-01T00:00:00Z"},
    {"email": "a@example.com", "password": "12345678", "tokenCutoff": "2026-01-01"},
    {"email": "a@example.com", "password": "12345678", "tokenCutoff": 1700000000000},
    {"email": "a@example.com", "password": "12345678", "experienceGroupIds": []},
    {"email": "a@example.com", "password": "12345678", "experienceGroupIds": [GROUP_ID_PLACEHOLDER]},
    {"email": "a@example.com", "password": "12345678", "experienceGroupIds": ["abc"]},
    {"email": "a@example.com", "password": "12345678", "experienceGroupIds": GROUP_ID_PLACEHOLDER},
    {"email": "a@example.com", "password": "12345678", "avatarUrl": "https://x.example/a.png"},
    {"email": "a@example.com", "password": "12345678", "id": MISSING_ID},
    {"email": "e" * 1012 + "@example.com", "password": "12345678"},
    {"email": "e" * 1013 + "@example.com", "password": "12345678"},
    {"email": ["a@example.com"], "password": "12345678"},
]

USER_PATCH_CASES = [
    {},
    {"firstName": "x"},
    {"password": "short"},
    {"userTags": {"k": "v"}, "experienceGroupIds": [GROUP_ID_PLACEHOLDER]},
    {"userTags": None},
    {"experienceGroupIds": ["X" * 24]},
    {"lastLogin": "2026-01-01T00:00:00Z"},
    {"email": "b@example.com", "tokenCutoff": "2026-01-01T00:00:00.5+05:30"},
]

GROUP_POST_CASES = [
    {"name": "g"},
    {"name": ""},
    {"name": "n" * 255},
    {"name": "n" * 256},
    {},
    {"name": "g", "description": "d" * 32767},
    {"name": "g", "description": "d" * 32768},
    {"name": "g", "parentId": None},
    {"name": "g", "parentId": GROUP_ID_PLACEHOLDER},
    {"name": "g", "parentId": "nope"},
    {"name": "g", "groupTags": {"k": "v"}},
    {"name": "g", "groupTags": {"k": ""}},
    {"name": "g", "deviceTags": [{"key": "k", "value": "v"}, {}]},
    {"name": "g", "deviceTags": [{"key": "bad key"}]},
    {"name": "g", "deviceTags": [{"value": ""}]},
    {"name": "g", "deviceTags": [{}] * 101},
    {"name": "g", "deviceIds": [DEVICE_ID_PLACEHOLDER] * 1000},
    {"name": "g", "deviceIds": [DEVICE_ID_PLACEHOLDER] * 1001},
    {"name": "g", "deviceIds": [DEVICE_ID_PLACEHOLDER.upper()]},
    {"name": "g", "deviceIds": "x"},
    {"name": "g", "deviceQueryJson": None},
    {"name": "g", "deviceQueryJson": 5},
    {"name": "g", "deviceQueryJson": '{"tags": {"floor": "1"}, "name": {"$startsWith": "P"}}'},
    {"name": "g", "deviceQueryJson": json.dumps({"$or": [{"name": "x" * 4000}, {"name": "y" * 4200}]})},
    {"name": "g", "experienceEndpointIds": ["x"]},
    {"name": "g", "experienceEndpointIds": [ENDPOINT_ID_PLACEHOLDER] * 1001},
    {"name": "g", "experienceEndpointIds": [ENDPOINT_ID_PLACEHOLDER]},
    {"name": "g", "experienceUserIds": []},
    {"name": "g", "ancestorIds": []},
    {"name": 7},
]

GROUP_PATCH_CASES = [
    {},
    {"name": "renamed", "parentId": None},
    {"name": None},
    {"experienceUserIds": ["z" * 24]},
    {"directDeviceCount": 1},
    {"deviceIds": [DEVICE_ID_PLACEHOLDER], "deviceTags": [{"key": "floor"}], "deviceQueryJson": "{}",
     "experienceEndpointIds": []},
    {"deviceTags": [{"key": "k", "value": "v", "x": 1}]},
]


def _substitute(body, group_id, device_id=MISSING_ID, endpoint_id=MISSING_ID):
    text = json.dumps(body).replace(GROUP_ID_PLACEHOLDER, group_id).replace(DEVICE_ID_PLACEHOLDER, device_id)
    text = text.replace(DEVICE_ID_PLACEHOLDER.upper(), device_id.upper()).replace(ENDPOINT_ID_PLACEHOLDER, endpoint_id)
    return json.loads(text)


@pytest.mark.parametrize("kind, method, cases", [
    ("experienceUserPost", "POST", USER_POST_CASES),
    ("experienceUserPatch", "PATCH", USER_PATCH_CASES),
    ("experienceGroupPost", "POST", GROUP_POST_CASES),
    ("experienceGroupPatch", "PATCH", GROUP_PATCH_CASES),
])
def test_emulator_accepts_exactly_what_the_schema_accepts(emulator, kind, method, cases):
    cs.require_shared_api()
    api = Api(emulator.url)
    disagreements = []
    for index, case in enumerate(cases):
        requests.post(emulator.url + "/_emulator/reset", timeout=10)
        seeded = requests.post(emulator.url + "/_emulator/seed", timeout=10, json={
            "devices": [{"name": "Pump", "tags": [{"key": "floor", "value": "1"}]}],
            "experienceEndpoints": [{"method": "get", "route": "/dashboard", "access": "group"}]}).json()
        group = api.ok("POST", "/groups", {"name": "existing"})
        user = api.ok("POST", "/users", {"email": "existing@example.com", "password": "password123"})
        body = _substitute(case, group["id"], seeded["devices"][0]["id"], seeded["experienceEndpoints"][0]["id"])
        path = "/users" if kind.startswith("experienceUser") else "/groups"
        if method == "PATCH":
            path += "/" + (user["id"] if path == "/users" else group["id"])
        schema_ok = not cs.problems(kind, body)
        resp = api.call(method, path, body)
        emulator_ok = resp.status_code in (200, 201)
        if not emulator_ok:
            assert resp.status_code == 400 and resp.json()["type"] == "Validation", resp.text
        if schema_ok != emulator_ok:
            disagreements.append("case %d %s: schema %s, emulator %s %s" % (
                index, json.dumps(body)[:120], "accepts" if schema_ok else "rejects",
                resp.status_code, resp.text[:200]))
    assert not disagreements, "\n".join(disagreements)


QUERY_CASES = {
    "advancedExperienceUserQuery": [
        {}, {"email": "a@example.com"}, {"email": None}, {"email": 5}, {"email": True},
        {"email": {"$eq": "a", "$ci": True}}, {"email": {"$ci": True}}, {"email": {}},
        {"email": {"$in": ["a", 1, False]}}, {"email": {"$in": [None]}}, {"email": {"$in": ["a"] * 101}},
        {"email": {"$startsWith": ""}}, {"email": {"$contains": 5}}, {"email": {"$regex": "a"}},
        {"email": ["a"]}, {"email": {"$ne": {"a": 1}}},
        {"id": MISSING_ID}, {"id": "abc"}, {"id": None}, {"id": {"$in": [MISSING_ID]}},
        {"id": {"$eq": MISSING_ID, "$ne": MISSING_ID}}, {"id": {}}, {"id": {"$startsWith": "a"}},
        {"id": {"$in": [None]}}, {"experienceGroupId": {"$nin": [MISSING_ID]}},
        {"experienceGroupId": {"$ci": True}},
        {"userTags": {"k": "v"}}, {"userTags": {"k": None}}, {"userTags": {"k": {"$in": ["a"]}}},
        {"userTags": {"k": {"$nin": ["a"]}}}, {"userTags": {"k": {"$in": ["a"], "$nin": ["b"]}}},
        {"userTags": {"k": 1}}, {"userTags": {"k": "v" * 256}}, {"userTags": {"$tagKey": "k"}},
        {"userTags": {"$tagKey": "k", "$tagValue": {"$in": ["v"]}}}, {"userTags": {"$tagKey": "k", "x": "y"}},
        {"userTags": {"$eq": {"k": "v"}}}, {"userTags": {"$ne": {"$tagValue": "v"}}},
        {"userTags": {"$eq": {"k": "v"}, "$ne": {"k": "w"}}}, {"userTags": {"$in": ["v"]}}, {"userTags": {}},
        {"userTags": {"$other": "x"}}, {"userTags": "v"},
        {"$and": [{"email": "a"}, {"$or": [{"firstName": "b"}, {"lastName": {"$gt": "c"}}]}]},
        {"$nor": [{"email": "a"}]}, {"$and": []}, {"$or": []}, {"$nor": []}, {"$or": {"email": "a"}}, {"$or": [{"nope": 1}]},
        {"$or": [{"email": "a"}] * 101}, {"$not": {"email": "a"}}, {"nope": 1},
        {"creationDate": {"$gt": "2026-01-01T00:00:00.000Z"}}, {"lastUpdated": {"$lte": 1700000000000}},
        {"passwordLastUpdated": {"$gte": "2026-01-01"}}, {"lastLogin": None},
        {"experienceGroupIds": MISSING_ID},
    ],
    "advancedExperienceGroupQuery": [
        {}, {"name": "x"}, {"name": {"$contains": "x", "$ci": True}}, {"parentId": None},
        {"parentId": {"$ne": None}}, {"ancestorId": MISSING_ID}, {"experienceUserId": {"$in": [MISSING_ID]}},
        {"experienceEndpointId": None}, {"groupTags": {"tier": "gold"}}, {"groupTags": {"$tagKey": "t"}},
        {"id": {"$gt": MISSING_ID}}, {"id": "x"}, {"email": "x"}, {"name": {"$in": [None]}},
        {"$or": [{"name": "a"}, {"parentId": MISSING_ID}]}, {"$and": [{"experienceUserId": "x"}]},
        {"userTags": {"k": "v"}}, {"parentId": {"$ci": True}},
    ],
    "advancedDeviceQuery": [
        {}, {"name": "Pump"}, {"name": {"$in": ["a", "b"], "$ci": True}}, {"name": {"$in": ["a"] * 101}},
        {"id": {"$in": [MISSING_ID]}}, {"id": {"$in": [MISSING_ID], "$nin": [MISSING_ID]}}, {"id": "nope"},
        {"tags": {"floor": "1"}}, {"tags": {"floor": None}}, {"tags": {"$tagKey": "floor", "$tagValue": "1"}},
        {"tags": {"$ne": {"floor": "1"}}}, {"tags": [{"key": "floor"}]}, {"deviceClass": "gateway"},
        {"parentId": None}, {"ancestorId": MISSING_ID}, {"gatewayId": {"$ne": None}}, {"attributeName": "temp"},
        {"attributeName": {"$nin": ["temp"]}}, {"connectionStatus": "connected"}, {"connectedAt": {"$gt": 0}},
        {"disconnectedAt": None}, {"deletedAt": None}, {"experienceGroupId": MISSING_ID},
        {"experienceUserId": {"$in": [MISSING_ID]}}, {"experienceGroupId": "x"}, {"email": "a@example.com"},
        {"groupTags": {"k": "v"}}, {"$or": [{"name": "a"}, {"$and": [{"tags": {"k": "v"}}]}]}, {"$or": [{"nope": 1}]},
        {"name": {"$regex": "P"}}, {"lastUpdated": {"$lte": 1700000000000}},
    ],
}


@pytest.mark.parametrize("kind, path, under", [("advancedExperienceUserQuery", "/users", "/experience"),
                                               ("advancedExperienceGroupQuery", "/groups", "/experience"),
                                               ("advancedDeviceQuery", "/devices", "")])
def test_advanced_query_accepted_exactly_when_schema_accepts(emulator, kind, path, under):
    cs.require_shared_api()
    api = Api(emulator.url)
    disagreements = []
    for query in QUERY_CASES[kind]:
        schema_ok = not cs.problems(kind, query)
        resp = api.call("GET", path, params=q(query), under=under)
        emulator_ok = resp.status_code == 200
        if not emulator_ok:
            assert resp.status_code == 400 and resp.json()["type"] == "Validation", resp.text
        if schema_ok != emulator_ok:
            disagreements.append("%s: schema %s, emulator %s %s" % (
                json.dumps(query)[:120], "accepts" if schema_ok else "rejects", resp.status_code, resp.text[:200]))
    assert not disagreements, "\n".join(disagreements)
