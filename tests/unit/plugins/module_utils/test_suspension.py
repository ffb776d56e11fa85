"""Suspension, restore and ownership: the pure planning of state=suspended and ownership_tag."""

import pytest

from ansible_collections.losant.platform.plugins.module_utils._bulk_users import config_errors, plan_changes, plan_diffs
from ansible_collections.losant.platform.plugins.module_utils._suspension import (
    SUSPENDED_TAG,
    is_suspended,
    ownership_errors,
    owns,
    random_password,
    suspension_option_errors,
    suspension_patch,
    unknown_password,
    with_ownership,
)
from ansible_collections.losant.platform.plugins.module_utils._users import user_patch
from ansible_collections.losant.platform.plugins.module_utils._write_gate import carries_tag
from ansible_collections.losant.platform.tests.unit.helpers.entries import bulk_entry as entry

G1 = "aaaaaaaaaaaaaaaaaaaaaaa1"
NOW = "2026-11-26T12:00:00.000Z"
EARLIER = "2026-10-01T08:00:00.000Z"
OWNER = {"managed_by": "acme-onboarding"}


def user(email="jane@example.com", index=1, **fields):
    found = {"id": "%024x" % index, "email": email, "firstName": "Jane", "userTags": {"customer": "acme"},
             "experienceGroups": [{"id": G1, "name": "Operators", "parentId": None}],
             "passwordLastUpdated": EARLIER}
    found.update(fields)
    return found


def carries(body, tag):
    return carries_tag(body["userTags"], tag)


def suspended(**fields):
    fields.setdefault("experienceGroups", [])
    return user(userTags={"customer": "acme", SUSPENDED_TAG: EARLIER}, **fields)


def params(**given):
    base = dict(email="jane@example.com", experience_user_id=None, first_name=None, last_name=None, password=None,
                update_password="on_create", password_updated_after=None, user_tags=None, purge_user_tags=False,
                experience_groups=None, purge_experience_groups=False, invalidate_tokens=False)
    base.update(given)
    return base


class Passwords:
    """new_password() of the modules: counts the calls."""

    def __init__(self):
        self.made = []

    def __call__(self):
        self.made.append("Random-%d-passw0rd" % len(self.made))
        return self.made[-1]


def test_suspension_cuts_tokens_leaves_groups_sets_a_password_and_the_tag_in_one_patch():
    passwords = Passwords()
    body, fields = suspension_patch(user(), NOW, passwords)
    assert body == {"tokenCutoff": NOW, "experienceGroupIds": [], "password": passwords.made[0],
                    "userTags": {"customer": "acme", SUSPENDED_TAG: NOW}}
    assert fields == ["experience_groups", "invalidate_tokens", "password", "user_tags"]


def test_a_user_in_no_group_is_suspended_without_touching_its_groups():
    body, fields = suspension_patch(user(experienceGroups=[]), NOW, Passwords())
    assert "experienceGroupIds" not in body and "experience_groups" not in fields


def test_an_already_suspended_user_gets_no_write_and_no_new_password():
    passwords = Passwords()
    assert suspension_patch(suspended(), NOW, passwords) == ({}, [])
    assert passwords.made == []


def test_a_suspended_user_put_back_in_a_group_is_suspended_again():
    passwords = Passwords()
    again = suspended(experienceGroups=[{"id": G1, "name": "Operators", "parentId": None}])
    assert not is_suspended(again)
    body, dummy = suspension_patch(again, NOW, passwords)
    assert body["experienceGroupIds"] == [] and body["userTags"][SUSPENDED_TAG] == NOW and len(passwords.made) == 1


def test_random_passwords_are_long_fresh_and_within_losants_rule():
    made = set(random_password() for dummy in range(50))
    assert len(made) == 50
    assert all(64 <= len(value) <= 2048 for value in made)


def test_present_with_a_password_brings_a_suspended_user_back_and_drops_the_tag():
    body, fields = user_patch(suspended(), params(password="Back-Again-Passw0rd"), None, NOW)
    assert body == {"userTags": {"customer": "acme"}, "password": "Back-Again-Passw0rd"}
    assert fields == ["user_tags", "password"]


def test_without_a_password_the_tag_stays_whatever_the_tag_options_say():
    body, fields = user_patch(suspended(), params(user_tags={"team": "ops"}, purge_user_tags=True), None, NOW)
    assert body == {"userTags": {"team": "ops", SUSPENDED_TAG: EARLIER}}
    assert user_patch(suspended(), params(first_name="Jane"), None, NOW) == ({}, [])


