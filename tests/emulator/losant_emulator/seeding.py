"""``POST /_emulator/seed`` (and ``Emulator.seed``): devices, experience
endpoints, groups and users inserted in bulk, checked like POST bodies
(``password`` optional), with groups named by name or id. All or nothing:
every item is checked before any is stored."""

from .access import check_seed_device, check_seed_endpoint
from .bodies import (GROUP_FIELDS, ID_RE, USER_FIELDS, check_datetime, check_group_name,
                     check_name_list, check_own_id, validate_body)
from .errors import ApiError, email_taken, validation_error
from .timestamps import now_ts

SEED_GROUP_FIELDS = dict(GROUP_FIELDS)
SEED_GROUP_FIELDS.pop("experienceUserIds")  # membership is given on the users' side
SEED_GROUP_FIELDS.update({
    "parentName": check_group_name,
    "id": check_own_id,
    "creationDate": check_datetime,
    "lastUpdated": check_datetime,
})

SEED_USER_FIELDS = dict(USER_FIELDS)
SEED_USER_FIELDS.update({
    "experienceGroups": check_name_list,
    "passwordLastUpdated": check_datetime,
    "lastLogin": check_datetime,
    "creationDate": check_datetime,
    "lastUpdated": check_datetime,
    "id": check_own_id,
})


def _prefixed(where, func, *args):
    """Run func; prefix a Validation message with the seed item's position."""
    try:
        return func(*args)
    except ApiError as exc:
        if not exc.message.startswith(where):
            exc.message = "%s: %s" % (where, exc.message)
        raise


def _check_seed_body(data):
    if not isinstance(data, dict):
        raise validation_error("seed body must be a JSON object")
    for key in data:
        if key not in SEED_KEYS:
            raise validation_error('"%s" is not an allowed property of the seed body' % key)
    specs = [data.get(key) or [] for key in SEED_KEYS]
    if not all(isinstance(items, list) for items in specs):
        raise validation_error("%s must be arrays" % ", ".join(SEED_KEYS))
    return specs


SEED_KEYS = ("devices", "experienceEndpoints", "experienceGroups", "experienceUsers")


def seed_store(store, data):
    """Insert the seed body ``data`` into ``store``; return the new ids."""
    device_specs, endpoint_specs, group_specs, user_specs = _check_seed_body(data)
    with store.lock:
        ts = now_ts()
        taken_ids = set()

        def claim_id(values, where):
            gid = values.get("id")
            if gid is None:
                gid = store.new_id()
                while gid in taken_ids:
                    gid = store.new_id()
            elif gid in taken_ids or gid in store.users or gid in store.groups or gid in store.devices \
                    or gid in store.endpoints:
                raise validation_error("%s.id %s is already used" % (where, gid))
            taken_ids.add(gid)
            return gid

        new_devices = {}         # id -> device record
        for i, spec in enumerate(device_specs):
            where = "devices[%d]" % i
            values = _prefixed(where, check_seed_device, spec, where)
            values["id"] = claim_id(values, where)
            parent = values.get("parentId")
            if parent is not None and parent not in store.devices and parent not in new_devices:
                raise validation_error("%s.parentId: device %s does not exist" % (where, parent))
            new_devices[values["id"]] = store.device_record(values, ts)

        new_endpoints = {}       # id -> endpoint record
        routes = set((e["method"], e["route"]) for e in store.endpoints.values())
        for i, spec in enumerate(endpoint_specs):
            where = "experienceEndpoints[%d]" % i
            values = _prefixed(where, check_seed_endpoint, spec, where)
            values["id"] = claim_id(values, where)
            _prefixed(where, store.check_endpoint_route_free, values["method"], values["route"], routes)
            routes.add((values["method"], values["route"]))
            new_endpoints[values["id"]] = store.endpoint_record(values, ts, len(store.endpoints) + len(new_endpoints))

        new_groups = []          # group records
        batch_by_name = {}

        def resolve_group(ref, where):
            if isinstance(ref, str) and ID_RE.match(ref):
                rid = ref.lower()
                if rid in store.groups or any(g["id"] == rid for g in new_groups):
                    return rid
            matches = batch_by_name.get(ref)
            if matches:
                if len(matches) > 1:
                    raise validation_error('%s: group name "%s" is ambiguous' % (where, ref))
                return matches[0]
            found = [g["id"] for g in store.groups.values() if g["name"] == ref]
            if len(found) > 1:
                raise validation_error('%s: group name "%s" is ambiguous' % (where, ref))
            if not found:
                raise validation_error('%s: no experience group named "%s"' % (where, ref))
            return found[0]

        for i, spec in enumerate(group_specs):
            where = "experienceGroups[%d]" % i
            values = _prefixed(where, validate_body, spec, SEED_GROUP_FIELDS, ("name",), where)
            if "parentName" in values and "parentId" in values:
                raise validation_error("%s: give parentName or parentId, not both" % where)
            parent = values.pop("parentId", None)
            if "parentName" in values:
                parent = resolve_group(values.pop("parentName"), where + ".parentName")
            elif parent is not None:
                parent = resolve_group(parent, where + ".parentId")
            _prefixed(where, store.check_group_grants, values, new_devices, new_endpoints)
            g = store.new_group_record(claim_id(values, where), values.get("creationDate", ts))
            values.pop("id", None)
            values.pop("creationDate", None)
            g["lastUpdated"] = values.pop("lastUpdated", g["creationDate"])
            store.apply_group_fields(g, values)
            g["parentId"] = parent
            new_groups.append(g)
            batch_by_name.setdefault(g["name"], []).append(g["id"])

        new_users = []           # (record, group ids)
        emails = set()
        name_cache = {}
        for i, spec in enumerate(user_specs):
            where = "experienceUsers[%d]" % i
            values = _prefixed(where, validate_body, spec, SEED_USER_FIELDS, ("email",), where)
            lower = values["email"].lower()
            if lower in emails or lower in store.email_index:
                raise email_taken(values["email"])
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
            store.apply_user_fields(u, values, ts)
            if password is not None:
                store.set_password(u, password)
                u.setdefault("passwordLastUpdated", ts)
            new_users.append((u, gids))

        # everything validated: apply
        store.devices.update(new_devices)
        store.endpoints.update(new_endpoints)
        for g in new_groups:
            store.groups[g["id"]] = g
        for u, gids in new_users:
            store.users[u["id"]] = u
            store.email_index[u["email"].lower()] = u["id"]
            for gid in gids:
                store.link(gid, u["id"])
        store.generation += 1
        return {
            "devices": [{"id": d["id"], "name": d["name"]} for d in new_devices.values()],
            "experienceEndpoints": [{"id": e["id"], "method": e["method"], "route": e["route"]}
                                    for e in new_endpoints.values()],
            "experienceGroups": [{"id": g["id"], "name": g["name"]} for g in new_groups],
            "experienceUsers": [{"id": u["id"], "email": u["email"]} for u, unused_gids in new_users],
        }
