# -*- coding: utf-8 -*-
# Copyright: losant.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Internal to this collection: not a public API; may change without notice.

"""Pure logic of experience groups: option rules, the one lookup query, the
PATCH that reaches the desired state, and the views shown to the user."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible_collections.losant.platform.plugins.module_utils._group_access import (
    ACCESS_OPTIONS,
    access_changes,
    access_option_errors,
)
from ansible_collections.losant.platform.plugins.module_utils._tags import desired_tags
from ansible_collections.losant.platform.plugins.module_utils._validation import (
    check_id,
    check_length,
    check_tags,
    is_id,
)

GROUP_NAME_MAX = 255
DESCRIPTION_MAX = 32767

GROUP_OPTIONS = dict(
    state=dict(type="str", default="present", choices=["present", "absent"]),
    name=dict(type="str"),
    experience_group_id=dict(type="str"),
    description=dict(type="str"),
    parent=dict(type="str"),
    group_tags=dict(type="dict"),
    purge_group_tags=dict(type="bool", default=False),
    delete_descendants=dict(type="bool", default=False),
)
GROUP_OPTIONS.update(ACCESS_OPTIONS)


class GroupError(Exception):
    """A group or parent that cannot be told apart, found, or placed."""


def group_option_errors(params):
    errors = [
        check_length("name", params.get("name"), 1, GROUP_NAME_MAX),
        check_id("experience_group_id", params.get("experience_group_id")),
        check_length("description", params.get("description"), 0, DESCRIPTION_MAX),
        check_length("parent", params.get("parent") or None, 1, GROUP_NAME_MAX),
    ]
    errors.extend(check_tags("group_tags", params.get("group_tags")))
    errors.extend(access_option_errors(params))
    return [error for error in errors if error]


def _selector(reference):
    """The condition that finds a group given by id or by exact name."""
    return {"id": reference} if is_id(reference) else {"name": reference}


def lookup_query(group_id, name, parent):
    """One advanced query that returns the group and, when named, its parent."""
    conditions = [{"id": group_id} if group_id else {"name": name}]
    if parent:
        conditions.append(_selector(parent))
    return conditions[0] if len(conditions) == 1 else {"$or": conditions}


def _with_id(groups, group_id):
    """Ids are hexadecimal: letter case does not matter (Losant answers in lower case)."""
    return [group for group in groups if group["id"].lower() == group_id.lower()]


def _matching(groups, reference):
    if is_id(reference):
        return _with_id(groups, reference)
    return [group for group in groups if group.get("name") == reference]


def _ids(groups):
    return ", ".join(sorted(group["id"] for group in groups))


def pick_group(groups, group_id, name):
    """The group of the lookup results, or None; two groups with the name fail."""
    if group_id:
        matches = _with_id(groups, group_id)
        return matches[0] if matches else None
    matches = _matching(groups, name)
    if len(matches) > 1:
        raise GroupError("%d experience groups are named %r (ids %s); give experience_group_id to choose one"
                         % (len(matches), name, _ids(matches)))
    return matches[0] if matches else None


def parent_missing(groups, parent):
    """Whether a ``parent`` is given (a name or an id) that none of ``groups`` is."""
    return bool(parent) and not _matching(groups, parent)


def pick_parent(groups, parent, group):
    """The parent group (None for top level) from the lookup results.

    Fails for an unknown or ambiguous parent, and for a parent that is the
    group itself or one of its descendants, which would make a cycle.
    """
    if not parent:
        return None
    matches = _matching(groups, parent)
    if not matches:
        raise GroupError("parent: no experience group named or with id %r" % parent)
    if len(matches) > 1:
        raise GroupError("parent: %d experience groups are named %r (ids %s); give the parent's id instead"
                         % (len(matches), parent, _ids(matches)))
    found = matches[0]
    if group and (found["id"] == group["id"] or group["id"] in (found.get("ancestorIds") or [])):
        raise GroupError("parent: %r is the group itself or one of its descendants" % parent)
    return found


def group_patch(group, params, parent_id, device_ids=None, endpoint_ids=None):
    """The PATCH body that makes ``group`` match ``params``, and the option names it changes.

    ``parent_id`` is the id of the group ``params["parent"]`` names (None for
    ``""``, the top level). Options left out (None) leave their field alone:
    ``parent`` left out keeps the group where it is, and ``group_tags`` left
    out keeps the tags even with purge_group_tags. ``device_ids`` and
    ``endpoint_ids`` are ``devices`` and ``endpoints`` resolved to ids.
    """
    body = {}
    changed = []
    if params.get("name") is not None and params["name"] != group.get("name"):
        body["name"] = params["name"]
        changed.append("name")
    if params.get("description") is not None and params["description"] != (group.get("description") or ""):
        body["description"] = params["description"]
        changed.append("description")
    if params.get("parent") is not None and parent_id != group.get("parentId"):
        body["parentId"] = parent_id
        changed.append("parent")
    tags = desired_tags(group.get("groupTags"), params.get("group_tags"), params.get("purge_group_tags"))
    if tags is not None and tags != (group.get("groupTags") or {}):
        body["groupTags"] = tags
        changed.append("group_tags")
    access, access_fields = access_changes(group, params, device_ids, endpoint_ids)
    body.update(access)
    return body, changed + access_fields


def group_create_body(params, parent_id, device_ids=None, endpoint_ids=None):
    body = {"name": params["name"]}
    changed = ["name"]
    if params.get("description") is not None:
        body["description"] = params["description"]
        changed.append("description")
    if parent_id:
        body["parentId"] = parent_id
        changed.append("parent")
    tags = desired_tags({}, params.get("group_tags"), True)
    if tags:
        body["groupTags"] = tags
        changed.append("group_tags")
    access, access_fields = access_changes({}, params, device_ids, endpoint_ids)
    body.update(access)
    return body, changed + access_fields


def predict_group(group, body, parent):
    predicted = copy.deepcopy(group)
    predicted.update(copy.deepcopy(body))
    if "parentId" in body:
        predicted["ancestorIds"] = ((parent.get("ancestorIds") or []) + [parent["id"]]) if parent else []
    return predicted


def verified_descendants(group, candidates):
    """The candidates that are descendants of ``group`` by their own ``ancestorIds``.

    The server's ``ancestorId`` filter only proposes them: what is deleted is
    checked here, so that a server that ignored the filter deletes nothing else.
    """
    group_id = group["id"].lower()
    return [candidate for candidate in candidates
            if candidate["id"].lower() != group_id
            and group_id in [ancestor.lower() for ancestor in candidate.get("ancestorIds") or []]]


def descendants_deepest_first(descendants):
    return sorted(descendants, key=lambda group: len(group.get("ancestorIds") or []), reverse=True)


def group_view(group, parent_names=None):
    """A group in the experience_group option shape, for ``diff`` (what it grants: _group_access.with_access)."""
    if not group:
        return {}
    parent_id = group.get("parentId")
    return {
        "name": group.get("name"),
        "description": group.get("description") or "",
        "parent": (parent_names or {}).get(parent_id, parent_id),
        "group_tags": dict(group.get("groupTags") or {}),
    }
