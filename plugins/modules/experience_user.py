#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: losant.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: experience_user
short_description: Create, update and delete Losant experience users
version_added: 0.1.0
description:
  - Makes one experience user of a Losant application match the task - its
    email, names, user tags, experience groups and password - changing only
    what differs, in at most one write request.
  - The user is found by O(experience_user_id) when given, else by O(email)
    with one exact, case-insensitive query.
  - Options left out leave that part of the user alone.
  - Losant never reveals a password, so an existing user's password is only
    set when O(update_password=always) or when O(password_updated_after) says
    it is due (or when O(password) brings a suspended user back).
  - O(state=suspended) offboards a user without deleting it - Losant has no
    "disabled" flag for experience users, so see O(state) for what it does instead.
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
      - V(present) creates the user when missing and updates it when it differs.
      - V(absent) deletes the user when it exists. The user's groups are kept;
        only its memberships go.
      - V(suspended) (new in 1.0.0) offboards the user but keeps it, its
        history and its tags - in one PATCH it cuts the user's tokens (its
        token cutoff becomes now, which signs it out everywhere), removes it
        from every group, replaces its password with a random one that no one
        ever sees (not in results, diffs, errors or logs), and sets the user
        tag C(suspended_at) to the time of the suspension. Losant has no
        "disabled" flag; this is what stands in for one.
      - A user that carries C(suspended_at) and belongs to no group is already
        suspended - the task changes nothing and sends no write (no new
        password). One put back in a group meanwhile is suspended again.
      - O(state=suspended) takes only O(email) or O(experience_user_id); a user
        that does not exist is not changed, with a warning.
      - To bring a suspended user back, run O(state=present) with a
        O(password) (whatever O(update_password) says) - that sets the
        password and removes the C(suspended_at) tag; give O(experience_groups)
        to put it back in its groups. Until a password is given,
        C(suspended_at) stays, even with O(purge_user_tags=true).
    type: str
    choices: [present, absent, suspended]
    default: present
  email:
    description:
      - The user's email address, unique in the application regardless of
        letter case; at most 1024 characters.
      - Without O(experience_user_id), the user is looked up by this email,
        ignoring letter case. A difference in letter case only is not a change.
      - With O(experience_user_id), an email that differs renames the user.
      - Required to create a user.
    type: str
  experience_user_id:
    description:
      - The id of an existing user, 24 hexadecimal characters. Wins over O(email)
        for the lookup.
      - If no user has this id, O(state=present) fails (Losant chooses the ids
        of new users) and O(state=absent) reports no change.
      - A user is taken as absent only when Losant answers that the
        experience user was not found. Any other 404 (a wrong
        O(application_id) answers "Application was not found", a wrong
        O(api_url) whatever the server there answers) fails the task.
    type: str
  first_name:
    description:
      - The user's first name, at most 1024 characters. V("") clears it.
    type: str
  last_name:
    description:
      - The user's last name, at most 1024 characters. V("") clears it.
    type: str
  password:
    description:
      - The user's password, 8 to 2048 characters. Required to create a user.
      - For an existing user it is only sent as O(update_password) and
        O(password_updated_after) say, since Losant cannot tell whether it
        already matches - except for a suspended user (tagged C(suspended_at)),
        which it brings back (see O(state)).
      - Never shown in results, diffs, errors or logs.
    type: str
  update_password:
    description:
      - V(on_create) sets O(password) only when the user is created (or when
        O(password_updated_after) says it is due).
      - V(always) sets O(password) on every run, and so the task reports
        C(changed) on every run.
    type: str
    choices: [on_create, always]
    default: on_create
  password_updated_after:
    description:
      - An ISO 8601 date or date-time, such as V(2026-01-31T00:00:00Z). When the
        user's password was last set before it (or Losant has no record of when),
        O(password) is set; after that the task is idempotent again.
      - The way to rotate passwords - raise the date to rotate once more.
      - A time without a zone is UTC. Requires O(password). Cannot be combined
        with O(update_password=always).
      - A date-time in the future warns - until then every password is older
        than it, so every run sets the password again and reports a change.
    type: str
  user_tags:
    description:
      - Tags of the user, a dictionary of strings.
      - Keys match C(^[0-9a-zA-Z_-]{1,255}$); values are strings of 1 to 255 characters.
      - Merged into the current tags unless O(purge_user_tags=true). A key
        given the value V(null) removes that tag.
      - Left out, the user's tags are not modified.
    type: dict
  purge_user_tags:
    description:
      - When V(true), the user's tags become exactly O(user_tags); V({}) clears them.
      - Has no effect when O(user_tags) is left out (see the note on purge options).
    type: bool
    default: false
  experience_groups:
    description:
      - Experience groups the user belongs to, by name or by id. A group as
        this module or M(losant.platform.experience_user_info) returns it in
        C(experience_groups) (a dictionary with its C(id)) is taken by its id,
        so a returned user's groups can be given back as they are.
      - Added to the user's current groups unless O(purge_experience_groups=true).
        Left out, the user's groups are not modified.
      - A value of 24 hexadecimal characters is taken as a group id. Names are
        resolved with one listing of the application's groups; an unknown
        name, or a name that several groups share, fails the task and lists
        the candidates. At most 1000 groups.
      - In check mode only, a name that no group has yet warns instead of
        failing, and the task reports what it would do with that group (an
        earlier task of the same run may create it). The returned user shows
        such a group with its C(name) and a null C(id).
    type: list
    elements: raw
  purge_experience_groups:
    description:
      - When V(true), the user belongs to exactly O(experience_groups) and no
        other group (no group when O(experience_groups=[])).
      - Has no effect when O(experience_groups) is left out (see the note on purge options).
    type: bool
    default: false
  invalidate_tokens:
    description:
      - When V(true), sets the user's token cutoff to now, which signs the
        user out everywhere by invalidating every token issued before.
      - Applies to existing users only, and reports C(changed) on every run.
    type: bool
    default: false
