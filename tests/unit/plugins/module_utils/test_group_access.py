"""What a group grants: option rules, the lookup queries, name resolution,
the PATCH fields, and the views and results that feed back."""

import pytest

from ansible_collections.losant.platform.plugins.module_utils._group_access import (
    AccessError,
    access_changes,
    access_option_errors,
    access_result,
    access_view,
    current_query,
    device_lookup_queries,
    resolve_devices,
    resolve_endpoints,
    resolve_grants,
    split_route,
    trim_access,
)

PUMP = "dddddddddddddddddddddd01"
TWIN = "dddddddddddddddddddddd02"
VALVE = "dddddddddddddddddddddd03"
DASH = "eeeeeeeeeeeeeeeeeeeeee01"
CTRL = "eeeeeeeeeeeeeeeeeeeeee02"
DEVICES = [{"id": PUMP, "name": "Pump"}, {"id": TWIN, "name": "Twin"}, {"id": "dddddddddddddddddddddd04", "name": "Twin"},
           {"id": VALVE, "name": "valve"}]
ENDPOINTS = [{"id": DASH, "method": "get", "route": "/dashboard", "access": "group"},
             {"id": CTRL, "method": "post", "route": "/api/control", "access": "authenticated"}]


def params(**given):
    base = dict(devices=None, purge_devices=False, device_tags=None, purge_device_tags=False, device_query=None,
                endpoints=None, purge_endpoints=False)
    base.update(given)
    return base


# ------------------------------------------------------------------ rules

def test_option_rules_name_the_option():
    errors = access_option_errors(params(
        devices=["", "x" * 256, PUMP], endpoints=["FETCH /x", "GET dashboard", DASH, "get /ok"],
        device_tags=[{"key": "bad key", "value": "v"}, {"key": "k", "value": ""}, {"key": "k", "value": None}],
        device_query={"tags": {"k": "v"}, "$or": [{"email": "x"}, "not a query"], "userTags": {}}))
    assert errors == [
        "devices: entries must be device names of 1 to 255 characters or device ids, got ''",
        "devices: entries must be device names of 1 to 255 characters or device ids, got '%s'" % ("x" * 80),
        "endpoints: entries must be endpoint ids or 'METHOD /route' (methods: GET, POST, PUT, PATCH, DELETE, "
        "OPTIONS), got 'FETCH /x'",
        "endpoints: entries must be endpoint ids or 'METHOD /route' (methods: GET, POST, PUT, PATCH, DELETE, "
        "OPTIONS), got 'GET dashboard'",
        "device_tags key 'bad key' must match ^[0-9a-zA-Z_-]{1,255}$ (letters, digits, _ and -)",
        "device_tags value of 'k' must be 1 to 255 characters long (leave it out to match any value), got 0",
        "device_query.$or[0]: 'email' is not a field of an advanced device query (fields: ancestorId, attributeName, "
        "connectedAt, connectionStatus, creationDate, deletedAt, deviceClass, disconnectedAt, experienceGroupId, "
        "experienceUserId, gatewayId, id, lastUpdated, name, parentId, tags)",
        "device_query.$or[1] must be a query (a dict)",
        "device_query: 'userTags' is not a field of an advanced device query (fields: ancestorId, attributeName, "
        "connectedAt, connectionStatus, creationDate, deletedAt, deviceClass, disconnectedAt, experienceGroupId, "
        "experienceUserId, gatewayId, id, lastUpdated, name, parentId, tags)",
    ]


def test_limits_of_lists_and_of_the_query_text():
    errors = access_option_errors(params(devices=[PUMP] * 1001, endpoints=[DASH] * 1001,
                                         device_tags=[{"key": "k", "value": "v"}] * 101,
                                         device_query={"name": {"$in": ["n" * 100] * 90}}))
    assert errors[0] == "devices may list at most 1000 device names or ids, got 1001"
    assert "endpoints may list at most 1000 endpoint ids or 'METHOD /route', got 1001" in errors
    assert "device_tags may list at most 100 tags, got 101" in errors
    assert errors[-1].startswith("device_query must be at most 8192 characters as JSON, got 9")
    assert access_option_errors(params(devices=[], endpoints=[], device_tags=[], device_query={})) == []


