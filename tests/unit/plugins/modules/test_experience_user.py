"""main() of experience_user with the HTTP transport replaced: the exact
requests sent, and the JSON the module exits with."""

import json
from unittest import mock

import pytest
import requests

from ansible_collections.losant.platform.plugins.module_utils import _transport as transport_module
from ansible_collections.losant.platform.plugins.module_utils._results import user_result
from ansible_collections.losant.platform.plugins.modules import experience_user
from ansible_collections.losant.platform.tests.unit.helpers.fake_transport import response
from ansible_collections.losant.platform.tests.unit.helpers.module_runner import (
    APP, GROUPS as GROUPS_PATH, TOKEN, USERS, listing, query_params, run_main, warning_texts)

UID = "5f6a7b8c9d0e1f2a3b4c5d71"
G1 = "aaaaaaaaaaaaaaaaaaaaaaa1"
G2 = "aaaaaaaaaaaaaaaaaaaaaaa2"
PASSWORD = "Corr3ct-Horse-Battery"
EMAIL_QUERY = query_params('{"email":{"$ci":true,"$eq":"jane@example.com"}}')


def stored_user(**fields):
    user = {"id": UID, "experienceUserId": UID, "applicationId": APP, "email": "jane@example.com",
            "firstName": "Jane", "lastName": "Doe", "userTags": {"customer": "acme"},
            "experienceGroups": [{"id": G1, "name": "Operators", "parentId": None}],
            "passwordLastUpdated": "2026-01-15T08:00:00.000Z"}
    user.update(fields)
    return user


def run(capsys, args, *answers, **kwargs):
    """Run main() with ``args``; return (exit JSON, the session that answered)."""
    result, session = run_main(capsys, experience_user, args, *answers, **kwargs)
    assert PASSWORD not in repr(result)
    return result, session


def test_no_op_costs_one_request_and_changes_nothing(capsys):
    result, session = run(capsys, dict(email="jane@example.com", first_name="Jane", user_tags={"customer": "acme"}),
                          listing(stored_user()))
    assert session.summary() == [("GET", USERS, EMAIL_QUERY, None)]
    assert result["changed"] is False
    assert result["changed_fields"] == []
    assert result["experience_user"]["email"] == "jane@example.com"
    assert result["experience_user"]["user_tags"] == {"customer": "acme"}


def test_create_is_one_query_and_one_post_with_exactly_the_given_fields(capsys):
    created = stored_user(userTags={"costCenter": "42"}, experienceGroups=[])
    result, session = run(capsys, dict(email="jane@example.com", password=PASSWORD, first_name="Jane",
                                       last_name="Doe", user_tags={"costCenter": "42"}),
                          listing(), response(201, created))
    assert session.summary() == [
        ("GET", USERS, EMAIL_QUERY, None),
        ("POST", USERS, {}, {"email": "jane@example.com", "password": PASSWORD, "firstName": "Jane",
                             "lastName": "Doe", "userTags": {"costCenter": "42"}}),
    ]
    assert result["changed"] is True
    assert result["changed_fields"] == ["email", "password", "first_name", "last_name", "user_tags"]
    assert result["experience_user"]["id"] == UID
    assert result["experience_user"]["user_tags"] == {"costCenter": "42"}


def test_update_sends_one_patch_with_only_the_differences(capsys):
    updated = stored_user(lastName="Smith")
    result, session = run(capsys, dict(email="jane@example.com", first_name="Jane", last_name="Smith"),
                          listing(stored_user()), response(200, updated))
    assert session.summary() == [
        ("GET", USERS, EMAIL_QUERY, None),
        ("PATCH", "%s/%s" % (USERS, UID), {}, {"lastName": "Smith"}),
    ]
    assert result["changed"] is True and result["changed_fields"] == ["last_name"]
    assert result["experience_user"]["last_name"] == "Smith"


def test_lookup_by_id_wins_and_a_different_email_is_a_rename(capsys):
    result, session = run(capsys, dict(experience_user_id=UID, email="jane.doe@example.com"),
                          response(200, stored_user()), response(200, stored_user(email="jane.doe@example.com")))
    assert session.summary() == [
        ("GET", "%s/%s" % (USERS, UID), {}, None),
        ("PATCH", "%s/%s" % (USERS, UID), {}, {"email": "jane.doe@example.com"}),
    ]
    assert result["changed_fields"] == ["email"]


