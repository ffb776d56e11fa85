"""What the emulator's tests share: a tiny HTTP client for the emulator, the
error assertion, seeding, and ids and patterns the tests compare with.

Import as ``ansible_collections.losant.platform.tests.unit.emulator.emulator_client``.
"""

import json
import re
from pathlib import Path

import requests

from ansible_collections.losant.platform.tests.emulator.losant_emulator import DEFAULT_APPLICATION_ID, DEFAULT_TOKEN

APP = DEFAULT_APPLICATION_ID
OTHER_APP = "0123456789abcdef01234567"
MISSING_ID = "0" * 24
EMULATOR_DIR = Path(__file__).resolve().parents[2] / "emulator"
EMULATOR_LAUNCHER = EMULATOR_DIR / "losant_emulator.py"
TS_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
ID_RE = re.compile(r"^[0-9a-f]{24}$")


class Api:
    """Tiny client for the emulator: Losant paths relative to the application."""

    def __init__(self, url, token=DEFAULT_TOKEN, app=APP):
        self.url = url
        self.token = token
        self.app = app
        self.session = requests.Session()
        self.verify = None  # per request: REQUESTS_CA_BUNDLE would override Session.verify

    def call(self, method, path, body=None, params=None, token=None, app=None, timeout=10, under="/experience"):
        """``path`` under the application's ``under`` (``""`` for ``/devices``)."""
        headers = {}
        token = self.token if token is None else token
        if token:
            headers["Authorization"] = "Bearer " + token
        base = "%s/applications/%s%s" % (self.url, app or self.app, under)
        kwargs = {"headers": headers, "params": params, "timeout": timeout}
        if self.verify:
            kwargs["verify"] = self.verify
        if body is not None:
            kwargs["json"] = body
        return self.session.request(method, base + path, **kwargs)

    def ok(self, method, path, body=None, params=None, status=None, under="/experience"):
        resp = self.call(method, path, body, params, under=under)
        expected = status or (201 if method == "POST" else 200)
        assert resp.status_code == expected, (resp.status_code, resp.text)
        return resp.json()

    def user(self, email, password="password123", **fields):
        body = dict(fields, email=email, password=password)
        return self.ok("POST", "/users", body)

    def group(self, name, **fields):
        return self.ok("POST", "/groups", dict(fields, name=name))

    def list_users(self, **params):
        return self.ok("GET", "/users", params=params)

    def query_users(self, query, **params):
        params["query"] = json.dumps(query)
        return self.list_users(**params)

    def emails(self, query=None, **params):
        if query is not None:
            params["query"] = json.dumps(query)
        params.setdefault("perPage", 1000)
        return sorted(u["email"] for u in self.list_users(**params)["items"])

    def hook(self, method, name, body=None, params=None):
        kwargs = {"params": params, "timeout": 30}
        if self.verify:
            kwargs["verify"] = self.verify
        if body is not None:
            kwargs["json"] = body
        return self.session.request(method, self.url + "/_emulator/" + name, **kwargs)

    def faults(self, *rules, **extra):
        spec = dict(extra, rules=list(rules))
        resp = self.hook("PUT", "faults", spec)
        assert resp.status_code == 200, resp.text
        return resp.json()

    def log(self, since=0):
        return self.hook("GET", "requests", params={"since": since}).json()


def assert_error(resp, status, type_=None, *words):
    assert resp.status_code == status, (resp.status_code, resp.text)
    assert resp.headers["Content-Type"].startswith("application/json")
    body = resp.json()
    assert set(body) >= {"type", "message"}
    if type_ is not None:
        assert body["type"] == type_, body
    for word in words:
        assert word.lower() in body["message"].lower(), body
    return body


def seed(api, users=(), groups=()):
    resp = api.hook("POST", "seed", {"experienceUsers": list(users), "experienceGroups": list(groups)})
    assert resp.status_code == 200, resp.text
    return resp.json()


def q(query):
    """The list parameters of an advanced query."""
    return {"query": json.dumps(query)}
