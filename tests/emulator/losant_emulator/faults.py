"""Fault injection: the rules set by ``PUT /_emulator/faults`` (checked here),
which rule fires for a request, and the answers the ``status`` and
``malformed`` actions send. ``emulator.py`` carries out the actions."""

import json
import math
import re
import threading
import time

from .errors import ERROR_TYPES, validation_error

FAULT_ACTIONS = ("status", "drop", "drop_after", "reset", "delay", "delay_after", "malformed", "empty",
                 "rate_limit", "ignore_query")
RULE_KEYS = ("method", "path", "every", "times", "skip", "action", "status",
             "retry_after", "body", "content_type", "delay", "message", "type", "name",
             "limit", "window", "params")


def _check_int(where, value, minimum, allow_none=False):
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise validation_error("%s must be an integer >= %d%s"
                               % (where, minimum, " or null" if allow_none else ""))
    return value


def _check_number(where, value):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise validation_error("%s must be a number >= 0" % where)
    return value


class Faults:
    """The fault rules and the latency added to every request; ``clear()`` goes
    back to ``base_latency``, the latency the emulator was started with."""

    def __init__(self, base_latency=0):
        self.lock = threading.Lock()
        self.base_latency = _check_number("latency", base_latency)
        self.latency = self.base_latency
        self.rules = []

    def clear(self):
        with self.lock:
            self.latency = self.base_latency
            self.rules = []

    def configure(self, spec):
        if not isinstance(spec, dict):
            raise validation_error("faults body must be a JSON object")
        for key in spec:
            if key not in ("latency", "rules"):
                raise validation_error('"%s" is not an allowed property of the faults body' % key)
        latency = _check_number("latency", spec.get("latency", self.base_latency) or 0)
        rules_in = spec.get("rules") or []
        if not isinstance(rules_in, list):
            raise validation_error("rules must be an array")
        rules = []
        for i, raw in enumerate(rules_in):
            where = "rules[%d]" % i
            if not isinstance(raw, dict):
                raise validation_error("%s must be an object" % where)
            for key in raw:
                if key not in RULE_KEYS:
                    raise validation_error('%s: unknown property "%s"' % (where, key))
            action = raw.get("action")
            if action not in FAULT_ACTIONS:
                raise validation_error("%s.action must be one of: %s" % (where, ", ".join(FAULT_ACTIONS)))
            rule = {"action": action}
            method = raw.get("method")
            if method is not None and not isinstance(method, str):
                raise validation_error("%s.method must be a string or null" % where)
            rule["method"] = method.upper() if method else None
            path = raw.get("path")
            if path is not None:
                if not isinstance(path, str):
                    raise validation_error("%s.path must be a regular expression string or null" % where)
                try:
                    rule["_path_re"] = re.compile(path)
                except re.error as exc:
                    raise validation_error("%s.path is not a valid regular expression: %s" % (where, exc))
            rule["path"] = path
            rule["every"] = _check_int(where + ".every", raw.get("every", 1), 1)
            rule["times"] = _check_int(where + ".times", raw.get("times"), 0, allow_none=True)
            rule["skip"] = _check_int(where + ".skip", raw.get("skip", 0), 0)
            if action == "status":
                rule["status"] = _check_int(where + ".status", raw.get("status", 500), 100)
                if rule["status"] > 599:
                    raise validation_error("%s.status must be an HTTP status code" % where)
                if "retry_after" in raw and raw["retry_after"] is not None:
                    ra = raw["retry_after"]
                    if isinstance(ra, bool) or not isinstance(ra, (str, int, float)):
                        raise validation_error("%s.retry_after must be a string" % where)
                    rule["retry_after"] = str(ra)
                if "body" in raw and raw["body"] is not None:
                    rule["body"] = raw["body"]
                    ct = raw.get("content_type")
                    if ct is not None and not isinstance(ct, str):
                        raise validation_error("%s.content_type must be a string" % where)
                    rule["content_type"] = ct
                for key in ("message", "type"):
                    if key in raw:
                        if not isinstance(raw[key], str):
                            raise validation_error("%s.%s must be a string" % (where, key))
                        rule[key] = raw[key]
            if action in ("delay", "delay_after"):
                rule["delay"] = _check_number(where + ".delay", raw.get("delay", 1))
            if action == "rate_limit":
                rule["limit"] = _check_int(where + ".limit", raw.get("limit", 10), 1)
                rule["window"] = _check_number(where + ".window", raw.get("window", 1))
                if not rule["window"]:
                    raise validation_error("%s.window must be a number > 0" % where)
                rule["_window_end"] = 0.0
                rule["_window_count"] = 0
            if action == "ignore_query":
                # A server that answers as if these query parameters had not been sent.
                params = raw.get("params")
                if not isinstance(params, list) or not params or not all(isinstance(p, str) for p in params):
                    raise validation_error("%s.params must be a non-empty array of query parameter names" % where)
                rule["params"] = list(params)
            if "name" in raw:
                rule["name"] = raw["name"]
            rule["fired"] = 0
            rule["matched"] = 0
            rules.append(rule)
        with self.lock:
            self.latency = latency
            self.rules = rules

    def describe(self):
        with self.lock:
            return {
                "latency": self.latency,
                "rules": [dict((k, v) for k, v in r.items() if not k.startswith("_"))
                          for r in self.rules],
            }

    def pick(self, method, path):
        """Count this request against the rules; return (latency, firing rule)."""
        with self.lock:
            for rule in self.rules:
                if rule["method"] is not None and rule["method"] != method:
                    continue
                if "_path_re" in rule and not rule["_path_re"].search(path):
                    continue
                rule["matched"] += 1
                n = rule["matched"] - rule["skip"]
                if n <= 0 or n % rule["every"]:
                    continue
                if rule["times"] is not None and rule["fired"] >= rule["times"]:
                    continue
                if rule["action"] == "rate_limit" and not _over_the_limit(rule):
                    continue
                rule["fired"] += 1
                return self.latency, dict(rule)
            return self.latency, None


