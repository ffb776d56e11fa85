# -*- coding: utf-8 -*-
# Copyright: losant.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Internal to this collection: not a public API; may change without notice.

"""Losant advanced queries built from the info modules' filters, and the
checks that apply every filter again to what the server returned (a proxy
may drop the query, an API version may not know a field: the query only
narrows the read, the checks decide)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.losant.platform.plugins.module_utils._dates import format_datetime, parse_datetime


def glob_condition(pattern):
    """An advanced-query condition that narrows a field to a Losant glob
    (``*`` matches any run of characters), ignoring letter case; None when
    the glob matches everything. Pair it with glob_matches() on the results,
    as a condition cannot express every glob exactly."""
    pieces = pattern.split("*")
    if len(pieces) == 1:
        return {"$eq": pattern, "$ci": True}
    condition = {}
    if pieces[0]:
        condition["$startsWith"] = pieces[0]
    if pieces[-1]:
        condition["$endsWith"] = pieces[-1]
    middle = max(pieces[1:-1] or [""], key=len)
    if middle:
        condition["$contains"] = middle
    if condition:
        condition["$ci"] = True
    return condition or None


def glob_matches(pattern, value):
    regex = ".*".join(re.escape(piece) for piece in pattern.split("*"))
    return re.match("^%s$" % regex, value or "", re.IGNORECASE | re.DOTALL) is not None


def all_of(conditions):
    """One advanced query from a list of conditions; None for no condition."""
    conditions = [condition for condition in conditions if condition]
    if not conditions:
        return None
    if len(conditions) == 1:
        return conditions[0]
    return {"$and": conditions}


def group_filter_condition(group):
    """The advanced-query condition for users in a group id, in ``any`` group or in ``none``."""
    if group == "any":
        return {"experienceGroupId": {"$ne": None}}
    if group == "none":
        return {"experienceGroupId": None}
    return {"experienceGroupId": group}


def activity_conditions(last_login_before=None, never_logged_in=None, password_updated_before=None):
    """Advanced-query conditions of the activity filters (dates already checked by date_filter_errors).

    ``never_logged_in=True`` with ``last_login_before`` selects either (the inactive
    users); alone, users with no login; ``False``, users with one. A password
    Losant has no date for counts as set before any date, as with password_updated_after."""
    conditions = []
    before = format_datetime(parse_datetime(last_login_before)) if last_login_before is not None else None
    if before is not None and never_logged_in:
        conditions.append({"$or": [{"lastLogin": {"$lt": before}}, {"lastLogin": None}]})
    elif before is not None:
        # $lt never matches a user without a lastLogin, so never_logged_in=False adds nothing.
        conditions.append({"lastLogin": {"$lt": before}})
    elif never_logged_in is not None:
        conditions.append({"lastLogin": None} if never_logged_in else {"lastLogin": {"$ne": None}})
    if password_updated_before is not None:
        threshold = format_datetime(parse_datetime(password_updated_before))
        conditions.append({"$or": [{"passwordLastUpdated": {"$lt": threshold}}, {"passwordLastUpdated": None}]})
    return conditions


def activity_matcher(last_login_before=None, never_logged_in=None, password_updated_before=None):
    """The activity filters as a check of one user Losant returned (the query is not taken
    on trust); the dates are parsed once, not once a user."""
    login_threshold = parse_datetime(last_login_before) if last_login_before is not None else None
    password_threshold = parse_datetime(password_updated_before) if password_updated_before is not None else None

    def matches(user):
        last_login = parse_datetime(user.get("lastLogin"))
        if login_threshold is not None:
            before = last_login < login_threshold if last_login is not None else False
            if not (before or (never_logged_in and last_login is None)):
                return False
        elif never_logged_in is not None and (last_login is None) != never_logged_in:
            return False
        if password_threshold is not None:
            set_at = parse_datetime(user.get("passwordLastUpdated"))
            if set_at is not None and set_at >= password_threshold:
                return False
        return True

    return matches


def date_filter_errors(params, options=("last_login_before", "password_updated_before")):
    """Each date option that is not an ISO 8601 date or date-time, by name."""
    return ["%s must be an ISO 8601 date or date-time such as 2026-01-31T00:00:00Z, got %r" % (name, params[name])
            for name in options if params.get(name) is not None and parse_datetime(params[name]) is None]


def user_filter_query(email_pattern=None, group=None, user_tags=None, activity=()):
    """One advanced query for the experience_user_info filters; None selects every user.
    ``activity``: the conditions of activity_conditions()."""
    conditions = list(activity)
    if email_pattern is not None:
        condition = glob_condition(email_pattern)
        conditions.append({"email": condition} if condition else None)
    if group is not None:
        conditions.append(group_filter_condition(group))
    if user_tags:
        conditions.append({"userTags": dict(user_tags)})
    return all_of(conditions)


def user_filter_matcher(email_pattern=None, group=None, user_tags=None, activity=None):
    """Every filter of experience_user_info as a check of one user Losant returned: the email
    glob, the group (an id, ``any`` or ``none``), the tags (a null value: any value of that key)
    and the activity filters (a dict of activity_matcher's arguments)."""
    active = activity_matcher(**(activity or {}))
    wanted_tags = dict(user_tags or {})
    group_id = group.lower() if group not in (None, "any", "none") else None

    def matches(user):
        if email_pattern is not None and not glob_matches(email_pattern, user.get("email")):
            return False
        groups = [(found.get("id") or "").lower() for found in user.get("experienceGroups") or []]
        if (group == "any" and not groups) or (group == "none" and groups) or \
                (group_id is not None and group_id not in groups):
            return False
        tags = user.get("userTags") or {}
        for key, value in wanted_tags.items():
            if key not in tags or (value is not None and tags[key] != value):
                return False
        return active(user)

    return matches
