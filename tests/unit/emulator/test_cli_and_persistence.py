"""The state file, the command line and TLS."""

import json
import os
import re
import signal
import subprocess
import sys

import pytest
import requests

from ansible_collections.losant.platform.tests.emulator.losant_emulator import DEFAULT_TOKEN, READ_ONLY_TOKEN, Emulator
from ansible_collections.losant.platform.tests.unit.emulator.emulator_client import (
    APP, EMULATOR_DIR, EMULATOR_LAUNCHER, OTHER_APP, Api, assert_error)


def test_in_process_state_file_roundtrip(tmp_path):
    state = tmp_path / "state.json"
    with Emulator(state_file=str(state)) as emu:
        api = Api(emu.url)
        group = api.group("persisted", groupTags={"a": "b"})
        user = api.user("keep@example.com", password="not-in-the-file", experienceGroupIds=[group["id"]])
        text = state.read_text()  # saved after each change, before stop
        assert "keep@example.com" in text and "not-in-the-file" not in text
    with Emulator(state_file=str(state)) as emu:
        api = Api(emu.url)
        again = api.ok("GET", "/users/" + user["id"])
        assert again == api.ok("GET", "/users/" + user["id"])
        assert again["experienceGroups"] == [{"id": group["id"], "name": "persisted", "parentId": None}]
        assert again["creationDate"] == user["creationDate"]
        api.hook("POST", "reset")
    assert json.loads(state.read_text())["experienceUsers"] == []


def start_cli(*args, **how):
    """Start the launcher (or, with ``module=True``, ``python -m losant_emulator`` in
    ``cwd`` with ``env``); return the process and the URL line it printed."""
    command = [sys.executable, "-m", "losant_emulator"] if how.get("module") else [sys.executable, str(EMULATOR_LAUNCHER)]
    proc = subprocess.Popen(command + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=how.get("cwd"), env=how.get("env"))
    line = proc.stdout.readline()
    assert line.startswith("http"), (line, proc.stderr.read() if proc.poll() is not None else "")
    return proc, line.strip()


def stop_cli(proc, sig=signal.SIGTERM):
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    return out, err


def test_cli_state_file_survives_restart_and_url_file(tmp_path):
    state = tmp_path / "state.json"
    url_file = tmp_path / "url.txt"
    proc, url = start_cli("--port", "0", "--state-file", str(state), "--url-file", str(url_file),
                          "--token", "cli-token", "--token", "cli-reader:experienceUsers.get")
    try:
        assert re.match(r"^http://127\.0\.0\.1:\d+$", url)
        assert url_file.read_text().strip() == url
        api = Api(url, token="cli-token")
        group = api.group("cli-group")
        user = api.user("cli@example.com", password="SuperSecret-123", experienceGroupIds=[group["id"]])
        reader = Api(url, token="cli-reader")
        assert reader.list_users()["totalCount"] == 1
        assert_error(reader.call("GET", "/groups"), 403, "Forbidden")
        assert_error(api.call("GET", "/users", token=DEFAULT_TOKEN), 401)  # --token replaces defaults
    finally:
        out, err = stop_cli(proc)
    assert out == ""  # only the URL line, already read
    assert "GET /" not in err  # no access log without --verbose
    text = state.read_text()
    assert "SuperSecret-123" not in text and "cli@example.com" in text
    assert '"password"' not in text
    proc, url2 = start_cli("--port", "0", "--state-file", str(state), "--token", "cli-token", "--quiet")
    try:
        api = Api(url2, token="cli-token")
        again = api.ok("GET", "/users/" + user["id"])
        assert again["email"] == "cli@example.com"
        assert again["experienceGroups"][0]["id"] == group["id"]
        assert api.ok("GET", "/groups/" + group["id"])["experienceUserIds"] == [user["id"]]
    finally:
        out, err = stop_cli(proc, signal.SIGINT)
    assert err == ""  # --quiet


def test_cli_verbose_access_log_and_application_id(tmp_path):
    proc, url = start_cli("--application-id", OTHER_APP, "--verbose", "--quiet")
    try:
        assert Api(url, app=OTHER_APP).list_users()["applicationId"] == OTHER_APP
        assert_error(Api(url).call("GET", "/users"), 404, "NotFound", "Application was not found")
    finally:
        out, err = stop_cli(proc)
    assert "GET /applications/%s/experience/users" % OTHER_APP in err


@pytest.mark.parametrize("run_from", ["tests/emulator", "PYTHONPATH"])
def test_module_command_serves_like_the_launcher(tmp_path, run_from):
    """``python -m losant_emulator``, run in tests/emulator (where the launcher file
    sits beside the package) or with tests/emulator on PYTHONPATH."""
    if run_from == "PYTHONPATH":
        how = {"cwd": str(tmp_path), "env": dict(os.environ, PYTHONPATH=str(EMULATOR_DIR))}
    else:
        how = {"cwd": str(EMULATOR_DIR)}
    url_file = tmp_path / "url.txt"
    proc, url = start_cli("--port", "0", "--url-file", str(url_file), "--quiet", module=True, **how)
    try:
        assert url_file.read_text().strip() == url
        assert Api(url).list_users()["applicationId"] == APP
        assert_error(Api(url, token=READ_ONLY_TOKEN).call("POST", "/groups", {"name": "x"}), 403, "Forbidden")
    finally:
        out, err = stop_cli(proc)
    assert out == "" and err == ""


def test_cli_bad_arguments_fail():
    proc = subprocess.run([sys.executable, str(EMULATOR_LAUNCHER), "--application-id", "xyz"],
                          capture_output=True, text=True, timeout=10, check=False)
    assert proc.returncode != 0 and "application_id" in proc.stderr


def test_tls(tmp_path):
    if not any(os.access(os.path.join(d, "openssl"), os.X_OK) for d in os.environ.get("PATH", "").split(":")):
        pytest.skip("openssl command not available")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, capture_output=True, timeout=30)
    with Emulator(tls_cert=str(cert), tls_key=str(key)) as emu:
        assert emu.url.startswith("https://127.0.0.1:")
        api = Api(emu.url)
        api.verify = str(cert)
        assert api.user("tls@example.com")["email"] == "tls@example.com"
        assert api.list_users()["totalCount"] == 1
        with pytest.raises(requests.ConnectionError):
            requests.get(emu.url.replace("https", "http") + "/_emulator/state", timeout=2)
        assert api.hook("GET", "state").status_code == 200  # a bad client did not break the server
