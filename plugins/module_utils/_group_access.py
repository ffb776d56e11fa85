# -*- coding: utf-8 -*-
# Copyright: losant.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Internal to this collection: not a public API; may change without notice.

"""What a group grants - devices by name or id, device tags, an advanced
device query and experience endpoints: the option rules, the one query and
one listing that resolve names, and the fields a PATCH must change. Pure:
the lookups are done by the caller with the queries built here."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import difflib
import json

from ansible_collections.losant.platform.plugins.module_utils._validation import TAG_KEY_RE, TAG_VALUE_MAX, is_id, listed

ACCESS_OPTIONS = dict(
    devices=dict(type="list", elements="str"),
    purge_devices=dict(type="bool", default=False),
    device_tags=dict(type="list", elements="dict", options=dict(
        key=dict(type="str", required=True, no_log=False),
        value=dict(type="str"),
    )),
    purge_device_tags=dict(type="bool", default=False),
    device_query=dict(type="dict"),
    endpoints=dict(type="list", elements="str"),
    purge_endpoints=dict(type="bool", default=False),
)

IDS_MAX = 1000
DEVICE_TAGS_MAX = 100
DEVICE_NAME_MAX = 255
DEVICE_QUERY_MAX = 8192
ROUTE_MAX = 1024
# Losant's advanced query takes at most 100 values in an $in and 100 conditions in an $or.
IN_MAX = 100
METHODS = ("get", "post", "put", "patch", "delete", "options")
# The fields of advancedDeviceQuery.json: a device_query naming another field is refused before any write.
DEVICE_QUERY_FIELDS = frozenset((
    "id", "creationDate", "lastUpdated", "deletedAt", "name", "deviceClass", "gatewayId", "parentId",
    "ancestorId", "attributeName", "experienceUserId", "experienceGroupId", "tags", "disconnectedAt",
    "connectedAt", "connectionStatus"))
SHOWN = 10


class AccessError(Exception):
    """A device or endpoint that cannot be found or told apart."""


# -- option rules ------------------------------------------------------------------

def _query_field_errors(query, where):
    errors = []
    for key, value in query.items():
        if key in ("$and", "$or", "$nor"):
            if not isinstance(value, list):
                errors.append("%s.%s must be a list of queries" % (where, key))
                continue
            for index, item in enumerate(value):
                if isinstance(item, dict):
                    errors.extend(_query_field_errors(item, "%s.%s[%d]" % (where, key, index)))
                else:
                    errors.append("%s.%s[%d] must be a query (a dict)" % (where, key, index))
        elif key not in DEVICE_QUERY_FIELDS:
            errors.append("%s: %r is not a field of an advanced device query (fields: %s)"
                          % (where, key, ", ".join(sorted(DEVICE_QUERY_FIELDS))))
    return errors


def access_option_errors(params):
    """Every rule the access options break, each naming the option; [] when all is well."""
    errors = []
    for option, what in (("devices", "device names or ids"), ("endpoints", "endpoint ids or 'METHOD /route'")):
        entries = params.get(option)
        if entries is None:
            continue
        if len(entries) > IDS_MAX:
            errors.append("%s may list at most %d %s, got %d" % (option, IDS_MAX, what, len(entries)))
        for entry in entries:
            problem = _device_reference_error(entry) if option == "devices" else _endpoint_reference_error(entry)
            if problem:
                errors.append("%s: %s" % (option, problem))
    tags = params.get("device_tags")
    if tags is not None:
        if len(tags) > DEVICE_TAGS_MAX:
            errors.append("device_tags may list at most %d tags, got %d" % (DEVICE_TAGS_MAX, len(tags)))
        for tag in tags:
            if not TAG_KEY_RE.match(tag.get("key") or ""):
                errors.append("device_tags key %r must match ^[0-9a-zA-Z_-]{1,255}$ (letters, digits, _ and -)"
                              % (tag.get("key"),))
            value = tag.get("value")
            if value is not None and not 1 <= len(value) <= TAG_VALUE_MAX:
                errors.append("device_tags value of %r must be 1 to %d characters long (leave it out to match any "
                              "value), got %d" % (tag.get("key"), TAG_VALUE_MAX, len(value)))
    query = params.get("device_query")
    if query:
        errors.extend(_query_field_errors(query, "device_query"))
        if len(query_text(query)) > DEVICE_QUERY_MAX:
            errors.append("device_query must be at most %d characters as JSON, got %d"
                          % (DEVICE_QUERY_MAX, len(query_text(query))))
    return errors


def _device_reference_error(entry):
    if not isinstance(entry, str) or not 1 <= len(entry) <= DEVICE_NAME_MAX:
        return "entries must be device names of 1 to %d characters or device ids, got %r" % (
            DEVICE_NAME_MAX, entry if not isinstance(entry, str) else entry[:80])
    return None


def _endpoint_reference_error(entry):
    if isinstance(entry, str) and (is_id(entry) or split_route(entry) is not None):
        return None
    return "entries must be endpoint ids or 'METHOD /route' (methods: %s), got %r" % (
        ", ".join(method.upper() for method in METHODS), entry if not isinstance(entry, str) else entry[:80])


def split_route(entry):
    """("get", "/dashboard") from "GET /dashboard"; None if it is not of that form."""
    method, dummy, route = entry.strip().partition(" ")
    route = route.strip()
    if method.lower() in METHODS and route.startswith("/") and len(route) <= ROUTE_MAX:
        return method.lower(), route
    return None


# -- reading what a group grants -------------------------------------------------------

def query_text(query):
    """An advanced device query as Losant stores it: compact JSON text."""
    return json.dumps(query, separators=(",", ":"), sort_keys=True)


def current_query(group):
    """The group's deviceQueryJson as a dict; None when it has none, False when it is not JSON."""
    text = group.get("deviceQueryJson")
    if text is None or text == "":
        return None
    try:
        parsed = json.loads(text)
    except ValueError:
        return False
    return parsed if isinstance(parsed, dict) else False