seealso:
  - module: losant.platform.experience_users
    description: Many users in one task, validated and written in bulk.
  - module: losant.platform.experience_user_info
    description: Find users and read them back in the shape this module takes.
  - module: losant.platform.experience_group
    description: The groups that O(experience_groups) makes the user a member of.
  - name: Losant experience users
    description: Losant's documentation of the Experience User API resource.
    link: https://docs.losant.com/rest-api/experienceuser/
notes:
  - "Request budget: a task that changes nothing costs one HTTP request (two
    when O(experience_groups) holds names); an update adds one PATCH; a
    create costs one lookup and one POST; a delete one lookup and one DELETE;
    a suspension one lookup and one PATCH, and one lookup alone once the user
    is suspended."
  - "Every write passes one gate first: a delete or a suspension goes only to
    the user found by exactly the O(experience_user_id) or O(email) given
    (letter case aside), checked on this side whatever the server answered."
  - "A write whose answer is lost (no answer within O(timeout), a 502, 503
    or 504 after it was sent) is settled by reading the user back: if it is
    as the write asked, the task reports the change; if not, it fails saying
    that the write may or may not have landed, with C(changed) true - a
    rerun converges."
  - "O(state=present) that gives a suspended user (tagged C(suspended_at))
    groups without a O(password) warns: the user is back in its groups but
    still cannot sign in."
  - "Concurrent runs: when another run creates the same user between this
    task's lookup and its create, the task takes that user over and updates
    it to match (C(changed) only if it had to). Two runs merging different
    O(user_tags) keys or O(experience_groups) into one user at the same moment
    can lose one run's additions, as Losant replaces those fields whole and has
    no conditional update; the next run restores them."
