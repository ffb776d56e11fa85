"""main() of experience_group with what a group grants (devices, device tags,
a device query, endpoints), and check mode across tasks (a parent that an
earlier task would create): the exact requests and the exit JSON."""

from ansible_collections.losant.platform.plugins.modules import experience_group
from ansible_collections.losant.platform.tests.unit.helpers.fake_transport import response
from ansible_collections.losant.platform.tests.unit.helpers.module_runner import (
    APP,
    GROUPS,
    listing,
    query_params,
    run_main,
    warning_texts,
)

ROOT = "aaaaaaaaaaaaaaaaaaaaaaa1"
CHILD = "aaaaaaaaaaaaaaaaaaaaaaa2"
PUMP = "dddddddddddddddddddddd01"
VALVE = "dddddddddddddddddddddd02"
TWIN = "dddddddddddddddddddddd03"
DASH = "eeeeeeeeeeeeeeeeeeeeee01"
CTRL = "eeeeeeeeeeeeeeeeeeeeee02"
DEVICES = "applications/%s/devices" % APP
ENDPOINTS = "applications/%s/experience/endpoints" % APP
WHEN = "2026-11-26T17:38:35.123Z"


def group(group_id, name, parent=None, ancestors=(), **fields):
    found = {"id": group_id, "name": name, "parentId": parent, "ancestorIds": list(ancestors), "groupTags": {},
             "experienceUserIds": [], "deviceIds": [], "deviceTags": [], "deviceQueryJson": None,
             "experienceEndpointIds": [], "creationDate": WHEN, "lastUpdated": WHEN}
    found.update(fields)
    return found


ACME = group(ROOT, "Acme", deviceIds=[PUMP], deviceTags=[{"key": "customer", "value": "acme"}],
             deviceQueryJson='{"name":{"$startsWith":"North"}}', experienceEndpointIds=[DASH])
ENDPOINT_LIST = {"items": [{"id": DASH, "method": "get", "route": "/dashboard", "access": "group"},
                           {"id": CTRL, "method": "post", "route": "/api/control", "access": "authenticated"}],
                 "count": 2, "totalCount": 2}


def run(capsys, args, *answers, **kwargs):
    return run_main(capsys, experience_group, args, *answers, **kwargs)


def lookup(query_json):
    return ("GET", GROUPS, query_params(query_json), None)


def devices(query_json):
    return ("GET", DEVICES, query_params(query_json), None)


def test_a_no_op_with_names_costs_the_lookup_one_device_query_and_one_endpoint_listing(capsys):
    args = dict(name="Acme", devices=["Pump"], device_tags=[{"key": "customer", "value": "acme"}],
                device_query={"name": {"$startsWith": "North"}}, endpoints=["GET /dashboard"])
    result, session = run(capsys, args, listing(ACME), listing({"id": PUMP, "name": "Pump"}),
                          response(200, ENDPOINT_LIST))
    assert session.summary() == [lookup('{"name":"Acme"}'), devices('{"name":{"$ci":true,"$in":["Pump"]}}'),
                                 ("GET", ENDPOINTS, {}, None)]
    assert result["changed"] is False
    assert {key: result["experience_group"][key] for key in ("devices", "device_tags", "device_query", "endpoints")} \
        == {"devices": [PUMP], "device_tags": [{"key": "customer", "value": "acme"}],
            "device_query": {"name": {"$startsWith": "North"}}, "endpoints": [DASH]}


def test_ids_the_group_already_grants_cost_no_lookup(capsys):
    result, session = run(capsys, dict(name="Acme", devices=[PUMP.upper()], endpoints=[DASH]), listing(ACME))
    assert session.summary() == [lookup('{"name":"Acme"}')]
    assert result["changed"] is False


def test_one_patch_holds_only_what_differs_merged_unless_purged(capsys):
    patched = dict(ACME, deviceIds=[PUMP, VALVE], deviceTags=[{"key": "site"}], deviceQueryJson=None,
                   experienceEndpointIds=[DASH, CTRL])
    args = dict(name="Acme", devices=[VALVE], device_tags=[{"key": "site"}], purge_device_tags=True, device_query={},
                endpoints=["POST /api/control"])
    result, session = run(capsys, args, listing(ACME), listing({"id": VALVE, "name": "Valve"}),
                          response(200, ENDPOINT_LIST), response(200, patched), diff=True)
    assert session.summary() == [
        lookup('{"name":"Acme"}'), devices('{"id":{"$in":["%s"]}}' % VALVE), ("GET", ENDPOINTS, {}, None),
        ("PATCH", "%s/%s" % (GROUPS, ROOT), {}, {"deviceIds": [PUMP, VALVE], "experienceEndpointIds": [DASH, CTRL],
                                                 "deviceTags": [{"key": "site"}], "deviceQueryJson": None}),
    ]
    assert result["changed_fields"] == ["devices", "endpoints", "device_tags", "device_query"]
    assert warning_texts(result) == ["endpoints: POST /api/control has access 'authenticated', not 'group': granting "
                                     "it to a group changes nothing until its access is 'group'"]
    assert result["diff"]["before"]["endpoints"] == ["GET /dashboard"]
    assert result["diff"]["after"]["endpoints"] == ["GET /dashboard", "POST /api/control"]
    assert result["diff"]["after"]["device_query"] == {} and result["diff"]["after"]["device_tags"] == [{"key": "site"}]
    assert result["experience_group"]["device_query"] == {}


