"""A stdlib-only emulator of the Losant REST API for experience users/groups.

It serves, like https://api.losant.com does::

    /applications/{applicationId}/experience/users          GET (list), POST
    /applications/{applicationId}/experience/users/{id}     GET, PATCH, DELETE
    /applications/{applicationId}/experience/groups         GET (list), POST
    /applications/{applicationId}/experience/groups/{id}    GET, PATCH, DELETE

with bearer-token auth and scopes, Losant's validation rules, paging, sorting,
glob filters and the advanced JSON query language; plus test hooks under
``/_emulator/`` (request log, reset, state, seed, fault injection).

Python use::

    from losant_emulator import Emulator
    with Emulator() as emu:          # started on a free port of 127.0.0.1
        print(emu.url)

Command line::

    python losant_emulator.py [--host H] [--port P] [--application-id ID]
        [--token TOKEN[:scope,scope]]... [--state-file FILE] [--url-file FILE]
        [--tls-cert C --tls-key K] [--quiet] [--verbose]

See README.md next to this file.  Only the Python standard library is used and
the file supports Python 3.9+.
"""

import argparse
import datetime
import hashlib
import http.server
import json
import os
import re
import selectors
import signal
import socket
import socketserver
import ssl
import struct
import sys
import tempfile
import threading
import time
import traceback
import urllib.parse

__all__ = [
    "DEFAULT_APPLICATION_ID",
    "DEFAULT_TOKEN",
    "READ_ONLY_TOKEN",
    "DEFAULT_TOKENS",
    "Emulator",
    "main",
]

DEFAULT_APPLICATION_ID = "5f6a7b8c9d0e1f2a3b4c5d6e"
DEFAULT_TOKEN = "losant-emulator-token"
READ_ONLY_TOKEN = "losant-emulator-read-only-token"
DEFAULT_TOKENS = {
    DEFAULT_TOKEN: ["all.Application"],
    READ_ONLY_TOKEN: ["all.Application.read"],
}

STATE_FORMAT = "losant-emulator-state"
STATE_VERSION = 1
MAX_LOG_ENTRIES = 20000

ID_RE = re.compile(r"^[A-Fa-f0-9]{24}$")
TAG_KEY_RE = re.compile(r"^[0-9a-zA-Z_-]{1,255}$")
# patternProperties of the advanced tag queries is "^[0-9a-zA-Z_-]{1,255}"
# (no "$"): only the first character is really constrained.
QUERY_TAG_KEY_RE = re.compile(r"^[0-9a-zA-Z_-]")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
RFC3339_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$"
)
LENIENT_DT_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})"
    r"(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?"
    r"\s*([Zz]|[+-]\d{2}:?\d{2})?$"
)

UTC = datetime.timezone.utc
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=UTC)

FULL_SCOPES = frozenset([
    "all.Application", "all.Application.bounded",
    "all.Organization", "all.Organization.bounded",
    "all.User", "all.User.bounded",
])
READ_SCOPES = frozenset([
    "all.Application.read", "all.Organization.read", "all.User.read",
])

ERROR_TYPES = {
    400: "Validation",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    409: "Conflict",
    413: "PayloadTooLarge",
    429: "RateLimitExceeded",
    500: "InternalError",
    502: "BadGateway",
    503: "ServiceUnavailable",
    504: "GatewayTimeout",
}


class ApiError(Exception):
    """An error answered as ``{"type": ..., "message": ...}``."""

    def __init__(self, status, type_, message, headers=None):
        Exception.__init__(self, message)
        self.status = status
        self.type = type_
        self.message = message
        self.headers = headers or {}

    def body(self):
        return {"type": self.type, "message": self.message}


def _validation(message):
    return ApiError(400, "Validation", message)


def _not_found(message):
    return ApiError(404, "NotFound", message)


# --------------------------------------------------------------------------
# time
# --------------------------------------------------------------------------