"""

EXAMPLES = r"""
# Modules talk to Losant from the host that runs them. For localhost, use the
# Python that runs Ansible, which has the requests library.
- name: Onboard the Acme portal users
  hosts: localhost
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
  module_defaults:
    group/losant.platform.losant:
      application_id: "{{ lookup('ansible.builtin.env', 'LOSANT_APPLICATION_ID') }}"
      api_token: "{{ lookup('ansible.builtin.env', 'LOSANT_API_TOKEN') }}"
  tasks:
    - name: Create a user, or bring an existing one in line
      losant.platform.experience_user:
        email: jane.doe@example.com
        first_name: Jane
        last_name: Doe
        password: "{{ vault_jane_password }}"
        user_tags:
          customer: acme
          role: operator
        experience_groups:
          - Acme Operators

    - name: Rotate the password once, on users last set before 2026-06-01
      losant.platform.experience_user:
        email: jane.doe@example.com
        password: "{{ vault_jane_new_password }}"
        password_updated_after: "2026-06-01T00:00:00Z"

    - name: Make the groups exactly these, and drop the "role" tag
      losant.platform.experience_user:
        email: jane.doe@example.com
        experience_groups:
          - Acme Operators
          - 5f6a7b8c9d0e1f2a3b4c5d70
        purge_experience_groups: true
        user_tags:
          role: null

    - name: Remove every tag of the user (user_tags left out would leave them alone)
      losant.platform.experience_user:
        email: jane.doe@example.com
        user_tags: {}
        purge_user_tags: true

    - name: Rename a user found by id, and sign it out everywhere
      losant.platform.experience_user:
        experience_user_id: 5f6a7b8c9d0e1f2a3b4c5d71
        email: jane.smith@example.com
        invalidate_tokens: true

    - name: Remove a user
      losant.platform.experience_user:
        email: john.roe@example.com
        state: absent

    - name: Offboard a user without deleting it (tokens cut, groups left, password unknown to anyone)
      losant.platform.experience_user:
        email: former.staff@example.com
        state: suspended

    - name: Bring the suspended user back, with a new password and its group
      losant.platform.experience_user:
        email: former.staff@example.com
        password: "{{ vault_former_staff_new_password }}"
        experience_groups:
          - Acme Operators

# Connection options may also come from the environment:
# LOSANT_API_TOKEN, LOSANT_APPLICATION_ID and LOSANT_API_URL.
- name: Preview a change without making it
  hosts: localhost
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
  tasks:
    - name: Show what would change
      losant.platform.experience_user:
        email: jane.doe@example.com
        last_name: Smith
      check_mode: true
      diff: true
      register: preview

    - name: Print the option names that would change
      ansible.builtin.debug:
        var: preview.changed_fields
"""

RETURN = r"""
experience_user:
  description:
    - The user after the task, as Losant holds it, with snake_case keys
      (user tag keys are left as they are). Empty after O(state=absent).
    - In check mode, the user as it would be; a user that would be created
      has no C(id) yet.
  returned: always
  type: dict
  contains:
    id:
      description: The user's id.
      type: str
      returned: when the user exists
      sample: 5f6a7b8c9d0e1f2a3b4c5d71
    experience_user_id:
      description: The user's id again, as Losant returns it.
      type: str
      returned: when the user exists
      sample: 5f6a7b8c9d0e1f2a3b4c5d71
    application_id:
      description: The application's id.
      type: str
      returned: when the user exists
      sample: 5f6a7b8c9d0e1f2a3b4c5d6e
    email:
      description: The email address.
      type: str
      returned: success
      sample: jane.doe@example.com
    first_name:
      description: The first name.
      type: str
      returned: when set
      sample: Jane
    last_name:
      description: The last name.
      type: str
      returned: when set
      sample: Doe
    user_tags:
      description: The tags, keys as written.
      type: dict
      returned: success
      sample: {"customer": "acme", "costCenter": "42"}
    experience_groups:
      description: The groups the user belongs to.
      type: list
      elements: dict
      returned: success
      sample: [{"id": "5f6a7b8c9d0e1f2a3b4c5d70", "name": "Acme Operators", "parent_id": null}]
    creation_date:
      description: When the user was created.
      type: str
      returned: when the user exists
      sample: "2026-11-26T17:38:35.123Z"
    last_updated:
      description: When the user was last changed.
      type: str
      returned: when the user exists
      sample: "2026-11-26T17:38:35.123Z"
    password_last_updated:
      description: When the password was last set. The password itself is never returned.
      type: str
      returned: when known
      sample: "2026-11-26T17:38:35.123Z"
    token_cutoff:
      description: Tokens issued before this time are invalid.
      type: str
      returned: when set
      sample: "2026-11-26T17:38:35.123Z"
    last_login:
      description: When the user last signed in.
      type: str
      returned: when the user has signed in
      sample: "2026-11-26T17:38:35.123Z"
