"""A scripted stand-in for requests.Session: each test lists the exchanges it
expects, in order, and the session answers them and records what was sent."""

import json

import requests


def response(status=200, body=None, headers=None, raw=None):
    """A requests.Response with a JSON body (or ``raw`` bytes)."""
    resp = requests.Response()
    resp.status_code = status
    if raw is not None:
        resp._content = raw
    else:
        resp._content = b"" if body is None else json.dumps(body).encode()
        resp.headers["Content-Type"] = "application/json"
    resp.headers.update(headers or {})
    resp.encoding = "utf-8"
    return resp


class FakeSession:
    """Answers requests from a script of responses (or exceptions) and records each call."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.calls = []
        self.headers = {}
        self.verify = True

    def request(self, method, url, params=None, data=None, timeout=None, verify=None):
        self.calls.append({
            "method": method,
            "url": url,
            "params": dict(params) if params else {},
            "body": json.loads(data) if data else None,
            "timeout": timeout,
            "verify": verify,
        })
        if not self.answers:
            raise AssertionError("unexpected request %s %s" % (method, url))
        answer = self.answers.pop(0)
        if callable(answer):
            answer = answer(self.calls[-1])
        if isinstance(answer, Exception):
            raise answer
        return answer

    def summary(self):
        """(method, path-after-host, params, body) of each call, for exact assertions."""
        return [(c["method"], c["url"].split("://", 1)[1].split("/", 1)[1], c["params"], c["body"]) for c in self.calls]
