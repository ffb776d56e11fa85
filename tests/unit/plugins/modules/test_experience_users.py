"""main() of experience_users with the HTTP transport replaced: the exact
requests sent, and the JSON the module exits with."""

import json
import threading

import requests

from ansible_collections.losant.platform.plugins.modules import experience_users
from ansible_collections.losant.platform.tests.unit.helpers.fake_transport import RoutedSession, listing_answer, response
from ansible_collections.losant.platform.tests.unit.helpers.module_runner import (
    GROUPS, USERS, listing, query_params, run_main, warning_texts)

G1 = "aaaaaaaaaaaaaaaaaaaaaaa1"
PASSWORD = "Bulk-Unit-Passw0rd"


def user(index, email=None, **fields):
    found = {"id": "%024x" % index, "email": email or "u%04d@example.com" % index, "firstName": "F",
             "userTags": {}, "experienceGroups": []}
    found.update(fields)
    return found


def run(capsys, args, *answers, **kwargs):
    result, session = run_main(capsys, experience_users, dict(workers=1, **args), *answers, **kwargs)
    assert PASSWORD not in json.dumps(result)
    return result, session


FIRST_PAGE = ("GET", USERS, query_params(), None)


def in_query(*emails):
    return ("GET", USERS, query_params('{"email":{"$ci":true,"$in":%s}}' % json.dumps(list(emails)).replace(" ", "")),
            None)


def test_no_change_costs_one_request(capsys):
    result, session = run(capsys, dict(config=[{"email": "U0001@example.com", "first_name": "F"}]),
                          listing(user(1)))
    assert session.summary() == [in_query("U0001@example.com")]
    assert result["changed"] is False and result["unchanged"] == 1
    assert result["created"] == [] and result["updated"] == [] and result["deleted"] == []


def test_merged_creates_and_updates_after_one_read_and_one_group_listing(capsys):
    config = [{"email": "u0001@example.com", "experience_groups": ["Operators"]},
              {"email": "new@example.com", "password": PASSWORD}]
    result, session = run(capsys, dict(config=config),
                          listing(user(1)), listing({"id": G1, "name": "Operators", "parentId": None}),
                          response(200, user(1, experienceGroups=[{"id": G1, "name": "Operators"}])),
                          response(201, user(3, "new@example.com")))
    assert session.summary() == [
        in_query("u0001@example.com", "new@example.com"),
        ("GET", GROUPS, query_params(), None),
        ("POST", USERS, {}, {"email": "new@example.com", "password": PASSWORD}),
        ("PATCH", USERS + "/" + "%024x" % 1, {}, {"experienceGroupIds": [G1]}),
    ]
    assert result["created"] == ["new@example.com"] and result["updated"] == ["u0001@example.com"]
    assert result["changed_fields"] == {"u0001@example.com": ["experience_groups"]}


def test_missing_emails_beyond_the_first_page_cost_one_in_query(capsys):
    config = [{"email": "u%04d@example.com" % i} for i in range(100)] + [{"email": "u4321@example.com"}]
    first = listing(*[user(i) for i in range(1000)], total=5000)
    found = listing(user(4321))
    result, session = run(capsys, dict(config=config), first, found)
    assert session.summary() == [FIRST_PAGE, in_query("u4321@example.com")]
    assert result["unchanged"] == 101


def test_check_mode_plans_and_diffs_but_never_writes(capsys):
    result, session = run(capsys, dict(config=[{"email": "new@example.com", "password": PASSWORD}],
                                       state="overridden"),
                          listing(user(1)), check_mode=True, diff=True)
    assert session.summary() == [FIRST_PAGE]
    assert result["changed"] is True
    assert result["created"] == ["new@example.com"] and result["deleted"] == ["u0001@example.com"]
    assert [diff["before_header"] for diff in result["diff"]] == ["new@example.com", "u0001@example.com"]
    assert result["diff"][0]["after"]["password"] == "<new password will be set>"


def test_max_deletions_refuses_before_any_write(capsys):
    result, session = run(capsys, dict(config=[], state="overridden", max_deletions=1),
                          listing(user(1), user(2)))
    assert result["failed"] is True
    assert result["msg"] == ("max_deletions: this task would delete 2 users, more than max_deletions=1; "
                             "nothing was changed")
    assert session.summary() == [FIRST_PAGE]


