"""Tokens, scopes, application and resource ids, unknown paths and methods:
the checks every Losant route shares, in Losant's order."""

import time

import pytest

from ansible_collections.losant.platform.tests.emulator.losant_emulator import DEFAULT_TOKEN, READ_ONLY_TOKEN, Emulator
from ansible_collections.losant.platform.tests.unit.emulator.emulator_client import APP, MISSING_ID, OTHER_APP, Api, assert_error


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


def test_other_application_is_404_application_not_found_and_bad_ids_are_400(api):
    assert_error(api.call("GET", "/users", app=OTHER_APP), 404, "NotFound", "Application was not found")
    assert_error(api.call("POST", "/groups", {"name": "x"}, app=OTHER_APP), 404, "NotFound", "Application")
    assert_error(api.call("GET", "/users/" + "a" * 24, app=OTHER_APP), 404, "NotFound", "Application was not found")
    assert_error(api.call("GET", "/users", app="not-an-id"), 400, "Validation", "applicationId")
    assert_error(api.call("GET", "/users/xyz"), 400, "Validation", "experienceUserId")
    assert_error(api.call("DELETE", "/groups/" + "g" * 24), 400, "Validation", "experienceGroupId")
    assert api.hook("GET", "state").json()["experienceGroups"] == []


def test_unknown_path_404_and_wrong_method_405(api):
    resp = api.session.get(api.url + "/applications/%s/dashboards" % APP,
                           headers={"Authorization": "Bearer " + DEFAULT_TOKEN})
    assert_error(resp, 404, "NotFound")
    assert_error(api.call("POST", "/devices", {"name": "x"}, under=""), 405)
    assert_error(api.call("DELETE", "/endpoints"), 405)
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
