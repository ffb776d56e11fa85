"""Devices and experience endpoints: seeded, listed as Losant lists them, kept
in the state file, and checked in the group bodies that grant them."""

import json

from ansible_collections.losant.platform.tests.emulator.losant_emulator import Emulator, Store
from ansible_collections.losant.platform.tests.unit.emulator.emulator_client import (
    APP,
    MISSING_ID,
    Api,
    assert_error,
    q,
)

GATEWAY = "aaaaaaaaaaaaaaaaaaaaaa01"
PUMP = "aaaaaaaaaaaaaaaaaaaaaa02"
SENSOR = "aaaaaaaaaaaaaaaaaaaaaa03"
DASHBOARD = "bbbbbbbbbbbbbbbbbbbbbb01"
READINGS = "bbbbbbbbbbbbbbbbbbbbbb02"
SEED = {
    "devices": [
        {"id": GATEWAY, "name": "Gateway North", "deviceClass": "gateway",
         "tags": [{"key": "customer", "value": "acme"}, {"key": "site", "value": "north"}]},
        {"id": PUMP, "name": "Pump", "parentId": GATEWAY, "attributes": [{"name": "flow", "dataType": "number"}],
         "tags": [{"key": "customer", "value": "acme"}, {"key": "zone", "value": "1"}, {"key": "zone", "value": "2"}],
         "connectionInfo": {"connected": 1, "time": "2026-01-02T03:04:05Z"}},
        {"id": SENSOR, "name": "pump", "tags": [{"key": "customer", "value": "globex"}]},
    ],
    "experienceEndpoints": [
        {"id": DASHBOARD, "method": "GET", "route": "/dashboard", "access": "group"},
        {"id": READINGS, "method": "post", "route": "/api/readings", "access": "authenticated"},
    ],
}


def seeded(api, extra=None):
    body = dict(SEED, **(extra or {}))
    resp = api.hook("POST", "seed", body)
    assert resp.status_code == 200, resp.text
    return resp.json()


def devices(api, **params):
    return api.ok("GET", "/devices", params=params, under="")


def names(listing):
    return [item["name"] for item in listing["items"]]


def test_device_listing_pages_sorts_and_filters_by_name_glob(api):
    assert seeded(api)["devices"] == [{"id": GATEWAY, "name": "Gateway North"}, {"id": PUMP, "name": "Pump"},
                                      {"id": SENSOR, "name": "pump"}]
    every = devices(api)
    assert names(every) == ["Gateway North", "Pump", "pump"] and every["totalCount"] == 3
    assert every["perPage"] == 100 and every["page"] == 0
    page = devices(api, perPage=1, page=2, sortField="id", sortDirection="desc")
    assert [item["id"] for item in page["items"]] == [GATEWAY] and page["totalCount"] == 3 and page["count"] == 1
    globbed = devices(api, filterField="name", filter="PUMP")
    assert sorted(item["id"] for item in globbed["items"]) == [PUMP, SENSOR]
    assert globbed["filter"] == "PUMP" and globbed["filterField"] == "name"
    pump = [item for item in every["items"] if item["id"] == PUMP][0]
    assert pump["parentId"] == GATEWAY and pump["ancestorIds"] == [GATEWAY] and pump["deviceId"] == PUMP
    assert pump["tags"] == SEED["devices"][1]["tags"] and pump["connectionInfo"]["connected"] == 1
    assert_error(api.call("GET", "/devices", params={"perPage": 0}, under=""), 400, "Validation", "perPage")
    assert_error(api.call("GET", "/devices", params={"filterField": "tags"}, under=""), 400, "Validation",
                 "filterField")