def test_a_create_sends_what_it_grants_in_the_post(capsys):
    created = group(CHILD, "Night", deviceIds=[TWIN], deviceQueryJson='{"tags":{"shift":"night"}}')
    args = dict(name="Night", devices=["Twin"], device_query={"tags": {"shift": "night"}})
    result, session = run(capsys, args, listing(), listing({"id": TWIN, "name": "Twin"}), response(201, created))
    assert session.summary() == [lookup('{"name":"Night"}'), devices('{"name":{"$ci":true,"$in":["Twin"]}}'),
                                 ("POST", GROUPS, {}, {"name": "Night", "deviceIds": [TWIN],
                                                       "deviceQueryJson": '{"tags":{"shift":"night"}}'})]
    assert result["changed_fields"] == ["name", "devices", "device_query"]
    assert result["experience_group"]["device_query"] == {"tags": {"shift": "night"}}


def test_unknown_or_ambiguous_devices_fail_before_any_write_naming_the_candidates(capsys):
    found = listing({"id": PUMP, "name": "Pump"}, {"id": VALVE, "name": "Pump"}, {"id": TWIN, "name": "twin"})
    result, session = run(capsys, dict(name="Acme", devices=["Pump", "Twin"], purge_devices=True), listing(ACME), found)
    assert len(session.calls) == 2
    assert result["failed"] is True
    assert result["msg"] == ("devices: 2 devices are named 'Pump' (ids %s, %s); give the id of one instead; no device "
                             "is named 'Twin'; in other letter case: 'twin' (%s)" % (PUMP, VALVE, TWIN))


def test_an_unknown_endpoint_fails_naming_the_closest(capsys):
    result, session = run(capsys, dict(name="Acme", endpoints=["GET /dashbord"]), listing(ACME),
                          response(200, ENDPOINT_LIST))
    assert len(session.calls) == 2 and result["failed"] is True
    assert result["msg"] == "endpoints: no experience endpoint is 'GET /dashbord'; closest: GET /dashboard"


def test_an_endpoint_listing_short_of_its_total_fails_instead_of_guessing(capsys):
    short = dict(ENDPOINT_LIST, totalCount=3)
    result = run(capsys, dict(name="Acme", endpoints=["GET /dashboard"]), listing(ACME), response(200, short))[0]
    assert result["failed"] is True
    assert result["msg"] == ("Losant API request GET /%s failed: the endpoint listing holds 2 of its 3 endpoints, and "
                             "it has no pages to read the rest from" % ENDPOINTS)


def test_bad_access_options_fail_before_any_request(capsys):
    result, session = run(capsys, dict(name="Acme", endpoints=["dashboard"], device_tags=[{"key": "a b"}],
                                       device_query={"email": "x"}))
    assert session.summary() == []
    assert result["errors"] == [
        "endpoints: entries must be endpoint ids or 'METHOD /route' (methods: GET, POST, PUT, PATCH, DELETE, "
        "OPTIONS), got 'dashboard'",
        "device_tags key 'a b' must match ^[0-9a-zA-Z_-]{1,255}$ (letters, digits, _ and -)",
        "device_query: 'email' is not a field of an advanced device query (fields: ancestorId, attributeName, "
        "connectedAt, connectionStatus, creationDate, deletedAt, deviceClass, disconnectedAt, experienceGroupId, "
        "experienceUserId, gatewayId, id, lastUpdated, name, parentId, tags)"]


# ------------------------------------------------------------------ check mode across tasks

def test_check_mode_plans_a_child_of_a_parent_that_does_not_exist_yet(capsys):
    result, session = run(capsys, dict(name="Acme Operators", parent="Acme"), listing(), check_mode=True, diff=True)
    assert session.summary() == [lookup('{"$or":[{"name":"Acme Operators"},{"name":"Acme"}]}')]
    assert result["changed"] is True and result["changed_fields"] == ["name", "parent"]
    assert result["experience_group"]["parent_id"] is None and result["experience_group"]["ancestor_ids"] == []
    assert result["diff"]["after"]["parent"] == "Acme"
    assert warning_texts(result) == ["parent: no experience group is named (or has the id) 'Acme' yet; check mode "
                                     "assumes an earlier task of this run creates it (without check mode this fails)"]


def test_check_mode_moving_under_a_parent_not_there_yet_is_a_change(capsys):
    result = run(capsys, dict(name="Acme", parent="Holding"), listing(ACME), check_mode=True)[0]
    assert result["changed"] is True and result["changed_fields"] == ["parent"]


def test_without_check_mode_an_unknown_parent_still_fails(capsys):
    result, session = run(capsys, dict(name="Acme Operators", parent="Acme"), listing())
    assert len(session.calls) == 1
    assert result["failed"] is True and result["msg"] == "parent: no experience group named or with id 'Acme'"
