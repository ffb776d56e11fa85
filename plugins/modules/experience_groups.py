#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: losant.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: experience_groups
short_description: Manage a whole hierarchy of Losant experience groups in one task
version_added: 1.0.0
description:
  - A resource module for the experience groups of a Losant application, in
    the manner of Ansible's network resource modules - a O(config) list and a
    O(state) that says how to apply it.
  - One listing of the groups is read, whatever the size of the hierarchy;
    parents are written before their children and deletions go deepest
    first. Every entry is checked, and every name resolved, before anything
    is written.
  - Each entry takes the options of M(losant.platform.experience_group) that
    describe a group, including what it grants (devices, device tags, a
    device query, experience endpoints).
  - In check mode the whole plan is made, including children of parents that
    do not exist yet.
author:
  - Losant Platform Collection Maintainers (@losant-platform)
extends_documentation_fragment:
  - losant.platform.connection
  - losant.platform.attributes
  - losant.platform.attributes.actiongroup_losant
  - losant.platform.purge
options:
  config:
    description:
      - The groups. An entry's key is its O(config[].name) with its
        O(config[].parent); two entries with one key fail the task.
      - One entry that breaks a rule, or that names an unknown or ambiguous
        group, device or endpoint, fails the task before any write; the
        message names the entry's index and name.
      - Required with every O(state) but V(gathered), so that a forgotten
        O(config) never reads as "no groups".
    type: list
    elements: dict
    suboptions:
      name:
        description: The group's name, 1 to 255 characters.
        type: str
        required: true
      parent:
        description:
          - Where the group sits. V("") (or V([])) is the top level.
          - A name is the parent's exact name - a group of the application or
            another entry of O(config). It must be the name of exactly one
            group; where names repeat in different branches, give the list of
            names from the top level down, for example V([Acme, Operators]).
          - A parent is looked up by name first, so that a group whose name
            is 24 hexadecimal characters is never mistaken for an id; a
            string that no group has as its name but that is the id of a group
            names that group.
          - Left out, the entry is the group of that name wherever it is
            (there must be only one), or a new top-level group when there is
            none - as M(losant.platform.experience_group) does with its
            O(losant.platform.experience_group#module:parent) left out.
          - A group is never moved - a different parent is a different
            group; move one with M(losant.platform.experience_group).
          - A parent that is neither a group nor an entry fails the task, but
            only warns in check mode, where an earlier task of the run may
            create it.
        type: raw
      description:
        description:
          - At most 32767 characters.
          - Left out, with O(state=merged), the description is not modified; with
            O(state=replaced) or O(state=overridden) it is cleared.
        type: str
      group_tags:
        description:
          - Tags of the group, a dictionary of strings; merged into the current
            ones with O(state=merged) unless O(config[].purge_group_tags=true). A
            V(null) value removes the key.
          - Left out, with O(state=merged), the tags are not modified; with
            O(state=replaced) or O(state=overridden) they are removed.
        type: dict
      purge_group_tags:
        description:
          - With O(state=merged), make the tags exactly O(config[].group_tags).
          - Has no effect when O(config[].group_tags) is left out (see the note on purge options).
        type: bool
        default: false
      devices:
        description:
          - Devices the group grants, by exact name or by id; as
            O(losant.platform.experience_group#module:devices).
          - Merged into the current ones with O(state=merged) unless
            O(config[].purge_devices=true). Left out, with O(state=merged), not
            modified; with O(state=replaced) or O(state=overridden) emptied.
        type: list
        elements: str
      purge_devices:
        description:
          - With O(state=merged), make the devices exactly O(config[].devices).
          - Has no effect when O(config[].devices) is left out.
        type: bool
        default: false
      device_tags:
        description:
          - Device tags the group grants, as
            O(losant.platform.experience_group#module:device_tags); merged
            unless O(config[].purge_device_tags=true). Left out, with
            O(state=merged), not modified; with O(state=replaced) or
            O(state=overridden) emptied.
        type: list
        elements: dict
        suboptions:
          key:
            description: The tag key, matching C(^[0-9a-zA-Z_-]{1,255}$).
            type: str
            required: true
          value:
            description: The tag value, 1 to 255 characters; left out, any value of the key.
            type: str
      purge_device_tags:
        description:
          - With O(state=merged), make the device tags exactly O(config[].device_tags).
          - Has no effect when O(config[].device_tags) is left out.
        type: bool
        default: false
      device_query:
        description:
          - An advanced device query, as
            O(losant.platform.experience_group#module:device_query); V({})
            clears it. Left out, with O(state=merged), not modified; with
            O(state=replaced) or O(state=overridden) cleared.
        type: dict
      endpoints:
        description:
          - Experience endpoints the group grants, by id or as C(METHOD /route);
            as O(losant.platform.experience_group#module:endpoints). Merged
            unless O(config[].purge_endpoints=true). Left out, with
            O(state=merged), not modified; with O(state=replaced) or
            O(state=overridden) emptied.
        type: list
        elements: str
      purge_endpoints:
        description:
          - With O(state=merged), make the endpoints exactly O(config[].endpoints).
          - Has no effect when O(config[].endpoints) is left out.
        type: bool
        default: false
  state:
    description:
      - V(merged) creates missing groups and updates the fields given in each
        entry; a field left out is not touched.
      - V(replaced) gives each listed group exactly the given fields - a
        left-out description, O(config[].group_tags), O(config[].devices),
        O(config[].device_tags), O(config[].device_query) or
        O(config[].endpoints) becomes empty, whatever the purge options say.
        Groups not listed are untouched.
      - V(overridden) is V(replaced), and every group of the application
        that is not listed is deleted, deepest first. A group above a listed
        one must be listed too. Members of a deleted group are kept.
      - V(deleted) deletes the listed groups (only O(config[].name) and
        O(config[].parent) matter), deepest first; a listed group's child
        groups must be listed too. Members are kept.
      - V(gathered) writes nothing and returns every group in the O(config)
        shape, in RV(gathered).
    type: str
    choices: [merged, replaced, overridden, deleted, gathered]
    default: merged
  max_deletions:
    description:
      - When the task would delete more groups than this, it fails before any
        write and says how many. A guard for O(state=overridden).
      - O(state=overridden) with no entries (an empty O(config), or a variable
        that came out empty) would delete every group, so it fails before any
        request unless this is given.
    type: int
notes:
  - "Request budget: one listing of the groups (one request for up to 1000
    groups); one advanced device query when device names are given or device
    ids are added; one endpoint listing when endpoints are given as
    C(METHOD /route) or endpoint ids are added; then one request per group
    created, updated or deleted. A run that changes nothing in a hierarchy of
    200 groups costs at most three requests."
  - "Deletions are chosen from the listing itself - each group's C(parentId),
    checked against its C(ancestorIds) - never from a server-side filter; a
    listing whose parents and ancestors disagree, or that lacks a parent,
    fails the task before any write."
  - "Every write passes one gate first, checked on this side before the first
    request that writes: a group deleted by O(state=deleted) is named by an
    entry (its name, and its parent when the entry gives one), one deleted by
    O(state=overridden) by none; no group is written twice; no more than
    O(max_deletions) are deleted."
  - "A write whose answer is lost (no answer within O(timeout), a 502, 503
    or 504 after it was sent) is settled by reading the group back: if it is
    as the write asked, it counts as done; if not, the task fails saying that
    the write may or may not have landed, with C(changed) true - a rerun
    converges. A create is never repeated blindly (groups are looked up by
    name and parent first)."
  - "Writes run one after another, updates first, then creates (parents
    first), then deletions (deepest first). The first write that fails stops
    the others; the task then fails and reports what was done in RV(created),
    RV(updated) and RV(deleted)."
  - In diff mode there is one C(before)/C(after) per changed group, headed by its path of names.
seealso:
  - module: losant.platform.experience_group
    description: One group per task, found by name or id; it moves and renames groups.
  - module: losant.platform.experience_group_info
    description: Read groups with their ids, parents and members.
  - module: losant.platform.experience_users
    description: The users of the groups, in one task; its gathered state completes the access model.
  - name: Losant experience groups
    description: Losant's documentation of the Experience Group API resource.
    link: https://docs.losant.com/rest-api/experiencegroup/
"""

EXAMPLES = r"""
- name: A customer's hierarchy in one task
  hosts: localhost
  gather_facts: false
  vars:
    # The Python that runs Ansible has the requests library.
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
  module_defaults:
    group/losant.platform.losant:
      application_id: "{{ lookup('ansible.builtin.env', 'LOSANT_APPLICATION_ID') }}"
      api_token: "{{ lookup('ansible.builtin.env', 'LOSANT_API_TOKEN') }}"
  tasks:
    - name: Acme sees its own devices; operators also call the control endpoint
      losant.platform.experience_groups:
        config:
          - name: Acme
            parent: ""
            group_tags: {customer: acme}
            device_tags:
              - {key: customer, value: acme}
          - name: Operators
            parent: Acme
            endpoints: ["POST /api/control"]
          - name: Night Shift
            parent: [Acme, Operators]
            devices: [Pump 7]

    - name: Export every group, to keep them in version control
      losant.platform.experience_groups:
        state: gathered
      register: current

    - name: Make the application's groups exactly these, deleting at most 5 others
      losant.platform.experience_groups:
        state: overridden
        max_deletions: 5
        config: "{{ current.gathered }}"

    - name: Remove a branch, children listed too (their users are kept)
      losant.platform.experience_groups:
        state: deleted
        config:
          - {name: Night Shift, parent: [Acme, Operators]}
          - {name: Operators, parent: Acme}
"""

RETURN = r"""
created:
  description:
    - The groups created (or that would be, in check mode), parents first,
      each with its C(name), its C(parent) as the list of names from the top
      level down, its C(id) (null in check mode) and C(changed_fields).
  returned: always
  type: list
  elements: dict
  sample: [{"name": "Operators", "parent": ["Acme"], "id": "5f6a7b8c9d0e1f2a3b4c5d70",
            "changed_fields": ["name", "parent", "endpoints"]}]
updated:
  description: The groups updated (or that would be), in the same shape, with the options that changed.
  returned: always
  type: list
  elements: dict
  sample: [{"name": "Acme", "parent": [], "id": "5f6a7b8c9d0e1f2a3b4c5d6f", "changed_fields": ["device_tags"]}]
deleted:
  description: The groups deleted (or that would be), deepest first, each with C(name), C(parent) and C(id).
  returned: always
  type: list
  elements: dict
  sample: [{"name": "Night Shift", "parent": ["Acme", "Operators"], "id": "5f6a7b8c9d0e1f2a3b4c5d71"}]
unchanged:
  description:
    - How many listed groups already matched (with O(state=deleted), how many
      were already absent).
  returned: always
  type: int
  sample: 198
gathered:
  description:
    - Every group in the O(config) shape, parents first. A parent is given by
      name where no other group has that name, else as its list of names from
      the top level down; devices by id; endpoints as C(METHOD /route).
    - Fed back unchanged with O(state=merged), O(state=replaced) or
      O(state=overridden), it makes no write.
  returned: when O(state=gathered)
  type: list
  elements: dict
  sample: [{"name": "Acme", "parent": "", "description": "", "group_tags": {"customer": "acme"},
            "devices": [], "device_tags": [{"key": "customer", "value": "acme"}], "device_query": {},
            "endpoints": []}]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.losant.platform.plugins.module_utils._client import EXPERIENCE_GROUP, LosantApiError
from ansible_collections.losant.platform.plugins.module_utils._group_access import (
    AccessError,
    resolve_grants,
    trim_access,
)
from ansible_collections.losant.platform.plugins.module_utils._group_tree import (
    ENTRY_OPTIONS,
    NEW_GROUP,
    STATES,
    Listing,
    TreeError,
    config_errors,
    desired_entry,
    entry_view,
    gathered_config,
    label,
    path_label,
    place_entries,
    plan_groups,
    reported,
    selection_rule,
)
from ansible_collections.losant.platform.plugins.module_utils._groups import GroupError, predict_group
from ansible_collections.losant.platform.plugins.module_utils._losant_module import (
    argument_spec,
    client_from_module,
    fail_on_errors,
    failures_reported,
)
from ansible_collections.losant.platform.plugins.module_utils._results import text_diff
from ansible_collections.losant.platform.plugins.module_utils._write_gate import (
    CREATE,
    DELETE,
    UPDATE,
    GateRefusal,
    Rules,
    Write,
    WriteGate,
    empty_overridden_error,
)


def gather(module, client, listing):
    wants_labels = any(group.get("experienceEndpointIds") for group in listing.by_id.values())
    labels = dict((endpoint["id"].lower(), "%s %s" % (endpoint["method"].upper(), endpoint["route"]))
                  for endpoint in (client.list_experience_endpoints() if wants_labels else []))
    entries, warnings = gathered_config(listing, labels)
    for warning in warnings:
        module.warn(warning)
    module.exit_json(changed=False, gathered=entries, created=[], updated=[], deleted=[], unchanged=0)


def plan(module, client, listing):
    """(plan, placer, desired entries, endpoint labels), or the task fails before any write."""
    config, state = module.params["config"], module.params["state"]
    missing = "absent" if state == "deleted" else "plan" if module.check_mode else "fail"
    placements, errors, placer = place_entries(config, listing, missing)
    fail_on_errors(module, errors)
    for warning in placer.warnings:
        module.warn(warning)
    desired = [desired_entry(entry, state) for entry in config]
    grants, labels = [(None, None)] * len(config), {}
    if state != "deleted":
        items = [(label(index, entry), desired[index], listing.by_id.get(placements[index][0]))
                 for index, entry in enumerate(config)]
        grants, labels, warnings = resolve_grants(client, items)
        for warning in warnings:
            module.warn(warning)
    planned = plan_groups(config, desired, placements, placer, grants, state)
    fail_on_errors(module, planned.errors)
    selects, selection = selection_rule(config, listing, state)
    gate = WriteGate(client, Rules(selects, selection, max_deletions=module.params["max_deletions"], what="groups"))
    writes = planned_writes(planned, placer)
    try:
        gate.admit(sum(writes.values(), []))
    except GateRefusal as exc:
        module.fail_json(msg=str(exc), errors=exc.problems, would_delete=len(planned.deletes))
    return planned, placer, labels, gate, writes


def planned_writes(planned, placer):
    """The plan as the write gate takes it, in the order it runs: updates, creates (parents first), deletions."""
    listing = placer.listing
    return {
        "updates": [Write(UPDATE, EXPERIENCE_GROUP, path_label(listing.path(group["id"].lower())), group, body)
                    for dummy, group, body, dummy2 in planned.updates],
        "creates": [Write(CREATE, EXPERIENCE_GROUP, path_label(placer.node_path(node)), None, body)
                    for dummy, node, dummy2, body, dummy3 in planned.creates],
        "deletes": [Write(DELETE, EXPERIENCE_GROUP, path_label(listing.path(group["id"].lower())), group)
                    for group in planned.deletes],
    }


def report(planned, placer, labels, written=None):
    """The result lists and the per-group diffs of a plan; after the writes (``written``,
    as run_writes returns it), of the writes done only."""
    listing = placer.listing
    ids, done = written[:2] if written else ({}, None)
    created, updated, deleted, diffs = [], [], [], []
    for index, node, parent, body, fields in planned.creates:
        if done is None or node in done["created"]:
            path = placer.node_path(node)
            created.append(reported(path, ids.get(node), fields))
            diffs.append((path, {}, entry_view(path, dict(NEW_GROUP, **body), labels)))
    for index, group, body, fields in planned.updates:
        if done is None or group["id"] in done["updated"]:
            path = listing.path(group["id"].lower())
            updated.append(reported(path, group["id"], fields))
            diffs.append((path, entry_view(path, group, labels),
                          entry_view(path, predict_group(group, body, None), labels)))
    for group in planned.deletes:
        if done is None or group["id"] in done["deleted"]:
            path = listing.path(group["id"].lower())
            deleted.append(reported(path, group["id"]))
            diffs.append((path, entry_view(path, group, labels), {}))
    diff = []
    for path, before, after in diffs:
        before, after = trim_access(before, after)
        diff.append(dict(before_header=path_label(path), after_header=path_label(path), before=before, after=after))
    return dict(created=created, updated=updated, deleted=deleted, unchanged=planned.unchanged), diff


def find_created(client, name, parent_id):
    """The group a POST whose answer was lost created: by exact name and parent, checked here."""
    found = [group for group in client.query_experience_groups({"name": name})
             if group.get("name") == name and (group.get("parentId") or None) == parent_id]
    if len(found) > 1:
        raise GroupError("%d groups named %r now have the same parent (ids %s): another run created one at the same "
                         "time; delete the extra one" % (len(found), name, ", ".join(sorted(g["id"] for g in found))))
    return found[0] if found else None


def run_writes(gate, planned, writes):
    """Every write of the plan in order, through the gate that admitted them; stops at the first
    failure. Returns ({node: id} of the groups created, the writes done, the error or None, and
    whether the failed write may have landed)."""
    client = gate.client
    created, done = {}, {"updated": set(), "created": set(), "deleted": set()}
    try:
        for (dummy, group, body, dummy2), write in zip(planned.updates, writes["updates"]):
            gate.send(write)
            done["updated"].add(group["id"])
        for (dummy, node, parent, body, dummy2), write in zip(planned.creates, writes["creates"]):
            # A parent created by this task has its id only now.
            parent_id = created.get(parent, parent)
            write.body = dict(body, parentId=parent_id) if parent_id else body
            group = gate.send(write, recover=lambda body=write.body, parent_id=parent_id: find_created(
                client, body["name"], parent_id))
            created[node] = group["id"]
            done["created"].add(node)
        for group, write in zip(planned.deletes, writes["deletes"]):
            gate.send(write)
            done["deleted"].add(group["id"])
    except LosantApiError as exc:
        return created, done, exc.message, exc.outcome_unknown
    except GroupError as exc:
        return created, done, str(exc), False
    return created, done, None, False


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(
            config=dict(type="list", elements="dict", options=ENTRY_OPTIONS),
            state=dict(type="str", default="merged", choices=STATES),
            max_deletions=dict(type="int"),
        ),
        # Leaving config out must never mean "no groups": with overridden that would delete them all.
        required_if=[("state", state, ["config"]) for state in ("merged", "replaced", "overridden", "deleted")],
        supports_check_mode=True,
    )
    params = module.params
    params["config"] = params["config"] or []
    errors = config_errors(params["config"])
    if params["max_deletions"] is not None and params["max_deletions"] < 0:
        errors.append("max_deletions must be 0 or more, got %d" % params["max_deletions"])
    errors.append(empty_overridden_error(params["state"], params["config"], params["max_deletions"], "group"))
    fail_on_errors(module, errors)
    client = client_from_module(module)

    with failures_reported(module, AccessError, TreeError, GroupError):
        listing = Listing(client.list_experience_groups())
        fail_on_errors(module, ["the group listing cannot be trusted: %s" % problem for problem in listing.problems])
        if params["state"] == "gathered":
            gather(module, client, listing)
        planned, placer, labels, gate, writes = plan(module, client, listing)

    result, diff = report(planned, placer, labels)
    result["changed"] = bool(planned.creates or planned.updates or planned.deletes)
    if not module.check_mode and result["changed"]:
        written = run_writes(gate, planned, writes)
        # Report what was written, not what was planned; a write that may have landed counts as a change.
        result, diff = report(planned, placer, labels, written)
        result["changed"] = bool(result["created"] or result["updated"] or result["deleted"] or written[3])
        if written[2]:
            if module._diff:
                result["diff"] = text_diff(diff)
            module.fail_json(msg="%s; done before it: %d created, %d updated, %d deleted" % (
                written[2], len(result["created"]), len(result["updated"]), len(result["deleted"])), **result)
    if module._diff:
        result["diff"] = text_diff(diff)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
