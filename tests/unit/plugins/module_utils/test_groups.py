"""Pure logic of experience groups: the lookup query, picking the group and
its parent, the PATCH and POST bodies, predictions, deletion order and views."""

import pytest

from ansible_collections.losant.platform.plugins.module_utils._groups import (
    GroupError,
    descendants_deepest_first,
    group_create_body,
    group_option_errors,
    group_patch,
    group_view,
    lookup_query,
    pick_group,
    pick_parent,
    predict_group,
)
from ansible_collections.losant.platform.plugins.module_utils._results import group_result

ROOT = "aaaaaaaaaaaaaaaaaaaaaaa1"
CHILD = "aaaaaaaaaaaaaaaaaaaaaaa2"
GRANDCHILD = "aaaaaaaaaaaaaaaaaaaaaaa3"
OTHER = "aaaaaaaaaaaaaaaaaaaaaaa4"
TWIN = "aaaaaaaaaaaaaaaaaaaaaaa5"


def group(group_id, name, parent=None, ancestors=(), **fields):
    found = {"id": group_id, "name": name, "parentId": parent, "ancestorIds": list(ancestors),
             "groupTags": {}, "experienceUserIds": []}
    found.update(fields)
    return found


def tree():
    """Acme > Acme Operators > Night Shift, and a top-level Viewers."""
    return [
        group(ROOT, "Acme"),
        group(CHILD, "Acme Operators", ROOT, [ROOT]),
        group(GRANDCHILD, "Night Shift", CHILD, [ROOT, CHILD]),
        group(OTHER, "Viewers"),
    ]


def params(**given):
    base = dict(state="present", name=None, experience_group_id=None, description=None, parent=None,
                group_tags=None, purge_group_tags=False, delete_descendants=False)
    base.update(given)
    return base


# ------------------------------------------------------------------ lookup

def test_lookup_query_is_one_condition_without_a_parent():
    assert lookup_query(None, "Acme", None) == {"name": "Acme"}
    assert lookup_query(ROOT, "Acme", None) == {"id": ROOT}
    assert lookup_query(None, "Acme", "") == {"name": "Acme"}


def test_lookup_query_finds_the_parent_in_the_same_request():
    assert lookup_query(None, "Night Shift", "Acme Operators") == {
        "$or": [{"name": "Night Shift"}, {"name": "Acme Operators"}]}
    assert lookup_query(GRANDCHILD, "Night Shift", CHILD) == {"$or": [{"id": GRANDCHILD}, {"id": CHILD}]}


def test_pick_group_by_id_wins_over_the_name():
    assert pick_group(tree(), CHILD, "Viewers")["name"] == "Acme Operators"
    assert pick_group(tree(), TWIN, "Acme") is None


def test_pick_group_by_exact_name_letter_case_counts():
    assert pick_group(tree(), None, "Acme")["id"] == ROOT
    assert pick_group(tree(), None, "acme") is None
    assert pick_group([], None, "Acme") is None


def test_an_id_in_other_letter_case_is_the_same_group():
    assert pick_group(tree(), CHILD.upper(), None)["id"] == CHILD
    assert pick_parent(tree(), ROOT.upper(), None)["id"] == ROOT


def test_two_groups_with_the_name_fail_listing_their_ids_unless_an_id_chooses():
    groups = tree() + [group(TWIN, "Acme")]
    with pytest.raises(GroupError) as caught:
        pick_group(groups, None, "Acme")
    assert str(caught.value) == ("2 experience groups are named 'Acme' (ids %s, %s); give experience_group_id "
                                 "to choose one" % (ROOT, TWIN))
    assert pick_group(groups, TWIN, "Acme")["id"] == TWIN


# ------------------------------------------------------------------ parent

def test_no_parent_is_the_top_level():
    assert pick_parent(tree(), None, None) is None
    assert pick_parent(tree(), "", tree()[1]) is None


def test_parent_by_name_and_by_id():
    assert pick_parent(tree(), "Acme", None)["id"] == ROOT
    assert pick_parent(tree(), OTHER, tree()[1])["name"] == "Viewers"


