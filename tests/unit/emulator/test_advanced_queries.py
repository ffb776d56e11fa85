"""The advanced JSON query language of the user and group lists."""

import json

import pytest

from ansible_collections.losant.platform.tests.unit.emulator.emulator_client import MISSING_ID, assert_error, seed


@pytest.fixture
def people(api):
    seeded = seed(api, groups=[{"name": "eng"}, {"name": "ops"}, {"name": "sre", "parentName": "ops"}], users=[
        {"email": "Ann@Example.com", "firstName": "Ann", "lastName": "Lee",
         "userTags": {"role": "admin", "site": "north"}, "experienceGroups": ["eng"]},
        {"email": "bob@example.com", "firstName": "Bob", "userTags": {"role": "viewer"},
         "experienceGroups": ["ops", "eng"], "lastLogin": "2026-03-01T00:00:00Z"},
        {"email": "cid@example.org", "firstName": "Cid", "lastName": "Lee", "userTags": {"site": "south"},
         "experienceGroups": ["sre"], "creationDate": "2020-01-01T00:00:00.000Z"},
        {"email": "dee@example.org", "firstName": "Dee"},
    ])
    return dict((g["name"], g["id"]) for g in seeded["experienceGroups"])


@pytest.mark.parametrize("query, expected", [
    ({"email": "bob@example.com"}, ["bob"]),
    # emails are stored in lower case: an exact match with upper-case letters needs $ci
    ({"email": {"$eq": "ann@example.com"}}, ["ann"]),
    ({"email": {"$eq": "Ann@Example.com"}}, []),
    ({"email": {"$eq": "Ann@Example.com", "$ci": True}}, ["ann"]),
    ({"email": {"$in": ["Ann@Example.com", "bob@example.com"]}}, ["bob"]),
    ({"email": {"$in": ["Ann@Example.com"], "$ci": True}}, ["ann"]),
    ({"email": {"$ne": "bob@example.com"}}, ["ann", "cid", "dee"]),
    ({"email": {"$ne": "Ann@Example.com"}}, ["ann", "bob", "cid", "dee"]),
    ({"firstName": {"$in": ["Ann", "Cid", "Zoe"]}}, ["ann", "cid"]),
    ({"firstName": {"$nin": ["Ann", "Cid"]}}, ["bob", "dee"]),
    ({"lastName": None}, ["bob", "dee"]),
    ({"lastName": {"$ne": None}}, ["ann", "cid"]),
    ({"email": {"$endsWith": ".org"}}, ["cid", "dee"]),
    ({"email": {"$startsWith": "ANN", "$ci": True}}, ["ann"]),
    ({"email": {"$startsWith": "Ann"}}, []),  # case-sensitive without $ci
    ({"email": {"$contains": "example"}}, ["ann", "bob", "cid", "dee"]),
    ({"email": {"$contains": "Example"}}, []),
    ({"email": {"$contains": "Example", "$ci": True}}, ["ann", "bob", "cid", "dee"]),
    ({"firstName": {"$gte": "Bob", "$lt": "Dee"}}, ["bob", "cid"]),
    ({"userTags": {"role": "admin"}}, ["ann"]),
    ({"userTags": {"role": None}}, ["ann", "bob"]),
    ({"userTags": {"role": {"$in": ["viewer", "editor"]}}}, ["bob"]),
    ({"userTags": {"role": {"$nin": ["viewer"]}}}, ["ann"]),
    ({"userTags": {"role": "admin", "site": "north"}}, ["ann"]),
    ({"userTags": {"role": "admin", "site": "south"}}, []),
    ({"userTags": {"$tagKey": "site"}}, ["ann", "cid"]),
    ({"userTags": {"$tagValue": "south"}}, ["cid"]),
    ({"userTags": {"$tagKey": {"$in": ["role", "x"]}, "$tagValue": "viewer"}}, ["bob"]),
    ({"userTags": {"$eq": {"site": "north"}}}, ["ann"]),
    ({"userTags": {"$ne": {"role": None}}}, ["cid", "dee"]),
    ({"userTags": {}}, ["ann", "bob", "cid", "dee"]),
    ({"experienceGroupId": "@eng"}, ["ann", "bob"]),
    ({"experienceGroupId": {"$ne": "@eng"}}, ["cid", "dee"]),
    ({"experienceGroupId": {"$in": ["@ops", "@sre"]}}, ["bob", "cid"]),
    ({"experienceGroupId": {"$nin": ["@eng"]}}, ["cid", "dee"]),
    ({"experienceGroupId": None}, ["dee"]),
    ({"$or": [{"firstName": "Ann"}, {"userTags": {"site": "south"}}]}, ["ann", "cid"]),
    ({"$and": [{"lastName": "Lee"}, {"email": {"$endsWith": ".com"}}]}, ["ann"]),
    ({"$nor": [{"lastName": "Lee"}, {"firstName": "Bob"}]}, ["dee"]),
    ({"lastName": "Lee", "$or": [{"firstName": "Cid"}, {"firstName": "Nobody"}]}, ["cid"]),
    ({"creationDate": {"$lt": "2021-01-01"}}, ["cid"]),
    ({"creationDate": {"$gt": 1609459200000}}, ["ann", "bob", "dee"]),
    ({"lastLogin": {"$gte": "2026-03-01T00:00:00.000Z"}}, ["bob"]),
    ({"lastLogin": None}, ["ann", "cid", "dee"]),
    ({"passwordLastUpdated": None}, ["ann", "bob", "cid", "dee"]),
    ({"firstName": 5}, []),
    ({"$and": []}, ["ann", "bob", "cid", "dee"]),
    ({"$or": []}, []),
    ({"$nor": [], "firstName": "Dee"}, ["dee"]),
])
def test_advanced_user_query(api, people, query, expected):
    text = json.dumps(query)
    for name, gid in people.items():
        text = text.replace("@" + name, gid)
    names = [u["email"].split("@")[0] for u in api.query_users(json.loads(text), perPage=1000)["items"]]
    assert sorted(names) == sorted(expected)


