import contextlib

import pytest

from ansible_collections.losant.platform.plugins.module_utils._bulk_users import (
    config_errors,
    desired_entry,
    gathered_config,
    plan_changes,
    plan_diffs,
    read_current_users,
    read_strategy,
    resolve_entry_groups,
    run_writes,
)
from ansible_collections.losant.platform.plugins.module_utils._client import LosantApiError
from ansible_collections.losant.platform.plugins.module_utils._write_gate import Rules, WriteGate
from ansible_collections.losant.platform.tests.unit.helpers.entries import bulk_entry as entry

G1 = "aaaaaaaaaaaaaaaaaaaaaaa1"
G2 = "aaaaaaaaaaaaaaaaaaaaaaa2"
NOW = "2026-11-26T12:00:00.000Z"
GROUPS = [{"id": G1, "name": "Operators", "parentId": None}, {"id": G2, "name": "Viewers", "parentId": None}]


def stored(email, index, **fields):
    user = {"id": "%024x" % index, "email": email, "firstName": "F", "lastName": "L", "userTags": {"k": "v"},
            "experienceGroups": [{"id": G1, "name": "Operators", "parentId": None}]}
    user.update(fields)
    return user


def test_config_errors_name_index_and_email_and_catch_duplicates():
    errors = config_errors([
        entry("ok@example.com", password="long-enough-1"),
        entry("bad-email", password="short"),
        entry("OK@example.com"),
        entry("x@example.com", password_updated_after="2026-01-01"),
    ])
    assert "config[1] (bad-email): email must be an email address" in errors[0]
    assert "config[1] (bad-email): password must be 8 to 2048 characters long, got 5 characters" in errors
    assert "config[2] (OK@example.com): the same email as config[0]; list each user once" in errors
    assert "config[3] (x@example.com): password_updated_after requires password" in errors
    assert config_errors([entry("a@example.com"), entry("b@example.com", user_tags={"t": "v"})]) == []


@pytest.mark.parametrize("wanted,total,first,expected", [
    (1000, 1000, 1000, "list"),     # everything was on the first page
    (1000, 10000, 1000, "list"),    # 9 more pages beat 10 $in queries
    (50, 10000, 1000, "in"),        # 1 $in query beats 9 pages
    (900, 10000, 1000, "list"),     # a tie goes to the listing
    (100, 2000, 1000, "list"),      # 1 page left ties with 1 $in query
    (150, 30000, 1000, "in"),       # 2 queries beat 29 pages
    (150, 30000, 100, "in"),        # a server that pages by 100: 299 pages left
])
def test_read_strategy_picks_the_cheaper_way(wanted, total, first, expected):
    assert read_strategy(wanted, total, first) == expected


class FakeClient:
    """Answers the bulk reads from a list of users and records the calls."""

    def __init__(self, users, page_size=1000, workers=1):
        self.users = users
        self.page_size = page_size
        self.workers = workers
        self.calls = []

    def experience_users_first_page(self):
        self.calls.append(("first_page",))
        return {"items": self.users[:self.page_size], "totalCount": len(self.users)}

    def query_experience_users(self, query=None, first_page=None):
        if query is None:
            pages = (len(self.users) + self.page_size - 1) // self.page_size
            self.calls.extend([("page",)] * (pages - (1 if first_page else 0)))
            return list(self.users)
        self.calls.append(("in", len(query["email"]["$in"])))
        wanted = set(email.lower() for email in query["email"]["$in"])
        return [user for user in self.users if user["email"].lower() in wanted]


def test_up_to_100_emails_cost_one_in_query_however_many_users_exist():
    users = [stored("u%05d@example.com" % i, i) for i in range(5000)]
    client = FakeClient(users)
    wanted = ["U%05d@example.com" % i for i in range(4900, 5000)]
    found = read_current_users(client, wanted, need_all=False)
    assert client.calls == [("in", 100)]
    assert sorted(found) == sorted(email.lower() for email in wanted)


def test_no_email_costs_no_request():
    client = FakeClient([stored("u1@example.com", 1)])
    assert read_current_users(client, [], need_all=False) == {}
    assert client.calls == []


def test_one_request_when_everything_is_on_the_first_page():
    users = [stored("u%d@example.com" % i, i) for i in range(900)]
    client = FakeClient(users)
    found = read_current_users(client, ["U%d@example.com" % i for i in range(150)] + ["new@example.com"],
                               need_all=False)
    assert client.calls == [("first_page",)]
    assert found["u1@example.com"]["id"] == "%024x" % 1