changed_fields:
  description:
    - Names of the options whose values the task changed (or would change in
      check mode). On create, every option that was set. Empty on delete and
      when nothing changed.
    - A suspension lists C(experience_groups) (when the user was in a group),
      C(invalidate_tokens), C(password) and C(user_tags).
  returned: always
  type: list
  elements: str
  sample: [last_name, user_tags]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.losant.platform.plugins.module_utils._client import EXPERIENCE_USER, LosantApiError
from ansible_collections.losant.platform.plugins.module_utils._dates import format_datetime, utc_now
from ansible_collections.losant.platform.plugins.module_utils._losant_module import (
    argument_spec,
    client_from_module,
    fail_on_errors,
    failures_reported,
)
from ansible_collections.losant.platform.plugins.module_utils._results import text_diff, user_result
from ansible_collections.losant.platform.plugins.module_utils._suspension import (
    SUSPENDED_TAG,
    carries_suspension_tag,
    suspension_option_errors,
    suspension_patch,
    unknown_password,
)
from ansible_collections.losant.platform.plugins.module_utils._users import (
    GROUPS_MAX,
    USER_OPTIONS,
    GroupResolutionError,
    create_body,
    future_threshold_warning,
    group_lookup_needed,
    group_references,
    known_groups_of,
    normalized_ids,
    planned_groups_warning,
    predict_user,
    resolve_group_ids,
    user_option_errors,
    user_patch,
    user_view,
)
from ansible_collections.losant.platform.plugins.module_utils._write_gate import (
    CREATE,
    DELETE,
    SUSPEND,
    UPDATE,
    GateRefusal,
    Rules,
    Write,
    WriteGate,
)


def task_gate(client, params):
    """The write gate of this task: it deletes or suspends only the user its options name."""
    if params["experience_user_id"]:
        wanted = params["experience_user_id"].lower()
        return WriteGate(client, Rules(lambda user: (user.get("id") or "").lower() == wanted,
                                       "experience_user_id %s" % params["experience_user_id"]))
    email = params["email"].lower()
    return WriteGate(client, Rules(lambda user: (user.get("email") or "").lower() == email,
                                   "email %s (exactly, letter case aside)" % params["email"]))


def find_user(client, params):
    if params["experience_user_id"]:
        return client.get_experience_user(params["experience_user_id"])
    return client.find_experience_user_by_email(params["email"])


def resolve_groups(module, client, entries):
    """(group ids, or None when the option is left out; id -> group for display).

    In check mode a group that does not exist yet only warns: an earlier task
    of the same run may create it."""
    if entries is None:
        return None, {}
    if not group_lookup_needed(entries):
        return normalized_ids(entries), {}
    groups = client.list_experience_groups()
    planned = [] if module.check_mode else None
    ids = resolve_group_ids(entries, groups, planned)
    if planned:
        module.warn(planned_groups_warning(planned))
    return ids, known_groups_of(None, groups)


def remove_user(module, gate, user):
    if user is None:
        return dict(changed=False, experience_user={}, changed_fields=[]), {}
    write = gate.admitted(Write(DELETE, EXPERIENCE_USER, user.get("email"), user))
    if not module.check_mode:
        gate.send(write)
    return dict(changed=True, experience_user={}, changed_fields=[]), dict(before=user_view(user), after={})


