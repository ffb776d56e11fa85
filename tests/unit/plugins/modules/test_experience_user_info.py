"""main() of experience_user_info with the HTTP transport replaced: the exact
requests sent, and the JSON the module exits with."""

import json

import pytest

from ansible_collections.losant.platform.plugins.modules import experience_user_info
from ansible_collections.losant.platform.tests.unit.helpers.fake_transport import RoutedSession, listing_answer, response
from ansible_collections.losant.platform.tests.unit.helpers.module_runner import APP, GROUPS, USERS, listing, query_params, run_main

JANE = "bbbbbbbbbbbbbbbbbbbbbbb1"
MARY = "bbbbbbbbbbbbbbbbbbbbbbb2"
OPS = "aaaaaaaaaaaaaaaaaaaaaaa1"
TWIN = "aaaaaaaaaaaaaaaaaaaaaaa2"
WHEN = "2026-11-26T17:38:35.123Z"


def user(user_id, email, **fields):
    found = {"id": user_id, "experienceUserId": user_id, "applicationId": APP, "email": email,
             "creationDate": WHEN, "lastUpdated": WHEN, "passwordLastUpdated": WHEN,
             "userTags": {}, "experienceGroups": []}
    found.update(fields)
    return found


JANE_USER = user(JANE, "jane@acme.example", firstName="Jane", lastName="Doe", userTags={"costCenter": "42"},
                 experienceGroups=[{"id": OPS, "name": "Operators", "parentId": None}])
MARY_USER = user(MARY, "Mary@acme.example")


def run(capsys, args, *answers, **kwargs):
    return run_main(capsys, experience_user_info, args, *answers, **kwargs)


def users_query(query_json=None, page=0, per_page=1000):
    return ("GET", USERS, query_params(query_json, page, per_page), None)


def test_by_id_is_one_get_in_the_shape_experience_user_returns(capsys):
    result, session = run(capsys, dict(experience_user_id=JANE), response(200, JANE_USER))
    assert session.summary() == [("GET", "%s/%s" % (USERS, JANE), {}, None)]
    assert result["changed"] is False
    assert result["experience_users"] == [{
        "id": JANE, "experience_user_id": JANE, "application_id": APP, "email": "jane@acme.example",
        "first_name": "Jane", "last_name": "Doe", "creation_date": WHEN, "last_updated": WHEN,
        "password_last_updated": WHEN, "user_tags": {"costCenter": "42"},
        "experience_groups": [{"id": OPS, "name": "Operators", "parent_id": None}]}]


def test_an_unknown_id_is_an_empty_list(capsys):
    result = run(capsys, dict(experience_user_id=JANE), response(404, {"type": "NotFound", "message": "Experience User was not found"}))[0]
    assert result["experience_users"] == []


def test_by_email_ignores_letter_case(capsys):
    result, session = run(capsys, dict(email="MARY@acme.example"), listing(MARY_USER))
    assert session.summary() == [users_query('{"email":{"$ci":true,"$eq":"MARY@acme.example"}}')]
    assert [found["id"] for found in result["experience_users"]] == [MARY]


def test_an_unknown_email_is_an_empty_list(capsys):
    result = run(capsys, dict(email="nobody@acme.example"), listing())[0]
    assert result["experience_users"] == []


@pytest.mark.parametrize("pattern,query_json,kept", [
    ("jane*", '{"email":{"$ci":true,"$startsWith":"jane"}}', [JANE]),
    ("*@ACME.example", '{"email":{"$ci":true,"$endsWith":"@ACME.example"}}', [JANE, MARY]),
    ("*ar*", '{"email":{"$ci":true,"$contains":"ar"}}', [MARY]),
    ("m*y*e", '{"email":{"$ci":true,"$contains":"y","$endsWith":"e","$startsWith":"m"}}', [MARY]),
])
def test_email_pattern_is_narrowed_in_the_query_and_checked_again(capsys, pattern, query_json, kept):
    # The server may answer more than the glob allows: only glob matches are kept.
    result, session = run(capsys, dict(email_pattern=pattern), listing(JANE_USER, MARY_USER))
    assert session.summary() == [users_query(query_json)]
    assert [found["id"] for found in result["experience_users"]] == kept


def test_email_pattern_star_reads_everyone_without_a_query(capsys):
    result, session = run(capsys, dict(email_pattern="*"), listing(MARY_USER, JANE_USER))
    assert session.summary() == [users_query()]
    assert [found["email"] for found in result["experience_users"]] == ["jane@acme.example", "Mary@acme.example"]