def test_unknown_parent_fails():
    with pytest.raises(GroupError, match=r"^parent: no experience group named or with id 'Nobody'$"):
        pick_parent(tree(), "Nobody", None)
    with pytest.raises(GroupError, match="parent: no experience group named or with id '%s'" % TWIN):
        pick_parent(tree(), TWIN, None)


def test_ambiguous_parent_fails_listing_the_ids():
    groups = tree() + [group(TWIN, "Acme")]
    with pytest.raises(GroupError) as caught:
        pick_parent(groups, "Acme", None)
    assert str(caught.value) == ("parent: 2 experience groups are named 'Acme' (ids %s, %s); give the parent's "
                                 "id instead" % (ROOT, TWIN))


@pytest.mark.parametrize("own,parent", [
    (0, "Acme"),            # itself by name
    (0, ROOT),              # itself by id
    (0, "Acme Operators"),  # its child
    (0, "Night Shift"),     # its grandchild
    (1, GRANDCHILD),        # its child, by id
])
def test_the_group_itself_or_a_descendant_as_parent_is_a_cycle(own, parent):
    groups = tree()
    with pytest.raises(GroupError) as caught:
        pick_parent(groups, parent, groups[own])
    assert str(caught.value) == "parent: %r is the group itself or one of its descendants" % parent


def test_an_ancestor_or_a_sibling_is_a_fine_parent():
    groups = tree()
    assert pick_parent(groups, "Acme", groups[2])["id"] == ROOT
    assert pick_parent(groups, "Viewers", groups[2])["id"] == OTHER


# ------------------------------------------------------------------ patch

def test_nothing_given_is_nothing_to_change():
    assert group_patch(tree()[1], params(name="Acme Operators"), None) == ({}, [])


def test_every_difference_goes_in_one_patch():
    current = group(CHILD, "Acme Operators", ROOT, [ROOT], description="old", groupTags={"customer": "acme"})
    body, changed = group_patch(current, params(experience_group_id=CHILD, name="Field Operators", description="new",
                                                parent="Viewers", group_tags={"site": "north"}), OTHER)
    assert body == {"name": "Field Operators", "description": "new", "parentId": OTHER,
                    "groupTags": {"customer": "acme", "site": "north"}}
    assert changed == ["name", "description", "parent", "group_tags"]


def test_description_empty_string_clears_and_equals_a_missing_one():
    assert group_patch(group(ROOT, "Acme", description="x"), params(description=""), None) == (
        {"description": ""}, ["description"])
    assert group_patch(group(ROOT, "Acme"), params(description=""), None) == ({}, [])


def test_parent_left_out_leaves_the_group_where_it_is():
    assert group_patch(tree()[1], params(), None) == ({}, [])
    assert group_patch(tree()[0], params(), None) == ({}, [])


def test_parent_empty_string_moves_the_group_to_the_top_level():
    assert group_patch(tree()[1], params(parent=""), None) == ({"parentId": None}, ["parent"])
    assert group_patch(tree()[0], params(parent=""), None) == ({}, [])


def test_parent_already_in_place_is_not_a_change():
    assert group_patch(tree()[1], params(parent="Acme"), ROOT) == ({}, [])
    assert group_patch(tree()[1], params(parent="Viewers"), OTHER) == ({"parentId": OTHER}, ["parent"])


def test_group_tags_merge_remove_and_purge():
    current = group(ROOT, "Acme", groupTags={"customer": "acme", "legacy": "yes"})
    assert group_patch(current, params(group_tags={"legacy": None}), None) == (
        {"groupTags": {"customer": "acme"}}, ["group_tags"])
    assert group_patch(current, params(group_tags={"customer": "acme"}), None) == ({}, [])
    assert group_patch(current, params(group_tags={"customer": "acme"}, purge_group_tags=True), None) == (
        {"groupTags": {"customer": "acme"}}, ["group_tags"])
    assert group_patch(current, params(group_tags={}, purge_group_tags=True), None) == (
        {"groupTags": {}}, ["group_tags"])
    assert group_patch(current, params(group_tags={}), None) == ({}, [])
    assert group_patch(group(ROOT, "Acme"), params(group_tags={"gone": None}), None) == ({}, [])


