"""main() of experience_group with the HTTP transport replaced: the exact
requests sent, and the JSON the module exits with."""

import pytest

from ansible_collections.losant.platform.plugins.modules import experience_group
from ansible_collections.losant.platform.tests.unit.helpers.fake_transport import response
from ansible_collections.losant.platform.tests.unit.helpers.module_runner import GROUPS, listing, query_params, run_main

ROOT = "aaaaaaaaaaaaaaaaaaaaaaa1"
CHILD = "aaaaaaaaaaaaaaaaaaaaaaa2"
GRANDCHILD = "aaaaaaaaaaaaaaaaaaaaaaa3"
OTHER = "aaaaaaaaaaaaaaaaaaaaaaa4"
TWIN = "aaaaaaaaaaaaaaaaaaaaaaa5"
USER = "bbbbbbbbbbbbbbbbbbbbbbb1"
WHEN = "2026-11-26T17:38:35.123Z"


def group(group_id, name, parent=None, ancestors=(), **fields):
    found = {"id": group_id, "experienceGroupId": group_id, "name": name, "parentId": parent,
             "ancestorIds": list(ancestors), "groupTags": {}, "experienceUserIds": [],
             "creationDate": WHEN, "lastUpdated": WHEN}
    found.update(fields)
    return found


ACME = group(ROOT, "Acme", description="Everyone at Acme", groupTags={"customer": "acme"})
OPERATORS = group(CHILD, "Acme Operators", ROOT, [ROOT], experienceUserIds=[USER])
NIGHT = group(GRANDCHILD, "Night Shift", CHILD, [ROOT, CHILD])
VIEWERS = group(OTHER, "Viewers")


def run(capsys, args, *answers, **kwargs):
    return run_main(capsys, experience_group, args, *answers, **kwargs)


def lookup(query_json):
    return ("GET", GROUPS, query_params(query_json), None)


def one(group_id):
    return "%s/%s" % (GROUPS, group_id)


# What a returned group that grants nothing carries, in the shape of the access options.
NO_GRANTS = {"devices": [], "device_tags": [], "device_query": {}, "endpoints": []}


# ------------------------------------------------------------------ present

def test_no_op_costs_one_request(capsys):
    result, session = run(capsys, dict(name="Acme", description="Everyone at Acme", group_tags={"customer": "acme"}),
                          listing(ACME))
    assert session.summary() == [lookup('{"name":"Acme"}')]
    assert result["changed"] is False and result["changed_fields"] == []
    assert result["experience_group"]["id"] == ROOT
    assert result["experience_group"]["group_tags"] == {"customer": "acme"}
    assert result["experience_group"]["parent_id"] is None
    assert "diff" not in result


def test_create_top_level_is_one_lookup_and_one_post(capsys):
    result, session = run(capsys, dict(name="Acme", description="Everyone at Acme", group_tags={"customer": "acme"}),
                          listing(), response(201, ACME), diff=True)
    assert session.summary() == [
        lookup('{"name":"Acme"}'),
        ("POST", GROUPS, {}, {"name": "Acme", "description": "Everyone at Acme", "groupTags": {"customer": "acme"}}),
    ]
    assert result["changed"] is True
    assert result["changed_fields"] == ["name", "description", "group_tags"]
    assert result["experience_group"] == {
        "id": ROOT, "experience_group_id": ROOT, "name": "Acme", "description": "Everyone at Acme",
        "parent_id": None, "ancestor_ids": [], "group_tags": {"customer": "acme"}, "experience_user_ids": [],
        "creation_date": WHEN, "last_updated": WHEN, **NO_GRANTS}
    assert result["diff"] == {"before": {}, "after": {"name": "Acme", "description": "Everyone at Acme",
                                                      "parent": None, "group_tags": {"customer": "acme"}}}


def test_create_a_child_by_parent_name_finds_both_in_one_request(capsys):
    created = group(CHILD, "Acme Operators", ROOT, [ROOT])
    result, session = run(capsys, dict(name="Acme Operators", parent="Acme"),
                          listing(ACME), response(201, created), diff=True)
    assert session.summary() == [
        lookup('{"$or":[{"name":"Acme Operators"},{"name":"Acme"}]}'),
        ("POST", GROUPS, {}, {"name": "Acme Operators", "parentId": ROOT}),
    ]
    assert result["changed_fields"] == ["name", "parent"]
    assert result["experience_group"]["parent_id"] == ROOT
    assert result["diff"]["after"]["parent"] == "Acme"