def test_unknown_id_fails_without_writing(capsys):
    result, session = run(capsys, dict(experience_user_id=UID, email="jane@example.com", password=PASSWORD),
                          response(404, {"type": "NotFound", "message": "Experience User was not found"}))
    assert result["failed"] is True
    assert "No experience user has experience_user_id %s" % UID in result["msg"]
    assert [call[0] for call in session.summary()] == ["GET"]


@pytest.mark.parametrize("args", [
    dict(purge_user_tags=True),
    dict(purge_experience_groups=True),
    dict(user_tags=None, purge_user_tags=True, experience_groups=None, purge_experience_groups=True),
])
def test_purge_options_leave_left_out_tags_and_groups_alone(capsys, args):
    result, session = run(capsys, dict(email="jane@example.com", **args), listing(stored_user()))
    assert session.summary() == [("GET", USERS, EMAIL_QUERY, None)]
    assert result["changed"] is False and result["changed_fields"] == []
    assert result["experience_user"]["user_tags"] == {"customer": "acme"}


def test_empty_user_tags_with_purge_clear_the_tags(capsys):
    result, session = run(capsys, dict(email="jane@example.com", user_tags={}, purge_user_tags=True),
                          listing(stored_user()), response(200, stored_user(userTags={})), diff=True)
    assert session.summary() == [
        ("GET", USERS, EMAIL_QUERY, None),
        ("PATCH", "%s/%s" % (USERS, UID), {}, {"userTags": {}}),
    ]
    assert result["changed_fields"] == ["user_tags"]
    assert result["diff"]["before"]["user_tags"] == {"customer": "acme"}
    assert result["diff"]["after"]["user_tags"] == {}


def test_empty_user_tags_without_purge_change_nothing(capsys):
    result, session = run(capsys, dict(email="jane@example.com", user_tags={}), listing(stored_user()))
    assert len(session.calls) == 1 and result["changed"] is False


def test_given_tags_with_purge_replace_the_tags(capsys):
    result, session = run(capsys, dict(email="jane@example.com", user_tags={"site": "north"}, purge_user_tags=True),
                          listing(stored_user()), response(200, stored_user(userTags={"site": "north"})))
    assert session.summary()[1] == ("PATCH", "%s/%s" % (USERS, UID), {}, {"userTags": {"site": "north"}})
    assert result["changed_fields"] == ["user_tags"]


def test_empty_groups_with_purge_leave_every_group(capsys):
    result, session = run(capsys, dict(email="jane@example.com", experience_groups=[], purge_experience_groups=True),
                          listing(stored_user()), response(200, stored_user(experienceGroups=[])))
    assert session.summary()[1] == ("PATCH", "%s/%s" % (USERS, UID), {}, {"experienceGroupIds": []})
    assert result["changed_fields"] == ["experience_groups"]


def test_group_names_cost_one_listing_and_join_the_current_groups(capsys):
    groups = [{"id": G1, "name": "Operators", "parentId": None}, {"id": G2, "name": "Viewers", "parentId": None}]
    after = stored_user(experienceGroups=groups)
    result, session = run(capsys, dict(email="jane@example.com", experience_groups=["Viewers"]),
                          listing(stored_user()), listing(*groups), response(200, after), diff=True)
    assert session.summary() == [
        ("GET", USERS, EMAIL_QUERY, None),
        ("GET", GROUPS_PATH, query_params(), None),
        ("PATCH", "%s/%s" % (USERS, UID), {}, {"experienceGroupIds": [G1, G2]}),
    ]
    assert result["diff"]["before"]["experience_groups"] == ["Operators"]
    assert result["diff"]["after"]["experience_groups"] == ["Operators", "Viewers"]


def test_group_ids_need_no_listing(capsys):
    result, session = run(capsys, dict(email="jane@example.com", experience_groups=[G1]), listing(stored_user()))
    assert len(session.calls) == 1 and result["changed"] is False


def test_groups_as_returned_are_taken_by_id_and_need_no_listing(capsys):
    returned = user_result(stored_user())["experience_groups"]
    result, session = run(capsys, dict(email="jane@example.com", experience_groups=returned,
                                       purge_experience_groups=True), listing(stored_user()))
    assert returned[0]["id"] == G1
    assert len(session.calls) == 1 and result["changed"] is False


def test_a_group_dict_without_an_id_is_refused_before_any_request(capsys):
    result, session = run(capsys, dict(email="jane@example.com", experience_groups=[{"name": "Operators"}]))
    assert result["failed"] is True
    assert result["msg"] == ("experience_groups entries must be group names, group ids or groups as experience_user "
                             "returns them (with an id), got {'name': 'Operators'}")
    assert session.calls == []


