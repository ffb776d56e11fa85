#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: losant.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: experience_group
short_description: Create, update and delete Losant experience groups
version_added: 0.1.0
description:
  - Makes one experience group of a Losant application match the task - its
    name, description, parent, group tags, and what it grants its members
    (devices, device tags, an advanced device query, experience endpoints) -
    changing only what differs, in at most one write request.
  - The group is found by O(experience_group_id) when given, else by its exact
    O(name) (letter case counts). The group and a parent given by name or id
    are found with one request.
  - Options left out leave that part of the group alone. Group membership is
    managed from the users' side, with M(losant.platform.experience_user).
author:
  - Losant Platform Collection Maintainers (@losant-platform)
extends_documentation_fragment:
  - losant.platform.connection
  - losant.platform.attributes
  - losant.platform.attributes.actiongroup_losant
  - losant.platform.purge
options:
  state:
    description:
      - V(present) creates the group when missing and updates it when it differs.
      - V(absent) deletes the group when it exists. Its users are never
        deleted, they only lose this membership.
    type: str
    choices: [present, absent]
    default: present
  name:
    description:
      - The group's name, 1 to 255 characters; the natural key of the group.
      - Losant allows several groups with one name. When two or more have this
        name, the task fails listing their ids unless O(experience_group_id)
        chooses one.
      - With O(experience_group_id), a name that differs renames the group.
      - Required to create a group.
    type: str
  experience_group_id:
    description:
      - The id of an existing group, 24 hexadecimal characters. Wins over O(name)
        for the lookup. If no group has it, O(state=present) fails.
    type: str
  description:
    description:
      - The group's description, at most 32767 characters. V("") clears it.
    type: str
  parent:
    description:
      - The parent group, by exact name or by id. Groups nest; in Losant the
        members of a group (and of its ancestors) are also treated as members
        of its descendant groups and are associated with their devices.
      - V("") makes the group a top-level group.
      - Left out (or V(null)), an existing group stays where it is and a new
        group is created at the top level.
      - A parent that is unknown, ambiguous, the group itself or one of its
        descendants fails the task. In check mode only, an unknown parent
        warns instead, and the task reports what it would do (an earlier task
        of the same run may create it).
    type: str
  group_tags:
    description:
      - Tags of the group, a dictionary of strings. Keys match
        C(^[0-9a-zA-Z_-]{1,255}$); values are strings of 1 to 255 characters.
      - Merged into the current tags unless O(purge_group_tags=true). A key
        given the value V(null) removes that tag.
      - Left out, the group's tags are not modified.
    type: dict
  purge_group_tags:
    description:
      - When V(true), the group's tags become exactly O(group_tags); V({}) clears them.
      - Has no effect when O(group_tags) is left out (see the note on purge options).
    type: bool
    default: false
  devices:
    description:
      - Devices the group's users may access (Losant's C(deviceIds)), by exact
        name (letter case counts) or by id; at most 1000.
      - Names are resolved with one advanced device query. Device names are
        not unique in Losant - a name that several devices have, or that no
        device has, fails the task before any write, listing the candidates'
        ids (and the names that differ only in letter case). Ids the group
        does not grant yet are checked in the same query.
      - Merged into the current devices unless O(purge_devices=true).
      - Left out, the group's devices are not modified.
    type: list
    elements: str
    version_added: 1.0.0
  purge_devices:
    description:
      - When V(true), the group grants exactly O(devices); V([]) removes every device.
      - Has no effect when O(devices) is left out (see the note on purge options).
    type: bool
    default: false
    version_added: 1.0.0
  device_tags:
    description:
      - Device tags the group grants (Losant's C(deviceTags)) - its users may
        access every device with a matching tag. At most 100; a key may
        repeat, to grant several values of one key.
      - Merged into the current ones unless O(purge_device_tags=true); the
        list is compared as a set of pairs.
      - Left out, the group's device tags are not modified.
    type: list
    elements: dict
    suboptions:
      key:
        description: The tag key, matching C(^[0-9a-zA-Z_-]{1,255}$).
        type: str
        required: true
      value:
        description:
          - The tag value, 1 to 255 characters.
          - Left out (or V(null)), devices with the key and any value. Losant's
            schema allows a tag without value; that it then matches any value
            is how Losant's device tag filters treat a missing value, not a
            documented promise for groups.
        type: str
    version_added: 1.0.0
  purge_device_tags:
    description:
      - When V(true), the group's device tags become exactly O(device_tags); V([]) removes them.
      - Has no effect when O(device_tags) is left out (see the note on purge options).
    type: bool
    default: false
    version_added: 1.0.0
  device_query:
    description:
      - An advanced device query (Losant's C(deviceQueryJson)) selecting more
        devices the group grants, as a dictionary (see the examples).
        Compared as JSON, not as text; sent as compact JSON of at most 8192
        characters.
      - Its field names are checked before any write against those of Losant's
        advanced device query; Losant checks the rest.
      - V({}) clears the query. Left out (or V(null), which Ansible cannot tell
        from left out), the query is not modified.
    type: dict
    version_added: 1.0.0
  endpoints:
    description:
      - Experience endpoints the group's users may call (Losant's
        C(experienceEndpointIds)), by id or as C(METHOD /route), for example
        V(GET /dashboard) (the method in any letter case, the route exactly as
        defined); at most 1000.
      - Resolved with one listing of the endpoints; an unknown one fails the
        task before any write, naming the closest routes. An endpoint whose
        access is not V(group) is granted, with a warning, as it makes no
        difference until its access is V(group).
      - Merged into the current endpoints unless O(purge_endpoints=true).
      - Left out, the group's endpoints are not modified.
    type: list
    elements: str
    version_added: 1.0.0
  purge_endpoints:
    description:
      - When V(true), the group grants exactly O(endpoints); V([]) removes every endpoint.
      - Has no effect when O(endpoints) is left out (see the note on purge options).
    type: bool
    default: false
    version_added: 1.0.0
  delete_descendants:
    description:
      - With O(state=absent), a group that has child groups is only deleted
        when this is V(true). Its descendants are then deleted first, deepest
        first. Their users are kept.
      - When V(false), deleting a group with children fails and names them.
      - Descendants are proposed by Losant's C(ancestorId) filter and then
        checked on the controller from each group's own C(ancestorIds), before
        any DELETE - a group that is not a descendant is never deleted, even if
        the server ignored the filter.
    type: bool
    default: false
notes:
  - "Request budget: a task that changes nothing costs one HTTP request; an
    update adds one PATCH; a create is one lookup and one POST. A delete is
    one lookup, one query for descendants, and one DELETE per group deleted.
    In diff mode, a change (or a delete) of a group whose current parent the
    lookup did not bring costs one more request, to name that parent. O(devices) given by name, or device ids
    the group does not grant yet, add one advanced device query;
    O(endpoints) given as C(METHOD /route), or endpoint ids the group does
    not grant yet, add one endpoint listing."
  - "Group names are not unique in Losant: two runs creating the same group at
    the same moment make two groups, and later runs by O(name) then fail,
    listing both ids. A create that timed out (or got a 504) is looked up but
    never repeated, so it cannot make a duplicate; the task fails and says so."
seealso:
  - module: losant.platform.experience_group_info
    description: Find groups and read them back, with their parents, tags and members.
  - module: losant.platform.experience_groups
    description: A whole hierarchy of groups, and what each grants, in one task.
  - module: losant.platform.experience_user
    description: Group membership is set on the user, with its C(experience_groups) option.
  - module: losant.platform.experience_users
    description: Set the membership of many users in one task.
  - name: Losant experience groups
    description: Losant's documentation of the Experience Group API resource.
    link: https://docs.losant.com/rest-api/experiencegroup/
"""

EXAMPLES = r"""
- name: Model a customer's access
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
    - name: A top-level group for the customer
      losant.platform.experience_group:
        name: Acme
        description: Everyone at Acme
        group_tags:
          customer: acme

    - name: A child group for its operators
      losant.platform.experience_group:
        name: Acme Operators
        parent: Acme

    - name: Move a group to the top level (parent left out would keep it where it is) and drop a tag
      losant.platform.experience_group:
        name: Acme Operators
        parent: ""
        group_tags:
          legacy: null

    - name: Rename a group chosen by id
      losant.platform.experience_group:
        experience_group_id: 5f6a7b8c9d0e1f2a3b4c5d70
        name: Acme Field Operators

    - name: Let Acme's operators see Acme's devices and call the control endpoint
      losant.platform.experience_group:
        name: Acme Operators
        device_tags:
          - key: customer
            value: acme
        devices: [Pump 7]
        device_query:
          tags:
            site: north
        endpoints:
          - GET /dashboard
          - POST /api/control

    - name: From now on, grant exactly these devices and no device query
      losant.platform.experience_group:
        name: Acme Operators
        devices: [Pump 7, Pump 8]
        purge_devices: true
        device_query: {}

    - name: Delete a customer's groups, children first (users are kept)
      losant.platform.experience_group:
        name: Acme
        state: absent
        delete_descendants: true
"""

RETURN = r"""
experience_group:
  description:
    - The group after the task, as Losant holds it, with snake_case keys
      (group tag keys are left as they are). Empty after O(state=absent).
    - In check mode, the group as it would be; a group that would be created
      has no C(id) yet, and one whose parent an earlier task would create has
      C(parent_id) null.
    - Besides Losant's fields (C(device_ids), C(device_tags),
      C(device_query_json), C(experience_endpoint_ids)), what the group grants
      is returned in the shape of this module's options, to feed straight
      back - C(devices), C(device_tags), C(device_query), C(endpoints).
  returned: always
  type: dict
  contains:
    id:
      description: The group's id.
      type: str
      returned: when the group exists
      sample: 5f6a7b8c9d0e1f2a3b4c5d70
    name:
      description: The name.
      type: str
      returned: success
      sample: Acme Operators
    description:
      description: The description.
      type: str
      returned: when set
      sample: Operate Acme devices
    parent_id:
      description: The parent group's id, null for a top-level group.
      type: str
      returned: success
      sample: 5f6a7b8c9d0e1f2a3b4c5d6f
    ancestor_ids:
      description: Ids of the parent, its parent, and so on.
      type: list
      elements: str
      returned: success
      sample: ["5f6a7b8c9d0e1f2a3b4c5d6f"]
    group_tags:
      description: The tags, keys as written.
      type: dict
      returned: success
      sample: {"customer": "acme"}
    experience_user_ids:
      description: Ids of the users in the group.
      type: list
      elements: str
      returned: when the group exists
      sample: ["5f6a7b8c9d0e1f2a3b4c5d71"]
    devices:
      description: Ids of the devices the group grants by id, for O(devices).
      type: list
      elements: str
      returned: success
      sample: ["5f6a7b8c9d0e1f2a3b4c5d80"]
      version_added: 1.0.0
    device_tags:
      description: The device tags the group grants, for O(device_tags); an entry without C(value) matches any value.
      type: list
      elements: dict
      returned: success
      sample: [{"key": "customer", "value": "acme"}]
      version_added: 1.0.0
    device_query:
      description:
        - The group's advanced device query as a dictionary, for
          O(device_query); V({}) when it has none, null when Losant holds text
          that is not JSON (then see C(device_query_json)).
      type: dict
      returned: success
      sample: {"tags": {"site": "north"}}
      version_added: 1.0.0
    endpoints:
      description: Ids of the experience endpoints the group grants, for O(endpoints).
      type: list
      elements: str
      returned: success
      sample: ["5f6a7b8c9d0e1f2a3b4c5d90"]
      version_added: 1.0.0
    direct_device_count:
      description: How many devices the group grants itself, as Losant counts them.
      type: int
      returned: when the group exists
      sample: 12
      version_added: 1.0.0
    total_device_count:
      description: How many devices the group and its descendants grant, as Losant counts them.
      type: int
      returned: when the group exists
      sample: 30
      version_added: 1.0.0
    creation_date:
      description: When the group was created.
      type: str
      returned: when the group exists
      sample: "2026-11-26T17:38:35.123Z"
    last_updated:
      description: When the group was last changed.
      type: str
      returned: when the group exists
      sample: "2026-11-26T17:38:35.123Z"
