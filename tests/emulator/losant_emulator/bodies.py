"""Request bodies: the rules of Losant's ``experienceUserPost`` / ``Patch`` and
``experienceGroupPost`` / ``Patch`` schemas, written out as one checker per field.

A checker takes ``(field, value)``, raises a 400 ``Validation`` that names the
field and the rule, and returns the value as it is stored (ids lower-cased,
timestamps normalized).
"""

import re

from .errors import validation_error
from .timestamps import format_ts, parse_rfc3339

ID_RE = re.compile(r"^[A-Fa-f0-9]{24}$")
TAG_KEY_RE = re.compile(r"^[0-9a-zA-Z_-]{1,255}$")
# Stricter than the schema's "format: email" (a documented difference from Losant).
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def type_name(value):
    """The JSON type of a decoded value, for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def check_string(field, value, min_len=0, max_len=None):
    if not isinstance(value, str):
        raise validation_error("%s must be a string (got %s)" % (field, type_name(value)))
    if len(value) < min_len:
        if min_len == 1:
            raise validation_error("%s must not be empty" % field)
        raise validation_error("%s must be at least %d characters long" % (field, min_len))
    if max_len is not None and len(value) > max_len:
        raise validation_error("%s must be at most %d characters long" % (field, max_len))
    return value


def check_email(field, value):
    check_string(field, value, 0, 1024)
    if not EMAIL_RE.match(value):
        raise validation_error("%s must be a valid email address" % field)
    # Losant stores emails in lower case, whatever case they were sent in.
    return value.lower()


def check_password(field, value):
    return check_string(field, value, 8, 2048)


def check_name_1024(field, value):
    return check_string(field, value, 0, 1024)


def check_datetime(field, value):
    if not isinstance(value, str):
        raise validation_error("%s must be a date-time string (got %s)" % (field, type_name(value)))
    try:
        return format_ts(parse_rfc3339(value))
    except (ValueError, OverflowError):
        raise validation_error("%s must be an ISO 8601 / RFC 3339 date-time" % field)


def check_tags(field, value):
    if not isinstance(value, dict):
        raise validation_error("%s must be an object (got %s)" % (field, type_name(value)))
    for key, val in value.items():
        if not TAG_KEY_RE.match(key):
            raise validation_error('%s key "%s" is invalid: keys must match ^[0-9a-zA-Z_-]{1,255}$'
                                   % (field, key))
        check_string("%s.%s" % (field, key), val, 1, 255)
    return dict(value)


def _check_id_list(field, value, max_items):
    if not isinstance(value, list):
        raise validation_error("%s must be an array (got %s)" % (field, type_name(value)))
    if len(value) > max_items:
        raise validation_error("%s must contain at most %d items" % (field, max_items))
    out = []
    seen = set()
    for i, item in enumerate(value):
        if not isinstance(item, str) or not ID_RE.match(item):
            raise validation_error("%s[%d] must be a 24 character hex id" % (field, i))
        item = item.lower()
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out


def check_id_list_1000(field, value):
    return _check_id_list(field, value, 1000)


def check_parent_id(field, value):
    if value is None:
        return None
    if not isinstance(value, str) or not ID_RE.match(value):
        raise validation_error("%s must be a 24 character hex id or null" % field)
    return value.lower()


def check_own_id(field, value):
    """An id a seed item asks for: like a parent id, but never null."""
    checked = check_parent_id(field, value)
    if checked is None:
        raise validation_error("id must not be null")
    return checked


def check_group_name(field, value):
    return check_string(field, value, 1, 255)


def check_description(field, value):
    return check_string(field, value, 0, 32767)


def check_device_tags(field, value):
    if not isinstance(value, list):
        raise validation_error("%s must be an array (got %s)" % (field, type_name(value)))
    if len(value) > 100:
        raise validation_error("%s must contain at most 100 items" % field)
    out = []
    for i, item in enumerate(value):
        where = "%s[%d]" % (field, i)
        if not isinstance(item, dict):
            raise validation_error("%s must be an object" % where)
        for k in item:
            if k not in ("key", "value"):
                raise validation_error('%s has unknown property "%s"' % (where, k))
        if "key" in item:
            check_string(where + ".key", item["key"])
            if not TAG_KEY_RE.match(item["key"]):
                raise validation_error("%s.key must match ^[0-9a-zA-Z_-]{1,255}$" % where)
        if "value" in item:
            check_string(where + ".value", item["value"], 1, 255)
        out.append(dict(item))
    return out


def check_device_query_json(field, value):
    if value is None:
        return None
    return check_string(field, value, 0, 8192)


def check_name_list(field, value):
    """A seed user's ``experienceGroups``: group names or ids."""
    if not isinstance(value, list):
        raise validation_error("%s must be an array of group names or ids" % field)
    for i, item in enumerate(value):
        check_string("%s[%d]" % (field, i), item, 1, 255)
    return list(value)


USER_FIELDS = {
    "email": check_email,
    "firstName": check_name_1024,
    "lastName": check_name_1024,
    "password": check_password,
    "tokenCutoff": check_datetime,
    "userTags": check_tags,
    "experienceGroupIds": check_id_list_1000,
}

GROUP_FIELDS = {
    "name": check_group_name,
    "description": check_description,
    "experienceUserIds": check_id_list_1000,
    "experienceEndpointIds": check_id_list_1000,
    "groupTags": check_tags,
    "deviceIds": check_id_list_1000,
    "deviceTags": check_device_tags,
    "deviceQueryJson": check_device_query_json,
    "parentId": check_parent_id,
}


def validate_body(body, fields, required=(), what="body"):
    """Validate ``body`` against a field table; return normalized values."""
    if not isinstance(body, dict):
        raise validation_error("%s must be a JSON object (got %s)" % (what, type_name(body)))
    for name in required:
        if name not in body:
            raise validation_error("%s is required" % name)
    out = {}
    for name, value in body.items():
        checker = fields.get(name)
        if checker is None:
            raise validation_error('"%s" is not an allowed property of %s' % (name, what))
        out[name] = checker(name, value)
    return out
