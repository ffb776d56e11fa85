"""The write gate (_write_gate.py): each invariant on its own, the permit without which the
transport sends no write, and the read-back that settles a write whose answer was lost."""

import pytest
import requests

from ansible_collections.losant.platform.plugins.module_utils._client import (
    EXPERIENCE_GROUP,
    EXPERIENCE_USER,
    LosantClient,
)
from ansible_collections.losant.platform.plugins.module_utils._transport import LosantApiError, UngatedWrite
from ansible_collections.losant.platform.plugins.module_utils._write_gate import (
    ADOPT,
    CREATE,
    DELETE,
    GONE,
    SUSPEND,
    UPDATE,
    GateRefusal,
    Rules,
    Write,
    WriteGate,
    empty_overridden_error,
    group_write_landed,
    member_cap_warnings,
    problems_of,
    user_write_landed,
)
from ansible_collections.losant.platform.tests.unit.helpers.fake_transport import FakeSession, response

APP = "5f6a7b8c9d0e1f2a3b4c5d6e"
USERS = "/applications/%s/experience/users" % APP
OWNER = {"managed_by": "onboarding"}
G1 = "aaaaaaaaaaaaaaaaaaaaaaa1"


def user(index, email=None, **fields):
    found = {"id": "%024x" % index, "email": email or "u%d@example.com" % index, "userTags": {},
             "experienceGroups": []}
    found.update(fields)
    return found


def listed(*emails):
    wanted = set(email.lower() for email in emails)
    return Rules(lambda found: found["email"].lower() in wanted, "the listed emails")


def test_a_delete_or_suspension_hits_only_what_the_selection_picks():
    mine, other = user(1, "Former@Example.com"), user(2, "former@example.com.au")
    rules = listed("former@example.com")
    assert problems_of([Write(DELETE, EXPERIENCE_USER, mine["email"], mine)], rules) == []
    another = user(3, "FORMER@example.com.au")
    assert problems_of([Write(DELETE, EXPERIENCE_USER, other["email"], other),
                        Write(UPDATE, EXPERIENCE_USER, another["email"], another, {"userTags": {}}, purpose=SUSPEND)],
                       rules) == ["delete user former@example.com.au: not selected by the listed emails",
                                  "suspend user FORMER@example.com.au: not selected by the listed emails"]
    # A task that selects nothing (merged) deletes and suspends nothing, whatever its plan says.
    assert problems_of([Write(DELETE, EXPERIENCE_USER, mine["email"], mine)], Rules()) == [
        "delete user Former@Example.com: this task selects nothing to delete"]
    # Updates and creates are not selections.
    assert problems_of([Write(UPDATE, EXPERIENCE_USER, "x", user(3), {"firstName": "X"}),
                        Write(CREATE, EXPERIENCE_USER, "n@example.com", None, {"email": "n@example.com"})],
                       Rules()) == []