def test_device_query_overrides_the_other_filters(api):
    seeded(api)
    by_names = devices(api, **q({"name": {"$in": ["pump"], "$ci": True}}))
    assert sorted(item["id"] for item in by_names["items"]) == [PUMP, SENSOR]
    # a tag key may repeat on a device: each condition is met by one of its tags
    assert names(devices(api, **q({"tags": {"zone": "2"}}))) == ["Pump"]
    assert names(devices(api, **q({"tags": {"$tagKey": "zone", "$tagValue": {"$in": ["1"]}}}))) == ["Pump"]
    assert names(devices(api, **q({"tags": {"$ne": {"customer": "acme"}}}))) == ["pump"]
    assert names(devices(api, **q({"attributeName": "flow", "ancestorId": GATEWAY}))) == ["Pump"]
    assert names(devices(api, **q({"connectionStatus": "connected"}))) == ["Pump"]
    assert names(devices(api, **dict(q({"id": SENSOR}), filterField="name", filter="Gateway*"))) == ["pump"]
    assert names(devices(api, deviceClass="gateway")) == ["Gateway North"]
    assert names(devices(api, parentId=GATEWAY)) == ["Pump"]
    assert names(devices(api, **{"tagFilter[0][key]": "site"})) == ["Gateway North"]
    assert names(devices(api, **{"tagFilter[0][value]": "globex"})) == ["pump"]
    assert_error(api.call("GET", "/devices", params=q({"email": "x"}), under=""), 400, "Validation",
                 'unknown field "email" for a device query')
    assert_error(api.call("GET", "/devices", params={"deviceClass": "robot"}, under=""), 400, "Validation")


def test_endpoint_listing_is_one_answer_with_the_groups_that_grant_each(api):
    seeded(api, {"experienceGroups": [{"name": "Viewers", "experienceEndpointIds": [DASHBOARD]}]})
    every = api.ok("GET", "/endpoints")
    routes = [(item["method"], item["route"]) for item in every["items"]]
    assert routes == [("get", "/dashboard"), ("post", "/api/readings")]
    assert every["totalCount"] == every["count"] == 2 and "perPage" not in every and "page" not in every
    viewers = api.ok("GET", "/groups")["items"][0]
    assert every["items"][0]["experienceGroups"] == [{"id": viewers["id"], "name": "Viewers"}]
    assert every["items"][1]["experienceGroups"] == [] and every["items"][1]["access"] == "authenticated"
    linked = api.ok("GET", "/endpoints", params={"experienceGroupId": viewers["id"].upper()})
    assert [item["id"] for item in linked["items"]] == [DASHBOARD] and linked["experienceGroupId"] == viewers["id"]
    assert [item["route"] for item in api.ok("GET", "/endpoints", params={"sortField": "route"})["items"]] == \
        ["/api/readings", "/dashboard"]
    posts = api.ok("GET", "/endpoints", params={"filterField": "method", "filter": "POST"})
    assert [item["id"] for item in posts["items"]] == [READINGS]
    # Losant pages no endpoint listing: page and perPage change nothing
    assert api.ok("GET", "/endpoints", params={"perPage": 1, "page": 3})["count"] == 2
    assert_error(api.call("GET", "/endpoints", params={"sortField": "name"}), 400, "Validation", "sortField")


def test_group_bodies_must_name_real_devices_and_endpoints(api):
    seeded(api)
    for body, words in [({"name": "g", "deviceIds": [MISSING_ID]}, ["deviceIds", MISSING_ID, "does not exist"]),
                        ({"name": "g", "experienceEndpointIds": [PUMP]}, ["experienceEndpointIds", PUMP]),
                        ({"name": "g", "deviceQueryJson": "{not json"}, ["deviceQueryJson", "JSON"]),
                        ({"name": "g", "deviceQueryJson": json.dumps({"userTags": {}})},
                         ["deviceQueryJson", "userTags"])]:
        assert_error(api.call("POST", "/groups", body), 400, "Validation", *words)
    assert api.ok("GET", "/groups")["totalCount"] == 0
    group = api.ok("POST", "/groups", {"name": "Acme", "deviceIds": [SENSOR.upper()],
                                       "deviceTags": [{"key": "customer", "value": "acme"}],
                                       "experienceEndpointIds": [DASHBOARD]})
    assert group["deviceIds"] == [SENSOR] and group["experienceEndpointIds"] == [DASHBOARD]
    assert (group["directDeviceCount"], group["totalDeviceCount"]) == (3, 3)
    assert_error(api.call("PATCH", "/groups/" + group["id"], {"description": "x", "deviceIds": [MISSING_ID]}),
                 400, "Validation", "deviceIds")
    assert api.ok("GET", "/groups/" + group["id"]).get("description") is None  # refused whole


