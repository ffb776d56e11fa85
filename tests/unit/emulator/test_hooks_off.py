"""An emulator with its test hooks off (``hooks=False``, ``--no-hooks``): every
``/_emulator`` path is an unknown Losant path, and the in-process helpers still work."""

import signal
import subprocess
import sys

import pytest
import requests

from ansible_collections.losant.platform.tests.emulator.losant_emulator import DEFAULT_TOKEN, Emulator
from ansible_collections.losant.platform.tests.unit.emulator.emulator_client import (
    EMULATOR_LAUNCHER, Api, assert_error)

HOOK_CALLS = [("GET", "/_emulator"), ("GET", "/_emulator/"), ("GET", "/_emulator/state"),
              ("POST", "/_emulator/seed"), ("POST", "/_emulator/reset"), ("PUT", "/_emulator/faults"),
              ("GET", "/_emulator/requests"), ("GET", "/_emulator/info"), ("DELETE", "/_emulator/nope")]


@pytest.fixture
def hooks_off():
    emu = Emulator(hooks=False).start()
    try:
        yield emu
    finally:
        emu.stop()


def start_cli(*args):
    proc = subprocess.Popen([sys.executable, str(EMULATOR_LAUNCHER)] + list(args), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    assert line.startswith("http"), (line, proc.stderr.read() if proc.poll() is not None else "")
    return proc, line.strip()


def stop_cli(proc):
    proc.send_signal(signal.SIGTERM)
    unused_out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err


def raw(url, method, path, token=DEFAULT_TOKEN, body=None):
    headers = {"Authorization": "Bearer " + token} if token else {}
    return requests.request(method, url + path, headers=headers, json=body, timeout=10)


def test_every_hook_path_answers_as_an_unknown_losant_path(hooks_off):
    assert hooks_off.hooks is False
    unknown = raw(hooks_off.url, "GET", "/no/such/path")
    assert_error(unknown, 404, "NotFound")
    assert unknown.json() == {"type": "NotFound", "message": "GET /no/such/path does not exist"}
    for method, path in HOOK_CALLS:
        for token in (DEFAULT_TOKEN, None, "bad-token"):  # an unknown path is refused before the token check
            resp = raw(hooks_off.url, method, path, token=token, body={"experienceUsers": []})
            assert resp.status_code == 404, (method, path, resp.text)
            assert resp.json() == {"type": "NotFound", "message": "%s %s does not exist" % (method, path)}
            assert resp.headers["Content-Type"] == unknown.headers["Content-Type"]
    assert hooks_off.state["experienceUsers"] == []  # the seed above did nothing


def test_hook_paths_are_logged_and_faulted_like_losant_requests(hooks_off):
    raw(hooks_off.url, "GET", "/_emulator/state")
    raw(hooks_off.url, "GET", "/no/such/path")
    log = hooks_off.requests()["requests"]
    assert [(e["method"], e["path"], e["status"]) for e in log] == [
        ("GET", "/_emulator/state", 404), ("GET", "/no/such/path", 404)]
    assert log[0]["response"] == {"type": "NotFound", "message": "GET /_emulator/state does not exist"}
    hooks_off.set_faults({"rules": [{"path": "^/_emulator", "action": "status", "status": 503}]})
    assert_error(raw(hooks_off.url, "GET", "/_emulator/info"), 503, "ServiceUnavailable")
    assert hooks_off.faults.describe()["rules"][0]["fired"] == 1


def test_in_process_helpers_keep_working(hooks_off):
    seeded = hooks_off.seed({"experienceGroups": [{"name": "ops"}],
                             "experienceUsers": [{"email": "a@example.com", "experienceGroups": ["ops"]}]})
    api = Api(hooks_off.url)
    user = api.ok("GET", "/users/" + seeded["experienceUsers"][0]["id"])
    assert user["experienceGroups"][0]["name"] == "ops"
    assert [u["email"] for u in hooks_off.state["experienceUsers"]] == ["a@example.com"]
    assert hooks_off.requests()["last_seq"] == 1
    assert hooks_off.set_settings({"pageCap": 5}) == {"pageCap": 5}
    hooks_off.reset()
    assert hooks_off.state["experienceUsers"] == [] and hooks_off.requests()["requests"] == []


def test_hooks_stay_on_by_default(emulator):
    assert emulator.hooks is True
    assert raw(emulator.url, "GET", "/_emulator/info", token=None).status_code == 200


def test_cli_no_hooks():
    proc, url = start_cli("--no-hooks", "--quiet")
    try:
        resp = raw(url, "GET", "/_emulator/state", token=None)
        assert resp.status_code == 404
        assert resp.json() == {"type": "NotFound", "message": "GET /_emulator/state does not exist"}
        assert Api(url).list_users()["totalCount"] == 0
    finally:
        stop_cli(proc)
    proc, url = start_cli("--quiet")
    try:
        assert raw(url, "GET", "/_emulator/info", token=None).status_code == 200
    finally:
        stop_cli(proc)