def format_ts(dt):
    """ISO 8601 UTC with milliseconds and Z, e.g. 2026-11-26T17:38:35.123Z."""
    dt = dt.astimezone(UTC)
    return "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ" % (
        dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second,
        dt.microsecond // 1000)


def now_ts():
    return format_ts(datetime.datetime.now(UTC))


def _dt_from_match(m, lenient):
    year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
    hour = int(m.group(4) or 0)
    minute = int(m.group(5) or 0)
    second = int(m.group(6) or 0)
    frac = m.group(7)
    micro = int((frac[1:] + "000000")[:6]) if frac else 0
    tz = m.group(8)
    if not tz or tz in ("Z", "z"):
        tzinfo = UTC
    else:
        sign = -1 if tz[0] == "-" else 1
        digits = tz[1:].replace(":", "")
        if len(digits) != 4:
            raise ValueError("bad offset")
        tzinfo = datetime.timezone(sign * datetime.timedelta(
            hours=int(digits[:2]), minutes=int(digits[2:])))
    if second == 60:  # leap second: clamp
        second = 59
    return datetime.datetime(year, month, day, hour, minute, second, micro,
                             tzinfo=tzinfo)


def parse_rfc3339(value):
    """Parse a JSON-schema date-time (RFC 3339); raise ValueError."""
    m = RFC3339_RE.match(value)
    if not m:
        raise ValueError("not an RFC 3339 date-time")
    return _dt_from_match(m, False)


def parse_lenient_date(value):
    """Dates accepted in advanced queries: ISO dates with optional time/zone."""
    m = LENIENT_DT_RE.match(value.strip())
    if not m:
        raise ValueError("not a date")
    return _dt_from_match(m, True)


def ts_from_ms(ms):
    return format_ts(EPOCH + datetime.timedelta(milliseconds=ms))


def ts_after(previous):
    """Now, but strictly later than ``previous`` (a formatted timestamp)."""
    now = now_ts()
    if previous and now <= previous:
        try:
            now = format_ts(parse_rfc3339(previous) + datetime.timedelta(milliseconds=1))
        except (ValueError, OverflowError):
            pass
    return now


# --------------------------------------------------------------------------
# body validation (the *Post.json / *Patch.json rules, written out in code)
# --------------------------------------------------------------------------

def _type_name(value):
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
        raise _validation("%s must be a string (got %s)" % (field, _type_name(value)))
    if len(value) < min_len:
        if min_len == 1:
            raise _validation("%s must not be empty" % field)
        raise _validation("%s must be at least %d characters long" % (field, min_len))
    if max_len is not None and len(value) > max_len:
        raise _validation("%s must be at most %d characters long" % (field, max_len))
    return value


def check_email(field, value):
    check_string(field, value, 0, 1024)
    if not EMAIL_RE.match(value):
        raise _validation("%s must be a valid email address" % field)
    return value


def check_password(field, value):
    return check_string(field, value, 8, 2048)


def check_name_1024(field, value):
    return check_string(field, value, 0, 1024)


def check_datetime(field, value):
    if not isinstance(value, str):
        raise _validation("%s must be a date-time string (got %s)" % (field, _type_name(value)))
    try:
        return format_ts(parse_rfc3339(value))
    except (ValueError, OverflowError):
        raise _validation("%s must be an ISO 8601 / RFC 3339 date-time" % field)


def check_tags(field, value):
    if not isinstance(value, dict):
        raise _validation("%s must be an object (got %s)" % (field, _type_name(value)))
    for key, val in value.items():
        if not TAG_KEY_RE.match(key):
            raise _validation('%s key "%s" is invalid: keys must match ^[0-9a-zA-Z_-]{1,255}$'
                              % (field, key))
        check_string("%s.%s" % (field, key), val, 1, 255)
    return dict(value)


def _check_id_list(field, value, max_items):
    if not isinstance(value, list):
        raise _validation("%s must be an array (got %s)" % (field, _type_name(value)))
    if len(value) > max_items:
        raise _validation("%s must contain at most %d items" % (field, max_items))
    out = []
    seen = set()
    for i, item in enumerate(value):
        if not isinstance(item, str) or not ID_RE.match(item):
            raise _validation("%s[%d] must be a 24 character hex id" % (field, i))
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
        raise _validation("%s must be a 24 character hex id or null" % field)
    return value.lower()


def check_group_name(field, value):
    return check_string(field, value, 1, 255)


def check_description(field, value):
    return check_string(field, value, 0, 32767)


def check_device_tags(field, value):
    if not isinstance(value, list):
        raise _validation("%s must be an array (got %s)" % (field, _type_name(value)))
    if len(value) > 100:
        raise _validation("%s must contain at most 100 items" % field)
    out = []
    for i, item in enumerate(value):
        where = "%s[%d]" % (field, i)
        if not isinstance(item, dict):
            raise _validation("%s must be an object" % where)
        for k in item:
            if k not in ("key", "value"):
                raise _validation('%s has unknown property "%s"' % (where, k))
        if "key" in item:
            check_string(where + ".key", item["key"])
            if not TAG_KEY_RE.match(item["key"]):
                raise _validation("%s.key must match ^[0-9a-zA-Z_-]{1,255}$" % where)
        if "value" in item:
            check_string(where + ".value", item["value"], 1, 255)
        out.append(dict(item))
    return out


def check_device_query_json(field, value):
    if value is None:
        return None
    return check_string(field, value, 0, 8192)


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
        raise _validation("%s must be a JSON object (got %s)" % (what, _type_name(body)))
    for name in required:
        if name not in body:
            raise _validation("%s is required" % name)
    out = {}
    for name, value in body.items():
        checker = fields.get(name)
        if checker is None:
            raise _validation('"%s" is not an allowed property of %s' % (name, what))
        out[name] = checker(name, value)
    return out


def hash_password(password, salt=None):
    if salt is None:
        salt = os.urandom(16).hex()
    digest = hashlib.sha256((salt + ":" + password).encode("utf-8")).hexdigest()
    return salt, digest


def mask_passwords(value):
    """Copy of a JSON value with every "password" string replaced by stars."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if k == "password" and isinstance(v, str):
                out[k] = "*" * len(v)
            else:
                out[k] = mask_passwords(v)
        return out
    if isinstance(value, list):
        return [mask_passwords(v) for v in value]
    return value


def glob_regex(pattern):
    parts = [re.escape(p) for p in pattern.split("*")]
    return re.compile("^" + ".*".join(parts) + "$", re.IGNORECASE | re.DOTALL)


# --------------------------------------------------------------------------
# advanced queries
# --------------------------------------------------------------------------

SCALAR_TYPES = (str, int, float, bool, type(None))
CMP_OPS = ("$eq", "$ne", "$gt", "$lt", "$gte", "$lte")
STRING_OPS = ("$startsWith", "$endsWith", "$contains")
LIST_OPS = ("$in", "$nin")
MAX_QUERY_DEPTH = 32


def _is_scalar(value):
    return isinstance(value, SCALAR_TYPES)


def _ordered(a, b, op):
    """Mongo-ish ordering: only like types compare; anything else is False."""
    if a is None or b is None:
        return False
    if isinstance(a, bool) or isinstance(b, bool):
        if not (isinstance(a, bool) and isinstance(b, bool)):
            return False
    elif isinstance(a, str) != isinstance(b, str):
        return False
    if op == "$gt":
        return a > b
    if op == "$lt":
        return a < b
    if op == "$gte":
        return a >= b
    return a <= b


def _equal(a, b):
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) != isinstance(b, bool):
        return False
    if isinstance(a, str) != isinstance(b, str):
        return False
    return a == b


class QueryCompiler(object):
    """Compile an advanced query (validated like Losant's schema) to a predicate.

    ``fields`` maps a field name to ``(kind, getter)``; kinds: "string",
    "date", "id" (a single id or null), "idarray" (a collection of ids the
    record is linked to: membership semantics) and "tags".
    """

    def __init__(self, fields, label):
        self.fields = fields
        self.label = label

    def compile(self, query):
        return self._compile(query, "query", 0)

    def _compile(self, query, path, depth):
        if depth > MAX_QUERY_DEPTH:
            raise _validation("%s is nested too deeply" % path)
        if not isinstance(query, dict):
            raise _validation("%s must be a JSON object (got %s)" % (path, _type_name(query)))
        preds = []
        for key, value in query.items():
            where = "%s.%s" % (path, key)
            if key in ("$and", "$or", "$nor"):
                if not isinstance(value, list):
                    raise _validation("%s must be an array" % where)
                # empty arrays are allowed by Losant's schema: $and/$nor of
                # nothing match everything, $or of nothing matches nothing
                if len(value) > 100:
                    raise _validation("%s must contain at most 100 items" % where)
                subs = [self._compile(item, "%s[%d]" % (where, i), depth + 1)
                        for i, item in enumerate(value)]
                if key == "$and":
                    preds.append(lambda r, s=subs: all(p(r) for p in s))
                elif key == "$or":
                    preds.append(lambda r, s=subs: any(p(r) for p in s))
                else:
                    preds.append(lambda r, s=subs: not any(p(r) for p in s))
            elif key in self.fields:
                kind, getter = self.fields[key]
                compiler = getattr(self, "_field_" + kind)
                preds.append(compiler(getter, value, where))
            elif key.startswith("$"):
                raise _validation('%s: unknown operator "%s"' % (path, key))
            else:
                raise _validation('%s: unknown field "%s" for an %s query (allowed: %s)'
                                  % (path, key, self.label, ", ".join(sorted(self.fields))))
        if len(preds) == 1:
            return preds[0]
        return lambda r: all(p(r) for p in preds)

    # -- string / date fields ------------------------------------------------

    def _operators(self, value, where, allowed):
        if isinstance(value, dict):
            ops = value
        elif isinstance(value, list):
            raise _validation("%s must be a value or an operator object, not an array" % where)
        else:
            ops = {"$eq": value}
        for op, operand in ops.items():
            if op not in allowed:
                raise _validation('%s: unknown or unsupported operator "%s" (allowed: %s)'
                                  % (where, op, ", ".join(allowed)))
            if op in CMP_OPS:
                if not _is_scalar(operand):
                    raise _validation("%s.%s must be a string, number, boolean or null" % (where, op))
            elif op in STRING_OPS:
                if not isinstance(operand, str) or not operand:
                    raise _validation("%s.%s must be a non-empty string" % (where, op))
            elif op == "$ci":
                if not isinstance(operand, bool):
                    raise _validation("%s.$ci must be a boolean" % where)
            elif op in LIST_OPS:
                if not isinstance(operand, list):
                    raise _validation("%s.%s must be an array" % (where, op))
                if len(operand) > 100:
                    raise _validation("%s.%s must contain at most 100 items" % (where, op))
                for i, item in enumerate(operand):
                    if not isinstance(item, (str, int, float, bool)):
                        raise _validation("%s.%s[%d] must be a string, number or boolean"
                                          % (where, op, i))
        return ops

    def _value_predicates(self, getter, ops, norm, string_of):
        ci = bool(ops.get("$ci"))

        def cased(x):
            return x.lower() if ci and isinstance(x, str) else x

        preds = []
        for op, operand in ops.items():
            if op == "$ci":
                continue
            if op in ("$eq", "$ne"):
                target = cased(norm(operand))
                if op == "$eq":
                    preds.append(lambda r, t=target: _equal(cased(getter(r)), t))
                else:
                    preds.append(lambda r, t=target: not _equal(cased(getter(r)), t))
            elif op in ("$gt", "$lt", "$gte", "$lte"):
                target = cased(norm(operand))
                preds.append(lambda r, t=target, o=op: _ordered(cased(getter(r)), t, o))
            elif op in LIST_OPS:
                targets = [cased(norm(x)) for x in operand]
                if op == "$in":
                    preds.append(lambda r, ts=targets: any(_equal(cased(getter(r)), t) for t in ts))
                else:
                    preds.append(lambda r, ts=targets: not any(_equal(cased(getter(r)), t) for t in ts))
            else:
                needle = operand.lower() if ci else operand
                method = {"$startsWith": "startswith", "$endsWith": "endswith",
                          "$contains": "__contains__"}[op]

                def pred(r, n=needle, m=method):
                    v = string_of(getter(r))
                    if not isinstance(v, str):
                        return False
                    if ci:
                        v = v.lower()
                    return getattr(v, m)(n)
                preds.append(pred)
        if not preds:
            return lambda r: True
        if len(preds) == 1:
            return preds[0]
        return lambda r: all(p(r) for p in preds)

    def _field_string(self, getter, value, where):
        ops = self._operators(value, where, CMP_OPS + STRING_OPS + ("$ci",) + LIST_OPS)
        return self._value_predicates(getter, ops, lambda x: x, lambda v: v)

    def _field_date(self, getter, value, where):
        ops = self._operators(value, where, CMP_OPS + STRING_OPS + ("$ci",) + LIST_OPS)

        def norm(x):
            # stored timestamps are uniform ISO strings, so compare as strings
            if isinstance(x, bool) or x is None:
                return x
            try:
                if isinstance(x, (int, float)):
                    return ts_from_ms(x)
                return format_ts(parse_lenient_date(x))
            except (ValueError, OverflowError):
                raise _validation('%s: "%s" is not a valid date' % (where, x))
        return self._value_predicates(getter, ops, norm, lambda v: v)

    # -- id fields -------------------------------------------------------------

    def _id_operators(self, value, where):
        def check_id(v, w):
            if v is None:
                return None
            if not isinstance(v, str) or not ID_RE.match(v):
                raise _validation("%s must be a 24 character hex id or null" % w)
            return v.lower()

        if not isinstance(value, dict):
            if isinstance(value, list):
                raise _validation("%s must be an id, null or an operator object" % where)
            return "$eq", check_id(value, where)
        if len(value) != 1:
            raise _validation("%s must have exactly one operator" % where)
        op, operand = next(iter(value.items()))
        if op in CMP_OPS:
            return op, check_id(operand, "%s.%s" % (where, op))
        if op in LIST_OPS:
            if not isinstance(operand, list):
                raise _validation("%s.%s must be an array" % (where, op))
            if len(operand) > 100:
                raise _validation("%s.%s must contain at most 100 items" % (where, op))
            ids = []
            for i, item in enumerate(operand):
                if item is None:
                    raise _validation("%s.%s[%d] must be a 24 character hex id" % (where, op, i))
                ids.append(check_id(item, "%s.%s[%d]" % (where, op, i)))
            return op, ids
        raise _validation('%s: unknown or unsupported operator "%s" (allowed: %s)'
                          % (where, op, ", ".join(CMP_OPS + LIST_OPS)))

    def _field_id(self, getter, value, where):
        op, operand = self._id_operators(value, where)
        if op == "$eq":
            return lambda r: getter(r) == operand
        if op == "$ne":
            return lambda r: getter(r) != operand
        if op in LIST_OPS:
            wanted = frozenset(operand)
            if op == "$in":
                return lambda r: getter(r) in wanted
            return lambda r: getter(r) not in wanted
        return lambda r: _ordered(getter(r), operand, op)

    def _field_idarray(self, getter, value, where):
        op, operand = self._id_operators(value, where)
        if op in ("$eq", "$ne"):
            def match(r):
                links = getter(r)
                return len(links) == 0 if operand is None else operand in links
            if op == "$eq":
                return match
            return lambda r: not match(r)
        if op in LIST_OPS:
            wanted = frozenset(operand)
            if op == "$in":
                return lambda r: any(i in wanted for i in getter(r))
            return lambda r: not any(i in wanted for i in getter(r))
        return lambda r: any(_ordered(i, operand, op) for i in getter(r))

    # -- tags --------------------------------------------------------------------

    def _tag_condition(self, value, where):
        if value is None:
            return lambda v: True
        if isinstance(value, str):
            if len(value) > 255:
                raise _validation("%s must be at most 255 characters long" % where)
            return lambda v: v == value
        if isinstance(value, dict) and len(value) == 1 and next(iter(value)) in LIST_OPS:
            op, items = next(iter(value.items()))
            if not isinstance(items, list):
                raise _validation("%s.%s must be an array" % (where, op))
            if len(items) > 100:
                raise _validation("%s.%s must contain at most 100 items" % (where, op))
            for i, item in enumerate(items):
                if not isinstance(item, str) or len(item) > 255:
                    raise _validation("%s.%s[%d] must be a string of at most 255 characters"
                                      % (where, op, i))
            wanted = frozenset(items)
            if op == "$in":
                return lambda v: v in wanted
            return lambda v: v not in wanted
        raise _validation("%s must be a string, null, {\"$in\": [...]} or {\"$nin\": [...]}" % where)

    def _tag_form(self, value, where):
        if not isinstance(value, dict):
            raise _validation("%s must be an object" % where)
        if any(k.startswith("$") for k in value):
            for k in value:
                if k not in ("$tagKey", "$tagValue"):
                    raise _validation('%s: "%s" is not allowed here (use either {"$tagKey", '
                                      '"$tagValue"} or {"<tag key>": <value>})' % (where, k))
            key_cond = self._tag_condition(value.get("$tagKey"), where + ".$tagKey")
            val_cond = self._tag_condition(value.get("$tagValue"), where + ".$tagValue")
            return lambda tags: any(key_cond(k) and val_cond(v) for k, v in tags.items())
        conds = []
        for k, v in value.items():
            if not QUERY_TAG_KEY_RE.match(k) or len(k) > 255:
                raise _validation('%s: "%s" is not a valid tag key' % (where, k))
            conds.append((k, self._tag_condition(v, "%s.%s" % (where, k))))

        def match(tags):
            for k, cond in conds:
                if k not in tags or not cond(tags[k]):
                    return False
            return True
        return match

    def _field_tags(self, getter, value, where):
        if isinstance(value, dict) and len(value) == 1 and next(iter(value)) in ("$eq", "$ne"):
            op, inner = next(iter(value.items()))
            match = self._tag_form(inner, "%s.%s" % (where, op))
            if op == "$eq":
                return lambda r: match(getter(r))
            return lambda r: not match(getter(r))
        match = self._tag_form(value, where)
        return lambda r: match(getter(r))


# --------------------------------------------------------------------------
# list parameters
# --------------------------------------------------------------------------

USER_SORT_FIELDS = ("firstName", "lastName", "email", "id", "creationDate",
                    "lastLogin", "lastUpdated")
USER_FILTER_FIELDS = ("firstName", "lastName", "email")
GROUP_SORT_FIELDS = ("name", "id", "creationDate", "lastUpdated")
GROUP_FILTER_FIELDS = ("name",)
TRUE_STRINGS = ("true", "1", "yes", "on")


def _param(params, name):
    value = params.get(name)
    if value is None or value == "":
        return None
    return value


def parse_list_params(params, sort_fields, default_sort, filter_fields):
    out = {}
    page = _param(params, "page")
    if page is None:
        out["page"] = 0
    elif not re.match(r"^\d{1,9}$", page):
        raise _validation("page must be a non-negative integer")
    else:
        out["page"] = int(page)
    per_page = _param(params, "perPage")
    if per_page is None:
        out["perPage"] = 100
    elif not re.match(r"^\d{1,9}$", per_page) or not 1 <= int(per_page) <= 1000:
        raise _validation("perPage must be an integer between 1 and 1000")
    else:
        out["perPage"] = int(per_page)
    sort_field = _param(params, "sortField") or default_sort
    if sort_field not in sort_fields:
        raise _validation("sortField must be one of: %s" % ", ".join(sort_fields))
    out["sortField"] = sort_field
    direction = (_param(params, "sortDirection") or "asc").lower()
    if direction not in ("asc", "desc"):
        raise _validation("sortDirection must be one of: asc, desc")
    out["sortDirection"] = direction
    filter_field = _param(params, "filterField")
    if filter_field is not None and filter_field not in filter_fields:
        raise _validation("filterField must be one of: %s" % ", ".join(filter_fields))
    out["filterField"] = filter_field
    out["filter"] = _param(params, "filter")
    query = _param(params, "query")
    if query is not None:
        try:
            out["query"] = json.loads(query)
        except ValueError:
            raise _validation("query must be a valid JSON object")
    else:
        out["query"] = None
    return out


def _sort_and_page(records, opts, key_of):
    field = opts["sortField"]

    def key(rec):
        v = key_of(rec, field)
        if v is None:
            return (0, "", rec["id"])
        return (1, v, rec["id"])
    records.sort(key=key, reverse=(opts["sortDirection"] == "desc"))
    start = opts["page"] * opts["perPage"]
    return records[start:start + opts["perPage"]]


# --------------------------------------------------------------------------
# the store
# --------------------------------------------------------------------------

class Store(object):
    """Experience users and groups of one application (thread-safe)."""

    def __init__(self, application_id):
        self.application_id = application_id
        self.lock = threading.RLock()
        self.generation = 0
        self._clear()

    def _clear(self):
        self.users = {}         # id -> record
        self.email_index = {}   # lower-cased email -> id
        self.groups = {}        # id -> record; record["members"]: {userId: None}
        self.user_groups = {}   # derived index: userId -> {groupId: None}
        self.generation += 1

    # -- ids / membership ------------------------------------------------------

    def new_id(self):
        while True:
            candidate = os.urandom(12).hex()
            if candidate not in self.users and candidate not in self.groups:
                return candidate

    def _link(self, group_id, user_id):
        self.groups[group_id]["members"][user_id] = None
        self.user_groups.setdefault(user_id, {})[group_id] = None

    def _unlink(self, group_id, user_id):
        self.groups[group_id]["members"].pop(user_id, None)
        links = self.user_groups.get(user_id)
        if links is not None:
            links.pop(group_id, None)

    def _set_user_groups(self, user_id, group_ids):
        for gid in list(self.user_groups.get(user_id, {})):
            if gid not in group_ids:
                self._unlink(gid, user_id)
        for gid in group_ids:
            self._link(gid, user_id)

    def _set_group_members(self, group_id, user_ids):
        members = self.groups[group_id]["members"]
        for uid in list(members):
            self.user_groups.get(uid, {}).pop(group_id, None)
        members.clear()
        for uid in user_ids:
            self._link(group_id, uid)

    def ancestors(self, group_id):
        """Ancestor ids of a group, root first."""
        chain = []
        seen = set([group_id])
        parent = self.groups[group_id]["parentId"]
        while parent is not None and parent in self.groups and parent not in seen:
            chain.append(parent)
            seen.add(parent)
            parent = self.groups[parent]["parentId"]
        chain.reverse()
        return chain

    def descendants(self, group_id):
        children = {}
        for g in self.groups.values():
            if g["parentId"] is not None:
                children.setdefault(g["parentId"], []).append(g["id"])
        out = set()
        todo = [group_id]
        while todo:
            gid = todo.pop()
            for child in children.get(gid, ()):
                if child not in out:
                    out.add(child)
                    todo.append(child)
        return out

    def _require_groups(self, field, ids):
        for gid in ids:
            if gid not in self.groups:
                raise _validation("%s: experience group %s does not exist" % (field, gid))

    def _require_users(self, field, ids):
        for uid in ids:
            if uid not in self.users:
                raise _validation("%s: experience user %s does not exist" % (field, uid))

    def _check_email_free(self, email, own_id=None):
        holder = self.email_index.get(email.lower())
        if holder is not None and holder != own_id:
            raise ApiError(400, "AlreadyExists", 'Email address "%s" already exists' % email)

    # -- rendering -----------------------------------------------------------------

    def render_user(self, u):
        uid = u["id"]
        out = {
            "id": uid,
            "experienceUserId": uid,
            "applicationId": self.application_id,
            "creationDate": u["creationDate"],
            "lastUpdated": u["lastUpdated"],
        }
        for key in ("passwordLastUpdated", "lastLogin"):
            if key in u:
                out[key] = u[key]
        out["email"] = u["email"]
        for key in ("firstName", "lastName", "tokenCutoff"):
            if key in u:
                out[key] = u[key]
        out["userTags"] = dict(u["userTags"])
        groups = [self.groups[gid] for gid in self.user_groups.get(uid, ())]
        groups.sort(key=lambda g: (g["name"], g["id"]))
        out["experienceGroups"] = [
            {"id": g["id"], "name": g["name"], "parentId": g["parentId"]} for g in groups]
        return out

    def render_group(self, g):
        gid = g["id"]
        out = {
            "id": gid,
            "experienceGroupId": gid,
            "applicationId": self.application_id,
            "creationDate": g["creationDate"],
            "lastUpdated": g["lastUpdated"],
            "name": g["name"],
        }
        if "description" in g:
            out["description"] = g["description"]
        out["parentId"] = g["parentId"]
        out["ancestorIds"] = self.ancestors(gid)
        out["experienceUserIds"] = list(g["members"])
        out["groupTags"] = dict(g["groupTags"])
        out["deviceIds"] = list(g["deviceIds"])
        out["deviceTags"] = [dict(t) for t in g["deviceTags"]]
        out["experienceEndpointIds"] = list(g["experienceEndpointIds"])
        out["deviceQueryJson"] = g["deviceQueryJson"]
        out["directDeviceCount"] = 0
        out["totalDeviceCount"] = 0
        return out

    # -- users -----------------------------------------------------------------------

    def get_user(self, user_id):
        with self.lock:
            u = self.users.get(user_id)
            if u is None:
                raise _not_found("Experience User was not found")
            return self.render_user(u)

    def _apply_user_fields(self, u, values, ts):
        for key in ("email", "firstName", "lastName", "tokenCutoff"):
            if key in values:
                u[key] = values[key]
        if "userTags" in values:
            u["userTags"] = dict(values["userTags"])
        if "password" in values:
            u["passwordSalt"], u["passwordHash"] = hash_password(values["password"])
            u["passwordLastUpdated"] = ts

    def create_user(self, body):
        values = validate_body(body, USER_FIELDS, ("email", "password"), "experienceUser")
        with self.lock:
            self._check_email_free(values["email"])
            group_ids = values.get("experienceGroupIds", [])
            self._require_groups("experienceGroupIds", group_ids)
            ts = now_ts()
            u = {"id": self.new_id(), "creationDate": ts, "lastUpdated": ts, "userTags": {}}
            self._apply_user_fields(u, values, ts)
            self.users[u["id"]] = u
            self.email_index[u["email"].lower()] = u["id"]
            self._set_user_groups(u["id"], group_ids)
            self.generation += 1
            return self.render_user(u)

    def patch_user(self, user_id, body):
        values = validate_body(body, USER_FIELDS, (), "experienceUser")
        with self.lock:
            u = self.users.get(user_id)
            if u is None:
                raise _not_found("Experience User was not found")
            if "email" in values:
                self._check_email_free(values["email"], user_id)
            if "experienceGroupIds" in values:
                self._require_groups("experienceGroupIds", values["experienceGroupIds"])
            ts = ts_after(u["lastUpdated"])
            old_email = u["email"]
            self._apply_user_fields(u, values, ts)
            u["lastUpdated"] = ts
            if u["email"] != old_email:
                self.email_index.pop(old_email.lower(), None)
                self.email_index[u["email"].lower()] = user_id
            if "experienceGroupIds" in values:
                self._set_user_groups(user_id, values["experienceGroupIds"])
            self.generation += 1
            return self.render_user(u)

    def delete_user(self, user_id):
        with self.lock:
            u = self.users.get(user_id)
            if u is None:
                raise _not_found("Experience User was not found")
            for gid in list(self.user_groups.get(user_id, ())):
                self._unlink(gid, user_id)
            self.user_groups.pop(user_id, None)
            del self.users[user_id]
            if self.email_index.get(u["email"].lower()) == user_id:
                del self.email_index[u["email"].lower()]
            self.generation += 1
            return {"success": True}

    def _user_query_fields(self):
        empty = {}
        return {
            "id": ("id", lambda u: u["id"]),
            "email": ("string", lambda u: u.get("email")),
            "firstName": ("string", lambda u: u.get("firstName")),
            "lastName": ("string", lambda u: u.get("lastName")),
            "creationDate": ("date", lambda u: u.get("creationDate")),
            "lastUpdated": ("date", lambda u: u.get("lastUpdated")),
            "lastLogin": ("date", lambda u: u.get("lastLogin")),
            "passwordLastUpdated": ("date", lambda u: u.get("passwordLastUpdated")),
            "userTags": ("tags", lambda u: u["userTags"]),
            "experienceGroupId": ("idarray", lambda u: self.user_groups.get(u["id"], empty)),
        }

    def list_users(self, params):
        opts = parse_list_params(params, USER_SORT_FIELDS, "email", USER_FILTER_FIELDS)
        group_param = _param(params, "experienceGroupId")
        include_ancestors = (_param(params, "includeAncestorGroups") or "").lower() in TRUE_STRINGS
        if group_param is not None and group_param not in ("any", "none") \
                and not ID_RE.match(group_param):
            raise _validation("experienceGroupId must be an id, 'any' or 'none'")
        with self.lock:
            echo = {}
            records, by_query = self._select(list(self.users.values()), opts, self._user_query_fields(),
                                             "experience user", echo)
            if not by_query:
                if group_param == "any":
                    records = [u for u in records if self.user_groups.get(u["id"])]
                elif group_param == "none":
                    records = [u for u in records if not self.user_groups.get(u["id"])]
                elif group_param is not None:
                    gid = group_param.lower()
                    wanted = set([gid])
                    if include_ancestors and gid in self.groups:
                        # Members of a parent group count as members of its child groups.
                        wanted |= set(self.ancestors(gid))
                    members = set()
                    for g in wanted:
                        if g in self.groups:
                            members.update(self.groups[g]["members"])
                    records = [u for u in records if u["id"] in members]
                    echo["experienceGroupId"] = gid
            return self._page(records, opts, self.render_user, echo)

    @staticmethod
    def _select(records, opts, query_fields, kind, echo):
        """(records matching the advanced query, True), else those matching the
        glob filter, which is echoed back, (records, False)."""
        if opts["query"] is not None:
            pred = QueryCompiler(query_fields, kind).compile(opts["query"])
            return [r for r in records if pred(r)], True
        if opts["filterField"] and opts["filter"]:
            rx = glob_regex(opts["filter"])
            field = opts["filterField"]
            records = [r for r in records if rx.match(r.get(field) or "")]
            echo["filterField"] = field
            echo["filter"] = opts["filter"]
        return records, False

    def _page(self, records, opts, render, echo):
        """One page of a listing, as Losant wraps it."""
        items = [render(r) for r in _sort_and_page(records, opts, lambda r, f: r.get(f))]
        out = {
            "items": items,
            "count": len(items),
            "totalCount": len(records),
            "perPage": opts["perPage"],
            "page": opts["page"],
            "sortField": opts["sortField"],
            "sortDirection": opts["sortDirection"],
            "applicationId": self.application_id,
        }
        out.update(echo)
        return out

    # -- groups ------------------------------------------------------------------

    def get_group(self, group_id):
        with self.lock:
            g = self.groups.get(group_id)
            if g is None:
                raise _not_found("Experience Group was not found")
            return self.render_group(g)

    def _check_parent(self, group_id, parent_id):
        if parent_id is None:
            return
        if parent_id not in self.groups:
            raise _validation("parentId: experience group %s does not exist" % parent_id)
        if group_id is None:
            return
        if parent_id == group_id or group_id in self.ancestors(parent_id):
            raise _validation("parentId: a group cannot be its own ancestor (cycle)")

    def _apply_group_fields(self, g, values):
        for key in ("name", "description", "deviceQueryJson", "parentId"):
            if key in values:
                g[key] = values[key]
        if "groupTags" in values:
            g["groupTags"] = dict(values["groupTags"])
        for key in ("deviceIds", "experienceEndpointIds", "deviceTags"):
            if key in values:
                g[key] = list(values[key])

    def _new_group(self, gid, ts):
        return {"id": gid, "creationDate": ts, "lastUpdated": ts, "name": None,
                "parentId": None, "groupTags": {}, "members": {}, "deviceIds": [],
                "deviceTags": [], "experienceEndpointIds": [], "deviceQueryJson": None}

    def create_group(self, body):
        values = validate_body(body, GROUP_FIELDS, ("name",), "experienceGroup")
        with self.lock:
            self._check_parent(None, values.get("parentId"))
            user_ids = values.get("experienceUserIds", [])
            self._require_users("experienceUserIds", user_ids)
            g = self._new_group(self.new_id(), now_ts())
            self._apply_group_fields(g, values)
            self.groups[g["id"]] = g
            self._set_group_members(g["id"], user_ids)
            self.generation += 1
            return self.render_group(g)

    def patch_group(self, group_id, body):
        values = validate_body(body, GROUP_FIELDS, (), "experienceGroup")
        with self.lock:
            g = self.groups.get(group_id)
            if g is None:
                raise _not_found("Experience Group was not found")
            if "parentId" in values:
                self._check_parent(group_id, values["parentId"])
            if "experienceUserIds" in values:
                self._require_users("experienceUserIds", values["experienceUserIds"])
            self._apply_group_fields(g, values)
            g["lastUpdated"] = ts_after(g["lastUpdated"])
            if "experienceUserIds" in values:
                self._set_group_members(group_id, values["experienceUserIds"])
            self.generation += 1
            return self.render_group(g)

    def delete_group(self, group_id):
        with self.lock:
            g = self.groups.get(group_id)
            if g is None:
                raise _not_found("Experience Group was not found")
            for uid in list(g["members"]):
                self._unlink(group_id, uid)
            for other in self.groups.values():
                if other["parentId"] == group_id:
                    other["parentId"] = None
                    other["lastUpdated"] = ts_after(other["lastUpdated"])
            del self.groups[group_id]
            self.generation += 1
            return {"success": True}

    def _group_query_fields(self):
        return {
            "id": ("id", lambda g: g["id"]),
            "name": ("string", lambda g: g["name"]),
            "creationDate": ("date", lambda g: g["creationDate"]),
            "lastUpdated": ("date", lambda g: g["lastUpdated"]),
            "parentId": ("id", lambda g: g["parentId"]),
            "ancestorId": ("idarray", lambda g: self.ancestors(g["id"])),
            "groupTags": ("tags", lambda g: g["groupTags"]),
            "experienceUserId": ("idarray", lambda g: g["members"]),
            "experienceEndpointId": ("idarray", lambda g: g["experienceEndpointIds"]),
        }

    def list_groups(self, params):
        opts = parse_list_params(params, GROUP_SORT_FIELDS, "name", GROUP_FILTER_FIELDS)
        with self.lock:
            echo = {}
            records, dummy = self._select(list(self.groups.values()), opts, self._group_query_fields(),
                                          "experience group", echo)
            return self._page(records, opts, self.render_group, echo)

    # -- whole-state operations ----------------------------------------------------

    def reset(self):
        with self.lock:
            self._clear()

    def state(self):
        with self.lock:
            return {
                "experienceUsers": [self.render_user(u) for u in self.users.values()],
                "experienceGroups": [self.render_group(g) for g in self.groups.values()],
            }

    def snapshot(self):
        """The persisted form: stored records (salted hashes, never passwords)."""
        with self.lock:
            groups = []
            for g in self.groups.values():
                rec = dict((k, v) for k, v in g.items() if k != "members")
                rec["experienceUserIds"] = list(g["members"])
                groups.append(rec)
            return {
                "format": STATE_FORMAT,
                "version": STATE_VERSION,
                "applicationId": self.application_id,
                "experienceUsers": [dict(u) for u in self.users.values()],
                "experienceGroups": groups,
            }

    def load(self, data):
        if not isinstance(data, dict) or data.get("format") != STATE_FORMAT:
            raise ValueError("not a losant emulator state file")
        with self.lock:
            self._clear()
            for rec in data.get("experienceUsers", []):
                u = dict(rec)
                u.setdefault("userTags", {})
                self.users[u["id"]] = u
                self.email_index[u["email"].lower()] = u["id"]
            for rec in data.get("experienceGroups", []):
                g = self._new_group(rec["id"], rec.get("creationDate") or now_ts())
                for k, v in rec.items():
                    if k != "experienceUserIds":
                        g[k] = v
                self.groups[g["id"]] = g
            for rec in data.get("experienceGroups", []):
                for uid in rec.get("experienceUserIds", []):
                    if uid in self.users:
                        self._link(rec["id"], uid)
            self.generation += 1

    # -- seeding ---------------------------------------------------------------------

    def seed(self, data):
        if not isinstance(data, dict):
            raise _validation("seed body must be a JSON object")
        for key in data:
            if key not in ("experienceGroups", "experienceUsers"):
                raise _validation('"%s" is not an allowed property of the seed body' % key)
        group_specs = data.get("experienceGroups") or []
        user_specs = data.get("experienceUsers") or []
        if not isinstance(group_specs, list) or not isinstance(user_specs, list):
            raise _validation("experienceGroups and experienceUsers must be arrays")
        group_fields = dict(GROUP_FIELDS)
        group_fields.pop("experienceUserIds")
        group_fields.update({
            "parentName": check_group_name,
            "id": lambda f, v: check_parent_id(f, v) or _raise(_validation("id must not be null")),
            "creationDate": check_datetime,
            "lastUpdated": check_datetime,
        })
        user_fields = dict(USER_FIELDS)
        user_fields.update({
            "experienceGroups": self._check_name_list,
            "passwordLastUpdated": check_datetime,
            "lastLogin": check_datetime,
            "creationDate": check_datetime,
            "lastUpdated": check_datetime,
            "id": lambda f, v: check_parent_id(f, v) or _raise(_validation("id must not be null")),
        })
        with self.lock:
            ts = now_ts()
            taken_ids = set()

            def claim_id(values, where):
                gid = values.get("id")
                if gid is None:
                    gid = self.new_id()
                    while gid in taken_ids:
                        gid = self.new_id()
                elif gid in taken_ids or gid in self.users or gid in self.groups:
                    raise _validation("%s.id %s is already used" % (where, gid))
                taken_ids.add(gid)
                return gid

            new_groups = []          # group records
            batch_by_name = {}

            def resolve_group(ref, where):
                if isinstance(ref, str) and ID_RE.match(ref):
                    rid = ref.lower()
                    if rid in self.groups or any(g["id"] == rid for g in new_groups):
                        return rid
                matches = batch_by_name.get(ref)
                if matches:
                    if len(matches) > 1:
                        raise _validation('%s: group name "%s" is ambiguous' % (where, ref))
                    return matches[0]
                found = [g["id"] for g in self.groups.values() if g["name"] == ref]
                if len(found) > 1:
                    raise _validation('%s: group name "%s" is ambiguous' % (where, ref))
                if not found:
                    raise _validation('%s: no experience group named "%s"' % (where, ref))
                return found[0]

            for i, spec in enumerate(group_specs):
                where = "experienceGroups[%d]" % i
                values = _prefixed(where, validate_body, spec, group_fields, ("name",), where)
                if "parentName" in values and "parentId" in values:
                    raise _validation("%s: give parentName or parentId, not both" % where)
                parent = values.pop("parentId", None)
                if "parentName" in values:
                    parent = resolve_group(values.pop("parentName"), where + ".parentName")
                elif parent is not None:
                    parent = resolve_group(parent, where + ".parentId")
                g = self._new_group(claim_id(values, where), values.get("creationDate", ts))
                values.pop("id", None)
                values.pop("creationDate", None)
                g["lastUpdated"] = values.pop("lastUpdated", g["creationDate"])
                self._apply_group_fields(g, values)
                g["parentId"] = parent
                new_groups.append(g)
                batch_by_name.setdefault(g["name"], []).append(g["id"])

            new_users = []           # (record, group ids, password)
            emails = set()
            name_cache = {}
            for i, spec in enumerate(user_specs):
                where = "experienceUsers[%d]" % i
                values = _prefixed(where, validate_body, spec, user_fields, ("email",), where)
                lower = values["email"].lower()
                if lower in emails or lower in self.email_index:
                    raise ApiError(400, "AlreadyExists",
                                   'Email address "%s" already exists' % values["email"])
                emails.add(lower)
                gids = []
                for ref in values.pop("experienceGroups", []):
                    if ref not in name_cache:
                        name_cache[ref] = resolve_group(ref, where + ".experienceGroups")
                    gids.append(name_cache[ref])
                for ref in values.pop("experienceGroupIds", []):
                    gids.append(resolve_group(ref, where + ".experienceGroupIds"))
                created = values.pop("creationDate", ts)
                u = {"id": claim_id(values, where), "creationDate": created,
                     "lastUpdated": values.pop("lastUpdated", created), "userTags": {}}
                values.pop("id", None)
                for key in ("passwordLastUpdated", "lastLogin"):
                    if key in values:
                        u[key] = values.pop(key)
                password = values.pop("password", None)
                self._apply_user_fields(u, values, ts)
                if password is not None:
                    u["passwordSalt"], u["passwordHash"] = hash_password(password)
                    u.setdefault("passwordLastUpdated", ts)
                new_users.append((u, gids))

            # everything validated: apply
            for g in new_groups:
                self.groups[g["id"]] = g
            for u, gids in new_users:
                self.users[u["id"]] = u
                self.email_index[u["email"].lower()] = u["id"]
                for gid in gids:
                    self._link(gid, u["id"])
            self.generation += 1
            return {
                "experienceGroups": [{"id": g["id"], "name": g["name"]} for g in new_groups],
                "experienceUsers": [{"id": u["id"], "email": u["email"]} for u, unused_gids in new_users],
            }

    @staticmethod
    def _check_name_list(field, value):
        if not isinstance(value, list):
            raise _validation("%s must be an array of group names or ids" % field)
        for i, item in enumerate(value):
            check_string("%s[%d]" % (field, i), item, 1, 255)
        return list(value)


def _raise(exc):
    raise exc


def _prefixed(where, func, *args):
    """Run func; prefix a Validation message with the seed item's position."""
    try:
        return func(*args)
    except ApiError as exc:
        if not exc.message.startswith(where):
            exc.message = "%s: %s" % (where, exc.message)
        raise


# --------------------------------------------------------------------------
# fault injection
# --------------------------------------------------------------------------

FAULT_ACTIONS = ("status", "drop", "drop_after", "reset", "delay", "malformed", "empty")
RULE_KEYS = ("method", "path", "every", "times", "skip", "action", "status",
             "retry_after", "body", "content_type", "delay", "message", "type", "name")


def _check_int(where, value, minimum, allow_none=False):
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise _validation("%s must be an integer >= %d%s"
                          % (where, minimum, " or null" if allow_none else ""))
    return value


def _check_number(where, value):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise _validation("%s must be a number >= 0" % where)
    return value


class Faults(object):
    def __init__(self):
        self.lock = threading.Lock()
        self.latency = 0
        self.rules = []

    def clear(self):
        with self.lock:
            self.latency = 0
            self.rules = []

    def configure(self, spec):
        if not isinstance(spec, dict):
            raise _validation("faults body must be a JSON object")
        for key in spec:
            if key not in ("latency", "rules"):
                raise _validation('"%s" is not an allowed property of the faults body' % key)
        latency = _check_number("latency", spec.get("latency", 0) or 0)
        rules_in = spec.get("rules") or []
        if not isinstance(rules_in, list):
            raise _validation("rules must be an array")
        rules = []
        for i, raw in enumerate(rules_in):
            where = "rules[%d]" % i
            if not isinstance(raw, dict):
                raise _validation("%s must be an object" % where)
            for key in raw:
                if key not in RULE_KEYS:
                    raise _validation('%s: unknown property "%s"' % (where, key))
            action = raw.get("action")
            if action not in FAULT_ACTIONS:
                raise _validation("%s.action must be one of: %s" % (where, ", ".join(FAULT_ACTIONS)))
            rule = {"action": action}
            method = raw.get("method")
            if method is not None and not isinstance(method, str):
                raise _validation("%s.method must be a string or null" % where)
            rule["method"] = method.upper() if method else None
            path = raw.get("path")
            if path is not None:
                if not isinstance(path, str):
                    raise _validation("%s.path must be a regular expression string or null" % where)
                try:
                    rule["_path_re"] = re.compile(path)
                except re.error as exc:
                    raise _validation("%s.path is not a valid regular expression: %s" % (where, exc))
            rule["path"] = path
            rule["every"] = _check_int(where + ".every", raw.get("every", 1), 1)
            rule["times"] = _check_int(where + ".times", raw.get("times"), 0, allow_none=True)
            rule["skip"] = _check_int(where + ".skip", raw.get("skip", 0), 0)
            if action == "status":
                rule["status"] = _check_int(where + ".status", raw.get("status", 500), 100)
                if rule["status"] > 599:
                    raise _validation("%s.status must be an HTTP status code" % where)
                if "retry_after" in raw and raw["retry_after"] is not None:
                    ra = raw["retry_after"]
                    if isinstance(ra, bool) or not isinstance(ra, (str, int, float)):
                        raise _validation("%s.retry_after must be a string" % where)
                    rule["retry_after"] = str(ra)
                if "body" in raw and raw["body"] is not None:
                    rule["body"] = raw["body"]
                    ct = raw.get("content_type")
                    if ct is not None and not isinstance(ct, str):
                        raise _validation("%s.content_type must be a string" % where)
                    rule["content_type"] = ct
                for key in ("message", "type"):
                    if key in raw:
                        if not isinstance(raw[key], str):
                            raise _validation("%s.%s must be a string" % (where, key))
                        rule[key] = raw[key]
            if action == "delay":
                rule["delay"] = _check_number(where + ".delay", raw.get("delay", 1))
            if "name" in raw:
                rule["name"] = raw["name"]
            rule["fired"] = 0
            rule["matched"] = 0
            rules.append(rule)
        with self.lock:
            self.latency = latency
            self.rules = rules

    def describe(self):
        with self.lock:
            return {
                "latency": self.latency,
                "rules": [dict((k, v) for k, v in r.items() if not k.startswith("_"))
                          for r in self.rules],
            }

    def pick(self, method, path):
        """Count this request against the rules; return (latency, firing rule)."""
        with self.lock:
            for rule in self.rules:
                if rule["method"] is not None and rule["method"] != method:
                    continue
                if "_path_re" in rule and not rule["_path_re"].search(path):
                    continue
                rule["matched"] += 1
                n = rule["matched"] - rule["skip"]
                if n <= 0 or n % rule["every"]:
                    continue
                if rule["times"] is not None and rule["fired"] >= rule["times"]:
                    continue
                rule["fired"] += 1
                return self.latency, dict(rule)
            return self.latency, None


# --------------------------------------------------------------------------
# HTTP
# --------------------------------------------------------------------------

ROUTE_RE = re.compile(r"^/applications/([^/]+)/experience/(users|groups)(?:/([^/]+))?/?$")
SCOPE_NAMES = {"users": ("experienceUsers", "experienceUser"),
               "groups": ("experienceGroups", "experienceGroup")}
ITEM_NAMES = {"users": "Experience User", "groups": "Experience Group"}


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address, handler, emulator, family):
        self.address_family = family
        self.emulator = emulator
        self.no_shutdown = set()
        self.no_shutdown_lock = threading.Lock()
        http.server.ThreadingHTTPServer.__init__(self, address, handler)

    def server_bind(self):
        # skip HTTPServer.server_bind's getfqdn() (slow on some hosts)
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = host
        self.server_port = port

    def shutdown_request(self, request):
        with self.no_shutdown_lock:
            skip = request in self.no_shutdown
            self.no_shutdown.discard(request)
        if skip:  # "reset" fault: close at once so SO_LINGER=0 sends an RST
            self.close_request(request)
        else:
            socketserver.TCPServer.shutdown_request(self, request)

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, ssl.SSLError, socket.timeout, OSError)):
            if self.emulator.verbose:
                sys.stderr.write("losant-emulator: connection error from %s: %s\n"
                                 % (client_address, exc))
            return
        sys.stderr.write("losant-emulator: unexpected error\n")
        traceback.print_exc()


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "LosantEmulator/1.0"
    sys_version = ""
    disable_nagle_algorithm = True
    timeout = 120

    def setup(self):
        http.server.BaseHTTPRequestHandler.setup(self)
        self.server.emulator._track(self.connection, True)

    def finish(self):
        try:
            http.server.BaseHTTPRequestHandler.finish(self)
        except OSError:
            pass
        self.server.emulator._track(self.connection, False)

    def log_message(self, format, *args):  # noqa: A002 - stdlib signature
        if self.server.emulator.verbose:
            sys.stderr.write("%s - - [%s] %s\n" % (
                self.address_string(), self.log_date_time_string(), format % args))

    def do_GET(self):
        self._dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    # -- plumbing -----------------------------------------------------------------

    def _read_body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                line = self.rfile.readline(65537)
                size = int(line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)
            return b"".join(chunks)
        length = self.headers.get("Content-Length")
        if not length:
            return b""
        n = int(length)
        if n < 0:
            raise ValueError("negative Content-Length")
        return self.rfile.read(n)

    def send_bytes(self, status, data, content_type="application/json", headers=None):
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD" and data:
                self.wfile.write(data)
        except (ConnectionError, socket.timeout, ssl.SSLError, OSError):
            self.close_connection = True

    def send_json(self, status, obj, headers=None):
        self.send_bytes(status, json.dumps(obj).encode("utf-8"),
                        "application/json; charset=utf-8", headers)

    def drop(self):
        """Close the connection without answering (a FIN, no response)."""
        self.close_connection = True

    def reset(self):
        """Close the connection with a TCP RST."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
        except OSError:
            pass
        with self.server.no_shutdown_lock:
            self.server.no_shutdown.add(self.connection)

    def _dispatch(self):
        emu = self.server.emulator
        split = urllib.parse.urlsplit(self.path)
        path = split.path
        params = urllib.parse.parse_qs(split.query, keep_blank_values=True)
        try:
            raw = self._read_body()
        except (ValueError, OSError):
            self.close_connection = True
            self.send_json(400, {"type": "BadRequest", "message": "Unreadable request body"})
            return
        if path == "/_emulator" or path.startswith("/_emulator/"):
            status, obj = emu._hook(self.command, path, params, raw)
            self.send_json(status, obj)
            return
        emu._serve_api(self, self.command, path, params, raw)


def _flat_params(params):
    return dict((k, v[0]) for k, v in params.items())


def _log_params(params):
    return dict((k, v[0] if len(v) == 1 else list(v)) for k, v in params.items())


class Emulator(object):
    """The Losant API emulator (see module docstring)."""

    def __init__(self, application_id=DEFAULT_APPLICATION_ID, tokens=None, host="127.0.0.1",
                 port=0, state_file=None, tls_cert=None, tls_key=None, verbose=False):
        if not isinstance(application_id, str) or not ID_RE.match(application_id):
            raise ValueError("application_id must be 24 hex characters")
        self.application_id = application_id.lower()
        if tokens is None:
            tokens = DEFAULT_TOKENS
        self.tokens = {}
        for token, scopes in tokens.items():
            if isinstance(scopes, str):
                scopes = [scopes]
            self.tokens[token] = frozenset(scopes or ())
        self.host = host
        self.port = port
        self.state_file = state_file
        self.tls_cert = tls_cert
        self.tls_key = tls_key
        self.verbose = verbose
        self.store = Store(self.application_id)
        self.faults = Faults()
        self._log = []
        self._seq = 0
        self._log_lock = threading.Lock()
        self._save_lock = threading.Lock()
        self._saved_generation = self.store.generation
        self._conns = set()
        self._conns_lock = threading.Lock()
        self._server = None
        self._thread = None
        if state_file and os.path.exists(state_file):
            with open(state_file, "r", encoding="utf-8") as fh:
                try:
                    data = json.load(fh)
                except ValueError as exc:
                    raise ValueError("state file %s is not valid JSON: %s" % (state_file, exc))
            self.store.load(data)
            self._saved_generation = self.store.generation

    # -- lifecycle ---------------------------------------------------------------

    def start(self):
        if self._server is not None:
            return self
        family = socket.AF_INET6 if ":" in (self.host or "") else socket.AF_INET
        server = _Server((self.host, self.port), _Handler, self, family)
        if self.tls_cert:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(self.tls_cert, self.tls_key or None)
            server.socket = ctx.wrap_socket(server.socket, server_side=True,
                                            do_handshake_on_connect=False)
        self._server = server
        self.port = server.server_address[1]
        self._stopping = threading.Event()
        self._wake = socket.socketpair()
        self._thread = threading.Thread(target=self._serve_loop, args=(server, self._wake[0]),
                                        name="losant-emulator", daemon=True)
        self._thread.start()
        return self

    def _serve_loop(self, server, wake):
        # like serve_forever(), but stop() wakes it at once instead of polling
        selector = selectors.DefaultSelector()
        selector.register(server, selectors.EVENT_READ)
        selector.register(wake, selectors.EVENT_READ)
        try:
            while not self._stopping.is_set():
                for key, unused_events in selector.select(1.0):
                    if key.fileobj is server and not self._stopping.is_set():
                        server._handle_request_noblock()
                server.service_actions()
        finally:
            selector.close()

    def stop(self):
        server = self._server
        if server is None:
            return
        self._stopping.set()
        try:
            self._wake[1].send(b"x")
        except OSError:
            pass
        self._thread.join(5)
        server.server_close()
        for sock in self._wake:
            sock.close()
        with self._conns_lock:
            conns = list(self._conns)
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._server = None
        self._thread = None
        self.save()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    @property
    def url(self):
        scheme = "https" if self.tls_cert else "http"
        host = self.host or "127.0.0.1"
        if host in ("0.0.0.0", ""):
            host = "127.0.0.1"
        elif host == "::":
            host = "::1"
        if ":" in host:
            host = "[%s]" % host
        return "%s://%s:%d" % (scheme, host, self.port)

    def _track(self, conn, add):
        with self._conns_lock:
            if add:
                self._conns.add(conn)
            else:
                self._conns.discard(conn)

    # -- persistence -------------------------------------------------------------

    def save(self):
        """Write the state file (atomically) if anything changed since the last save."""
        if not self.state_file:
            return
        with self._save_lock:
            with self.store.lock:
                generation = self.store.generation
                if generation == self._saved_generation:
                    return
                text = json.dumps(self.store.snapshot(), indent=1, sort_keys=True)
            directory = os.path.dirname(os.path.abspath(self.state_file))
            fd, tmp = tempfile.mkstemp(prefix=".losant-emulator-", suffix=".tmp", dir=directory)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    fh.write(text)
                    fh.flush()
                    os.fsync(fh.fileno())
                os.replace(tmp, self.state_file)
            except BaseException:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
                raise
            self._saved_generation = generation

    # -- in-process helpers (same code paths as the /_emulator hooks) ---------------

    @property
    def state(self):
        return self.store.state()

    def reset(self):
        self.store.reset()
        self.faults.clear()
        with self._log_lock:
            self._log = []
        self.save()

    def seed(self, data):
        result = self.store.seed(data)
        self.save()
        return result

    def set_faults(self, spec):
        self.faults.configure(spec)
        return self.faults.describe()

    def clear_faults(self):
        self.faults.clear()

    def requests(self, since=0):
        with self._log_lock:
            items = [dict(e) for e in self._log if e["seq"] > since]
            return {"requests": items, "last_seq": self._seq}

    def clear_requests(self):
        with self._log_lock:
            self._log = []

    # -- request log ----------------------------------------------------------------

    def _log_start(self, method, path, params, raw):
        body = None
        if raw:
            try:
                body = mask_passwords(json.loads(raw.decode("utf-8")))
            except (ValueError, UnicodeDecodeError):
                body = None
        with self._log_lock:
            self._seq += 1
            entry = {"seq": self._seq, "method": method, "path": path,
                     "query": _log_params(params), "body": body,
                     "status": None, "response": None, "fault": None}
            self._log.append(entry)
            if len(self._log) > MAX_LOG_ENTRIES:
                del self._log[:len(self._log) - MAX_LOG_ENTRIES]
            return entry

    def _log_finish(self, entry, status, response):
        with self._log_lock:
            entry["status"] = status
            entry["response"] = response

    # -- hooks -------------------------------------------------------------------------

    def _hook(self, method, path, params, raw):
        path = path.rstrip("/")
        try:
            body = None
            if raw:
                try:
                    body = json.loads(raw.decode("utf-8"))
                except (ValueError, UnicodeDecodeError):
                    raise _validation("body is not valid JSON")
            allowed = {
                "/_emulator/requests": ("GET", "DELETE"),
                "/_emulator/reset": ("POST",),
                "/_emulator/state": ("GET",),
                "/_emulator/seed": ("POST",),
                "/_emulator/faults": ("GET", "PUT", "DELETE"),
                "/_emulator/info": ("GET",),
            }.get(path)
            if allowed is None:
                raise _not_found("No emulator hook at %s" % path)
            if method not in allowed:
                raise ApiError(405, "MethodNotAllowed", "%s is not allowed on %s (allowed: %s)"
                               % (method, path, ", ".join(allowed)))
            if path == "/_emulator/requests":
                if method == "DELETE":
                    self.clear_requests()
                    return 200, {"success": True}
                since = _flat_params(params).get("since") or "0"
                if not re.match(r"^\d+$", since):
                    raise _validation("since must be a non-negative integer")
                return 200, self.requests(int(since))
            if path == "/_emulator/reset":
                self.reset()
                return 200, {"success": True}
            if path == "/_emulator/state":
                return 200, self.state
            if path == "/_emulator/seed":
                return 200, self.seed(body if body is not None else {})
            if path == "/_emulator/info":
                with self.store.lock:
                    counts = (len(self.store.users), len(self.store.groups))
                return 200, {"applicationId": self.application_id, "url": self.url,
                             "experienceUsers": counts[0], "experienceGroups": counts[1]}
            if method == "PUT":
                return 200, self.set_faults(body if body is not None else {})
            if method == "DELETE":
                self.clear_faults()
            return 200, self.faults.describe()
        except ApiError as exc:
            return exc.status, exc.body()

    # -- the Losant API -------------------------------------------------------------

    def _serve_api(self, handler, method, path, params, raw):
        entry = self._log_start(method, path, params, raw)
        latency, rule = self.faults.pick(method, path)
        if latency:
            time.sleep(latency)
        action = rule["action"] if rule else None
        entry["fault"] = action
        if action in ("drop", "reset"):
            self._log_finish(entry, 0, None)
            if action == "drop":
                handler.drop()
            else:
                handler.reset()
            return
        if action == "status":
            status = rule["status"]
            headers = {}
            if "retry_after" in rule:
                headers["Retry-After"] = rule["retry_after"]
            if "body" in rule:
                data = rule["body"]
                if isinstance(data, str):
                    ctype = rule.get("content_type") or "text/html; charset=utf-8"
                    payload = data.encode("utf-8")
                    try:
                        logged = json.loads(data)
                    except ValueError:
                        logged = None
                else:
                    ctype = rule.get("content_type") or "application/json"
                    payload = json.dumps(data).encode("utf-8")
                    logged = data
                self._log_finish(entry, status, logged)
                handler.send_bytes(status, payload, ctype, headers)
                return
            body = {"type": rule.get("type") or ERROR_TYPES.get(status, "Error"),
                    "message": rule.get("message") or self._fault_message(status)}
            self._log_finish(entry, status, body)
            handler.send_json(status, body, headers)
            return
        if action == "delay":
            time.sleep(rule["delay"])
        status, obj, headers = self._api(method, path, params, raw, handler.headers)
        if action == "drop_after":
            self._log_finish(entry, 0, None)
            handler.drop()
            return
        if action == "malformed":
            self._log_finish(entry, 200, None)
            handler.send_bytes(200, b'{"id": "5f6a7b8c9d0e1f2a3b4c5d6e", "email": <html>',
                               "application/json")
            return
        if action == "empty":
            self._log_finish(entry, 200, None)
            handler.send_bytes(200, b"", "application/json")
            return
        self._log_finish(entry, status, obj)
        handler.send_json(status, obj, headers)

    @staticmethod
    def _fault_message(status):
        if status == 429:
            return "Rate limit exceeded, please slow down"
        return "Injected fault: HTTP %d" % status

    def _api(self, method, path, params, raw, headers):
        try:
            status, obj = self._route(method, path, params, raw, headers)
            return status, obj, {}
        except ApiError as exc:
            return exc.status, exc.body(), exc.headers
        except Exception:  # a bug in the emulator: answer 500, keep serving
            traceback.print_exc()
            return 500, {"type": "InternalError", "message": "Emulator internal error"}, {}

    def _route(self, method, path, params, raw, headers):
        m = ROUTE_RE.match(path)
        if not m:
            raise _not_found("%s %s does not exist" % (method, path))
        app_id, kind, item_id = m.group(1), m.group(2), m.group(3)
        allowed = ("GET", "PATCH", "DELETE") if item_id is not None else ("GET", "POST")
        if method not in allowed:
            raise ApiError(405, "MethodNotAllowed", "%s is not allowed on %s" % (method, path),
                           {"Allow": ", ".join(allowed)})
        scopes = self._authenticate(headers)
        if not ID_RE.match(app_id):
            raise _validation("applicationId must be a 24 character hex id")
        if app_id.lower() != self.application_id:
            raise ApiError(403, "Forbidden",
                           "Token is not authorized for application %s" % app_id)
        scope = "%s.%s" % (SCOPE_NAMES[kind][1 if item_id is not None else 0], method.lower())
        if not self._scope_allows(scopes, scope, method):
            raise ApiError(403, "Forbidden",
                           "Token lacks the required scope %s (or %s.*, all.Application) for %s"
                           % (scope, scope.rsplit(".", 1)[0], method))
        if item_id is not None and not ID_RE.match(item_id):
            field = "experienceUserId" if kind == "users" else "experienceGroupId"
            raise _validation("%s must be a 24 character hex id" % field)
        body = None
        if method in ("POST", "PATCH"):
            if raw.strip():
                try:
                    body = json.loads(raw.decode("utf-8"))
                except (ValueError, UnicodeDecodeError):
                    raise _validation("Request body is not valid JSON")
            else:
                body = {}
        store = self.store
        flat = _flat_params(params)
        if kind == "users":
            if item_id is None:
                result = (200, store.list_users(flat)) if method == "GET" \
                    else (201, store.create_user(body))
            else:
                uid = item_id.lower()
                if method == "GET":
                    result = (200, store.get_user(uid))
                elif method == "PATCH":
                    result = (200, store.patch_user(uid, body))
                else:
                    result = (200, store.delete_user(uid))
        else:
            if item_id is None:
                result = (200, store.list_groups(flat)) if method == "GET" \
                    else (201, store.create_group(body))
            else:
                gid = item_id.lower()
                if method == "GET":
                    result = (200, store.get_group(gid))
                elif method == "PATCH":
                    result = (200, store.patch_group(gid, body))
                else:
                    result = (200, store.delete_group(gid))
        if method != "GET":
            self.save()
        return result

    def _authenticate(self, headers):
        header = headers.get("Authorization") or ""
        parts = header.split(None, 1)
        if len(parts) != 2 or parts[0].lower() != "bearer":
            raise ApiError(401, "Unauthorized", "Authorization failed")
        scopes = self.tokens.get(parts[1].strip())
        if scopes is None:
            raise ApiError(401, "Unauthorized", "Authorization failed")
        return scopes

    @staticmethod
    def _scope_allows(scopes, scope, method):
        if scopes & FULL_SCOPES:
            return True
        if method == "GET" and scopes & READ_SCOPES:
            return True
        resource = scope.rsplit(".", 1)[0]
        return scope in scopes or (resource + ".*") in scopes


# --------------------------------------------------------------------------
# command line
# --------------------------------------------------------------------------

def _parse_token(text):
    token, sep, scopes = text.partition(":")
    if not token:
        raise argparse.ArgumentTypeError("empty token in %r" % text)
    if not sep:
        return token, ["all.Application"]
    return token, [s.strip() for s in scopes.split(",") if s.strip()]


def _write_atomic(path, text):
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".losant-emulator-", dir=directory)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Emulate the Losant REST API (experience users and groups).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--application-id", default=DEFAULT_APPLICATION_ID)
    parser.add_argument("--token", action="append", type=_parse_token, default=None,
                        metavar="TOKEN[:SCOPE,SCOPE]",
                        help="accepted API token (repeatable; default scopes all.Application). "
                             "Replaces the built-in tokens.")
    parser.add_argument("--state-file", help="load/save users and groups here")
    parser.add_argument("--url-file", help="also write the URL to this file")
    parser.add_argument("--tls-cert", help="PEM certificate: serve HTTPS")
    parser.add_argument("--tls-key", help="PEM private key for --tls-cert")
    parser.add_argument("--quiet", action="store_true", help="no banner on stderr")
    parser.add_argument("--verbose", action="store_true", help="access log on stderr")
    args = parser.parse_args(argv)
    if args.tls_key and not args.tls_cert:
        parser.error("--tls-key needs --tls-cert")
    tokens = dict(args.token) if args.token else None
    try:
        emu = Emulator(application_id=args.application_id, tokens=tokens, host=args.host,
                       port=args.port, state_file=args.state_file, tls_cert=args.tls_cert,
                       tls_key=args.tls_key, verbose=args.verbose)
        emu.start()
    except (ValueError, OSError, ssl.SSLError) as exc:
        sys.stderr.write("losant-emulator: %s\n" % exc)
        return 2
    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    if args.url_file:
        _write_atomic(args.url_file, emu.url + "\n")
    sys.stdout.write(emu.url + "\n")
    sys.stdout.flush()
    if not args.quiet:
        sys.stderr.write("losant-emulator: serving application %s at %s (tokens: %s)\n" % (
            emu.application_id, emu.url, ", ".join(sorted(emu.tokens))))
        sys.stderr.flush()
    while not stop.wait(0.2):
        pass
    emu.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
