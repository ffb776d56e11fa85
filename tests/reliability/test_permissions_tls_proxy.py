"""Tokens that may not write, HTTPS with a throwaway self-signed certificate,
and HTTP(S) proxies from the environment, each through ansible-playbook."""

import http.client
import http.server
import select
import shutil
import socket
import subprocess
import threading
import urllib.parse

import certifi
import pytest

from drivers import module_exists
from losant_emulator import Emulator
from reliability_support import (
    OUTCOMES,
    READ_ONLY_TOKEN,
    TOKEN,
    PlaybookRun,
    noted_task,
    password,
    play,
    user_shape,
    users_by_email,
)

SEEDED = "reader@example.com"
LACKS_SCOPE = "the API token lacks the scope (permission) this request needs"
REFUSED = "the API token was refused (unknown, expired or malformed); check api_token"


def _noted(out, cases):
    tasks = []
    for case, module, args, options in cases:
        tasks.extend(noted_task(case, "losant.platform." + module, args, out, **options))
    return tasks


def test_a_read_only_token_reads_and_previews_but_cannot_write(tmp_path):
    with Emulator(tokens={TOKEN: ["all.Application"], READ_ONLY_TOKEN: ["all.Application.read"]}) as emulator:
        emulator.seed({"experienceGroups": [{"name": "Operators"}],
                       "experienceUsers": [{"email": SEEDED, "firstName": "Reader", "password": password()}]})
        before = emulator.state
        new_user = {"email": "new@example.com", "password": password(), "first_name": "New"}
        check = {"check_mode": True}
        out = str(tmp_path / "records.jsonl")
        cases = [
            ("user create, check mode", "experience_user", new_user, check),
            ("user create", "experience_user", new_user, {}),
            ("user update, check mode", "experience_user", {"email": SEEDED, "first_name": "Changed"}, check),
            ("user update", "experience_user", {"email": SEEDED, "first_name": "Changed"}, {}),
            ("user delete", "experience_user", {"email": SEEDED, "state": "absent"}, {}),
            ("group create, check mode", "experience_group", {"name": "New group"}, check),
            ("group create", "experience_group", {"name": "New group"}, {}),
            ("user info", "experience_user_info", {"email": SEEDED}, {}),
            ("group info", "experience_group_info", {}, {}),
            ("bulk, check mode", "experience_users", {"config": [new_user]}, check),
            ("bulk", "experience_users", {"config": [new_user]}, {}),
        ]
        cases = [case for case in cases if module_exists(case[1])]
        plays = [play(_noted(out, cases), emulator.url, token_var="read_only_token"),
                 play(_noted(out, [("unknown token", "experience_user_info", {}, {})]), emulator.url,
                      token_var="unknown_token"),
                 play(_noted(out, [("token with a trailing newline", "experience_user_info", {}, {})]), emulator.url,
                      token_var="newline_token")]
        run = PlaybookRun("read-only token", plays, tmp_path, extra_vars={
            "read_only_token": READ_ONLY_TOKEN, "unknown_token": TOKEN + "x", "newline_token": TOKEN + "\n"},
            verbosity=4).wait()
        results = run.results()
        log = emulator.requests()["requests"]
        after = emulator.state
    assert run.returncode == 0, run.tail()
    assert not run.leaks, run.leaks
    problems = []
    for case, module, dummy, options in cases:
        result = results[case]
        writes = not options and module not in ("experience_user_info", "experience_group_info")
        if writes:
            ok = result.get("failed") and "HTTP 403 Forbidden" in result["msg"] and LACKS_SCOPE in result["msg"]
        else:
            ok = not result.get("failed") and (result.get("changed") or module.endswith("_info"))
        OUTCOMES.add("permissions", "read-only token: %s" % case, "fails: lacks scope" if writes else "works",
                     ("failed: " + result.get("msg", "")) if result.get("failed") else
                     "ok, changed=%s" % result.get("changed"), "" if ok else "PROBLEM")
        if not ok:
            problems.append("%s: %r" % (case, result.get("msg") or result))
    refused = results["unknown token"]
    OUTCOMES.add("permissions", "unknown token", "fails: refused", "failed: " + refused.get("msg", ""))
    assert refused.get("failed") and "HTTP 401 Unauthorized" in refused["msg"] and REFUSED in refused["msg"]
    newline = results["token with a trailing newline"]
    OUTCOMES.add("permissions", "token with a trailing newline", "fails before any request, token not shown",
                 "failed: " + newline.get("msg", ""))
    assert newline.get("failed") and "api_token must be a non-empty token without whitespace" in newline["msg"]
    assert not problems, problems
    assert after == before, "a read-only token changed the application"
    assert all(entry["status"] in (401, 403) for entry in log if entry["method"] != "GET")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A throwaway self-signed certificate for 127.0.0.1 (made with openssl, which must exist)."""
    openssl = shutil.which("openssl")
    if not openssl:
        pytest.skip("openssl is not installed: cannot make a throwaway certificate for the HTTPS tests")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run([openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, capture_output=True, timeout=60)
    return cert, key


class _ProxyHandler(http.server.BaseHTTPRequestHandler):
    """A forward proxy: absolute-form requests are forwarded, CONNECT is tunnelled."""

    def log_message(self, *args):
        pass

    def do_CONNECT(self):
        host, port = self.path.rsplit(":", 1)
        self.server.seen.append(("CONNECT", self.path))
        upstream = socket.create_connection((host, int(port)), timeout=30)
        self.send_response(200, "Connection established")
        self.end_headers()
        pair = {self.connection: upstream, upstream: self.connection}
        try:
            while True:
                ready, dummy, dummy2 = select.select(list(pair), [], [], 30)
                if not ready:
                    return
                for sock in ready:
                    data = sock.recv(65536)
                    if not data:
                        return
                    pair[sock].sendall(data)
        except OSError:
            return  # either side hung up
        finally:
            upstream.close()
            self.close_connection = True

    def _forward(self):
        target = urllib.parse.urlsplit(self.path)
        self.server.seen.append((self.command, target.scheme + "://" + target.netloc + target.path))
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = dict((name, value) for name, value in self.headers.items()
                       if name.lower() not in ("proxy-connection", "connection", "keep-alive", "host"))
        upstream = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
        upstream.request(self.command, target.path + ("?" + target.query if target.query else ""),
                         body=body or None, headers=headers)
        answer = upstream.getresponse()
        data = answer.read()
        self.send_response(answer.status)
        for name, value in answer.getheaders():
            if name.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)
        self.close_connection = True
        upstream.close()

    do_GET = do_POST = do_PATCH = do_DELETE = _forward


@pytest.fixture
def proxy():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _ProxyHandler)
    server.daemon_threads = True
    server.seen = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


TLS_CASES = [
    ("validate_certs default (true)", {}, "refused"),
    ("ca_path: the test CA", {"ca_path": "{{ test_ca }}"}, "works"),
    ("validate_certs: false", {"validate_certs": False}, "works"),
]


def test_https_certificates_are_verified_unless_told_otherwise(tmp_path, certificate):
    cert, key = certificate
    with Emulator(tokens={TOKEN: ["all.Application"]}, tls_cert=str(cert), tls_key=str(key)) as emulator:
        emulator.seed({"experienceUsers": [{"email": SEEDED}]})
        out = str(tmp_path / "records.jsonl")
        tasks = []
        for case, options, dummy in TLS_CASES:
            tasks += noted_task(case, "losant.platform.experience_user_info", dict(options, email=SEEDED), out)
        # A CA bundle in the environment must neither replace ca_path nor undo validate_certs=false.
        run = PlaybookRun("tls", [play(tasks, emulator.url)], tmp_path, extra_vars={"test_ca": str(cert)},
                          env={"REQUESTS_CA_BUNDLE": certifi.where(), "CURL_CA_BUNDLE": certifi.where()}).wait()
        served = len(emulator.requests()["requests"])
    assert run.returncode == 0 and not run.leaks, run.tail()
    results = run.results()
    for case, dummy, expected in TLS_CASES:
        result = results[case]
        observed = ("failed: " + result["msg"]) if result.get("failed") else \
            "ok, %d user" % len(result["experience_users"])
        OUTCOMES.add("tls", "self-signed HTTPS, " + case, expected, observed)
        if expected == "refused":
            assert result.get("failed"), result
            assert "TLS error" in result["msg"] and "CERTIFICATE_VERIFY_FAILED" in result["msg"], result["msg"]
            assert "self-signed certificate" in result["msg"]
        else:
            assert not result.get("failed"), result.get("msg")
            assert [user["email"] for user in result["experience_users"]] == [SEEDED]
    assert served == 2, "the refused connection must not reach the API"


def test_proxies_from_the_environment_are_honoured(tmp_path, certificate, proxy):
    """HTTP_PROXY carries http:// API URLs (forwarded requests); HTTPS_PROXY
    carries https:// ones (CONNECT tunnels, the certificate still verified)."""
    cert, key = certificate
    with Emulator(tokens={TOKEN: ["all.Application"]}) as plain, \
            Emulator(tokens={TOKEN: ["all.Application"]}, tls_cert=str(cert), tls_key=str(key)) as secure:
        out = str(tmp_path / "records.jsonl")
        user = {"email": "proxied@example.com", "password": password(), "first_name": "Via"}
        tasks = noted_task("http via HTTP_PROXY", "losant.platform.experience_user", user, out) + \
            noted_task("https via HTTPS_PROXY", "losant.platform.experience_user",
                       dict(user, api_url=secure.url, ca_path=str(cert)), out)
        proxy_url = "http://127.0.0.1:%d" % proxy.server_address[1]
        env = {"HTTP_PROXY": proxy_url, "HTTPS_PROXY": proxy_url, "http_proxy": proxy_url, "https_proxy": proxy_url,
               "NO_PROXY": "", "no_proxy": ""}
        run = PlaybookRun("proxy", [play(tasks, plain.url)], tmp_path, env=env, verbosity=1).wait()
        stored = [users_by_email(emu.state).get("proxied@example.com", []) for emu in (plain, secure)]
    results = run.results()
    assert run.returncode == 0 and not run.leaks, run.tail()
    forwarded = [entry for entry in proxy.seen if entry[0] != "CONNECT"]
    tunnels = [entry for entry in proxy.seen if entry[0] == "CONNECT"]
    OUTCOMES.add("proxy", "HTTP_PROXY with an http:// api_url", "through the proxy",
                 "%d requests forwarded: %s" % (len(forwarded), ", ".join(sorted(set(m for m, u in forwarded)))))
    OUTCOMES.add("proxy", "HTTPS_PROXY with an https:// api_url and ca_path", "CONNECT tunnel",
                 "%d CONNECT to %s" % (len(tunnels), ", ".join(sorted(set(u for m, u in tunnels)))))
    for case in ("http via HTTP_PROXY", "https via HTTPS_PROXY"):
        assert results[case].get("changed") and not results[case].get("failed"), results[case].get("msg")
    assert [method for method, dummy in forwarded] == ["GET", "POST"]
    assert all(url.startswith(plain.url) for dummy, url in forwarded)
    assert tunnels and all(url == secure.url.split("://", 1)[1] for dummy, url in tunnels)
    for found in stored:
        assert [user_shape(user)["firstName"] for user in found] == ["Via"]