def test_few_missing_emails_are_looked_up_with_in_queries_of_100():
    users = [stored("u%05d@example.com" % i, i) for i in range(10000)]
    client = FakeClient(users)
    wanted = ["u%05d@example.com" % i for i in range(900, 1000)] + ["u%05d@example.com" % i for i in range(9000, 9150)]
    found = read_current_users(client, wanted, need_all=False)
    assert client.calls == [("first_page",), ("in", 100), ("in", 50)]
    assert all(email in found for email in wanted)


def test_many_missing_emails_page_through_everything():
    users = [stored("u%05d@example.com" % i, i) for i in range(10000)]
    client = FakeClient(users)
    found = read_current_users(client, [user["email"] for user in users], need_all=False)
    assert client.calls == [("first_page",)] + [("page",)] * 9
    assert len(found) == 10000


def test_overridden_needs_every_user():
    users = [stored("u%05d@example.com" % i, i) for i in range(2500)]
    client = FakeClient(users)
    assert len(read_current_users(client, [], need_all=True)) == 2500
    assert client.calls == [("first_page",), ("page",), ("page",)]


def test_group_names_resolve_per_entry_and_errors_name_the_entry():
    ids, errors = resolve_entry_groups([
        entry("a@example.com", experience_groups=["Viewers", G1]),
        entry("b@example.com"),
        entry("c@example.com", experience_groups=["Nope"]),
    ], GROUPS)
    assert ids[:2] == [[G2, G1], None]
    assert len(errors) == 1 and errors[0].startswith("config[2] (c@example.com): experience_groups: no group named")


def test_an_unknown_group_in_a_middle_entry_leaves_the_entries_after_it_their_own_groups():
    ids, errors = resolve_entry_groups([
        entry("a@example.com", experience_groups=["Operators"]),
        entry("b@example.com", experience_groups=["Operators", "Nope"]),
        entry("c@example.com", experience_groups=["Viewers"]),
    ], GROUPS)
    assert ids == [[G1], None, [G2]]
    assert errors == ["config[1] (b@example.com): experience_groups: no group named or with id 'Nope'; existing "
                      "groups: Operators, Viewers"]


def test_replaced_makes_left_out_fields_empty():
    params = desired_entry(entry("a@example.com", first_name="A"), "replaced")
    assert params["last_name"] == "" and params["user_tags"] == {} and params["purge_user_tags"]
    assert params["experience_groups"] == [] and params["purge_experience_groups"]
    assert desired_entry(entry("a@example.com"), "merged")["last_name"] is None


def test_plan_merged_creates_updates_and_counts_unchanged():
    current = {"a@example.com": stored("a@example.com", 1), "b@example.com": stored("b@example.com", 2)}
    config = [entry("A@example.com", first_name="F"), entry("b@example.com", last_name="New"),
              entry("c@example.com", password="pa55word!", experience_groups=[G2])]
    plan = plan_changes(config, [None, None, [G2]], current, "merged", NOW, GROUPS)
    assert plan.unchanged == 1
    assert [(user["email"], body, fields) for user, body, fields in plan.updates] == [
        ("b@example.com", {"lastName": "New"}, ["last_name"])]
    assert plan.creates == [("c@example.com", {"email": "c@example.com", "password": "pa55word!",
                                               "experienceGroupIds": [G2]},
                             ["email", "password", "experience_groups"])]
    assert plan.deletes == [] and plan.errors == []


def test_plan_merged_purge_options_leave_left_out_fields_alone():
    current = {"a@example.com": stored("a@example.com", 1)}
    config = [entry("a@example.com", purge_user_tags=True, purge_experience_groups=True)]
    plan = plan_changes(config, [None], current, "merged", NOW)
    assert plan.updates == [] and plan.unchanged == 1


def test_plan_merged_purge_options_with_empty_values_clear():
    current = {"a@example.com": stored("a@example.com", 1)}
    config = [entry("a@example.com", user_tags={}, purge_user_tags=True, experience_groups=[],
                    purge_experience_groups=True)]
    plan = plan_changes(config, [[]], current, "merged", NOW)
    assert [(user["email"], body, fields) for user, body, fields in plan.updates] == [
        ("a@example.com", {"userTags": {}, "experienceGroupIds": []}, ["user_tags", "experience_groups"])]