def test_a_bad_entry_fails_before_any_request(capsys):
    result, session = run(capsys, dict(config=[{"email": "ok@example.com"},
                                               {"email": "ok@example.com", "password": "short12"}]))
    assert result["failed"] is True
    assert "config[1] (ok@example.com): password must be 8 to 2048 characters long, got 7 characters" in result["msg"]
    assert "config[1] (ok@example.com): the same email as config[0]" in result["msg"]
    assert session.calls == []


def test_a_missing_password_for_a_new_user_fails_before_any_write(capsys):
    result, session = run(capsys, dict(config=[{"email": "new@example.com"}]), listing())
    assert result["failed"] is True
    assert result["msg"] == "config[0] (new@example.com): password is required to create the user"
    assert [call[0] for call in session.summary()] == ["GET"]


def test_a_failed_write_is_reported_with_what_was_done(capsys):
    config = [{"email": "a@example.com", "password": PASSWORD}, {"email": "b@example.com", "password": PASSWORD}]
    result, session = run(capsys, dict(config=config), listing(),
                          response(201, user(1, "a@example.com")),
                          response(400, {"type": "Validation", "message": "email is invalid"}))
    assert result["failed"] is True
    assert result["msg"].startswith("1 of 2 writes failed: create b@example.com: Losant API request POST /%s failed: "
                                    "HTTP 400 Validation: email is invalid" % USERS)
    assert result["created"] == ["a@example.com"]
    assert len(session.calls) == 3


def test_gathered_reads_users_and_groups_and_writes_nothing(capsys):
    users = [user(2, "b@example.com", experienceGroups=[{"id": G1, "name": "Operators"}]), user(1, "a@example.com")]
    result, session = run(capsys, dict(state="gathered"), listing(*users),
                          listing({"id": G1, "name": "Operators", "parentId": None}))
    assert [call[0] for call in session.summary()] == ["GET", "GET"]
    assert result["changed"] is False
    assert result["gathered"] == [
        {"email": "a@example.com", "first_name": "F", "last_name": "", "user_tags": {}, "experience_groups": []},
        {"email": "b@example.com", "first_name": "F", "last_name": "", "user_tags": {},
         "experience_groups": ["Operators"]},
    ]


def test_config_left_out_fails_unless_gathering(capsys):
    result, session = run(capsys, dict(state="overridden"))
    assert result["failed"] is True
    assert result["msg"] == "state is overridden but any of the following are missing: config, src"
    assert session.calls == []


def test_max_deletions_also_guards_state_deleted(capsys):
    config = [{"email": "u0001@example.com"}, {"email": "u0002@example.com"}, {"email": "gone@example.com"}]
    result, session = run(capsys, dict(config=config, state="deleted", max_deletions=1),
                          listing(user(1), user(2)))
    assert result["failed"] is True
    assert result["msg"].startswith("max_deletions: this task would delete 2 users, more than max_deletions=1")
    assert [call[0] for call in session.summary()] == ["GET"]


def test_deleted_reports_absent_users_as_unchanged(capsys):
    config = [{"email": "u0001@example.com"}, {"email": "gone@example.com"}]
    result, session = run(capsys, dict(config=config, state="deleted"), listing(user(1)), response(200, {"success": True}))
    assert result["changed"] is True and result["deleted"] == ["u0001@example.com"] and result["unchanged"] == 1
    assert session.summary()[1] == ("DELETE", USERS + "/" + "%024x" % 1, {}, None)


def test_a_password_set_always_is_masked_in_the_diff(capsys):
    config = [{"email": "u0001@example.com", "password": PASSWORD, "update_password": "always"}]
    result, session = run(capsys, dict(config=config), listing(user(1)), check_mode=True, diff=True)
    assert result["changed_fields"] == {"u0001@example.com": ["password"]}
    assert result["diff"][0]["after"]["password"] == "<new password will be set>"
    assert "password" not in result["diff"][0]["before"]


def test_a_user_another_run_created_as_wanted_counts_as_unchanged(capsys):
    config = [{"email": "new@example.com", "password": PASSWORD, "first_name": "F"}]
    result, session = run(capsys, dict(config=config), listing(),
                          response(400, {"type": "AlreadyExists", "message": "email already taken"}),
                          listing(user(7, "new@example.com")))
    assert [call[0] for call in session.summary()] == ["GET", "POST", "GET"]
    assert result["changed"] is False and result["created"] == [] and result["unchanged"] == 1


