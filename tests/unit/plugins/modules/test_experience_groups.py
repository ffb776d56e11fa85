"""main() of experience_groups with the HTTP transport replaced: the exact
requests sent, and the JSON the module exits with."""

from ansible_collections.losant.platform.plugins.modules import experience_groups
from ansible_collections.losant.platform.tests.unit.helpers.fake_transport import response
from ansible_collections.losant.platform.tests.unit.helpers.module_runner import (
    APP,
    GROUPS,
    listing,
    query_params,
    run_main,
    warning_texts,
)

ACME = "aaaaaaaaaaaaaaaaaaaaaa01"
OPS = "aaaaaaaaaaaaaaaaaaaaaa02"
NIGHT = "aaaaaaaaaaaaaaaaaaaaaa03"
NEW_OPS = "aaaaaaaaaaaaaaaaaaaaaa08"
NEW_LEAF = "aaaaaaaaaaaaaaaaaaaaaa09"
PUMP = "dddddddddddddddddddddd01"
DASH = "eeeeeeeeeeeeeeeeeeeeee01"
DEVICES = "applications/%s/devices" % APP
ENDPOINTS = "applications/%s/experience/endpoints" % APP
WHEN = "2026-11-26T17:38:35.123Z"


def group(gid, name, parent=None, ancestors=(), **fields):
    found = {"id": gid, "experienceGroupId": gid, "name": name, "parentId": parent, "ancestorIds": list(ancestors),
             "groupTags": {}, "experienceUserIds": [], "deviceIds": [], "deviceTags": [], "deviceQueryJson": None,
             "experienceEndpointIds": [], "creationDate": WHEN, "lastUpdated": WHEN}
    found.update(fields)
    return found


def tree():
    return [group(ACME, "Acme", groupTags={"customer": "acme"}, deviceTags=[{"key": "customer", "value": "acme"}]),
            group(OPS, "Operators", ACME, [ACME], deviceIds=[PUMP], experienceEndpointIds=[DASH]),
            group(NIGHT, "Night", OPS, [ACME, OPS])]


def run(capsys, args, *answers, **kwargs):
    return run_main(capsys, experience_groups, args, *answers, **kwargs)


def read_groups():
    return ("GET", GROUPS, query_params(), None)


def one(gid):
    return "%s/%s" % (GROUPS, gid)


CONFIG = [
    {"name": "Acme", "parent": "", "group_tags": {"customer": "acme"},
     "device_tags": [{"key": "customer", "value": "acme"}]},
    {"name": "Operators", "parent": "Acme", "devices": ["Pump"], "endpoints": ["GET /dashboard"]},
    {"name": "Night", "parent": ["Acme", "Operators"]},
]


def test_a_no_op_reads_the_groups_once_and_resolves_names_with_two_requests(capsys):
    result, session = run(capsys, dict(config=CONFIG), listing(*tree()),
                          listing({"id": PUMP, "name": "Pump"}),
                          response(200, {"items": [{"id": DASH, "method": "get", "route": "/dashboard",
                                                    "access": "group"}], "count": 1, "totalCount": 1}))
    assert session.summary() == [
        read_groups(),
        ("GET", DEVICES, query_params('{"name":{"$ci":true,"$in":["Pump"]}}'), None),
        ("GET", ENDPOINTS, {}, None),
    ]
    assert result["changed"] is False and result["unchanged"] == 3
    assert result["created"] == result["updated"] == result["deleted"] == []


def test_ids_already_granted_need_only_the_group_listing(capsys):
    config = [dict(CONFIG[1], devices=[PUMP], endpoints=[DASH.upper()])]
    result, session = run(capsys, dict(config=config), listing(*tree()))
    assert session.summary() == [read_groups()]
    assert result["changed"] is False and result["unchanged"] == 1