def test_a_group_name_costs_one_query_then_filters_by_its_id(capsys):
    result, session = run(capsys, dict(experience_group="Operators"),
                          listing({"id": OPS, "name": "Operators", "parentId": None}), listing(JANE_USER))
    assert session.summary() == [
        ("GET", GROUPS, query_params('{"name":"Operators"}'), None),
        users_query('{"experienceGroupId":"%s"}' % OPS),
    ]
    assert [found["id"] for found in result["experience_users"]] == [JANE]


@pytest.mark.parametrize("group,query_json", [
    (OPS, '{"experienceGroupId":"%s"}' % OPS),
    ("any", '{"experienceGroupId":{"$ne":null}}'),
    ("none", '{"experienceGroupId":null}'),
])
def test_a_group_id_any_or_none_needs_no_group_lookup(capsys, group, query_json):
    result, session = run(capsys, dict(experience_group=group), listing())
    assert session.summary() == [users_query(query_json)]
    assert result["experience_users"] == []


def test_an_unknown_group_name_fails_before_reading_users(capsys):
    result, session = run(capsys, dict(experience_group="Operatorz"), listing())
    assert result["failed"] is True
    assert result["msg"] == "experience_group: no experience group is named 'Operatorz'"
    assert len(session.calls) == 1


def test_an_ambiguous_group_name_fails_listing_the_ids(capsys):
    result, session = run(capsys, dict(experience_group="Operators"),
                          listing({"id": OPS, "name": "Operators"}, {"id": TWIN, "name": "Operators"}))
    assert result["failed"] is True
    assert result["msg"] == ("experience_group: 2 experience groups are named 'Operators' (ids %s, %s); "
                             "give the id of one instead" % (OPS, TWIN))
    assert len(session.calls) == 1


def test_user_tags_value_and_null(capsys):
    jane = dict(JANE_USER, userTags={"costCenter": "42", "site": "north"})
    result, session = run(capsys, dict(user_tags={"costCenter": "42", "site": None}), listing(jane))
    assert session.summary() == [users_query('{"userTags":{"costCenter":"42","site":null}}')]
    assert len(result["experience_users"]) == 1


def test_every_filter_is_checked_again_on_what_the_server_returned(capsys):
    # A server (or a proxy) that drops the query answers with every user: only matches are returned.
    ops = user("%024x" % 9, "ops@acme.example", userTags={"costCenter": "7"},
               experienceGroups=[{"id": OPS, "name": "Operators", "parentId": None}])
    everyone = [JANE_USER, MARY_USER, ops]
    for args, wanted in (
            (dict(user_tags={"costCenter": "42"}), [JANE]),
            (dict(user_tags={"costCenter": None}), [JANE, "%024x" % 9]),
            (dict(user_tags={"suspended_at": None}), []),
            (dict(experience_group=OPS), [JANE, "%024x" % 9]),
            (dict(experience_group="any"), [JANE, "%024x" % 9]),
            (dict(experience_group="none"), [MARY]),
            (dict(email_pattern="mary@*"), [MARY]),
            (dict(never_logged_in=False), []),
            (dict(experience_group=OPS, user_tags={"costCenter": "7"}), ["%024x" % 9])):
        result = run(capsys, args, listing(*everyone))[0]
        assert sorted(found["id"] for found in result["experience_users"]) == sorted(wanted), args


def test_every_filter_combines_in_one_query(capsys):
    result, session = run(capsys, dict(email_pattern="*@acme.example", experience_group=OPS,
                                       user_tags={"costCenter": "42"}), listing(JANE_USER))
    assert session.summary() == [users_query(
        '{"$and":[{"email":{"$ci":true,"$endsWith":"@acme.example"}},{"experienceGroupId":"%s"},'
        '{"userTags":{"costCenter":"42"}}]}' % OPS)]
    assert [found["id"] for found in result["experience_users"]] == [JANE]


