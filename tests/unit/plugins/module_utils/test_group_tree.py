"""The hierarchy of experience_groups, pure: the listing it trusts, where each
entry goes, what is created, updated and deleted (and in which order), and the
gathered config."""

import pytest

from ansible_collections.losant.platform.plugins.module_utils._group_tree import (
    ABSENT,
    Listing,
    config_errors,
    desired_entry,
    gathered_config,
    parent_form,
    place_entries,
    plan_groups,
)

ACME = "aaaaaaaaaaaaaaaaaaaaaa01"
OPS = "aaaaaaaaaaaaaaaaaaaaaa02"
NIGHT = "aaaaaaaaaaaaaaaaaaaaaa03"
GLOBEX = "aaaaaaaaaaaaaaaaaaaaaa04"
GOPS = "aaaaaaaaaaaaaaaaaaaaaa05"
HEX = "aaaaaaaaaaaaaaaaaaaaaa06"
HEX_NAME = "0123456789abcdef01234567"


def group(gid, name, parent=None, ancestors=(), **fields):
    found = {"id": gid, "name": name, "parentId": parent,
             "ancestorIds": None if ancestors is None else list(ancestors), "groupTags": {},
             "deviceIds": [], "deviceTags": [], "deviceQueryJson": None, "experienceEndpointIds": []}
    found.update(fields)
    return found


def tree():
    """Acme > Operators > Night; Globex > Operators; a top-level group named like an id."""
    return [group(ACME, "Acme", groupTags={"customer": "acme"}), group(OPS, "Operators", ACME, [ACME]),
            group(NIGHT, "Night", OPS, [ACME, OPS]), group(GLOBEX, "Globex"),
            group(GOPS, "Operators", GLOBEX, [GLOBEX]), group(HEX, HEX_NAME)]


def entry(name, parent=None, **options):
    found = dict(name=name, parent=parent, description=None, group_tags=None, purge_group_tags=False, devices=None,
                 purge_devices=False, device_tags=None, purge_device_tags=False, device_query=None, endpoints=None,
                 purge_endpoints=False)
    found.update(options)
    return found


def place(config, groups=None, missing="fail"):
    listing = Listing(tree() if groups is None else groups)
    placements, errors, placer = place_entries(config, listing, missing)
    return placements, errors, placer


def id_grants(desired):
    """(device ids, endpoint ids) of desired entries that give both by id, as resolve_grants finds them."""
    return [tuple(None if item[option] is None else [value.lower() for value in item[option]]
                  for option in ("devices", "endpoints")) for item in desired]


def plan(config, state="merged", groups=None, missing="fail", grants=False):
    """The plan of ``config``; ``grants``: devices and endpoints resolved (by id) as the module does."""
    placements, errors, placer = place(config, groups, missing)
    assert errors == []
    desired = [desired_entry(item, state) for item in config]
    resolved = id_grants(desired) if grants else [(None, None)] * len(config)
    return plan_groups(config, desired, placements, placer, resolved, state), placer


# ------------------------------------------------------------------ the listing

def test_a_listing_whose_parents_and_ancestors_disagree_is_not_trusted():
    assert Listing(tree()).problems == []
    lying = tree()
    lying[2] = group(NIGHT, "Night", OPS, [GLOBEX, OPS])
    assert Listing(lying).problems == ["group %s lists the ancestors %s, but its parents lead to %s" % (
        NIGHT, sorted([GLOBEX, OPS]), [ACME, OPS])]
    orphan = [group(OPS, "Operators", ACME, [ACME])]
    assert "which is not in the listing (was it read completely?)" in Listing(orphan).problems[0]
    twice = tree() + [group(ACME, "Acme")]
    assert "the listing holds group %s twice" % ACME in Listing(twice).problems