def test_unknown_group_fails_before_any_write(capsys):
    result, session = run(capsys, dict(email="jane@example.com", experience_groups=["Operatorz"]),
                          listing(stored_user()), listing({"id": G1, "name": "Operators", "parentId": None}))
    assert result["failed"] is True
    assert "no group named or with id 'Operatorz'; closest names: Operators" in result["msg"]
    assert [call[0] for call in session.summary()] == ["GET", "GET"]


def test_check_mode_reads_but_never_writes_and_predicts(capsys):
    result, session = run(capsys, dict(email="new@example.com", password=PASSWORD, user_tags={"a": "b"}),
                          response(200, {"items": [], "totalCount": 0}), check_mode=True, diff=True)
    assert [call[0] for call in session.summary()] == ["GET"]
    assert result["changed"] is True
    assert result["experience_user"] == {"email": "new@example.com", "user_tags": {"a": "b"},
                                         "password_last_updated": mock.ANY}
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["password"] == "<new password will be set>"


def test_password_rotation_is_due_once(capsys):
    args = dict(email="jane@example.com", password=PASSWORD, password_updated_after="2026-06-01T00:00:00Z")
    result, session = run(capsys, args, listing(stored_user()),
                          response(200, stored_user(passwordLastUpdated="2026-11-26T10:00:00.000Z")), diff=True)
    assert session.summary()[1] == ("PATCH", "%s/%s" % (USERS, UID), {}, {"password": PASSWORD})
    assert result["changed_fields"] == ["password"]
    assert result["diff"]["after"]["password"] == "<new password will be set>"
    result, session = run(capsys, args, listing(stored_user(passwordLastUpdated="2026-11-26T10:00:00.000Z")))
    assert result["changed"] is False and len(session.calls) == 1


def test_absent_deletes_an_existing_user_and_then_is_a_no_op(capsys):
    result, session = run(capsys, dict(email="jane@example.com", state="absent"),
                          listing(stored_user()), response(200, {"success": True}))
    assert session.summary()[1] == ("DELETE", "%s/%s" % (USERS, UID), {}, None)
    assert result["changed"] is True and result["experience_user"] == {}
    result, session = run(capsys, dict(email="jane@example.com", state="absent"), listing())
    assert result["changed"] is False and len(session.calls) == 1


def test_create_without_password_fails_before_writing(capsys):
    result, session = run(capsys, dict(email="new@example.com"), listing())
    assert result["failed"] is True
    assert "email and password are required to create the experience user new@example.com" == result["msg"]
    assert len(session.calls) == 1


@pytest.mark.parametrize("args,fragment", [
    (dict(email="jane@example.com", application_id="nope"), "application_id must be a Losant id"),
    (dict(email="jane@example.com", api_url="ftp://x"), "api_url must start with http"),
    (dict(email="bad", password="short"), "email must be an email address"),
    (dict(email="jane@example.com", user_tags={"a b": "c"}), "user_tags key 'a b' must match"),
    (dict(email="jane@example.com", password_updated_after="2026-06-01"), "missing parameter(s) required by"),
    (dict(email="jane@example.com", update_password="always"), "update_password is always but all of"),
    (dict(first_name="x"), "one of the following is required: email, experience_user_id"),
    (dict(email="jane@example.com", api_token="tok-from-a-file\n"), "api_token must be a non-empty token without"),
])
def test_bad_input_fails_before_any_request(capsys, args, fragment):
    result, session = run(capsys, args)
    assert result["failed"] is True
    assert fragment in result["msg"]
    assert session.calls == []


def test_a_user_created_by_another_run_since_the_lookup_is_taken_over_not_failed(capsys):
    # The lookup found nobody, the POST is refused: another run has just created the user. Converge on it.
    theirs = stored_user(firstName="Jane", lastName="Other")
    ours = stored_user(lastName="Doe")
    result, session = run(capsys, dict(email="jane@example.com", password=PASSWORD, first_name="Jane", last_name="Doe"),
                          listing(), response(400, {"type": "AlreadyExists", "message": "exists"}),
                          listing(theirs), response(200, ours))
    assert session.summary() == [
        ("GET", USERS, EMAIL_QUERY, None),
        ("POST", USERS, {}, {"email": "jane@example.com", "password": PASSWORD, "firstName": "Jane", "lastName": "Doe"}),
        ("GET", USERS, EMAIL_QUERY, None),
        ("PATCH", "%s/%s" % (USERS, UID), {}, {"lastName": "Doe"}),
    ]
    assert result["changed"] is True and result["changed_fields"] == ["last_name"]
    assert result["experience_user"]["last_name"] == "Doe"


