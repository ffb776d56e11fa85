# -*- coding: utf-8 -*-
# Copyright: losant.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Internal to this collection: not a public API; may change without notice.

"""Pure logic of experience users: option rules, desired state, the PATCH
that gets there, and the views shown to the user. No I/O here."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import difflib

from ansible_collections.losant.platform.plugins.module_utils._dates import format_datetime, parse_datetime, utc_now
from ansible_collections.losant.platform.plugins.module_utils._suspension import restoring, tags_after_restore
from ansible_collections.losant.platform.plugins.module_utils._tags import desired_tags
from ansible_collections.losant.platform.plugins.module_utils._validation import (
    GROUPS_MAX,
    NAME_MAX,
    PASSWORD_MAX,
    PASSWORD_MIN,
    check_email,
    check_id,
    check_length,
    check_tags,
    is_id,
)

# What the diff shows in place of a password that will be set.
PASSWORD_MARKER = "<new password will be set>"
GROUP_NAME_MAX = 255

USER_OPTIONS = dict(
    state=dict(type="str", default="present", choices=["present", "absent", "suspended"]),
    email=dict(type="str"),
    experience_user_id=dict(type="str"),
    first_name=dict(type="str"),
    last_name=dict(type="str"),
    password=dict(type="str", no_log=True),
    update_password=dict(type="str", default="on_create", choices=["on_create", "always"], no_log=False),
    password_updated_after=dict(type="str", no_log=False),
    user_tags=dict(type="dict"),
    purge_user_tags=dict(type="bool", default=False),
    # raw: a group as this collection returns it (a dict with its id) is accepted too.
    experience_groups=dict(type="list", elements="raw"),
    purge_experience_groups=dict(type="bool", default=False),
    invalidate_tokens=dict(type="bool", default=False),
)


# In check mode, a group named but not there yet (an earlier task of the run may
# create it) stands in the plan under this id prefix; it is never sent.
PLANNED_GROUP = "planned:"


class GroupResolutionError(Exception):
    pass


def unique(values):
    """The values in their first order, each once."""
    seen = set()
    return [value for value in values if not (value in seen or seen.add(value))]


def user_option_errors(params, now=None):
    """Every rule the user options break, each naming the option; [] when all is well."""
    errors = [
        check_email("email", params.get("email")),
        check_id("experience_user_id", params.get("experience_user_id")),
        check_length("first_name", params.get("first_name"), 0, NAME_MAX),
        check_length("last_name", params.get("last_name"), 0, NAME_MAX),
        check_length("password", params.get("password"), PASSWORD_MIN, PASSWORD_MAX, secret=True),
    ]
    errors.extend(check_tags("user_tags", params.get("user_tags")))
    groups = params.get("experience_groups")
    if groups is not None:
        if len(groups) > GROUPS_MAX:
            errors.append("experience_groups may list at most %d groups, got %d" % (GROUPS_MAX, len(groups)))
        for entry in groups:
            if not isinstance(entry, str):
                errors.append("experience_groups entries must be group names, group ids or groups as "
                              "experience_user returns them (with an id), got %r" % (entry,))
            elif not entry or len(entry) > GROUP_NAME_MAX:
                errors.append("experience_groups entries must be group names of 1 to %d characters or group ids, got %r"
                              % (GROUP_NAME_MAX, entry[:80]))
    threshold = params.get("password_updated_after")
    if threshold is not None:
        if parse_datetime(threshold) is None:
            errors.append("password_updated_after must be an ISO 8601 date-time such as 2026-01-31T00:00:00Z, got %r"
                          % threshold)
        if params.get("update_password") == "always":
            errors.append("password_updated_after cannot be combined with update_password=always, "
                          "which sets the password on every run")
    return [error for error in errors if error]


def group_references(entries):
    """experience_groups as names or ids: a group as the modules return it
    (a dict with an id) becomes its id, a number its text; None stays None."""
    if entries is None:
        return None
    references = []
    for entry in entries:
        if isinstance(entry, dict) and isinstance(entry.get("id"), str):
            entry = entry["id"]
        elif isinstance(entry, (int, float)) and not isinstance(entry, bool):
            entry = str(entry)
        references.append(entry)
    return references


def group_lookup_needed(entries):
    """Group names need the group listing; a list of ids alone does not."""
    return bool(entries) and not all(is_id(entry) for entry in entries)


def normalized_ids(ids):
    """Ids as Losant writes them (lower case), each once."""
    return unique(group_id.lower() for group_id in ids)


def resolve_group_ids(entries, groups, planned=None):
    """Turn group names or ids into ids using the application's ``groups``.

    Raises GroupResolutionError naming the candidates for an unknown or an
    ambiguous name. With a ``planned`` list (check mode), an unknown name is
    added to it and stands in the result as ``PLANNED_GROUP + name`` instead.
    """
    by_id = dict((group["id"].lower(), group) for group in groups)
    by_name = {}
    for group in groups:
        by_name.setdefault(group.get("name"), []).append(group)
    ids = []
    problems = []
    for entry in entries:
        if entry.lower() in by_id:
            ids.append(by_id[entry.lower()]["id"])
        elif len(by_name.get(entry, [])) == 1:
            ids.append(by_name[entry][0]["id"])
        elif entry in by_name:
            problems.append("experience_groups: the name %r is ambiguous, %d groups have it (ids %s); give the id instead"
                            % (entry, len(by_name[entry]), ", ".join(sorted(g["id"] for g in by_name[entry]))))
        elif planned is not None:
            planned.append(entry)
            ids.append(PLANNED_GROUP + entry)
        else:
            names = sorted(name for name in by_name if name)
            close = difflib.get_close_matches(entry, names, n=5, cutoff=0.5)
            shown = close or names[:20]
            problems.append("experience_groups: no group named or with id %r; %s: %s" % (
                entry, "closest names" if close else "existing groups", ", ".join(shown) if shown else "(none)"))
    if problems:
        raise GroupResolutionError("; ".join(problems))
    return unique(ids)


def current_group_ids(user):
    return [group["id"] for group in user.get("experienceGroups") or []]


def desired_group_ids(current_ids, wanted_ids, purge):
    """The group ids the task wants, or None to leave the groups alone: as
    with tags, ``wanted_ids`` left out is not touched, even with ``purge``."""
    if wanted_ids is None:
        return None
    return unique(([] if purge else list(current_ids)) + list(wanted_ids))


def future_threshold_warning(params, now, label=""):
    """The warning for a password_updated_after still to come (None otherwise): until then
    every password Losant holds is older than it, so each run would set the password again."""
    threshold = parse_datetime(params.get("password_updated_after") or "")
    if threshold is None or threshold <= now or params.get("password") is None:
        return None
    return ("%spassword_updated_after %s is in the future: until then every run sets the password again and "
            "reports a change; give the moment after which a password counts as current (in the past)"
            % (label, params["password_updated_after"]))


def password_due(params, user):
    """Whether the password must be sent to an existing user."""
    if params.get("password") is None:
        return False
    if params.get("update_password") == "always":
        return True
    threshold = params.get("password_updated_after")
    if threshold is None:
        return False
    last_set = parse_datetime(user.get("passwordLastUpdated"))
    return last_set is None or last_set < parse_datetime(threshold)


def user_patch(user, params, group_ids, now):
    """The PATCH body that makes ``user`` match ``params``, and the option names it changes.

    ``group_ids`` is None when experience_groups was not given. Options left
    out (None) leave their field alone, even with a purge option set; an
    empty body means nothing to do.
    """
    body = {}
    changed = []
    email = params.get("email")
    if email is not None and email.lower() != user.get("email", "").lower():
        body["email"] = email
        changed.append("email")
    for option, field in (("first_name", "firstName"), ("last_name", "lastName")):
        value = params.get(option)
        if value is not None and value != user.get(field, ""):
            body[field] = value
            changed.append(option)
    tags = desired_tags(user.get("userTags"), params.get("user_tags"), params.get("purge_user_tags"))
    tags = tags_after_restore(user, params, tags)
    if tags is not None and tags != (user.get("userTags") or {}):
        body["userTags"] = tags
        changed.append("user_tags")
    current = current_group_ids(user)
    wanted = desired_group_ids(current, group_ids, params.get("purge_experience_groups"))
    if wanted is not None and set(wanted) != set(current):
        body["experienceGroupIds"] = wanted
        changed.append("experience_groups")
    if password_due(params, user) or restoring(user, params):
        body["password"] = params["password"]
        changed.append("password")
    if params.get("invalidate_tokens"):
        body["tokenCutoff"] = now
        changed.append("invalidate_tokens")
    return body, changed


def create_body(params, group_ids):
    """The POST body of a new user, and the option names it sets."""
    body = {"email": params["email"], "password": params["password"]}
    changed = ["email", "password"]
    for option, field in (("first_name", "firstName"), ("last_name", "lastName")):
        if params.get(option) is not None:
            body[field] = params[option]
            changed.append(option)
    tags = desired_tags({}, params.get("user_tags"), True)
    if tags:
        body["userTags"] = tags
        changed.append("user_tags")
    if group_ids:
        body["experienceGroupIds"] = list(group_ids)
        changed.append("experience_groups")
    return body, changed


def predict_user(user, body, known_groups):
    """The user as Losant will hold it once ``body`` is applied; for check mode and diffs."""
    predicted = copy.deepcopy(user)
    for field, value in body.items():
        if field == "password":
            predicted["passwordLastUpdated"] = format_datetime(utc_now())
        elif field == "experienceGroupIds":
            predicted["experienceGroups"] = [_group_of(gid, known_groups) for gid in value]
        else:
            predicted[field] = copy.deepcopy(value)
    return predicted


def known_groups_of(user, groups=()):
    """id -> {id, name, parentId} from a user's groups and a group listing."""
    known = {}
    for group in list((user or {}).get("experienceGroups") or []) + list(groups):
        known[group["id"]] = dict((key, group.get(key)) for key in ("id", "name", "parentId"))
    return known


def _group_of(group_id, known_groups):
    if group_id in known_groups:
        return known_groups[group_id]
    if group_id.startswith(PLANNED_GROUP):
        return {"id": None, "name": group_id[len(PLANNED_GROUP):], "parentId": None}
    return {"id": group_id}


def planned_groups_warning(names, label=""):
    """The check-mode warning for groups a task names that do not exist (yet)."""
    shown = ", ".join(repr(name) for name in names)
    return ("%sexperience_groups: no group is named %s yet; check mode assumes an earlier task of this run creates "
            "%s (without check mode this fails)" % (label, shown, "it" if len(names) == 1 else "them"))


def user_view(user, body=None):
    """A user in this module's option shape, for ``diff``; no secret in it."""
    if not user:
        return {}
    view = {
        "email": user.get("email"),
        "first_name": user.get("firstName", ""),
        "last_name": user.get("lastName", ""),
        "user_tags": dict(user.get("userTags") or {}),
        "experience_groups": sorted(group.get("name") or group["id"] for group in user.get("experienceGroups") or []),
    }
    if body and "password" in body:
        view["password"] = PASSWORD_MARKER
    if body and "tokenCutoff" in body:
        view["invalidate_tokens"] = True
    return view
