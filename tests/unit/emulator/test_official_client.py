"""The official Python client (``losant-rest``, module ``losant_rest``) drives
the emulator through full user and group life cycles and its error answers;
each body is checked against its schema when the shared Losant API folder is
there."""

import pytest
import requests

from ansible_collections.losant.platform.tests import conformance_support as cs
from ansible_collections.losant.platform.tests.emulator.losant_emulator import DEFAULT_TOKEN, READ_ONLY_TOKEN
from ansible_collections.losant.platform.tests.unit.emulator.emulator_client import APP, MISSING_ID, OTHER_APP

losant_rest = pytest.importorskip("losant_rest")


def check(name, body):
    if cs.shared_api_available():
        cs.validate(name, body)
    return body


@pytest.fixture
def client(emulator):
    return losant_rest.Client(auth_token=DEFAULT_TOKEN, url=emulator.url)


def test_official_client_user_cycle(client):
    group = client.experience_groups.post(applicationId=APP, experienceGroup={"name": "Readers"})
    created = check("experienceUser", client.experience_users.post(applicationId=APP, experienceUser={
        "email": "client@example.com", "password": "password123", "firstName": "Cli",
        "userTags": {"team": "a"}, "experienceGroupIds": [group["id"]]}))
    uid = created["id"]
    assert created["experienceGroups"] == [{"id": group["id"], "name": "Readers", "parentId": None}]
    fetched = check("experienceUser", client.experience_user.get(applicationId=APP, experienceUserId=uid))
    assert fetched["email"] == "client@example.com" and fetched["userTags"] == {"team": "a"}
    listed = check("experienceUsers", client.experience_users.get(
        applicationId=APP, query={"email": {"$eq": "CLIENT@example.com", "$ci": True}}))
    assert [u["id"] for u in listed["items"]] == [uid] and listed["totalCount"] == 1
    paged = check("experienceUsers", client.experience_users.get(
        applicationId=APP, perPage=1, page=0, sortField="email", sortDirection="desc",
        filterField="email", filter="client@*", experienceGroupId=group["id"]))
    assert paged["count"] == 1 and paged["perPage"] == 1
    patched = check("experienceUser", client.experience_user.patch(
        applicationId=APP, experienceUserId=uid,
        experienceUser={"lastName": "Ent", "userTags": {"team": "b"}, "experienceGroupIds": []}))
    assert patched["lastName"] == "Ent" and patched["userTags"] == {"team": "b"}
    assert patched["experienceGroups"] == [] and patched["firstName"] == "Cli"
    assert check("success", client.experience_user.delete(applicationId=APP, experienceUserId=uid)) == \
        {"success": True}
    with pytest.raises(losant_rest.LosantError) as err:
        client.experience_user.get(applicationId=APP, experienceUserId=uid)
    assert err.value.status == 404 and err.value.data["type"] == "NotFound"
    check("error", err.value.data)


def test_official_client_group_cycle(client):
    user = client.experience_users.post(applicationId=APP, experienceUser={
        "email": "member@example.com", "password": "password123"})
    parent = check("experienceGroup", client.experience_groups.post(
        applicationId=APP, experienceGroup={"name": "Parent", "groupTags": {"k": "v"}}))
    group = check("experienceGroup", client.experience_groups.post(applicationId=APP, experienceGroup={
        "name": "Kid", "parentId": parent["id"], "experienceUserIds": [user["id"]]}))
    gid = group["id"]
    assert group["ancestorIds"] == [parent["id"]] and group["experienceUserIds"] == [user["id"]]
    fetched = check("experienceGroup", client.experience_group.get(applicationId=APP, experienceGroupId=gid))
    assert fetched == group
    listed = check("experienceGroups", client.experience_groups.get(
        applicationId=APP, sortField="name", sortDirection="asc", perPage=1, page=1))
    assert listed["totalCount"] == 2 and [g["name"] for g in listed["items"]] == ["Parent"]
    found = check("experienceGroups", client.experience_groups.get(
        applicationId=APP, query={"ancestorId": parent["id"]}))
    assert [g["id"] for g in found["items"]] == [gid]
    patched = check("experienceGroup", client.experience_group.patch(
        applicationId=APP, experienceGroupId=gid,
        experienceGroup={"description": "kids", "experienceUserIds": [], "parentId": None}))
    assert patched["description"] == "kids" and patched["experienceUserIds"] == [] and patched["parentId"] is None
    assert client.experience_user.get(applicationId=APP, experienceUserId=user["id"])["experienceGroups"] == []
    assert client.experience_group.delete(applicationId=APP, experienceGroupId=gid) == {"success": True}
    with pytest.raises(losant_rest.LosantError) as err:
        client.experience_group.delete(applicationId=APP, experienceGroupId=gid)
    assert err.value.status == 404