def test_merged_updates_and_creates_parents_first(capsys):
    config = [{"name": "Leaf", "parent": ["Initech", "Ops"], "devices": [PUMP]},
              {"name": "Ops", "parent": "Initech"}, {"name": "Initech", "parent": ""},
              {"name": "Acme", "parent": "", "description": "All of Acme"}]
    initech = group("aaaaaaaaaaaaaaaaaaaaaa07", "Initech")
    result, session = run(capsys, dict(config=config), listing(*tree()), listing({"id": PUMP, "name": "Pump"}),
                          response(200, dict(tree()[0], description="All of Acme")),
                          response(201, initech),
                          response(201, group(NEW_OPS, "Ops", initech["id"], [initech["id"]])),
                          response(201, group(NEW_LEAF, "Leaf", NEW_OPS, [initech["id"], NEW_OPS])), diff=True)
    assert session.summary() == [
        read_groups(),
        ("GET", DEVICES, query_params('{"id":{"$in":["%s"]}}' % PUMP), None),
        ("PATCH", one(ACME), {}, {"description": "All of Acme"}),
        ("POST", GROUPS, {}, {"name": "Initech"}),
        ("POST", GROUPS, {}, {"name": "Ops", "parentId": initech["id"]}),
        ("POST", GROUPS, {}, {"name": "Leaf", "parentId": NEW_OPS, "deviceIds": [PUMP]}),
    ]
    assert result["changed"] is True and result["unchanged"] == 0
    assert result["updated"] == [{"name": "Acme", "parent": [], "id": ACME, "changed_fields": ["description"]}]
    assert result["created"] == [
        {"name": "Initech", "parent": [], "id": initech["id"], "changed_fields": ["name"]},
        {"name": "Ops", "parent": ["Initech"], "id": NEW_OPS, "changed_fields": ["name", "parent"]},
        {"name": "Leaf", "parent": ["Initech", "Ops"], "id": NEW_LEAF, "changed_fields": ["name", "parent", "devices"]}]
    assert [entry["before_header"] for entry in result["diff"]] == ["Initech", "Initech / Ops", "Initech / Ops / Leaf",
                                                                    "Acme"]
    assert result["diff"][2]["after"] == {"name": "Leaf", "description": "", "parent": ["Initech", "Ops"],
                                          "group_tags": {}, "devices": [PUMP]}
    assert result["diff"][3]["before"]["description"] == "" and result["diff"][3]["after"]["description"] == \
        "All of Acme"


def test_check_mode_plans_children_of_a_parent_that_does_not_exist_yet(capsys):
    config = [{"name": "Ops", "parent": "Initech"}, {"name": "Night", "parent": ["Initech", "Ops"]}]
    result, session = run(capsys, dict(config=config), listing(*tree()), check_mode=True)
    assert session.summary() == [read_groups()]
    assert result["changed"] is True
    assert [(item["name"], item["parent"], item["id"]) for item in result["created"]] == [
        ("Ops", ["Initech"], None), ("Night", ["Initech", "Ops"], None)]
    assert warning_texts(result) == ["config[0] (Ops): parent 'Initech' does not exist yet; check mode assumes an "
                                     "earlier task of this run creates it (without check mode this fails)"]


def test_without_check_mode_an_unknown_parent_fails_before_any_write(capsys):
    result, session = run(capsys, dict(config=[{"name": "Ops", "parent": "Initech"}]), listing(*tree()))
    assert session.summary() == [read_groups()]
    assert result["failed"] is True
    assert result["msg"] == ("config[0] (Ops): parent 'Initech' is neither a group of the application nor an entry of "
                             "config")


def test_overridden_deletes_deepest_first_within_max_deletions(capsys):
    config = [{"name": "Acme", "parent": "", "group_tags": {"customer": "acme"}}]
    result, session = run(capsys, dict(config=config, state="overridden", max_deletions=2), listing(*tree()),
                          response(200, dict(tree()[0], deviceTags=[])),
                          response(200, {"success": True}), response(200, {"success": True}))
    assert session.summary() == [read_groups(), ("PATCH", one(ACME), {}, {"deviceTags": []}),
                                 ("DELETE", one(NIGHT), {}, None), ("DELETE", one(OPS), {}, None)]
    assert result["deleted"] == [{"name": "Night", "parent": ["Acme", "Operators"], "id": NIGHT},
                                 {"name": "Operators", "parent": ["Acme"], "id": OPS}]
    assert result["updated"][0]["changed_fields"] == ["device_tags"]