def test_a_listing_whose_parents_lead_in_a_circle_is_not_trusted():
    loop = [group(ACME, "A", OPS, None), group(OPS, "B", ACME, None)]
    assert Listing(loop).problems == ["the parents of group %s lead back to it" % ACME,
                                      "the parents of group %s lead back to it" % OPS]
    ring = [group(ACME, "A", NIGHT, None), group(OPS, "B", ACME, None), group(NIGHT, "C", OPS, None)]
    assert Listing(ring).problems == ["the parents of group %s lead back to it" % gid for gid in (ACME, OPS, NIGHT)]
    assert Listing([group(ACME, "A", ACME, None)]).problems == ["the parents of group %s lead back to it" % ACME]


def test_descendants_and_paths_come_from_the_parents():
    listing = Listing(tree())
    assert sorted(listing.descendants(ACME)) == [OPS, NIGHT] and listing.descendants(NIGHT) == []
    assert listing.path(NIGHT) == ["Acme", "Operators", "Night"] and listing.chain(NIGHT) == [ACME, OPS]


# ------------------------------------------------------------------ rules

def test_entry_rules_name_the_entry():
    errors = config_errors([entry("", parent=5), entry("x", parent=["Acme", ""]),
                            entry("y", group_tags={"bad key": "v"}, devices=[""])])
    assert errors == [
        "config[0] (): name must be 1 to 255 characters long, got ''",
        "config[0] (): parent must be a group name, \"\" for the top level, or a list of group names from the top "
        "level down, got 5",
        "config[1] (x): parent must be a group name, \"\" for the top level, or a list of group names from the top "
        "level down, got ['Acme', '']",
        "config[2] (y): group_tags key 'bad key' must match ^[0-9a-zA-Z_-]{1,255}$ (letters, digits, _ and -)",
        "config[2] (y): devices: entries must be device names of 1 to 255 characters or device ids, got ''",
    ]
    assert parent_form("") == () and parent_form([]) == () and parent_form(["A", "B"]) == ("A", "B")


# ------------------------------------------------------------------ placing

def test_existing_groups_are_found_by_name_parent_name_and_path():
    placements, errors, dummy = place([entry("Acme", ""), entry("Night", "Operators"), entry("Operators", ["Globex"]),
                                       entry("Night", ["Acme", "Operators"]), entry(HEX_NAME, ""), entry("Globex")])
    assert errors == ["config[1] (Night): parent 'Operators' is ambiguous, 2 groups have that name (Acme / Operators, "
                      "Globex / Operators); give parent as the list of names from the top level down, for example "
                      "[Acme, Operators]"]
    assert placements == [(ACME, None), None, (GOPS, GLOBEX), (NIGHT, OPS), (HEX, None), (GLOBEX, None)]


def test_a_name_alone_finds_the_one_group_anywhere_or_makes_a_top_level_one():
    placements, errors, dummy = place([entry("Night"), entry("New"), entry("Operators")])
    assert placements[:2] == [(NIGHT, OPS), (("new", 1), None)]
    assert errors == ["config[2] (Operators): 2 groups are named 'Operators' (Acme / Operators (%s), Globex / "
                      "Operators (%s)); give parent to choose one" % (OPS, GOPS)]


def test_new_parents_in_config_place_their_children_in_any_order():
    config = [entry("Leaf", ["Initech", "Ops"]), entry("Ops", "Initech"), entry("Initech", "")]
    placements, errors, placer = place(config)
    assert errors == []
    assert placements == [(("new", 0), ("new", 1)), (("new", 1), ("new", 2)), (("new", 2), None)]
    assert placer.node_path(("new", 0)) == ["Initech", "Ops", "Leaf"]


def test_unknown_parents_fail_plan_in_check_mode_or_are_absent():
    config = [entry("Ops", "Initech"), entry("Leaf", ["Initech", "Ops", "Team"])]
    dummy, errors, dummy2 = place(config)
    assert errors == ["config[0] (Ops): parent 'Initech' is neither a group of the application nor an entry of config",
                      "config[1] (Leaf): parent ['Initech'] is neither a group of the application nor an entry of "
                      "config"]
    placements, errors, placer = place(config, missing="plan")
    assert errors == [] and placements[0] == (("new", 0), ("planned", ("Initech",)))
    assert placements[1] == (("new", 1), ("planned", ("Initech", "Ops", "Team")))
    assert len(placer.warnings) == 2
    assert placer.warnings[0] == ("config[0] (Ops): parent 'Initech' does not exist yet; check mode assumes an "
                                  "earlier task of this run creates it (without check mode this fails)")
    assert place(config, missing="absent")[0] == [(ABSENT, ABSENT), (ABSENT, ABSENT)]


