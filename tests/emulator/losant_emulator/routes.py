"""Route tables: method + path template -> handler.

``API_ROUTES`` is the Losant API this emulator serves; each row names the
scope a token needs, the status of a success and the store call that answers.
Adding an endpoint is one row here plus the ``Store`` methods it calls
(``api.py`` does the checks every route shares). The test hooks use the same
table type (``hooks.py``).
"""

import re
from collections import namedtuple

# scope: the fine-grained token scope the route needs (None for test hooks).
# handler(target, call): the answer's JSON body; target is the Store for API
# routes and the Emulator for test hooks.
Route = namedtuple("Route", "method template scope status handler")

# What a handler gets: path parameters (ids lower-cased for API routes), the
# query parameters (first value of each) and the decoded JSON body (None for
# methods without one).
Call = namedtuple("Call", "ids query body")

_PATH_PARAM_RE = re.compile(r"\{(\w+)\}")


def _path_regex(template):
    """``/a/{x}/b`` -> ``^/a/(?P<x>[^/]+)/b/?$`` (one trailing slash allowed)."""
    pattern, pos = "^", 0
    for m in _PATH_PARAM_RE.finditer(template):
        pattern += re.escape(template[pos:m.start()]) + "(?P<%s>[^/]+)" % m.group(1)
        pos = m.end()
    return re.compile(pattern + re.escape(template[pos:]) + "/?$")


def flat_params(params):
    """Query parameters as handlers see them: the first value of each."""
    return dict((k, v[0]) for k, v in params.items())


class RouteTable:
    def __init__(self, routes):
        self.routes = list(routes)
        # one (regex, routes) pair per template, in table order
        self._paths = []
        by_template = {}
        for route in self.routes:
            if route.template not in by_template:
                by_template[route.template] = []
                self._paths.append((_path_regex(route.template), by_template[route.template]))
            by_template[route.template].append(route)

    def find(self, method, path):
        """``(route, path parameters, methods allowed on the path)``.

        ``route`` is None when the path is known but not the method (``allowed``
        lists the methods, in table order), or when no template matches the path
        (``allowed`` is empty).
        """
        for regex, routes in self._paths:
            m = regex.match(path)
            if m:
                allowed = tuple(route.method for route in routes)
                for route in routes:
                    if route.method == method:
                        return route, m.groupdict(), allowed
                return None, m.groupdict(), allowed
        return None, {}, ()


USERS = "/applications/{applicationId}/experience/users"
USER = USERS + "/{experienceUserId}"
GROUPS = "/applications/{applicationId}/experience/groups"
GROUP = GROUPS + "/{experienceGroupId}"
DEVICES = "/applications/{applicationId}/devices"
ENDPOINTS = "/applications/{applicationId}/experience/endpoints"

APPLICATIONS = "/applications"

API_ROUTES = RouteTable([
    # Answered by applications.Applications.listing (api.py): it takes no application id.
    Route("GET", APPLICATIONS, "applications.get", 200, None),
    Route("GET", USERS, "experienceUsers.get", 200, lambda store, call: store.list_users(call.query)),
    Route("POST", USERS, "experienceUsers.post", 201, lambda store, call: store.create_user(call.body)),
    Route("GET", USER, "experienceUser.get", 200,
          lambda store, call: store.get_user(call.ids["experienceUserId"])),
    Route("PATCH", USER, "experienceUser.patch", 200,
          lambda store, call: store.patch_user(call.ids["experienceUserId"], call.body)),
    Route("DELETE", USER, "experienceUser.delete", 200,
          lambda store, call: store.delete_user(call.ids["experienceUserId"])),
    Route("GET", GROUPS, "experienceGroups.get", 200, lambda store, call: store.list_groups(call.query)),
    Route("POST", GROUPS, "experienceGroups.post", 201, lambda store, call: store.create_group(call.body)),
    Route("GET", GROUP, "experienceGroup.get", 200,
          lambda store, call: store.get_group(call.ids["experienceGroupId"])),
    Route("PATCH", GROUP, "experienceGroup.patch", 200,
          lambda store, call: store.patch_group(call.ids["experienceGroupId"], call.body)),
    Route("DELETE", GROUP, "experienceGroup.delete", 200,
          lambda store, call: store.delete_group(call.ids["experienceGroupId"])),
    Route("GET", DEVICES, "devices.get", 200, lambda store, call: store.list_devices(call.query)),
    Route("GET", ENDPOINTS, "experienceEndpoints.get", 200,
          lambda store, call: store.list_experience_endpoints(call.query)),
])
