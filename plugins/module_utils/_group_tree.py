# -*- coding: utf-8 -*-
# Copyright: losant.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Internal to this collection: not a public API; may change without notice.

"""A hierarchy of experience groups in one task: place each config entry
(its name and parent are its key) among the groups of one complete listing,
plan the creates (parents first), updates and deletions (deepest first), and
gather the groups back in config form.

Pure: no request here. What is deleted is chosen from the groups themselves
- their parentId and ancestorIds, checked against each other - never from a
server-side filter."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.losant.platform.plugins.module_utils._group_access import (
    ACCESS_OPTIONS,
    access_option_errors,
    access_view,
    with_access,
)
from ansible_collections.losant.platform.plugins.module_utils._groups import (
    DESCRIPTION_MAX,
    GROUP_NAME_MAX,
    group_create_body,
    group_patch,
    group_view,
)
from ansible_collections.losant.platform.plugins.module_utils._validation import check_length, check_tags, is_id

STATES = ["merged", "replaced", "overridden", "deleted", "gathered"]
ENTRY_OPTIONS = dict(
    name=dict(type="str", required=True),
    parent=dict(type="raw"),
    description=dict(type="str"),
    group_tags=dict(type="dict"),
    purge_group_tags=dict(type="bool", default=False),
)
ENTRY_OPTIONS.update(ACCESS_OPTIONS)
# What Losant holds for a new group before the POST body is applied.
NEW_GROUP = {"parentId": None, "ancestorIds": [], "groupTags": {}}
ROOT = None             # the top level, as a parent
ABSENT = ("absent",)    # below a parent that does not exist (state deleted): nothing to find
SHOWN = 20


class TreeError(Exception):
    """An entry that cannot be placed, or a listing that cannot be trusted."""


def label(index, entry):
    return "config[%d] (%s)" % (index, entry.get("name"))


def path_label(path):
    return " / ".join(path)


def parent_form(value):
    """An entry's parent: None (left out), () for the top level, a name, or a tuple path of names."""
    if value is None:
        return None
    if isinstance(value, str):
        return value if value else ()
    if isinstance(value, (list, tuple)) and all(isinstance(item, str) and item for item in value):
        return tuple(value)
    raise ValueError(value)


def config_errors(config):
    """Every rule the entries break, each naming the entry; [] when all is well."""
    errors = []
    for index, entry in enumerate(config):
        where = label(index, entry)
        problems = [check_length("name", entry.get("name"), 1, GROUP_NAME_MAX),
                    check_length("description", entry.get("description"), 0, DESCRIPTION_MAX)]
        problems.extend(check_tags("group_tags", entry.get("group_tags")))
        problems.extend(access_option_errors(entry))
        try:
            parent = parent_form(entry.get("parent"))
        except ValueError:
            problems.append("parent must be a group name, \"\" for the top level, or a list of group names from the "
                            "top level down, got %r" % (entry.get("parent"),))
        else:
            for name in parent if isinstance(parent, tuple) else [parent] if parent else []:
                problems.append(check_length("parent", name, 1, GROUP_NAME_MAX))
        errors.extend("%s: %s" % (where, problem) for problem in problems if problem)
    return errors


# -- the listing ------------------------------------------------------------------------

class Listing:
    """Every group of the application, by id, with parents, paths and descendants
    computed from parentId; ``problems`` says why the listing cannot be trusted."""

    def __init__(self, groups):
        self.by_id = {}
        self.problems = []
        for group in groups:
            gid = group["id"].lower()
            if gid in self.by_id:
                self.problems.append("the listing holds group %s twice" % gid)
            self.by_id[gid] = group
        self.children = {}
        for gid, group in self.by_id.items():
            self.children.setdefault(self.parent_of(gid), []).append(group)
        self._chains = {}
        for gid in self.by_id:
            self._check(gid)

    def parent_of(self, gid):
        parent = self.by_id[gid].get("parentId")
        return parent.lower() if parent else ROOT

    def _check(self, gid):
        chain, seen, node = [], set([gid]), self.parent_of(gid)
        while node is not ROOT:
            if node not in self.by_id:
                self.problems.append("group %s has the parent %s, which is not in the listing (was it read "
                                     "completely?)" % (gid, node))
                break
            if node in seen:
                self.problems.append("the parents of group %s lead back to it" % gid)
                break
            chain.append(node)
            seen.add(node)
            node = self.parent_of(node)
        chain.reverse()
        self._chains[gid] = chain
        ancestors = self.by_id[gid].get("ancestorIds")
        # Losant does not document the order of ancestorIds: compared as a set.
        if ancestors is not None and set(a.lower() for a in ancestors) != set(chain):
            self.problems.append("group %s lists the ancestors %s, but its parents lead to %s" % (
                gid, sorted(a.lower() for a in ancestors), chain))

    def chain(self, gid):
        """Ancestor ids, top level first."""
        return self._chains[gid]

    def path(self, gid):
        return [self.by_id[node]["name"] for node in self.chain(gid)] + [self.by_id[gid]["name"]]

    def named(self, name):
        return [group for group in self.by_id.values() if group.get("name") == name]

    def children_named(self, node, name):
        return [group for group in self.children.get(node, []) if group.get("name") == name]

    def descendants(self, gid):
        return [other for other in self.by_id if gid in self.chain(other)]


