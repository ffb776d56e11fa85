"""The live lane's recording proxy (tests/live/recording_proxy.py) and replay
(tests/live/replay.py), checked against a hooks-off emulator standing in for Losant."""

import copy
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from ansible_collections.losant.platform.tests.emulator.losant_emulator import Emulator
from ansible_collections.losant.platform.tests.live.recording_proxy import RecordingProxy
from ansible_collections.losant.platform.tests.live.replay import Replayer, replay

LIVE_DIR = Path(__file__).resolve().parents[2] / "live"
RUN = "r20261207a1b2c3"
TOKEN = "live-lane-token-0b7e11"
PASSWORDS = ["Ann-pw-%s!" % RUN, "bob-initial-pw-91", "bob-changed-pw-92"]
FOREIGN_WORDS = ["boss@customer.example", "Bossman", "Customer Admins", "Pump 7", "acme"]
HEX24_RE = re.compile(r"[0-9a-fA-F]{24}")
DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")


class Lane:
    """What an Ansible run would send, through the proxy."""

    def __init__(self, url, app):
        self.base = "%s/applications/%s" % (url, app)
        self.session = requests.Session()
        self.session.headers.update({"Authorization": "Bearer " + TOKEN, "Accept": "application/json",
                                     "Accept-Version": "^1.29.3"})

    def call(self, method, path, body=None, params=None, status=None):
        resp = self.session.request(method, self.base + path, json=body, params=params, timeout=10)
        if status is not None:
            assert resp.status_code == status, (method, path, resp.status_code, resp.text)
        return resp


def drive(lane, foreign):
    """A realistic run; returns the seq of the exchanges the edits below touch."""
    email = "lpt-%s-%%s@example.com" % RUN
    seqs = {}
    root = lane.call("POST", "/experience/groups", {"name": "lpt-%s-root" % RUN, "groupTags": {"run": RUN}},
                     status=201).json()
    kid = lane.call("POST", "/experience/groups", {"name": "lpt-%s-kid" % RUN, "parentId": root["id"],
                                                   "deviceIds": [foreign["device"]]}, status=201).json()
    lane.call("POST", "/experience/users", {"email": email % "ann", "password": PASSWORDS[0], "userTags": {"run": RUN},
                                            "experienceGroupIds": [kid["id"], foreign["group"]]}, status=201)
    bob = lane.call("POST", "/experience/users", {"email": email % "bob", "password": PASSWORDS[1],
                                                  "firstName": "Bob", "userTags": {"run": RUN}}, status=201).json()
    lane.call("PATCH", "/experience/users/" + bob["id"], {"firstName": "Robert", "password": PASSWORDS[2]}, status=200)
    seqs["patch"] = 5
    lane.call("PATCH", "/experience/groups/" + root["id"], {"experienceUserIds": [foreign["user"]]}, status=200)
    lane.call("GET", "/experience/users", params={"filterField": "email", "filter": "lpt-%s-*" % RUN,
                                                  "sortField": "email"}, status=200)
    lane.call("GET", "/experience/users", params={"query": json.dumps(
        {"creationDate": {"$gt": "2020-06-01T00:00:00.000Z"}, "userTags": {"run": RUN}})}, status=200)
    lane.call("GET", "/experience/users", params={"perPage": 50}, status=429)  # the fault set below
    lane.call("GET", "/experience/users", params={"perPage": 50}, status=200)  # foreign user omitted
    lane.call("GET", "/experience/groups", status=200)  # foreign group omitted
    lane.call("GET", "/devices", status=200, params={"sortField": "name"})  # the device too
    lane.call("GET", "/experience/groups/" + kid["id"], status=200)
    seqs["kid"] = 13
    lane.call("GET", "/experience/users/" + "0" * 24, status=404)
    seqs["missing"] = 14
    lane.call("POST", "/experience/users", {"email": "not-an-email-%s" % RUN, "password": PASSWORDS[1]}, status=400)
    lane.call("POST", "/experience/users", {"email": email % "ann", "password": PASSWORDS[1]}, status=400)
    lane.call("DELETE", "/experience/users/" + bob["id"], status=200)
    lane.call("GET", "/experience/users/" + bob["id"], status=404)
    return seqs