changed_fields:
  description:
    - Names of the options whose values the task changed (or would change). On
      create, every option that was set. Empty on delete and when nothing changed.
  returned: always
  type: list
  elements: str
  sample: [description, group_tags]
deleted_groups:
  description:
    - The groups deleted (or that would be, in check mode), descendants first,
      each with C(id) and C(name).
    - When a DELETE fails after others succeeded, the task fails with
      C(changed=true) and this lists the groups deleted before the failure.
  returned: when O(state=absent)
  type: list
  elements: dict
  sample: [{"id": "5f6a7b8c9d0e1f2a3b4c5d70", "name": "Acme Operators"}]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.losant.platform.plugins.module_utils._client import EXPERIENCE_GROUP
from ansible_collections.losant.platform.plugins.module_utils._group_access import (
    AccessError,
    resolve_grants,
    trim_access,
    with_access,
)
from ansible_collections.losant.platform.plugins.module_utils._groups import (
    GROUP_OPTIONS,
    GroupError,
    descendants_deepest_first,
    group_create_body,
    group_option_errors,
    group_patch,
    group_view,
    lookup_query,
    parent_missing,
    pick_group,
    pick_parent,
    predict_group,
    verified_descendants,
)
from ansible_collections.losant.platform.plugins.module_utils._losant_module import (
    argument_spec,
    client_from_module,
    fail_on_errors,
    failures_reported,
)
from ansible_collections.losant.platform.plugins.module_utils._results import group_result, text_diff
from ansible_collections.losant.platform.plugins.module_utils._transport import LosantApiError
from ansible_collections.losant.platform.plugins.module_utils._users import PLANNED_GROUP
from ansible_collections.losant.platform.plugins.module_utils._write_gate import (
    CREATE,
    DELETE,
    UPDATE,
    GateRefusal,
    Rules,
    Write,
    WriteGate,
)


