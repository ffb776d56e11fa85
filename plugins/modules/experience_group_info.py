#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: losant.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: experience_group_info
short_description: List Losant experience groups
version_added: 0.1.0
description:
  - Returns the experience groups of a Losant application - one by id, those
    with an exact name, those whose name matches a glob, or all of them - with
    their parent, ancestors, tags, member user ids, and the devices, device
    tags, device query and experience endpoints they grant.
  - Each group has the shape M(losant.platform.experience_group) returns.
  - Reads every page of the listing, whatever page size Losant answers with.
author:
  - Losant Platform Collection Maintainers (@losant-platform)
extends_documentation_fragment:
  - losant.platform.connection
  - losant.platform.attributes.info_module
  - losant.platform.attributes.actiongroup_losant
options:
  experience_group_id:
    description:
      - Return the group with this id (an empty list when there is none).
    type: str
  name:
    description:
      - Return the groups with exactly this name (letter case counts).
    type: str
  name_pattern:
    description:
      - Return the groups whose name matches this glob, ignoring letter case;
        C(*) matches any run of characters, for example V(Acme*).
    type: str
  workers:
    description:
      - How many pages of the listing are read at once, once the first page
        has told how many there are. They obey the rate-limit and retry rules
        of O(retries) together - after a 429 every one of them waits for the
        pause Losant asks for, and fewer of them run at once until requests
        succeed again.
    type: int
    default: 8
    version_added: 1.0.0
notes:
  - With none of O(experience_group_id), O(name) and O(name_pattern), every group is returned.
  - "Request budget: one request for each page of matching groups (Losant
    puts 100 on a page by its current documentation; the module asks for up
    to 1000), the pages after the first read O(workers) at a time."
  - "The pages are read in a stable order (by id) and checked before they
    are returned: if groups are added or deleted meanwhile, the listing is
    read again, up to three times in all; then the task fails."
seealso:
  - module: losant.platform.experience_group
    description: Create, update and delete one group.
  - module: losant.platform.experience_groups
    description: Every group in configuration form, with its O(losant.platform.experience_groups#module:state=gathered).
  - module: losant.platform.experience_user_info
    description: The users of a group, with its O(losant.platform.experience_user_info#module:experience_group) filter.
  - name: Losant experience groups
    description: Losant's documentation of the Experience Group API resource.
    link: https://docs.losant.com/rest-api/experiencegroup/
"""

EXAMPLES = r"""
- name: Read the groups of a customer
  hosts: localhost
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
  tasks:
    - name: Every group whose name starts with Acme
      losant.platform.experience_group_info:
        name_pattern: "Acme*"
      register: acme

    - name: Print their names and member counts
      ansible.builtin.debug:
        msg: "{{ item.name }}: {{ item.experience_user_ids | length }} users"
      loop: "{{ acme.experience_groups }}"
      loop_control:
        label: "{{ item.id }}"

    - name: The group named exactly "Acme Operators"
      losant.platform.experience_group_info:
        name: Acme Operators
      register: operators

    - name: Its children
      losant.platform.experience_group_info: {}
      register: all_groups

    - name: Print the children's names
      ansible.builtin.debug:
        msg: "{{ all_groups.experience_groups | selectattr('parent_id', 'equalto', operators.experience_groups[0].id)
                 | map(attribute='name') | list }}"
"""

RETURN = r"""
experience_groups:
  description:
    - The matching groups, sorted by name, each in the shape
      M(losant.platform.experience_group) returns in RV(losant.platform.experience_group#module:experience_group).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The group's id.
      type: str
      sample: 5f6a7b8c9d0e1f2a3b4c5d70
    name:
      description: The name.
      type: str
      sample: Acme Operators
    description:
      description: The description.
      type: str
      sample: Operate Acme devices
    parent_id:
      description: The parent group's id, null for a top-level group.
      type: str
      sample: 5f6a7b8c9d0e1f2a3b4c5d6f
    ancestor_ids:
      description: Ids of the parent, its parent, and so on.
      type: list
      elements: str
      sample: ["5f6a7b8c9d0e1f2a3b4c5d6f"]
    group_tags:
      description: The tags, keys as written.
      type: dict
      sample: {"customer": "acme"}
    experience_user_ids:
      description: Ids of the users in the group.
      type: list
      elements: str
      sample: ["5f6a7b8c9d0e1f2a3b4c5d71"]
    devices:
      description:
        - Ids of the devices the group grants by id. With C(device_tags),
          C(device_query) and C(endpoints), what the group grants in the shape
          of the options of M(losant.platform.experience_group), to feed back.
      type: list
      elements: str
      sample: ["5f6a7b8c9d0e1f2a3b4c5d80"]
      version_added: 1.0.0
    device_tags:
      description: The device tags the group grants; an entry without C(value) matches any value.
      type: list
      elements: dict
      sample: [{"key": "customer", "value": "acme"}]
      version_added: 1.0.0
    device_query:
      description: The group's advanced device query as a dictionary; V({}) when it has none.
      type: dict
      sample: {"tags": {"site": "north"}}
      version_added: 1.0.0
    endpoints:
      description: Ids of the experience endpoints the group grants.
      type: list
      elements: str
      sample: ["5f6a7b8c9d0e1f2a3b4c5d90"]
      version_added: 1.0.0
    total_device_count:
      description: How many devices the group and its descendants grant, as Losant counts them.
      type: int
      sample: 30
      version_added: 1.0.0
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.losant.platform.plugins.module_utils._losant_module import (
    argument_spec,
    client_from_module,
    fail_on_errors,
    failures_reported,
)
from ansible_collections.losant.platform.plugins.module_utils._queries import glob_condition, glob_matches
from ansible_collections.losant.platform.plugins.module_utils._results import group_result
from ansible_collections.losant.platform.plugins.module_utils._validation import check_id, check_workers


def read_groups(client, params):
    if params["experience_group_id"]:
        group = client.get_experience_group(params["experience_group_id"])
        return [group] if group else []
    if params["name"] is not None:
        return [group for group in client.query_experience_groups({"name": params["name"]})
                if group.get("name") == params["name"]]
    pattern = params["name_pattern"]
    if pattern is not None:
        condition = glob_condition(pattern)
        groups = client.query_experience_groups({"name": condition} if condition else None)
        return [group for group in groups if glob_matches(pattern, group.get("name"))]
    return client.query_experience_groups()


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(
            experience_group_id=dict(type="str"),
            name=dict(type="str"),
            name_pattern=dict(type="str"),
            workers=dict(type="int", default=8),
        ),
        mutually_exclusive=[("experience_group_id", "name", "name_pattern")],
        supports_check_mode=True,
    )
    fail_on_errors(module, [check_id("experience_group_id", module.params["experience_group_id"]),
                            check_workers(module.params["workers"])])
    client = client_from_module(module)
    with failures_reported(module):
        groups = read_groups(client, module.params)
    groups.sort(key=lambda group: (group.get("name") or "", group["id"]))
    module.exit_json(changed=False, experience_groups=[group_result(group) for group in groups])


if __name__ == "__main__":
    main()
