"""experience_users (_bulk_users.py): which options an entry takes, the read strategy when the
server pages by very few users, and what run_writes reports when a user created by another run
is taken over (the PATCH it sends, a refusal of the gate) or when a write fails unexpectedly."""

import contextlib

from ansible_collections.losant.platform.plugins.module_utils._bulk_users import (
    USER_ENTRY_OPTIONS,
    plan_changes,
    read_strategy,
    run_writes,
)
from ansible_collections.losant.platform.plugins.module_utils._client import LosantApiError
from ansible_collections.losant.platform.plugins.module_utils._users import USER_OPTIONS
from ansible_collections.losant.platform.plugins.module_utils._write_gate import Rules, WriteGate
from ansible_collections.losant.platform.tests.unit.helpers.entries import bulk_entry as entry

NOW = "2026-11-26T12:00:00.000Z"
OWNER = {"managed_by": "onboarding"}


def test_an_entry_takes_the_options_of_experience_user_less_those_that_select_or_act_on_one_user():
    assert sorted(USER_ENTRY_OPTIONS) == [
        "email", "experience_groups", "first_name", "last_name", "password", "password_updated_after",
        "purge_experience_groups", "purge_user_tags", "update_password", "user_tags"]
    assert USER_ENTRY_OPTIONS["email"] == dict(type="str", required=True)
    assert USER_ENTRY_OPTIONS["password"] is USER_OPTIONS["password"]


def test_a_first_page_of_one_user_makes_each_further_page_one_request():
    # 9 pages left against 5 $in queries of 100 emails
    assert read_strategy(450, 10, 1) == "in"
    assert read_strategy(500, 6, 1) == "list"
    # A first page that held nothing counts as one of a single user.
    assert read_strategy(450, 10, 0) == "in"


class Client:
    """Records what the gate sends; a POST is refused as AlreadyExists, the lookup by email
    answers ``winner``; an update of ``broken`` raises something other than an API error."""

    application_id = "5f6a7b8c9d0e1f2a3b4c5d6e"
    workers = 1

    def __init__(self, winner=None, broken=None):
        self.winner = winner
        self.broken = broken
        self.sent = []

    @contextlib.contextmanager
    def permitted(self, method, path):
        yield

    def path_of(self, template, **ids):
        return template.format(application_id=self.application_id, **ids)

    def redact(self, text):
        return text

    def create_experience_user(self, body):
        self.sent.append(("POST", body))
        raise LosantApiError("Losant API request failed: HTTP 400 AlreadyExists: taken", status=400,
                             error_type="AlreadyExists")

    def update_experience_user(self, user_id, body, recover=None):
        self.sent.append(("PATCH", user_id, body))
        if user_id == self.broken:
            raise KeyError("lost")
        return dict(body, id=user_id)

    def find_experience_user_by_email(self, email):
        return self.winner


def stored(email, user_id, **fields):
    user = {"id": user_id, "email": email, "firstName": "F", "lastName": "Theirs", "userTags": {},
            "experienceGroups": []}
    user.update(fields)
    return user


def test_a_user_another_run_created_gets_exactly_the_patch_that_brings_it_in_line():
    config = [entry("a@example.com", password="pa55word!", last_name="Mine")]
    plan = plan_changes(config, [None], {}, "merged", NOW)
    client = Client(winner=stored("A@example.com", "%024x" % 7))
    gate = WriteGate(client, Rules())
    gate.admit(plan.writes())
    assert run_writes(gate, plan) == (
        {"create": [], "update": ["a@example.com"], "delete": [], "converged": []}, [], 0)
    assert client.sent[1:] == [("PATCH", "%024x" % 7, {"lastName": "Mine"})]


def test_a_take_over_the_gate_refuses_is_a_failure_naming_every_rule_it_breaks():
    config = [entry("a@example.com", password="pa55word!", last_name="Mine")]
    plan = plan_changes(config, [None], {}, "merged", NOW, ownership_tag=OWNER)
    # Not owned, and answered without a usable id: two rules broken by one write.
    client = Client(winner=stored("a@example.com", "not-an-id", userTags={"managed_by": "other-tool"}))
    gate = WriteGate(client, Rules(ownership_tag=OWNER))
    gate.admit(plan.writes())
    done, failures, unknown = run_writes(gate, plan)
    assert done == {"create": [], "update": [], "delete": [], "converged": []}
    assert failures == ["create a@example.com: update user a@example.com: the user read has no id; update user "
                        "a@example.com: does not carry the ownership tag managed_by=onboarding"]
    assert unknown == 0
    assert [sent[0] for sent in client.sent] == ["POST"]


def test_an_unexpected_error_is_a_failure_that_did_not_land_in_doubt():
    current = {"a@example.com": stored("a@example.com", "%024x" % 1),
               "b@example.com": stored("b@example.com", "%024x" % 2)}
    config = [entry("a@example.com", last_name="X"), entry("b@example.com", last_name="Y")]
    plan = plan_changes(config, [None] * 2, current, "merged", NOW)
    client = Client(broken="%024x" % 1)
    gate = WriteGate(client, Rules())
    gate.admit(plan.writes())
    done, failures, unknown = run_writes(gate, plan)
    assert failures == ["update a@example.com: KeyError: 'lost'"]
    assert done["update"] == ["b@example.com"]
    assert unknown == 0
