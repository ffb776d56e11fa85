"""Experience groups: their fields and rules, membership seen from both sides,
nesting, cycles and orphaned children."""

import pytest

from ansible_collections.losant.platform.tests.unit.emulator.emulator_client import APP, ID_RE, MISSING_ID, TS_RE, assert_error


def test_group_crud_and_fields(api):
    user = api.user("m@example.com")
    group = api.group("Ops", description="operators", groupTags={"site": "north"},
                      experienceUserIds=[user["id"]])
    assert ID_RE.match(group["id"]) and group["experienceGroupId"] == group["id"]
    assert group["applicationId"] == APP
    assert group["parentId"] is None and group["ancestorIds"] == []
    assert group["experienceUserIds"] == [user["id"]]
    assert group["deviceIds"] == [] and group["deviceTags"] == [] and group["experienceEndpointIds"] == []
    assert group["deviceQueryJson"] is None
    assert group["directDeviceCount"] == 0 and group["totalDeviceCount"] == 0
    assert TS_RE.match(group["creationDate"]) and TS_RE.match(group["lastUpdated"])
    assert api.ok("GET", "/users/" + user["id"])["experienceGroups"] == [
        {"id": group["id"], "name": "Ops", "parentId": None}]
    same_name = api.group("Ops")
    assert same_name["id"] != group["id"]  # names are not unique
    patched = api.ok("PATCH", "/groups/" + group["id"], {"name": "Operators", "groupTags": {}})
    assert patched["name"] == "Operators" and patched["groupTags"] == {}
    assert patched["description"] == "operators" and patched["experienceUserIds"] == [user["id"]]
    assert patched["lastUpdated"] > group["lastUpdated"]
    assert api.ok("GET", "/users/" + user["id"])["experienceGroups"][0]["name"] == "Operators"
    assert api.ok("DELETE", "/groups/" + group["id"]) == {"success": True}
    assert_error(api.call("GET", "/groups/" + group["id"]), 404, "NotFound")
    assert api.ok("GET", "/users/" + user["id"])["experienceGroups"] == []


@pytest.mark.parametrize("body, words", [
    ({}, ["name", "required"]),
    ({"name": ""}, ["name", "empty"]),
    ({"name": "n" * 256}, ["name", "255"]),
    ({"name": "n", "parentId": "nope"}, ["parentId"]),
    ({"name": "n", "parentId": MISSING_ID}, ["parentId", "exist"]),
    ({"name": "n", "experienceUserIds": [MISSING_ID]}, ["experienceUserIds", "exist"]),
    ({"name": "n", "groupTags": {"k": 5}}, ["groupTags.k"]),
    ({"name": "n", "deviceTags": [{"key": "k", "value": "v", "x": 1}]}, ["deviceTags[0]", "x"]),
    ({"name": "n", "deviceQueryJson": "q" * 8193}, ["deviceQueryJson", "8192"]),
    ({"name": "n", "ancestorIds": []}, ["ancestorIds", "allowed"]),
])
def test_post_group_validation(api, body, words):
    assert_error(api.call("POST", "/groups", body), 400, "Validation", *words)
    assert api.ok("GET", "/groups")["totalCount"] == 0


def test_group_patch_membership_replaces_and_both_views_agree(api):
    users = [api.user("u%d@example.com" % i) for i in range(3)]
    group = api.group("g", experienceUserIds=[users[0]["id"], users[1]["id"]])
    patched = api.ok("PATCH", "/groups/" + group["id"], {"experienceUserIds": [users[2]["id"], users[1]["id"]]})
    assert patched["experienceUserIds"] == [users[2]["id"], users[1]["id"]]
    member_of = {u["email"]: [g["id"] for g in u["experienceGroups"]] for u in api.list_users()["items"]}
    assert member_of == {"u0@example.com": [], "u1@example.com": [group["id"]],
                         "u2@example.com": [group["id"]]}


def test_delete_user_removes_membership(api):
    g1, g2 = api.group("a"), api.group("b")
    keep = api.user("keep@example.com", experienceGroupIds=[g1["id"]])
    gone = api.user("gone@example.com", experienceGroupIds=[g1["id"], g2["id"]])
    api.ok("DELETE", "/users/" + gone["id"])
    groups = {g["name"]: g["experienceUserIds"] for g in api.ok("GET", "/groups")["items"]}
    assert groups == {"a": [keep["id"]], "b": []}
    state = api.hook("GET", "state").json()
    assert all(gone["id"] not in g["experienceUserIds"] for g in state["experienceGroups"])


def test_nesting_ancestors_cycles_and_orphaning(api):
    root = api.group("root")
    mid = api.group("mid", parentId=root["id"])
    leaf = api.group("leaf", parentId=mid["id"])
    assert leaf["ancestorIds"] == [root["id"], mid["id"]]
    assert_error(api.call("PATCH", "/groups/" + root["id"], {"parentId": leaf["id"]}), 400,
                 "Validation", "parentId")
    assert_error(api.call("PATCH", "/groups/" + root["id"], {"parentId": root["id"]}), 400,
                 "Validation", "parentId")
    user = api.user("n@example.com", experienceGroupIds=[leaf["id"]])
    assert user["experienceGroups"] == [{"id": leaf["id"], "name": "leaf", "parentId": mid["id"]}]
    api.ok("DELETE", "/groups/" + mid["id"])
    orphan = api.ok("GET", "/groups/" + leaf["id"])
    assert orphan["parentId"] is None and orphan["ancestorIds"] == []
    assert api.ok("GET", "/users/" + user["id"])["experienceGroups"][0]["parentId"] is None
    moved = api.ok("PATCH", "/groups/" + leaf["id"], {"parentId": root["id"]})
    assert moved["ancestorIds"] == [root["id"]]
    assert api.ok("PATCH", "/groups/" + leaf["id"], {"parentId": None})["parentId"] is None
