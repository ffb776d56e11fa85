"""The model: experience users and groups of one application, their membership,
how the API renders them, and the whole-state operations (reset, state,
snapshot / load for the state file, seed). Devices and experience endpoints,
which groups grant, are in access.py.

Membership is stored once, on the group (``record["members"]``); the
per-user index ``user_groups`` is derived from it, so users and groups always
agree.
"""

import hashlib
import itertools
import json
import os
import threading
import time

from .access import AccessStore
from .bodies import GROUP_FIELDS, ID_RE, USER_FIELDS, validate_body
from .errors import email_taken, not_found, validation_error
from .listing import (GROUP_FILTER_FIELDS, GROUP_SORT_FIELDS, MAX_PER_PAGE, TRUE_STRINGS, USER_FILTER_FIELDS,
                      USER_SORT_FIELDS, page_envelope, param, parse_list_params, select, sort_records)
from .seeding import seed_store
from .timestamps import now_ts, ts_after

STATE_FORMAT = "losant-emulator-state"
STATE_VERSION = 1


def check_page_cap(page_cap):
    if isinstance(page_cap, bool) or not isinstance(page_cap, int) or not 1 <= page_cap <= MAX_PER_PAGE:
        raise ValueError("page cap must be an integer from 1 to %d" % MAX_PER_PAGE)
    return page_cap


def hash_password(password, salt=None):
    """(salt, salted SHA-256): what the store keeps instead of a password."""
    if salt is None:
        salt = os.urandom(16).hex()
    digest = hashlib.sha256((salt + ":" + password).encode("utf-8")).hexdigest()
    return salt, digest