def test_max_deletions_refuses_before_any_write(capsys):
    result, session = run(capsys, dict(config=[], state="overridden", max_deletions=2), listing(*tree()))
    assert session.summary() == [read_groups()]
    assert result["failed"] is True and result["would_delete"] == 3
    assert result["msg"] == "max_deletions: this task would delete 3 groups, more than max_deletions=2; nothing was changed"


def test_a_listing_that_cannot_be_trusted_deletes_nothing(capsys):
    # A server that answered the wrong ancestors: the parents, not the server, say what is below what.
    groups = tree()
    groups[2]["ancestorIds"] = [OPS]
    result, session = run(capsys, dict(config=[{"name": "Acme", "parent": ""}], state="overridden"),
                          listing(*groups))
    assert session.summary() == [read_groups()]
    assert result["failed"] is True and "the group listing cannot be trusted: group %s lists the ancestors" % NIGHT \
        in result["msg"]


def test_a_failed_write_reports_what_was_done(capsys):
    config = [{"name": "Operators", "parent": "Acme"}, {"name": "Night", "parent": ["Acme", "Operators"]}]
    result, session = run(capsys, dict(config=config, state="deleted"),
                          listing(*tree()), response(200, {"success": True}),
                          response(400, {"type": "Validation", "message": "no"}))
    assert session.summary() == [read_groups(), ("DELETE", one(NIGHT), {}, None), ("DELETE", one(OPS), {}, None)]
    assert result["failed"] is True and result["changed"] is True
    assert result["deleted"] == [{"name": "Night", "parent": ["Acme", "Operators"], "id": NIGHT}]
    assert result["msg"].endswith("HTTP 400 Validation: no; done before it: 0 created, 0 updated, 1 deleted")


def test_a_create_whose_answer_is_lost_is_found_by_name_and_parent(capsys):
    lost = response(502, {"type": "BadGateway", "message": "x"})
    elsewhere = group("aaaaaaaaaaaaaaaaaaaaaa0a", "Team")
    mine = group("aaaaaaaaaaaaaaaaaaaaaa0b", "Team", ACME, [ACME])
    result, session = run(capsys, dict(config=[{"name": "Team", "parent": "Acme"}]), listing(*tree()), lost,
                          listing(elsewhere, mine))
    assert session.summary() == [read_groups(), ("POST", GROUPS, {}, {"name": "Team", "parentId": ACME}),
                                 ("GET", GROUPS, query_params('{"name":"Team"}'), None)]
    assert result["created"][0]["id"] == mine["id"]


def test_gathered_returns_the_config_shape(capsys):
    result, session = run(capsys, dict(state="gathered"), listing(*tree()),
                          response(200, {"items": [{"id": DASH, "method": "get", "route": "/dashboard",
                                                    "access": "group"}], "count": 1, "totalCount": 1}))
    assert session.summary() == [read_groups(), ("GET", ENDPOINTS, {}, None)]
    assert result["changed"] is False
    assert result["gathered"][1] == {"name": "Operators", "parent": "Acme", "description": "", "group_tags": {},
                                     "devices": [PUMP], "device_tags": [], "device_query": {},
                                     "endpoints": ["GET /dashboard"]}


def test_bad_entries_fail_before_any_request(capsys):
    result, session = run(capsys, dict(config=[{"name": "A", "parent": {"x": 1}}, {"name": "B", "device_tags": [
        {"key": "bad key"}]}]))
    assert session.summary() == []
    assert result["msg"] == (
        "config[0] (A): parent must be a group name, \"\" for the top level, or a list of group names from the top "
        "level down, got {'x': 1}; config[1] (B): device_tags key 'bad key' must match ^[0-9a-zA-Z_-]{1,255}$ "
        "(letters, digits, _ and -)")
    assert result["errors"] == result["msg"].split("; ")