def test_a_user_created_identically_by_another_run_is_no_change_of_this_run(capsys):
    result, session = run(capsys, dict(email="jane@example.com", password=PASSWORD, first_name="Jane"),
                          listing(), response(400, {"type": "AlreadyExists", "message": "exists"}), listing(stored_user()))
    assert [call[0] for call in session.summary()] == ["GET", "POST", "GET"]
    assert result["changed"] is False and result["experience_user"]["id"] == UID


def test_api_errors_name_method_path_status_and_type_never_the_token(capsys):
    message = "Email address \"jane@example.com\" already exists (token %s)" % TOKEN
    # After AlreadyExists the user is looked up once more (another run may have created it): not found here.
    result = run(capsys, dict(email="jane@example.com", password=PASSWORD),
                 listing(), response(400, {"type": "AlreadyExists", "message": message}), listing())[0]
    assert result["failed"] is True
    assert result["msg"].startswith("Losant API request POST /%s failed: HTTP 400 AlreadyExists: Email address" % USERS)
    assert result["status"] == 400 and result["error_type"] == "AlreadyExists"


def test_missing_requests_is_reported(capsys):
    with mock.patch.object(transport_module, "REQUESTS_IMPORT_ERROR", "Traceback: no requests"), \
            mock.patch("ansible_collections.losant.platform.plugins.module_utils._losant_module.REQUESTS_IMPORT_ERROR",
                       "Traceback: no requests"):
        result, session = run(capsys, dict(email="jane@example.com"))
    assert result["failed"] is True and "requests" in result["msg"]
    assert session.calls == []


def test_diff_shows_invalidate_tokens_when_tokens_are_cut(capsys):
    result, session = run(capsys, dict(email="jane@example.com", invalidate_tokens=True),
                          listing(stored_user()), check_mode=True, diff=True)
    assert result["changed"] is True and result["changed_fields"] == ["invalidate_tokens"]
    assert result["diff"]["after"]["invalidate_tokens"] is True
    assert "invalidate_tokens" not in result["diff"]["before"]
    assert [call[0] for call in session.summary()] == ["GET"]


def test_a_future_password_updated_after_warns(capsys):
    result = run(capsys, dict(email="jane@example.com", password=PASSWORD, password_updated_after="2999-01-01"),
                 listing(stored_user()), check_mode=True)[0]
    assert result["changed_fields"] == ["password"]
    assert any("password_updated_after 2999-01-01 is in the future" in text for text in warning_texts(result))


# ------------------------------------------------------------------ state=suspended

SUSPENDED_USER = stored_user(userTags={"customer": "acme", "suspended_at": "2026-10-01T08:00:00.000Z"},
                             experienceGroups=[])


def echo_password(call):
    """A PATCH answered by a 400 that echoes the password it was sent."""
    return response(400, {"type": "Validation", "message": "password %s refused" % call["body"]["password"]})


def test_suspend_is_one_lookup_and_one_patch_and_the_password_appears_nowhere(capsys):
    def answer(call):
        suspended = dict(call["body"])
        return response(200, stored_user(userTags=suspended["userTags"], experienceGroups=[],
                                         tokenCutoff=suspended["tokenCutoff"]))

    result, session = run(capsys, dict(email="jane@example.com", state="suspended"), listing(stored_user()), answer,
                          diff=True)
    (lookup, patch) = session.summary()
    assert lookup == ("GET", USERS, EMAIL_QUERY, None)
    body = patch[3]
    assert patch[:2] == ("PATCH", "%s/%s" % (USERS, UID))
    assert sorted(body) == ["experienceGroupIds", "password", "tokenCutoff", "userTags"]
    assert body["experienceGroupIds"] == []
    assert body["userTags"] == {"customer": "acme", "suspended_at": body["tokenCutoff"]}
    assert len(body["password"]) >= 64
    assert body["password"] not in json.dumps(result)
    assert result["changed"] is True
    assert result["changed_fields"] == ["experience_groups", "invalidate_tokens", "password", "user_tags"]
    assert result["diff"]["after"]["password"] == "<new password will be set>"
    assert result["experience_user"]["user_tags"]["suspended_at"] == body["tokenCutoff"]


