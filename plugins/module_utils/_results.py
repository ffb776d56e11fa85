# -*- coding: utf-8 -*-
# Copyright: losant.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Internal to this collection: not a public API; may change without notice.

"""Users and groups as the modules return them: Losant's resources with
snake_case keys, tag keys left as the user wrote them, no secret."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.losant.platform.plugins.module_utils._group_access import access_result


def snake_resource(resource, tags_field):
    """A Losant resource with snake_case keys; the keys of its tags are left as written."""
    if not resource:
        return {}
    result = camel_dict_to_snake_dict(resource, ignore_list=(tags_field,))
    result.pop("password", None)
    return result


def user_result(user):
    return snake_resource(user, "userTags")


def group_result(group):
    """A group, plus what it grants in the shape of experience_group's options
    (``devices``, ``device_tags``, ``device_query``, ``endpoints``)."""
    result = snake_resource(group, "groupTags")
    if result:
        result.update(access_result(group))
    return result


def text_diff(diff):
    """A diff (or a list of them) whose ``before`` / ``after`` are text in the layout Ansible
    prints a dict diff in, but with names as written: Ansible's JSON would show "Müller" as
    "M\\u00fcller"."""
    if isinstance(diff, list):
        return [text_diff(entry) for entry in diff]
    shown = dict(diff)
    for side in ("before", "after"):
        if isinstance(shown.get(side), dict):
            shown[side] = json.dumps(shown[side], sort_keys=True, indent=4, separators=(",", ": "),
                                     ensure_ascii=False) + "\n"
    return shown