def test_plan_replaced_empties_left_out_fields_whatever_the_purge_options_say():
    current = {"a@example.com": stored("a@example.com", 1)}
    plan = plan_changes([entry("a@example.com", first_name="F", last_name="L")], [None], current, "replaced", NOW)
    assert plan.updates[0][1] == {"userTags": {}, "experienceGroupIds": []}
    assert plan.deletes == []


def test_plan_create_without_password_is_an_error_before_any_write():
    plan = plan_changes([entry("new@example.com")], [None], {}, "merged", NOW)
    assert plan.errors == ["config[0] (new@example.com): password is required to create the user"]
    assert plan.creates == []


def test_plan_overridden_deletes_the_unlisted_and_replaces_the_listed():
    current = {"a@example.com": stored("a@example.com", 1), "z@example.com": stored("z@example.com", 2)}
    plan = plan_changes([entry("a@example.com", first_name="F", last_name="L")], [None], current, "overridden", NOW)
    assert [user["email"] for user in plan.deletes] == ["z@example.com"]
    assert plan.updates[0][1] == {"userTags": {}, "experienceGroupIds": []}


def test_plan_deleted_only_deletes_existing_listed_users():
    current = {"a@example.com": stored("a@example.com", 1)}
    plan = plan_changes([entry("a@example.com"), entry("gone@example.com")], [None, None], current, "deleted", NOW)
    assert [user["email"] for user in plan.deletes] == ["a@example.com"]
    assert plan.creates == [] and plan.updates == []


def test_diffs_are_per_user_with_the_password_masked_and_groups_named():
    current = {"a@example.com": stored("a@example.com", 1)}
    config = [entry("a@example.com", experience_groups=["Viewers"]), entry("n@example.com", password="pa55word!")]
    plan = plan_changes(config, [[G2], None], current, "merged", NOW, GROUPS)
    diffs = plan_diffs(plan)
    assert [diff["before_header"] for diff in diffs] == ["n@example.com", "a@example.com"]
    assert diffs[0]["after"]["password"] == "<new password will be set>"
    assert diffs[1]["after"]["experience_groups"] == ["Operators", "Viewers"]
    assert "pa55word!" not in repr(diffs)


def test_gathered_config_names_groups_unless_the_name_repeats():
    groups = GROUPS + [{"id": "aaaaaaaaaaaaaaaaaaaaaaa3", "name": "Viewers", "parentId": None}]
    users = [stored("b@example.com", 2, experienceGroups=[{"id": G2, "name": "Viewers"}]),
             stored("a@example.com", 1, userTags={"costCenter": "9"})]
    assert gathered_config(users, groups) == [
        {"email": "a@example.com", "first_name": "F", "last_name": "L", "user_tags": {"costCenter": "9"},
         "experience_groups": ["Operators"]},
        {"email": "b@example.com", "first_name": "F", "last_name": "L", "user_tags": {"k": "v"},
         "experience_groups": [G2]},
    ]


def test_gathered_config_gives_a_group_named_like_an_id_by_its_id():
    # Fed back, "0123456789abcdef01234567" would be taken for an id that no group has.
    named_like_an_id = {"id": "aaaaaaaaaaaaaaaaaaaaaaa9", "name": "0123456789abcdef01234567", "parentId": None}
    users = [stored("a@example.com", 1, experienceGroups=[named_like_an_id])]
    assert gathered_config(users, GROUPS + [named_like_an_id])[0]["experience_groups"] == [named_like_an_id["id"]]


class WriteClient:
    """The writes a client receives from the gate, recorded; the gate's permit is taken at its word."""

    application_id = "5f6a7b8c9d0e1f2a3b4c5d6e"

    def __init__(self, log, fail_on=None, workers=1):
        self.log = log
        self.fail_on = fail_on
        self.workers = workers

    @contextlib.contextmanager
    def permitted(self, method, path):
        yield

    def path_of(self, template, **ids):
        return template.format(application_id=self.application_id, **ids)

    def redact(self, text):
        return text

    def _record(self, kind, subject):
        self.log.append((kind, subject))
        if subject == self.fail_on:
            raise LosantApiError("Losant API request failed: HTTP 400 Validation: no", status=400)

    def create_experience_user(self, body):
        self._record("create", body["email"])

    def update_experience_user(self, user_id, body, recover=None):
        self._record("update", user_id)

    def delete_experience_user(self, user_id, recover=None):
        self._record("delete", user_id)


