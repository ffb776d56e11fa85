"""A recording reverse proxy between the live acceptance lane and the Losant API.

    python tests/live/recording_proxy.py --upstream https://api.losant.com --record DIR \\
        [--url-file FILE] [--run-id RUNID] [--secret-file FILE] [--ca-file FILE]

It listens on a free port of 127.0.0.1, prints its URL (one line), forwards
every request to the upstream and relays the answer unchanged. On SIGTERM or
SIGINT it writes one sanitized recording of every exchange into DIR and exits.
Python: ``RecordingProxy(upstream, run_id=..., secrets=[...]).start()``.

Standard library only, Python 3.9+: it runs on a maintainer's machine against
the real API. The recording format and the redaction rules are in
tests/live/README.md.
"""

import argparse
import copy
import datetime
import http.client
import http.server
import json
import os
import re
import signal
import socket
import socketserver
import ssl
import sys
import tempfile
import threading
import time
import urllib.parse

FORMAT = 1
# Request headers sent on to the upstream (anything else, cookies included, stays here).
FORWARDED_HEADERS = ("Authorization", "Accept", "Accept-Version", "Content-Type", "User-Agent")
# Answer headers relayed to the client besides the body.
RELAYED_HEADERS = ("Content-Type", "Retry-After")
# Where an API answers with the version that served it. Losant documents none;
# its clients version requests with restify's Accept-Version, and restify answers
# with Api-Version, so that one is looked for (X-Api-Version is its older spelling).
VERSION_HEADERS = ("Api-Version", "X-Api-Version")
UPSTREAM_TIMEOUT = 60.0
# An upstream keep-alive connection idle this long is replaced before a request
# (servers drop idle connections, and a write must not be sent into a dead one).
IDLE_RECONNECT = 4.0
MIN_SECRET_LENGTH = 4

APPLICATION = "<application>"
RUN = "<run>"
SECRET = "<secret>"
PASSWORD = "<password>"
PASSWORD_TOO_SHORT = "<password:too-short>"
PASSWORD_TOO_LONG = "<password:too-long>"
PASSWORD_NOT_A_STRING = "<password:not-a-string>"
TIME = "<time>"
# Keys of the bookkeeping the sanitizer adds to answers (never Losant's own keys).
OMITTED = "omittedItems"
COUNTS_FOREIGN = "_counts_foreign"
FOREIGN = "_foreign"

ID_RE = re.compile(r"(?<![0-9A-Fa-f])[0-9A-Fa-f]{24}(?![0-9A-Fa-f])")
FULL_ID_RE = re.compile(r"^[0-9A-Fa-f]{24}$")
APP_PATH_RE = re.compile(r"^/applications/([0-9A-Fa-f]{24})(?=/|$)")
# ISO 8601 dates and date-times (Losant's 2026-12-07T01:21:21.110Z and the looser forms queries take).
TIME_RE = re.compile(r"(?<!\d)\d{4}-\d{2}-\d{2}"
                     r"(?:[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[Zz]|[+-]\d{2}:?\d{2})?)?(?!\d)")
FILE_CHAR_RE = re.compile(r"[^0-9A-Za-z._-]")
EMULATOR_SERVER = "LosantEmulator"


def _utc_date():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")