def _is_existing(node):
    return isinstance(node, str)


# -- placing the entries ----------------------------------------------------------------------

class Placer:
    """Each entry's node (an existing group's id, ("new", index) or, in check mode,
    ("planned", path) for a parent not there yet) and its parent's node."""

    def __init__(self, config, listing, missing_parent):
        self.config = config
        self.listing = listing
        self.missing_parent = missing_parent    # "fail", "plan" (check mode) or "absent" (state deleted)
        self.memo = {}
        self.active = set()
        self.by_name = {}
        self.warnings = []
        self.planned = set()
        for index, entry in enumerate(config):
            self.by_name.setdefault(entry["name"], []).append(index)

    def place(self, index):
        found = self.memo.get(index)
        if isinstance(found, TreeError):
            raise found
        if found is not None:
            return found
        if index in self.active:
            raise TreeError("%s: its parent leads back to itself" % label(index, self.config[index]))
        self.active.add(index)
        try:
            found = self._place(index)
        except TreeError as exc:
            self.memo[index] = exc
            raise
        finally:
            self.active.discard(index)
        self.memo[index] = found
        return found

    def _place(self, index):
        entry = self.config[index]
        where, name = label(index, entry), entry["name"]
        parent = parent_form(entry.get("parent"))
        if parent is None:
            found = self.listing.named(name)
            if len(found) > 1:
                raise TreeError("%s: %d groups are named %r (%s); give parent to choose one" % (
                    where, len(found), name, self._paths(found)))
            return (found[0]["id"].lower(), self.listing.parent_of(found[0]["id"].lower())) if found \
                else (("new", index), ROOT)
        if parent == ():
            parent_node = ROOT
        elif isinstance(parent, str):
            parent_node = self._by_name(parent, index)
        else:
            parent_node = self._by_path(parent, index)
        return self._child(parent_node, name, index), parent_node

    def _child(self, parent_node, name, index):
        if parent_node == ABSENT:
            return ABSENT
        if parent_node is ROOT or _is_existing(parent_node):
            found = self.listing.children_named(parent_node, name)
            if len(found) > 1:
                raise TreeError("%s: %d groups named %r have the same parent (ids %s); rename one of them" % (
                    label(index, self.config[index]), len(found), name, ", ".join(sorted(g["id"] for g in found))))
            if found:
                return found[0]["id"].lower()
        return ("new", index)

    def _paths(self, groups):
        return ", ".join(sorted("%s (%s)" % (path_label(self.listing.path(g["id"].lower())), g["id"])
                                for g in groups))

    def _by_name(self, parent, index):
        nodes = set(group["id"].lower() for group in self.listing.named(parent))
        for other in self.by_name.get(parent, []):
            if other != index:
                nodes.add(self.place(other)[0])
        nodes.discard(ABSENT)
        if not nodes and is_id(parent) and parent.lower() in self.listing.by_id:
            # An id no group has as its name: as experience_group takes it (names win).
            nodes.add(parent.lower())
        if len(nodes) == 1:
            return nodes.pop()
        if not nodes:
            return self._missing(index, parent)
        paths = sorted(path_label(self.node_path(node)) for node in nodes)
        if len(set(paths)) < len(paths):
            raise TreeError("%s: parent %r is ambiguous: %d groups have that name and the same place (%s); rename "
                            "all but one" % (label(index, self.config[index]), parent, len(nodes), ", ".join(
                                sorted("%s (%s)" % (path_label(self.node_path(node)), node) for node in nodes))))
        raise TreeError("%s: parent %r is ambiguous, %d groups have that name (%s); give parent as the list of names "
                        "from the top level down, for example [%s]" % (
                            label(index, self.config[index]), parent, len(nodes), ", ".join(paths),
                            ", ".join(self.node_path(sorted(nodes, key=str)[0]))))

    def _by_path(self, path, index):
        node = ROOT
        for depth, name in enumerate(path):
            if node == ABSENT:
                return ABSENT
            nodes = set()
            if node is ROOT or _is_existing(node):
                nodes.update(group["id"].lower() for group in self.listing.children_named(node, name))
            for other in self.by_name.get(name, []):
                if other != index:
                    placed, parent = self.place(other)
                    if parent == node:
                        nodes.add(placed)
            if len(nodes) > 1:
                raise TreeError("%s: parent %s: %d groups named %r have the same parent; rename one of them" % (
                    label(index, self.config[index]), list(path), len(nodes), name))
            node = nodes.pop() if nodes else self._missing(index, tuple(path[:depth + 1]))
        return node

    def _missing(self, index, key):
        where = label(index, self.config[index])
        shown = key if isinstance(key, str) else list(key)
        if self.missing_parent == "absent":
            return ABSENT
        if self.missing_parent == "plan":
            # Assumed at the top level when named alone: one planned group, however it is named.
            key = (key,) if isinstance(key, str) else key
            if key not in self.planned:
                self.planned.add(key)
                self.warnings.append("%s: parent %r does not exist yet; check mode assumes an earlier task of this "
                                     "run creates it (without check mode this fails)" % (where, shown))
            return ("planned", key)
        raise TreeError("%s: parent %r is neither a group of the application nor an entry of config" % (where, shown))

    def node_path(self, node):
        if _is_existing(node):
            return self.listing.path(node)
        if node[0] == "planned":
            return list(node[1])
        placed, parent = self.place(node[1])
        return (self.node_path(parent) if parent is not ROOT else []) + [self.config[node[1]]["name"]]