def admitted(client, plan, config, state):
    """A gate that admitted the plan, with the selection experience_users gives it."""
    listed = set(item["email"].lower() for item in config)
    selects = (lambda user: user["email"].lower() not in listed) if state == "overridden" else \
        (lambda user: user["email"].lower() in listed)
    gate = WriteGate(client, Rules(selects, "test selection"))
    gate.admit(plan.writes())
    return gate


@pytest.mark.parametrize("workers", [1, 4])
def test_writes_all_run_and_a_failure_does_not_stop_the_others(workers):
    current = {"a@example.com": stored("a@example.com", 1), "z@example.com": stored("z@example.com", 2)}
    config = [entry("a@example.com", last_name="X")]
    config += [entry("n%d@example.com" % i, password="pa55word!") for i in range(3)]
    plan = plan_changes(config, [None] * 4, current, "overridden", NOW)
    log = []
    done, failures, unknown = run_writes(admitted(WriteClient(log, fail_on="n1@example.com", workers=workers), plan,
                                                  config, "overridden"), plan)
    assert sorted(done["create"]) == ["n0@example.com", "n2@example.com"]
    assert done["update"] == ["a@example.com"] and done["delete"] == ["z@example.com"]
    assert failures == ["create n1@example.com: Losant API request failed: HTTP 400 Validation: no"]
    assert len(log) == 5


class RacedClient(WriteClient):
    """Another run creates the users first: POST answers AlreadyExists."""

    def __init__(self, log, winner):
        super(RacedClient, self).__init__(log)
        self.winner = winner

    def create_experience_user(self, body):
        self._record("create", body["email"])
        raise LosantApiError("Losant API request failed: HTTP 400 AlreadyExists: taken", status=400,
                             error_type="AlreadyExists")

    def find_experience_user_by_email(self, email):
        self.log.append(("find", email))
        return self.winner.get(email)


def test_a_user_created_by_another_run_meanwhile_is_brought_in_line():
    config = [entry("a@example.com", password="pa55word!", last_name="Mine"),
              entry("b@example.com", password="pa55word!"),
              entry("c@example.com", password="pa55word!")]
    plan = plan_changes(config, [None] * 3, {}, "merged", NOW)
    winner = {"a@example.com": stored("a@example.com", 1, lastName="Theirs"),
              "b@example.com": stored("b@example.com", 2)}
    log = []
    done, failures, unknown = run_writes(admitted(RacedClient(log, winner), plan, config, "merged"), plan)
    assert done["create"] == [] and done["delete"] == []
    assert done["update"] == ["a@example.com"] and done["converged"] == ["b@example.com"]
    assert ("update", "%024x" % 1) in log and ("update", "%024x" % 2) not in log
    assert failures == ["create c@example.com: Losant API request failed: HTTP 400 AlreadyExists: taken"]


class BrokenClient(WriteClient):
    """A write that raises something other than an API error, with the token in its text."""

    def update_experience_user(self, user_id, body, recover=None):
        self._record("update", user_id)
        raise ValueError("bad state for Bearer tok-secret-1")

    def redact(self, text):
        return text.replace("tok-secret-1", "********")


def test_an_unexpected_error_in_one_write_is_a_failure_and_the_others_are_reported():
    current = {"a@example.com": stored("a@example.com", 1), "z@example.com": stored("z@example.com", 2)}
    config = [entry("a@example.com", last_name="X"), entry("n@example.com", password="pa55word!")]
    plan = plan_changes(config, [None] * 2, current, "overridden", NOW)
    done, failures, unknown = run_writes(admitted(BrokenClient([], workers=2), plan, config, "overridden"), plan)
    assert done["create"] == ["n@example.com"] and done["delete"] == ["z@example.com"] and done["update"] == []
    assert failures == ["update a@example.com: ValueError: bad state for Bearer ********"]


def test_deleted_counts_listed_users_that_are_already_gone_as_unchanged():
    current = {"a@example.com": stored("a@example.com", 1), "z@example.com": stored("z@example.com", 2)}
    plan = plan_changes([entry("a@example.com"), entry("gone@example.com")], [None] * 2, current, "deleted", NOW)
    assert [user["email"] for user in plan.deletes] == ["a@example.com"]
    assert plan.unchanged == 1 and plan.creates == [] and plan.updates == []
