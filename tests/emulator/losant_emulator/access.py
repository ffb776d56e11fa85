"""What a group grants: the application's devices and experience endpoints
(read only through the API, seeded or loaded from the state file), their
listings, and the rules a group body's ``deviceIds``, ``deviceTags``,
``deviceQueryJson`` and ``experienceEndpointIds`` must follow.

``AccessStore`` is a part of ``Store`` (store.py): it shares the store's
lock, generation counter and groups.
"""

import json
import re

from .bodies import ID_RE, TAG_KEY_RE, check_datetime, check_description, check_own_id, check_string, \
    check_tags, type_name, validate_body
from .errors import ApiError, validation_error
from .listing import page_envelope, param, parse_list_params, select
from .query import QueryCompiler

DEVICE_SORT_FIELDS = ("name", "id", "creationDate", "lastUpdated", "connectionStatus", "deletedAt")
DEVICE_FILTER_FIELDS = ("name",)
DEVICE_CLASSES = ("standalone", "gateway", "peripheral", "floating", "edgeCompute", "system", "embedded")
ENDPOINT_SORT_FIELDS = ("order", "method", "route", "id", "creationDate", "requestCount", "lastUpdated")
ENDPOINT_FILTER_FIELDS = ("method", "route")
ENDPOINT_METHODS = ("delete", "get", "options", "patch", "post", "put")
ENDPOINT_ACCESS = ("public", "authenticated", "group", "device")
DATA_TYPES = ("string", "number", "gps", "boolean", "blob")
# tagFilter as the official clients flatten it into the query string: tagFilter[0][key]=...
TAG_FILTER_RE = re.compile(r"^tagFilter\[(\d+)\]\[(key|value)\]$")


# -- seed bodies (devices and endpoints are not written through the API here) ------

def check_device_tag_list(field, value):
    """A device's ``tags``: up to 100 ``{key, value}``, both required; a key may repeat."""
    if not isinstance(value, list):
        raise validation_error("%s must be an array (got %s)" % (field, type_name(value)))
    if len(value) > 100:
        raise validation_error("%s must contain at most 100 items" % field)
    out = []
    for i, item in enumerate(value):
        where = "%s[%d]" % (field, i)
        if not isinstance(item, dict) or set(item) != set(("key", "value")):
            raise validation_error("%s must be an object with exactly key and value" % where)
        if not isinstance(item["key"], str) or not TAG_KEY_RE.match(item["key"]):
            raise validation_error("%s.key must match ^[0-9a-zA-Z_-]{1,255}$" % where)
        check_string(where + ".value", item["value"], 1, 255)
        out.append({"key": item["key"], "value": item["value"]})
    return out


def _check_enum(choices):
    def check(field, value):
        if value not in choices:
            raise validation_error("%s must be one of: %s" % (field, ", ".join(choices)))
        return value
    return check


def check_attributes(field, value):
    if not isinstance(value, list) or len(value) > 256:
        raise validation_error("%s must be an array of at most 256 attributes" % field)
    out = []
    for i, item in enumerate(value):
        where = "%s[%d]" % (field, i)
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) \
                or not TAG_KEY_RE.match(item["name"]) or item.get("dataType") not in DATA_TYPES:
            raise validation_error("%s needs a name matching ^[0-9a-zA-Z_-]{1,255}$ and a dataType (%s)"
                                   % (where, ", ".join(DATA_TYPES)))
        out.append({"name": item["name"], "dataType": item["dataType"]})
    return out


def check_connection_info(field, value):
    if not isinstance(value, dict) or value.get("connected", None) not in (1, 0, None) \
            or set(value) - set(("connected", "time")):
        raise validation_error("%s must be {connected: 1, 0 or null, time: a date-time}" % field)
    out = {"connected": value.get("connected")}
    if "time" in value:
        out["time"] = check_datetime(field + ".time", value["time"])
    return out


def check_boolean(field, value):
    if not isinstance(value, bool):
        raise validation_error("%s must be a boolean (got %s)" % (field, type_name(value)))
    return value


def check_method(field, value):
    if not isinstance(value, str) or value.lower() not in ENDPOINT_METHODS:
        raise validation_error("%s must be one of: %s" % (field, ", ".join(ENDPOINT_METHODS)))
    return value.lower()