@pytest.fixture
def recorded():
    """A hooks-off emulator as Losant, with things of other users; the proxy in front; a run through it."""
    with Emulator(hooks=False, tokens={TOKEN: ["all.Application"]}) as upstream:
        seeded = upstream.seed({
            "devices": [{"name": "Pump 7", "tags": [{"key": "customer", "value": "acme"}]}],
            "experienceGroups": [{"name": "Customer Admins"}],
            "experienceUsers": [{"email": "boss@customer.example", "firstName": "Bossman",
                                 "experienceGroups": ["Customer Admins"]}]})
        foreign = {"device": seeded["devices"][0]["id"], "group": seeded["experienceGroups"][0]["id"],
                   "user": seeded["experienceUsers"][0]["id"]}
        upstream.set_faults({"rules": [{"method": "GET", "path": "/experience/users$", "skip": 2, "times": 1,
                                        "action": "status", "status": 429, "retry_after": "3"}]})
        with RecordingProxy(upstream.url, run_id=RUN, secrets=PASSWORDS) as proxy:
            seqs = drive(Lane(proxy.url, upstream.application_id), foreign)
            raw_ids = [upstream.application_id] + [u["id"] for u in upstream.state["experienceUsers"]] + \
                [g["id"] for g in upstream.state["experienceGroups"]] + list(foreign.values())
            yield proxy, proxy.recording(), seqs, raw_ids


def exchange(recording, seq):
    found = [ex for ex in recording["exchanges"] if ex["seq"] == seq]
    assert len(found) == 1
    return found[0]


def test_proxy_relays_answers_unchanged():
    with Emulator(hooks=False, tokens={TOKEN: ["all.Application"]}) as upstream:
        upstream.set_faults({"rules": [{"path": "/users$", "action": "status", "status": 429, "retry_after": "7",
                                        "times": 1}]})
        with RecordingProxy(upstream.url, run_id=RUN) as proxy:
            lane = Lane(proxy.url, upstream.application_id)
            limited = lane.call("GET", "/experience/users")
            direct = Lane(upstream.url, upstream.application_id).call("GET", "/experience/users")
            relayed = lane.call("GET", "/experience/users")
            unknown = lane.session.get(proxy.url + "/_emulator/state", timeout=5)  # hooks off: Losant's 404
            assert lane.session.head(proxy.url + "/nope", timeout=5).status_code == 404
        assert (limited.status_code, limited.headers["Retry-After"]) == (429, "7")
        assert limited.json()["type"] == "RateLimitExceeded"
        assert relayed.status_code == 200 and relayed.content == direct.content
        assert relayed.headers["Content-Type"] == direct.headers["Content-Type"]
        assert unknown.status_code == 404 and unknown.json()["message"] == "GET /_emulator/state does not exist"
        rec = proxy.recording()
        assert [ex["status"] for ex in rec["exchanges"]] == [429, 200, 404, 404]
        assert rec["upstream"] == "emulator" and rec["unanswered"] == 0
        assert rec["api_version"] == "^1.29.3" and rec["api_version_from"] == "Accept-Version"
        # the emulator's own, direct request did not pass the proxy
        assert upstream.requests()["last_seq"] == 5