def test_a_user_that_is_not_suspended_follows_update_password_as_before():
    assert user_patch(user(), params(password="Not-Due-Passw0rd"), None, NOW) == ({}, [])


def test_suspended_takes_only_the_selection():
    assert suspension_option_errors(params()) == []
    errors = suspension_option_errors(params(password="x" * 10, experience_groups=[], invalidate_tokens=True))
    assert len(errors) == 1
    assert errors[0].endswith("leave out password, experience_groups, invalidate_tokens")
    assert "x" * 10 not in errors[0]


def test_ownership_tag_is_exactly_one_tag_with_a_string_value():
    assert ownership_errors("ownership_tag", None) == []
    assert ownership_errors("ownership_tag", OWNER) == []
    assert ownership_errors("ownership_tag", {}) == [
        "ownership_tag must hold exactly one user tag, such as {managed_by: acme-onboarding}, got 0 keys"]
    assert "got 2 keys" in ownership_errors("ownership_tag", {"a": "1", "b": "2"})[0]
    assert ownership_errors("ownership_tag", {"a": 3}) == ["ownership_tag value of 'a' must be a non-empty string, got 3"]
    assert ownership_errors("ownership_tag", {SUSPENDED_TAG: "x"}) == [
        "ownership_tag cannot be the suspended_at tag, which the collection sets on suspended users"]


def test_owns_compares_the_tag_value_exactly():
    assert owns(user(userTags=dict(OWNER)), OWNER)
    assert not owns(user(userTags={"managed_by": "ACME-onboarding"}), OWNER)
    assert not owns(user(), OWNER)
    assert owns(user(), None)


def test_with_ownership_tags_new_users_keeps_the_tag_and_adopts_no_one():
    assert with_ownership(entry("n@example.com"), None, OWNER)["user_tags"] == OWNER
    assert with_ownership(entry("n@example.com", user_tags={"t": "v"}), None, OWNER)["user_tags"] == dict(OWNER, t="v")
    owned = user(userTags=dict(OWNER))
    assert with_ownership(entry("jane@example.com", user_tags={}), owned, OWNER)["user_tags"] == OWNER
    assert with_ownership(entry("jane@example.com"), owned, OWNER)["user_tags"] is None
    assert with_ownership(entry("jane@example.com", user_tags={}), user(), OWNER)["user_tags"] == {}


def test_overridden_deletes_only_owned_users_and_lists_the_others():
    mine = user("mine@example.com", 2, userTags=dict(OWNER))
    theirs = user("theirs@example.com", 3)
    kept = user("kept@example.com", 4, userTags=dict(OWNER))
    current = dict((u["email"], u) for u in (mine, theirs, kept))
    plan = plan_changes([entry("kept@example.com")], [None], current, "overridden", NOW, ownership_tag=OWNER)
    assert [u["email"] for u in plan.deletes] == ["mine@example.com"]
    assert plan.not_owned == ["theirs@example.com"]
    # replaced tags keep the ownership tag of an owned user
    assert [body for dummy, body, dummy2 in plan.updates] == [{"firstName": "", "experienceGroupIds": []}]


def test_deleted_and_suspended_leave_users_without_the_tag():
    current = {"mine@example.com": user("mine@example.com", 2, userTags=dict(OWNER)),
               "theirs@example.com": user("Theirs@example.com", 3)}
    config = [entry("MINE@example.com"), entry("theirs@example.com"), entry("gone@example.com")]
    plan = plan_changes(config, [None] * 3, current, "deleted", NOW, ownership_tag=OWNER)
    assert [u["email"] for u in plan.deletes] == ["mine@example.com"]
    assert plan.not_owned == ["Theirs@example.com"] and plan.unchanged == 1
    passwords = Passwords()
    plan = plan_changes(config, [None] * 3, current, "suspended", NOW, ownership_tag=OWNER, new_password=passwords)
    assert [u["email"] for u, dummy, dummy2 in plan.updates] == ["mine@example.com"]
    assert plan.not_owned == ["Theirs@example.com"] and plan.missing == ["gone@example.com"]
    assert len(passwords.made) == 1 and plan.deletes == []


@pytest.mark.parametrize("state", ["merged", "replaced", "overridden"])
def test_a_listed_user_without_the_tag_is_never_written_whatever_the_state(state):
    foreign = user("shared@example.com", 5, userTags={"managed_by": "other-tool"})
    mine = user("mine@example.com", 6, userTags=dict(OWNER))
    current = {"shared@example.com": foreign, "mine@example.com": mine}
    config = [entry("shared@example.com", first_name="X", user_tags={"t": "1"}), entry("mine@example.com")]
    plan = plan_changes(config, [[G1], None], current, state, NOW, ownership_tag=OWNER)
    assert [u["email"] for u, dummy, dummy2 in plan.updates if u["email"] == "shared@example.com"] == []
    assert plan.not_owned == ["shared@example.com"] and plan.deletes == [] and plan.adopting == set()
    assert all(carries(body, OWNER) for dummy, body, dummy2 in plan.updates if "userTags" in body)