def _tag_pair(tag):
    return tag.get("key"), tag.get("value")


def _tag_item(pair):
    key, value = pair
    item = {} if key is None else {"key": key}
    if value is not None:
        item["value"] = value
    return item


def _unique(values):
    seen = set()
    return [value for value in values if not (value in seen or seen.add(value))]


def current_ids(group, field):
    return [value.lower() for value in group.get(field) or []]


# -- resolving names ----------------------------------------------------------------------

def device_references(entries):
    """(names, ids) of a devices option."""
    names = _unique(entry for entry in entries if not is_id(entry))
    ids = _unique(entry.lower() for entry in entries if is_id(entry))
    return names, ids


def device_lookup_queries(names, ids):
    """The advanced device queries that find ``names`` (any letter case, so that an unknown
    name can name its near misses) and ``ids``: one query for up to 10,000 of them."""
    conditions = [{"name": {"$in": names[start:start + IN_MAX], "$ci": True}} for start in range(0, len(names), IN_MAX)]
    conditions += [{"id": {"$in": ids[start:start + IN_MAX]}} for start in range(0, len(ids), IN_MAX)]
    queries = []
    for start in range(0, len(conditions), IN_MAX):
        chunk = conditions[start:start + IN_MAX]
        queries.append(chunk[0] if len(chunk) == 1 else {"$or": chunk})
    return queries


def resolve_devices(entries, found, verify_ids, where="devices"):
    """Device ids for ``entries`` (names or ids) from the devices the lookup ``found``.

    Names are exact (letter case counts); ids in ``verify_ids`` must be among
    ``found``. Raises AccessError naming every unknown or ambiguous entry with
    the candidates' ids.
    """
    by_id = dict((device["id"].lower(), device) for device in found)
    ids, problems = [], []
    for entry in entries:
        if is_id(entry):
            if entry.lower() in verify_ids and entry.lower() not in by_id:
                problems.append("no device has id %s" % entry)
            ids.append(entry.lower())
            continue
        exact = [device for device in found if device.get("name") == entry]
        if len(exact) == 1:
            ids.append(exact[0]["id"].lower())
        elif exact:
            problems.append("%d devices are named %r (ids %s); give the id of one instead" % (
                len(exact), entry, _ids(exact)))
        else:
            near = [device for device in found if (device.get("name") or "").lower() == entry.lower()]
            problems.append("no device is named %r%s" % (entry, "; in other letter case: %s" % ", ".join(
                "%r (%s)" % (device.get("name"), device["id"]) for device in near[:SHOWN]) if near else ""))
    if problems:
        raise AccessError("%s: %s" % (where, "; ".join(problems)))
    return _unique(ids)