def test_after_a_partial_failure_the_diff_shows_only_what_was_written(capsys):
    config = [{"email": "a@example.com", "password": PASSWORD}, {"email": "b@example.com", "password": PASSWORD}]
    result, session = run(capsys, dict(config=config), listing(),
                          response(201, user(1, "a@example.com")),
                          response(400, {"type": "Validation", "message": "email is invalid"}), diff=True)
    assert result["failed"] is True and result["changed"] is True
    assert [diff["after_header"] for diff in result["diff"]] == ["a@example.com"]


def test_merged_purge_options_leave_left_out_tags_and_groups_alone(capsys):
    stored = user(1, userTags={"customer": "acme"}, experienceGroups=[{"id": G1, "name": "Operators"}])
    config = [{"email": "u0001@example.com", "purge_user_tags": True, "purge_experience_groups": True}]
    result, session = run(capsys, dict(config=config), listing(stored))
    assert session.summary() == [in_query("u0001@example.com")]
    assert result["changed"] is False and result["unchanged"] == 1


def test_merged_empty_tags_and_groups_with_purge_clear_them(capsys):
    stored = user(1, userTags={"customer": "acme"}, experienceGroups=[{"id": G1, "name": "Operators"}])
    config = [{"email": "u0001@example.com", "user_tags": {}, "purge_user_tags": True,
               "experience_groups": [], "purge_experience_groups": True}]
    result, session = run(capsys, dict(config=config), listing(stored), response(200, user(1)))
    assert session.summary() == [
        in_query("u0001@example.com"),
        ("PATCH", USERS + "/" + "%024x" % 1, {}, {"userTags": {}, "experienceGroupIds": []}),
    ]
    assert result["changed_fields"] == {"u0001@example.com": ["user_tags", "experience_groups"]}


def test_replaced_empties_the_left_out_fields_of_a_listed_user(capsys):
    stored = user(1, lastName="Doe", userTags={"customer": "acme"}, experienceGroups=[{"id": G1, "name": "Operators"}])
    result, session = run(capsys, dict(config=[{"email": "u0001@example.com", "first_name": "F"}], state="replaced"),
                          listing(stored), response(200, user(1)))
    assert session.summary() == [
        in_query("u0001@example.com"),
        ("PATCH", USERS + "/" + "%024x" % 1, {}, {"lastName": "", "userTags": {}, "experienceGroupIds": []}),
    ]
    assert result["changed_fields"] == {"u0001@example.com": ["last_name", "user_tags", "experience_groups"]}


class CappedLosant:
    """Users and groups served as a Losant whose pages hold 100 items (thread-safe, for workers > 1):
    listings (all, or an email $in / $eq query) and PATCHes, each recorded in the session."""

    def __init__(self, users, groups=()):
        self.users = dict((found["id"], found) for found in users)
        self.groups = list(groups)
        self.lock = threading.Lock()

    def __call__(self, call):
        path = call["url"].split("://", 1)[1].split("/", 1)[1]
        with self.lock:
            if call["method"] == "GET" and path == GROUPS:
                return listing_answer(self.groups, call["params"])
            if call["method"] == "GET" and path == USERS:
                found = list(self.users.values())
                if "query" in call["params"]:
                    condition = json.loads(call["params"]["query"])["email"]
                    wanted = set(email.lower() for email in condition.get("$in", [condition.get("$eq")]))
                    found = [one for one in found if one["email"].lower() in wanted]
                return listing_answer(found, call["params"])
            if call["method"] == "PATCH":
                changed = dict(self.users[path.rsplit("/", 1)[1]], **call["body"])
                self.users[changed["id"]] = changed
                return response(200, changed)
        raise AssertionError("unexpected %s %s" % (call["method"], path))


def calls_of(session, method):
    return [call for call in session.summary() if call[0] == method]


def test_ten_thousand_unchanged_users_on_pages_of_100_cost_100_requests_read_at_once(capsys):
    stored = [user(index) for index in range(10000)]
    session = RoutedSession(CappedLosant(stored))
    config = [{"email": found["email"], "first_name": "F"} for found in stored]
    result = run_main(capsys, experience_users, dict(config=config, workers=8), session=session)[0]
    assert result["changed"] is False and result["unchanged"] == 10000
    # Page 0 (asked for 1000, held 100) says 10,000: 99 pages of 100 more, not 99 $in queries (a tie).
    assert session.summary_set() == sorted(
        [FIRST_PAGE] + [("GET", USERS, query_params(page=page, per_page=100), None) for page in range(1, 100)],
        key=lambda call: json.dumps(call, sort_keys=True))


