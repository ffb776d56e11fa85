# -*- coding: utf-8 -*-
# Copyright: losant.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Internal to this collection: not a public API; may change without notice.

"""Losant advanced queries built from the info modules' filters, and the
glob matching that checks their results."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re


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


def user_filter_query(email_pattern=None, group=None, user_tags=None):
    """One advanced query for the experience_user_info filters; None selects every user."""
    conditions = []
    if email_pattern is not None:
        condition = glob_condition(email_pattern)
        conditions.append({"email": condition} if condition else None)
    if group is not None:
        conditions.append(group_filter_condition(group))
    if user_tags:
        conditions.append({"userTags": dict(user_tags)})
    return all_of(conditions)
