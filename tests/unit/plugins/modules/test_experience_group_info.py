"""main() of experience_group_info with the HTTP transport replaced: the exact
requests sent, and the JSON the module exits with."""

import pytest

from ansible_collections.losant.platform.plugins.modules import experience_group_info
from ansible_collections.losant.platform.tests.unit.helpers.fake_transport import RoutedSession, listing_answer, response
from ansible_collections.losant.platform.tests.unit.helpers.module_runner import GROUPS, listing, query_params, run_main

ROOT = "aaaaaaaaaaaaaaaaaaaaaaa1"
CHILD = "aaaaaaaaaaaaaaaaaaaaaaa2"
OTHER = "aaaaaaaaaaaaaaaaaaaaaaa4"
USER = "bbbbbbbbbbbbbbbbbbbbbbb1"


def group(group_id, name, parent=None, ancestors=(), **fields):
    found = {"id": group_id, "experienceGroupId": group_id, "name": name, "parentId": parent,
             "ancestorIds": list(ancestors), "groupTags": {}, "experienceUserIds": []}
    found.update(fields)
    return found


ACME = group(ROOT, "Acme", groupTags={"costCenter": "7"})
OPERATORS = group(CHILD, "Acme Operators", ROOT, [ROOT], experienceUserIds=[USER])
VIEWERS = group(OTHER, "Viewers")


def run(capsys, args, *answers, **kwargs):
    return run_main(capsys, experience_group_info, args, *answers, **kwargs)


def test_by_id_is_one_get_with_members_and_parent(capsys):
    result, session = run(capsys, dict(experience_group_id=CHILD), response(200, OPERATORS))
    assert session.summary() == [("GET", "%s/%s" % (GROUPS, CHILD), {}, None)]
    assert result["changed"] is False
    assert result["experience_groups"] == [{
        "id": CHILD, "experience_group_id": CHILD, "name": "Acme Operators", "parent_id": ROOT,
        "ancestor_ids": [ROOT], "group_tags": {}, "experience_user_ids": [USER],
        "devices": [], "device_tags": [], "device_query": {}, "endpoints": []}]


def test_an_unknown_id_is_an_empty_list(capsys):
    result = run(capsys, dict(experience_group_id=CHILD), response(404, {"type": "NotFound", "message": "Experience Group was not found"}))[0]
    assert result["changed"] is False and result["experience_groups"] == []


def test_by_exact_name_letter_case_counts(capsys):
    # Whatever the server answers, only the exact name is kept.
    result, session = run(capsys, dict(name="Acme"), listing(ACME, group(OTHER, "ACME")))
    assert session.summary() == [("GET", GROUPS, query_params('{"name":"Acme"}'), None)]
    assert [found["id"] for found in result["experience_groups"]] == [ROOT]
    assert result["experience_groups"][0]["group_tags"] == {"costCenter": "7"}


def test_by_name_pattern_narrows_in_the_query_and_checks_the_glob(capsys):
    result, session = run(capsys, dict(name_pattern="acme*s"),
                          listing(OPERATORS, group(OTHER, "Acme Viewers"), group(ROOT, "Acme ops staff")))
    assert session.summary() == [
        ("GET", GROUPS, query_params('{"name":{"$ci":true,"$endsWith":"s","$startsWith":"acme"}}'), None)]
    assert [found["name"] for found in result["experience_groups"]] == ["Acme Operators", "Acme Viewers"]


@pytest.mark.parametrize("args", [{}, dict(name_pattern="*")])
def test_all_groups_read_every_page_and_sort_by_name(capsys, args):
    everyone = [group("%024x" % number, "Group %04d" % (1205 - number)) for number in range(1205)]
    session = RoutedSession(lambda call: listing_answer(everyone, call["params"], page_cap=1000))
    result = run_main(capsys, experience_group_info, args, session=session)[0]
    assert session.summary_set() == [("GET", GROUPS, query_params(page=0), None),
                                     ("GET", GROUPS, query_params(page=1), None)]
    names = [found["name"] for found in result["experience_groups"]]
    assert len(names) == 1205 and names == sorted(names)


@pytest.mark.parametrize("workers", [1, 3])
def test_paging_follows_the_page_size_the_server_answers_with(capsys, workers):
    session = RoutedSession(lambda call: listing_answer([ACME, OPERATORS, VIEWERS], call["params"], page_cap=1))
    result = run_main(capsys, experience_group_info, dict(workers=workers), session=session)[0]
    assert session.summary_set() == [("GET", GROUPS, query_params(page=0), None)] + [
        ("GET", GROUPS, query_params(page=page, per_page=1), None) for page in (1, 2)]
    assert [found["name"] for found in result["experience_groups"]] == ["Acme", "Acme Operators", "Viewers"]


def test_workers_below_one_fail_before_any_request(capsys):
    result, session = run(capsys, dict(workers=0))
    assert result["failed"] is True and result["msg"] == "workers must be 1 or more, got 0"
    assert session.calls == []


def test_check_mode_reads_the_same(capsys):
    result, session = run(capsys, dict(name="Viewers"), listing(VIEWERS), check_mode=True)
    assert len(session.calls) == 1
    assert result["changed"] is False and result["experience_groups"][0]["id"] == OTHER


@pytest.mark.parametrize("args,fragment", [
    (dict(name="Acme", name_pattern="A*"), "parameters are mutually exclusive: experience_group_id|name|name_pattern"),
    (dict(experience_group_id=CHILD, name="Acme"), "parameters are mutually exclusive"),
    (dict(experience_group_id="nope"), "experience_group_id must be a Losant id"),
])
def test_bad_input_fails_before_any_request(capsys, args, fragment):
    result, session = run(capsys, args)
    assert result["failed"] is True
    assert fragment in result["msg"]
    assert session.calls == []


def test_api_errors_fail_with_status_and_type(capsys):
    result = run(capsys, {}, response(403, {"type": "Forbidden", "message": "Token lacks the required scope"}))[0]
    assert result["failed"] is True
    assert result["msg"] == ("Losant API request GET /%s failed: HTTP 403 Forbidden: Token lacks the required scope; "
                             "the API token lacks the scope (permission) this request needs, or access to this "
                             "application" % GROUPS)
    assert result["status"] == 403
