import pytest

from ansible_collections.losant.platform.plugins.module_utils._dates import parse_datetime
from ansible_collections.losant.platform.plugins.module_utils._users import (
    PASSWORD_MARKER,
    GroupResolutionError,
    create_body,
    desired_group_ids,
    future_threshold_warning,
    group_lookup_needed,
    group_references,
    known_groups_of,
    normalized_ids,
    password_due,
    predict_user,
    resolve_group_ids,
    unique,
    user_option_errors,
    user_patch,
    user_view,
)

G1 = "aaaaaaaaaaaaaaaaaaaaaaa1"
G2 = "aaaaaaaaaaaaaaaaaaaaaaa2"
G3 = "aaaaaaaaaaaaaaaaaaaaaaa3"
NOW = "2026-11-26T12:00:00.000Z"
GROUPS = [
    {"id": G1, "name": "Operators", "parentId": None},
    {"id": G2, "name": "Viewers", "parentId": G1},
    {"id": G3, "name": "Viewers", "parentId": None},
]


def params(**given):
    base = dict(email=None, experience_user_id=None, first_name=None, last_name=None, password=None,
                update_password="on_create", password_updated_after=None, user_tags=None,
                purge_user_tags=False, experience_groups=None, purge_experience_groups=False,
                invalidate_tokens=False)
    base.update(given)
    return base


def current(**fields):
    user = {"id": "b" * 24, "email": "jane@example.com", "firstName": "Jane", "lastName": "Doe",
            "userTags": {"customer": "acme", "role": "op"},
            "experienceGroups": [{"id": G1, "name": "Operators", "parentId": None}],
            "passwordLastUpdated": "2026-01-15T08:00:00.000Z"}
    user.update(fields)
    return user


def test_nothing_given_means_nothing_to_change():
    assert user_patch(current(), params(email="jane@example.com"), None, NOW) == ({}, [])


def test_email_compares_case_insensitively_but_a_real_rename_patches():
    assert user_patch(current(), params(email="JANE@example.COM"), None, NOW) == ({}, [])
    assert user_patch(current(), params(email="jane.doe@example.com"), None, NOW) == (
        {"email": "jane.doe@example.com"}, ["email"])


def test_names_compare_exactly_and_empty_string_clears():
    body, changed = user_patch(current(), params(first_name="jane", last_name=""), None, NOW)
    assert body == {"firstName": "jane", "lastName": ""}
    assert changed == ["first_name", "last_name"]
    assert user_patch(current(lastName=None), params(last_name=""), None, NOW)[0] == {"lastName": ""}
    assert user_patch({"id": "b" * 24, "email": "x@y.io"}, params(last_name=""), None, NOW) == ({}, [])


def test_tags_merge_by_default_and_null_removes_a_key():
    body, changed = user_patch(current(), params(user_tags={"role": None, "site": "north"}), None, NOW)
    # PATCH replaces userTags wholesale, so the body carries the whole merged set
    assert body == {"userTags": {"customer": "acme", "site": "north"}}
    assert changed == ["user_tags"]


def test_tags_already_present_are_not_a_change():
    assert user_patch(current(), params(user_tags={"customer": "acme"}), None, NOW) == ({}, [])


def test_purge_user_tags_replaces_the_tags_with_the_given_ones():
    assert user_patch(current(), params(user_tags={"site": "north"}, purge_user_tags=True), None, NOW) == (
        {"userTags": {"site": "north"}}, ["user_tags"])


def test_purge_user_tags_with_tags_left_out_leaves_them_alone():
    assert user_patch(current(), params(purge_user_tags=True), None, NOW) == ({}, [])


def test_empty_user_tags_clear_them_only_with_purge():
    assert user_patch(current(), params(user_tags={}, purge_user_tags=True), None, NOW) == (
        {"userTags": {}}, ["user_tags"])
    assert user_patch(current(), params(user_tags={}), None, NOW) == ({}, [])
    assert user_patch(current(userTags={}), params(user_tags={}, purge_user_tags=True), None, NOW) == ({}, [])


def test_unique_keeps_the_first_order():
    assert unique(["b", "a", "b", "c", "a"]) == ["b", "a", "c"]
    assert unique([]) == []


def test_groups_are_added_as_a_set_unless_purged():
    assert desired_group_ids([G1], [G2, G1], False) == [G1, G2]
    assert desired_group_ids([G1, G3], [G2], True) == [G2]
    body, changed = user_patch(current(), params(), [G2], NOW)
    assert body == {"experienceGroupIds": [G1, G2]} and changed == ["experience_groups"]
    assert user_patch(current(), params(), [G1], NOW) == ({}, [])
    assert user_patch(current(), params(purge_experience_groups=True), [G2], NOW)[0] == {"experienceGroupIds": [G2]}
    assert user_patch(current(), params(purge_experience_groups=True), [], NOW)[0] == {"experienceGroupIds": []}