def test_ownership_holds_for_every_kind_of_write():
    rules = Rules(lambda found: True, "all", ownership_tag=OWNER, adopted=["Adopt@example.com"])
    owned = user(1, userTags=dict(OWNER, team="a"))
    foreign = user(2, userTags={"managed_by": "other-tool"})
    adoptee = user(3, "adopt@example.com", userTags={"managed_by": "other-tool"})
    writes = [
        Write(CREATE, EXPERIENCE_USER, "new@example.com", None, {"email": "new@example.com", "userTags": dict(OWNER)}),
        Write(CREATE, EXPERIENCE_USER, "bare@example.com", None, {"email": "bare@example.com"}),
        Write(UPDATE, EXPERIENCE_USER, owned["email"], owned, {"firstName": "A"}),
        Write(UPDATE, EXPERIENCE_USER, foreign["email"], foreign, {"firstName": "A"}),
        Write(UPDATE, EXPERIENCE_USER, foreign["email"], dict(foreign, id="%024x" % 12), {"userTags": dict(OWNER)},
              purpose=ADOPT),
        Write(UPDATE, EXPERIENCE_USER, adoptee["email"], adoptee, {"userTags": dict(OWNER)}, purpose=ADOPT),
        Write(DELETE, EXPERIENCE_USER, "u%d" % 9, user(9, userTags={"managed_by": "onboarding "})),
        Write(UPDATE, EXPERIENCE_USER, "u10", user(10, userTags=dict(OWNER)), {"userTags": {}}),
    ]
    assert problems_of(writes, rules) == [
        "create user bare@example.com: a new user must carry the ownership tag",
        "update user u2@example.com: does not carry the ownership tag managed_by=onboarding",
        # An adoption the task's entries did not ask for is no adoption.
        "update user u2@example.com: does not carry the ownership tag managed_by=onboarding",
        "delete user u9: does not carry the ownership tag managed_by=onboarding",
        "update user u10: the update would take the ownership tag managed_by=onboarding away",
    ]
    # Groups carry no ownership tag: the rule is about users.
    assert problems_of([Write(DELETE, EXPERIENCE_GROUP, "g", user(11))], rules) == []


def test_identity_duplicates_and_the_deletion_bound():
    rules = Rules(lambda found: True, "all", max_deletions=1, what="groups")
    twice = user(1)
    problems = problems_of([Write(DELETE, EXPERIENCE_GROUP, "a", twice), Write(DELETE, EXPERIENCE_GROUP, "a", twice),
                            Write(UPDATE, EXPERIENCE_GROUP, "b", {"name": "b"}, {"name": "c"})], rules)
    assert problems == ["delete group a: written twice in one task", "update group b: the group read has no id",
                        "max_deletions: this task would delete 2 groups, more than max_deletions=1"]
    assert problems_of([Write(CREATE, EXPERIENCE_USER, "x", user(1), {})], Rules()) == [
        "create user x: a create of a resource that exists"]


def test_admit_is_all_or_nothing_and_send_refuses_what_was_not_admitted():
    session = FakeSession(response(200, user(1, firstName="A")))
    gate = WriteGate(LosantClient("https://api.example.test", "tok", APP, session=session), listed("u1@example.com"))
    good = Write(UPDATE, EXPERIENCE_USER, "u1@example.com", user(1), {"firstName": "A"})
    bad = Write(DELETE, EXPERIENCE_USER, "u2@example.com", user(2))
    with pytest.raises(GateRefusal) as refused:
        gate.admit([good, bad])
    assert str(refused.value) == "delete user u2@example.com: not selected by the listed emails; nothing was changed"
    with pytest.raises(UngatedWrite):
        gate.send(good)
    assert session.calls == []
    gate.admit([good])
    assert gate.send(good)["firstName"] == "A"
    assert [call["method"] for call in session.calls] == ["PATCH"]


def test_the_transport_sends_no_write_without_the_gate_s_permit_for_exactly_that_request():
    session = FakeSession(response(200, user(1)))
    client = LosantClient("https://api.example.test", "tok", APP, session=session)
    with pytest.raises(UngatedWrite):
        client.update_experience_user("%024x" % 1, {"firstName": "A"})
    with pytest.raises(UngatedWrite), client.permitted("PATCH", USERS + "/%024x" % 2):
        client.update_experience_user("%024x" % 1, {"firstName": "A"})
    with pytest.raises(UngatedWrite), client.permitted("PATCH", USERS + "/%024x" % 1):
        client.delete_experience_user("%024x" % 1)
    assert session.calls == []
    with client.permitted("PATCH", USERS + "/%024x" % 1):
        client.update_experience_user("%024x" % 1, {"firstName": "A"})
    # The permit ends with its block.
    with pytest.raises(UngatedWrite):
        client.update_experience_user("%024x" % 1, {"firstName": "A"})
    assert len(session.calls) == 1