def test_recording_is_sanitized(recorded):
    proxy, rec, seqs, raw_ids = recorded
    text = json.dumps(rec)
    assert TOKEN not in text and "Bearer" not in text
    for secret in PASSWORDS + FOREIGN_WORDS + [RUN]:
        assert secret.lower() not in text.lower(), secret
    for raw in raw_ids:
        assert raw not in text
    assert not HEX24_RE.search(text)
    # No timestamp of the run in bodies and answers; a query keeps its own thresholds.
    assert not DATE_RE.search(json.dumps([[ex["request"], ex["response"]] for ex in rec["exchanges"]]))
    assert any('2020-06-01T00:00:00.000Z' in (ex["query"].get("query") or "") for ex in rec["exchanges"])
    assert set(rec) == {"format", "recorded", "api_version", "api_version_from", "upstream", "run", "unanswered",
                        "exchanges"}
    assert (rec["format"], rec["run"], rec["upstream"], rec["api_version"]) == (1, "<run>", "emulator", "^1.29.3")
    assert [ex["seq"] for ex in rec["exchanges"]] == list(range(1, 19))
    first = exchange(rec, 1)
    assert first["path"] == "/applications/<application>/experience/groups"
    assert first["request"] == {"name": "lpt-<run>-root", "groupTags": {"run": "<run>"}}
    assert first["response"]["id"] == "<id:1>" and first["response"]["creationDate"] == "<time>"
    kid = exchange(rec, 2)
    assert kid["request"]["deviceIds"] == ["<other-id:1>"] and kid["request"]["parentId"] == "<id:1>"
    ann = exchange(rec, 3)
    assert ann["request"]["password"] == "<password>"
    assert ann["request"]["experienceGroupIds"] == ["<id:2>", "<other-id:2>"]
    # a foreign group the run's user joined: its id only
    assert {"id": "<other-id:2>", "_foreign": True} in ann["response"]["experienceGroups"]
    assert exchange(rec, seqs["patch"])["request"] == {"firstName": "Robert", "password": "<password>"}
    assert exchange(rec, 8)["query"]["query"] == '{"creationDate": {"$gt": "2020-06-01T00:00:00.000Z"}, "userTags": {"run": "<run>"}}'
    assert exchange(rec, 9)["status"] == 429
    everyone = exchange(rec, 10)["response"]
    assert everyone["omittedItems"] == 1 and everyone["_counts_foreign"] is True and everyone["totalCount"] == 3
    assert sorted(u["email"] for u in everyone["items"]) == ["lpt-<run>-ann@example.com", "lpt-<run>-bob@example.com"]
    assert exchange(rec, 11)["response"]["omittedItems"] == 1
    devices = exchange(rec, 12)["response"]
    assert devices["items"] == [] and devices["omittedItems"] == 1
    group = exchange(rec, seqs["kid"])["response"]
    assert group["parentId"] == "<id:1>" and group["deviceIds"] == ["<other-id:1>"] and group["directDeviceCount"] == 1
    assert exchange(rec, seqs["missing"])["path"].endswith("/users/<other-id:4>")
    assert exchange(rec, 15)["response"]["type"] == "Validation"
    assert exchange(rec, 16)["response"]["message"] == 'Email address "lpt-<run>-ann@example.com" already exists'
    assert {ex["auth"] for ex in rec["exchanges"]} == {"token"}
    assert {ex["accept_version"] for ex in rec["exchanges"]} == {"^1.29.3"}


def test_sanitizer_keeps_foreign_resources_out():
    # a listing item that names the run only through a group it belongs to is still foreign
    from ansible_collections.losant.platform.tests.live.recording_proxy import Sanitizer
    app, run_group, other = "5f6a7b8c9d0e1f2a3b4c5d6e", "6b16109c530e0ea662ce9e51", "6b16109c530e0ea662ce9e4f"
    listing = {"items": [{"id": other, "email": "someone@corp.example", "experienceGroups": [
        {"id": run_group, "name": "lpt-%s-g" % RUN}]}], "count": 1, "totalCount": 1}
    raw = [{"method": "POST", "path": "/applications/%s/experience/groups" % app, "query": {},
            "request": {"name": "plain", "description": "token abcdSECRET"}, "status": 201,
            "response": {"id": run_group, "name": "plain", "password": 1234},
            "accept_version": None, "api_version": None, "auth": "token"},
           {"method": "GET", "path": "/applications/%s/experience/users" % app, "query": {"since": "2026-12-07"},
            "request": None, "status": 200, "response": listing, "accept_version": None,
            "api_version": "1.40.0", "auth": "none"},
           {"method": "GET", "path": "/applications/" + app, "query": {}, "request": None, "status": 200,
            "response": {"id": app, "name": "Maintainer sandbox", "organizationName": "Corp", "ownerId": other},
            "accept_version": None, "api_version": None, "auth": "token"}]
    out = Sanitizer(RUN, ["abcdSECRET", "abc"]).exchanges(raw)
    assert out[0]["request"] == {"name": "plain", "description": "token <secret>"}
    assert out[0]["response"] == {"id": "<id:1>", "name": "plain", "password": "<password:not-a-string>"}
    assert out[1]["query"] == {"since": "2026-12-07"}
    assert out[1]["response"] == {"items": [], "count": 1, "totalCount": 1, "omittedItems": 1, "_counts_foreign": True}
    assert out[2]["path"] == "/applications/<application>"
    assert out[2]["response"] == {"id": "<application>", "_foreign": True}  # the application is not the run's
    assert "corp" not in json.dumps(out).lower() and "sandbox" not in json.dumps(out)


def test_replay_of_a_clean_recording_finds_no_difference(recorded):
    rec = recorded[1]
    for hooks in (True, False):
        with Emulator(hooks=hooks) as emu:
            replayer = Replayer(rec, emu)
            assert replayer.run() == []
            assert replayer.skipped == 1  # the 429
            names = sorted(g["name"] for g in emu.state["experienceGroups"])
            assert names == ["lpt-rreplay0000-kid", "lpt-rreplay0000-root", "other-group-2"]
            assert [d["name"] for d in emu.state["devices"]] == ["other-device-1"]