def test_purge_experience_groups_with_groups_left_out_leaves_them_alone():
    assert desired_group_ids([G1], None, True) is None
    assert user_patch(current(), params(purge_experience_groups=True), None, NOW) == ({}, [])


def test_group_order_is_not_a_change():
    user = current(experienceGroups=[{"id": G2}, {"id": G1}])
    assert user_patch(user, params(purge_experience_groups=True), [G1, G2], NOW) == ({}, [])


def test_group_names_resolve_and_ids_pass_through():
    assert resolve_group_ids(["Operators", G3, "Operators"], GROUPS) == [G1, G3]
    assert not group_lookup_needed([G1, G2])
    assert group_lookup_needed([G1, "Operators"])
    assert not group_lookup_needed([])


def test_ambiguous_group_name_lists_the_ids():
    with pytest.raises(GroupResolutionError) as caught:
        resolve_group_ids(["Viewers"], GROUPS)
    assert "'Viewers' is ambiguous" in str(caught.value)
    assert G2 in str(caught.value) and G3 in str(caught.value)


def test_unknown_group_name_lists_close_candidates():
    with pytest.raises(GroupResolutionError) as caught:
        resolve_group_ids(["Operator"], GROUPS)
    assert "no group named or with id 'Operator'; closest names: Operators" in str(caught.value)
    with pytest.raises(GroupResolutionError) as caught:
        resolve_group_ids(["zzz"], GROUPS)
    assert "existing groups: Operators, Viewers" in str(caught.value)


def test_password_only_on_request():
    assert not password_due(params(password="n3w-passw0rd"), current())
    assert password_due(params(password="n3w-passw0rd", update_password="always"), current())
    assert password_due(params(password="n3w-passw0rd", password_updated_after="2026-02-01"), current())
    assert not password_due(params(password="n3w-passw0rd", password_updated_after="2026-01-01T00:00:00Z"), current())
    assert password_due(params(password="n3w-passw0rd", password_updated_after="2020-01-01"),
                        current(passwordLastUpdated=None))
    body, changed = user_patch(current(), params(password="n3w-passw0rd", password_updated_after="2026-02-01"), None, NOW)
    assert body == {"password": "n3w-passw0rd"} and changed == ["password"]


def test_invalidate_tokens_sets_the_cutoff_to_now():
    assert user_patch(current(), params(invalidate_tokens=True), None, NOW) == (
        {"tokenCutoff": NOW}, ["invalidate_tokens"])


def test_one_patch_carries_every_difference():
    body, changed = user_patch(current(), params(
        email="jd@example.com", first_name="J", user_tags={"x": "1"}, password="n3w-passw0rd",
        update_password="always"), [G2], NOW)
    assert set(body) == {"email", "firstName", "userTags", "experienceGroupIds", "password"}
    assert changed == ["email", "first_name", "user_tags", "experience_groups", "password"]


def test_create_body_sends_only_what_was_given():
    body, changed = create_body(params(email="a@example.com", password="pa55word!", user_tags={"k": "v", "gone": None}), [G1])
    assert body == {"email": "a@example.com", "password": "pa55word!", "userTags": {"k": "v"}, "experienceGroupIds": [G1]}
    assert changed == ["email", "password", "user_tags", "experience_groups"]
    assert create_body(params(email="a@example.com", password="pa55word!"), None)[0] == {
        "email": "a@example.com", "password": "pa55word!"}


def test_prediction_applies_the_patch_without_keeping_the_password():
    known = known_groups_of(current(), GROUPS)
    predicted = predict_user(current(), {"experienceGroupIds": [G1, G2], "password": "pa55word!", "lastName": "X"}, known)
    assert predicted["experienceGroups"] == [GROUPS[0], GROUPS[1]]
    assert predicted["lastName"] == "X"
    assert "password" not in predicted
    assert predicted["passwordLastUpdated"] > current()["passwordLastUpdated"]


def test_view_uses_option_names_and_masks_the_password():
    view = user_view(current(), {"password": "pa55word!"})
    assert view == {"email": "jane@example.com", "first_name": "Jane", "last_name": "Doe",
                    "user_tags": {"customer": "acme", "role": "op"}, "experience_groups": ["Operators"],
                    "password": PASSWORD_MARKER}
    assert "pa55word!" not in repr(view)
    assert user_view(None) == {}


