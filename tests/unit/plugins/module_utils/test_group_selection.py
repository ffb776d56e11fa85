"""What experience_groups' deleted and overridden may delete, as the write gate checks it:
chosen from the entries' names and parents against each group's own path, not from
how the entries were placed."""

from ansible_collections.losant.platform.plugins.module_utils._group_tree import Listing, names_group, selection_rule

ACME, OPS, NIGHT, BETA_OPS = ("a" * 23 + "1", "a" * 23 + "2", "a" * 23 + "3", "a" * 23 + "4")
BETA = "a" * 23 + "5"
GROUPS = [
    {"id": ACME, "name": "Acme", "parentId": None, "ancestorIds": []},
    {"id": OPS, "name": "Operators", "parentId": ACME, "ancestorIds": [ACME]},
    {"id": NIGHT, "name": "Night", "parentId": OPS, "ancestorIds": [ACME, OPS]},
    {"id": BETA, "name": "Beta", "parentId": None, "ancestorIds": []},
    {"id": BETA_OPS, "name": "Operators", "parentId": BETA, "ancestorIds": [BETA]},
]


def test_an_entry_names_a_group_by_name_and_by_the_parent_it_gives():
    path = ["Acme", "Operators"]
    assert names_group({"name": "Operators"}, path)
    assert names_group({"name": "Operators", "parent": "Acme"}, path)
    assert names_group({"name": "Operators", "parent": ["Acme"]}, path)
    assert names_group({"name": "Operators", "parent": ACME.upper()}, path, ACME)
    assert not names_group({"name": "Operators", "parent": "Beta"}, path)
    assert not names_group({"name": "Operators", "parent": ""}, path)
    assert not names_group({"name": "Operators", "parent": ["Beta", "Acme"]}, path)
    assert not names_group({"name": "operators"}, path)
    assert names_group({"name": "Acme", "parent": ""}, ["Acme"])
    # A parent that is no name, nor a list of names, names nothing.
    assert not names_group({"name": "Operators", "parent": 7}, path)


def test_deleted_selects_the_named_groups_and_overridden_the_others():
    listing = Listing(GROUPS)
    config = [{"name": "Operators", "parent": "Acme"}, {"name": "Night"}]
    selects, selection = selection_rule(config, listing, "deleted")
    assert sorted(group["id"] for group in GROUPS if selects(group)) == [OPS, NIGHT]
    assert selection == "the groups config names (name and parent)"
    selects, selection = selection_rule(config, listing, "overridden")
    assert sorted(group["id"] for group in GROUPS if selects(group)) == [ACME, BETA_OPS, BETA]
    assert selection == "overridden (a group that no entry of config names)"
    assert selection_rule(config, listing, "merged") == (None, "")


def test_a_group_the_listing_does_not_hold_is_never_selected_for_deletion():
    selects = selection_rule([{"name": "Ghost"}], Listing(GROUPS), "deleted")[0]
    assert not selects({"id": "b" * 24, "name": "Ghost", "parentId": None})
