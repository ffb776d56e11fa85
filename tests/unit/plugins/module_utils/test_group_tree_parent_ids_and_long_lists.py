"""experience_groups' hierarchy (_group_tree.py): a parent given by the id of a group, a parent
name too long, an entry with a parent against a top-level group, and the cut of a long list of
groups in a message."""

from ansible_collections.losant.platform.plugins.module_utils._group_tree import (
    Listing,
    config_errors,
    desired_entry,
    names_group,
    place_entries,
    plan_groups,
)

ACME = "aaaaaaaaaaaaaaaaaaaaaa01"
OPS = "aaaaaaaaaaaaaaaaaaaaaa02"


def group(gid, name, parent=None, ancestors=()):
    return {"id": gid, "name": name, "parentId": parent, "ancestorIds": list(ancestors), "groupTags": {},
            "deviceIds": [], "deviceTags": [], "deviceQueryJson": None, "experienceEndpointIds": []}


def entry(name, parent=None):
    return dict(name=name, parent=parent, description=None, group_tags=None, purge_group_tags=False, devices=None,
                purge_devices=False, device_tags=None, purge_device_tags=False, device_query=None, endpoints=None,
                purge_endpoints=False)


def test_a_parent_given_by_the_id_of_a_group_places_the_entry_below_that_group():
    listing = Listing([group(ACME, "Acme"), group(OPS, "Operators", ACME, [ACME])])
    placements, errors, placer = place_entries([entry("Night", OPS.upper()), entry("Day", ACME)], listing, "fail")
    assert errors == []
    assert placements == [(("new", 0), OPS), (("new", 1), ACME)]
    assert placer.node_path(("new", 0)) == ["Acme", "Operators", "Night"]


def test_a_parent_name_longer_than_a_group_name_may_be_is_named_as_parent():
    assert config_errors([entry("x", "p" * 256), entry("y", ["Acme", "q" * 256])]) == [
        "config[0] (x): parent must be 1 to 255 characters long, got '%s'" % ("p" * 80),
        "config[1] (y): parent must be 1 to 255 characters long, got '%s'" % ("q" * 80),
    ]


def test_an_entry_with_a_parent_names_no_top_level_group():
    assert names_group({"name": "Acme", "parent": "Beta"}, ["Acme"]) is False
    assert names_group({"name": "Acme", "parent": ACME}, ["Acme"]) is False
    assert names_group({"name": "Acme", "parent": OPS}, ["Acme"], OPS.upper()) is True


def test_a_message_lists_twenty_groups_and_counts_the_rest():
    children = [group("bbbbbbbbbbbbbbbbbbbbbb%02d" % index, "C%02d" % index, ACME, [ACME]) for index in range(21)]
    listing = Listing([group(ACME, "Acme")] + children)
    config = [entry("Acme", "")]
    placements, errors, placer = place_entries(config, listing, "absent")
    assert errors == []
    planned = plan_groups(config, [desired_entry(item, "deleted") for item in config], placements, placer,
                          [(None, None)], "deleted")
    shown = ", ".join("Acme / C%02d (bbbbbbbbbbbbbbbbbbbbbb%02d)" % (index, index) for index in range(20))
    assert planned.errors == ["config[0] (Acme): the group has descendant groups that are not listed: %s and 1 more; "
                              "list them too (their users are kept)" % shown]
