"""Advanced queries from the info modules' filters, and the glob matching
that checks what they return."""

import pytest

from ansible_collections.losant.platform.plugins.module_utils._queries import (
    all_of,
    glob_condition,
    glob_matches,
    group_filter_condition,
    user_filter_query,
)

G1 = "aaaaaaaaaaaaaaaaaaaaaaa1"


# ------------------------------------------------------------------ globs

@pytest.mark.parametrize("pattern,condition", [
    ("jane@example.com", {"$eq": "jane@example.com", "$ci": True}),
    ("jane*", {"$startsWith": "jane", "$ci": True}),
    ("*@example.com", {"$endsWith": "@example.com", "$ci": True}),
    ("*acme*", {"$contains": "acme", "$ci": True}),
    ("a*b*c", {"$startsWith": "a", "$endsWith": "c", "$contains": "b", "$ci": True}),
    ("*x*longest*y*", {"$contains": "longest", "$ci": True}),
    ("a**c", {"$startsWith": "a", "$endsWith": "c", "$ci": True}),
    ("*", None),
    ("**", None),
])
def test_glob_condition_narrows_as_far_as_a_query_can(pattern, condition):
    assert glob_condition(pattern) == condition


@pytest.mark.parametrize("pattern,value,matches", [
    ("jane*", "Jane.Doe@example.com", True),
    ("jane*", "mary.jane@example.com", False),
    ("*@example.com", "x@EXAMPLE.com", True),
    ("*@example.com", "x@example.com.evil", False),
    ("*acme*", "ops@acme.example", True),
    ("a*b*c", "abc", True),
    ("a*b*c", "a-x-b-y-c", True),
    ("a*b*c", "acb", False),
    ("a*a", "a", False),
    ("a*a", "aa", True),
    ("*", "", True),
    ("*", None, True),
    ("x.y", "xzy", False),
    ("(a)+", "(A)+", True),
    ("exact", "exact", True),
    ("exact", "exactly", False),
])
def test_glob_matches_the_whole_value_ignoring_case_with_no_regex_meaning(pattern, value, matches):
    assert glob_matches(pattern, value) is matches


def test_a_value_the_condition_lets_through_is_checked_again():
    # a*a: the condition (startsWith a, endsWith a) admits "a"; the glob needs two a's
    assert glob_condition("a*a") == {"$startsWith": "a", "$endsWith": "a", "$ci": True}
    assert not glob_matches("a*a", "a")


# ------------------------------------------------------------------ queries

def test_all_of_drops_empty_conditions_and_nests_only_when_needed():
    assert all_of([]) is None
    assert all_of([None, {}]) is None
    assert all_of([{"a": 1}, None]) == {"a": 1}
    assert all_of([{"a": 1}, {"b": 2}]) == {"$and": [{"a": 1}, {"b": 2}]}


def test_group_filter_condition_covers_an_id_any_and_none():
    assert group_filter_condition(G1) == {"experienceGroupId": G1}
    assert group_filter_condition("any") == {"experienceGroupId": {"$ne": None}}
    assert group_filter_condition("none") == {"experienceGroupId": None}


def test_user_filter_query_without_filters_selects_everyone():
    assert user_filter_query() is None
    assert user_filter_query(email_pattern="*") is None
    assert user_filter_query(user_tags={}) is None


def test_user_filter_query_with_one_filter_is_that_condition():
    assert user_filter_query(email_pattern="*@acme.com") == {"email": {"$endsWith": "@acme.com", "$ci": True}}
    assert user_filter_query(group="none") == {"experienceGroupId": None}
    assert user_filter_query(user_tags={"customer": "acme", "site": None}) == {
        "userTags": {"customer": "acme", "site": None}}