def edited(rec, seq, edit):
    rec = copy.deepcopy(rec)
    edit(exchange(rec, seq))
    return rec


@pytest.mark.parametrize("what", ["status", "message", "missing key", "placeholder"])
def test_replay_reports_each_edit(recorded, what):
    rec, seqs = recorded[1], recorded[2]
    if what == "status":
        seq, where = seqs["patch"], "status"
        rec = edited(rec, seq, lambda ex: ex.update(status=202))
    elif what == "message":
        seq, where = seqs["missing"], "$.message"
        rec = edited(rec, seq, lambda ex: ex["response"].update(message="Experience user does not exist"))
    elif what == "missing key":
        seq, where = seqs["patch"], "$.firstName"
        rec = edited(rec, seq, lambda ex: ex["response"].pop("firstName"))
    else:
        seq, where = seqs["kid"], "$.parentId"
        rec = edited(rec, seq, lambda ex: ex["response"].update(parentId="<id:2>"))
    with Emulator() as emu:
        differences = replay(rec, emu)
    assert [(d.seq, d.where) for d in differences] == [(seq, where)], [str(d) for d in differences]
    ex = exchange(rec, seq)
    assert (differences[0].method, differences[0].path) == (ex["method"], ex["path"])
    line = str(differences[0])
    assert line.startswith("seq %d %s %s: %s: recorded (Losant) " % (seq, ex["method"], ex["path"], where))
    if what == "message":
        assert differences[0].recorded == "Experience user does not exist"
        assert differences[0].emulator == "Experience User was not found"
    if what == "missing key":
        assert (differences[0].recorded, differences[0].emulator) == ("<missing>", "Robert")


def test_write_and_replay_command_line(recorded, tmp_path):
    proxy, rec = recorded[0], recorded[1]
    path = Path(proxy.write(str(tmp_path / "recordings")))
    assert re.match(r"^\d{4}-\d{2}-\d{2}_%s_api-1\.29\.3\.json$" % RUN, path.name), path.name
    assert path.name.startswith(rec["recorded"])
    text = path.read_text()
    assert json.loads(text) == rec and text == json.dumps(rec, indent=2, sort_keys=True) + "\n"
    assert Path(proxy.write(str(tmp_path / "recordings"))).name == path.name[:-5] + "_2.json"  # never overwritten
    command = [sys.executable, str(LIVE_DIR / "replay.py")]
    clean = subprocess.run(command + [str(path)], capture_output=True, text=True, timeout=120, check=False)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "17 exchanges replayed, 1 skipped (429/5xx), 0 differences" in clean.stdout
    broken = edited(rec, 5, lambda ex: ex.update(status=202))
    path.write_text(json.dumps(broken, indent=2, sort_keys=True))
    failed = subprocess.run(command + [str(tmp_path / "recordings")], capture_output=True, text=True, timeout=120,
                            check=False)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "seq 5 PATCH /applications/<application>/experience/users/<id:" in failed.stdout
    assert "1 difference\n" in failed.stdout
    empty = subprocess.run(command + [str(tmp_path)], capture_output=True, text=True, timeout=60, check=False)
    assert (empty.returncode, empty.stdout.strip()) == (0, "no recordings in %s" % tmp_path)
    path.write_text("{}")
    unreadable = subprocess.run(command + [str(path)], capture_output=True, text=True, timeout=60, check=False)
    assert unreadable.returncode == 2 and "cannot replay" in unreadable.stdout