def test_missing_emails_are_looked_up_with_in_queries_read_at_once_when_fewer_than_the_pages(capsys):
    stored = [user(index) for index in range(3000)]
    session = RoutedSession(CappedLosant(stored))
    # 250 listed users, 100 of them on page 0: 2 $in queries for the other 150 beat 29 more pages.
    listed = [found["email"] for found in stored[:100]] + [found["email"] for found in stored[2850:]]
    config = [{"email": email, "last_name": "New"} for email in listed]
    result = run_main(capsys, experience_users, dict(config=config, workers=4), session=session)[0]
    queries = sorted(json.loads(call[2]["query"])["email"]["$in"][0] for call in calls_of(session, "GET")[1:])
    assert len(calls_of(session, "GET")) == 3 and queries == [stored[2850]["email"], stored[2950]["email"]]
    assert len(calls_of(session, "PATCH")) == 250 and result["updated"] and len(result["updated"]) == 250
    assert sorted(call[1] for call in calls_of(session, "PATCH")) == sorted(
        USERS + "/" + found["id"] for found in stored[:100] + stored[2850:])


def test_a_listing_that_keeps_changing_fails_before_any_write(capsys):
    stored = [user(index) for index in range(300)]
    losant = CappedLosant(stored)
    seen = []

    def growing(call):
        seen.append(call)
        if call["params"].get("page"):  # every later page sees another user created meanwhile
            losant.users["%024x" % (10000 + len(seen))] = user(10000 + len(seen))
        return losant(call)

    session = RoutedSession(growing)
    config = [{"email": found["email"], "last_name": "New"} for found in stored]
    result = run_main(capsys, experience_users, dict(config=config, state="overridden"), session=session)[0]
    assert result["failed"] is True
    assert "the listing changed while it was read, on each of 3 reads" in result["msg"]
    assert calls_of(session, "PATCH") == [] and calls_of(session, "DELETE") == []


def test_an_entry_without_email_fails_before_any_request(capsys):
    result, session = run(capsys, dict(config=[{"email": "ok@example.com"}, {"first_name": "Nobody"}]))
    assert result["failed"] is True and "email" in result["msg"] and "config" in result["msg"]
    assert session.calls == []


def test_update_password_always_without_password_names_the_entry(capsys):
    result, session = run(capsys, dict(config=[{"email": "a@example.com", "update_password": "always"}]))
    assert result["failed"] is True
    assert result["msg"] == "config[0] (a@example.com): update_password=always requires password"
    assert session.calls == []


def test_an_unknown_group_in_a_middle_entry_names_it_and_leaves_the_others_theirs(capsys):
    groups = listing({"id": G1, "name": "Operators", "parentId": None})
    config = [{"email": "u0001@example.com", "experience_groups": ["Operators"]},
              {"email": "u0002@example.com", "experience_groups": ["Operators", "Nightshift"]},
              {"email": "u0003@example.com", "experience_groups": ["Operators"]}]
    result, session = run(capsys, dict(config=config), listing(user(1), user(2), user(3)), groups)
    assert result["failed"] is True
    assert result["msg"] == ("config[1] (u0002@example.com): experience_groups: no group named or with id "
                             "'Nightshift'; existing groups: Operators")
    assert "config[0]" not in result["msg"] and "config[2]" not in result["msg"]
    assert [call[0] for call in session.summary()] == ["GET", "GET"]


def test_an_error_of_many_entries_shows_20_and_the_count_and_returns_all(capsys):
    config = [{"email": "bad%02d" % index} for index in range(25)]
    result, session = run(capsys, dict(config=config))
    assert result["failed"] is True and len(result["errors"]) == 25
    assert result["msg"].count("must be an email address") == 20
    assert result["msg"].endswith("; and 5 more (25 in all)")
    assert session.calls == []


def test_a_future_password_updated_after_warns_naming_the_entries(capsys):
    config = [{"email": "u0001@example.com", "password": PASSWORD, "password_updated_after": "2999-01-01"},
              {"email": "u0002@example.com", "password": PASSWORD, "password_updated_after": "2020-01-01"}]
    result = run(capsys, dict(config=config), listing(user(1, passwordLastUpdated="2026-01-01T00:00:00.000Z"),
                                                      user(2, passwordLastUpdated="2026-01-01T00:00:00.000Z")),
                 check_mode=True)[0]
    warnings = [text for text in warning_texts(result) if "password_updated_after" in text]
    assert len(warnings) == 1 and "in 1 entries (config[0] (u0001@example.com))" in warnings[0]


# ------------------------------------------------------------------ suspended and ownership_tag

OWNER = {"managed_by": "acme-onboarding"}


