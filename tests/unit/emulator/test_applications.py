"""Several applications: GET /applications as Losant answers it (a user or organization
token only; every page; orgId, the name glob, sorting), each application with its own
users, and application tokens that reach their own application only."""

import pytest
import requests

from ansible_collections.losant.platform.tests import conformance_support
from ansible_collections.losant.platform.tests.emulator.losant_emulator import USER_TOKEN, Emulator

ORG = "5b00000000000000000000aa"
TOKEN_OF_ONE = "app-token-of-one"


@pytest.fixture
def multi():
    emu = Emulator(tokens={
        "losant-emulator-token": ["all.Application"],
        USER_TOKEN: ["all.User"],
        "org-read-token": ["all.Organization.read"],
        TOKEN_OF_ONE: {"scopes": ["all.Application"], "applications": ["6c0000000000000000000002"]},
    }).start()
    seeded = emu.seed({"applications": [
        {"id": "6c0000000000000000000001", "name": "Acme Staging", "ownerType": "organization", "ownerId": ORG,
         "organizationName": "Acme", "globals": [{"key": "env", "json": "\"staging\""}],
         "experienceUsers": [{"email": "a@acme.example.com"}, {"email": "b@acme.example.com"}]},
        {"id": "6c0000000000000000000002", "name": "Acme Production", "ownerType": "organization", "ownerId": ORG,
         "organizationName": "Acme", "experienceGroups": [{"name": "Operators"}]},
        {"id": "6c0000000000000000000003", "name": "Initech", "devices": [{"name": "Boiler"}]},
    ]})
    assert [app["id"] for app in seeded["applications"]][0] == "6c0000000000000000000001"
    try:
        yield emu
    finally:
        emu.stop()


def _list(emu, token=USER_TOKEN, **params):
    return requests.get(emu.url + "/applications", params=params, headers={"Authorization": "Bearer " + token},
                        timeout=10)


def _names(answer):
    assert answer.status_code == 200, answer.text
    return [item["name"] for item in answer.json()["items"]]


def test_a_user_token_lists_every_application_sorted_by_name(multi):
    answer = _list(multi)
    assert _names(answer) == ["Acme Production", "Acme Staging", "Emulated application", "Initech"]
    body = answer.json()
    assert (body["count"], body["totalCount"], body["page"], body["sortField"]) == (4, 4, 0, "name")
    staging = [item for item in body["items"] if item["name"] == "Acme Staging"][0]
    assert staging["summary"]["experienceUserCount"] == 2
    assert staging["organizationName"] == "Acme" and staging["ownerType"] == "organization"
    assert staging["globals"] == [{"key": "env", "json": "\"staging\""}]
    if conformance_support.shared_api_available():
        assert conformance_support.problems("applications", body) == []


def test_pages_hold_at_most_the_page_cap(multi):
    multi.set_settings({"pageCap": 3})
    first, second = _list(multi, perPage=1000, page=0).json(), _list(multi, perPage=1000, page=1).json()
    assert (first["perPage"], first["count"], second["count"], first["totalCount"]) == (3, 3, 1, 4)
    assert _names(_list(multi, perPage=2, page=1, sortDirection="desc")) == ["Acme Staging", "Acme Production"]


def test_org_id_and_the_name_glob_select(multi):
    assert _names(_list(multi, orgId=ORG)) == ["Acme Production", "Acme Staging"]
    assert _names(_list(multi, orgId="")) == ["Emulated application", "Initech"]
    assert _names(_list(multi, filterField="name", filter="acme *")) == ["Acme Production", "Acme Staging"]
    assert _list(multi, orgId="nope").status_code == 400
    assert _list(multi, filterField="ownerId", filter="x").status_code == 400


def test_an_application_token_cannot_list_applications(multi):
    answer = _list(multi, token="losant-emulator-token")
    assert answer.status_code == 403 and answer.json()["type"] == "Forbidden"
    assert _list(multi, token="unknown").status_code == 401
    assert _names(_list(multi, token="org-read-token"))


def test_each_application_has_its_own_users_and_tokens_reach_only_theirs(multi):
    def users(app, token):
        return requests.get("%s/applications/%s/experience/users" % (multi.url, app),
                            headers={"Authorization": "Bearer " + token}, timeout=10)
    assert users("6c0000000000000000000001", USER_TOKEN).json()["totalCount"] == 2
    assert users(multi.application_id, USER_TOKEN).json()["totalCount"] == 0
    # An application token reaches its own application; another one is "not found".
    assert users("6c0000000000000000000002", TOKEN_OF_ONE).status_code == 200
    other = users("6c0000000000000000000001", TOKEN_OF_ONE)
    assert other.status_code == 404 and other.json()["message"] == "Application was not found"
    assert users("6c0000000000000000000001", "losant-emulator-token").status_code == 404


def test_reset_serves_the_first_application_alone_again(multi):
    multi.reset()
    assert _names(_list(multi)) == ["Emulated application"]
