# -*- coding: utf-8 -*-
# Copyright: losant.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Internal to this collection: not a public API; may change without notice.

"""Many experience users in one task: validate every entry, read the current
users in as few requests as possible, plan every write, then run the writes
concurrently. The planning is pure; reading and writing take a client."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math

from ansible_collections.losant.platform.plugins.module_utils._client import EXPERIENCE_USER, LosantApiError
from ansible_collections.losant.platform.plugins.module_utils._pacing import in_threads
from ansible_collections.losant.platform.plugins.module_utils._suspension import (
    SUSPENDED_TAG,
    carries_suspension_tag,
    owns,
    suspension_option_errors,
    suspension_patch,
    with_ownership,
)
from ansible_collections.losant.platform.plugins.module_utils._users import (
    USER_OPTIONS,
    GroupResolutionError,
    create_body,
    group_lookup_needed,
    known_groups_of,
    normalized_ids,
    planned_groups_warning,
    predict_user,
    resolve_group_ids,
    user_option_errors,
    user_patch,
    user_view,
)
from ansible_collections.losant.platform.plugins.module_utils._validation import is_id
from ansible_collections.losant.platform.plugins.module_utils._write_gate import (
    ADOPT,
    CREATE,
    DELETE,
    SUSPEND,
    UPDATE,
    GateRefusal,
    Rules,
    Write,
    carries_tag,
)

# Losant's advanced query takes at most 100 values in an $in.
IN_QUERY_MAX = 100

# An entry of config: experience_user's options less those that select or
# act on one user, with the email as the key.
USER_ENTRY_OPTIONS = dict(
    (name, spec) for name, spec in USER_OPTIONS.items()
    if name not in ("state", "experience_user_id", "invalidate_tokens"))
USER_ENTRY_OPTIONS["email"] = dict(type="str", required=True)

STATES = ["merged", "replaced", "overridden", "deleted", "suspended", "gathered"]
# States whose entries only select users: their email is all that matters.
SELECTING_STATES = ("deleted", "suspended")


def _label(index, entry):
    return "config[%d] (%s)" % (index, entry.get("email"))


def config_errors(config, state="merged", ownership_tag=None):
    """Every rule the entries break, each naming the entry's index and email."""
    errors = []
    first_index = {}
    for index, entry in enumerate(config):
        label = _label(index, entry)
        errors.extend("%s: %s" % (label, error) for error in user_option_errors(entry))
        if state == "suspended":
            errors.extend("%s: %s" % (label, error) for error in suspension_option_errors(entry))
        errors.extend("%s: %s" % (label, error) for error in _ownership_entry_errors(entry, ownership_tag))
        if entry.get("password_updated_after") is not None and entry.get("password") is None:
            errors.append("%s: password_updated_after requires password" % label)
        if entry.get("update_password") == "always" and entry.get("password") is None:
            errors.append("%s: update_password=always requires password" % label)
        key = (entry.get("email") or "").lower()
        if key in first_index:
            errors.append("%s: the same email as config[%d]; list each user once" % (label, first_index[key]))
        first_index.setdefault(key, index)
    return errors


def _ownership_entry_errors(entry, tag):
    """An entry may name the ownership tag only with exactly its value (to adopt the user)."""
    tags = entry.get("user_tags")
    if not tag or not tags:
        return []
    key, value = list(tag.items())[0]
    if key in tags and tags[key] != value:
        return ["user_tags gives the ownership tag %r the value %r, but ownership_tag says %r: an entry names the "
                "tag only to adopt a user, with exactly its value" % (key, tags[key], value)]
    return []


def adopts(entry, tag):
    """Whether an entry takes its user over: its user_tags name the ownership tag with its value."""
    return bool(tag) and carries_tag(entry.get("user_tags"), tag)


