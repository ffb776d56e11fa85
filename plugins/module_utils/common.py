# -*- coding: utf-8 -*-
# Copyright: losant.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Pure helpers shared by users and groups: tag merging, glob filters and
the snake_case shape of returned resources."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict


def desired_tags(current, given, purge):
    """Given tags merged into the current ones (or replacing them with purge); a null value removes a key."""
    tags = {} if purge else dict(current or {})
    for key, value in given.items():
        if value is None:
            tags.pop(key, None)
        else:
            tags[key] = value
    return tags


def unique(values):
    """The values in their first order, each once."""
    seen = set()
    return [value for value in values if not (value in seen or seen.add(value))]


def snake_resource(resource, tags_field):
    """A Losant resource with snake_case keys; the keys of its tags are left as written."""
    if not resource:
        return {}
    result = camel_dict_to_snake_dict(resource, ignore_list=(tags_field,))
    result.pop("password", None)
    return result


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