def test_routes_split_into_lower_case_method_and_route():
    assert split_route("GET /dashboard/{deviceId}") == ("get", "/dashboard/{deviceId}")
    assert split_route("post  /api") == ("post", "/api")
    assert split_route("/api") is None and split_route("GET api") is None


# ------------------------------------------------------------------ lookups

def test_one_query_finds_names_in_any_case_and_ids():
    assert device_lookup_queries(["Pump"], []) == [{"name": {"$in": ["Pump"], "$ci": True}}]
    assert device_lookup_queries([], [PUMP]) == [{"id": {"$in": [PUMP]}}]
    names = ["n%d" % i for i in range(150)]
    assert device_lookup_queries(names, [PUMP]) == [{"$or": [
        {"name": {"$in": names[:100], "$ci": True}}, {"name": {"$in": names[100:], "$ci": True}},
        {"id": {"$in": [PUMP]}}]}]
    assert device_lookup_queries([], []) == []
    assert len(device_lookup_queries(["n%d" % i for i in range(10001)], [])) == 2


def test_device_names_resolve_exactly_and_fail_listing_candidates():
    assert resolve_devices(["Pump", PUMP.upper(), "Pump", VALVE], DEVICES, {VALVE}) == [PUMP, VALVE]
    with pytest.raises(AccessError) as caught:
        resolve_devices(["Twin", "VALVE", "Nope", "dddddddddddddddddddddd09"], DEVICES,
                        {"dddddddddddddddddddddd09"}, "config[2] (Ops): devices")
    assert str(caught.value) == (
        "config[2] (Ops): devices: 2 devices are named 'Twin' (ids dddddddddddddddddddddd02, "
        "dddddddddddddddddddddd04); give the id of one instead; no device is named 'VALVE'; in other letter "
        "case: 'valve' (dddddddddddddddddddddd03); no device is named 'Nope'; no device has id "
        "dddddddddddddddddddddd09")


def test_endpoints_resolve_by_route_and_warn_when_not_group_access():
    ids, warnings = resolve_endpoints(["get /dashboard", "POST /api/control", DASH.upper()], ENDPOINTS, set())
    assert ids == [DASH, CTRL]
    assert warnings == ["endpoints: POST /api/control has access 'authenticated', not 'group': granting it to a "
                        "group changes nothing until its access is 'group'"]
    with pytest.raises(AccessError) as caught:
        resolve_endpoints(["GET /dashbord", "PUT /x", "eeeeeeeeeeeeeeeeeeeeee09"], ENDPOINTS,
                          {"eeeeeeeeeeeeeeeeeeeeee09"})
    assert str(caught.value) == ("endpoints: no experience endpoint is 'GET /dashbord'; closest: GET /dashboard; "
                                 "no experience endpoint is 'PUT /x'; endpoints: GET /dashboard, POST /api/control; "
                                 "no experience endpoint has id eeeeeeeeeeeeeeeeeeeeee09")
    # an id already granted is not checked again (the listing was not read)
    assert resolve_endpoints([DASH], None, set()) == ([DASH], [])


class Lookups:
    def __init__(self):
        self.calls = []

    def query_devices(self, query):
        self.calls.append(("devices", query))
        return DEVICES

    def list_experience_endpoints(self):
        self.calls.append(("endpoints", None))
        return ENDPOINTS


def test_many_groups_cost_one_device_query_and_one_endpoint_listing():
    client = Lookups()
    granted = {"deviceIds": [PUMP], "experienceEndpointIds": [DASH]}
    resolved, labels, warnings = resolve_grants(client, [
        ("config[0] (A)", params(devices=["Pump", VALVE], endpoints=["GET /dashboard"]), None),
        ("config[1] (B)", params(devices=[PUMP], endpoints=[DASH]), granted),
        ("config[2] (C)", params(), granted),
    ])
    assert client.calls == [("devices", {"$or": [{"name": {"$in": ["Pump"], "$ci": True}}, {"id": {"$in": [VALVE]}}]}),
                            ("endpoints", None)]
    assert resolved == [([PUMP, VALVE], [DASH]), ([PUMP], [DASH]), (None, None)]
    assert labels == {DASH: "GET /dashboard", CTRL: "POST /api/control"} and warnings == []