class Store(AccessStore):
    """Experience users and groups, devices and experience endpoints of one application (thread-safe)."""

    def __init__(self, application_id, page_cap=MAX_PER_PAGE):
        self.application_id = application_id
        self.lock = threading.RLock()
        self.generation = 0
        # The most items a list page holds, whatever perPage asks (see set_page_cap).
        self.page_cap = check_page_cap(page_cap)
        # Ids like Losant's (MongoDB ObjectIds): creation second, a random part, a counter.
        self._id_random = os.urandom(5).hex()
        self._id_counter = itertools.count(int.from_bytes(os.urandom(3), "big"))
        # (generation, selection and sort) -> sorted records, so that paging through
        # 100,000 users does not sort them again for every page.
        self._selections = {}
        self._clear()

    def set_page_cap(self, page_cap):
        with self.lock:
            self.page_cap = check_page_cap(page_cap)

    def _clear(self):
        self.users = {}         # id -> record
        self.email_index = {}   # lower-cased email -> id
        self.groups = {}        # id -> record; record["members"]: {userId: None}
        self.user_groups = {}   # derived index: userId -> {groupId: None}
        self._clear_access()
        self.generation += 1

    # -- ids / membership ------------------------------------------------------

    def new_id(self):
        """A new id that sorts after the ids made before it (within one second, by its counter)."""
        while True:
            candidate = "%08x%s%06x" % (int(time.time()) & 0xFFFFFFFF, self._id_random,
                                        next(self._id_counter) & 0xFFFFFF)
            if candidate not in self.users and candidate not in self.groups \
                    and candidate not in self.devices and candidate not in self.endpoints:
                return candidate

    # -- listings --------------------------------------------------------------------

    def list_options(self, params, sort_fields, default_sort, filter_fields):
        """A list request's parameters, checked, with this store's page cap applied."""
        return parse_list_params(params, sort_fields, default_sort, filter_fields, self.page_cap)

    def sorted_selection(self, kind, opts, extra_key, choose):
        """``choose()`` -> (records, echo), sorted as ``opts`` says; kept until the next change.

        ``extra_key`` holds whatever else ``choose`` depends on. Call with the lock held.
        """
        key = (kind, self.generation, json.dumps(opts["query"], sort_keys=True), opts["filterField"],
               opts["filter"], opts["sortField"], opts["sortDirection"], extra_key)
        found = self._selections.get(key)
        if found is None:
            if any(old[1] != self.generation for old in self._selections):
                self._selections = {}
            records, echo = choose()
            found = (sort_records(records, opts), echo)
            self._selections[key] = found
        return found[0], dict(found[1])

    def link(self, group_id, user_id):
        self.groups[group_id]["members"][user_id] = None
        self.user_groups.setdefault(user_id, {})[group_id] = None

    def unlink(self, group_id, user_id):
        self.groups[group_id]["members"].pop(user_id, None)
        links = self.user_groups.get(user_id)
        if links is not None:
            links.pop(group_id, None)

    def _set_user_groups(self, user_id, group_ids):
        for gid in list(self.user_groups.get(user_id, {})):
            if gid not in group_ids:
                self.unlink(gid, user_id)
        for gid in group_ids:
            self.link(gid, user_id)

    def _set_group_members(self, group_id, user_ids):
        members = self.groups[group_id]["members"]
        for uid in list(members):
            self.user_groups.get(uid, {}).pop(group_id, None)
        members.clear()
        for uid in user_ids:
            self.link(group_id, uid)

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
        """Ids of every group below ``group_id``."""
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
                raise validation_error("%s: experience group %s does not exist" % (field, gid))

    def _require_users(self, field, ids):
        for uid in ids:
            if uid not in self.users:
                raise validation_error("%s: experience user %s does not exist" % (field, uid))

    def _check_email_free(self, email, own_id=None):
        holder = self.email_index.get(email.lower())
        if holder is not None and holder != own_id:
            raise email_taken(email)

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
        out["directDeviceCount"], out["totalDeviceCount"] = self.device_counts(gid)
        return out

    # -- users -----------------------------------------------------------------------

    def get_user(self, user_id):
        with self.lock:
            u = self.users.get(user_id)
            if u is None:
                raise not_found("Experience User was not found")
            return self.render_user(u)

    def apply_user_fields(self, u, values, ts):
        for key in ("email", "firstName", "lastName", "tokenCutoff"):
            if key in values:
                u[key] = values[key]
        if "userTags" in values:
            u["userTags"] = dict(values["userTags"])
        if "password" in values:
            self.set_password(u, values["password"])
            u["passwordLastUpdated"] = ts

    @staticmethod
    def set_password(u, password):
        u["passwordSalt"], u["passwordHash"] = hash_password(password)

    def create_user(self, body):
        values = validate_body(body, USER_FIELDS, ("email", "password"), "experienceUser")
        with self.lock:
            self._check_email_free(values["email"])
            group_ids = values.get("experienceGroupIds", [])
            self._require_groups("experienceGroupIds", group_ids)
            ts = now_ts()
            u = {"id": self.new_id(), "creationDate": ts, "lastUpdated": ts, "userTags": {}}
            self.apply_user_fields(u, values, ts)
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
                raise not_found("Experience User was not found")
            if "email" in values:
                self._check_email_free(values["email"], user_id)
            if "experienceGroupIds" in values:
                self._require_groups("experienceGroupIds", values["experienceGroupIds"])
            ts = ts_after(u["lastUpdated"])
            old_email = u["email"]
            self.apply_user_fields(u, values, ts)
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
                raise not_found("Experience User was not found")
            for gid in list(self.user_groups.get(user_id, ())):
                self.unlink(gid, user_id)
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
        opts = self.list_options(params, USER_SORT_FIELDS, "email", USER_FILTER_FIELDS)
        group_param = param(params, "experienceGroupId")
        include_ancestors = (param(params, "includeAncestorGroups") or "").lower() in TRUE_STRINGS
        if group_param is not None and group_param not in ("any", "none") \
                and not ID_RE.match(group_param):
            raise validation_error("experienceGroupId must be an id, 'any' or 'none'")
        with self.lock:
            records, echo = self.sorted_selection(
                "users", opts, (group_param, include_ancestors),
                lambda: self._select_users(opts, group_param, include_ancestors))
            return page_envelope(records, opts, self.render_user, echo, self.application_id, presorted=True)

    def _select_users(self, opts, group_param, include_ancestors):
        echo = {}
        records, by_query = select(list(self.users.values()), opts, self._user_query_fields(),
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
        return records, echo

    # -- groups ------------------------------------------------------------------

    def get_group(self, group_id):
        with self.lock:
            g = self.groups.get(group_id)
            if g is None:
                raise not_found("Experience Group was not found")
            return self.render_group(g)

    def _check_parent(self, group_id, parent_id):
        if parent_id is None:
            return
        if parent_id not in self.groups:
            raise validation_error("parentId: experience group %s does not exist" % parent_id)
        if group_id is None:
            return
        if parent_id == group_id or group_id in self.ancestors(parent_id):
            raise validation_error("parentId: a group cannot be its own ancestor (cycle)")

    def apply_group_fields(self, g, values):
        for key in ("name", "description", "deviceQueryJson", "parentId"):
            if key in values:
                g[key] = values[key]
        if "groupTags" in values:
            g["groupTags"] = dict(values["groupTags"])
        for key in ("deviceIds", "experienceEndpointIds", "deviceTags"):
            if key in values:
                g[key] = list(values[key])

    def new_group_record(self, gid, ts):
        return {"id": gid, "creationDate": ts, "lastUpdated": ts, "name": None,
                "parentId": None, "groupTags": {}, "members": {}, "deviceIds": [],
                "deviceTags": [], "experienceEndpointIds": [], "deviceQueryJson": None}

    def create_group(self, body):
        values = validate_body(body, GROUP_FIELDS, ("name",), "experienceGroup")
        with self.lock:
            self._check_parent(None, values.get("parentId"))
            self.check_group_grants(values)
            user_ids = values.get("experienceUserIds", [])
            self._require_users("experienceUserIds", user_ids)
            g = self.new_group_record(self.new_id(), now_ts())
            self.apply_group_fields(g, values)
            self.groups[g["id"]] = g
            self._set_group_members(g["id"], user_ids)
            self.generation += 1
            return self.render_group(g)

    def patch_group(self, group_id, body):
        values = validate_body(body, GROUP_FIELDS, (), "experienceGroup")
        with self.lock:
            g = self.groups.get(group_id)
            if g is None:
                raise not_found("Experience Group was not found")
            if "parentId" in values:
                self._check_parent(group_id, values["parentId"])
            self.check_group_grants(values)
            if "experienceUserIds" in values:
                self._require_users("experienceUserIds", values["experienceUserIds"])
            self.apply_group_fields(g, values)
            g["lastUpdated"] = ts_after(g["lastUpdated"])
            if "experienceUserIds" in values:
                self._set_group_members(group_id, values["experienceUserIds"])
            self.generation += 1
            return self.render_group(g)

    def delete_group(self, group_id):
        with self.lock:
            g = self.groups.get(group_id)
            if g is None:
                raise not_found("Experience Group was not found")
            for uid in list(g["members"]):
                self.unlink(group_id, uid)
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
        opts = self.list_options(params, GROUP_SORT_FIELDS, "name", GROUP_FILTER_FIELDS)
        with self.lock:
            records, echo = self.sorted_selection("groups", opts, None, lambda: self._select_groups(opts))
            return page_envelope(records, opts, self.render_group, echo, self.application_id, presorted=True)

    def _select_groups(self, opts):
        echo = {}
        records = select(list(self.groups.values()), opts, self._group_query_fields(), "experience group", echo)[0]
        return records, echo

    # -- whole-state operations ----------------------------------------------------

    def reset(self):
        with self.lock:
            self._clear()

    def state(self):
        with self.lock:
            return {
                "experienceUsers": [self.render_user(u) for u in self.users.values()],
                "experienceGroups": [self.render_group(g) for g in self.groups.values()],
                "devices": [self.render_device(d) for d in self.devices.values()],
                "experienceEndpoints": [self.render_endpoint(e) for e in self.endpoints.values()],
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
                "devices": [dict(d) for d in self.devices.values()],
                "experienceEndpoints": [dict(e) for e in self.endpoints.values()],
            }

    def load(self, data):
        if not isinstance(data, dict) or data.get("format") != STATE_FORMAT:
            raise ValueError("not a losant emulator state file")
        with self.lock:
            self._clear()
            for rec in data.get("devices", []):
                self.devices[rec["id"]] = dict(rec)
            for rec in data.get("experienceEndpoints", []):
                self.endpoints[rec["id"]] = dict(rec)
            for rec in data.get("experienceUsers", []):
                u = dict(rec)
                u.setdefault("userTags", {})
                u["email"] = u["email"].lower()  # a state file of an emulator that kept the case
                self.users[u["id"]] = u
                self.email_index[u["email"].lower()] = u["id"]
            for rec in data.get("experienceGroups", []):
                g = self.new_group_record(rec["id"], rec.get("creationDate") or now_ts())
                for k, v in rec.items():
                    if k != "experienceUserIds":
                        g[k] = v
                self.groups[g["id"]] = g
            for rec in data.get("experienceGroups", []):
                for uid in rec.get("experienceUserIds", []):
                    if uid in self.users:
                        self.link(rec["id"], uid)
            self.generation += 1

    def seed(self, data):
        """Insert devices, endpoints, groups and users in bulk (see seeding.py); all or nothing."""
        return seed_store(self, data)