def test_official_client_lists_devices_and_endpoints(emulator, client):
    emulator.seed({"devices": [{"name": "Pump 1", "tags": [{"key": "customer", "value": "acme"}]},
                               {"name": "Pump 2", "tags": [{"key": "customer", "value": "globex"}]}],
                   "experienceEndpoints": [{"method": "get", "route": "/dashboard", "access": "group"}]})
    every = check("devices", client.devices.get(applicationId=APP, sortField="name", perPage=1, page=1))
    assert [d["name"] for d in every["items"]] == ["Pump 2"] and every["totalCount"] == 2
    acme = check("devices", client.devices.get(applicationId=APP, query={"tags": {"customer": "acme"}}))
    assert [d["name"] for d in acme["items"]] == ["Pump 1"]
    tagged = check("devices", client.devices.get(applicationId=APP, tagFilter=[{"key": "customer", "value": "globex"}]))
    assert [d["name"] for d in tagged["items"]] == ["Pump 2"]
    globbed = check("devices", client.devices.get(applicationId=APP, filterField="name", filter="pump*"))
    assert globbed["count"] == 2
    endpoints = check("experienceEndpoints", client.experience_endpoints.get(applicationId=APP, sortField="route"))
    assert [(e["method"], e["route"]) for e in endpoints["items"]] == [("get", "/dashboard")]
    group = client.experience_groups.post(applicationId=APP, experienceGroup={
        "name": "Acme", "deviceTags": [{"key": "customer", "value": "acme"}],
        "experienceEndpointIds": [endpoints["items"][0]["id"]]})
    assert check("experienceGroup", group)["directDeviceCount"] == 1
    linked = client.experience_endpoints.get(applicationId=APP, experienceGroupId=group["id"])
    assert check("experienceEndpoints", linked)["items"][0]["experienceGroups"] == [{"id": group["id"], "name": "Acme"}]
    with pytest.raises(losant_rest.LosantError) as err:
        client.experience_groups.post(applicationId=APP, experienceGroup={"name": "x", "deviceIds": ["0" * 24]})
    assert err.value.status == 400 and err.value.data["type"] == "Validation"


def test_official_client_error_statuses(emulator, client):
    client.experience_users.post(applicationId=APP, experienceUser={"email": "dup@example.com",
                                                                    "password": "password123"})
    cases = [
        (lambda c: c.experience_users.post(applicationId=APP, experienceUser={
            "email": "DUP@example.com", "password": "password123"}), client, 400, "AlreadyExists"),
        (lambda c: c.experience_users.post(applicationId=APP, experienceUser={"email": "x@example.com"}),
         client, 400, "Validation"),
        (lambda c: c.experience_groups.post(applicationId=APP, experienceGroup={}), client, 400, "Validation"),
        (lambda c: c.experience_users.get(applicationId=APP, perPage=5000), client, 400, "Validation"),
        (lambda c: c.experience_users.get(applicationId=APP, query={"bogus": 1}), client, 400, "Validation"),
        (lambda c: c.experience_users.get(applicationId=APP),
         losant_rest.Client(auth_token="wrong", url=emulator.url), 401, "Unauthorized"),
        (lambda c: c.experience_users.get(applicationId=APP),
         losant_rest.Client(url=emulator.url), 401, "Unauthorized"),
        (lambda c: c.experience_groups.post(applicationId=APP, experienceGroup={"name": "x"}),
         losant_rest.Client(auth_token=READ_ONLY_TOKEN, url=emulator.url), 403, "Forbidden"),
        (lambda c: c.experience_users.get(applicationId=OTHER_APP), client, 404, "NotFound"),
        (lambda c: c.experience_group.get(applicationId=APP, experienceGroupId=MISSING_ID), client, 404, "NotFound"),
    ]
    for call, who, status, type_ in cases:
        with pytest.raises(losant_rest.LosantError) as err:
            call(who)
        assert (err.value.status, err.value.data["type"]) == (status, type_), err.value
        check("error", err.value.data)
    # a rate-limited answer reaches the client as a LosantError too
    requests.put(emulator.url + "/_emulator/faults", timeout=5,
                 json={"rules": [{"action": "status", "status": 429, "retry_after": "2", "times": 1}]})
    with pytest.raises(losant_rest.LosantError) as err:
        client.experience_users.get(applicationId=APP)
    assert err.value.status == 429 and err.value.data["type"] == "RateLimitExceeded"
    assert client.experience_users.get(applicationId=APP)["totalCount"] == 1
