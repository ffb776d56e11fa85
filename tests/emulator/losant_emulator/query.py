"""The advanced query language of ``advancedExperienceUserQuery``,
``advancedExperienceGroupQuery`` and ``advancedDeviceQuery``, validated like
Losant's schemas and compiled to a predicate over stored records. Anything outside the grammar is a 400
``Validation``.
"""

import re

from .bodies import ID_RE, type_name
from .errors import validation_error
from .timestamps import format_ts, parse_lenient_date, ts_from_ms

# patternProperties of the advanced tag queries is "^[0-9a-zA-Z_-]{1,255}"
# (no "$"): only the first character is really constrained.
QUERY_TAG_KEY_RE = re.compile(r"^[0-9a-zA-Z_-]")

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


class QueryCompiler:
    """Compile an advanced query (validated like Losant's schema) to a predicate.

    ``fields`` maps a field name to ``(kind, getter)``; kinds: "string",
    "strings" (a collection of strings, such as a device's attribute names:
    a condition holds when one of them meets it, ``$ne`` / ``$nin`` when none
    is excluded), "date", "id" (a single id or null), "idarray" (a collection
    of ids the record is linked to: membership semantics) and "tags" (a dict
    of tags, or a list of ``(key, value)`` pairs where a key may repeat, as
    device tags are).
    """

    def __init__(self, fields, label):
        self.fields = fields
        self.label = label

    def compile(self, query):
        return self._compile(query, "query", 0)

    def _compile(self, query, path, depth):
        if depth > MAX_QUERY_DEPTH:
            raise validation_error("%s is nested too deeply" % path)
        if not isinstance(query, dict):
            raise validation_error("%s must be a JSON object (got %s)" % (path, type_name(query)))
        preds = []
        for key, value in query.items():
            where = "%s.%s" % (path, key)
            if key in ("$and", "$or", "$nor"):
                if not isinstance(value, list):
                    raise validation_error("%s must be an array" % where)
                # empty arrays are allowed by Losant's schema: $and/$nor of
                # nothing match everything, $or of nothing matches nothing
                if len(value) > 100:
                    raise validation_error("%s must contain at most 100 items" % where)
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
                raise validation_error('%s: unknown operator "%s"' % (path, key))
            else:
                raise validation_error('%s: unknown field "%s" for %s %s query (allowed: %s)'
                                       % (path, key, "an" if self.label[:1] in "aeiou" else "a", self.label,
                                          ", ".join(sorted(self.fields))))
        if len(preds) == 1:
            return preds[0]
        return lambda r: all(p(r) for p in preds)

    # -- string / date fields ------------------------------------------------

    def _operators(self, value, where, allowed):
        if isinstance(value, dict):
            ops = value
        elif isinstance(value, list):
            raise validation_error("%s must be a value or an operator object, not an array" % where)
        else:
            ops = {"$eq": value}
        for op, operand in ops.items():
            if op not in allowed:
                raise validation_error('%s: unknown or unsupported operator "%s" (allowed: %s)'
                                       % (where, op, ", ".join(allowed)))
            if op in CMP_OPS:
                if not _is_scalar(operand):
                    raise validation_error("%s.%s must be a string, number, boolean or null" % (where, op))
            elif op in STRING_OPS:
                if not isinstance(operand, str) or not operand:
                    raise validation_error("%s.%s must be a non-empty string" % (where, op))
            elif op == "$ci":
                if not isinstance(operand, bool):
                    raise validation_error("%s.$ci must be a boolean" % where)
            elif op in LIST_OPS:
                if not isinstance(operand, list):
                    raise validation_error("%s.%s must be an array" % (where, op))
                if len(operand) > 100:
                    raise validation_error("%s.%s must contain at most 100 items" % (where, op))
                for i, item in enumerate(operand):
                    if not isinstance(item, (str, int, float, bool)):
                        raise validation_error("%s.%s[%d] must be a string, number or boolean"
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

    def _field_strings(self, getter, value, where):
        ops = self._operators(value, where, CMP_OPS + STRING_OPS + ("$ci",) + LIST_OPS)
        ci = {"$ci": ops["$ci"]} if "$ci" in ops else {}
        preds = []
        for op, operand in ops.items():
            if op == "$ci":
                continue
            one = self._value_predicates(lambda v: v, dict(ci, **{op: operand}), lambda x: x, lambda v: v)
            if op in ("$ne", "$nin"):
                preds.append(lambda r, p=one: all(p(v) for v in getter(r)))
            else:
                preds.append(lambda r, p=one: any(p(v) for v in getter(r)))
        return lambda r: all(p(r) for p in preds)

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
                raise validation_error('%s: "%s" is not a valid date' % (where, x))
        return self._value_predicates(getter, ops, norm, lambda v: v)

    # -- id fields -------------------------------------------------------------

    def _id_operators(self, value, where):
        def check_id(v, w):
            if v is None:
                return None
            if not isinstance(v, str) or not ID_RE.match(v):
                raise validation_error("%s must be a 24 character hex id or null" % w)
            return v.lower()

        if not isinstance(value, dict):
            if isinstance(value, list):
                raise validation_error("%s must be an id, null or an operator object" % where)
            return "$eq", check_id(value, where)
        if len(value) != 1:
            raise validation_error("%s must have exactly one operator" % where)
        op, operand = next(iter(value.items()))
        if op in CMP_OPS:
            return op, check_id(operand, "%s.%s" % (where, op))
        if op in LIST_OPS:
            if not isinstance(operand, list):
                raise validation_error("%s.%s must be an array" % (where, op))
            if len(operand) > 100:
                raise validation_error("%s.%s must contain at most 100 items" % (where, op))
            ids = []
            for i, item in enumerate(operand):
                if item is None:
                    raise validation_error("%s.%s[%d] must be a 24 character hex id" % (where, op, i))
                ids.append(check_id(item, "%s.%s[%d]" % (where, op, i)))
            return op, ids
        raise validation_error('%s: unknown or unsupported operator "%s" (allowed: %s)'
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
                raise validation_error("%s must be at most 255 characters long" % where)
            return lambda v: v == value
        if isinstance(value, dict) and len(value) == 1 and next(iter(value)) in LIST_OPS:
            op, items = next(iter(value.items()))
            if not isinstance(items, list):
                raise validation_error("%s.%s must be an array" % (where, op))
            if len(items) > 100:
                raise validation_error("%s.%s must contain at most 100 items" % (where, op))
            for i, item in enumerate(items):
                if not isinstance(item, str) or len(item) > 255:
                    raise validation_error("%s.%s[%d] must be a string of at most 255 characters"
                                           % (where, op, i))
            wanted = frozenset(items)
            if op == "$in":
                return lambda v: v in wanted
            return lambda v: v not in wanted
        raise validation_error("%s must be a string, null, {\"$in\": [...]} or {\"$nin\": [...]}" % where)

    def _tag_form(self, value, where):
        if not isinstance(value, dict):
            raise validation_error("%s must be an object" % where)
        if any(k.startswith("$") for k in value):
            for k in value:
                if k not in ("$tagKey", "$tagValue"):
                    raise validation_error('%s: "%s" is not allowed here (use either {"$tagKey", '
                                           '"$tagValue"} or {"<tag key>": <value>})' % (where, k))
            key_cond = self._tag_condition(value.get("$tagKey"), where + ".$tagKey")
            val_cond = self._tag_condition(value.get("$tagValue"), where + ".$tagValue")
            return lambda tags: any(key_cond(k) and val_cond(v) for k, v in tags)
        conds = []
        for k, v in value.items():
            if not QUERY_TAG_KEY_RE.match(k) or len(k) > 255:
                raise validation_error('%s: "%s" is not a valid tag key' % (where, k))
            conds.append((k, self._tag_condition(v, "%s.%s" % (where, k))))

        def match(tags):
            # every condition met by a tag of its key (device tags may repeat a key)
            return all(any(tk == k and cond(tv) for tk, tv in tags) for k, cond in conds)
        return match

    def _field_tags(self, getter, value, where):
        def pairs(r):
            tags = getter(r)
            return list(tags.items()) if isinstance(tags, dict) else tags

        if isinstance(value, dict) and len(value) == 1 and next(iter(value)) in ("$eq", "$ne"):
            op, inner = next(iter(value.items()))
            match = self._tag_form(inner, "%s.%s" % (where, op))
            if op == "$eq":
                return lambda r: match(pairs(r))
            return lambda r: not match(pairs(r))
        match = self._tag_form(value, where)
        return lambda r: match(pairs(r))