def endpoint_label(endpoint):
    return "%s %s" % ((endpoint.get("method") or "").upper(), endpoint.get("route"))


def resolve_endpoints(entries, listing, verify_ids, where="endpoints"):
    """(endpoint ids, warnings) for ``entries`` (ids or "METHOD /route") from the endpoint ``listing``
    (None when it was not read). Raises AccessError for an unknown entry, naming the near misses."""
    by_id = dict((endpoint["id"].lower(), endpoint) for endpoint in listing or [])
    by_route = dict((((endpoint.get("method") or "").lower(), endpoint.get("route")), endpoint)
                    for endpoint in listing or [])
    ids, problems, warnings = [], [], []
    for entry in entries:
        if is_id(entry):
            endpoint = by_id.get(entry.lower())
            if endpoint is None and entry.lower() in verify_ids:
                problems.append("no experience endpoint has id %s" % entry)
        else:
            endpoint = by_route.get(split_route(entry))
            if endpoint is None:
                labels = sorted(endpoint_label(known) for known in listing or [])
                near = difflib.get_close_matches(entry.upper(), [label.upper() for label in labels], n=5, cutoff=0.6)
                near = [label for label in labels if label.upper() in near]
                problems.append("no experience endpoint is %r; %s: %s" % (
                    entry, "closest" if near else "endpoints", ", ".join((near or labels)[:SHOWN]) or "(none)"))
                continue
        if endpoint is not None and endpoint.get("access") != "group":
            warnings.append("%s: %s has access %r, not 'group': granting it to a group changes nothing until its "
                            "access is 'group'" % (where, endpoint_label(endpoint), endpoint.get("access")))
        ids.append((endpoint["id"] if endpoint is not None else entry).lower())
    if problems:
        raise AccessError("%s: %s" % (where, "; ".join(problems)))
    return _unique(ids), warnings


def _ids(items):
    return ", ".join(sorted(item["id"] for item in items))


# -- what must change ------------------------------------------------------------------------

def _merged_ids(current, wanted, purge):
    return _unique(([] if purge else list(current)) + list(wanted))


def access_changes(group, params, device_ids, endpoint_ids):
    """The PATCH fields that make ``group`` grant what ``params`` say, and the option names they change.

    ``device_ids`` / ``endpoint_ids``: the resolved ids of ``devices`` /
    ``endpoints`` (None when left out). Options left out leave their field
    alone, even with their purge option; the lists are merged unless purged,
    and compared as sets. ``device_query`` ``{}`` clears the query.
    """
    body, changed = {}, []
    for option, field, wanted, purge in (("devices", "deviceIds", device_ids, "purge_devices"),
                                         ("endpoints", "experienceEndpointIds", endpoint_ids, "purge_endpoints")):
        if wanted is None:
            continue
        current = current_ids(group, field)
        desired = _merged_ids(current, wanted, params.get(purge))
        if set(desired) != set(current):
            body[field] = desired
            changed.append(option)
    tags = params.get("device_tags")
    if tags is not None:
        current = _unique(_tag_pair(tag) for tag in group.get("deviceTags") or [])
        desired = _merged_ids(current, [_tag_pair(tag) for tag in tags], params.get("purge_device_tags"))
        if set(desired) != set(current):
            body["deviceTags"] = [_tag_item(pair) for pair in desired]
            changed.append("device_tags")
    query = params.get("device_query")
    if query is not None:
        current = current_query(group)
        if not query and current is not None:
            body["deviceQueryJson"] = None
            changed.append("device_query")
        elif query and current != query:
            body["deviceQueryJson"] = query_text(query)
            changed.append("device_query")
    return body, changed