def test_ids_a_group_already_grants_need_no_request():
    client = Lookups()
    granted = {"deviceIds": [PUMP], "experienceEndpointIds": [DASH]}
    assert resolve_grants(client, [("", params(devices=[PUMP.upper()], endpoints=[DASH]), granted)]) == \
        ([([PUMP], [DASH])], {}, [])
    assert client.calls == []


def test_every_entry_s_problem_is_reported_at_once():
    with pytest.raises(AccessError) as caught:
        resolve_grants(Lookups(), [("config[0] (A)", params(devices=["Nope"]), None),
                                   ("config[1] (B)", params(endpoints=["GET /none"]), None)])
    assert str(caught.value).startswith("config[0] (A): devices: no device is named 'Nope'; "
                                        "config[1] (B): endpoints: no experience endpoint is 'GET /none'")


# ------------------------------------------------------------------ changes

GROUP = {"deviceIds": [PUMP], "deviceTags": [{"key": "customer", "value": "acme"}, {"key": "site"}],
         "deviceQueryJson": '{"name": "x"}', "experienceEndpointIds": [DASH.upper()]}


def test_left_out_options_change_nothing_even_with_purge():
    assert access_changes(GROUP, params(purge_devices=True, purge_device_tags=True, purge_endpoints=True),
                          None, None) == ({}, [])


def test_lists_merge_unless_purged_and_compare_as_sets():
    assert access_changes(GROUP, params(), [VALVE], [DASH]) == ({"deviceIds": [PUMP, VALVE]}, ["devices"])
    assert access_changes(GROUP, params(purge_devices=True, purge_endpoints=True), [PUMP], []) == \
        ({"experienceEndpointIds": []}, ["endpoints"])
    assert access_changes(GROUP, params(purge_devices=True), [PUMP], None) == ({}, [])


def test_device_tags_merge_as_pairs_a_key_may_repeat():
    tags = [{"key": "customer", "value": "acme"}, {"key": "customer", "value": "globex"}]
    assert access_changes(GROUP, params(device_tags=tags), None, None) == (
        {"deviceTags": [{"key": "customer", "value": "acme"}, {"key": "site"},
                        {"key": "customer", "value": "globex"}]}, ["device_tags"])
    same = [{"key": "site", "value": None}, {"key": "customer", "value": "acme"}]
    assert access_changes(GROUP, params(device_tags=same, purge_device_tags=True), None, None) == ({}, [])
    assert access_changes(GROUP, params(device_tags=[], purge_device_tags=True), None, None) == (
        {"deviceTags": []}, ["device_tags"])


def test_device_query_compares_as_json_and_an_empty_one_clears():
    assert access_changes(GROUP, params(device_query={"name": "x"}), None, None) == ({}, [])
    assert access_changes(GROUP, params(device_query={"name": "y", "tags": {"k": None}}), None, None) == (
        {"deviceQueryJson": '{"name":"y","tags":{"k":null}}'}, ["device_query"])
    assert access_changes(GROUP, params(device_query={}), None, None) == ({"deviceQueryJson": None}, ["device_query"])
    assert access_changes({}, params(device_query={}), None, None) == ({}, [])
    # "{}" stored selects every device: clearing it is a change
    assert access_changes({"deviceQueryJson": "{}"}, params(device_query={}), None, None)[1] == ["device_query"]
    assert current_query({"deviceQueryJson": "not json"}) is False
    assert access_changes({"deviceQueryJson": "not json"}, params(device_query={"name": "x"}), None, None)[1] == \
        ["device_query"]


def test_views_and_results_feed_back():
    assert access_view(GROUP, {DASH: "GET /dashboard"}) == {
        "devices": [PUMP], "device_tags": [{"key": "customer", "value": "acme"}, {"key": "site"}],
        "device_query": {"name": "x"}, "endpoints": ["GET /dashboard"]}
    assert access_result(GROUP) == {
        "devices": [PUMP], "device_tags": [{"key": "customer", "value": "acme"}, {"key": "site"}],
        "device_query": {"name": "x"}, "endpoints": [DASH]}
    assert access_result({})["device_query"] == {} and access_view({"deviceQueryJson": "x"})["device_query"] == "x"
    assert trim_access({"name": "a", "devices": [], "endpoints": [DASH]}, {"name": "a", "devices": []}) == (
        {"name": "a", "endpoints": [DASH]}, {"name": "a"})