def test_a_suspended_user_costs_one_request_and_no_write(capsys):
    result, session = run(capsys, dict(email="jane@example.com", state="suspended"), listing(SUSPENDED_USER))
    assert session.summary() == [("GET", USERS, EMAIL_QUERY, None)]
    assert result["changed"] is False and result["changed_fields"] == []


def test_suspend_in_check_mode_writes_nothing_and_shows_the_plan(capsys):
    result, session = run(capsys, dict(email="jane@example.com", state="suspended"), listing(stored_user()),
                          check_mode=True, diff=True)
    assert [call[0] for call in session.summary()] == ["GET"]
    assert result["changed"] is True
    assert result["experience_user"]["experience_groups"] == []
    assert "suspended_at" in result["experience_user"]["user_tags"]
    assert result["diff"]["before"]["experience_groups"] == ["Operators"]


def test_an_error_echoing_the_random_password_is_redacted(capsys):
    result, session = run(capsys, dict(email="jane@example.com", state="suspended"), listing(stored_user()),
                          echo_password)
    sent = session.summary()[1][3]["password"]
    assert result["failed"] is True
    assert sent not in json.dumps(result)
    assert "password" in result["msg"] and "refused" in result["msg"]


def test_present_with_a_password_brings_the_user_back(capsys):
    result, session = run(capsys, dict(email="jane@example.com", password=PASSWORD),
                          listing(SUSPENDED_USER), response(200, stored_user(experienceGroups=[])))
    assert session.summary()[1] == ("PATCH", "%s/%s" % (USERS, UID), {},
                                    {"userTags": {"customer": "acme"}, "password": PASSWORD})
    assert result["changed_fields"] == ["user_tags", "password"]


def test_suspend_refuses_other_options_before_any_request(capsys):
    result, session = run(capsys, dict(email="jane@example.com", state="suspended", password=PASSWORD,
                                       experience_groups=["Operators"]))
    assert session.summary() == []
    assert result["failed"] is True
    assert "leave out password, experience_groups" in result["msg"]


def test_suspending_a_user_that_does_not_exist_warns_and_changes_nothing(capsys):
    result, session = run(capsys, dict(email="jane@example.com", state="suspended"), listing())
    assert result["changed"] is False
    assert warning_texts(result) == ["No experience user has email jane@example.com: nothing to suspend"]


def test_a_patch_whose_answer_is_lost_is_read_back_and_reported_as_the_change_it_made(capsys):
    renamed = stored_user(lastName="Smith")
    result, session = run(capsys, dict(email="jane@example.com", last_name="Smith"),
                          listing(stored_user()), requests.exceptions.ReadTimeout("read timed out"),
                          response(200, renamed))
    assert [(method, path) for method, path, dummy, dummy2 in session.summary()] == [
        ("GET", USERS), ("PATCH", USERS + "/" + UID), ("GET", USERS + "/" + UID)]
    assert result["changed"] is True and result["changed_fields"] == ["last_name"]
    assert result["experience_user"]["last_name"] == "Smith"


def test_a_write_that_may_or_may_not_have_landed_fails_as_changed(capsys):
    lost = requests.exceptions.ReadTimeout("read timed out")
    result, session = run(capsys, dict(email="jane@example.com", last_name="Smith", retries=1),
                          listing(stored_user()), lost, response(200, stored_user()), lost, response(200, stored_user()))
    assert result["failed"] is True and result["changed"] is True
    assert "the write may or may not have landed" in result["msg"]


def test_groups_given_back_to_a_suspended_user_without_a_password_warn(capsys):
    suspended = stored_user(userTags={"suspended_at": "2026-01-01T00:00:00.000Z"}, experienceGroups=[])
    result, session = run(capsys, dict(email="jane@example.com", experience_groups=[G1]),
                          listing(suspended), response(200, dict(suspended, experienceGroups=[
                              {"id": G1, "name": "Operators", "parentId": None}])))
    assert result["changed"] is True
    assert warning_texts(result) == ["The user is suspended (user tag suspended_at): this puts it back in groups, but "
                                     "it still cannot sign in; give it a password to bring it back"]


def test_a_delete_goes_only_to_the_user_of_exactly_the_email_given(capsys):
    # A lookup answered with another user (a server that ignored the query) deletes nothing.
    result, session = run(capsys, dict(email="jane@example.com", state="absent"),
                          listing(stored_user(email="jane@example.com.evil")))
    assert [call[0] for call in session.summary()] == ["GET"]
    assert result["changed"] is False