# What Losant holds for a new group before the POST body is applied: top level, no tags.
NEW_GROUP = {"parentId": None, "ancestorIds": [], "groupTags": {}}


def old_parent_name(client, group, candidates, known):
    """{id: name} of the group's current parent, so that a diff names both parents alike;
    a request only when the lookup did not already bring that parent."""
    parent_id = (group or {}).get("parentId")
    if not parent_id or parent_id in known:
        return {}
    found = [candidate for candidate in candidates if candidate.get("id") == parent_id]
    parent = found[0] if found else client.get_experience_group(parent_id)
    return {parent_id: parent["name"]} if parent else {}


def deletion_gate(client, group):
    """The write gate of a delete: only the group found and its descendants by their own ancestorIds."""
    group_id = group["id"].lower()
    return WriteGate(client, Rules(
        lambda found: found["id"].lower() == group_id or group_id in [gid.lower() for gid in found.get("ancestorIds") or []],
        "the group %r (%s) and its descendants" % (group.get("name"), group["id"]), what="groups"))


def remove_group(module, client, group):
    if group is None:
        return dict(changed=False, experience_group={}, changed_fields=[], deleted_groups=[]), {}
    descendants = verified_descendants(group, client.query_experience_groups({"ancestorId": group["id"]}))
    if descendants and not module.params["delete_descendants"]:
        module.fail_json(msg="experience group %r (%s) has descendant groups: %s; set delete_descendants=true to "
                             "delete them too (their users are kept)" % (
                                 group["name"], group["id"],
                                 ", ".join("%s (%s)" % (child["name"], child["id"]) for child in descendants)))
    names = old_parent_name(client, group, [], {}) if module._diff else {}  # before its parent could go
    doomed = descendants_deepest_first(descendants) + [group]
    writes = [Write(DELETE, EXPERIENCE_GROUP, victim.get("name"), victim) for victim in doomed]
    gate = deletion_gate(client, group)
    gate.admit(writes)
    deleted = []
    for victim, write in zip(doomed, writes):
        if not module.check_mode:
            try:
                gate.send(write)
            except LosantApiError as exc:
                # Some groups may be gone already: say so, and which.
                module.fail_json(msg="%s; %d of the %d groups to delete were deleted before this failure (see "
                                     "deleted_groups): run the task again to finish" % (
                                         exc.message, len(deleted), len(doomed)),
                                 changed=bool(deleted) or exc.outcome_unknown, deleted_groups=deleted, status=exc.status,
                                 error_type=exc.error_type)
        deleted.append(dict(id=victim["id"], name=victim.get("name")))
    return dict(changed=True, experience_group={}, changed_fields=[], deleted_groups=deleted), \
        diff_of(group, None, names, {})


