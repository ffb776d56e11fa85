"""Behaviour of the Losant API emulator, driven over HTTP (127.0.0.1 only)."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from losant_emulator import (DEFAULT_APPLICATION_ID, DEFAULT_TOKEN, READ_ONLY_TOKEN,
                             Emulator)

APP = DEFAULT_APPLICATION_ID
OTHER_APP = "0123456789abcdef01234567"
MISSING_ID = "0" * 24
EMULATOR_PY = Path(__file__).resolve().parent / "losant_emulator.py"
TS_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
ID_RE = re.compile(r"^[0-9a-f]{24}$")


class Api(object):
    """Tiny client for the emulator: Losant paths relative to the application."""

    def __init__(self, url, token=DEFAULT_TOKEN, app=APP):
        self.url = url
        self.token = token
        self.app = app
        self.session = requests.Session()
        self.verify = None  # per request: REQUESTS_CA_BUNDLE would override Session.verify

    def call(self, method, path, body=None, params=None, token=None, app=None, timeout=10):
        headers = {}
        token = self.token if token is None else token
        if token:
            headers["Authorization"] = "Bearer " + token
        base = "%s/applications/%s/experience" % (self.url, app or self.app)
        kwargs = {"headers": headers, "params": params, "timeout": timeout}
        if self.verify:
            kwargs["verify"] = self.verify
        if body is not None:
            kwargs["json"] = body
        return self.session.request(method, base + path, **kwargs)

    def ok(self, method, path, body=None, params=None, status=None):
        resp = self.call(method, path, body, params)
        expected = status or (201 if method == "POST" else 200)
        assert resp.status_code == expected, (resp.status_code, resp.text)
        return resp.json()

    def user(self, email, password="password123", **fields):
        body = dict(fields, email=email, password=password)
        return self.ok("POST", "/users", body)

    def group(self, name, **fields):
        return self.ok("POST", "/groups", dict(fields, name=name))

    def list_users(self, **params):
        return self.ok("GET", "/users", params=params)

    def query_users(self, query, **params):
        params["query"] = json.dumps(query)
        return self.list_users(**params)

    def emails(self, query=None, **params):
        if query is not None:
            params["query"] = json.dumps(query)
        params.setdefault("perPage", 1000)
        return sorted(u["email"] for u in self.list_users(**params)["items"])

    def hook(self, method, name, body=None, params=None):
        kwargs = {"params": params, "timeout": 30}
        if self.verify:
            kwargs["verify"] = self.verify
        if body is not None:
            kwargs["json"] = body
        return self.session.request(method, self.url + "/_emulator/" + name, **kwargs)

    def faults(self, *rules, **extra):
        spec = dict(extra, rules=list(rules))
        resp = self.hook("PUT", "faults", spec)
        assert resp.status_code == 200, resp.text
        return resp.json()

    def log(self, since=0):
        return self.hook("GET", "requests", params={"since": since}).json()


def assert_error(resp, status, type_=None, *words):
    assert resp.status_code == status, (resp.status_code, resp.text)
    assert resp.headers["Content-Type"].startswith("application/json")
    body = resp.json()
    assert set(body) >= {"type", "message"}
    if type_ is not None:
        assert body["type"] == type_, body
    for word in words:
        assert word.lower() in body["message"].lower(), body
    return body


@pytest.fixture
def api(emulator):
    return Api(emulator.url)


# --------------------------------------------------------------------------
# auth, routing
# --------------------------------------------------------------------------

def test_missing_or_unknown_token_is_401(api):
    assert_error(api.call("GET", "/users", token=""), 401, "Unauthorized")
    assert_error(api.call("GET", "/users", token="nope"), 401, "Unauthorized")
    resp = api.session.get(api.url + "/applications/%s/experience/users" % APP,
                           headers={"Authorization": "Basic " + DEFAULT_TOKEN})
    assert_error(resp, 401, "Unauthorized")


def test_read_only_token_may_only_get(api):
    user = api.user("ro@example.com")
    group = api.group("ro")
    ro = Api(api.url, token=READ_ONLY_TOKEN)
    assert ro.list_users()["totalCount"] == 1
    assert ro.ok("GET", "/users/" + user["id"])["email"] == "ro@example.com"
    assert ro.ok("GET", "/groups/" + group["id"])["name"] == "ro"
    refused = [
        ro.call("POST", "/users", {"email": "x@example.com", "password": "password123"}),
        ro.call("PATCH", "/users/" + user["id"], {"firstName": "X"}),
        ro.call("DELETE", "/users/" + user["id"]),
        ro.call("POST", "/groups", {"name": "x"}),
        ro.call("PATCH", "/groups/" + group["id"], {"name": "x"}),
        ro.call("DELETE", "/groups/" + group["id"]),
    ]
    for resp in refused:
        assert_error(resp, 403, None, "scope")
    state = api.hook("GET", "state").json()
    assert [u["email"] for u in state["experienceUsers"]] == ["ro@example.com"]
    assert "firstName" not in state["experienceUsers"][0]
    assert [g["name"] for g in state["experienceGroups"]] == ["ro"]


@pytest.mark.parametrize("scopes, allowed, refused", [
    (["experienceUsers.get"], [("GET", "/users")], [("POST", "/users"), ("GET", "/users/{u}"), ("GET", "/groups")]),
    (["experienceUsers.post"], [("POST", "/users")], [("GET", "/users")]),
    (["experienceUsers.*"], [("GET", "/users"), ("POST", "/users")], [("GET", "/users/{u}")]),
    (["experienceUser.get"], [("GET", "/users/{u}")], [("PATCH", "/users/{u}"), ("GET", "/users")]),
    (["experienceUser.patch"], [("PATCH", "/users/{u}")], [("DELETE", "/users/{u}")]),
    (["experienceUser.*"], [("GET", "/users/{u}"), ("PATCH", "/users/{u}"),
                            ("DELETE", "/users/{u}")], [("POST", "/users")]),
    (["experienceGroups.get", "experienceGroup.delete"], [("GET", "/groups"), ("DELETE", "/groups/{g}")],
     [("POST", "/groups"), ("PATCH", "/groups/{g}"), ("GET", "/users")]),
    (["experienceGroups.*", "experienceGroup.*"], [("POST", "/groups"), ("GET", "/groups/{g}"),
                                                   ("PATCH", "/groups/{g}")], [("GET", "/users/{u}")]),
    (["all.Application.read"], [("GET", "/users"), ("GET", "/groups/{g}")], [("POST", "/groups")]),
    ([], [], [("GET", "/users")]),
])
def test_fine_grained_scopes(scopes, allowed, refused):
    with Emulator(tokens={"admin": ["all.Application"], "scoped": scopes}) as emu:
        admin = Api(emu.url, token="admin")
        scoped = Api(emu.url, token="scoped")
        bodies = {"/users": {"email": "new@example.com", "password": "password123"},
                  "/groups": {"name": "n"}}
        for method, template in allowed + refused:
            uid = admin.user("u%d@example.com" % time.perf_counter_ns())["id"]
            gid = admin.group("g")["id"]
            path = template.format(u=uid, g=gid)
            body = bodies.get(path) if method == "POST" else ({"name": "z"} if method == "PATCH" else None)
            if method == "PATCH" and "/users/" in path:
                body = {"firstName": "z"}
            resp = scoped.call(method, path, body)
            if (method, template) in allowed:
                assert resp.status_code in (200, 201), (scopes, method, template, resp.text)
            else:
                assert_error(resp, 403, "Forbidden", "scope")


def test_other_application_is_403_and_bad_ids_are_400(api):
    assert_error(api.call("GET", "/users", app=OTHER_APP), 403, "Forbidden")
    assert_error(api.call("POST", "/groups", {"name": "x"}, app=OTHER_APP), 403)
    assert_error(api.call("GET", "/users", app="not-an-id"), 400, "Validation", "applicationId")
    assert_error(api.call("GET", "/users/xyz"), 400, "Validation", "experienceUserId")
    assert_error(api.call("DELETE", "/groups/" + "g" * 24), 400, "Validation", "experienceGroupId")
    assert api.hook("GET", "state").json()["experienceGroups"] == []


def test_unknown_path_404_and_wrong_method_405(api):
    resp = api.session.get(api.url + "/applications/%s/devices" % APP,
                           headers={"Authorization": "Bearer " + DEFAULT_TOKEN})
    assert_error(resp, 404, "NotFound")
    assert_error(api.session.get(api.url + "/nothing/here"), 404, "NotFound")
    resp = api.call("PUT", "/users")
    body = assert_error(resp, 405)
    assert body["type"] == "MethodNotAllowed"
    assert "GET" in resp.headers["Allow"] and "POST" in resp.headers["Allow"]
    assert_error(api.call("POST", "/users/" + MISSING_ID, {}), 405)
    assert_error(api.call("DELETE", "/groups"), 405)


def test_unknown_ids_are_404(api):
    for method, path, body in [("GET", "/users/", None), ("PATCH", "/users/", {"firstName": "a"}),
                               ("DELETE", "/users/", None)]:
        assert_error(api.call(method, path + MISSING_ID, body), 404, "NotFound",
                     "Experience User was not found")
    for method in ("GET", "PATCH", "DELETE"):
        assert_error(api.call(method, "/groups/" + MISSING_ID, {"name": "a"} if method == "PATCH" else None),
                     404, "NotFound", "Experience Group was not found")


# --------------------------------------------------------------------------
# users
# --------------------------------------------------------------------------

def test_user_create_get_patch_delete(api):
    created = api.user("Jane.Doe@example.com", password="s3cret-pass", firstName="Jane",
                       lastName="Doe", userTags={"role": "admin"})
    assert ID_RE.match(created["id"]) and created["experienceUserId"] == created["id"]
    assert created["applicationId"] == APP
    for key in ("creationDate", "lastUpdated", "passwordLastUpdated"):
        assert TS_RE.match(created[key]), created[key]
    assert "lastLogin" not in created
    assert created["email"] == "Jane.Doe@example.com"
    assert created["userTags"] == {"role": "admin"}
    assert created["experienceGroups"] == []
    assert "password" not in json.dumps(created).replace("passwordLastUpdated", "")
    assert "s3cret-pass" not in json.dumps(created)

    fetched = api.ok("GET", "/users/" + created["id"])
    assert fetched == created
    assert api.ok("GET", "/users/" + created["id"].upper())["id"] == created["id"]

    patched = api.ok("PATCH", "/users/" + created["id"], {"lastName": "Smith"})
    assert patched["lastName"] == "Smith"
    assert patched["firstName"] == "Jane" and patched["userTags"] == {"role": "admin"}
    assert patched["lastUpdated"] > created["lastUpdated"]
    assert patched["passwordLastUpdated"] == created["passwordLastUpdated"]
    assert patched["creationDate"] == created["creationDate"]

    assert api.ok("DELETE", "/users/" + created["id"]) == {"success": True}
    assert_error(api.call("GET", "/users/" + created["id"]), 404, "NotFound")
    assert_error(api.call("DELETE", "/users/" + created["id"]), 404, "NotFound")


def test_patch_password_updates_password_last_updated(api):
    user = api.user("pw@example.com")
    time.sleep(0.005)
    patched = api.ok("PATCH", "/users/" + user["id"], {"password": "another-password"})
    assert patched["passwordLastUpdated"] > user["passwordLastUpdated"]
    assert patched["lastUpdated"] == patched["passwordLastUpdated"]


def test_token_cutoff_is_normalized(api):
    user = api.user("tc@example.com", tokenCutoff="2026-01-02T03:04:05+01:00")
    assert user["tokenCutoff"] == "2026-01-02T02:04:05.000Z"
    assert_error(api.call("PATCH", "/users/" + user["id"], {"tokenCutoff": "yesterday"}),
                 400, "Validation", "tokenCutoff")


def test_duplicate_email_is_case_insensitive(api):
    api.user("Dup@Example.com")
    other = api.user("other@example.com")
    body = assert_error(api.call("POST", "/users", {"email": "dup@example.COM", "password": "password123"}),
                        400, "AlreadyExists")
    assert body["message"] == 'Email address "dup@example.COM" already exists'
    assert_error(api.call("PATCH", "/users/" + other["id"], {"email": "DUP@example.com"}),
                 400, "AlreadyExists")
    # changing the case of one's own email is fine, and frees nothing else
    mine = api.ok("PATCH", "/users/" + other["id"], {"email": "OTHER@example.com"})
    assert mine["email"] == "OTHER@example.com"
    assert api.list_users()["totalCount"] == 2
    # once deleted, the address can be used again
    api.ok("DELETE", "/users/" + other["id"])
    api.user("other@EXAMPLE.com")


@pytest.mark.parametrize("body, words", [
    ({"password": "password123"}, ["email", "required"]),
    ({"email": "a@example.com"}, ["password", "required"]),
    ({"email": "a@example.com", "password": "short"}, ["password", "8"]),
    ({"email": "a@example.com", "password": "x" * 2049}, ["password", "2048"]),
    ({"email": "not-an-email", "password": "password123"}, ["email", "valid"]),
    ({"email": "a" * 1020 + "@example.com", "password": "password123"}, ["email", "1024"]),
    ({"email": 42, "password": "password123"}, ["email", "string"]),
    ({"email": "a@example.com", "password": "password123", "firstName": "f" * 1025}, ["firstName", "1024"]),
    ({"email": "a@example.com", "password": "password123", "lastName": None}, ["lastName", "string"]),
    ({"email": "a@example.com", "password": "password123", "userTags": {"bad key": "v"}}, ["userTags", "bad key"]),
    ({"email": "a@example.com", "password": "password123", "userTags": {"k": ""}}, ["userTags.k", "empty"]),
    ({"email": "a@example.com", "password": "password123", "userTags": {"k": 1}}, ["userTags.k", "string"]),
    ({"email": "a@example.com", "password": "password123", "userTags": {"k": "v" * 256}}, ["userTags.k", "255"]),
    ({"email": "a@example.com", "password": "password123", "userTags": ["k"]}, ["userTags", "object"]),
    ({"email": "a@example.com", "password": "password123", "experienceGroupIds": ["nope"]},
     ["experienceGroupIds[0]", "id"]),
    ({"email": "a@example.com", "password": "password123", "experienceGroupIds": [MISSING_ID]},
     ["experienceGroupIds", MISSING_ID]),
    ({"email": "a@example.com", "password": "password123", "experienceGroupIds": [MISSING_ID] * 1001},
     ["experienceGroupIds", "1000"]),
    ({"email": "a@example.com", "password": "password123", "role": "admin"}, ["role", "allowed"]),
    ({"email": "a@example.com", "password": "password123", "experienceGroups": []},
     ["experienceGroups", "allowed"]),
])
def test_post_user_validation_names_the_field(api, body, words):
    assert_error(api.call("POST", "/users", body), 400, "Validation", *words)
    assert api.list_users()["totalCount"] == 0


def test_patch_user_validation_and_bad_json(api):
    user = api.user("v@example.com")
    path = "/users/" + user["id"]
    assert_error(api.call("PATCH", path, {"id": MISSING_ID}), 400, "Validation", "id", "allowed")
    assert_error(api.call("PATCH", path, {"password": "1234567"}), 400, "Validation", "password")
    assert_error(api.call("PATCH", path, {"email": "bad"}), 400, "Validation", "email")
    resp = api.session.patch(api.url + "/applications/%s/experience/users/%s" % (APP, user["id"]),
                             data="{not json", headers={"Authorization": "Bearer " + DEFAULT_TOKEN,
                                                        "Content-Type": "application/json"})
    assert_error(resp, 400, "Validation", "JSON")
    assert_error(api.call("PATCH", path, ["firstName"]), 400, "Validation", "object")
    assert api.ok("GET", path) == user


def test_patch_replaces_tags_and_groups_wholesale(api):
    g1, g2, g3 = api.group("one"), api.group("two"), api.group("three")
    user = api.user("t@example.com", firstName="T", userTags={"a": "1", "b": "2"},
                    experienceGroupIds=[g1["id"], g2["id"]])
    assert sorted(g["name"] for g in user["experienceGroups"]) == ["one", "two"]
    path = "/users/" + user["id"]
    patched = api.ok("PATCH", path, {"userTags": {"c": "3"}, "experienceGroupIds": [g3["id"]]})
    assert patched["userTags"] == {"c": "3"}
    assert [g["id"] for g in patched["experienceGroups"]] == [g3["id"]]
    assert patched["firstName"] == "T"
    groups = {g["name"]: g for g in api.ok("GET", "/groups")["items"]}
    assert groups["one"]["experienceUserIds"] == [] and groups["two"]["experienceUserIds"] == []
    assert groups["three"]["experienceUserIds"] == [user["id"]]
    # fields not sent are untouched
    patched = api.ok("PATCH", path, {"firstName": "U"})
    assert patched["userTags"] == {"c": "3"} and len(patched["experienceGroups"]) == 1
    # empty values clear
    cleared = api.ok("PATCH", path, {"userTags": {}, "experienceGroupIds": []})
    assert cleared["userTags"] == {} and cleared["experienceGroups"] == []
    assert all(g["experienceUserIds"] == [] for g in api.ok("GET", "/groups")["items"])


# --------------------------------------------------------------------------
# groups and membership
# --------------------------------------------------------------------------

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


# --------------------------------------------------------------------------
# lists: paging, sorting, filters
# --------------------------------------------------------------------------

def seed(api, users=(), groups=()):
    resp = api.hook("POST", "seed", {"experienceUsers": list(users), "experienceGroups": list(groups)})
    assert resp.status_code == 200, resp.text
    return resp.json()


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
    assert api.emails(filterField="email", filter="*@example.com") == ["alice@Example.com"]
    assert api.emails(filterField="firstName", filter="ali*") == ["alice@Example.com", "alicia@example.org"]
    assert api.emails(filterField="email", filter="*ALIC*") == ["alice@Example.com", "alicia@example.org"]
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


# --------------------------------------------------------------------------
# advanced queries
# --------------------------------------------------------------------------

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
    ({"email": {"$eq": "ann@example.com"}}, []),
    ({"email": {"$eq": "ann@example.com", "$ci": True}}, ["Ann"]),
    ({"email": {"$ne": "bob@example.com"}}, ["Ann", "cid", "dee"]),
    ({"firstName": {"$in": ["Ann", "Cid", "Zoe"]}}, ["Ann", "cid"]),
    ({"firstName": {"$nin": ["Ann", "Cid"]}}, ["bob", "dee"]),
    ({"lastName": None}, ["bob", "dee"]),
    ({"lastName": {"$ne": None}}, ["Ann", "cid"]),
    ({"email": {"$endsWith": ".org"}}, ["cid", "dee"]),
    ({"email": {"$startsWith": "ANN", "$ci": True}}, ["Ann"]),
    ({"email": {"$contains": "example"}}, ["bob", "cid", "dee"]),  # case-sensitive without $ci
    ({"firstName": {"$gte": "Bob", "$lt": "Dee"}}, ["bob", "cid"]),
    ({"userTags": {"role": "admin"}}, ["Ann"]),
    ({"userTags": {"role": None}}, ["Ann", "bob"]),
    ({"userTags": {"role": {"$in": ["viewer", "editor"]}}}, ["bob"]),
    ({"userTags": {"role": {"$nin": ["viewer"]}}}, ["Ann"]),
    ({"userTags": {"role": "admin", "site": "north"}}, ["Ann"]),
    ({"userTags": {"role": "admin", "site": "south"}}, []),
    ({"userTags": {"$tagKey": "site"}}, ["Ann", "cid"]),
    ({"userTags": {"$tagValue": "south"}}, ["cid"]),
    ({"userTags": {"$tagKey": {"$in": ["role", "x"]}, "$tagValue": "viewer"}}, ["bob"]),
    ({"userTags": {"$eq": {"site": "north"}}}, ["Ann"]),
    ({"userTags": {"$ne": {"role": None}}}, ["cid", "dee"]),
    ({"userTags": {}}, ["Ann", "bob", "cid", "dee"]),
    ({"experienceGroupId": "@eng"}, ["Ann", "bob"]),
    ({"experienceGroupId": {"$ne": "@eng"}}, ["cid", "dee"]),
    ({"experienceGroupId": {"$in": ["@ops", "@sre"]}}, ["bob", "cid"]),
    ({"experienceGroupId": {"$nin": ["@eng"]}}, ["cid", "dee"]),
    ({"experienceGroupId": None}, ["dee"]),
    ({"$or": [{"firstName": "Ann"}, {"userTags": {"site": "south"}}]}, ["Ann", "cid"]),
    ({"$and": [{"lastName": "Lee"}, {"email": {"$endsWith": ".com"}}]}, ["Ann"]),
    ({"$nor": [{"lastName": "Lee"}, {"firstName": "Bob"}]}, ["dee"]),
    ({"lastName": "Lee", "$or": [{"firstName": "Cid"}, {"firstName": "Nobody"}]}, ["cid"]),
    ({"creationDate": {"$lt": "2021-01-01"}}, ["cid"]),
    ({"creationDate": {"$gt": 1609459200000}}, ["Ann", "bob", "dee"]),
    ({"lastLogin": {"$gte": "2026-03-01T00:00:00.000Z"}}, ["bob"]),
    ({"lastLogin": None}, ["Ann", "cid", "dee"]),
    ({"passwordLastUpdated": None}, ["Ann", "bob", "cid", "dee"]),
    ({"firstName": 5}, []),
    ({"$and": []}, ["Ann", "bob", "cid", "dee"]),
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


# --------------------------------------------------------------------------
# hooks: log, reset, state, seed
# --------------------------------------------------------------------------

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
    assert api.hook("GET", "state").json() == {"experienceUsers": [], "experienceGroups": []}
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


def test_concurrent_creates_keep_email_unique(api):
    results = []
    threads = [threading.Thread(target=create_with_new_session, args=(api.url, i, results)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # odd i all race for one address: exactly one of them wins
    assert sorted(results) == [201] * 11 + [400] * 9
    assert api.list_users()["totalCount"] == 11


def create_with_new_session(url, i, results):
    own = Api(url)  # one session per thread: requests.Session is not thread-safe
    resp = own.call("POST", "/users", {"email": "race@example.com" if i % 2 else "r%d@example.com" % i,
                                       "password": "password123"})
    results.append(resp.status_code)


# --------------------------------------------------------------------------
# faults
# --------------------------------------------------------------------------

def raw_exchange(url, request_bytes, timeout=5):
    """Send raw bytes; return what came back (b"" on a clean close)."""
    host, port = url.split("//")[1].split(":")
    sock = socket.create_connection((host, int(port)), timeout=timeout)
    try:
        sock.sendall(request_bytes)
        chunks = []
        while True:
            data = sock.recv(65536)
            if not data:
                break
            chunks.append(data)
        return b"".join(chunks)
    finally:
        sock.close()


def raw_post_user(email):
    body = json.dumps({"email": email, "password": "password123"}).encode()
    return (("POST /applications/%s/experience/users HTTP/1.1\r\nHost: x\r\n"
             "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
             "Content-Length: %d\r\nConnection: close\r\n\r\n" % (APP, DEFAULT_TOKEN, len(body))).encode() + body)


def test_fault_status_with_retry_after_does_not_touch_state(api):
    api.faults({"method": "POST", "path": "/experience/users$", "action": "status", "status": 429,
                "retry_after": "7", "times": 1})
    resp = api.call("POST", "/users", {"email": "rl@example.com", "password": "password123"})
    body = assert_error(resp, 429, "RateLimitExceeded")
    assert body["message"]
    assert resp.headers["Retry-After"] == "7"
    assert api.list_users()["totalCount"] == 0
    api.user("rl@example.com")  # times=1: the retry goes through
    entry = api.log()["requests"][0]
    assert (entry["status"], entry["fault"], entry["response"]["type"]) == (429, "status", "RateLimitExceeded")


@pytest.mark.parametrize("status, type_", [(500, "InternalError"), (502, "BadGateway"),
                                           (503, "ServiceUnavailable"), (504, "GatewayTimeout")])
def test_fault_status_codes(api, status, type_):
    api.faults({"action": "status", "status": status})
    assert_error(api.call("GET", "/users"), status, type_)
    assert "Retry-After" not in api.call("GET", "/groups").headers


def test_fault_status_raw_body(api):
    page = "<html><body><h1>502 Bad Gateway</h1></body></html>"
    api.faults({"action": "status", "status": 502, "body": page, "content_type": "text/html"})
    resp = api.call("GET", "/users")
    assert resp.status_code == 502 and resp.text == page
    assert resp.headers["Content-Type"] == "text/html"
    assert api.log()["requests"][0]["response"] is None


def test_fault_drop_closes_without_answer_before_processing(api):
    api.faults({"action": "drop", "method": "POST"})
    with pytest.raises(requests.ConnectionError):
        api.call("POST", "/users", {"email": "drop@example.com", "password": "password123"})
    assert raw_exchange(api.url, raw_post_user("drop2@example.com")) == b""
    assert api.list_users()["totalCount"] == 0
    assert [(e["status"], e["fault"]) for e in api.log()["requests"][:2]] == [(0, "drop"), (0, "drop")]


def test_fault_drop_after_processes_then_drops(api):
    api.faults({"action": "drop_after", "method": "POST", "times": 1})
    with pytest.raises(requests.ConnectionError):
        api.call("POST", "/users", {"email": "lost@example.com", "password": "password123"})
    # the user exists although the client never saw the answer: a retry is a duplicate
    assert api.emails() == ["lost@example.com"]
    assert_error(api.call("POST", "/users", {"email": "lost@example.com", "password": "password123"}),
                 400, "AlreadyExists")
    assert api.log()["requests"][0]["status"] == 0


def test_fault_reset_sends_rst(api):
    api.faults({"action": "reset"})
    with pytest.raises(ConnectionResetError):
        raw_exchange(api.url, raw_post_user("rst@example.com"))
    with pytest.raises(requests.ConnectionError):
        api.call("GET", "/users")
    api.hook("DELETE", "faults")
    assert api.list_users()["totalCount"] == 0


def test_fault_delay_causes_read_timeout(api):
    api.faults({"action": "delay", "delay": 0.6, "method": "GET", "times": 1})
    with pytest.raises(requests.exceptions.ReadTimeout):
        api.call("GET", "/users", timeout=0.2)
    api.faults({"action": "delay", "delay": 0.3, "method": "GET"})
    start = time.perf_counter()
    assert api.list_users()["totalCount"] == 0
    assert time.perf_counter() - start >= 0.3


def test_fault_malformed_and_empty_bodies_after_processing(api):
    api.faults({"action": "malformed", "times": 1, "method": "POST"}, {"action": "empty", "method": "POST"})
    resp = api.call("POST", "/users", {"email": "m@example.com", "password": "password123"})
    assert resp.status_code == 200
    with pytest.raises(ValueError):
        json.loads(resp.text)
    resp = api.call("POST", "/users", {"email": "e@example.com", "password": "password123"})
    assert resp.status_code == 200 and resp.content == b""
    assert api.emails() == ["e@example.com", "m@example.com"]
    assert [(e["status"], e["fault"], e["response"]) for e in api.log()["requests"][:2]] == \
        [(200, "malformed", None), (200, "empty", None)]


def test_fault_every_times_skip_counting_and_first_rule_wins(api):
    described = api.faults(
        {"action": "status", "status": 503, "method": "GET", "path": "/users", "every": 2, "times": 2, "skip": 1},
        {"action": "status", "status": 500, "method": "GET", "path": "/users", "times": 1},
    )
    assert described["rules"][0]["fired"] == 0
    statuses = [api.call("GET", "/users").status_code for dummy in range(8)]
    # rule 1 sees requests 1..8: skip 1, then fires on every 2nd (3rd, 5th), at most twice;
    # rule 2 only sees what rule 1 let through and fires once (on request 1)
    assert statuses == [500, 200, 503, 200, 503, 200, 200, 200]
    rules = api.hook("GET", "faults").json()["rules"]
    assert (rules[0]["fired"], rules[0]["matched"]) == (2, 8)
    assert (rules[1]["fired"], rules[1]["matched"]) == (1, 6)
    assert api.call("GET", "/groups").status_code == 200  # path does not match
    assert api.call("POST", "/users", {"email": "x@example.com", "password": "password123"}).status_code == 201


def test_faults_latency_and_hooks_are_never_faulted(api):
    api.faults({"action": "drop"}, latency=0.25)
    assert api.hook("GET", "state").status_code == 200
    assert api.hook("GET", "faults").json()["latency"] == 0.25
    start = time.perf_counter()
    with pytest.raises(requests.ConnectionError):
        api.call("GET", "/users")
    assert time.perf_counter() - start >= 0.25
    api.faults(latency=1.0)
    start = time.perf_counter()
    api.list_users()
    assert time.perf_counter() - start >= 1.0
    start = time.perf_counter()
    api.hook("GET", "requests")
    assert time.perf_counter() - start < 1.0  # the hook skipped the second of latency
    assert api.hook("DELETE", "faults").json() == {"latency": 0, "rules": []}


def test_faulted_auth_failures_still_logged(api):
    api.faults({"action": "status", "status": 500, "times": 1})
    api.call("GET", "/users", token="bad")
    api.call("GET", "/users", token="bad")
    assert [e["status"] for e in api.log()["requests"]] == [500, 401]


# --------------------------------------------------------------------------
# persistence, CLI, TLS
# --------------------------------------------------------------------------

def test_in_process_state_file_roundtrip(tmp_path):
    state = tmp_path / "state.json"
    with Emulator(state_file=str(state)) as emu:
        api = Api(emu.url)
        group = api.group("persisted", groupTags={"a": "b"})
        user = api.user("keep@example.com", password="not-in-the-file", experienceGroupIds=[group["id"]])
        text = state.read_text()  # saved after each change, before stop
        assert "keep@example.com" in text and "not-in-the-file" not in text
    with Emulator(state_file=str(state)) as emu:
        api = Api(emu.url)
        again = api.ok("GET", "/users/" + user["id"])
        assert again == api.ok("GET", "/users/" + user["id"])
        assert again["experienceGroups"] == [{"id": group["id"], "name": "persisted", "parentId": None}]
        assert again["creationDate"] == user["creationDate"]
        api.hook("POST", "reset")
    assert json.loads(state.read_text())["experienceUsers"] == []


def start_cli(*args):
    proc = subprocess.Popen([sys.executable, str(EMULATOR_PY)] + list(args), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    assert line.startswith("http"), (line, proc.stderr.read() if proc.poll() is not None else "")
    return proc, line.strip()


def stop_cli(proc, sig=signal.SIGTERM):
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    return out, err


def test_cli_state_file_survives_restart_and_url_file(tmp_path):
    state = tmp_path / "state.json"
    url_file = tmp_path / "url.txt"
    proc, url = start_cli("--port", "0", "--state-file", str(state), "--url-file", str(url_file),
                          "--token", "cli-token", "--token", "cli-reader:experienceUsers.get")
    try:
        assert re.match(r"^http://127\.0\.0\.1:\d+$", url)
        assert url_file.read_text().strip() == url
        api = Api(url, token="cli-token")
        group = api.group("cli-group")
        user = api.user("cli@example.com", password="SuperSecret-123", experienceGroupIds=[group["id"]])
        reader = Api(url, token="cli-reader")
        assert reader.list_users()["totalCount"] == 1
        assert_error(reader.call("GET", "/groups"), 403, "Forbidden")
        assert_error(api.call("GET", "/users", token=DEFAULT_TOKEN), 401)  # --token replaces defaults
    finally:
        out, err = stop_cli(proc)
    assert out == ""  # only the URL line, already read
    assert "GET /" not in err  # no access log without --verbose
    text = state.read_text()
    assert "SuperSecret-123" not in text and "cli@example.com" in text
    assert '"password"' not in text
    proc, url2 = start_cli("--port", "0", "--state-file", str(state), "--token", "cli-token", "--quiet")
    try:
        api = Api(url2, token="cli-token")
        again = api.ok("GET", "/users/" + user["id"])
        assert again["email"] == "cli@example.com"
        assert again["experienceGroups"][0]["id"] == group["id"]
        assert api.ok("GET", "/groups/" + group["id"])["experienceUserIds"] == [user["id"]]
    finally:
        out, err = stop_cli(proc, signal.SIGINT)
    assert err == ""  # --quiet


def test_cli_verbose_access_log_and_application_id(tmp_path):
    proc, url = start_cli("--application-id", OTHER_APP, "--verbose", "--quiet")
    try:
        assert Api(url, app=OTHER_APP).list_users()["applicationId"] == OTHER_APP
        assert_error(Api(url).call("GET", "/users"), 403)
    finally:
        out, err = stop_cli(proc)
    assert "GET /applications/%s/experience/users" % OTHER_APP in err


def test_cli_bad_arguments_fail():
    proc = subprocess.run([sys.executable, str(EMULATOR_PY), "--application-id", "xyz"],
                          capture_output=True, text=True, timeout=10, check=False)
    assert proc.returncode != 0 and "application_id" in proc.stderr


def test_tls(tmp_path):
    if not any(os.access(os.path.join(d, "openssl"), os.X_OK) for d in os.environ.get("PATH", "").split(":")):
        pytest.skip("openssl command not available")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, capture_output=True, timeout=30)
    with Emulator(tls_cert=str(cert), tls_key=str(key)) as emu:
        assert emu.url.startswith("https://127.0.0.1:")
        api = Api(emu.url)
        api.verify = str(cert)
        assert api.user("tls@example.com")["email"] == "tls@example.com"
        assert api.list_users()["totalCount"] == 1
        with pytest.raises(requests.ConnectionError):
            requests.get(emu.url.replace("https", "http") + "/_emulator/state", timeout=2)
        assert api.hook("GET", "state").status_code == 200  # a bad client did not break the server
