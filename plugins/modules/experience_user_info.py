#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: losant.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: experience_user_info
short_description: List Losant experience users
version_added: 0.1.0
description:
  - Returns experience users of a Losant application - one by id, one by
    email, or those that pass every filter given - reading every page.
  - Filters are sent to Losant in one advanced query, so only matching users
    are read; a glob that the query cannot express exactly is narrowed as far
    as it can be.
  - Every filter is then applied again to the users Losant returned, and a
    user that does not match is dropped - so a proxy that drops the query, or
    an API version that does not know a field, can make the task slower, never
    wider. What it returns can be fed to a task that deletes or suspends.
  - Each user has the shape M(losant.platform.experience_user) returns, so an
    item can be fed back into M(losant.platform.experience_user) (see EXAMPLES).
author:
  - Losant Platform Collection Maintainers (@losant-platform)
extends_documentation_fragment:
  - losant.platform.connection
  - losant.platform.attributes.info_module
  - losant.platform.attributes.actiongroup_losant
options:
  experience_user_id:
    description:
      - Return the user with this id (an empty list when there is none).
      - Cannot be combined with another selection.
    type: str
  email:
    description:
      - Return the user with this email, ignoring letter case.
      - Cannot be combined with another selection (nor with the sign-in and password filters).
    type: str
  email_pattern:
    description:
      - Only users whose email matches this glob, ignoring letter case; C(*)
        matches any run of characters, for example V(*@acme.example.com).
    type: str
  experience_group:
    description:
      - Only users that belong to this experience group, by exact name or by id.
      - V(any) selects users in at least one group, V(none) users in no group.
      - An unknown group name, or a name several groups share, fails the task.
    type: str
  user_tags:
    description:
      - Only users that have every one of these tags with exactly this value.
        A value of V(null) matches any value of that key.
    type: dict
  last_login_before:
    description:
      - Only users who last signed in before this time - an ISO 8601 date or
        date-time, such as V(2026-01-31T00:00:00Z); a time without a zone is
        UTC (the rules of O(losant.platform.experience_user#module:password_updated_after)).
      - A user who never signed in has no last sign-in, so is not selected -
        unless O(never_logged_in=true) is given too, which then selects
        users of either kind (the inactive users).
      - Sent in the advanced query (C(lastLogin) C($lt)) and checked again on
        the users returned.
    type: str
    version_added: 1.0.0
  never_logged_in:
    description:
      - V(true) selects users who never signed in (Losant has no C(lastLogin)
        for them); V(false) users who signed in at least once.
      - With O(last_login_before) and V(true), users who last signed in before
        it or never did.
      - Left out, sign-ins are not filtered.
      - A user created a moment ago has not signed in yet either; combine with
        other filters (O(user_tags), O(email_pattern)) to spare new users.
    type: bool
    version_added: 1.0.0
  password_updated_before:
    description:
      - Only users whose password was last set before this time (ISO 8601, as
        O(last_login_before)). A user whose password Losant has no date for
        counts as set before it, as with
        O(losant.platform.experience_user#module:password_updated_after).
      - Sent in the advanced query (C(passwordLastUpdated)) and checked again
        on the users returned.
    type: str
    version_added: 1.0.0
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
  - With no selection at all, every user of the application is returned.
  - "Suspended users (see M(losant.platform.experience_user)'s
    O(losant.platform.experience_user#module:state=suspended)) carry the
    user tag C(suspended_at); O(user_tags={suspended_at: null}) selects them."
  - "Request budget: one request for each page of matching users (Losant
    puts 100 on a page by its current documentation; the module asks for up
    to 1000), the pages after the first read O(workers) at a time, plus one
    to resolve O(experience_group) when it is a name."
  - "The pages are read in a stable order (by id) and checked before they
    are returned: if users are added or deleted meanwhile (the pages disagree
    on the total, or a user appears twice or is missing), the listing is read
    again, up to three times in all; then the task fails."
seealso:
  - module: losant.platform.experience_user
    description: Create, update and delete one user; takes an item of RV(experience_users) back.
  - module: losant.platform.experience_users
    description: Many users in one task; its O(losant.platform.experience_users#module:state=gathered) reads them all.
  - module: losant.platform.experience_group_info
    description: Read the groups that O(experience_group) filters by.
  - name: Losant experience users
    description: Losant's documentation of the Experience User API resource.
    link: https://docs.losant.com/rest-api/experienceuser/
"""

EXAMPLES = r"""
- name: Report on and tidy Acme's users
  hosts: localhost
  gather_facts: false
  vars:
    # The Python that runs Ansible has the requests library.
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
  tasks:
    - name: Acme operators tagged as contractors
      losant.platform.experience_user_info:
        email_pattern: "*@acme.example.com"
        experience_group: Acme Operators
        user_tags:
          contract: external
      register: contractors

    - name: Print their emails
      ansible.builtin.debug:
        msg: "{{ contractors.experience_users | map(attribute='email') | list }}"

    - name: Users in no group at all
      losant.platform.experience_user_info:
        experience_group: none
      register: orphans

    - name: Users who have not signed in for 90 days (or never did)
      losant.platform.experience_user_info:
        last_login_before: "{{ '%Y-%m-%dT%H:%M:%SZ' | strftime(now(utc=true).timestamp() | int - 90 * 86400, utc=true) }}"
        never_logged_in: true
      register: inactive

    - name: Suspend them (docs/offboarding.md)
      losant.platform.experience_users:
        state: suspended
        config: "{{ inactive.experience_users | map(attribute='email') | map('to_json')
                    | map('regex_replace', '^(.*)$', '{\"email\": \\1}') | map('from_json') | list }}"

    - name: Users whose password is older than the start of the year
      losant.platform.experience_user_info:
        password_updated_before: "2026-01-01"
      register: stale_passwords

    # Round trip: an item of experience_users carries the option names of
    # experience_user, and its experience_groups are taken as they are, so it
    # can be fed straight back - here with one tag added; everything else
    # stays as it is.
    - name: Tag every contractor for review
      losant.platform.experience_user:
        experience_user_id: "{{ item.id }}"
        email: "{{ item.email }}"
        first_name: "{{ item.first_name | default(omit) }}"
        last_name: "{{ item.last_name | default(omit) }}"
        user_tags: "{{ item.user_tags | combine({'review': 'pending'}) }}"
        experience_groups: "{{ item.experience_groups }}"
        purge_experience_groups: true
      loop: "{{ contractors.experience_users }}"
      loop_control:
        label: "{{ item.email }}"
"""

RETURN = r"""
experience_users:
  description:
    - The matching users, sorted by email, each in the shape
      M(losant.platform.experience_user) returns in RV(losant.platform.experience_user#module:experience_user)
      - snake_case keys, user tag keys as written, no secret.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The user's id.
      type: str
      sample: 5f6a7b8c9d0e1f2a3b4c5d71
    email:
      description: The email address.
      type: str
      sample: jane.doe@example.com
    first_name:
      description: The first name.
      type: str
      sample: Jane
    last_name:
      description: The last name.
      type: str
      sample: Doe
    user_tags:
      description: The tags, keys as written.
      type: dict
      sample: {"customer": "acme"}
    experience_groups:
      description: The groups the user belongs to, each with C(id), C(name) and C(parent_id).
      type: list
      elements: dict
      sample: [{"id": "5f6a7b8c9d0e1f2a3b4c5d70", "name": "Acme Operators", "parent_id": null}]
    password_last_updated:
      description: When the password was last set.
      type: str
      sample: "2026-11-26T17:38:35.123Z"
    last_login:
      description: When the user last signed in; absent for a user who never did.
      type: str
      sample: "2026-11-26T17:38:35.123Z"
    token_cutoff:
      description: Tokens issued before this time are invalid (set by a suspension, for one).
      type: str
      sample: "2026-11-26T17:38:35.123Z"
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.losant.platform.plugins.module_utils._groups import GroupError
from ansible_collections.losant.platform.plugins.module_utils._losant_module import (
    argument_spec,
    client_from_module,
    fail_on_errors,
    failures_reported,
)
from ansible_collections.losant.platform.plugins.module_utils._queries import (
    activity_conditions,
    date_filter_errors,
    user_filter_matcher,
    user_filter_query,
)
from ansible_collections.losant.platform.plugins.module_utils._results import user_result
from ansible_collections.losant.platform.plugins.module_utils._validation import (
    check_email,
    check_id,
    check_tags,
    check_workers,
    is_id,
)


ACTIVITY_FILTERS = ("last_login_before", "never_logged_in", "password_updated_before")


def group_filter(client, group):
    """The group filter as an id, ``any`` or ``none``; a name costs one query."""
    if group in (None, "any", "none") or is_id(group):
        return group
    named = [found for found in client.query_experience_groups({"name": group}) if found.get("name") == group]
    if not named:
        raise GroupError("experience_group: no experience group is named %r" % group)
    if len(named) > 1:
        raise GroupError("experience_group: %d experience groups are named %r (ids %s); give the id of one instead"
                         % (len(named), group, ", ".join(sorted(found["id"] for found in named))))
    return named[0]["id"]


def read_users(client, params):
    if params["experience_user_id"]:
        user = client.get_experience_user(params["experience_user_id"])
        return [user] if user else []
    if params["email"]:
        user = client.find_experience_user_by_email(params["email"])
        return [user] if user else []
    activity = dict((name, params[name]) for name in ACTIVITY_FILTERS)
    group = group_filter(client, params["experience_group"])
    query = user_filter_query(params["email_pattern"], group, params["user_tags"], activity_conditions(**activity))
    # The query only narrows what is read: every filter is checked again on what came back.
    matches = user_filter_matcher(params["email_pattern"], group, params["user_tags"], activity)
    return [user for user in client.query_experience_users(query) if matches(user)]


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(
            experience_user_id=dict(type="str"),
            email=dict(type="str"),
            email_pattern=dict(type="str"),
            experience_group=dict(type="str"),
            user_tags=dict(type="dict"),
            last_login_before=dict(type="str"),
            never_logged_in=dict(type="bool"),
            password_updated_before=dict(type="str", no_log=False),
            workers=dict(type="int", default=8),
        ),
        mutually_exclusive=[
            ("experience_user_id", "email", "email_pattern"),
            ("experience_user_id", "experience_group"),
            ("experience_user_id", "user_tags"),
            ("email", "experience_group"),
            ("email", "user_tags"),
        ] + [(selection, activity) for selection in ("experience_user_id", "email") for activity in ACTIVITY_FILTERS],
        supports_check_mode=True,
    )
    params = module.params
    errors = [check_id("experience_user_id", params["experience_user_id"]), check_email("email", params["email"]),
              check_workers(params["workers"])]
    errors.extend(check_tags("user_tags", params["user_tags"]))
    errors.extend(date_filter_errors(params))
    fail_on_errors(module, errors)
    client = client_from_module(module)
    with failures_reported(module, GroupError):
        users = read_users(client, params)
    users.sort(key=lambda user: (user.get("email") or "").lower())
    module.exit_json(changed=False, experience_users=[user_result(user) for user in users])


if __name__ == "__main__":
    main()
