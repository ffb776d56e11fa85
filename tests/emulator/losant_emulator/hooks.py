"""The test hooks under ``/_emulator/``: no auth, never logged, never faulted.

Each hook calls the same ``Emulator`` method that Python callers use
(``emu.requests()``, ``emu.reset()``, ``emu.seed()``, ...), so both ways
behave alike.
"""

import json
import re

from .errors import ApiError, not_found, validation_error
from .routes import Call, Route, RouteTable, flat_params


def _read_requests(emu, call):
    since = call.query.get("since") or "0"
    if not re.match(r"^\d+$", since):
        raise validation_error("since must be a non-negative integer")
    return emu.requests(int(since))


def _clear_requests(emu, call):
    emu.clear_requests()
    return {"success": True}


def _reset(emu, call):
    emu.reset()
    return {"success": True}


def _state(emu, call):
    return emu.state


def _seed(emu, call):
    return emu.seed(call.body if call.body is not None else {})


def _read_faults(emu, call):
    return emu.faults.describe()


def _set_faults(emu, call):
    return emu.set_faults(call.body if call.body is not None else {})


def _clear_faults(emu, call):
    emu.clear_faults()
    return emu.faults.describe()


def _read_settings(emu, call):
    return emu.settings


def _set_settings(emu, call):
    return emu.set_settings(call.body if call.body is not None else {})


def _info(emu, call):
    with emu.store.lock:
        counts = (len(emu.store.users), len(emu.store.groups))
    return {"applicationId": emu.application_id, "url": emu.url,
            "experienceUsers": counts[0], "experienceGroups": counts[1]}


HOOK_ROUTES = RouteTable([
    Route("GET", "/_emulator/requests", None, 200, _read_requests),
    Route("DELETE", "/_emulator/requests", None, 200, _clear_requests),
    Route("POST", "/_emulator/reset", None, 200, _reset),
    Route("GET", "/_emulator/state", None, 200, _state),
    Route("POST", "/_emulator/seed", None, 200, _seed),
    Route("GET", "/_emulator/faults", None, 200, _read_faults),
    Route("PUT", "/_emulator/faults", None, 200, _set_faults),
    Route("DELETE", "/_emulator/faults", None, 200, _clear_faults),
    Route("GET", "/_emulator/settings", None, 200, _read_settings),
    Route("PUT", "/_emulator/settings", None, 200, _set_settings),
    Route("GET", "/_emulator/info", None, 200, _info),
])


def answer_hook(emu, method, path, params, raw):
    """(status, JSON body) of one hook request."""
    path = path.rstrip("/")
    try:
        body = None
        if raw:
            try:
                body = json.loads(raw.decode("utf-8"))
            except (ValueError, UnicodeDecodeError):
                raise validation_error("body is not valid JSON")
        route, ids, allowed = HOOK_ROUTES.find(method, path)
        if not allowed:
            raise not_found("No emulator hook at %s" % path)
        if route is None:
            raise ApiError(405, "MethodNotAllowed", "%s is not allowed on %s (allowed: %s)"
                           % (method, path, ", ".join(allowed)))
        return route.status, route.handler(emu, Call(ids, flat_params(params), body))
    except ApiError as exc:
        return exc.status, exc.body()