def read_strategy(wanted, total, first_page_size):
    """'list' to page through every user, or 'in' for $in queries, whichever costs fewer requests
    once the first page of the listing (already read) is counted."""
    pages_left = max(0, int(math.ceil(float(total) / max(first_page_size, 1))) - 1)
    in_queries = int(math.ceil(float(wanted) / IN_QUERY_MAX))
    return "list" if pages_left <= in_queries else "in"


def in_queries(client, emails):
    """The users with ``emails`` (any letter case), IN_QUERY_MAX emails a request, ``client.workers`` at a time."""
    batches = [emails[start:start + IN_QUERY_MAX] for start in range(0, len(emails), IN_QUERY_MAX)]
    found = in_threads(lambda batch: client.query_experience_users({"email": {"$in": batch, "$ci": True}}),
                       batches, client.workers)
    return [user for users in found for user in users]


def read_current_users(client, emails, need_all):
    """Current users by lower-case email: all of them when ``need_all``,
    else at least those with ``emails``, in as few requests as possible.

    Up to IN_QUERY_MAX emails take one $in query, which no listing can beat.
    Beyond that the first page of the listing comes first: it holds every
    user of small applications, and its totalCount and size tell whether the
    rest of the listing or $in queries for the emails still missing cost
    less. Either is read ``client.workers`` requests at a time; a listing
    that changes meanwhile is read again (see _paging.list_all).
    """
    if not need_all and len(emails) <= IN_QUERY_MAX:
        users = in_queries(client, list(emails))
        return dict(((user.get("email") or "").lower(), user) for user in users)
    first = client.experience_users_first_page()
    items = first.get("items") or []
    by_email = dict(((user.get("email") or "").lower(), user) for user in items)
    missing = [email for email in emails if email.lower() not in by_email]
    total = first.get("totalCount", len(items))
    if len(items) >= total or not (need_all or missing):
        return by_email
    if need_all or read_strategy(len(missing), total, len(items)) == "list":
        users = client.query_experience_users(first_page=first)
    else:
        users = in_queries(client, missing)
    by_email.update(((user.get("email") or "").lower(), user) for user in users)
    return by_email


def resolve_entry_groups(config, groups, warnings=None):
    """Each entry's experience_groups as ids (None when left out); errors name the entry.

    With a ``warnings`` list (check mode), a group that does not exist yet is
    planned and warned about instead: an earlier task of the run may create it."""
    resolved = []
    errors = []
    for index, entry in enumerate(config):
        wanted = entry.get("experience_groups")
        if wanted is None:
            resolved.append(None)
            continue
        planned = [] if warnings is not None else None
        try:
            resolved.append(resolve_group_ids(wanted, groups, planned) if group_lookup_needed(wanted)
                            else normalized_ids(wanted))
            if planned:
                warnings.append(planned_groups_warning(planned, "%s: " % _label(index, entry)))
        except GroupResolutionError as exc:
            errors.append("%s: %s" % (_label(index, entry), exc))
            resolved.append(None)
    return resolved, errors


def desired_entry(entry, state):
    """The entry as experience_user options; replaced and overridden make left-out fields empty."""
    params = dict(entry)
    if state in ("replaced", "overridden"):
        params.update(
            first_name=entry.get("first_name") or "",
            last_name=entry.get("last_name") or "",
            user_tags=entry.get("user_tags") or {},
            purge_user_tags=True,
            experience_groups=entry.get("experience_groups") or [],
            purge_experience_groups=True,
        )
    return params