def test_user_filter_query_combines_every_filter_with_and():
    assert user_filter_query("jane*", G1, {"customer": "acme"}) == {"$and": [
        {"email": {"$startsWith": "jane", "$ci": True}},
        {"experienceGroupId": G1},
        {"userTags": {"customer": "acme"}},
    ]}
    assert user_filter_query("*", "any", {"customer": "acme"}) == {"$and": [
        {"experienceGroupId": {"$ne": None}},
        {"userTags": {"customer": "acme"}},
    ]}


# ------------------------------------------------------------------ activity filters

from ansible_collections.losant.platform.plugins.module_utils._queries import (  # noqa: E402
    activity_conditions,
    activity_matcher,
    date_filter_errors,
)

CUTOFF = "2026-09-01T00:00:00.000Z"


@pytest.mark.parametrize("given,conditions", [
    ({}, []),
    ({"last_login_before": "2026-09-01"}, [{"lastLogin": {"$lt": CUTOFF}}]),
    ({"last_login_before": "2026-09-01T02:00:00+02:00"}, [{"lastLogin": {"$lt": CUTOFF}}]),
    ({"never_logged_in": True}, [{"lastLogin": None}]),
    ({"never_logged_in": False}, [{"lastLogin": {"$ne": None}}]),
    ({"last_login_before": "2026-09-01", "never_logged_in": True},
     [{"$or": [{"lastLogin": {"$lt": CUTOFF}}, {"lastLogin": None}]}]),
    ({"last_login_before": "2026-09-01", "never_logged_in": False}, [{"lastLogin": {"$lt": CUTOFF}}]),
    ({"password_updated_before": "2026-09-01"},
     [{"$or": [{"passwordLastUpdated": {"$lt": CUTOFF}}, {"passwordLastUpdated": None}]}]),
])
def test_activity_filters_become_advanced_query_conditions(given, conditions):
    assert activity_conditions(**given) == conditions


def test_activity_conditions_join_the_other_filters_in_one_query():
    query = user_filter_query("*@acme.example", None, None, activity_conditions(never_logged_in=True))
    assert query == {"$and": [{"lastLogin": None}, {"email": {"$endsWith": "@acme.example", "$ci": True}}]}


@pytest.mark.parametrize("user,given,matches", [
    ({"lastLogin": "2026-08-31T23:59:59.999Z"}, {"last_login_before": "2026-09-01"}, True),
    ({"lastLogin": "2026-09-01T00:00:00.000Z"}, {"last_login_before": "2026-09-01"}, False),
    ({}, {"last_login_before": "2026-09-01"}, False),
    ({}, {"last_login_before": "2026-09-01", "never_logged_in": True}, True),
    ({"lastLogin": "2026-10-01T00:00:00.000Z"}, {"last_login_before": "2026-09-01", "never_logged_in": True}, False),
    ({}, {"never_logged_in": True}, True),
    ({"lastLogin": "2026-10-01T00:00:00.000Z"}, {"never_logged_in": True}, False),
    ({}, {"never_logged_in": False}, False),
    ({"passwordLastUpdated": "2026-01-01T00:00:00.000Z"}, {"password_updated_before": "2026-09-01"}, True),
    ({"passwordLastUpdated": "2026-10-01T00:00:00.000Z"}, {"password_updated_before": "2026-09-01"}, False),
    ({}, {"password_updated_before": "2026-09-01"}, True),
])
def test_activity_filters_are_checked_again_on_what_losant_returns(user, given, matches):
    assert activity_matcher(**given)(user) is matches


def test_date_filters_name_the_option_and_the_rule():
    assert date_filter_errors({"last_login_before": "2026-09-01", "password_updated_before": None}) == []
    assert date_filter_errors({"last_login_before": "90 days ago", "password_updated_before": "2026-13-01"}) == [
        "last_login_before must be an ISO 8601 date or date-time such as 2026-01-31T00:00:00Z, got '90 days ago'",
        "password_updated_before must be an ISO 8601 date or date-time such as 2026-01-31T00:00:00Z, got '2026-13-01'"]