def place_entries(config, listing, missing_parent):
    """(placements, errors, warnings): each entry's (node, parent node), None where it failed."""
    placer = Placer(config, listing, missing_parent)
    placements, errors = [], []
    for index in range(len(config)):
        try:
            placements.append(placer.place(index))
        except TreeError as exc:
            placements.append(None)
            if str(exc) not in errors:
                errors.append(str(exc))
    first = {}
    for index, placed in enumerate(placements):
        if placed is None or placed[0] == ABSENT:
            continue
        node = placed[0]
        key = node if _is_existing(node) else (placed[1], config[index]["name"])
        if key in first:
            errors.append("%s: the same group as %s; list each group once" % (
                label(index, config[index]), label(first[key], config[first[key]])))
        first.setdefault(key, index)
    return placements, errors, placer


def names_group(entry, path, parent_id=None):
    """Whether ``entry`` names the group at ``path`` (its names from the top level down;
    ``parent_id``: its parent's id): the same name, and the entry's parent, when given,
    is that group's parent. The write gate's check of what deleted and overridden delete,
    made from the names themselves, not from how the entries were placed."""
    if entry.get("name") != path[-1]:
        return False
    try:
        parent = parent_form(entry.get("parent"))
    except ValueError:
        return False
    if parent is None:
        return True
    if isinstance(parent, str):
        return (len(path) > 1 and path[-2] == parent) or (is_id(parent) and parent.lower() == (parent_id or "").lower())
    return list(path[:-1]) == list(parent)


def selection_rule(config, listing, state):
    """(selects, selection) of the write gate for the deletions of ``state``: ``deleted`` deletes
    groups an entry names, ``overridden`` groups no entry names; other states delete nothing."""
    def named(group):
        gid = group["id"].lower()
        return gid in listing.by_id and any(names_group(entry, listing.path(gid), group.get("parentId"))
                                            for entry in config)
    if state == "deleted":
        return named, "the groups config names (name and parent)"
    if state == "overridden":
        return (lambda group: not named(group)), "overridden (a group that no entry of config names)"
    return None, ""


# -- the plan ---------------------------------------------------------------------------------

def desired_entry(entry, state):
    """The entry as experience_group options. A parent is part of the key, never a move;
    replaced and overridden make every left-out field empty."""
    params = dict(entry, parent=None)
    if state in ("replaced", "overridden"):
        params.update(
            description=entry.get("description") or "",
            group_tags=entry.get("group_tags") or {}, purge_group_tags=True,
            devices=entry.get("devices") or [], purge_devices=True,
            device_tags=entry.get("device_tags") or [], purge_device_tags=True,
            device_query=entry.get("device_query") or {},
            endpoints=entry.get("endpoints") or [], purge_endpoints=True,
        )
    return params


class Plan:
    """What a run will do. ``creates``: (index, node, parent node, body, fields), parents first;
    ``updates``: (index, group, body, fields); ``deletes``: groups, deepest first."""

    def __init__(self):
        self.creates = []
        self.updates = []
        self.deletes = []
        self.unchanged = 0
        self.errors = []