def test_the_same_group_twice_and_cycles_fail():
    dummy, errors, dummy2 = place([entry("Acme", ""), entry("Acme"), entry("X", ""), entry("X", [])])
    assert errors == ["config[1] (Acme): the same group as config[0] (Acme); list each group once",
                      "config[3] (X): the same group as config[2] (X); list each group once"]
    dummy, errors, dummy2 = place([entry("A", "B"), entry("B", "A")])
    assert errors == ["config[0] (A): its parent leads back to itself"]
    placements, errors, dummy = place([entry("A", "B"), entry("B", ["C"]), entry("C", "A"), entry("D", "C")])
    assert errors == ["config[0] (A): its parent leads back to itself"]
    assert placements == [None, None, None, None]


def test_a_parent_named_like_two_top_level_groups_cannot_be_told_apart_by_path():
    groups = tree() + [group("aaaaaaaaaaaaaaaaaaaaaa07", "Globex")]
    dummy, errors, dummy2 = place([entry("Team", "Globex")], groups)
    assert errors == ["config[0] (Team): parent 'Globex' is ambiguous: 2 groups have that name and the same place "
                      "(Globex (%s), Globex (aaaaaaaaaaaaaaaaaaaaaa07)); rename all but one" % GLOBEX]


def test_two_siblings_of_one_name_cannot_be_told_apart():
    groups = tree() + [group("aaaaaaaaaaaaaaaaaaaaaa07", "Night", OPS, [ACME, OPS])]
    dummy, errors, dummy2 = place([entry("Night", ["Acme", "Operators"])], groups)
    assert errors == ["config[0] (Night): 2 groups named 'Night' have the same parent (ids %s, "
                      "aaaaaaaaaaaaaaaaaaaaaa07); rename one of them" % NIGHT]


# ------------------------------------------------------------------ planning

def test_merged_creates_parents_first_and_patches_only_differences():
    config = [entry("Leaf", ["Initech", "Ops"]), entry("Acme", "", group_tags={"customer": "acme"}),
              entry("Ops", "Initech", description="ops"), entry("Initech", ""),
              entry("Operators", "Acme", group_tags={"tier": "1"})]
    planned, placer = plan(config)
    assert [(index, body, fields) for index, dummy, dummy2, body, fields in planned.creates] == [
        (3, {"name": "Initech"}, ["name"]),
        (2, {"name": "Ops", "description": "ops"}, ["name", "parent", "description"]),
        (0, {"name": "Leaf"}, ["name", "parent"])]
    assert [(index, group["id"], body) for index, group, body, dummy in planned.updates] == [
        (4, OPS, {"groupTags": {"tier": "1"}})]
    assert planned.unchanged == 1 and planned.deletes == []


def test_replaced_empties_left_out_fields_and_never_moves_a_group():
    config = [entry("Acme", "", description="x")]
    planned, dummy = plan(config, "replaced")
    assert planned.updates[0][2] == {"description": "x", "groupTags": {}}
    assert desired_entry(entry("A", "P", devices=["d"]), "replaced")["parent"] is None


DEVICE = "dddddddddddddddddddddd01"
OTHER_DEVICE = "dddddddddddddddddddddd02"
ENDPOINT = "eeeeeeeeeeeeeeeeeeeeee01"
OTHER_ENDPOINT = "eeeeeeeeeeeeeeeeeeeeee02"