def test_purge_group_tags_with_group_tags_left_out_leaves_them_alone():
    current = group(ROOT, "Acme", groupTags={"customer": "acme"})
    assert group_patch(current, params(purge_group_tags=True), None) == ({}, [])


def test_create_body_sends_only_what_was_given():
    assert group_create_body(params(name="Acme"), None) == ({"name": "Acme"}, ["name"])
    assert group_create_body(params(name="Night Shift", description="", group_tags={"a": "b", "c": None}), CHILD) == (
        {"name": "Night Shift", "description": "", "parentId": CHILD, "groupTags": {"a": "b"}},
        ["name", "description", "parent", "group_tags"])


# ------------------------------------------------------------------ prediction

def test_prediction_applies_the_body_and_places_the_group_under_its_parent():
    parent = tree()[1]
    predicted = predict_group(tree()[3], {"parentId": CHILD, "name": "Night Viewers"}, parent)
    assert predicted["parentId"] == CHILD and predicted["ancestorIds"] == [ROOT, CHILD]
    assert predicted["name"] == "Night Viewers" and predicted["id"] == OTHER
    assert predict_group(tree()[1], {"parentId": None}, None)["ancestorIds"] == []
    assert predict_group(tree()[1], {"description": "x"}, None)["ancestorIds"] == [ROOT]


def test_prediction_leaves_the_current_group_alone():
    current = group(ROOT, "Acme", groupTags={"a": "b"})
    predict_group(current, {"groupTags": {"c": "d"}}, None)
    assert current["groupTags"] == {"a": "b"}


def test_prediction_of_a_new_group_has_no_id():
    predicted = predict_group({"parentId": None}, {"name": "Acme", "groupTags": {"a": "b"}}, None)
    assert "id" not in predicted
    assert group_result(predicted)["parent_id"] is None
    assert group_result(predicted)["group_tags"] == {"a": "b"}


# ------------------------------------------------------------------ delete order

def test_descendants_are_deleted_deepest_first():
    descendants = [tree()[1], tree()[2], group(TWIN, "Deepest", GRANDCHILD, [ROOT, CHILD, GRANDCHILD])]
    assert [found["id"] for found in descendants_deepest_first(descendants)] == [TWIN, GRANDCHILD, CHILD]
    assert descendants_deepest_first([]) == []


# ------------------------------------------------------------------ views

def test_view_is_in_the_option_shape_with_the_parent_named_when_known():
    child = group(CHILD, "Acme Operators", ROOT, [ROOT], description="ops", groupTags={"costCenter": "7"})
    assert group_view(child, {ROOT: "Acme"}) == {
        "name": "Acme Operators", "description": "ops", "parent": "Acme", "group_tags": {"costCenter": "7"}}
    assert group_view(child)["parent"] == ROOT
    assert group_view(tree()[0])["parent"] is None
    assert group_view(None) == {} and group_view({}) == {}


# ------------------------------------------------------------------ option rules

@pytest.mark.parametrize("given,fragment", [
    (dict(name=""), "name must be 1 to 255 characters long"),
    (dict(name="x" * 256), "name must be 1 to 255 characters long"),
    (dict(name="Acme", experience_group_id="nope"), "experience_group_id must be a Losant id"),
    (dict(name="Acme", description="d" * 32768), "description must be at most 32767 characters long"),
    (dict(name="Acme", parent="p" * 256), "parent must be 1 to 255 characters long"),
    (dict(name="Acme", group_tags={"bad key": "v"}), "group_tags key 'bad key' must match"),
    (dict(name="Acme", group_tags={"k": ""}), "group_tags value of 'k' must be 1 to 255 characters long"),
    (dict(name="Acme", group_tags={"k": 3}), "group_tags value of 'k' must be a string"),
])
def test_bad_options_are_named_with_their_rule(given, fragment):
    errors = group_option_errors(params(**given))
    assert any(fragment in error for error in errors), errors


def test_good_options_pass():
    assert group_option_errors(params(name="Acme", experience_group_id=ROOT, description="", parent="",
                                      group_tags={"a": "b", "c": None})) == []