def test_create_a_child_by_parent_id(capsys):
    created = group(CHILD, "Acme Operators", ROOT, [ROOT])
    result, session = run(capsys, dict(name="Acme Operators", parent=ROOT), listing(ACME), response(201, created))
    assert session.summary() == [
        lookup('{"$or":[{"name":"Acme Operators"},{"id":"%s"}]}' % ROOT),
        ("POST", GROUPS, {}, {"name": "Acme Operators", "parentId": ROOT}),
    ]
    assert result["changed"] is True


def test_a_create_whose_answer_is_lost_is_found_not_repeated(capsys):
    result, session = run(capsys, dict(name="Acme"), listing(), response(502, {"type": "BadGateway", "message": "x"}),
                          listing(ACME))
    assert session.summary() == [
        lookup('{"name":"Acme"}'),
        ("POST", GROUPS, {}, {"name": "Acme"}),
        lookup('{"name":"Acme"}'),
    ]
    assert result["changed"] is True and result["experience_group"]["id"] == ROOT


def test_update_sends_one_patch_with_only_the_differences(capsys):
    updated = dict(ACME, description="All of Acme", groupTags={"customer": "acme", "site": "north"})
    result, session = run(capsys, dict(name="Acme", description="All of Acme", group_tags={"site": "north"}),
                          listing(ACME), response(200, updated), diff=True)
    assert session.summary() == [
        lookup('{"name":"Acme"}'),
        ("PATCH", one(ROOT), {}, {"description": "All of Acme", "groupTags": {"customer": "acme", "site": "north"}}),
    ]
    assert result["changed_fields"] == ["description", "group_tags"]
    assert result["diff"]["before"]["description"] == "Everyone at Acme"
    assert result["diff"]["after"]["group_tags"] == {"customer": "acme", "site": "north"}


def test_rename_by_id(capsys):
    renamed = dict(OPERATORS, name="Acme Field Operators")
    result, session = run(capsys, dict(experience_group_id=CHILD, name="Acme Field Operators"),
                          listing(OPERATORS), response(200, renamed))
    assert session.summary() == [
        lookup('{"id":"%s"}' % CHILD),
        ("PATCH", one(CHILD), {}, {"name": "Acme Field Operators"}),
    ]
    assert result["changed_fields"] == ["name"]
    assert result["experience_group"]["name"] == "Acme Field Operators"


def test_an_id_in_upper_case_finds_the_group(capsys):
    result, session = run(capsys, dict(experience_group_id=CHILD.upper(), name="Acme Operators"), listing(OPERATORS))
    assert session.summary() == [lookup('{"id":"%s"}' % CHILD.upper())]
    assert result["changed"] is False


def test_parent_empty_string_moves_the_group_to_the_top_level(capsys):
    moved = dict(OPERATORS, parentId=None, ancestorIds=[])
    result, session = run(capsys, dict(name="Acme Operators", parent=""),
                          listing(OPERATORS), response(200, ACME), response(200, moved), diff=True)
    assert session.summary() == [lookup('{"name":"Acme Operators"}'),
                                 ("GET", one(ROOT), {}, None),
                                 ("PATCH", one(CHILD), {}, {"parentId": None})]
    assert result["changed_fields"] == ["parent"]
    assert result["diff"]["before"]["parent"] == "Acme"
    assert result["diff"]["after"]["parent"] is None
    assert result["experience_group"]["ancestor_ids"] == []


@pytest.mark.parametrize("args", [dict(), dict(parent=None)])
def test_parent_left_out_or_null_leaves_the_group_where_it_is(capsys, args):
    result, session = run(capsys, dict(name="Acme Operators", description="ops", **args),
                          listing(OPERATORS), response(200, dict(OPERATORS, description="ops")))
    assert session.summary() == [lookup('{"name":"Acme Operators"}'),
                                 ("PATCH", one(CHILD), {}, {"description": "ops"})]
    assert result["changed_fields"] == ["description"]
    assert result["experience_group"]["parent_id"] == ROOT


def test_parent_empty_string_on_a_top_level_group_is_no_change(capsys):
    result, session = run(capsys, dict(name="Acme", parent=""), listing(ACME))
    assert session.summary() == [lookup('{"name":"Acme"}')]
    assert result["changed"] is False


def test_parent_empty_string_creates_a_top_level_group(capsys):
    result, session = run(capsys, dict(name="Acme", parent=""), listing(), response(201, ACME))
    assert session.summary() == [lookup('{"name":"Acme"}'), ("POST", GROUPS, {}, {"name": "Acme"})]
    assert result["changed"] is True and result["changed_fields"] == ["name"]