def test_device_counts_follow_tags_ids_queries_and_descendants(api):
    seeded(api)
    parent = api.ok("POST", "/groups", {"name": "Acme", "deviceTags": [{"key": "site"}]})
    child = api.ok("POST", "/groups", {"name": "Ops", "parentId": parent["id"],
                                       "deviceQueryJson": json.dumps({"attributeName": "flow"})})
    other = api.ok("POST", "/groups", {"name": "Any zone 2", "deviceTags": [{"value": "2"}]})
    counts = dict((g["name"], (g["directDeviceCount"], g["totalDeviceCount"])) for g in api.ok("GET", "/groups")["items"])
    assert counts == {"Acme": (1, 2), "Ops": (1, 1), "Any zone 2": (1, 1)}
    granted = devices(api, **q({"experienceGroupId": other["id"]}))
    assert names(granted) == ["Pump"]
    # grants by a deviceQueryJson are not what the experienceGroupId field of a device query matches
    assert devices(api, **q({"experienceGroupId": child["id"]}))["totalCount"] == 0
    user = api.ok("POST", "/users", {"email": "op@example.com", "password": "password123",
                                     "experienceGroupIds": [parent["id"]]})
    assert names(devices(api, **q({"experienceUserId": user["id"]}))) == ["Gateway North"]
    api.ok("DELETE", "/groups/" + child["id"])
    assert api.ok("GET", "/groups/" + parent["id"])["totalDeviceCount"] == 1


def test_scopes_of_the_listings():
    with Emulator(tokens={"dev": ["devices.get"], "ep": ["experienceEndpoints.*"]}) as emu:
        emu.seed(SEED)
        devices_only, endpoints_only = Api(emu.url, "dev"), Api(emu.url, "ep")
        assert devices_only.ok("GET", "/devices", under="")["totalCount"] == 3
        assert_error(devices_only.call("GET", "/endpoints"), 403, "Forbidden", "experienceEndpoints.get")
        assert endpoints_only.ok("GET", "/endpoints")["totalCount"] == 2
        assert_error(endpoints_only.call("GET", "/devices", under=""), 403, "Forbidden", "devices.get")
        assert_error(endpoints_only.call("GET", "/groups"), 403, "Forbidden")


def test_seed_checks_devices_and_endpoints_all_or_nothing(api):
    for extra, words in [
        ({"experienceEndpoints": SEED["experienceEndpoints"] + [{"method": "get", "route": "/dashboard"}]},
         ["experienceEndpoints[2]", "GET /dashboard already exists"]),
        ({"devices": [{"name": "x", "tags": [{"key": "k"}]}]}, ["devices[0]", "key and value"]),
        ({"devices": [{"name": "x", "parentId": MISSING_ID}]}, ["devices[0].parentId"]),
        ({"experienceEndpoints": [{"method": "fetch", "route": "/x"}]}, ["experienceEndpoints[0]", "method"]),
        ({"experienceGroups": [{"name": "g", "deviceIds": [MISSING_ID]}]}, ["experienceGroups[0]", "deviceIds"]),
    ]:
        resp = api.hook("POST", "seed", dict(SEED, **extra))
        assert_error(resp, 400, "Validation", *words)
        state = api.hook("GET", "state").json()
        assert state["devices"] == [] and state["experienceEndpoints"] == [] and state["experienceGroups"] == []
    done = seeded(api, {"experienceGroups": [{"name": "g", "deviceIds": [PUMP], "experienceEndpointIds": [READINGS]}]})
    assert done["experienceEndpoints"][0] == {"id": DASHBOARD, "method": "get", "route": "/dashboard"}
    assert_error(api.hook("POST", "seed", {"devices": [{"id": PUMP, "name": "again"}]}), 400, "Validation",
                 "already used")


def test_devices_and_endpoints_survive_the_state_file(tmp_path):
    path = str(tmp_path / "state.json")
    with Emulator(state_file=path) as emu:
        emu.seed(dict(SEED, experienceGroups=[{"name": "g", "deviceIds": [PUMP]}]))
    with Emulator(state_file=path) as emu:
        state = emu.state
        assert [d["id"] for d in state["devices"]] == [GATEWAY, PUMP, SENSOR]
        assert [e["id"] for e in state["experienceEndpoints"]] == [DASHBOARD, READINGS]
        assert state["experienceGroups"][0]["directDeviceCount"] == 1
        emu.reset()
        assert emu.state["devices"] == [] and emu.state["experienceEndpoints"] == []


def test_store_lists_devices_without_http():
    store = Store(APP)
    store.seed(SEED)
    assert store.list_devices({"query": json.dumps({"tags": {"customer": "globex"}})})["items"][0]["id"] == SENSOR
    assert store.list_experience_endpoints({})["totalCount"] == 2
