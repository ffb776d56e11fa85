"""The Losant API over the store: what every route shares, in Losant's order
of checks (path, method, token, application id, scope, resource id, body),
then the route's store call. The HTTP plumbing is in ``transport.py``."""

import json
import traceback

from .auth import authenticate, require_scope
from .bodies import ID_RE
from .errors import ApiError, not_found, validation_error
from .routes import API_ROUTES, Call, flat_params


class LosantApi:
    """Answers Losant requests for the ``applications`` (applications.Applications).

    ``tokens`` maps a token to its frozenset of scopes, ``reach`` to the
    applications it reaches; ``on_write`` runs after every successful change
    (the emulator saves its state file there).
    """

    def __init__(self, applications, tokens, reach, on_write=None):
        self.applications = applications
        self.tokens = tokens
        self.reach = reach
        self.on_write = on_write

    def answer(self, method, path, params, raw, headers):
        """(status, JSON body, extra headers) for one request."""
        try:
            status, obj = self._route(method, path, params, raw, headers)
            return status, obj, {}
        except ApiError as exc:
            return exc.status, exc.body(), exc.headers
        except Exception:  # a bug in the emulator: answer 500, keep serving
            traceback.print_exc()
            return 500, {"type": "InternalError", "message": "Emulator internal error"}, {}

    def _route(self, method, path, params, raw, headers):
        route, ids, allowed = API_ROUTES.find(method, path)
        if not allowed:
            raise not_found("%s %s does not exist" % (method, path))
        if route is None:
            raise ApiError(405, "MethodNotAllowed", "%s is not allowed on %s" % (method, path),
                           {"Allow": ", ".join(allowed)})
        token, scopes = authenticate(self.tokens, headers)
        reach = self.reach[token]
        if "applicationId" not in ids:  # GET /applications
            first = self.applications.first.store
            return route.status, self.applications.listing(flat_params(params), scopes, reach, first.page_cap)
        app_id = ids.pop("applicationId")
        if not ID_RE.match(app_id):
            raise validation_error("applicationId must be a 24 character hex id")
        # Losant answers a well-formed id of an application it does not know (or the token
        # does not reach) with 404 "Application was not found".
        store = self.applications.store_for(app_id.lower(), reach)
        require_scope(scopes, route.scope, method)
        for name, value in ids.items():
            if not ID_RE.match(value):
                raise validation_error("%s must be a 24 character hex id" % name)
            ids[name] = value.lower()
        result = route.handler(store, Call(ids, flat_params(params), self._body(method, raw)))
        if method != "GET" and self.on_write is not None:
            self.on_write()
        return route.status, result

    @staticmethod
    def _body(method, raw):
        if method not in ("POST", "PATCH"):
            return None
        if not raw.strip():
            return {}
        try:
            return json.loads(raw.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            raise validation_error("Request body is not valid JSON")