def _json_or_none(data):
    if not data:
        return None
    try:
        return json.loads(data.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None


def _query_dict(query):
    """Query parameters as the emulator's request log holds them: one value, or a list when repeated."""
    params = urllib.parse.parse_qs(query, keep_blank_values=True)
    return dict((k, v[0] if len(v) == 1 else list(v)) for k, v in params.items())


def write_atomic(path, text):
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


# -- sanitizing -------------------------------------------------------------------


def _own_strings(value):
    """The strings of a resource and of what it holds, but not of the other
    resources it embeds (a dict with an ``id``, such as a user's groups)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            if not (isinstance(item, dict) and "id" in item):
                yield from _own_strings(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            if not (isinstance(item, dict) and "id" in item):
                yield from _own_strings(item)


def carries_run(value, run_id):
    """Whether ``value`` (a resource) names the run: its run id in one of its own strings."""
    if not run_id:
        return False
    needle = run_id.lower()
    return any(needle in text.lower() for text in _own_strings(value))


def _mask_passwords(value):
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            out[key] = _password_placeholder(item) if key == "password" else _mask_passwords(item)
        return out
    if isinstance(value, list):
        return [_mask_passwords(item) for item in value]
    return value


def _password_placeholder(value):
    # Losant takes 8 to 2048 characters; an invalid one keeps its kind, so that
    # a replay sends a password Losant would refuse the same way.
    if value is None:
        return None
    if not isinstance(value, str):
        return PASSWORD_NOT_A_STRING
    if len(value) < 8:
        return PASSWORD_TOO_SHORT
    if len(value) > 2048:
        return PASSWORD_TOO_LONG
    return PASSWORD


def _resource_id(value):
    if isinstance(value, dict) and isinstance(value.get("id"), str) and FULL_ID_RE.match(value["id"]):
        return value["id"].lower()
    return None


def _walk_dicts(value):
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from _walk_dicts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk_dicts(item)


class Sanitizer:
    """Turns the raw exchanges of one run into the recording (see tests/live/README.md)."""

    def __init__(self, run_id, secrets):
        self.run_id = run_id or None
        found = set()
        for secret in secrets:
            if isinstance(secret, str) and len(secret) >= MIN_SECRET_LENGTH:
                found.add(secret)
                found.add(urllib.parse.quote(secret, safe=""))
                found.add(urllib.parse.quote_plus(secret, safe=""))
        # longest first, so that a secret holding another is replaced whole
        self.secrets = sorted((s for s in found if len(s) >= MIN_SECRET_LENGTH), key=lambda s: (-len(s), s))
        self.run_re = re.compile(re.escape(self.run_id), re.I) if self.run_id else None
        self.apps = {}
        self.run_ids = set()
        self.placeholders = {}
        self.counters = {"id": 0, "other-id": 0}

    # classification -------------------------------------------------------------

    def _classify(self, exchanges):
        counts, order = {}, []
        for ex in exchanges:
            m = APP_PATH_RE.match(ex["path"])
            if m:
                app = m.group(1).lower()
                if app not in counts:
                    order.append(app)
                counts[app] = counts.get(app, 0) + 1
        # the application the run works in is the one it calls most
        ranked = sorted(order, key=lambda a: (-counts[a], order.index(a)))
        for n, app in enumerate(ranked):
            self.apps[app] = APPLICATION if n == 0 else "<application:%d>" % (n + 1)
        for ex in exchanges:
            status = ex["status"] or 0
            if ex["method"] == "POST" and 200 <= status < 300:
                created = _resource_id(ex["response"])
                if created:
                    self.run_ids.add(created)
            for body in (ex["request"], ex["response"]):
                for found in _walk_dicts(body):
                    rid = _resource_id(found)
                    if rid and carries_run(found, self.run_id):
                        self.run_ids.add(rid)
        self.run_ids -= set(self.apps)

    def _is_run_item(self, item):
        if isinstance(item, dict):
            return carries_run(item, self.run_id) or _resource_id(item) in self.run_ids
        return carries_run(item, self.run_id)

    # structure --------------------------------------------------------------------

    def _prune_listing(self, response):
        """Drop the items that are not the run's; say how many went."""
        if not (isinstance(response, dict) and isinstance(response.get("items"), list)):
            return response
        kept = [item for item in response["items"] if self._is_run_item(item)]
        omitted = len(response["items"]) - len(kept)
        response["items"] = kept
        if omitted:
            response[OMITTED] = omitted
            response[COUNTS_FOREIGN] = True
        return response

    def _collapse_foreign(self, value):
        """A resource that is not the run's (the application itself included) keeps its id and nothing else."""
        if isinstance(value, dict):
            rid = _resource_id(value)
            if rid and rid not in self.run_ids and not carries_run(value, self.run_id):
                return {"id": value["id"], FOREIGN: True}
            out = dict((key, self._collapse_foreign(item)) for key, item in value.items())
            if _device_counts_foreign(out):
                out[COUNTS_FOREIGN] = True
            return out
        if isinstance(value, list):
            return [self._collapse_foreign(item) for item in value]
        return value

    # strings ------------------------------------------------------------------------

    def _id_placeholder(self, match):
        raw = match.group(0).lower()
        if raw in self.apps:
            return self.apps[raw]
        if raw not in self.placeholders:
            kind = "id" if raw in self.run_ids else "other-id"
            self.counters[kind] += 1
            self.placeholders[raw] = "<%s:%d>" % (kind, self.counters[kind])
        return self.placeholders[raw]

    def text(self, value, times=True):
        """``value`` sanitized; ``times=False`` keeps timestamps (a query's thresholds are the
        lane's own dates, and replacing them would change what the query selects)."""
        for secret in self.secrets:
            value = value.replace(secret, SECRET)
        if self.run_re is not None:
            value = self.run_re.sub(RUN, value)
        value = ID_RE.sub(self._id_placeholder, value)
        return TIME_RE.sub(TIME, value) if times else value

    def value(self, value, times=True):
        """A JSON value with every string (keys too) sanitized, in sorted-key order."""
        if isinstance(value, str):
            return self.text(value, times)
        if isinstance(value, list):
            return [self.value(item, times) for item in value]
        if isinstance(value, dict):
            out = {}
            for key in sorted(value):
                name = self.text(key, times)
                out[name] = self.value(value[key], times)
            return out
        return value

    def exchanges(self, raw):
        work = []
        for ex in raw:
            ex = copy.deepcopy(ex)
            ex["request"] = _mask_passwords(ex["request"])
            ex["response"] = _mask_passwords(ex["response"])
            work.append(ex)
        self._classify(work)
        out = []
        for seq, ex in enumerate(work, 1):
            response = self._collapse_foreign(self._prune_listing(ex["response"]))
            # numbering follows this order: path, query, request, answer
            entry = {"seq": seq, "method": ex["method"], "path": self.text(ex["path"])}
            entry["query"] = self.value(ex["query"], times=False)
            entry["request"] = self.value(ex["request"])
            entry["status"] = ex["status"]
            entry["response"] = self.value(response)
            entry["accept_version"] = self.text(ex["accept_version"]) if ex["accept_version"] else None
            entry["api_version"] = self.text(ex["api_version"]) if ex["api_version"] else None
            entry["auth"] = ex["auth"]
            out.append(entry)
        return out


def _device_counts_foreign(group):
    """Device counts that may count devices the recording does not show."""
    if "directDeviceCount" not in group and "totalDeviceCount" not in group:
        return False
    if group.get("deviceTags") or group.get("deviceQueryJson"):
        return True
    return group.get("totalDeviceCount") != group.get("directDeviceCount")


# -- the proxy -------------------------------------------------------------------


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, handler, proxy):
        self.proxy = proxy
        self.clients = set()
        self.clients_lock = threading.Lock()
        http.server.ThreadingHTTPServer.__init__(self, address, handler)

    def close_clients(self):
        """End kept-alive client connections, so that no handler waits on one after a stop."""
        with self.clients_lock:
            clients = list(self.clients)
        for conn in clients:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def server_bind(self):
        # skip HTTPServer.server_bind's getfqdn() (slow on some hosts)
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if not isinstance(exc, (ConnectionError, socket.timeout, OSError)):
            http.server.ThreadingHTTPServer.handle_error(self, request, client_address)


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "LosantRecordingProxy/1.0"
    sys_version = ""
    timeout = 300
    disable_nagle_algorithm = True  # headers and body go out in two writes

    def setup(self):
        http.server.BaseHTTPRequestHandler.setup(self)
        with self.server.clients_lock:
            self.server.clients.add(self.connection)

    def finish(self):
        try:
            http.server.BaseHTTPRequestHandler.finish(self)
        except OSError:
            pass
        with self.server.clients_lock:
            self.server.clients.discard(self.connection)

    def log_message(self, format, *args):  # noqa: A002 - stdlib signature
        pass  # no access log: it would print paths and queries of a real application

    def do_GET(self):
        self._relay()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    def _read_body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline(65537).split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0:
            raise ValueError("negative Content-Length")
        return self.rfile.read(length)

    def _send(self, status, reason, headers, data):
        try:
            self.send_response(status, reason)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD" and data:
                self.wfile.write(data)
        except (ConnectionError, socket.timeout, OSError):
            self.close_connection = True

    def _relay(self):
        try:
            body = self._read_body()
        except (ValueError, OSError):
            self.close_connection = True
            self._send(400, None, [("Content-Type", "application/json")],
                       b'{"type": "BadRequest", "message": "recording proxy: unreadable request body"}')
            return
        headers = dict((name, self.headers[name]) for name in FORWARDED_HEADERS if self.headers.get(name) is not None)
        answer = self.server.proxy.forward(self.command, self.path, body, headers)
        if answer is None:
            message = {"type": "BadGateway", "message": "recording proxy: no answer from the upstream"}
            self._send(502, None, [("Content-Type", "application/json")], json.dumps(message).encode("utf-8"))
            return
        status, reason, relayed, data = answer
        self._send(status, reason, relayed, data)