class Plan:
    """What a run will do: bodies to POST, PATCHes, deletions, and the rest."""

    def __init__(self, suspending=False):
        self.creates = []   # (email, body, changed fields)
        self.updates = []   # (user, body, changed fields)
        self.deletes = []   # user
        self.unchanged = 0
        self.errors = []
        self.warnings = []
        self.known_groups = {}  # id -> {id, name, parentId}, to show groups by name
        self.wanted = {}        # email of a create -> (options, group ids, now): to converge if another run creates it
        self.not_owned = []     # emails of users left alone for want of the ownership tag
        self.missing = []       # emails listed for suspension that no user has
        self.adopting = set()   # lower-case emails of users whose entries take them over
        self.suspending = suspending
        self._writes = None

    def writes(self):
        """The plan as the write gate takes it: creates, then updates, then deletions."""
        if self._writes is None:
            self._writes = [Write(CREATE, EXPERIENCE_USER, email, None, body, fields=fields)
                            for email, body, fields in self.creates]
            self._writes += [Write(UPDATE, EXPERIENCE_USER, user["email"], user, body, fields=fields,
                                   purpose=SUSPEND if self.suspending else
                                   ADOPT if user["email"].lower() in self.adopting else None)
                             for user, body, fields in self.updates]
            self._writes += [Write(DELETE, EXPERIENCE_USER, user["email"], user) for user in self.deletes]
        return self._writes


def plan_changes(config, group_ids, current, state, now, groups=(), ownership_tag=None, new_password=None):
    """Pure: the Plan that makes ``current`` (lower-case email -> user) match the config.

    With an ``ownership_tag`` (a dict of one user tag), new users get it, and
    whatever the state, a user that does not carry it is left alone (listed in
    ``not_owned``) unless its entry adopts it (names the tag in its user_tags).
    ``new_password()`` gives each suspended user its random password (state=suspended)."""
    plan = Plan(suspending=state == "suspended")
    plan.known_groups = known_groups_of(None, groups)
    for user in current.values():
        plan.known_groups.update(known_groups_of(user))
    listed = set()
    for index, entry in enumerate(config):
        key = entry["email"].lower()
        listed.add(key)
        user = current.get(key)
        if user is not None and state not in SELECTING_STATES and not owns(user, ownership_tag):
            if not adopts(entry, ownership_tag):
                plan.not_owned.append(user["email"])
                continue
            plan.adopting.add(key)
        if state in SELECTING_STATES:
            if user is None:
                plan.unchanged += 1
                if state == "suspended":
                    plan.missing.append(entry["email"])
            elif not owns(user, ownership_tag):
                plan.not_owned.append(user["email"])
            elif state == "deleted":
                plan.deletes.append(user)
            else:
                body, fields = suspension_patch(user, now, new_password)
                if body:
                    plan.updates.append((user, body, fields))
                else:
                    plan.unchanged += 1
            continue
        params = with_ownership(desired_entry(entry, state), user, ownership_tag)
        ids = group_ids[index]
        if state in ("replaced", "overridden") and ids is None:
            ids = []
        if user is None:
            if not params.get("password"):
                plan.errors.append("%s: password is required to create the user" % _label(index, entry))
                continue
            body, fields = create_body(params, ids)
            plan.creates.append((entry["email"], body, fields))
            plan.wanted[entry["email"]] = (params, ids, now)
            continue
        body, fields = user_patch(user, params, ids, now)
        if body:
            plan.updates.append((user, body, fields))
            if carries_suspension_tag(user) and body.get("experienceGroupIds") and "password" not in body:
                plan.warnings.append(
                    "%s: the user is suspended (user tag %s): this puts it back in groups, but it still cannot sign "
                    "in; give it a password to bring it back" % (_label(index, entry), SUSPENDED_TAG))
        else:
            plan.unchanged += 1
    if state == "overridden":
        for key, user in sorted(current.items()):
            if key in listed:
                continue
            if owns(user, ownership_tag):
                plan.deletes.append(user)
            else:
                plan.not_owned.append(user["email"])
    return plan


def plan_diffs(plan):
    """One before/after per changed user, the password shown only as a marker."""
    diffs = []
    for email, body, dummy in plan.creates:
        diffs.append(dict(before_header=email, after_header=email, before={},
                          after=user_view(predict_user({}, body, plan.known_groups), body)))
    for user, body, dummy in plan.updates:
        diffs.append(dict(before_header=user["email"], after_header=user["email"], before=user_view(user),
                          after=user_view(predict_user(user, body, plan.known_groups), body)))
    for user in plan.deletes:
        diffs.append(dict(before_header=user["email"], after_header=user["email"], before=user_view(user), after={}))
    return diffs


