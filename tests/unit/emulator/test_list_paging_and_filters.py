"""List endpoints: paging, sorting, glob filters, the group filter of the user
list, and parameter errors."""

import pytest

from ansible_collections.losant.platform.tests.unit.emulator.emulator_client import MISSING_ID, assert_error, seed


def test_paging_reports_total_count_across_pages(api):
    seed(api, [{"email": "p%03d@example.com" % i} for i in range(250)])
    seen = []
    for page, expected in [(0, 100), (1, 100), (2, 50), (3, 0)]:
        body = api.list_users(page=page, perPage=100)
        assert (body["count"], body["totalCount"], body["page"], body["perPage"]) == (expected, 250, page, 100)
        assert len(body["items"]) == expected
        seen += [u["email"] for u in body["items"]]
    assert seen == ["p%03d@example.com" % i for i in range(250)]
    default = api.list_users()
    assert default["perPage"] == 100 and default["count"] == 100 and default["page"] == 0
    assert api.list_users(perPage=1000)["count"] == 250
    assert api.list_users(perPage=7, page=35)["count"] == 5


@pytest.mark.parametrize("params, word", [
    ({"perPage": 1001}, "perPage"), ({"perPage": 0}, "perPage"), ({"perPage": "ten"}, "perPage"),
    ({"page": -1}, "page"), ({"page": "x"}, "page"),
    ({"sortField": "password"}, "sortField"), ({"sortDirection": "up"}, "sortDirection"),
    ({"filterField": "userTags", "filter": "x"}, "filterField"),
    ({"experienceGroupId": "some"}, "experienceGroupId"),
    ({"query": "{not json"}, "query"),
])
def test_invalid_list_params_are_400(api, params, word):
    assert_error(api.call("GET", "/users", params=params), 400, "Validation", word)


def test_group_list_params(api):
    seed(api, groups=[{"name": "g%02d" % i} for i in range(30)])
    body = api.ok("GET", "/groups", params={"perPage": 10, "page": 2, "sortDirection": "desc"})
    assert [g["name"] for g in body["items"]] == ["g%02d" % i for i in range(9, -1, -1)]
    assert (body["count"], body["totalCount"], body["sortField"], body["sortDirection"]) == (10, 30, "name", "desc")
    assert_error(api.call("GET", "/groups", params={"sortField": "email"}), 400, "Validation", "sortField")
    assert_error(api.call("GET", "/groups", params={"filterField": "email", "filter": "x"}), 400, "Validation")
    assert_error(api.call("GET", "/groups", params={"perPage": 5000}), 400, "Validation", "perPage")


def test_sorting(api):
    seed(api, [{"email": "b@example.com", "firstName": "Zed", "lastName": "Alpha"},
               {"email": "a@example.com", "firstName": "Amy"},
               {"email": "c@example.com", "firstName": "Mia", "lastName": "Beta"}])
    assert [u["email"] for u in api.list_users()["items"]] == ["a@example.com", "b@example.com", "c@example.com"]
    assert api.list_users()["sortField"] == "email" and api.list_users()["sortDirection"] == "asc"
    assert [u["firstName"] for u in api.list_users(sortField="firstName", sortDirection="desc")["items"]] == \
        ["Zed", "Mia", "Amy"]
    by_last = [u["email"] for u in api.list_users(sortField="lastName")["items"]]
    assert by_last == ["a@example.com", "b@example.com", "c@example.com"]  # missing sorts first
    ids = [u["id"] for u in api.list_users(sortField="id")["items"]]
    assert ids == sorted(ids)
    api.ok("PATCH", "/users/" + ids[0], {"firstName": "touched"})
    newest = api.list_users(sortField="lastUpdated", sortDirection="desc")["items"][0]
    assert newest["id"] == ids[0]


def test_glob_filter(api):
    seed(api, [{"email": "alice@Example.com", "firstName": "Alice"},
               {"email": "bob@example.org", "firstName": "Bob"},
               {"email": "alicia@example.org", "firstName": "Alicia"}])
    assert api.emails(filterField="email", filter="*@example.com") == ["alice@example.com"]
    assert api.emails(filterField="email", filter="*@Example.COM") == ["alice@example.com"]
    assert api.emails(filterField="firstName", filter="ali*") == ["alice@example.com", "alicia@example.org"]
    assert api.emails(filterField="email", filter="*ALIC*") == ["alice@example.com", "alicia@example.org"]
    # no wildcard: a whole-value (case-insensitive) match, not a substring match
    assert api.emails(filterField="firstName", filter="ali") == []
    assert api.emails(filterField="firstName", filter="BOB") == ["bob@example.org"]
    assert api.emails(filterField="email", filter="bob@example.org") == ["bob@example.org"]
    assert api.emails(filterField="email", filter="b.b@example.org") == []  # "." is literal
    body = api.list_users(filterField="email", filter="*.org")
    assert body["filter"] == "*.org" and body["filterField"] == "email" and body["totalCount"] == 2
    seed(api, groups=[{"name": "North Site"}, {"name": "South Site"}, {"name": "Northern"}])
    names = [g["name"] for g in api.ok("GET", "/groups", params={"filterField": "name", "filter": "north*"})["items"]]
    assert names == ["North Site", "Northern"]


def test_experience_group_filter_any_none_and_ancestors(api):
    seed(api, groups=[{"name": "top"}, {"name": "child", "parentName": "top"},
                      {"name": "grandchild", "parentName": "child"}, {"name": "other"}],
         users=[{"email": "top@example.com", "experienceGroups": ["top"]},
                {"email": "gc@example.com", "experienceGroups": ["grandchild"]},
                {"email": "other@example.com", "experienceGroups": ["other"]},
                {"email": "none@example.com"}])
    groups = {g["name"]: g["id"] for g in api.ok("GET", "/groups")["items"]}
    assert api.emails(experienceGroupId="any") == ["gc@example.com", "other@example.com", "top@example.com"]
    assert api.emails(experienceGroupId="none") == ["none@example.com"]
    assert api.emails(experienceGroupId=groups["top"]) == ["top@example.com"]
    assert api.emails(experienceGroupId=groups["top"], includeAncestorGroups="true") == ["top@example.com"]
    assert api.emails(experienceGroupId=groups["grandchild"]) == ["gc@example.com"]
    assert api.emails(experienceGroupId=groups["grandchild"], includeAncestorGroups="true") == \
        ["gc@example.com", "top@example.com"]
    assert api.emails(experienceGroupId=groups["child"], includeAncestorGroups="true") == ["top@example.com"]
    assert api.emails(experienceGroupId=MISSING_ID) == []
    assert api.list_users(experienceGroupId=groups["top"])["experienceGroupId"] == groups["top"]


def test_underscore_params_are_ignored(api):
    api.user("x@example.com")
    body = api.list_users(_actions="false", _links="true", _embedded="true", _whatever="1")
    assert body["totalCount"] == 1