@pytest.mark.parametrize("given,fragment", [
    (dict(email="no-at-sign"), "email must be an email address"),
    (dict(email="a@b.c" + "x" * 1024), "at most 1024 characters"),
    (dict(experience_user_id="123"), "experience_user_id must be a Losant id of 24 hexadecimal"),
    (dict(first_name="x" * 1025), "first_name must be at most 1024 characters"),
    (dict(last_name="x" * 1025), "last_name must be at most 1024 characters"),
    (dict(password="short"), "password must be 8 to 2048 characters long, got 5 characters"),
    (dict(password="x" * 2049), "password must be 8 to 2048 characters long"),
    (dict(user_tags={"bad key": "v"}), "user_tags key 'bad key' must match"),
    (dict(user_tags={"k": ""}), "user_tags value of 'k' must be 1 to 255 characters"),
    (dict(user_tags={"k": "v" * 256}), "user_tags value of 'k' must be 1 to 255 characters"),
    (dict(user_tags={"k": 5}), "user_tags value of 'k' must be a string"),
    (dict(experience_groups=["g"] * 1001), "experience_groups may list at most 1000 groups"),
    (dict(experience_groups=[""]), "experience_groups entries must be group names of 1 to 255"),
    (dict(password_updated_after="yesterday"), "password_updated_after must be an ISO 8601 date-time"),
    (dict(password_updated_after="2026-13-01"), "password_updated_after must be an ISO 8601 date-time"),
    (dict(password_updated_after="2026-01-01", update_password="always"), "cannot be combined with update_password"),
])
def test_bad_options_are_named_with_their_rule(given, fragment):
    errors = user_option_errors(params(**given))
    assert any(fragment in error for error in errors), errors


def test_a_bad_password_is_never_echoed():
    errors = user_option_errors(params(password="abc"))
    assert errors and all("abc" not in error for error in errors)


def test_good_options_pass():
    assert user_option_errors(params(
        email="jane.doe+ops@sub.example.com", experience_user_id="AbCdEf0123456789abcdef01", first_name="",
        password="x" * 2048, user_tags={"A-b_9": "v" * 255, "gone": None}, experience_groups=["g"] * 1000,
        password_updated_after="2026-01-31T10:00:00+02:00")) == []


def test_group_ids_in_upper_case_match_losants_lower_case_ids():
    assert resolve_group_ids([G1.upper(), "Operators"], GROUPS) == [G1]
    user = {"experienceGroups": [{"id": G1}]}
    assert user_patch(user, params(), normalized_ids([G1.upper()]), NOW) == ({}, [])


def test_group_references_take_returned_groups_by_id_and_numbers_as_text():
    assert group_references(None) is None
    assert group_references(["Viewers", {"id": G1, "name": "Operators"}, 2026, {"name": "x"}]) == \
        ["Viewers", G1, "2026", {"name": "x"}]


def test_password_updated_after_with_a_utc_offset_counts_its_hours_and_minutes():
    # 10:00+02:00 is 08:00 UTC, and 10:00+02:30 is 07:30 UTC: both against a password set at 08:00 UTC.
    set_at_eight = current(passwordLastUpdated="2026-01-15T08:00:00.000Z")
    assert not password_due(params(password="n3w-passw0rd", password_updated_after="2026-01-15T10:00:00+02:00"),
                            set_at_eight)
    assert not password_due(params(password="n3w-passw0rd", password_updated_after="2026-01-15T10:00:00+02:30"),
                            set_at_eight)
    assert password_due(params(password="n3w-passw0rd", password_updated_after="2026-01-15T10:00:01+02:00"),
                        set_at_eight)
    assert password_due(params(password="n3w-passw0rd", password_updated_after="2026-01-15T07:31:00-00:30"),
                        set_at_eight)


@pytest.mark.parametrize("fraction", ["0000001", "00000001", "000000009"])
def test_password_updated_after_takes_fractions_of_7_to_9_digits(fraction):
    threshold = "2026-01-15T08:00:00.%sZ" % fraction
    assert user_option_errors(params(password="n3w-passw0rd", password_updated_after=threshold)) == []
    # Below a microsecond: the same instant as the password's, which is not older than it.
    assert not password_due(params(password="n3w-passw0rd", password_updated_after=threshold), current())


def test_a_password_set_exactly_at_the_threshold_is_not_sent_again():
    assert not password_due(params(password="n3w-passw0rd", password_updated_after="2026-01-15T08:00:00Z"), current())
    assert password_due(params(password="n3w-passw0rd", password_updated_after="2026-01-15T08:00:00.001Z"), current())


def test_a_future_password_updated_after_warns_and_a_past_one_does_not():
    now = parse_datetime("2026-11-26T12:00:00Z")
    warning = future_threshold_warning(params(password="n3w-passw0rd", password_updated_after="2026-12-01"), now)
    assert warning.startswith("password_updated_after 2026-12-01 is in the future: until then every run sets the "
                              "password again")
    assert future_threshold_warning(params(password="n3w-passw0rd", password_updated_after="2026-11-26T11:59Z"),
                                    now) is None
    assert future_threshold_warning(params(password_updated_after="2026-12-01"), now) is None
    assert future_threshold_warning(params(password="n3w-passw0rd"), now) is None


def test_the_view_shows_invalidate_tokens_when_tokens_are_cut():
    body, changed = user_patch(current(), params(invalidate_tokens=True), None, NOW)
    assert user_view(current(), body)["invalidate_tokens"] is True
    assert "invalidate_tokens" not in user_view(current(), {"firstName": "J"})