def plan_groups(config, desired, placements, placer, grants, state):
    """Pure: the Plan that makes the listing match ``desired`` (the entries as options)
    placed at ``placements``; ``grants``: each entry's (device ids, endpoint ids)."""
    listing = placer.listing
    plan = Plan()
    matched = {}
    for index, (node, parent) in enumerate(placements):
        if node == ABSENT or (state == "deleted" and not _is_existing(node)):
            plan.unchanged += 1
            continue
        if _is_existing(node):
            matched[node] = index
        if state == "deleted":
            continue
        if _is_existing(node):
            body, fields = group_patch(listing.by_id[node], desired[index], None, *grants[index])
            if body:
                plan.updates.append((index, listing.by_id[node], body, fields))
            else:
                plan.unchanged += 1
        else:
            body, fields = group_create_body(desired[index], None, *grants[index])
            if parent is not ROOT:
                fields.insert(1, "parent")
            plan.creates.append((index, node, parent, body, fields))
    plan.creates.sort(key=lambda create: len(placer.node_path(create[1])))
    doomed = set()
    if state == "overridden":
        doomed = set(listing.by_id) - set(matched)
        _check_kept_ancestors(config, placements, listing, doomed, plan)
    elif state == "deleted":
        doomed = set(matched)
        for gid, index in sorted(matched.items()):
            left = [other for other in listing.descendants(gid) if other not in doomed]
            if left:
                plan.errors.append("%s: the group has descendant groups that are not listed: %s; list them too "
                                   "(their users are kept)" % (label(index, config[index]), _shown(listing, left)))
    plan.deletes = sorted((listing.by_id[gid] for gid in doomed),
                          key=lambda group: (-len(listing.chain(group["id"].lower())),
                                             listing.path(group["id"].lower())))
    return plan


def _check_kept_ancestors(config, placements, listing, doomed, plan):
    """overridden deletes every group not listed: never one that a listed group sits below."""
    for index, (node, parent) in enumerate(placements):
        if node == ABSENT:
            continue
        above = listing.chain(node) if _is_existing(node) else \
            (listing.chain(parent) + [parent] if _is_existing(parent) else [])
        unlisted = [gid for gid in above if gid in doomed]
        if unlisted:
            plan.errors.append("%s: overridden would delete %s, above this group, as it is not listed; list it" % (
                label(index, config[index]), _shown(listing, unlisted)))


def _shown(listing, ids):
    names = ["%s (%s)" % (path_label(listing.path(gid)), gid) for gid in sorted(ids, key=listing.path)]
    return ", ".join(names[:SHOWN]) + (" and %d more" % (len(names) - SHOWN) if len(names) > SHOWN else "")


# -- what the task reports ---------------------------------------------------------------------

def entry_view(path, group, endpoint_labels):
    """A group in the config entry shape, for ``diff``: the parent as its path of names."""
    view = with_access(group_view(group), group, endpoint_labels)
    view["parent"] = list(path[:-1])
    return view


def reported(path, group_id, fields=None):
    item = {"name": path[-1], "parent": list(path[:-1]), "id": group_id}
    if fields is not None:
        item["changed_fields"] = list(fields)
    return item


def gathered_config(listing, endpoint_labels):
    """(entries, warnings): every group in the config shape, parents first. A parent is
    given by name where no other group has that name, else as its path of names."""
    counts = {}
    for group in listing.by_id.values():
        counts[group.get("name")] = counts.get(group.get("name"), 0) + 1
    entries, warnings, siblings = [], [], {}
    for gid in sorted(listing.by_id, key=lambda gid: (len(listing.chain(gid)), listing.path(gid), gid)):
        group = listing.by_id[gid]
        parent = listing.parent_of(gid)
        if parent is ROOT:
            parent_entry = ""
        elif counts.get(listing.by_id[parent].get("name")) == 1:
            parent_entry = listing.by_id[parent]["name"]
        else:
            parent_entry = listing.path(parent)
        entry = {"name": group.get("name"), "parent": parent_entry, "description": group.get("description") or "",
                 "group_tags": dict(group.get("groupTags") or {})}
        entry.update(access_view(group, endpoint_labels))
        entries.append(entry)
        siblings.setdefault((parent, group.get("name")), []).append(gid)
    for (parent, name), ids in sorted(siblings.items(), key=lambda item: item[1]):
        if len(ids) > 1:
            warnings.append("groups %s are all named %r under the same parent: their entries cannot be told apart "
                            "when fed back; rename all but one" % (", ".join(sorted(ids)), name))
    return entries, warnings