def test_moving_under_another_parent(capsys):
    moved = dict(NIGHT, parentId=OTHER, ancestorIds=[OTHER])
    result, session = run(capsys, dict(name="Night Shift", parent="Viewers"),
                          listing(NIGHT, VIEWERS), response(200, OPERATORS), response(200, moved), diff=True)
    assert session.summary()[1:] == [("GET", one(CHILD), {}, None),
                                     ("PATCH", one(GRANDCHILD), {}, {"parentId": OTHER})]
    assert result["diff"]["before"]["parent"] == "Acme Operators"
    assert result["diff"]["after"]["parent"] == "Viewers"


def test_without_diff_mode_a_move_costs_no_lookup_of_the_old_parent(capsys):
    moved = dict(NIGHT, parentId=OTHER, ancestorIds=[OTHER])
    result, session = run(capsys, dict(name="Night Shift", parent="Viewers"),
                          listing(NIGHT, VIEWERS), response(200, moved))
    assert [call[0] for call in session.summary()] == ["GET", "PATCH"]
    assert "diff" not in result
    assert result["experience_group"]["ancestor_ids"] == [OTHER]


def test_empty_group_tags_with_purge_clear_the_tags(capsys):
    result, session = run(capsys, dict(name="Acme", group_tags={}, purge_group_tags=True), listing(ACME),
                          response(200, dict(ACME, groupTags={})))
    assert session.summary() == [lookup('{"name":"Acme"}'), ("PATCH", one(ROOT), {}, {"groupTags": {}})]
    assert result["changed_fields"] == ["group_tags"]
    assert result["experience_group"]["group_tags"] == {}


def test_purge_group_tags_with_group_tags_left_out_leaves_the_tags_alone(capsys):
    result, session = run(capsys, dict(name="Acme", purge_group_tags=True), listing(ACME))
    assert session.summary() == [lookup('{"name":"Acme"}')]
    assert result["changed"] is False
    assert result["experience_group"]["group_tags"] == {"customer": "acme"}


def test_given_group_tags_with_purge_replace_the_tags(capsys):
    result, session = run(capsys, dict(name="Acme", group_tags={"site": "north"}, purge_group_tags=True),
                          listing(ACME), response(200, dict(ACME, groupTags={"site": "north"})))
    assert session.summary()[1] == ("PATCH", one(ROOT), {}, {"groupTags": {"site": "north"}})
    assert result["changed_fields"] == ["group_tags"]


def test_empty_group_tags_without_purge_change_nothing(capsys):
    result, session = run(capsys, dict(name="Acme", group_tags={}), listing(ACME))
    assert len(session.calls) == 1 and result["changed"] is False


# ------------------------------------------------------------------ refusals

def test_two_groups_with_the_name_fail_listing_their_ids(capsys):
    result, session = run(capsys, dict(name="Acme", description="x"), listing(ACME, group(TWIN, "Acme")))
    assert result["failed"] is True
    assert result["msg"] == ("2 experience groups are named 'Acme' (ids %s, %s); give experience_group_id "
                             "to choose one" % (ROOT, TWIN))
    assert len(session.calls) == 1


def test_an_id_chooses_among_groups_with_the_same_name(capsys):
    result, session = run(capsys, dict(experience_group_id=TWIN, name="Acme", description="x"),
                          listing(group(TWIN, "Acme")), response(200, group(TWIN, "Acme", description="x")))
    assert session.summary()[1] == ("PATCH", one(TWIN), {}, {"description": "x"})
    assert result["changed"] is True


def test_unknown_parent_fails_before_any_write(capsys):
    result, session = run(capsys, dict(name="Acme Operators", parent="Acne"), listing(OPERATORS))
    assert result["failed"] is True
    assert result["msg"] == "parent: no experience group named or with id 'Acne'"
    assert len(session.calls) == 1


def test_a_descendant_as_parent_is_refused(capsys):
    result, session = run(capsys, dict(name="Acme", parent="Night Shift"), listing(ACME, NIGHT))
    assert result["failed"] is True
    assert result["msg"] == "parent: 'Night Shift' is the group itself or one of its descendants"
    assert len(session.calls) == 1


def test_unknown_id_fails_without_writing(capsys):
    result, session = run(capsys, dict(experience_group_id=TWIN, name="Acme"), listing())
    assert result["failed"] is True
    assert result["msg"] == ("No experience group has experience_group_id %s; leave experience_group_id out "
                             "to create a group by name" % TWIN)
    assert len(session.calls) == 1


