"""The ``Emulator``: one application's store, tokens, request log and fault
rules behind an HTTP server, started in a background thread."""

import selectors
import socket
import ssl
import threading
import time

from .api import LosantApi
from .applications import Application, Applications, token_reach
from .auth import DEFAULT_TOKENS, token_table
from .bodies import ID_RE
from .errors import ApiError, validation_error
from .faults import MALFORMED_BODY, Faults, status_fault_answer
from .hooks import answer_hook
from .listing import MAX_PER_PAGE
from .persistence import StateFile
from .request_log import RequestLog
from .store import Store
from .transport import EmulatorServer, RequestHandler

DEFAULT_APPLICATION_ID = "5f6a7b8c9d0e1f2a3b4c5d6e"
FIRST_APPLICATION_NAME = "Emulated application"


class Emulator:
    """The Losant API emulator (see README.md next to this package).

    ``with Emulator() as emu:`` starts it on a free port of 127.0.0.1;
    ``emu.url`` is its address. ``hooks=False`` serves no ``/_emulator`` hooks:
    those paths answer as any unknown Losant path does (the in-process helpers
    still work).
    """

    def __init__(self, application_id=DEFAULT_APPLICATION_ID, tokens=None, host="127.0.0.1",
                 port=0, state_file=None, tls_cert=None, tls_key=None, verbose=False,
                 page_cap=MAX_PER_PAGE, latency=0.0, hooks=True):
        if not isinstance(application_id, str) or not ID_RE.match(application_id):
            raise ValueError("application_id must be 24 hex characters")
        self.application_id = application_id.lower()
        token_specs = DEFAULT_TOKENS if tokens is None else tokens
        self.tokens = token_table(token_specs)
        self.host = host
        self.port = port
        self.state_file = state_file
        self.tls_cert = tls_cert
        self.tls_key = tls_key
        self.verbose = verbose
        self.hooks = bool(hooks)
        self.store = Store(self.application_id, page_cap)
        try:
            self.faults = Faults(latency)
        except ApiError as exc:
            raise ValueError(exc.message)
        self.log = RequestLog()
        self.applications = Applications(Application(self.application_id, self.store, FIRST_APPLICATION_NAME))
        self.api = LosantApi(self.applications, self.tokens, token_reach(token_specs, self.tokens, self.application_id),
                             on_write=self.save)
        self._conns = set()
        self._conns_lock = threading.Lock()
        self._server = None
        self._thread = None
        self._stopping = None
        self._wake = None
        self._state_file = None
        if state_file:
            self._state_file = StateFile(state_file, self.store)
            self._state_file.load_if_present()

    # -- lifecycle ---------------------------------------------------------------

    def start(self):
        if self._server is not None:
            return self
        family = socket.AF_INET6 if ":" in (self.host or "") else socket.AF_INET
        server = EmulatorServer((self.host, self.port), RequestHandler, self, family)
        if self.tls_cert:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(self.tls_cert, self.tls_key or None)
            server.socket = ctx.wrap_socket(server.socket, server_side=True,
                                            do_handshake_on_connect=False)
        self._server = server
        self.port = server.server_address[1]
        self._stopping = threading.Event()
        self._wake = socket.socketpair()
        self._thread = threading.Thread(target=self._serve_loop, args=(server, self._wake[0]),
                                        name="losant-emulator", daemon=True)
        self._thread.start()
        return self

    def _serve_loop(self, server, wake):
        # like serve_forever(), but stop() wakes it at once instead of polling
        selector = selectors.DefaultSelector()
        selector.register(server, selectors.EVENT_READ)
        selector.register(wake, selectors.EVENT_READ)
        try:
            while not self._stopping.is_set():
                for key, unused_events in selector.select(1.0):
                    if key.fileobj is server and not self._stopping.is_set():
                        server._handle_request_noblock()
                server.service_actions()
        finally:
            selector.close()

    def stop(self):
        server = self._server
        if server is None:
            return
        self._stopping.set()
        try:
            self._wake[1].send(b"x")
        except OSError:
            pass
        self._thread.join(5)
        server.server_close()
        for sock in self._wake:
            sock.close()
        with self._conns_lock:
            conns = list(self._conns)
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._server = None
        self._thread = None
        self.save()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    @property
    def url(self):
        scheme = "https" if self.tls_cert else "http"
        host = self.host or "127.0.0.1"
        if host in ("0.0.0.0", ""):
            host = "127.0.0.1"
        elif host == "::":
            host = "::1"
        if ":" in host:
            host = "[%s]" % host
        return "%s://%s:%d" % (scheme, host, self.port)

    def track_connection(self, conn, add):
        """Open connections, shut down by stop() so that keep-alive clients see the end."""
        with self._conns_lock:
            if add:
                self._conns.add(conn)
            else:
                self._conns.discard(conn)

    def save(self):
        """Write the state file (atomically) if anything changed since the last save."""
        if self._state_file is not None:
            self._state_file.save()

    # -- in-process helpers (same code paths as the /_emulator hooks) ---------------

    @property
    def state(self):
        return self.store.state()

    def reset(self):
        self.store.reset()
        self.applications.drop_all_but_first()
        self.faults.clear()
        self.log.clear()
        self.save()

    def seed(self, data):
        """Seed the first application; ``applications`` in ``data`` adds applications, each with
        its own seed (name, ownerType, ownerId, organizationName, description, globals, and the
        experienceUsers, experienceGroups, devices and experienceEndpoints of a seed)."""
        if isinstance(data, dict) and "applications" in data:
            data = dict(data)
            specs = data.pop("applications")
            if not isinstance(specs, list):
                raise validation_error("applications must be a list")
            added = [self._seed_application(i, spec) for i, spec in enumerate(specs)]
            result = self.store.seed(data) if data else {}
            result = dict(result, applications=added)
        else:
            result = self.store.seed(data)
        self.save()
        return result

    def add_application(self, name, application_id=None, **details):
        """Serve one more application (an empty store); returns it (``.id``, ``.store``)."""
        store = Store(application_id or self.store.new_id(), self.store.page_cap)
        return self.applications.add(Application(store.application_id, store, name, **details))

    def _seed_application(self, index, spec):
        where = "applications[%d]" % index
        if not isinstance(spec, dict) or not isinstance(spec.get("name"), str) or not spec["name"]:
            raise validation_error("%s.name must be a non-empty string" % where)
        spec = dict(spec)
        app_id = spec.pop("id", None)
        if app_id is not None and (not isinstance(app_id, str) or not ID_RE.match(app_id)):
            raise validation_error("%s.id must be a 24 character hex id" % where)
        details = dict((key, spec.pop(name)) for name, key in (
            ("ownerType", "owner_type"), ("ownerId", "owner_id"), ("organizationName", "organization_name"),
            ("description", "description"), ("globals", "globals_")) if name in spec)
        application = self.add_application(spec.pop("name"), app_id and app_id.lower(), **details)
        seeded = application.store.seed(spec) if spec else {}
        return dict(seeded, id=application.id, name=application.name)

    def set_faults(self, spec):
        self.faults.configure(spec)
        return self.faults.describe()

    def clear_faults(self):
        self.faults.clear()

    @property
    def settings(self):
        """How this emulator serves, beyond faults: ``pageCap``, the most items a list page holds."""
        return {"pageCap": self.store.page_cap}

    def set_settings(self, spec):
        if not isinstance(spec, dict):
            raise validation_error("settings body must be a JSON object")
        for key in spec:
            if key != "pageCap":
                raise validation_error('"%s" is not an allowed property of the settings body' % key)
        if "pageCap" in spec:
            try:
                for application in list(self.applications.by_id.values()):
                    application.store.set_page_cap(spec["pageCap"])
            except ValueError as exc:
                raise validation_error("pageCap: %s" % exc)
        return self.settings

    def requests(self, since=0):
        return self.log.since(since)

    def clear_requests(self):
        self.log.clear()

    # -- serving -----------------------------------------------------------------------

    def answer_hook(self, method, path, params, raw):
        return answer_hook(self, method, path, params, raw)

    def serve_api(self, handler, method, path, params, raw):
        """Log one Losant request, apply the fault rule that fires (if any), answer."""
        entry = self.log.start(method, path, params, raw, handler.headers.get("Accept-Version"))
        latency, rule = self.faults.pick(method, path)
        if latency:
            time.sleep(latency)
        action = rule["action"] if rule else None
        self.log.note_fault(entry, action)
        if action in ("drop", "reset"):
            self.log.finish(entry, 0, None)
            if action == "drop":
                handler.drop()
            else:
                handler.reset()
            return
        if action in ("status", "rate_limit"):
            status, payload, ctype, headers, logged = status_fault_answer(rule)
            self.log.finish(entry, status, logged)
            handler.send_bytes(status, payload, ctype, headers)
            return
        if action == "delay":
            time.sleep(rule["delay"])
        if action == "ignore_query":
            params = dict((k, v) for k, v in params.items() if k not in rule["params"])
        status, obj, headers = self.api.answer(method, path, params, raw, handler.headers)
        if action == "delay_after":
            # A write that lands but whose answer comes late: the client may have
            # hung up by then, which send_json survives.
            time.sleep(rule["delay"])
        if action == "drop_after":
            self.log.finish(entry, 0, None)
            handler.drop()
            return
        if action == "malformed":
            self.log.finish(entry, 200, None)
            handler.send_bytes(200, MALFORMED_BODY, "application/json")
            return
        if action == "empty":
            self.log.finish(entry, 200, None)
            handler.send_bytes(200, b"", "application/json")
            return
        self.log.finish(entry, status, obj)
        handler.send_json(status, obj, headers)