def test_an_entry_that_names_the_tag_adopts_the_user_and_owns_it_from_then_on():
    foreign = user("shared@example.com", 5, userTags={"managed_by": "other-tool", "team": "a"})
    config = [entry("Shared@example.com", user_tags=dict(OWNER))]
    plan = plan_changes(config, [None], {"shared@example.com": foreign}, "replaced", NOW, ownership_tag=OWNER)
    assert plan.adopting == {"shared@example.com"} and plan.not_owned == []
    assert plan.updates[0][1]["userTags"] == OWNER
    assert plan.writes()[0].purpose == "adopt"


def test_an_entry_may_name_the_ownership_tag_only_with_its_value():
    errors = config_errors([entry("a@example.com", user_tags={"managed_by": "other-tool"}),
                            entry("b@example.com", user_tags={"managed_by": None}),
                            entry("c@example.com", user_tags=dict(OWNER))], "merged", OWNER)
    assert errors == [
        "config[0] (a@example.com): user_tags gives the ownership tag 'managed_by' the value 'other-tool', but "
        "ownership_tag says 'acme-onboarding': an entry names the tag only to adopt a user, with exactly its value",
        "config[1] (b@example.com): user_tags gives the ownership tag 'managed_by' the value None, but ownership_tag "
        "says 'acme-onboarding': an entry names the tag only to adopt a user, with exactly its value"]


def test_suspended_entries_take_only_the_email():
    errors = config_errors([entry("a@example.com", password="Sup3r-secret-1", experience_groups=["Ops"],
                                  user_tags={"t": "1"}), entry("b@example.com")], "suspended")
    assert errors == ["config[0] (a@example.com): state=suspended sets the tokens, groups, password and the suspended_at "
                      "tag itself, so it takes only email or experience_user_id; leave out password, user_tags, "
                      "experience_groups"]
    assert config_errors([entry("a@example.com", user_tags={"t": "1"})], "deleted") == []


def test_groups_given_back_to_a_suspended_user_without_a_password_warn():
    plan = plan_changes([entry("jane@example.com", experience_groups=["Operators"])], [[G1]],
                        {"jane@example.com": suspended()}, "merged", NOW)
    assert plan.updates[0][1] == {"experienceGroupIds": [G1]}
    assert plan.warnings == ["config[0] (jane@example.com): the user is suspended (user tag suspended_at): this puts it "
                             "back in groups, but it still cannot sign in; give it a password to bring it back"]
    plan = plan_changes([entry("jane@example.com", experience_groups=["Operators"], password="Back-again-1")], [[G1]],
                        {"jane@example.com": suspended()}, "merged", NOW)
    assert plan.warnings == [] and "password" in plan.updates[0][1]


def test_created_users_get_the_ownership_tag():
    plan = plan_changes([entry("new@example.com", password="New-User-Passw0rd")], [None], {}, "merged", NOW,
                        ownership_tag=OWNER)
    assert plan.creates[0][1]["userTags"] == OWNER


def test_bulk_suspension_is_idempotent_and_its_diff_holds_no_password():
    passwords = Passwords()
    current = {"jane@example.com": user(), "done@example.com": suspended(email="done@example.com", id="b" * 24)}
    plan = plan_changes([entry("jane@example.com"), entry("done@example.com")], [None, None], current, "suspended",
                        NOW, new_password=passwords)
    assert plan.unchanged == 1 and len(plan.updates) == 1 and len(passwords.made) == 1
    diffs = plan_diffs(plan)
    assert passwords.made[0] not in repr(diffs)
    assert diffs[0]["after"]["password"] == "<new password will be set>"
    assert diffs[0]["after"]["invalidate_tokens"] is True
    assert diffs[0]["after"]["experience_groups"] == [] and diffs[0]["after"]["user_tags"][SUSPENDED_TAG] == NOW


def test_an_unknown_password_is_registered_with_the_client_as_a_secret():
    class Client:
        def __init__(self):
            self.secrets = []

        def add_secret(self, value):
            self.secrets.append(value)

    client = Client()
    first, second = unknown_password(client), unknown_password(client)
    assert client.secrets == [first, second] and first != second and len(first) == 64