def _over_the_limit(rule):
    """Count a request in the rule's fixed window (which starts with the first request
    after the last one ended); True when it is beyond the limit, and then set the
    429 the request gets: Retry-After is the whole seconds left in the window."""
    now = time.monotonic()
    if now >= rule["_window_end"]:
        rule["_window_end"] = now + rule["window"]
        rule["_window_count"] = 0
    rule["_window_count"] += 1
    if rule["_window_count"] <= rule["limit"]:
        return False
    rule["status"] = 429
    rule["retry_after"] = str(max(1, int(math.ceil(rule["_window_end"] - now))))
    return True


# What the "malformed" action answers: 200, a JSON content type, a body that is not JSON.
MALFORMED_BODY = b'{"id": "5f6a7b8c9d0e1f2a3b4c5d6e", "email": <html>'


def _fault_message(status):
    if status == 429:
        return "Rate limit exceeded, please slow down"
    return "Injected fault: HTTP %d" % status


def status_fault_answer(rule):
    """What a ``status`` rule answers: (status, body bytes, content type,
    headers, the JSON logged as the response or None)."""
    status = rule["status"]
    headers = {}
    if "retry_after" in rule:
        headers["Retry-After"] = rule["retry_after"]
    if "body" in rule:
        data = rule["body"]
        if isinstance(data, str):
            ctype = rule.get("content_type") or "text/html; charset=utf-8"
            payload = data.encode("utf-8")
            try:
                logged = json.loads(data)
            except ValueError:
                logged = None
        else:
            ctype = rule.get("content_type") or "application/json"
            payload = json.dumps(data).encode("utf-8")
            logged = data
        return status, payload, ctype, headers, logged
    body = {"type": rule.get("type") or ERROR_TYPES.get(status, "Error"),
            "message": rule.get("message") or _fault_message(status)}
    return status, json.dumps(body).encode("utf-8"), "application/json; charset=utf-8", headers, body
