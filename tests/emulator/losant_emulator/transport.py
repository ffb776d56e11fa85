"""HTTP plumbing: a threading HTTP/1.1 server and its request handler, which
reads the request and hands it to the emulator (``Emulator.answer_hook`` for
``/_emulator/*`` while hooks are on, ``Emulator.serve_api`` for the rest). Also the connection
tricks fault injection needs: closing without an answer, and a TCP RST."""

import http.server
import json
import socket
import socketserver
import ssl
import struct
import sys
import threading
import traceback
import urllib.parse


class EmulatorServer(http.server.ThreadingHTTPServer):
    """Serves one emulator; the handler finds it as ``server.emulator``."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address, handler, emulator, family):
        self.address_family = family
        self.emulator = emulator
        self.no_shutdown = set()
        self.no_shutdown_lock = threading.Lock()
        http.server.ThreadingHTTPServer.__init__(self, address, handler)

    def server_bind(self):
        # skip HTTPServer.server_bind's getfqdn() (slow on some hosts)
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = host
        self.server_port = port

    def shutdown_request(self, request):
        with self.no_shutdown_lock:
            skip = request in self.no_shutdown
            self.no_shutdown.discard(request)
        if skip:  # "reset" fault: close at once so SO_LINGER=0 sends an RST
            self.close_request(request)
        else:
            socketserver.TCPServer.shutdown_request(self, request)

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, ssl.SSLError, socket.timeout, OSError)):
            if self.emulator.verbose:
                sys.stderr.write("losant-emulator: connection error from %s: %s\n"
                                 % (client_address, exc))
            return
        sys.stderr.write("losant-emulator: unexpected error\n")
        traceback.print_exc()


class RequestHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "LosantEmulator/1.0"
    sys_version = ""
    disable_nagle_algorithm = True
    timeout = 120

    def setup(self):
        http.server.BaseHTTPRequestHandler.setup(self)
        self.server.emulator.track_connection(self.connection, True)

    def finish(self):
        try:
            http.server.BaseHTTPRequestHandler.finish(self)
        except OSError:
            pass
        self.server.emulator.track_connection(self.connection, False)

    def log_message(self, format, *args):  # noqa: A002 - stdlib signature
        if self.server.emulator.verbose:
            sys.stderr.write("%s - - [%s] %s\n" % (
                self.address_string(), self.log_date_time_string(), format % args))

    def do_GET(self):
        self._dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    # -- plumbing -----------------------------------------------------------------

    def _read_body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                line = self.rfile.readline(65537)
                size = int(line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)
            return b"".join(chunks)
        length = self.headers.get("Content-Length")
        if not length:
            return b""
        n = int(length)
        if n < 0:
            raise ValueError("negative Content-Length")
        return self.rfile.read(n)

    def send_bytes(self, status, data, content_type="application/json", headers=None):
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD" and data:
                self.wfile.write(data)
        except (ConnectionError, socket.timeout, ssl.SSLError, OSError):
            self.close_connection = True

    def send_json(self, status, obj, headers=None):
        self.send_bytes(status, json.dumps(obj).encode("utf-8"),
                        "application/json; charset=utf-8", headers)

    def drop(self):
        """Close the connection without answering (a FIN, no response)."""
        self.close_connection = True

    def reset(self):
        """Close the connection with a TCP RST."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
        except OSError:
            pass
        with self.server.no_shutdown_lock:
            self.server.no_shutdown.add(self.connection)

    def _dispatch(self):
        emu = self.server.emulator
        split = urllib.parse.urlsplit(self.path)
        path = split.path
        params = urllib.parse.parse_qs(split.query, keep_blank_values=True)
        try:
            raw = self._read_body()
        except (ValueError, OSError):
            self.close_connection = True
            self.send_json(400, {"type": "BadRequest", "message": "Unreadable request body"})
            return
        # With hooks off these are unknown Losant paths: logged, faulted, a 404.
        if emu.hooks and (path == "/_emulator" or path.startswith("/_emulator/")):
            status, obj = emu.answer_hook(self.command, path, params, raw)
            self.send_json(status, obj)
            return
        emu.serve_api(self, self.command, path, params, raw)