def test_query_by_id_and_overrides_other_filters(api, people):
    everyone = api.list_users()["items"]
    ann = [u for u in everyone if u["firstName"] == "Ann"][0]
    assert [u["id"] for u in api.query_users({"id": ann["id"].upper()})["items"]] == [ann["id"]]
    assert api.query_users({"id": {"$in": [ann["id"], MISSING_ID]}})["totalCount"] == 1
    body = api.query_users({"firstName": "Ann"}, filterField="email", filter="bob*",
                           experienceGroupId="none")
    assert [u["firstName"] for u in body["items"]] == ["Ann"]
    assert "filter" not in body and "experienceGroupId" not in body


@pytest.mark.parametrize("query, words", [
    ({"password": "x"}, ["password"]),
    ({"email": {"$regex": "x"}}, ["$regex"]),
    ({"$where": "1"}, ["$where"]),
    ({"email": {"$in": ["a"] * 101}}, ["$in", "100"]),
    ({"$or": [{"email": "a"}] * 101}, ["$or", "100"]),
    ({"$or": {"email": "a"}}, ["$or", "array"]),
    ({"email": {"$startsWith": ""}}, ["$startsWith"]),
    ({"email": {"$ci": "yes"}}, ["$ci"]),
    ({"email": ["a"]}, ["email"]),
    ({"id": "nope"}, ["id"]),
    ({"id": {"$eq": MISSING_ID, "$ne": MISSING_ID}}, ["id", "one"]),
    ({"experienceGroupId": {"$startsWith": "a"}}, ["$startsWith"]),
    ({"userTags": {"$tagKey": "a", "role": "x"}}, ["userTags"]),
    ({"userTags": {"role": 5}}, ["userTags.role"]),
    ({"userTags": {"role": {"$eq": "x"}}}, ["userTags.role"]),
    ({"creationDate": {"$gt": "last tuesday"}}, ["creationDate"]),
    (["email"], ["query", "object"]),
])
def test_invalid_advanced_query_is_400(api, query, words):
    assert_error(api.call("GET", "/users", params={"query": json.dumps(query)}), 400, "Validation", *words)


def test_advanced_group_query(api):
    seeded = seed(api, groups=[{"name": "Alpha", "groupTags": {"tier": "gold"}},
                               {"name": "Beta", "parentName": "Alpha"},
                               {"name": "Gamma", "parentName": "Beta", "groupTags": {"tier": "silver"}}],
                  users=[{"email": "m@example.com", "experienceGroups": ["Beta"]}])
    ids = dict((g["name"], g["id"]) for g in seeded["experienceGroups"])
    uid = seeded["experienceUsers"][0]["id"]

    def names(query):
        body = api.ok("GET", "/groups", params={"query": json.dumps(query)})
        return sorted(g["name"] for g in body["items"])
    assert names({"parentId": None}) == ["Alpha"]
    assert names({"parentId": ids["Alpha"]}) == ["Beta"]
    assert names({"ancestorId": ids["Alpha"]}) == ["Beta", "Gamma"]
    assert names({"experienceUserId": uid}) == ["Beta"]
    assert names({"groupTags": {"tier": {"$in": ["gold", "silver"]}}}) == ["Alpha", "Gamma"]
    assert names({"name": {"$contains": "MM", "$ci": True}}) == ["Gamma"]
    assert names({"$or": [{"name": "Alpha"}, {"id": ids["Gamma"]}]}) == ["Alpha", "Gamma"]
    assert names({"experienceEndpointId": None}) == ["Alpha", "Beta", "Gamma"]
    assert_error(api.call("GET", "/groups", params={"query": json.dumps({"email": "x"})}), 400, "Validation", "email")