def granting():
    """tree() with Acme granting two devices, a device tag, a device query and two endpoints."""
    groups = tree()
    groups[0].update(description="Acme Corp", deviceIds=[DEVICE, OTHER_DEVICE], deviceTags=[{"key": "site"}],
                     deviceQueryJson='{"name":"pump"}', experienceEndpointIds=[ENDPOINT, OTHER_ENDPOINT])
    return groups


@pytest.mark.parametrize("state", ["replaced", "overridden"])
def test_replaced_and_overridden_make_every_left_out_field_empty_and_purged(state):
    assert desired_entry(entry("Acme", ""), state) == dict(
        name="Acme", parent=None, description="", group_tags={}, purge_group_tags=True, devices=[],
        purge_devices=True, device_tags=[], purge_device_tags=True, device_query={}, endpoints=[],
        purge_endpoints=True)


@pytest.mark.parametrize("state", ["replaced", "overridden"])
def test_replaced_and_overridden_keep_the_given_fields_and_purge_whatever_the_purge_options_say(state):
    given = entry("Acme", "", description="d", group_tags={"a": "b"}, devices=[DEVICE], device_tags=[{"key": "site"}],
                  device_query={"name": "pump"}, endpoints=["GET /dashboard", ENDPOINT])
    assert desired_entry(given, state) == dict(
        name="Acme", parent=None, description="d", group_tags={"a": "b"}, purge_group_tags=True, devices=[DEVICE],
        purge_devices=True, device_tags=[{"key": "site"}], purge_device_tags=True, device_query={"name": "pump"},
        endpoints=["GET /dashboard", ENDPOINT], purge_endpoints=True)


def test_merged_leaves_the_left_out_fields_alone_and_purges_only_as_asked():
    assert desired_entry(entry("Acme", "", endpoints=[ENDPOINT], purge_devices=True), "merged") == entry(
        "Acme", None, endpoints=[ENDPOINT], purge_devices=True)


@pytest.mark.parametrize("state", ["replaced", "overridden"])
def test_replaced_and_overridden_empty_what_a_group_grants_when_left_out(state):
    config = [entry("Acme", "", description="Acme Corp", group_tags={"customer": "acme"})] + \
        [entry(name, parent) for name, parent in (("Operators", "Acme"), ("Night", ["Acme", "Operators"]),
                                                  ("Globex", ""), ("Operators", "Globex"), (HEX_NAME, ""))]
    planned, dummy = plan(config, state, granting(), grants=True)
    assert [(index, group["id"], body, fields) for index, group, body, fields in planned.updates] == [
        (0, ACME, {"deviceIds": [], "deviceTags": [], "deviceQueryJson": None, "experienceEndpointIds": []},
         ["devices", "endpoints", "device_tags", "device_query"])]
    assert planned.deletes == [] and planned.errors == []


@pytest.mark.parametrize("state", ["replaced", "overridden"])
def test_replaced_and_overridden_keep_only_the_given_grants(state):
    config = [entry("Acme", "", description="Acme Corp", group_tags={"customer": "acme"}, devices=[DEVICE.upper()],
                    device_tags=[{"key": "site"}], device_query={"name": "pump"}, endpoints=[ENDPOINT])]
    config += [entry(name, parent) for name, parent in (("Operators", "Acme"), ("Night", ["Acme", "Operators"]),
                                                        ("Globex", ""), ("Operators", "Globex"), (HEX_NAME, ""))]
    planned, dummy = plan(config, state, granting(), grants=True)
    assert [(index, group["id"], body, fields) for index, group, body, fields in planned.updates] == [
        (0, ACME, {"deviceIds": [DEVICE], "experienceEndpointIds": [ENDPOINT]}, ["devices", "endpoints"])]
    planned, dummy = plan(config[:1], "merged", granting(), grants=True)
    assert planned.updates == [] and planned.unchanged == 1


def test_overridden_deletes_the_unlisted_deepest_first():
    config = [entry("Acme", "", group_tags={"customer": "acme"}), entry(HEX_NAME, "")]
    planned, dummy = plan(config, "overridden")
    assert [group["id"] for group in planned.deletes] == [NIGHT, OPS, GOPS, GLOBEX]
    assert planned.errors == [] and planned.unchanged == 2