@pytest.mark.parametrize("page_cap, later_pages", [(1000, 2), (100, 23)])
def test_every_page_is_read_at_once_and_users_sort_by_email(capsys, page_cap, later_pages):
    everyone = [user("%024x" % number, "user%04d@acme.example" % (2345 - number)) for number in range(2345)]
    session = RoutedSession(lambda call: listing_answer(everyone, call["params"], page_cap))
    result = run_main(capsys, experience_user_info, {}, session=session)[0]
    # Page 0 tells the total and the page size; the others ask for that size.
    assert session.summary_set() == sorted(
        [users_query(page=0)] + [users_query(page=page, per_page=page_cap) for page in range(1, later_pages + 1)],
        key=lambda call: json.dumps(call, sort_keys=True))
    emails = [found["email"] for found in result["experience_users"]]
    assert len(emails) == 2345 and emails == sorted(emails)


def test_a_listing_that_changes_while_it_is_read_is_read_again(capsys):
    everyone = [user("%024x" % number, "user%04d@acme.example" % number) for number in range(250)]
    answered = []

    def answer(call):
        answered.append(call["params"]["page"])
        # The first read of page 2 already sees a user more (added meanwhile): the whole listing is read again.
        if call["params"]["page"] == 2 and answered.count(2) == 1:
            return listing_answer(everyone + [user("f" * 24, "new@acme.example")], call["params"])
        return listing_answer(everyone, call["params"])

    session = RoutedSession(answer)
    result = run_main(capsys, experience_user_info, {}, session=session)[0]
    assert sorted(answered) == [0, 0, 1, 1, 2, 2]
    assert len(result["experience_users"]) == 250


def test_check_mode_reads_the_same(capsys):
    result, session = run(capsys, dict(email="jane@acme.example"), listing(JANE_USER), check_mode=True)
    assert len(session.calls) == 1 and result["changed"] is False


@pytest.mark.parametrize("args,fragment", [
    (dict(experience_user_id=JANE, email="jane@acme.example"), "mutually exclusive"),
    (dict(email="jane@acme.example", email_pattern="*"), "mutually exclusive"),
    (dict(experience_user_id=JANE, experience_group="any"), "mutually exclusive"),
    (dict(email="jane@acme.example", user_tags={"a": "b"}), "mutually exclusive"),
    (dict(experience_user_id="nope"), "experience_user_id must be a Losant id"),
    (dict(email="not-an-email"), "email must be an email address"),
    (dict(user_tags={"bad key": "v"}), "user_tags key 'bad key' must match"),
])
def test_bad_input_fails_before_any_request(capsys, args, fragment):
    result, session = run(capsys, args)
    assert result["failed"] is True
    assert fragment in result["msg"]
    assert session.calls == []


def test_api_errors_fail_with_status_and_type(capsys):
    result = run(capsys, dict(email_pattern="*"), response(400, {"type": "Validation", "message": "bad query"}))[0]
    assert result["failed"] is True
    assert result["msg"] == "Losant API request GET /%s failed: HTTP 400 Validation: bad query" % USERS
    assert result["error_type"] == "Validation"


def test_activity_filters_go_in_the_query_and_are_checked_again(capsys):
    stale = user(JANE, "jane@acme.example", lastLogin="2026-01-01T00:00:00.000Z")
    never = user(MARY, "mary@acme.example")
    # A user the query should not have returned is dropped on the client.
    recent = user("bbbbbbbbbbbbbbbbbbbbbbb3", "recent@acme.example", lastLogin="2026-11-01T00:00:00.000Z")
    result, session = run(capsys, dict(last_login_before="2026-09-01", never_logged_in=True),
                          listing(stale, never, recent))
    assert session.summary() == [users_query(
        '{"$or":[{"lastLogin":{"$lt":"2026-09-01T00:00:00.000Z"}},{"lastLogin":null}]}')]
    assert [found["email"] for found in result["experience_users"]] == ["jane@acme.example", "mary@acme.example"]


def test_password_updated_before_counts_an_unknown_date_as_old(capsys):
    result, session = run(capsys, dict(password_updated_before="2026-12-01T00:00:00Z"),
                          listing(JANE_USER, user(MARY, "mary@acme.example", passwordLastUpdated=None)))
    assert session.summary() == [users_query(
        '{"$or":[{"passwordLastUpdated":{"$lt":"2026-12-01T00:00:00.000Z"}},{"passwordLastUpdated":null}]}')]
    assert len(result["experience_users"]) == 2


def test_a_bad_activity_date_fails_before_any_request(capsys):
    result, session = run(capsys, dict(last_login_before="ninety days ago"))
    assert session.calls == [] and result["failed"] is True
    assert result["msg"].startswith("last_login_before must be an ISO 8601 date or date-time")