def test_a_patch_whose_answer_is_lost_counts_once_the_read_back_shows_it():
    before = user(1, firstName="Old", passwordLastUpdated="2026-01-01T00:00:00.000Z")
    after = dict(before, firstName="New", passwordLastUpdated="2026-12-01T00:00:00.000Z")
    session = FakeSession(requests.exceptions.ReadTimeout("read timed out"), response(200, after))
    client = LosantClient("https://api.example.test", "tok", APP, session=session, sleep=lambda seconds: None)
    gate = WriteGate(client, Rules())
    write = gate.admitted(Write(UPDATE, EXPERIENCE_USER, "u1", before, {"firstName": "New", "password": "x" * 9}))
    assert gate.send(write) == after
    assert [call["method"] for call in session.calls] == ["PATCH", "GET"]


def test_a_patch_not_seen_by_the_read_back_is_sent_again_then_fails_as_unknown():
    before = user(1, firstName="Old")
    lost = requests.exceptions.ReadTimeout("read timed out")
    session = FakeSession(lost, response(200, before), lost, response(200, before))
    client = LosantClient("https://api.example.test", "tok", APP, session=session, sleep=lambda seconds: None,
                          retries=1)
    gate = WriteGate(client, Rules())
    write = gate.admitted(Write(UPDATE, EXPERIENCE_USER, "u1", before, {"firstName": "New"}))
    with pytest.raises(LosantApiError) as caught:
        gate.send(write)
    assert caught.value.outcome_unknown is True
    assert caught.value.message.endswith("no answer within 30s (timeout) (gave up after 1 retries); the write may or "
                                         "may not have landed (reading it back did not show it yet): run the task "
                                         "again to converge")
    assert [call["method"] for call in session.calls] == ["PATCH", "GET", "PATCH", "GET"]


def test_a_delete_whose_answer_is_lost_counts_once_losant_says_the_user_is_gone():
    gone = response(404, {"type": "NotFound", "message": "Experience User was not found"})
    session = FakeSession(response(504, {"type": "GatewayTimeout", "message": "x"}), gone)
    client = LosantClient("https://api.example.test", "tok", APP, session=session, sleep=lambda seconds: None)
    gate = WriteGate(client, listed("u1@example.com"))
    assert gate.send(gate.admitted(Write(DELETE, EXPERIENCE_USER, "u1@example.com", user(1)))) == GONE
    assert [call["method"] for call in session.calls] == ["DELETE", "GET"]


def test_an_unreadable_success_of_a_write_is_settled_by_the_read_back():
    before = user(1, firstName="Old")
    session = FakeSession(response(200, raw=b"", headers={"Content-Type": "application/json"}),
                          response(200, dict(before, firstName="New")))
    client = LosantClient("https://api.example.test", "tok", APP, session=session, sleep=lambda seconds: None)
    gate = WriteGate(client, Rules())
    assert gate.send(gate.admitted(Write(UPDATE, EXPERIENCE_USER, "u1", before, {"firstName": "New"})))["firstName"] \
        == "New"


@pytest.mark.parametrize("body, found, landed", [
    ({"email": "A@x.io"}, {"email": "a@x.io"}, True),
    ({"email": "a@x.io"}, {"email": "b@x.io"}, False),
    ({"experienceGroupIds": [G1.upper()]}, {"experienceGroups": [{"id": G1}]}, True),
    ({"experienceGroupIds": []}, {"experienceGroups": [{"id": G1}]}, False),
    ({"password": "x" * 9}, {"passwordLastUpdated": "2026-12-01T00:00:00.000Z"}, True),
    ({"password": "x" * 9}, {"passwordLastUpdated": "2026-01-01T00:00:00.000Z"}, False),
    ({"password": "x" * 9}, {}, False),
    ({"tokenCutoff": "2026-12-01T00:00:00.000Z"}, {"tokenCutoff": "2026-12-01T00:00:00Z"}, True),
    ({"tokenCutoff": "2026-12-01T00:00:00.000Z"}, {"tokenCutoff": "2026-12-01T00:00:01.000Z"}, False),
    ({"lastName": ""}, {}, True),
    ({"userTags": {"a": "1"}}, {"userTags": {"a": "1", "b": "2"}}, False),
    ({"userTags": {}}, {"userTags": {}}, True),
])
def test_user_write_landed(body, found, landed):
    assert user_write_landed({"passwordLastUpdated": "2026-01-01T00:00:00.000Z"}, body, found) is landed
    assert user_write_landed({}, body, None) is False