def test_overridden_refuses_to_delete_a_group_above_a_listed_one():
    config = [entry("Night", ["Acme", "Operators"]), entry("New", "Globex")]
    planned, dummy = plan(config, "overridden")
    assert planned.errors == [
        "config[0] (Night): overridden would delete Acme (%s), Acme / Operators (%s), above this group, as it is "
        "not listed; list it" % (ACME, OPS),
        "config[1] (New): overridden would delete Globex (%s), above this group, as it is not listed; list it"
        % GLOBEX]


def test_deleted_needs_the_descendants_listed_and_counts_the_absent():
    planned, dummy = plan([entry("Operators", "Acme"), entry("Gone", "Nowhere")], "deleted", missing="absent")
    assert planned.errors == ["config[0] (Operators): the group has descendant groups that are not listed: "
                              "Acme / Operators / Night (%s); list them too (their users are kept)" % NIGHT]
    planned, dummy = plan([entry("Operators", "Acme"), entry("Night", ["Acme", "Operators"]), entry("Gone", "")],
                          "deleted", missing="absent")
    assert planned.errors == [] and [group["id"] for group in planned.deletes] == [NIGHT, OPS]
    assert planned.unchanged == 1


def test_check_mode_plans_a_whole_new_hierarchy_under_a_planned_parent():
    config = [entry("Ops", "Initech"), entry("Night", ["Initech", "Ops"])]
    planned, placer = plan(config, missing="plan")
    assert [placer.node_path(node) for dummy, node, dummy2, dummy3, dummy4 in planned.creates] == [
        ["Initech", "Ops"], ["Initech", "Ops", "Night"]]


# ------------------------------------------------------------------ gathered

def test_gathered_names_parents_where_unique_else_by_path():
    groups = tree()
    groups[0]["experienceEndpointIds"] = ["eeeeeeeeeeeeeeeeeeeeee01"]
    gathered, warnings = gathered_config(Listing(groups), {"eeeeeeeeeeeeeeeeeeeeee01": "GET /dashboard"})
    assert [(item["name"], item["parent"]) for item in gathered] == [
        (HEX_NAME, ""), ("Acme", ""), ("Globex", ""), ("Operators", "Acme"), ("Operators", "Globex"),
        ("Night", ["Acme", "Operators"])]
    assert gathered[1] == {"name": "Acme", "parent": "", "description": "", "group_tags": {"customer": "acme"},
                           "devices": [], "device_tags": [], "device_query": {}, "endpoints": ["GET /dashboard"]}
    assert warnings == []


def test_gathered_fed_back_plans_nothing_in_every_state():
    gathered, dummy = gathered_config(Listing(tree()), {})
    for state in ("merged", "replaced", "overridden"):
        planned, dummy = plan(gathered, state)
        assert (planned.creates, planned.updates, planned.deletes, planned.errors) == ([], [], [], []), state
        assert planned.unchanged == len(tree())


def test_gathered_warns_about_siblings_of_one_name():
    groups = tree() + [group("aaaaaaaaaaaaaaaaaaaaaa07", "Night", OPS, [ACME, OPS])]
    dummy, warnings = gathered_config(Listing(groups), {})
    assert warnings == ["groups %s, aaaaaaaaaaaaaaaaaaaaaa07 are all named 'Night' under the same parent: their "
                        "entries cannot be told apart when fed back; rename all but one" % NIGHT]


@pytest.mark.parametrize("state", ["merged", "replaced"])
def test_a_group_named_like_an_id_is_a_name_in_every_position(state):
    config = [entry(HEX_NAME, ""), entry("Child", HEX_NAME), entry("Grandchild", [HEX_NAME, "Child"])]
    planned, placer = plan(config, state)
    paths = [placer.node_path(create[1]) for create in planned.creates]
    assert paths == [[HEX_NAME, "Child"], [HEX_NAME, "Child", "Grandchild"]]