@pytest.mark.parametrize("args,fragment", [
    (dict(description="x"), "one of the following is required: name, experience_group_id"),
    (dict(name=""), "name must be 1 to 255 characters long"),
    (dict(name="Acme", experience_group_id="123"), "experience_group_id must be a Losant id"),
    (dict(name="Acme", group_tags={"bad key": "v"}), "group_tags key 'bad key' must match"),
    (dict(name="Acme", state="gone"), "value of state must be one of: present, absent"),
    (dict(name="Acme", application_id="nope"), "application_id must be a Losant id"),
])
def test_bad_input_fails_before_any_request(capsys, args, fragment):
    result, session = run(capsys, args)
    assert result["failed"] is True
    assert fragment in result["msg"]
    assert session.calls == []


def test_api_errors_name_method_path_status_and_type(capsys):
    result = run(capsys, dict(name="Acme"), listing(),
                 response(400, {"type": "Validation", "message": "name must not be empty"}))[0]
    assert result["failed"] is True
    assert result["msg"] == ("Losant API request POST /%s failed: HTTP 400 Validation: name must not be empty"
                             % GROUPS)
    assert result["status"] == 400 and result["error_type"] == "Validation"


# ------------------------------------------------------------------ check mode

def test_check_mode_reads_but_never_writes_and_predicts_a_new_group(capsys):
    result, session = run(capsys, dict(name="Acme Operators", parent="Acme", group_tags={"a": "b"}),
                          listing(ACME), check_mode=True, diff=True)
    assert len(session.calls) == 1
    assert result["changed"] is True
    assert result["changed_fields"] == ["name", "parent", "group_tags"]
    assert result["experience_group"] == {"name": "Acme Operators", "parent_id": ROOT, "ancestor_ids": [ROOT],
                                          "group_tags": {"a": "b"}, **NO_GRANTS}
    assert result["diff"] == {"before": {}, "after": {"name": "Acme Operators", "description": "",
                                                      "parent": "Acme", "group_tags": {"a": "b"}}}


def test_check_mode_predicts_a_new_top_level_group_like_a_created_one(capsys):
    result = run(capsys, dict(name="Acme"), listing(), check_mode=True)[0]
    assert result["experience_group"] == {"name": "Acme", "parent_id": None, "ancestor_ids": [], "group_tags": {},
                                          **NO_GRANTS}


def test_check_mode_predicts_an_update(capsys):
    result, session = run(capsys, dict(name="Acme", group_tags={"customer": None}), listing(ACME), check_mode=True)
    assert len(session.calls) == 1
    assert result["changed_fields"] == ["group_tags"]
    assert result["experience_group"]["group_tags"] == {}
    assert result["experience_group"]["id"] == ROOT


# ------------------------------------------------------------------ absent

def test_absent_deletes_a_leaf_group_and_then_is_a_no_op(capsys):
    result, session = run(capsys, dict(name="Night Shift", state="absent"),
                          listing(NIGHT), listing(), response(200, OPERATORS), response(200, {"success": True}),
                          diff=True)
    assert session.summary() == [
        lookup('{"name":"Night Shift"}'),
        ("GET", GROUPS, query_params('{"ancestorId":"%s"}' % GRANDCHILD), None),
        ("GET", one(CHILD), {}, None),  # in diff mode only: the parent's name
        ("DELETE", one(GRANDCHILD), {}, None),
    ]
    assert result["changed"] is True and result["experience_group"] == {}
    assert result["deleted_groups"] == [{"id": GRANDCHILD, "name": "Night Shift"}]
    assert result["diff"] == {"before": {"name": "Night Shift", "description": "", "parent": "Acme Operators",
                                         "group_tags": {}}, "after": {}}
    result, session = run(capsys, dict(name="Night Shift", state="absent"), listing())
    assert result["changed"] is False and result["deleted_groups"] == [] and len(session.calls) == 1


def test_absent_ignores_the_parent_option(capsys):
    result, session = run(capsys, dict(name="Night Shift", parent="Somewhere", state="absent"), listing())
    assert session.summary() == [lookup('{"name":"Night Shift"}')]
    assert result["changed"] is False


def test_deleting_a_group_with_children_fails_naming_them(capsys):
    result, session = run(capsys, dict(name="Acme", state="absent"), listing(ACME), listing(OPERATORS, NIGHT))
    assert result["failed"] is True
    assert result["msg"] == ("experience group 'Acme' (%s) has descendant groups: Acme Operators (%s), "
                             "Night Shift (%s); set delete_descendants=true to delete them too (their users "
                             "are kept)" % (ROOT, CHILD, GRANDCHILD))
    assert [call[0] for call in session.summary()] == ["GET", "GET"]