def access_view(group, endpoint_labels=None):
    """What a group grants, in the option shape, for ``diff`` and ``gathered``: devices and
    endpoints by id (endpoints as "METHOD /route" where ``endpoint_labels`` knows them)."""
    labels = endpoint_labels or {}
    query = current_query(group)
    return {
        "devices": sorted(current_ids(group, "deviceIds")),
        "device_tags": [_tag_item(pair) for pair in _unique(_tag_pair(tag) for tag in group.get("deviceTags") or [])],
        "device_query": group.get("deviceQueryJson") if query is False else (query or {}),
        "endpoints": sorted(labels.get(eid, eid) for eid in current_ids(group, "experienceEndpointIds")),
    }


def with_access(view, group, endpoint_labels=None):
    """A group's view (group_view) with what it grants added; {} stays {}."""
    if view:
        view.update(access_view(group, endpoint_labels))
    return view


def access_result(group):
    """The fields of a returned group that feed straight back into these options."""
    query = current_query(group)
    return {
        "devices": current_ids(group, "deviceIds"),
        "device_tags": [dict(tag) for tag in group.get("deviceTags") or []],
        "device_query": None if query is False else (query or {}),
        "endpoints": current_ids(group, "experienceEndpointIds"),
    }


# -- the lookups (these take a client) ----------------------------------------------------------

def _new_ids(entries, group, field):
    """Ids given that the group does not grant yet: only those need to be shown to exist."""
    current = set(current_ids(group or {}, field))
    return set(entry.lower() for entry in entries or [] if is_id(entry) and entry.lower() not in current)


def resolve_grants(client, items):
    """Resolve the ``devices`` and ``endpoints`` of many groups with one device query and one endpoint listing.

    ``items``: (label, params, current group or None). Returns
    ``(resolved, endpoint_labels, warnings)``: for each item (device ids,
    endpoint ids), each None when its option is left out; ``{endpoint id:
    "METHOD /route"}`` when the listing was read. Raises AccessError listing
    every problem, each prefixed with its item's label. No request is made
    when no name needs resolving and no new id needs checking.
    """
    names, verify_devices, verify_endpoints, need_listing = [], set(), set(), False
    for dummy, params, group in items:
        if params.get("devices"):
            names.extend(device_references(params["devices"])[0])
            verify_devices |= _new_ids(params["devices"], group, "deviceIds")
        if params.get("endpoints"):
            verify_endpoints |= _new_ids(params["endpoints"], group, "experienceEndpointIds")
            need_listing = need_listing or any(not is_id(entry) for entry in params["endpoints"])
    found = {}
    for query in device_lookup_queries(_unique(names), sorted(verify_devices)):
        found.update((device["id"].lower(), device) for device in client.query_devices(query))
    listing = client.list_experience_endpoints() if need_listing or verify_endpoints else None
    resolved, problems, warnings = [], [], []
    for label, params, group in items:
        prefix = label + ": " if label else ""
        device_ids = endpoint_ids = None
        try:
            if params.get("devices") is not None:
                device_ids = resolve_devices(params["devices"], list(found.values()), verify_devices, prefix + "devices")
        except AccessError as exc:
            problems.append(str(exc))
        try:
            if params.get("endpoints") is not None:
                endpoint_ids, noted = resolve_endpoints(params["endpoints"], listing, verify_endpoints,
                                                        prefix + "endpoints")
                warnings.extend(noted)
        except AccessError as exc:
            problems.append(str(exc))
        resolved.append((device_ids, endpoint_ids))
    if problems:
        raise AccessError(listed(problems))
    labels = dict((endpoint["id"].lower(), endpoint_label(endpoint)) for endpoint in listing or [])
    return resolved, labels, warnings


ACCESS_KEYS = ("devices", "device_tags", "device_query", "endpoints")


def trim_access(before, after):
    """Drop from a diff the access keys that are empty on both sides, so that a group
    that grants nothing shows the same diff as before these options existed."""
    for key in ACCESS_KEYS:
        if not (before or {}).get(key) and not (after or {}).get(key):
            (before or {}).pop(key, None)
            (after or {}).pop(key, None)
    return before, after
