"""A scripted stand-in for requests.Session: each test lists the exchanges it
expects, in order, and the session answers them and records what was sent.
For requests sent by several threads at once, RoutedSession answers each
request by what it asks (``listing_answer`` pages a list as Losant does)."""

import json
import threading

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
        self._lock = threading.Lock()

    def request(self, method, url, params=None, data=None, timeout=None, verify=None):
        call = {
            "method": method,
            "url": url,
            "params": dict(params) if params else {},
            "body": json.loads(data) if data else None,
            "timeout": timeout,
            "verify": verify,
        }
        with self._lock:
            self.calls.append(call)
            answer = self._next_answer(call)
        if callable(answer):
            answer = answer(call)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def _next_answer(self, call):
        if not self.answers:
            raise AssertionError("unexpected request %s %s" % (call["method"], call["url"]))
        return self.answers.pop(0)

    def summary(self):
        """(method, path-after-host, params, body) of each call, for exact assertions."""
        return [(c["method"], c["url"].split("://", 1)[1].split("/", 1)[1], c["params"], c["body"]) for c in self.calls]

    def summary_set(self):
        """summary() as a sorted list, for requests sent by several threads at once."""
        return sorted(self.summary(), key=lambda call: json.dumps(call, sort_keys=True, default=str))


class RoutedSession(FakeSession):
    """Answers every request with ``route(call)`` (a response or an exception), from any thread."""

    def __init__(self, route):
        super(RoutedSession, self).__init__()
        self.route = route

    def _next_answer(self, call):
        return self.route


def listing_answer(items, params, page_cap=100, total=None):
    """The answer of a Losant listing of ``items`` to ``params``: sorted by
    ``sortField`` (ids here), a page of at most ``page_cap`` items counted in
    that size, and ``totalCount`` (``total`` when a test wants it to lie)."""
    per_page = min(int(params.get("perPage", 100)), page_cap)
    page = int(params.get("page", 0))
    ordered = sorted(items, key=lambda item: item.get(params.get("sortField", "id")) or "")
    chosen = ordered[page * per_page:(page + 1) * per_page]
    return response(200, {"items": chosen, "count": len(chosen), "perPage": per_page, "page": page,
                          "totalCount": len(items) if total is None else total})
