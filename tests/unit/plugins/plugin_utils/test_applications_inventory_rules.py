"""The pure rules of the applications inventory: the selection checked again on the
client, host names made safe and unique, and host variables."""

from ansible_collections.losant.platform.plugins.plugin_utils._applications import (
    host_names, host_vars, listing_params, safe_name, selected)

ORG = "5b00000000000000000000aa"
APPS = [
    {"id": "6c0000000000000000000001", "name": "Acme Staging", "ownerType": "organization", "ownerId": ORG},
    {"id": "6c0000000000000000000002", "name": "acme  staging!", "ownerType": "user", "ownerId": "5a01"},
    {"id": "6c0000000000000000000003", "name": "Initech", "ownerType": "organization",
     "ownerId": "5B00000000000000000000BB"},
]


def test_listing_params_send_the_selection():
    assert listing_params() == {}
    assert listing_params("", None) == {"orgId": ""}
    assert listing_params(ORG, "Acme *") == {"orgId": ORG, "filterField": "name", "filter": "Acme *"}


def test_the_name_glob_is_losants():
    def names(pattern, *candidates):
        return [app["name"] for app in selected([{"id": str(i), "name": c} for i, c in enumerate(candidates)],
                                                name=pattern)]
    assert names("acme *", "Acme Staging", "ACME x", "Acme", "My Acme x") == ["Acme Staging", "ACME x"]
    assert names("a.c", "a.c", "abc") == ["a.c"]  # only * is special
    assert names("*", "") == [""]


def test_selected_drops_what_the_server_should_not_have_answered():
    ids = [app["id"][-1] for app in selected(APPS)]
    assert ids == ["1", "2", "3"]
    assert [app["id"][-1] for app in selected(APPS, org_id="")] == ["2"]
    assert [app["id"][-1] for app in selected(APPS, org_id=ORG.upper())] == ["1"]
    assert [app["id"][-1] for app in selected(APPS, org_id="5b00000000000000000000bb")] == ["3"]
    assert [app["id"][-1] for app in selected(APPS, name="acme*")] == ["1", "2"]
    assert selected(APPS, org_id=ORG, name="Initech") == []


def test_host_names_are_safe_and_unique_whatever_the_order():
    assert safe_name("Acme Staging") == "acme_staging" and safe_name("  ") == "application"
    assert safe_name("Büro / Nord-1.2") == "b_ro_nord-1.2"
    names = host_names(APPS)
    assert names == {"6c0000000000000000000001": "acme_staging_6c0000000000000000000001",
                     "6c0000000000000000000002": "acme_staging_6c0000000000000000000002",
                     "6c0000000000000000000003": "initech"}
    assert host_names(list(reversed(APPS))) == names
    assert host_names(APPS, "id") == dict((app["id"], app["id"]) for app in APPS)


def test_host_vars_hold_the_application_and_its_decoded_globals():
    app = dict(APPS[0], organizationName="Acme", summary={"experienceUserCount": 3, "experienceGroupCount": 1,
                                                          "deviceCount": 7},
               globals=[{"key": "environment", "json": "\"staging\""}, {"key": "limits", "json": "{\"users\": 5}"},
                        {"key": "raw", "json": "not json"}])
    assert host_vars(app) == {
        "losant_application_id": "6c0000000000000000000001", "losant_application_name": "Acme Staging",
        "losant_owner_id": ORG, "losant_owner_type": "organization", "losant_organization_name": "Acme",
        "losant_experience_user_count": 3, "losant_experience_group_count": 1, "losant_device_count": 7,
        "losant_globals": {"environment": "staging", "limits": {"users": 5}, "raw": "not json"},
    }
    assert host_vars({"id": "6c0000000000000000000009"})["losant_globals"] == {}
