"""Applications: the emulator serves one or more, each with a store of its own,
and answers ``GET /applications`` with those the request's token may see.

A token is an application token (it reaches its own application: the
emulator's first one, or those it names) unless it has a user or organization
scope, which reaches every application (or those it names). Only a user or
organization token may list applications, as in Losant."""

import threading

from .bodies import ID_RE
from .errors import ApiError, validation_error
from .listing import glob_regex, parse_list_params, sort_and_page
from .timestamps import now_ts

# The scopes GET /applications accepts (../shared/losant-api/NOTES.md, "Applications").
LIST_SCOPES = frozenset([
    "all.Organization", "all.Organization.read", "all.User", "all.User.cli", "all.User.read",
    "applications.*", "applications.get",
])
ACCOUNT_SCOPES = LIST_SCOPES | frozenset(["all.Organization.bounded", "all.User.bounded"])
APP_SORT_FIELDS = ("name", "id", "creationDate", "ownerId", "lastUpdated")
APP_FILTER_FIELDS = ("name",)
EVERY = "*"
OWNER_USER_ID = "5a0000000000000000000001"


def token_reach(token_specs, tokens, first_application_id):
    """{token: frozenset of application ids, or EVERY} from the emulator's token specs and their
    scopes (``tokens``, auth.token_table's): a token of a spec that names no "applications" reaches
    the first application, or, with a user or organization scope, every application; a spec
    {"scopes": [...], "applications": [ids] or "*"} reaches those."""
    reach = {}
    for token, spec in token_specs.items():
        named = spec.get("applications") if isinstance(spec, dict) else None
        if named == EVERY or (named is None and tokens[token] & ACCOUNT_SCOPES):
            reach[token] = EVERY
        else:
            reach[token] = frozenset(i.lower() for i in (named or [first_application_id]))
    return reach


class Application:
    """One application: what GET /applications says of it, and its store."""

    def __init__(self, application_id, store, name, owner_type="user", owner_id=OWNER_USER_ID,
                 organization_name=None, description="", globals_=()):
        if owner_type not in ("user", "organization"):
            raise validation_error("ownerType must be user or organization")
        self.id = application_id
        self.store = store
        self.name = name
        self.owner_type = owner_type
        self.owner_id = owner_id
        self.organization_name = organization_name
        self.description = description
        self.globals = [dict(g) for g in globals_]
        self.created = now_ts()

    def render(self):
        with self.store.lock:
            summary = {
                "experienceUserCount": len(self.store.users),
                "experienceGroupCount": len(self.store.groups),
                "deviceCount": len(self.store.devices),
                "experienceEndpointCount": len(self.store.endpoints),
            }
        out = {
            "id": self.id,
            "applicationId": self.id,
            "creationDate": self.created,
            "lastUpdated": self.created,
            "ownerId": self.owner_id,
            "ownerType": self.owner_type,
            "name": self.name,
            "description": self.description,
            "endpointSlug": self.id,
            "globals": [dict(g) for g in self.globals],
            "summary": summary,
        }
        if self.organization_name is not None:
            out["organizationName"] = self.organization_name
        return out


class Applications:
    """Every application the emulator serves, the first one first."""

    def __init__(self, first):
        self.first = first
        self.lock = threading.Lock()
        self.by_id = {first.id: first}

    def add(self, application):
        with self.lock:
            if application.id in self.by_id:
                raise validation_error("application %s already exists" % application.id)
            self.by_id[application.id] = application
        return application

    def drop_all_but_first(self):
        with self.lock:
            self.by_id = {self.first.id: self.first}

    def store_for(self, application_id, reach):
        """The store of an application the token reaches; 404 as Losant answers otherwise."""
        application = self.by_id.get(application_id)
        if application is None or (reach != EVERY and application_id not in reach):
            raise ApiError(404, "NotFound", "Application was not found")
        return application.store

    def listing(self, params, scopes, reach, page_cap):
        """The answer to GET /applications (applications.json)."""
        if not scopes & LIST_SCOPES:
            raise ApiError(403, "Forbidden", "Token lacks the required scope applications.get "
                                             "(a user or organization API token) for GET")
        opts = parse_list_params(params, APP_SORT_FIELDS, "name", APP_FILTER_FIELDS, page_cap)
        with self.lock:
            apps = [app for app in self.by_id.values() if reach == EVERY or app.id in reach]
        org_id = params.get("orgId")
        if org_id is not None:
            if org_id == "":
                apps = [app for app in apps if app.owner_type == "user"]
            elif not ID_RE.match(org_id):
                raise validation_error("orgId must be a 24 character hex id")
            else:
                apps = [app for app in apps if app.owner_type == "organization" and app.owner_id == org_id.lower()]
        echo = {}
        if opts["filterField"] and opts["filter"]:
            rx = glob_regex(opts["filter"])
            apps = [app for app in apps if rx.match(app.name)]
            echo = {"filterField": opts["filterField"], "filter": opts["filter"]}
        records = [app.render() for app in apps]
        items = sort_and_page(records, opts)
        out = {"items": items, "count": len(items), "totalCount": len(records), "perPage": opts["perPage"],
               "page": opts["page"], "sortField": opts["sortField"], "sortDirection": opts["sortDirection"]}
        out.update(echo)
        return out