SEED_DEVICE_FIELDS = {
    "id": check_own_id,
    "name": lambda field, value: check_string(field, value, 1, 255),
    "description": check_description,
    "tags": check_device_tag_list,
    "deviceClass": _check_enum(DEVICE_CLASSES),
    "parentId": check_own_id,
    "attributes": check_attributes,
    "connectionInfo": check_connection_info,
    "creationDate": check_datetime,
    "lastUpdated": check_datetime,
}

SEED_ENDPOINT_FIELDS = {
    "id": check_own_id,
    "route": lambda field, value: check_string(field, value, 1, 1024),
    "method": check_method,
    "access": _check_enum(ENDPOINT_ACCESS),
    "enabled": check_boolean,
    "description": check_description,
    "endpointTags": check_tags,
    "creationDate": check_datetime,
    "lastUpdated": check_datetime,
}


class AccessStore:
    """Devices and experience endpoints of the application (a part of ``Store``)."""

    def _clear_access(self):
        self.devices = {}       # id -> record
        self.endpoints = {}     # id -> record; record["order"]: its place in the endpoint list
        self._grants = (None, {})

    # -- records -------------------------------------------------------------------

    def device_record(self, values, ts):
        """A stored device from checked seed ``values`` (its id already chosen)."""
        info = values.get("connectionInfo")
        rec = {"id": values["id"], "name": values["name"], "tags": list(values.get("tags", [])),
               "deviceClass": values.get("deviceClass", "standalone"), "parentId": values.get("parentId"),
               "attributes": list(values.get("attributes", [])), "creationDate": values.get("creationDate", ts),
               "connectionStatus": None}
        rec["lastUpdated"] = values.get("lastUpdated", rec["creationDate"])
        if "description" in values:
            rec["description"] = values["description"]
        if info is not None:
            rec["connectionInfo"] = info
            rec["connectionStatus"] = {1: "connected", 0: "disconnected"}.get(info.get("connected"))
        return rec

    def endpoint_record(self, values, ts, order):
        rec = {"id": values["id"], "route": values["route"], "method": values["method"],
               "access": values.get("access", "public"), "enabled": values.get("enabled", True),
               "endpointTags": dict(values.get("endpointTags", {})), "order": order,
               "creationDate": values.get("creationDate", ts)}
        rec["lastUpdated"] = values.get("lastUpdated", rec["creationDate"])
        if "description" in values:
            rec["description"] = values["description"]
        return rec

    def check_endpoint_route_free(self, method, route, taken):
        """A route is unique per method: ``taken`` holds the (method, route) pairs already used."""
        if (method, route) in taken:
            raise validation_error("an experience endpoint %s %s already exists" % (method.upper(), route))

    def device_ancestors(self, device_id):
        chain, seen = [], set([device_id])
        parent = self.devices[device_id]["parentId"]
        while parent is not None and parent in self.devices and parent not in seen:
            chain.append(parent)
            seen.add(parent)
            parent = self.devices[parent]["parentId"]
        chain.reverse()
        return chain

    # -- what groups grant ---------------------------------------------------------------

    def _device_query_fields(self, with_grants=True):
        empty = ()
        fields = {
            "id": ("id", lambda d: d["id"]),
            "creationDate": ("date", lambda d: d["creationDate"]),
            "lastUpdated": ("date", lambda d: d["lastUpdated"]),
            "deletedAt": ("date", lambda d: None),
            "name": ("string", lambda d: d["name"]),
            "deviceClass": ("string", lambda d: d["deviceClass"]),
            "gatewayId": ("id", lambda d: None),
            "parentId": ("id", lambda d: d["parentId"]),
            "ancestorId": ("idarray", lambda d: self.device_ancestors(d["id"])),
            "attributeName": ("strings", lambda d: [a["name"] for a in d["attributes"]]),
            "tags": ("tags", lambda d: [(t["key"], t["value"]) for t in d["tags"]]),
            "connectionStatus": ("string", lambda d: d["connectionStatus"]),
            "connectedAt": ("date", lambda d: self._connection_time(d, 1)),
            "disconnectedAt": ("date", lambda d: self._connection_time(d, 0)),
            # Grants by deviceIds and deviceTags only: a group's own deviceQueryJson may use these fields.
            "experienceGroupId": ("idarray", (lambda d: self._direct_groups_of(d["id"])) if with_grants
                                  else (lambda d: empty)),
            "experienceUserId": ("idarray", (lambda d: self._users_granted(d["id"])) if with_grants
                                 else (lambda d: empty)),
        }
        return fields

    @staticmethod
    def _connection_time(device, connected):
        info = device.get("connectionInfo") or {}
        return info.get("time") if info.get("connected") == connected else None

    def compile_device_query(self, query, where=None):
        """The predicate of an advanced device query; a 400 (its message prefixed by ``where``) if invalid."""
        try:
            return QueryCompiler(self._device_query_fields(), "device").compile(query)
        except ApiError as exc:
            if where:
                exc.message = "%s: %s" % (where, exc.message)
            raise

    @staticmethod
    def _tag_grants(device, wanted):
        """Whether one of the group's deviceTags entries matches a tag of the device
        (an entry without value matches any value of its key)."""
        for entry in wanted:
            for tag in device["tags"]:
                if ("key" not in entry or entry["key"] == tag["key"]) and \
                        ("value" not in entry or entry["value"] == tag["value"]):
                    return True
        return False

    def _direct_grants(self, group, with_query):
        granted = set(gid for gid in group["deviceIds"] if gid in self.devices)
        if group["deviceTags"]:
            granted.update(d["id"] for d in self.devices.values() if self._tag_grants(d, group["deviceTags"]))
        if with_query and group["deviceQueryJson"]:
            try:
                pred = QueryCompiler(self._device_query_fields(False), "device").compile(
                    json.loads(group["deviceQueryJson"]))
            except Exception:  # stored before the rules were checked (a state file): grants nothing
                pred = None
            if pred is not None:
                granted.update(d["id"] for d in self.devices.values() if pred(d))
        return granted

    def _grant_table(self):
        """{group id: (direct grants without queries, direct grants)}, made once per state change."""
        generation, table = self._grants
        if generation != self.generation:
            table = dict((gid, (self._direct_grants(g, False), self._direct_grants(g, True)))
                         for gid, g in self.groups.items())
            self._grants = (self.generation, table)
        return table

    def _direct_groups_of(self, device_id):
        return [gid for gid, (plain, dummy) in self._grant_table().items() if device_id in plain]

    def _users_granted(self, device_id):
        """Members of a granting group or of one of its ancestors (Losant counts them as members)."""
        users = set()
        for gid in self._direct_groups_of(device_id):
            for holder in [gid] + self.ancestors(gid):
                users.update(self.groups[holder]["members"])
        return users

    def device_counts(self, group_id):
        """(directDeviceCount, totalDeviceCount): the group's own grants, and with its descendants'."""
        table = self._grant_table()
        direct = table[group_id][1]
        total = set(direct)
        for gid in self.descendants(group_id):
            total |= table[gid][1]
        return len(direct), len(total)

    def check_group_grants(self, values, new_devices=(), new_endpoints=()):
        """Refuse a group body that names devices or endpoints the application lacks,
        or a deviceQueryJson that is not an advanced device query. ``new_*``: ids a
        seed is about to add."""
        for gid in values.get("deviceIds", ()):
            if gid not in self.devices and gid not in new_devices:
                raise validation_error("deviceIds: device %s does not exist" % gid)
        for eid in values.get("experienceEndpointIds", ()):
            if eid not in self.endpoints and eid not in new_endpoints:
                raise validation_error("experienceEndpointIds: experience endpoint %s does not exist" % eid)
        text = values.get("deviceQueryJson")
        if text:
            try:
                query = json.loads(text)
            except ValueError:
                raise validation_error("deviceQueryJson must be a JSON document")
            self.compile_device_query(query, "deviceQueryJson")

    # -- rendering -------------------------------------------------------------------------

    def render_device(self, d):
        out = {"id": d["id"], "deviceId": d["id"], "applicationId": self.application_id,
               "creationDate": d["creationDate"], "lastUpdated": d["lastUpdated"], "name": d["name"]}
        if "description" in d:
            out["description"] = d["description"]
        out["tags"] = [dict(t) for t in d["tags"]]
        out["attributes"] = [dict(a) for a in d["attributes"]]
        out["deviceClass"] = d["deviceClass"]
        out["parentId"] = d["parentId"]
        out["ancestorIds"] = self.device_ancestors(d["id"])
        if "connectionInfo" in d:
            out["connectionInfo"] = dict(d["connectionInfo"])
        return out

    def render_endpoint(self, e):
        out = {"id": e["id"], "experienceEndpointId": e["id"], "applicationId": self.application_id,
               "creationDate": e["creationDate"], "lastUpdated": e["lastUpdated"], "route": e["route"],
               "method": e["method"], "access": e["access"], "enabled": e["enabled"],
               "endpointTags": dict(e["endpointTags"])}
        if "description" in e:
            out["description"] = e["description"]
        groups = [g for g in self.groups.values() if e["id"] in g["experienceEndpointIds"]]
        groups.sort(key=lambda g: (g["name"], g["id"]))
        out["experienceGroups"] = [{"id": g["id"], "name": g["name"]} for g in groups]
        return out

    # -- listings ------------------------------------------------------------------------------

    def list_devices(self, params):
        opts = self.list_options(params, DEVICE_SORT_FIELDS, "name", DEVICE_FILTER_FIELDS)
        device_class = param(params, "deviceClass")
        if device_class is not None and device_class not in DEVICE_CLASSES:
            raise validation_error("deviceClass must be one of: %s" % ", ".join(DEVICE_CLASSES))
        parent_id = param(params, "parentId")
        if parent_id is not None and not ID_RE.match(parent_id):
            raise validation_error("parentId must be a 24 character hex id")
        tag_filter = _tag_filter(params)
        with self.lock:
            echo = {}
            records, by_query = select(list(self.devices.values()), opts, self._device_query_fields(), "device", echo)
            if not by_query:
                if device_class is not None:
                    records = [d for d in records if d["deviceClass"] == device_class]
                if parent_id is not None:
                    records = [d for d in records if d["parentId"] == parent_id.lower()]
                if tag_filter:
                    records = [d for d in records if self._tag_grants(d, tag_filter)]
            if device_class is not None and not by_query:
                echo["deviceClass"] = device_class
            return page_envelope(records, opts, self.render_device, echo, self.application_id)

    def list_experience_endpoints(self, params):
        """Every endpoint at once: Losant pages no endpoint listing (no page, perPage, perPage in the answer)."""
        opts = parse_list_params(dict((k, v) for k, v in params.items() if k not in ("page", "perPage")),
                                 ENDPOINT_SORT_FIELDS, "order", ENDPOINT_FILTER_FIELDS)
        group_id = param(params, "experienceGroupId")
        if group_id is not None and not ID_RE.match(group_id):
            raise validation_error("experienceGroupId must be a 24 character hex id")
        with self.lock:
            records = list(self.endpoints.values())
            echo = {}
            if opts["filterField"] and opts["filter"]:
                records, dummy = select(records, dict(opts, query=None), {}, "experience endpoint", echo)
            if group_id is not None:
                group = self.groups.get(group_id.lower())
                linked = set(group["experienceEndpointIds"]) if group else set()
                records = [e for e in records if e["id"] in linked]
                echo["experienceGroupId"] = group_id.lower()
            field = opts["sortField"]
            records.sort(key=lambda e: ((0 if field == "requestCount" else e.get(field)), e["id"]),
                         reverse=opts["sortDirection"] == "desc")
            items = [self.render_endpoint(e) for e in records]
            out = {"items": items, "count": len(items), "totalCount": len(items), "sortField": field,
                   "sortDirection": opts["sortDirection"], "applicationId": self.application_id}
            out.update(echo)
            return out


def _tag_filter(params):
    """The list endpoint's tagFilter ([{key, value}], either optional) from its flattened form."""
    entries = {}
    for name, value in params.items():
        m = TAG_FILTER_RE.match(name)
        if m:
            entries.setdefault(int(m.group(1)), {})[m.group(2)] = value
    return [entries[i] for i in sorted(entries)]


def check_seed_device(spec, where):
    return validate_body(spec, SEED_DEVICE_FIELDS, ("name",), where)


def check_seed_endpoint(spec, where):
    return validate_body(spec, SEED_ENDPOINT_FIELDS, ("route", "method"), where)