class RecordingProxy:
    """Forwards to ``upstream`` and records every exchange (``recording()``, ``write(dir)``).

    ``secrets``: strings never to be written (tokens seen in Authorization
    headers are added by themselves); ``ca_file``: the CA bundle an https
    upstream is verified with (default: the system's).
    """

    def __init__(self, upstream, run_id=None, secrets=(), ca_file=None, host="127.0.0.1", port=0):
        split = urllib.parse.urlsplit(upstream)
        if split.scheme not in ("http", "https") or not split.hostname:
            raise ValueError("upstream must be an http:// or https:// URL")
        self.upstream = upstream
        self.run_id = run_id or None
        self._scheme = split.scheme
        self._upstream_host = split.hostname
        self._upstream_port = split.port
        self._base_path = split.path.rstrip("/")
        self._ssl = None
        if split.scheme == "https":
            self._ssl = ssl.create_default_context(cafile=ca_file)
        self.host = host
        self.port = port
        self.started = _utc_date()
        self._secrets = set(s for s in secrets if s)
        self._exchanges = []
        self._lock = threading.Lock()        # the records
        self._upstream_lock = threading.Lock()  # one request upstream at a time
        self._conn = None
        self._conn_used = 0.0
        self._emulator_seen = False
        self.unanswered = 0
        self._server = None
        self._thread = None

    # lifecycle ------------------------------------------------------------------

    def start(self):
        if self._server is None:
            self._server = _Server((self.host, self.port), _Handler, self)
            self.port = self._server.server_address[1]
            self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.2},
                                            name="recording-proxy", daemon=True)
            self._thread.start()
        return self

    def stop(self):
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(5)
        with self._upstream_lock:  # waits for a request in flight: it is recorded
            self._close_upstream()
        if self._server is not None:
            self._server.close_clients()
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    @property
    def url(self):
        return "http://%s:%d" % (self.host, self.port)

    @property
    def exchange_count(self):
        with self._lock:
            return len(self._exchanges)

    def add_secret(self, value):
        if value:
            with self._lock:
                self._secrets.add(value)

    # forwarding -----------------------------------------------------------------

    def _close_upstream(self):
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _connection(self):
        if self._conn is not None and time.monotonic() - self._conn_used > IDLE_RECONNECT:
            self._close_upstream()
        reused = self._conn is not None
        if self._conn is None:
            if self._ssl is not None:
                self._conn = http.client.HTTPSConnection(self._upstream_host, self._upstream_port,
                                                         timeout=UPSTREAM_TIMEOUT, context=self._ssl)
            else:
                self._conn = http.client.HTTPConnection(self._upstream_host, self._upstream_port,
                                                        timeout=UPSTREAM_TIMEOUT)
        return self._conn, reused

    def _exchange(self, method, target, body, headers):
        conn, reused = self._connection()
        try:
            conn.request(method, target, body=body or None, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
        except (OSError, http.client.HTTPException):
            self._close_upstream()
            # a reused connection may have been closed by the server meanwhile: a
            # read is safe to send again, a write is not (it may have landed)
            if reused and method in ("GET", "HEAD"):
                return self._exchange(method, target, body, headers)
            raise
        self._conn_used = time.monotonic()
        if resp.will_close:
            self._close_upstream()
        return resp, data

    def forward(self, method, target, body, headers):
        """(status, reason, relayed headers, body) of the upstream's answer, or None."""
        with self._upstream_lock:
            try:
                resp, data = self._exchange(method, self._base_path + target, body, headers)
            except (OSError, http.client.HTTPException):
                with self._lock:
                    self.unanswered += 1
                return None
            self._record(method, target, body, headers, resp, data)
        relayed = [(name, resp.getheader(name)) for name in RELAYED_HEADERS if resp.getheader(name) is not None]
        return resp.status, resp.reason, relayed, data

    def _record(self, method, target, body, headers, resp, data):
        split = urllib.parse.urlsplit(target)
        version = None
        for name in VERSION_HEADERS:
            if resp.getheader(name):
                version = (name, resp.getheader(name))
                break
        entry = {"method": method, "path": split.path, "query": _query_dict(split.query),
                 "request": _json_or_none(body), "status": resp.status, "response": _json_or_none(data),
                 "accept_version": headers.get("Accept-Version"), "api_version": version,
                 "authorization": headers.get("Authorization")}
        with self._lock:
            if (resp.getheader("Server") or "").startswith(EMULATOR_SERVER):
                self._emulator_seen = True
            self._exchanges.append(entry)

    # the recording ----------------------------------------------------------------

    def _upstream_kind(self):
        host = self._upstream_host.lower()
        if self._emulator_seen:
            return "emulator"
        if host == "losant.com" or host.endswith(".losant.com"):
            return "losant"
        return host

    def recording(self):
        """The sanitized recording of every exchange so far (a dict, see tests/live/README.md)."""
        with self._lock:
            raw = [dict(ex) for ex in self._exchanges]
            secrets = set(self._secrets)
            unanswered = self.unanswered
            kind = self._upstream_kind()
        tokens = {}
        for ex in raw:
            auth = ex.pop("authorization")
            if auth:
                secrets.add(auth)
                scheme, unused_sep, credential = auth.partition(" ")
                if scheme.lower() == "bearer" and credential:
                    secrets.add(credential)
                tokens[auth] = tokens.get(auth, 0) + 1
            ex["auth_header"] = auth
        main = max(tokens, key=lambda t: tokens[t]) if tokens else None
        others = {}
        for ex in raw:
            auth = ex.pop("auth_header")
            if auth is None:
                ex["auth"] = "none"
            elif auth == main:
                ex["auth"] = "token"
            else:
                others.setdefault(auth, "other:%d" % (len(others) + 1))
                ex["auth"] = others[auth]
            version = ex["api_version"]
            ex["api_version_from"], ex["api_version"] = version if version else (None, None)
        api_version, source = _api_version(raw)
        sanitizer = Sanitizer(self.run_id, secrets)
        return {
            "format": FORMAT,
            "recorded": self.started,
            "api_version": sanitizer.text(api_version) if api_version else None,
            "api_version_from": source,
            "upstream": kind,
            "run": RUN,
            "unanswered": unanswered,
            "exchanges": sanitizer.exchanges(raw),
        }

    def file_name(self, recording=None):
        recording = recording or self.recording()
        version = (recording["api_version"] or "unknown").lstrip("^~=<>v ") or "unknown"
        run = self.run_id or "norun"
        return "%s_%s_api-%s.json" % (self.started, FILE_CHAR_RE.sub("_", run), FILE_CHAR_RE.sub("_", version))

    def write(self, folder):
        """Write the recording into ``folder`` (made if missing); return the file's path."""
        recording = self.recording()
        os.makedirs(folder, exist_ok=True)
        name = self.file_name(recording)
        path = os.path.join(folder, name)
        n = 2
        while os.path.exists(path):  # never overwrite an earlier recording
            path = os.path.join(folder, "%s_%d.json" % (name[:-len(".json")], n))
            n += 1
        write_atomic(path, json.dumps(recording, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
        return path


def _api_version(raw):
    """The version an answer named, or else the one most requests asked for."""
    for ex in raw:
        if ex["api_version"]:
            return ex["api_version"], ex["api_version_from"]
    asked = {}
    for ex in raw:
        if ex["accept_version"]:
            asked[ex["accept_version"]] = asked.get(ex["accept_version"], 0) + 1
    if asked:
        return max(asked, key=lambda v: asked[v]), "Accept-Version"
    return None, None


# -- command line ---------------------------------------------------------------


def read_secrets(path):
    """One secret a line (line ends stripped, blank lines skipped)."""
    with open(path, encoding="utf-8") as handle:
        return [line.rstrip("\r\n") for line in handle if line.rstrip("\r\n")]


def build_parser():
    parser = argparse.ArgumentParser(description="Forward to a Losant API and record every exchange, sanitized.")
    parser.add_argument("--upstream", required=True, help="base URL: https://api.losant.com, or an emulator's URL")
    parser.add_argument("--record", required=True, metavar="DIR", help="write the recording into this folder on exit")
    parser.add_argument("--url-file", help="also write the proxy's URL to this file")
    parser.add_argument("--run-id", help="the run id the lane puts into its emails, names and tags")
    parser.add_argument("--secret-file", help="secrets never to be recorded, one a line (read at start and at exit)")
    parser.add_argument("--ca-file", help="CA bundle to verify an https upstream with (default: the system's)")
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        secrets = read_secrets(args.secret_file) if args.secret_file else []
        proxy = RecordingProxy(args.upstream, run_id=args.run_id, secrets=secrets, ca_file=args.ca_file).start()
    except (OSError, ValueError, ssl.SSLError) as exc:
        sys.stderr.write("recording-proxy: %s\n" % exc)
        return 2
    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    if args.url_file:
        write_atomic(args.url_file, proxy.url + "\n")
    sys.stdout.write(proxy.url + "\n")
    sys.stdout.flush()
    while not stop.wait(0.2):
        pass
    proxy.stop()
    try:
        if args.secret_file and os.path.exists(args.secret_file):
            for secret in read_secrets(args.secret_file):  # the lane may have added some meanwhile
                proxy.add_secret(secret)
        path = proxy.write(args.record)
    except OSError as exc:
        sys.stderr.write("recording-proxy: cannot write the recording: %s\n" % exc)
        return 1
    count = proxy.exchange_count
    sys.stderr.write("recording-proxy: %d exchange%s recorded in %s\n" % (count, "" if count == 1 else "s", path))
    return 0


if __name__ == "__main__":
    sys.exit(main())
