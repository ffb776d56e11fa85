"""Check mode across tasks: a user task naming a group that an earlier task of
the same run would create warns and plans, in check mode only; without check
mode the unknown group still fails. (experience_group's and experience_groups'
own parents: test_experience_group_access.py, test_experience_groups.py.)"""

import json

from ansible_collections.losant.platform.plugins.modules import experience_user, experience_users
from ansible_collections.losant.platform.tests.unit.helpers.module_runner import (
    GROUPS,
    USERS,
    listing,
    query_params,
    run_main,
    warning_texts,
)

OPS = "aaaaaaaaaaaaaaaaaaaaaaa1"
TWIN_A = "aaaaaaaaaaaaaaaaaaaaaaa2"
TWIN_B = "aaaaaaaaaaaaaaaaaaaaaaa3"
USER_ID = "bbbbbbbbbbbbbbbbbbbbbbb1"
PASSWORD = "Check-Mode-Passw0rd"
GROUP_LIST = listing({"id": OPS, "name": "Operators", "parentId": None}, {"id": TWIN_A, "name": "Twin"},
                     {"id": TWIN_B, "name": "Twin"})
JANE = {"id": USER_ID, "email": "jane@acme.example.com", "userTags": {}, "experienceGroups": []}


def by_email(email):
    return ("GET", USERS, query_params('{"email":{"$ci":true,"$eq":"%s"}}' % email), None)


def test_experience_user_plans_a_new_user_in_a_group_an_earlier_task_would_create(capsys):
    args = dict(email="new@acme.example.com", password=PASSWORD, experience_groups=["Acme Operators", "Operators"])
    result, session = run_main(capsys, experience_user, args, listing(), GROUP_LIST, check_mode=True, diff=True)
    assert session.summary() == [by_email("new@acme.example.com"), ("GET", GROUPS, query_params(), None)]
    assert result["changed"] is True
    assert result["experience_user"]["experience_groups"] == [
        {"id": None, "name": "Acme Operators", "parent_id": None}, {"id": OPS, "name": "Operators", "parent_id": None}]
    assert result["diff"]["after"]["experience_groups"] == ["Acme Operators", "Operators"]
    assert warning_texts(result) == ["experience_groups: no group is named 'Acme Operators' yet; check mode assumes an "
                                     "earlier task of this run creates it (without check mode this fails)"]
    assert PASSWORD not in json.dumps(result)


def test_experience_user_adding_a_planned_group_to_an_existing_user_is_a_change(capsys):
    result = run_main(capsys, experience_user, dict(email=JANE["email"], experience_groups=["Acme Night Shift"]),
                      listing(JANE), GROUP_LIST, check_mode=True)[0]
    assert result["changed"] is True and result["changed_fields"] == ["experience_groups"]


def test_experience_user_without_check_mode_an_unknown_group_fails_and_an_ambiguous_one_always(capsys):
    result, session = run_main(capsys, experience_user, dict(email=JANE["email"], experience_groups=["Acme"]),
                               listing(JANE), GROUP_LIST)
    assert len(session.calls) == 2 and result["failed"] is True
    assert result["msg"].startswith("experience_groups: no group named or with id 'Acme'")
    result = run_main(capsys, experience_user, dict(email=JANE["email"], experience_groups=["Twin"]),
                      listing(JANE), GROUP_LIST, check_mode=True)[0]
    assert result["failed"] is True and "the name 'Twin' is ambiguous" in result["msg"]


def test_experience_users_plans_each_entry_and_warns_naming_it(capsys):
    config = [{"email": "a@acme.example.com", "password": PASSWORD, "experience_groups": ["Acme", "Operators"]},
              {"email": JANE["email"], "experience_groups": ["Acme Viewers"]}]
    result, session = run_main(capsys, experience_users, dict(config=config, workers=1),
                               listing(JANE), GROUP_LIST, check_mode=True, diff=True)
    assert [call[0] for call in session.summary()] == ["GET", "GET"]
    assert result["created"] == ["a@acme.example.com"] and result["updated"] == [JANE["email"]]
    assert result["diff"][0]["after"]["experience_groups"] == ["Acme", "Operators"]
    assert warning_texts(result) == [
        "config[0] (a@acme.example.com): experience_groups: no group is named 'Acme' yet; check mode assumes an "
        "earlier task of this run creates it (without check mode this fails)",
        "config[1] (jane@acme.example.com): experience_groups: no group is named 'Acme Viewers' yet; check mode "
        "assumes an earlier task of this run creates it (without check mode this fails)"]


def test_experience_users_without_check_mode_still_fails_before_any_write(capsys):
    config = [{"email": JANE["email"], "experience_groups": ["Acme Viewers"]}]
    result, session = run_main(capsys, experience_users, dict(config=config, workers=1), listing(JANE), GROUP_LIST)
    assert [call[0] for call in session.summary()] == ["GET", "GET"]
    assert result["failed"] is True
    assert result["msg"].startswith("config[0] (jane@acme.example.com): experience_groups: no group named or with id "
                                    "'Acme Viewers'")