def test_proxy_command_line(tmp_path):
    secrets = tmp_path / "secrets"
    secrets.write_text(PASSWORDS[0] + "\n")
    url_file = tmp_path / "url"
    with Emulator(hooks=False, tokens={TOKEN: ["all.Application"]}) as upstream:
        proc = subprocess.Popen([sys.executable, str(LIVE_DIR / "recording_proxy.py"), "--upstream", upstream.url,
                                 "--record", str(tmp_path / "out"), "--run-id", RUN, "--secret-file", str(secrets),
                                 "--url-file", str(url_file)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            url = proc.stdout.readline().strip()
            assert re.match(r"^http://127\.0\.0\.1:\d+$", url), (url, proc.stderr.read() if proc.poll() else "")
            assert url_file.read_text() == url + "\n"
            lane = Lane(url, upstream.application_id)
            lane.call("POST", "/experience/users", {"email": "lpt-%s-c@example.com" % RUN, "password": PASSWORDS[0],
                                                    "firstName": PASSWORDS[1]}, status=201)
            secrets.write_text(PASSWORDS[0] + "\n" + PASSWORDS[1] + "\n")  # read again at exit
        finally:
            proc.send_signal(signal.SIGTERM)
            out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert out == "" and "1 exchange recorded in" in err
    files = os.listdir(str(tmp_path / "out"))
    assert len(files) == 1 and re.match(r"^\d{4}-\d{2}-\d{2}_%s_api-1\.29\.3\.json$" % RUN, files[0])
    text = (tmp_path / "out" / files[0]).read_text()
    assert PASSWORDS[0] not in text and PASSWORDS[1] not in text and TOKEN not in text
    assert '"firstName": "<secret>"' in text


def _have_openssl():
    return any(os.access(os.path.join(d, "openssl"), os.X_OK) for d in os.environ.get("PATH", "").split(":"))


def test_https_upstream_is_verified(tmp_path):
    if not _have_openssl():
        pytest.skip("openssl command not available")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, capture_output=True, timeout=30)
    with Emulator(tls_cert=str(cert), tls_key=str(key), hooks=False, tokens={TOKEN: ["all.Application"]}) as upstream:
        with RecordingProxy(upstream.url, run_id=RUN, ca_file=str(cert)) as trusted:
            assert Lane(trusted.url, upstream.application_id).call("GET", "/experience/users").status_code == 200
        with RecordingProxy(upstream.url, run_id=RUN) as untrusted:  # the system's CAs do not know it
            refused = Lane(untrusted.url, upstream.application_id).call("GET", "/experience/users")
    assert refused.status_code == 502 and refused.json()["type"] == "BadGateway"
    assert trusted.recording()["exchanges"][0]["status"] == 200
    assert untrusted.recording()["exchanges"] == [] and untrusted.recording()["unanswered"] == 1


COMMITTED = sorted((LIVE_DIR / "recordings").glob("*.json"))


@pytest.mark.parametrize("path", COMMITTED, ids=[path.name for path in COMMITTED])
def test_every_committed_recording_of_losant_replays_against_a_fresh_emulator(path):
    """What Losant answered (make test-live) is what the emulator answers: a difference names the
    exchange, Losant's answer and the emulator's (see tests/live/recordings/README.md)."""
    recording = json.loads(path.read_text(encoding="utf-8"))
    with Emulator() as emulator:
        differences = replay(recording, emulator)
    assert not differences, "\n".join(str(difference) for difference in differences)


def test_pages_of_a_listing_that_held_foreign_items_are_compared_as_one_reading():
    """Foreign users, dropped from the recording, decided where the run's users fell on Losant's pages;
    a fresh emulator has none, so the pages of one reading are compared together: clean as recorded,
    and an edited item of its second page is named at the reading's first page."""
    with Emulator(hooks=False, tokens={TOKEN: ["all.Application"]}, page_cap=5) as upstream:
        with RecordingProxy(upstream.url, run_id=RUN, secrets=[TOKEN]) as proxy:
            lane = Lane(proxy.url, upstream.application_id)
            for index in range(12):
                if index % 4 == 1:  # a foreign user created between the run's: ids interleave
                    upstream.seed({"experienceUsers": [{"email": "other%d@customer.example" % index}]})
                lane.call("POST", "/experience/users", {"email": "lpt-%s-u%02d@example.com" % (RUN, index),
                                                        "password": PASSWORDS[0], "userTags": {"run": RUN}},
                          status=201)
            first = lane.call("GET", "/experience/users", params={"sortField": "id", "perPage": 5, "page": 0}).json()
            for page in range(1, 3):
                lane.call("GET", "/experience/users", params={"sortField": "id", "perPage": 5, "page": page})
        rec = proxy.recording()
    assert first["totalCount"] == 15
    pages = [ex for ex in rec["exchanges"] if ex["method"] == "GET"]
    assert [ex["response"]["omittedItems"] for ex in pages] == [1, 1, 1]
    assert "customer.example" not in json.dumps(rec)
    with Emulator(tokens={TOKEN: ["all.Application"]}) as fresh:
        assert replay(rec, fresh) == []
    edited = copy.deepcopy(rec)
    [ex for ex in edited["exchanges"] if ex["seq"] == pages[1]["seq"]][0]["response"]["items"][0]["email"] = "x@y.z"
    with Emulator(tokens={TOKEN: ["all.Application"]}) as fresh:
        differences = replay(edited, fresh)
    assert [(difference.seq, difference.where) for difference in differences] == [
        (pages[0]["seq"], "$.items (every page)[4].email")]