def ensure_group(module, client, group, candidates):
    params = module.params
    if group is None and params["experience_group_id"]:
        module.fail_json(msg="No experience group has experience_group_id %s; leave experience_group_id out "
                             "to create a group by name" % params["experience_group_id"])
    if group is None and not params["name"]:
        module.fail_json(msg="name is required to create an experience group")
    planned_parent = module.check_mode and parent_missing(candidates, params["parent"])
    if planned_parent:
        module.warn("parent: no experience group is named (or has the id) %r yet; check mode assumes an earlier "
                    "task of this run creates it (without check mode this fails)" % params["parent"])
        parent = {"id": PLANNED_GROUP + params["parent"], "name": params["parent"], "ancestorIds": []}
    else:
        parent = pick_parent(candidates, params["parent"], group)
    parent_id = parent["id"] if parent else None
    names = {parent_id: parent["name"]} if parent else {}  # a planned parent too
    (grants,), labels, warnings = resolve_grants(client, [("", params, group)])
    for warning in warnings:
        module.warn(warning)

    if group is None:
        body, changed_fields = group_create_body(params, parent_id, *grants)
    else:
        body, changed_fields = group_patch(group, params, parent_id, *grants)
    if module._diff and body:
        # The diff names both parents, the one left and one kept alike.
        names.update(old_parent_name(client, group, candidates, names))
    if not body:
        return dict(changed=False, experience_group=group_result(group), changed_fields=[]), \
            diff_of(group, group, names, labels)
    # Creates and updates delete and suspend nothing: the gate's rules need no selection.
    gate = WriteGate(client, Rules(what="groups"))
    write = gate.admitted(Write(UPDATE, EXPERIENCE_GROUP, group["name"], group, body) if group is not None
                          else Write(CREATE, EXPERIENCE_GROUP, body["name"], None, body))
    if module.check_mode:
        after = predict_group(group or NEW_GROUP, body, parent)
    elif group is None:
        after = gate.send(write, recover=lambda: pick_group(client.query_experience_groups({"name": body["name"]}),
                                                            None, body["name"]))
    else:
        after = gate.send(write)
    returned = group_result(after)
    if planned_parent:
        returned.update(parent_id=None, ancestor_ids=[])  # its parent has no id yet
    return dict(changed=True, experience_group=returned, changed_fields=changed_fields), \
        diff_of(group, after, names, labels)


def diff_of(before, after, names, labels):
    """before/after, without the access keys a group that grants nothing would show empty."""
    shown = trim_access(with_access(group_view(before, names), before, labels),
                        with_access(group_view(after, names), after, labels))
    return dict(before=shown[0], after=shown[1])


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(**GROUP_OPTIONS),
        required_one_of=[("name", "experience_group_id")],
        supports_check_mode=True,
    )
    params = module.params
    fail_on_errors(module, group_option_errors(params))
    client = client_from_module(module)

    with failures_reported(module, GroupError, AccessError, GateRefusal):
        parent = params["parent"] if params["state"] == "present" else None
        candidates = client.query_experience_groups(lookup_query(params["experience_group_id"], params["name"], parent))
        group = pick_group(candidates, params["experience_group_id"], params["name"])
        if params["state"] == "absent":
            result, diff = remove_group(module, client, group)
        else:
            result, diff = ensure_group(module, client, group, candidates)

    if module._diff:
        result["diff"] = text_diff(diff)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