def run_writes(gate, plan):
    """Send every write of the plan through ``gate`` (which admitted them), ``workers`` at a
    time (the client's pacer slows them all down under 429s).

    Returns (done, failures, unknown): ``done`` maps "create", "update", "delete" and
    "converged" to the emails written (converged: another run created the user
    meanwhile, already as wanted); ``failures`` the message of each write that
    failed (a failure does not stop the other writes); ``unknown`` how many of
    them may or may not have landed.
    """
    client = gate.client

    def run(write):
        try:
            try:
                gate.send(write)
            except LosantApiError as exc:
                if write.kind != CREATE or exc.error_type != "AlreadyExists":
                    raise
                return take_over(write, exc)
        except LosantApiError as exc:
            return write.kind, write.label, exc.message, exc.outcome_unknown
        except GateRefusal as exc:
            return write.kind, write.label, "; ".join(exc.problems), False
        except Exception as exc:
            # One unexpected error must not hide what the other writes did.
            return write.kind, write.label, "%s: %s" % (type(exc).__name__, client.redact(str(exc))), False
        return write.kind, write.label, None, False

    def take_over(write, exc):
        """Another run created the user since the read: bring that user in line instead,
        through the gate like any write (it may not be this task's to change)."""
        user = client.find_experience_user_by_email(write.label)
        if user is None:
            raise exc
        params, ids, now = plan.wanted[write.label]
        body = user_patch(user, params, ids, now)[0]
        if not body:
            return "converged", write.label, None, False
        update = Write(UPDATE, EXPERIENCE_USER, user["email"], user, body)
        gate.admit([update])
        gate.send(update)
        return "update", write.label, None, False

    done = {"create": [], "update": [], "delete": [], "converged": []}
    failures = []
    unknown = 0
    for kind, email, error, outcome_unknown in in_threads(run, plan.writes(), client.workers):
        if error:
            failures.append("%s %s: %s" % (kind, email, error))
            unknown += outcome_unknown
        else:
            done[kind].append(email)
    return done, failures, unknown


def gathered_config(users, groups):
    """Current users in the ``config`` shape; groups by name, or by id where names repeat or
    where a name looks like an id (fed back, it would be taken for one)."""
    name_counts = {}
    for group in groups:
        name_counts[group.get("name")] = name_counts.get(group.get("name"), 0) + 1
    config = []
    for user in sorted(users, key=lambda item: (item.get("email") or "").lower()):
        config.append(dict(
            email=user.get("email"),
            first_name=user.get("firstName", ""),
            last_name=user.get("lastName", ""),
            user_tags=dict(user.get("userTags") or {}),
            experience_groups=sorted(
                group["name"] if name_counts.get(group.get("name")) == 1 and not is_id(group.get("name"))
                else group["id"]
                for group in user.get("experienceGroups") or []),
        ))
    return config


def task_rules(params, planned):
    """The write gate's rules of an experience_users task: what its config selects to delete or suspend
    (exact emails, letter case aside), its ownership tag and its bound on deletions."""
    listed_emails = set(entry["email"].lower() for entry in params["config"])
    state = params["state"]

    def listed(user):
        return (user.get("email") or "").lower() in listed_emails

    def not_listed(user):
        return not listed(user)

    if state in ("deleted", "suspended"):
        selects, selection = listed, "the emails of config (exactly, letter case aside)"
    elif state == "overridden":
        selects, selection = not_listed, "overridden (a user that config does not list, by exact email)"
    else:
        selects, selection = None, ""
    return Rules(selects, selection, params["ownership_tag"], planned.adopting, params["max_deletions"])