def suspend_user(module, gate, user):
    if user is None:
        module.warn("No experience user has %s %s: nothing to suspend"
                    % (("experience_user_id", module.params["experience_user_id"]) if module.params["experience_user_id"]
                       else ("email", module.params["email"])))
        return dict(changed=False, experience_user={}, changed_fields=[]), dict(before={}, after={})

    body, changed_fields = suspension_patch(user, format_datetime(utc_now()), lambda: unknown_password(gate.client))
    if not body:
        return dict(changed=False, experience_user=user_result(user), changed_fields=[]), \
            dict(before=user_view(user), after=user_view(user))
    write = gate.admitted(Write(UPDATE, EXPERIENCE_USER, user.get("email"), user, body, purpose=SUSPEND))
    if module.check_mode:
        after = predict_user(user, body, known_groups_of(user))
    else:
        after = gate.send(write)
    return dict(changed=True, experience_user=user_result(after), changed_fields=changed_fields), \
        dict(before=user_view(user), after=user_view(after, body))


def ensure_user(module, gate, user):
    params = module.params
    client = gate.client
    if user is None and params["experience_user_id"]:
        module.fail_json(msg="No experience user has experience_user_id %s; leave experience_user_id out "
                             "to create a user by email" % params["experience_user_id"])
    if user is None and (params["email"] is None or params["password"] is None):
        module.fail_json(msg="email and password are required to create the experience user %s"
                             % (params["email"] or params["experience_user_id"]))

    group_ids, known_groups = resolve_groups(module, client, params["experience_groups"])
    known_groups.update(known_groups_of(user))
    if user is None:
        body, changed_fields = create_body(params, group_ids)
    else:
        body, changed_fields = user_patch(user, params, group_ids, format_datetime(utc_now()))
    if len(body.get("experienceGroupIds", ())) > GROUPS_MAX:
        module.fail_json(msg="experience_groups: a user may belong to at most %d groups, this would make %d"
                             % (GROUPS_MAX, len(body["experienceGroupIds"])))

    if not body:
        return dict(changed=False, experience_user=user_result(user), changed_fields=[]), \
            dict(before=user_view(user), after=user_view(user))
    if user is not None and carries_suspension_tag(user) and body.get("experienceGroupIds") and "password" not in body:
        module.warn("The user is suspended (user tag %s): this puts it back in groups, but it still cannot sign in; "
                    "give it a password to bring it back" % SUSPENDED_TAG)
    write = gate.admitted(Write(UPDATE, EXPERIENCE_USER, user.get("email"), user, body) if user is not None
                          else Write(CREATE, EXPERIENCE_USER, body["email"], None, body))
    if module.check_mode:
        after = predict_user(user or {}, body, known_groups)
    elif user is None:
        try:
            after = gate.send(write)
        except LosantApiError as exc:
            raced = find_user(client, params) if exc.error_type == "AlreadyExists" else None
            if raced is None:
                raise
            # Another run created the user since the lookup: converge on that user instead.
            return ensure_user(module, gate, raced)
    else:
        after = gate.send(write)
    return dict(changed=True, experience_user=user_result(after), changed_fields=changed_fields), \
        dict(before=user_view(user), after=user_view(after, body))


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(**USER_OPTIONS),
        required_one_of=[("email", "experience_user_id")],
        required_if=[("update_password", "always", ["password"])],
        required_by={"password_updated_after": "password"},
        supports_check_mode=True,
    )
    module.params["experience_groups"] = group_references(module.params["experience_groups"])
    errors = user_option_errors(module.params)
    if module.params["state"] == "suspended":
        errors.extend(suspension_option_errors(module.params))
    fail_on_errors(module, errors)
    warning = future_threshold_warning(module.params, utc_now())
    if warning:
        module.warn(warning)
    client = client_from_module(module)
    client.add_secret(module.params["password"])

    gate = task_gate(client, module.params)
    with failures_reported(module, GroupResolutionError, GateRefusal):
        user = find_user(client, module.params)
        if module.params["state"] == "absent":
            result, diff = remove_user(module, gate, user)
        elif module.params["state"] == "suspended":
            result, diff = suspend_user(module, gate, user)
        else:
            result, diff = ensure_user(module, gate, user)

    if module._diff:
        result["diff"] = text_diff(diff)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