def test_delete_descendants_deletes_deepest_first(capsys):
    ok = response(200, {"success": True})
    result, session = run(capsys, dict(name="Acme", state="absent", delete_descendants=True),
                          listing(ACME), listing(OPERATORS, NIGHT), ok, ok, ok)
    assert session.summary()[2:] == [("DELETE", one(GRANDCHILD), {}, None), ("DELETE", one(CHILD), {}, None),
                                     ("DELETE", one(ROOT), {}, None)]
    assert result["deleted_groups"] == [{"id": GRANDCHILD, "name": "Night Shift"},
                                        {"id": CHILD, "name": "Acme Operators"}, {"id": ROOT, "name": "Acme"}]


def test_check_mode_delete_reports_the_groups_and_deletes_nothing(capsys):
    result, session = run(capsys, dict(name="Acme", state="absent", delete_descendants=True),
                          listing(ACME), listing(OPERATORS), check_mode=True)
    assert [call[0] for call in session.summary()] == ["GET", "GET"]
    assert result["changed"] is True
    assert result["deleted_groups"] == [{"id": CHILD, "name": "Acme Operators"}, {"id": ROOT, "name": "Acme"}]


def test_a_group_deleted_meanwhile_is_fine(capsys):
    result, session = run(capsys, dict(experience_group_id=GRANDCHILD, state="absent"),
                          listing(NIGHT), listing(),
                          response(404, {"type": "NotFound", "message": "Experience Group was not found"}))
    assert result["changed"] is True and len(session.calls) == 3


def test_a_delete_against_an_unknown_application_fails_and_claims_nothing(capsys):
    result, session = run(capsys, dict(experience_group_id=GRANDCHILD, state="absent"),
                          listing(NIGHT), listing(),
                          response(404, {"type": "NotFound", "message": "Application was not found"}))
    assert result["failed"] is True and result.get("changed") is False
    assert result["deleted_groups"] == [] and "check application_id" in result["msg"]


def test_descendants_are_those_whose_ancestor_ids_say_so_whatever_the_server_answered(capsys):
    # A server that ignored the ancestorId filter answers every group: the leaf, its parent, a stranger.
    ok = response(200, {"success": True})
    result, session = run(capsys, dict(name="Night Shift", state="absent"),
                          listing(NIGHT), listing(ACME, OPERATORS, NIGHT, VIEWERS), ok)
    assert session.summary()[2:] == [("DELETE", one(GRANDCHILD), {}, None)]
    assert result["changed"] is True and result["deleted_groups"] == [{"id": GRANDCHILD, "name": "Night Shift"}]
    result, session = run(capsys, dict(name="Acme Operators", state="absent", delete_descendants=True),
                          listing(OPERATORS), listing(ACME, OPERATORS, NIGHT, VIEWERS), ok, ok)
    assert [call[1] for call in session.summary()[2:]] == [one(GRANDCHILD), one(CHILD)]


def test_a_delete_that_fails_halfway_reports_changed_and_what_was_deleted(capsys):
    ok = response(200, {"success": True})
    result, session = run(capsys, dict(name="Acme", state="absent", delete_descendants=True),
                          listing(ACME), listing(OPERATORS, NIGHT), ok,
                          response(400, {"type": "Validation", "message": "Group is in use"}))
    assert result["failed"] is True and result["changed"] is True
    assert result["deleted_groups"] == [{"id": GRANDCHILD, "name": "Night Shift"}]
    assert result["msg"].endswith("1 of the 3 groups to delete were deleted before this failure (see "
                                  "deleted_groups): run the task again to finish")
    assert [call[1] for call in session.summary()[2:]] == [one(GRANDCHILD), one(CHILD)]  # Acme is not tried


def test_the_diff_names_an_unchanged_parent_and_keeps_names_as_written(capsys):
    mueller = group(GRANDCHILD, "Schicht Müller", CHILD, [ROOT, CHILD], description="alt")
    patched = dict(mueller, description="neu")
    result, session = run(capsys, dict(name="Schicht Müller", description="neu"),
                          listing(mueller), response(200, OPERATORS), response(200, patched), diff=True)
    assert [call[0] for call in session.summary()] == ["GET", "GET", "PATCH"]
    assert result["diff"]["before"]["parent"] == result["diff"]["after"]["parent"] == "Acme Operators"
    assert result["diff"]["after"]["name"] == "Schicht Müller"
    result, session = run(capsys, dict(name="Schicht Müller", description="neu"), listing(patched), diff=True)
    assert result["changed"] is False and len(session.calls) == 1  # nothing to show: no request to name the parent
