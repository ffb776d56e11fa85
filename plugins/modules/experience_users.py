#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: losant.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: experience_users
short_description: Manage many Losant experience users in one task
version_added: 0.1.0
description:
  - A resource module for the experience users of a Losant application, in
    the manner of Ansible's network resource modules - a O(config) list and a
    O(state) that says how to apply it.
  - Made for hundreds to tens of thousands of users - every entry is
    validated before anything is written, the current users are read in bulk
    (a few requests for thousands of users), groups are resolved once, and
    the writes run concurrently.
  - Each entry follows the rules of M(losant.platform.experience_user).
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
      - The users. Each entry is keyed by its O(config[].email), which must be unique in the list
        (letter case ignored).
      - One entry that breaks a rule fails the task before any write; the
        message names the entry's index and email.
      - Required with every O(state) but V(gathered), unless O(src) gives
        the users, so that a forgotten O(config) never reads as "no users".
      - With O(state=overridden), no entries at all (an empty list, a variable
        that came out empty, an O(src) file with no rows) would delete every
        user, so the task fails before any request unless O(max_deletions) is
        given; with it, the empty list is taken at its word (and bounded).
      - Mutually exclusive with O(src).
    type: list
    elements: dict
    suboptions:
      email:
        description:
          - The user's email, the key of the entry; at most 1024 characters.
        type: str
        required: true
      first_name:
        description: The first name, at most 1024 characters.
        type: str
      last_name:
        description: The last name, at most 1024 characters.
        type: str
      password:
        description:
          - 8 to 2048 characters. Required for a user that must be created.
          - Set on an existing user only as O(config[].update_password) and
            O(config[].password_updated_after) say. Never shown.
        type: str
      update_password:
        description:
          - V(on_create) sets the password only on creation (or when
            O(config[].password_updated_after) says it is due); V(always)
            on every run, which then reports C(changed) every time.
        type: str
        choices: [on_create, always]
        default: on_create
      password_updated_after:
        description:
          - An ISO 8601 date-time; the password is set when the user's was
            last set before it. Requires O(config[].password).
          - A date-time in the future warns, naming the entries - until
            then every run sets their passwords again.
        type: str
      user_tags:
        description:
          - Tags, a dictionary of strings; merged into the current tags with
            O(state=merged) unless O(config[].purge_user_tags=true). A V(null) value removes the key.
          - Left out, with O(state=merged), the user's tags are not modified;
            with O(state=replaced) or O(state=overridden) they are removed.
        type: dict
      purge_user_tags:
        description:
          - With O(state=merged), make the tags exactly O(config[].user_tags); V({}) clears them.
          - Has no effect when O(config[].user_tags) is left out (see the note on purge options).
          - O(state=replaced) and O(state=overridden) always replace the tags,
            whatever this says.
        type: bool
        default: false
      experience_groups:
        description:
          - Group names or ids (or groups as the modules return them, taken by
            their C(id)); added to the current groups with
            O(state=merged) unless O(config[].purge_experience_groups=true).
          - Left out, with O(state=merged), the user's groups are not
            modified; with O(state=replaced) or O(state=overridden) the user
            is removed from every group.
          - In check mode only, a name that no group has yet warns (naming
            the entry) instead of failing, as an earlier task of the same run may
            create it.
        type: list
        elements: raw
      purge_experience_groups:
        description:
          - With O(state=merged), make the groups exactly O(config[].experience_groups);
            V([]) removes the user from every group.
          - Has no effect when O(config[].experience_groups) is left out (see the note on purge options).
          - O(state=replaced) and O(state=overridden) always replace the groups,
            whatever this says.
        type: bool
        default: false
  src:
    description:
      - A file of users, in place of O(config) - for long lists, which then
        skip Ansible's templating of O(config). It is read on the controller
        (by the module's action plugin); a relative path is looked up like
        the O(ansible.builtin.copy#module:src) of a role, in its C(files)
        folder first. The file is checked whole before any request; each
        problem names the file, the line and the column (of a CSV file, the
        number of the field), and the task then fails, listing them all.
      - A C(.csv) file has a header row naming its columns, then one row per
        user. The columns are C(email) (required), C(first_name),
        C(last_name), C(experience_groups) (group names or ids separated by
        C(;)), one C(user_tags.<key>) column per tag key, and the optional
        C(update_password), C(password_updated_after), C(purge_user_tags)
        and C(purge_experience_groups) (C(true) or C(false)). A column that
        is there gives its field for every row - an empty cell is an empty
        name, no tag of that key, no groups - and a column left out leaves
        its field alone; an empty cell of the four optional columns is their
        default. The file is UTF-8 text, with or without a byte order mark.
      - A C(.yml), C(.yaml) or C(.json) file holds a list of entries with the
        suboptions of O(config), except C(password).
      - No password is ever read from the file, so that it can be kept and
        shared as it is; give the passwords in O(passwords). A C(password)
        column or key fails the task.
      - A key given twice in one entry, or a column named twice in the
        header, is a problem too, and so is a value that YAML or JSON cannot
        read, such as a date that does not exist or a number of thousands of
        digits (quote it). A problem found only once Losant's users are read,
        such as a new user without a password, names the entry by file and
        line, as C(acme_users.csv line 5 (jane@acme.example.com)), rather
        than as C(config[N]).
      - A file with no rows is no users - with O(state=overridden), see O(config).
      - Mutually exclusive with O(config); not used with O(state=gathered).
    type: path
    version_added: 1.0.0
  passwords:
    description:
      - With O(src), the passwords of its users - a dictionary of emails
        (letter case ignored) to passwords, best kept in Ansible Vault. A
        user of O(src) listed here gets it as O(config[].password), which
        O(config[].update_password) and O(config[].password_updated_after)
        then govern; a user that must be created needs one.
      - An email that is not in O(src) fails the task. Never shown.
    type: dict
    version_added: 1.0.0
  state:
    description:
      - V(merged) creates missing users and updates the fields given in each
        entry; a field left out of an entry is not touched, and the purge
        options follow the rule in the notes.
      - V(replaced) gives each listed user exactly the given attributes - a
        left-out O(config[].first_name), O(config[].last_name),
        O(config[].user_tags) or O(config[].experience_groups) becomes empty.
        This is what the state means, not a purge option, so it applies
        whatever O(config[].purge_user_tags) and
        O(config[].purge_experience_groups) say. Users not listed are untouched.
      - V(overridden) is V(replaced), and every user of the application that
        is not listed is deleted.
      - V(deleted) deletes the listed users (only O(config[].email) matters).
      - V(suspended) (new in 1.0.0) suspends the listed users, each as
        M(losant.platform.experience_user) does with its
        O(losant.platform.experience_user#module:state=suspended) - tokens cut,
        every group left, a random password no one sees, and the user tag
        C(suspended_at) set to the time; an already suspended user gets no
        write. A listed email that no user has is counted in RV(unchanged),
        with a warning. Its entries take O(config[].email) only - a
        suspension sets the password, groups and tags itself, so an entry
        that gives O(config[].password), O(config[].experience_groups),
        O(config[].user_tags), a name, O(config[].password_updated_after) or
        O(config[].update_password=always) fails the task before any request. The state applies to the whole task, as
        V(deleted) does, rather than to each entry - a resource module's
        O(state) says how the whole O(config) is applied; suspend in one task
        and merge in another. A later V(merged) entry with a
        O(config[].password) brings a suspended user back; one that gives a
        suspended user groups without a password warns, as the user still
        cannot sign in.
      - V(gathered) writes nothing and returns the current users in the
        O(config) shape, in RV(gathered).
    type: str
    choices: [merged, replaced, overridden, deleted, suspended, gathered]
    default: merged
  max_deletions:
    description:
      - When the task would delete more users than this, it fails before any
        write and says how many it would delete. A guard for O(state=overridden)
        and O(state=deleted).
      - Required for O(state=overridden) with no entries (see O(config)).
    type: int
  ownership_tag:
    description:
      - "One user tag that marks the users this task manages, such as
        V({managed_by: acme-onboarding}) - exactly one key, with a non-empty
        string value."
      - Users the task creates get it (added to their O(config[].user_tags)),
        and users that carry it keep it, whatever O(state=replaced) or
        O(config[].purge_user_tags) say.
      - Whatever the O(state), a user that does not carry it with exactly
        this value is never written - not updated, suspended or deleted, listed
        or not - it is left as it is and listed in RV(not_owned). So an
        application shared with other tools or people loses or changes only
        what this task put there.
      - Adoption is explicit - an entry whose O(config[].user_tags) name the
        tag with exactly this value takes the user over (it is written, and
        owned from then on). An entry whose O(config[].user_tags) give the
        key another value (or V(null)) fails the task before any request,
        naming the entry.
      - The key cannot be C(suspended_at), which the collection sets on
        suspended users.
      - Left out, every user counts as this task's.
    type: dict
    version_added: 1.0.0
  workers:
    description:
      - How many requests run at once - the pages of the user listing (after
        the first) and the C($in) queries, then the writes.
      - All of them obey the rate-limit and retry rules of O(retries)
        together - after a 429 every one of them waits for the pause Losant
        asks for, and fewer of them run at once until requests succeed again.
    type: int
    default: 8
notes:
  - "Request budget: up to 100 listed users are read with one query.
    Beyond that (and for O(state=overridden), which reads every user) the
    first page of the user listing comes first, then either the remaining
    pages or one query per 100 listed emails that were not on the first
    page, whichever is fewer, O(workers) at a time. Pages hold what Losant
    answers, 100 users a page by its current documentation (the modules ask
    for up to 1000); 10,000 users then take 100 pages. Group names cost one
    more listing in all. Then one request per user created, updated or
    deleted."
  - "The listing is read in a stable order (by id) and checked before it is
    used: if users are added or deleted while it is read (the pages disagree
    on the total, or a user appears twice or is missing), it is read again,
    up to three times in all; then the task fails before any write."
  - In diff mode there is one C(before)/C(after) per changed user, headed by its email.
  - "One gate for every write: before the first request that writes, every
    planned write is checked on this side, whatever the server answered -
    a user deleted or suspended has exactly (ignoring letter case only) a
    listed email (O(state=deleted), O(state=suspended)) or none of them
    (O(state=overridden)); with O(ownership_tag), every user written carries
    it (or its entry adopts it) and no write takes it away; no user is
    written twice; and no more than O(max_deletions) are deleted. If one
    write breaks a rule the task fails and writes nothing. See the Safety
    section of the collection's reliability guide."
  - "A write whose answer is lost (no answer within O(timeout), a 502, 503
    or 504 after it was sent) is settled by reading the user back: if it is
    as the write asked, the write counts as done and is listed in
    RV(created), RV(updated) or RV(deleted). Otherwise the task fails saying
    that the write may or may not have landed, and reports C(changed) - a
    rerun converges."
  - "A group that this task would give more than 1000 members (the most
    Losant's group schema holds in C(experienceUserIds)) warns before any
    write, naming the group. Its current members are counted when the task
    read the groups (it gives groups by name), else only those this task adds."
  - A write that fails does not stop the others; the task then fails, listing
    each failure, and reports what was done in RV(created), RV(updated) and RV(deleted).
  - O(src) is read by an action plugin on the controller; the module itself
    receives its users as O(config).
seealso:
  - module: losant.platform.experience_user
    description: One user per task; each entry of O(config) follows its rules.
  - module: losant.platform.experience_user_info
    description: Find users by email glob, group or tags.
  - module: losant.platform.experience_group
    description: The groups that O(config[].experience_groups) names.
  - module: losant.platform.experience_groups
    description: All the groups in one task; with this module's O(state=gathered), the whole access model.
  - name: Losant experience users
    description: Losant's documentation of the Experience User API resource.
    link: https://docs.losant.com/rest-api/experienceuser/
"""

EXAMPLES = r"""
- name: Onboard a whole customer organisation
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
    - name: Create or update the listed users, leave everyone else alone
      losant.platform.experience_users:
        config:
          - email: jane.doe@acme.example.com
            first_name: Jane
            last_name: Doe
            password: "{{ vault_initial_password }}"
            user_tags: {customer: acme}
            experience_groups: [Acme Operators]
          - email: raj.patel@acme.example.com
            password: "{{ vault_initial_password }}"
            experience_groups: [Acme Viewers]

    - name: Make the application's users exactly these, deleting at most 50 others
      losant.platform.experience_users:
        state: overridden
        max_deletions: 50
        config: "{{ acme_users }}"
      diff: true

    - name: Every user of the customer's CSV export, passwords for the new ones from a vault file
      losant.platform.experience_users:
        src: acme_users.csv
        passwords: "{{ vault_acme_initial_passwords }}"
      # acme_users.csv:
      #   email,first_name,last_name,experience_groups,user_tags.customer
      #   jane.doe@acme.example.com,Jane,Doe,Acme Operators;Acme Viewers,acme
      #   raj.patel@acme.example.com,Raj,Patel,Acme Viewers,acme
      # vault_acme_initial_passwords, a dictionary in an Ansible Vault file:
      #   jane.doe@acme.example.com: <Jane's first password>
      #   raj.patel@acme.example.com: <Raj's first password>

    - name: Offboard two users
      losant.platform.experience_users:
        state: deleted
        config:
          - email: former.one@acme.example.com
          - email: former.two@acme.example.com

    - name: Suspend two users instead - kept, but signed out, in no group and with a password no one knows
      losant.platform.experience_users:
        state: suspended
        config:
          - email: former.three@acme.example.com
          - email: former.four@acme.example.com

    - name: Own what this task creates, and delete only what it owns
      losant.platform.experience_users:
        state: overridden
        max_deletions: 25
        ownership_tag:
          managed_by: acme-onboarding
        config: "{{ acme_users }}"
      register: onboarding

    - name: Users this task left alone, as other tools manage them
      ansible.builtin.debug:
        var: onboarding.not_owned

    - name: Read every user in config form
      losant.platform.experience_users:
        state: gathered
      register: current

    - name: Save them as the starting point of an inventory file
      ansible.builtin.copy:
        content: "{{ {'acme_users': current.gathered} | to_nice_yaml }}"
        dest: acme_users.yml
        mode: "0600"
"""

RETURN = r"""
created:
  description:
    - Emails of the users created (or that would be, in check mode).
    - After writes, these lists hold what was written; a user that another
      run created meanwhile, already as wanted, counts in RV(unchanged).
  returned: always
  type: list
  elements: str
  sample: [jane.doe@acme.example.com]
updated:
  description:
    - Emails of the users updated (or that would be).
    - With O(state=suspended), the users suspended.
  returned: always
  type: list
  elements: str
  sample: [raj.patel@acme.example.com]
deleted:
  description: Emails of the users deleted (or that would be).
  returned: always
  type: list
  elements: str
  sample: [former.one@acme.example.com]
unchanged:
  description:
    - How many listed users already matched (with O(state=deleted), how many
      were already absent; with O(state=suspended), how many were already
      suspended or do not exist).
  returned: always
  type: int
  sample: 998
changed_fields:
  description: For each updated user, by email, the names of the options that changed.
  returned: always
  type: dict
  sample: {"raj.patel@acme.example.com": ["experience_groups"]}
not_owned:
  description:
    - Emails of the users that the task would have written (in any O(state))
      but left alone, as they do not carry O(ownership_tag); sorted. Empty
      without O(ownership_tag).
  returned: always
  type: list
  elements: str
  sample: [shared.admin@acme.example.com]
  version_added: 1.0.0
gathered:
  description:
    - The current users in the O(config) shape, sorted by email. Groups are
      given by name, or by id where several groups share a name or where the
      name is 24 hexadecimal characters (it would be read as an id).
  returned: when O(state=gathered)
  type: list
  elements: dict
  sample: [{"email": "jane.doe@acme.example.com", "first_name": "Jane", "last_name": "Doe",
            "user_tags": {"customer": "acme"}, "experience_groups": ["Acme Operators"]}]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.losant.platform.plugins.module_utils._bulk_users import (
    SELECTING_STATES,
    STATES,
    USER_ENTRY_OPTIONS,
    config_errors,
    gathered_config,
    plan_changes,
    plan_diffs,
    read_current_users,
    resolve_entry_groups,
    run_writes,
    task_rules,
)
from ansible_collections.losant.platform.plugins.module_utils._dates import format_datetime, utc_now
from ansible_collections.losant.platform.plugins.module_utils._losant_module import (
    argument_spec,
    client_from_module,
    fail_on_errors,
    failures_reported,
)
from ansible_collections.losant.platform.plugins.module_utils._results import text_diff
from ansible_collections.losant.platform.plugins.module_utils._suspension import ownership_errors, unknown_password
from ansible_collections.losant.platform.plugins.module_utils._users import (
    future_threshold_warning,
    group_lookup_needed,
    group_references,
)
from ansible_collections.losant.platform.plugins.module_utils._validation import check_tags, check_workers, listed
from ansible_collections.losant.platform.plugins.module_utils._write_gate import (
    GateRefusal,
    WriteGate,
    empty_overridden_error,
    member_cap_warnings,
)


def module_client(module):
    """A client that also keeps every password of the config out of its messages."""
    client = client_from_module(module)
    for entry in module.params["config"]:
        client.add_secret(entry.get("password"))
    return client


def gather(module, client):
    users = client.query_experience_users()
    groups = client.list_experience_groups()
    module.exit_json(changed=False, gathered=gathered_config(users, groups),
                     created=[], updated=[], deleted=[], unchanged=0, changed_fields={}, not_owned=[])


def plan(module, client):
    """The plan, admitted by the write gate, and the gate; or the task fails before any write."""
    config = module.params["config"]
    state = module.params["state"]
    current = read_current_users(client, [entry["email"] for entry in config], need_all=state == "overridden")
    selecting = state in SELECTING_STATES
    needs_groups = not selecting and any(group_lookup_needed(entry.get("experience_groups")) for entry in config)
    groups = client.list_experience_groups() if needs_groups else []
    warnings = [] if module.check_mode else None
    group_ids, errors = resolve_entry_groups(config, groups, warnings) if not selecting \
        else ([None] * len(config), [])
    for warning in warnings or []:
        module.warn(warning)

    planned = plan_changes(config, group_ids, current, state, format_datetime(utc_now()), groups,
                           module.params["ownership_tag"], lambda: unknown_password(client))
    fail_on_errors(module, errors + planned.errors)
    if planned.missing:
        module.warn("No experience user has the email %s: nothing to suspend" % listed(planned.missing))
    gate = WriteGate(client, task_rules(module.params, planned))
    try:
        gate.admit(planned.writes())
    except GateRefusal as exc:
        module.fail_json(msg="%s" % exc, errors=exc.problems,
                         would_delete=len(planned.deletes))
    for warning in planned.warnings + member_cap_warnings(planned.writes(), groups):
        module.warn(warning)
    return planned, gate


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(
            config=dict(type="list", elements="dict", options=USER_ENTRY_OPTIONS),
            state=dict(type="str", default="merged", choices=STATES),
            max_deletions=dict(type="int"),
            workers=dict(type="int", default=8),
            src=dict(type="path"),
            passwords=dict(type="dict", no_log=True),
            ownership_tag=dict(type="dict"),
        ),
        # Leaving config out must never mean "no users": with overridden that would delete them all.
        required_if=[("state", state, ["config", "src"], True)
                     for state in ("merged", "replaced", "overridden", "deleted", "suspended")],
        mutually_exclusive=[("config", "src")],
        supports_check_mode=True,
    )
    params = module.params
    if params["src"] is not None or params["passwords"] is not None:
        # The action plugin reads src on the controller and hands its users over as config.
        module.fail_json(msg="src and passwords are read by the experience_users action plugin on the controller, "
                             "which did not run; run the module as losant.platform.experience_users")
    if params["config"] is None:
        params["config"] = []
    for entry in params["config"]:
        entry["experience_groups"] = group_references(entry["experience_groups"])
    errors = ownership_errors("ownership_tag", params["ownership_tag"])
    errors.extend(check_tags("ownership_tag", params["ownership_tag"]))
    errors.extend(config_errors(params["config"], params["state"], None if errors else params["ownership_tag"]))
    errors.append(check_workers(params["workers"]))
    if params["max_deletions"] is not None and params["max_deletions"] < 0:
        errors.append("max_deletions must be 0 or more, got %d" % params["max_deletions"])
    errors.append(empty_overridden_error(params["state"], params["config"], params["max_deletions"], "user"))
    fail_on_errors(module, errors)
    now = utc_now()
    future = ["config[%d] (%s)" % (index, entry["email"]) for index, entry in enumerate(params["config"])
              if future_threshold_warning(entry, now)]
    if future:
        module.warn("password_updated_after is in the future in %d entries (%s): until then every run sets their "
                    "passwords again and reports a change; give the moment after which a password counts as current "
                    "(in the past)" % (len(future), listed(future)))
    client = module_client(module)

    with failures_reported(module):
        if params["state"] == "gathered":
            gather(module, client)
        planned, gate = plan(module, client)

    result = dict(
        changed=bool(planned.creates or planned.updates or planned.deletes),
        created=[email for email, dummy, dummy2 in planned.creates],
        updated=[user["email"] for user, dummy, dummy2 in planned.updates],
        deleted=[user["email"] for user in planned.deletes],
        unchanged=planned.unchanged,
        changed_fields=dict((user["email"], fields) for user, dummy, fields in planned.updates),
        not_owned=sorted(planned.not_owned, key=str.lower),
    )
    if module._diff:
        result["diff"] = text_diff(plan_diffs(planned))
    if not module.check_mode and result["changed"]:
        done, failures, unknown = run_writes(gate, planned)
        # Report what was written, not what was planned; a write that may have landed counts as a change.
        written = set(done["create"] + done["update"] + done["delete"])
        result.update(
            changed=bool(written or unknown), created=done["create"], updated=done["update"], deleted=done["delete"],
            unchanged=planned.unchanged + len(done["converged"]),
            changed_fields=dict((email, fields) for email, fields in result["changed_fields"].items()
                                if email in written),
        )
        if module._diff:
            result["diff"] = [diff for diff in result["diff"] if diff["before_header"] in written]
        if failures:
            module.fail_json(msg="%d of %d writes failed: %s" % (
                len(failures), len(planned.creates) + len(planned.updates) + len(planned.deletes),
                listed(failures)), failures=failures, **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
