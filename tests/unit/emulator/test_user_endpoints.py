"""Experience users: create, read, patch, delete, the field rules and unique emails."""

import json
import threading
import time

import pytest

from ansible_collections.losant.platform.tests.emulator.losant_emulator import DEFAULT_TOKEN
from ansible_collections.losant.platform.tests.unit.emulator.emulator_client import APP, ID_RE, MISSING_ID, TS_RE, Api, assert_error


def test_user_create_get_patch_delete(api):
    created = api.user("Jane.Doe@example.com", password="s3cret-pass", firstName="Jane",
                       lastName="Doe", userTags={"role": "admin"})
    assert ID_RE.match(created["id"]) and created["experienceUserId"] == created["id"]
    assert created["applicationId"] == APP
    for key in ("creationDate", "lastUpdated", "passwordLastUpdated"):
        assert TS_RE.match(created[key]), created[key]
    assert "lastLogin" not in created
    assert created["email"] == "jane.doe@example.com"  # stored in lower case, as Losant does
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
    assert body["message"] == 'Email address "dup@example.com" already exists'
    assert_error(api.call("PATCH", "/users/" + other["id"], {"email": "DUP@example.com"}),
                 400, "AlreadyExists")
    # sending one's own email in another case is fine, and frees nothing else
    mine = api.ok("PATCH", "/users/" + other["id"], {"email": "OTHER@example.com"})
    assert mine["email"] == "other@example.com"
    assert api.list_users()["totalCount"] == 2
    # once deleted, the address can be used again
    api.ok("DELETE", "/users/" + other["id"])
    api.user("other@EXAMPLE.com")


def test_emails_are_stored_in_lower_case(api):
    created = api.user("Mixed.Case@Example.COM")
    assert created["email"] == "mixed.case@example.com"
    patched = api.ok("PATCH", "/users/" + created["id"], {"email": "New.Address@Example.ORG"})
    assert patched["email"] == "new.address@example.org"
    assert api.ok("GET", "/users/" + created["id"])["email"] == "new.address@example.org"
    seeded = api.hook("POST", "seed", {"experienceUsers": [{"email": "Seeded@Example.com"}]}).json()
    assert seeded["experienceUsers"][0]["email"] == "seeded@example.com"
    assert sorted(u["email"] for u in api.hook("GET", "state").json()["experienceUsers"]) == \
        ["new.address@example.org", "seeded@example.com"]
    assert [u["email"] for u in api.list_users()["items"]] == ["new.address@example.org", "seeded@example.com"]
    # the request log keeps the body as it was sent
    assert api.log()["requests"][0]["body"]["email"] == "Mixed.Case@Example.COM"
    # the glob filter ignores case; an exact query matches the stored lower case
    assert api.emails(filterField="email", filter="SEEDED@*") == ["seeded@example.com"]
    assert api.emails({"email": "seeded@example.com"}) == ["seeded@example.com"]
    assert api.emails({"email": "Seeded@Example.com"}) == []
    assert api.emails({"email": {"$eq": "Seeded@Example.com", "$ci": True}}) == ["seeded@example.com"]
    assert_error(api.hook("POST", "seed", {"experienceUsers": [{"email": "SEEDED@example.com"}]}),
                 400, "AlreadyExists", "seeded@example.com")


def test_state_file_emails_in_mixed_case_are_lower_cased_on_load(emulator):
    snapshot = emulator.store.snapshot()
    snapshot["experienceUsers"] = [{"id": MISSING_ID, "email": "Old@Example.com", "userTags": {},
                                    "creationDate": "2026-01-01T00:00:00.000Z",
                                    "lastUpdated": "2026-01-01T00:00:00.000Z"}]
    emulator.store.load(snapshot)
    assert emulator.store.get_user(MISSING_ID)["email"] == "old@example.com"
    api = Api(emulator.url)
    assert_error(api.call("POST", "/users", {"email": "OLD@example.com", "password": "password123"}),
                 400, "AlreadyExists")


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