def test_suspended_patches_each_listed_user_once_with_its_own_random_password(capsys):
    config = [{"email": "u0001@example.com"}, {"email": "u0002@example.com"}]
    users = [user(1, experienceGroups=[{"id": G1, "name": "Operators", "parentId": None}]), user(2)]
    result, session = run(capsys, dict(config=config, state="suspended"), listing(*users),
                          lambda call: response(200, user(1)), lambda call: response(200, user(2)), diff=True)
    patches = session.summary()[1:]
    assert [call[:2] for call in patches] == [("PATCH", USERS + "/" + "%024x" % 1), ("PATCH", USERS + "/" + "%024x" % 2)]
    passwords = [call[3]["password"] for call in patches]
    assert len(set(passwords)) == 2
    assert not any(password in json.dumps(result) for password in passwords)
    assert patches[0][3]["experienceGroupIds"] == [] and "experienceGroupIds" not in patches[1][3]
    assert result["updated"] == ["u0001@example.com", "u0002@example.com"]
    assert all(diff["after"]["password"] == "<new password will be set>" for diff in result["diff"])


def test_suspended_users_that_are_already_suspended_cost_the_read_only(capsys):
    done = user(1, userTags={"suspended_at": "2026-10-01T08:00:00.000Z"})
    result, session = run(capsys, dict(config=[{"email": "u0001@example.com"}], state="suspended"), listing(done))
    assert len(session.calls) == 1
    assert result["changed"] is False and result["unchanged"] == 1


def test_overridden_with_ownership_deletes_only_owned_users_and_names_the_others(capsys):
    mine = user(1, userTags=dict(OWNER))
    theirs = user(2)
    result, session = run(capsys, dict(config=[], state="overridden", ownership_tag=OWNER, max_deletions=5),
                          listing(mine, theirs), response(200, {"success": True}))
    assert session.summary()[1:] == [("DELETE", USERS + "/" + "%024x" % 1, {}, None)]
    assert result["deleted"] == ["u0001@example.com"] and result["not_owned"] == ["u0002@example.com"]


def test_deleted_with_ownership_leaves_an_unowned_user(capsys):
    result, session = run(capsys, dict(config=[{"email": "u0002@example.com"}], state="deleted", ownership_tag=OWNER),
                          listing(user(2)))
    assert len(session.calls) == 1
    assert result["changed"] is False and result["not_owned"] == ["u0002@example.com"]


def test_ownership_tag_is_checked_before_any_request(capsys):
    result, session = run(capsys, dict(config=[], state="overridden", ownership_tag={"a": "1", "b": "2"}))
    assert session.calls == []
    assert "ownership_tag must hold exactly one user tag" in result["msg"]


def test_a_listing_that_returns_a_user_under_another_email_deletes_nothing(capsys):
    # An answer that does not hold exactly the email asked for is never deleted.
    result, session = run(capsys, dict(config=[{"email": "u0001@example.com"}], state="deleted"),
                          listing(user(7, "u0001@example.com.evil")))
    assert len(session.calls) == 1
    assert result["changed"] is False and result["deleted"] == []


def test_an_empty_overridden_is_refused_before_any_request(capsys):
    result, session = run(capsys, dict(config=[], state="overridden"))
    assert session.calls == []
    assert result["failed"] is True
    assert result["msg"].startswith("state=overridden with no entries would delete every user of the application")


def test_a_listed_user_of_another_tool_is_left_alone_in_merged(capsys):
    theirs = user(2, userTags={"managed_by": "other-tool"})
    result, session = run(capsys, dict(config=[{"email": "u0002@example.com", "first_name": "Taken"}],
                                       ownership_tag=OWNER), listing(theirs))
    assert len(session.calls) == 1
    assert result["changed"] is False and result["updated"] == [] and result["not_owned"] == ["u0002@example.com"]


def test_a_bulk_write_whose_answer_is_lost_is_read_back_and_listed(capsys):
    mine = user(1)
    answers = {"PATCH": [requests.exceptions.ReadTimeout("read timed out")],
               "GET": [listing(mine), response(200, dict(mine, firstName="New"))]}
    session = RoutedSession(lambda call: answers[call["method"]].pop(0))
    result = run(capsys, dict(config=[{"email": "u0001@example.com", "first_name": "New"}]), session=session)[0]
    assert result["changed"] is True and result["updated"] == ["u0001@example.com"]
    assert [call["method"] for call in session.calls] == ["GET", "PATCH", "GET"]