@pytest.mark.parametrize("body, found, landed", [
    ({"deviceIds": ["A" * 24, "b" * 24]}, {"deviceIds": ["b" * 24, "a" * 24]}, True),
    ({"deviceQueryJson": '{"name": "x"}'}, {"deviceQueryJson": '{"name":"x"}'}, True),
    ({"deviceQueryJson": None}, {"deviceQueryJson": ""}, True),
    ({"deviceQueryJson": '{"name": "x"}'}, {}, False),
    ({"parentId": None}, {"parentId": None}, True),
    ({"parentId": G1}, {"parentId": G1.upper()}, True),
    ({"deviceTags": [{"key": "a", "value": "1"}, {"key": "b"}]}, {"deviceTags": [{"key": "b"}, {"value": "1", "key": "a"}]},
     True),
    ({"description": ""}, {}, True),
    ({"name": "Ops"}, {"name": "ops"}, False),
])
def test_group_write_landed(body, found, landed):
    assert group_write_landed(body, found) is landed


def test_member_cap_warns_naming_the_group_with_its_current_members_counted():
    groups = [{"id": G1, "name": "Acme", "experienceUserIds": ["%024x" % index for index in range(990)]}]
    writes = [Write(CREATE, EXPERIENCE_USER, "n%d" % index, None, {"experienceGroupIds": [G1]}) for index in range(12)]
    writes.append(Write(UPDATE, EXPERIENCE_USER, "old", user(1, experienceGroups=[{"id": G1, "name": "Acme"}]),
                        {"experienceGroupIds": []}))
    assert member_cap_warnings(writes, groups) == [
        "experience group 'Acme' (%s) would have 1001 members (12 added by this task), more than the 1000 of "
        "Losant's group schema (experienceUserIds): Losant may refuse or truncate it; split the users over several "
        "groups" % G1]
    assert member_cap_warnings(writes[:10], groups) == []
    # A group that was not read counts what the task adds.
    assert len(member_cap_warnings(writes[:1] * 1001, [])) == 1


def test_an_empty_overridden_needs_max_deletions():
    assert "would delete every user of the application" in empty_overridden_error("overridden", [], None, "user")
    assert empty_overridden_error("overridden", [], 0, "user") is None
    assert empty_overridden_error("overridden", [{"email": "a@b.co"}], None, "user") is None
    assert empty_overridden_error("merged", [], None, "user") is None


def test_member_cap_names_a_group_not_read_by_the_name_a_current_member_shows():
    member = user(1, experienceGroups=[{"id": G1.upper(), "name": "Acme"}])
    writes = [Write(UPDATE, EXPERIENCE_USER, "old", member, {"experienceGroupIds": [G1], "firstName": "A"})]
    writes += [Write(CREATE, EXPERIENCE_USER, "n%d" % index, None, {"experienceGroupIds": [G1.upper()]})
               for index in range(1001)]
    assert member_cap_warnings(writes, []) == [
        "experience group 'Acme' (%s) would have 1001 members (1001 added by this task), more than the 1000 of "
        "Losant's group schema (experienceUserIds): Losant may refuse or truncate it; split the users over several "
        "groups" % G1]
    # Without a member that shows its name, the group is named by its id alone.
    unnamed = member_cap_warnings(writes[1:], [])
    assert len(unnamed) == 1 and "Acme" not in unnamed[0] and "(%s) would have 1001 members" % G1 in unnamed[0]
