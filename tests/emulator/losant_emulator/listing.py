"""List endpoints: their query parameters, the glob filter or advanced query
that selects records, the sort (missing values first) and the page envelope."""

import json
import re

from .errors import validation_error
from .query import QueryCompiler

USER_SORT_FIELDS = ("firstName", "lastName", "email", "id", "creationDate",
                    "lastLogin", "lastUpdated")
USER_FILTER_FIELDS = ("firstName", "lastName", "email")
GROUP_SORT_FIELDS = ("name", "id", "creationDate", "lastUpdated")
GROUP_FILTER_FIELDS = ("name",)
TRUE_STRINGS = ("true", "1", "yes", "on")
# The most a page may hold (Losant's documented maximum); the default page is 100.
MAX_PER_PAGE = 1000
DEFAULT_PER_PAGE = 100


def param(params, name):
    """A query parameter's value; an empty one counts as absent."""
    value = params.get(name)
    if value is None or value == "":
        return None
    return value


def parse_list_params(params, sort_fields, default_sort, filter_fields, page_cap=MAX_PER_PAGE):
    """The list parameters, checked; a ``perPage`` above ``page_cap`` is answered
    with ``page_cap`` items a page (and says so in the envelope's ``perPage``)."""
    out = {}
    page = param(params, "page")
    if page is None:
        out["page"] = 0
    elif not re.match(r"^\d{1,9}$", page):
        raise validation_error("page must be a non-negative integer")
    else:
        out["page"] = int(page)
    per_page = param(params, "perPage")
    if per_page is None:
        out["perPage"] = DEFAULT_PER_PAGE
    elif not re.match(r"^\d{1,9}$", per_page) or not 1 <= int(per_page) <= MAX_PER_PAGE:
        raise validation_error("perPage must be an integer between 1 and %d" % MAX_PER_PAGE)
    else:
        out["perPage"] = int(per_page)
    out["perPage"] = min(out["perPage"], page_cap)
    sort_field = param(params, "sortField") or default_sort
    if sort_field not in sort_fields:
        raise validation_error("sortField must be one of: %s" % ", ".join(sort_fields))
    out["sortField"] = sort_field
    direction = (param(params, "sortDirection") or "asc").lower()
    if direction not in ("asc", "desc"):
        raise validation_error("sortDirection must be one of: asc, desc")
    out["sortDirection"] = direction
    filter_field = param(params, "filterField")
    if filter_field is not None and filter_field not in filter_fields:
        raise validation_error("filterField must be one of: %s" % ", ".join(filter_fields))
    out["filterField"] = filter_field
    out["filter"] = param(params, "filter")
    query = param(params, "query")
    if query is not None:
        try:
            out["query"] = json.loads(query)
        except ValueError:
            raise validation_error("query must be a valid JSON object")
    else:
        out["query"] = None
    return out


def glob_regex(pattern):
    """A Losant filter: ``*`` matches any run of characters, the rest is literal;
    the whole value must match, ignoring case."""
    parts = [re.escape(p) for p in pattern.split("*")]
    return re.compile("^" + ".*".join(parts) + "$", re.IGNORECASE | re.DOTALL)


def select(records, opts, query_fields, kind, echo):
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


def sort_records(records, opts):
    """Sort ``records`` in place as the list parameters say: missing values first, ties by id."""
    field = opts["sortField"]

    def key(rec):
        v = rec.get(field)
        if v is None:
            return (0, "", rec["id"])
        return (1, v, rec["id"])
    records.sort(key=key, reverse=(opts["sortDirection"] == "desc"))
    return records


def sort_and_page(records, opts, presorted=False):
    """One page of ``records``, sorted first (in place) unless ``presorted``."""
    if not presorted:
        sort_records(records, opts)
    start = opts["page"] * opts["perPage"]
    return records[start:start + opts["perPage"]]


def page_envelope(records, opts, render, echo, application_id, presorted=False):
    """One page of a listing, as Losant wraps it."""
    items = [render(r) for r in sort_and_page(records, opts, presorted)]
    out = {
        "items": items,
        "count": len(items),
        "totalCount": len(records),
        "perPage": opts["perPage"],
        "page": opts["page"],
        "sortField": opts["sortField"],
        "sortDirection": opts["sortDirection"],
        "applicationId": application_id,
    }
    out.update(echo)
    return out
