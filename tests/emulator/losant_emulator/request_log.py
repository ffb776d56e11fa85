"""The request log read by ``GET /_emulator/requests``: every Losant request,
in ``seq`` order, with passwords masked."""

import json
import threading

MAX_LOG_ENTRIES = 20000


def mask_passwords(value):
    """Copy of a JSON value with every "password" string replaced by stars."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if k == "password" and isinstance(v, str):
                out[k] = "*" * len(v)
            else:
                out[k] = mask_passwords(v)
        return out
    if isinstance(value, list):
        return [mask_passwords(v) for v in value]
    return value


def _log_params(params):
    return dict((k, v[0] if len(v) == 1 else list(v)) for k, v in params.items())


class RequestLog:
    """The last ``MAX_LOG_ENTRIES`` requests. ``seq`` keeps counting across
    ``clear()``; an entry's ``status`` is None until ``finish()``."""

    def __init__(self):
        self.lock = threading.Lock()
        self.entries = []
        self.last_seq = 0

    def start(self, method, path, params, raw, accept_version=None):
        body = None
        if raw:
            try:
                body = mask_passwords(json.loads(raw.decode("utf-8")))
            except (ValueError, UnicodeDecodeError):
                body = None
        with self.lock:
            self.last_seq += 1
            entry = {"seq": self.last_seq, "method": method, "path": path,
                     "query": _log_params(params), "body": body,
                     "status": None, "response": None, "fault": None,
                     "accept_version": accept_version}
            self.entries.append(entry)
            if len(self.entries) > MAX_LOG_ENTRIES:
                del self.entries[:len(self.entries) - MAX_LOG_ENTRIES]
            return entry

    def note_fault(self, entry, action):
        with self.lock:
            entry["fault"] = action

    def finish(self, entry, status, response):
        with self.lock:
            entry["status"] = status
            entry["response"] = response

    def since(self, seq=0):
        with self.lock:
            items = [dict(e) for e in self.entries if e["seq"] > seq]
            return {"requests": items, "last_seq": self.last_seq}

    def clear(self):
        with self.lock:
            self.entries = []
