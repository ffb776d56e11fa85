"""Replay recordings of the live acceptance lane against the Losant API emulator.

    python tests/live/replay.py RECORDING_OR_FOLDER...

Each recording (a ``*.json`` of tests/live/recording_proxy.py; a folder means
every ``*.json`` in it) is replayed against a fresh in-process emulator; every
difference between what Losant answered and what the emulator answers is
printed, and the exit status is 1 if there is any (2 for an unreadable file).
Python: ``replay(recording, emulator)`` returns the differences.

The replay uses only the emulator's public API and its Python seeding method,
so it runs against an emulator with hooks on or off. How placeholders are
resolved and what is compared: tests/live/README.md.
"""

import argparse
import glob
import http.client
import json
import os
import re
import ssl
import sys
import urllib.parse
from collections import namedtuple

try:
    from .recording_proxy import COUNTS_FOREIGN, FOREIGN, OMITTED, carries_run  # imported from the collection
except ImportError:
    from recording_proxy import COUNTS_FOREIGN, FOREIGN, OMITTED, carries_run  # run as a script

HERE = os.path.dirname(os.path.abspath(__file__))
EMULATOR_DIR = os.path.join(os.path.dirname(HERE), "emulator")

REPLAY_RUN_ID = "rreplay0000"
REPLAY_PASSWORD = "Replay-passw0rd"
REPLAY_TIME = "2020-01-01T00:00:00.000Z"
# What the invalid-password placeholders stand for (Losant takes 8 to 2048 characters).
PASSWORD_VALUES = {
    "<password>": REPLAY_PASSWORD,
    "<secret>": REPLAY_PASSWORD,
    "<password:too-short>": "short",
    "<password:too-long>": "x" * 2049,
}
PASSWORD_NOT_A_STRING = "<password:not-a-string>"
META_KEYS = frozenset((OMITTED, COUNTS_FOREIGN, FOREIGN))
COUNT_KEYS = frozenset(("count", "totalCount", "directDeviceCount", "totalDeviceCount"))
PLACEHOLDER_RE = re.compile(r"<(id|other-id|application)(?::(\d+))?>|<run>|<time>|<secret>|<password(?::[a-z-]+)?>")
FULL_ID_RE = re.compile(r"^[0-9A-Fa-f]{24}$")
MISSING = "<missing>"
UPSTREAM_ERROR_STATUSES = (429,)  # with every 5xx: Losant's load, not its contract

# The kind of resource an id stands for, by the key it is found under.
KIND_BY_KEY = {
    "deviceIds": "device", "deviceId": "device",
    "experienceEndpointIds": "endpoint", "experienceEndpointId": "endpoint",
    "experienceUserIds": "user", "experienceUserId": "user",
    "experienceGroupIds": "group", "experienceGroupId": "group", "experienceGroups": "group",
    "parentId": "group", "ancestorIds": "group", "ancestorId": "group",
}
KIND_BY_PATH = (("/experience/users", "user"), ("/experience/groups", "group"),
                ("/experience/endpoints", "endpoint"), ("/devices", "device"))


class Difference(namedtuple("Difference", "seq method path where recorded emulator recorded_status emulator_status")):
    """One exchange where the emulator disagrees with the recording: ``where`` is
    ``status`` or the JSON path of the first disagreement (``$.items[0].email``),
    ``recorded`` / ``emulator`` the values found there."""

    def __str__(self):
        return "seq %s %s %s: %s: recorded (Losant) %s %s, emulator %s %s" % (
            self.seq, self.method, self.path, self.where, self.recorded_status, _show(self.recorded),
            self.emulator_status, _show(self.emulator))


def _show(value, limit=300):
    text = value if value == MISSING else json.dumps(value, sort_keys=True)
    return text if len(text) <= limit else text[:limit] + "..."


def _json_path(where, key):
    if re.match(r"^[A-Za-z_]\w*$", key):
        return "%s.%s" % (where, key)
    return "%s[%s]" % (where, json.dumps(key))


def _path_kind(path):
    for part, kind in KIND_BY_PATH:
        if part in path:
            return kind
    return None


def _placeholders_in(value):
    if isinstance(value, str):
        for m in PLACEHOLDER_RE.finditer(value):
            yield m.group(0)
    elif isinstance(value, list):
        for item in value:
            yield from _placeholders_in(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _placeholders_in(key)
            yield from _placeholders_in(item)


def _is_error(status):
    return status is not None and status >= 400


def _transient(status):
    return status in UPSTREAM_ERROR_STATUSES or (status is not None and status >= 500)


class Replayer:
    """One replay of one recording against one started emulator."""

    def __init__(self, recording, emulator, token=None):
        if not isinstance(recording, dict) or recording.get("format") != 1:
            raise ValueError("not a recording of format 1")
        self.recording = recording
        self.emulator = emulator
        self.token = token or _pick_token(emulator)
        self.bound = {}       # "<id:N>" -> the emulator's id
        self.fixed = {"<application>": emulator.application_id, "<run>": REPLAY_RUN_ID, "<time>": REPLAY_TIME}
        self.fixed.update(PASSWORD_VALUES)
        self.skipped = 0

    # placeholders ----------------------------------------------------------------

    def value_of(self, placeholder):
        m = PLACEHOLDER_RE.fullmatch(placeholder)
        kind, n = m.group(1), m.group(2)
        if placeholder in self.fixed:
            return self.fixed[placeholder]
        if kind == "id":
            # not (yet) learned from an answer: an id nothing has
            return self.bound.get(placeholder, "e%023x" % int(n))
        if kind == "other-id":
            return "f%023x" % int(n)
        if kind == "application":
            return "0123456789abcdef%08x" % int(n or 0)
        return placeholder

    def resolve(self, value):
        """A recorded request value with every placeholder replaced by what the replay uses."""
        if isinstance(value, str):
            if value == PASSWORD_NOT_A_STRING:
                return 12345678
            return PLACEHOLDER_RE.sub(lambda m: self.value_of(m.group(0)), value)
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if isinstance(value, dict):
            return dict((self.resolve(key), self.resolve(item)) for key, item in value.items())
        return value

    def match_string(self, recorded, actual):
        """Whether ``actual`` is ``recorded`` with its placeholders resolved; an
        ``<id:N>`` not learned yet is learned here (the emulator's id at that place)."""
        if "<" not in recorded:
            return recorded == actual
        pattern, groups, pos = "", {}, 0
        for m in PLACEHOLDER_RE.finditer(recorded):
            pattern += re.escape(recorded[pos:m.start()])
            pos = m.end()
            token = m.group(0)
            if token == "<time>":
                pattern += ".+?"
            elif m.group(1) == "id" and token not in self.bound:
                name = "id%s" % m.group(2)
                pattern += "(?P=%s)" % name if name in groups else "(?P<%s>[0-9A-Fa-f]{24})" % name
                groups[name] = token
            else:
                pattern += "(?i:%s)" % re.escape(str(self.value_of(token)))
        pattern += re.escape(recorded[pos:])
        m = re.fullmatch(pattern, actual, re.S)
        if not m:
            return False
        for name, token in groups.items():
            self.bound[token] = m.group(name).lower()
        return True

    # seeding -----------------------------------------------------------------------

    def _foreign(self):
        """{"<other-id:N>": kind} the recording shows existing, and the parents of foreign groups."""
        kinds, existing, parents = {}, set(), {}

        def note(value, kind):
            if isinstance(value, str) and value.startswith("<other-id:") and kind and value not in kinds:
                kinds[value] = kind

        def walk(value, kind, path_kind):
            if isinstance(value, dict):
                if kind and "id" in value:
                    note(value["id"], kind)
                for key, item in value.items():
                    sub = KIND_BY_KEY.get(key)
                    if key in ("parentId", "ancestorIds", "ancestorId") and path_kind == "device":
                        sub = "device"
                    walk(item, sub if sub else (path_kind if key == "items" else None), path_kind)
                ancestors = value.get("ancestorIds")
                if isinstance(ancestors, list) and path_kind != "device":
                    for parent, child in zip([None] + ancestors[:-1], ancestors):
                        if isinstance(child, str) and child.startswith("<other-id:"):
                            parents.setdefault(child, parent)
            elif isinstance(value, list):
                for item in value:
                    walk(item, kind, path_kind)
            else:
                note(value, kind)
                if isinstance(value, str) and value.startswith("{"):
                    try:
                        walk(json.loads(value), kind, path_kind)  # an advanced query
                    except ValueError:
                        pass

        for ex in self.recording["exchanges"]:
            path_kind = _path_kind(ex["path"])
            parts = ex["path"].rstrip("/").split("/")
            if len(parts) > 1 and parts[-1].startswith("<other-id:"):
                note(parts[-1], path_kind)
            walk(ex.get("query") or {}, None, path_kind)
            walk(ex.get("request"), path_kind if ex["method"] in ("POST", "PATCH") else None, path_kind)
            walk(ex.get("response"), path_kind, path_kind)
            status = ex.get("status") or 0
            if 200 <= status < 300:
                # what a success shows exists (a 404's id did not)
                existing.update(p for p in _placeholders_in(ex.get("response")) if p.startswith("<other-id:"))
                existing.update(p for p in _placeholders_in(ex["path"]) if p.startswith("<other-id:"))
        return dict((p, k) for p, k in kinds.items() if p in existing), parents

    def seed(self):
        foreign, parents = self._foreign()
        body = {"devices": [], "experienceEndpoints": [], "experienceGroups": [], "experienceUsers": []}

        def number(placeholder):
            return int(placeholder[len("<other-id:"):-1])

        for placeholder in sorted(foreign, key=number):
            n, kind, oid = number(placeholder), foreign[placeholder], self.value_of(placeholder)
            if kind == "device":
                body["devices"].append({"id": oid, "name": "other-device-%d" % n})
            elif kind == "endpoint":
                body["experienceEndpoints"].append({"id": oid, "method": "get", "route": "/other-endpoint-%d" % n,
                                                    "access": "group"})
            elif kind == "user":
                body["experienceUsers"].append({"id": oid, "email": "other-user-%d@example.com" % n})
        groups = [p for p in sorted(foreign, key=number) if foreign[p] == "group"]
        done = set()

        def add_group(placeholder):
            if placeholder in done:
                return
            done.add(placeholder)
            parent = parents.get(placeholder)
            spec = {"id": self.value_of(placeholder), "name": "other-group-%d" % number(placeholder)}
            if parent in groups:
                add_group(parent)  # parents first
                spec["parentId"] = self.value_of(parent)
            body["experienceGroups"].append(spec)
        for placeholder in groups:
            add_group(placeholder)
        if any(body.values()):
            try:
                self.emulator.seed(body)
            except Exception as exc:  # the emulator's ApiError, of whichever copy of the package
                raise ValueError("cannot seed what the recording shows of foreign resources: %s" % exc) from exc

    # sending ------------------------------------------------------------------------

    def send(self, ex):
        path = self.resolve(ex["path"])
        query = self.resolve(ex.get("query") or {})
        if query:
            path += "?" + urllib.parse.urlencode(query, doseq=True)
        headers = {"Accept": "application/json"}
        auth = ex.get("auth", "token")
        if auth == "token":
            headers["Authorization"] = "Bearer " + self.token
        elif auth != "none":
            headers["Authorization"] = "Bearer replay-unknown-token-" + re.sub(r"\W", "-", auth)
        if ex.get("accept_version"):
            headers["Accept-Version"] = ex["accept_version"]
        body = None
        if ex.get("request") is not None:
            body = json.dumps(self.resolve(ex["request"])).encode("utf-8")
            headers["Content-Type"] = "application/json"
        split = urllib.parse.urlsplit(self.emulator.url)
        if split.scheme == "https":
            context = ssl.create_default_context()
            context.check_hostname = False  # the emulator's own certificate: nothing to prove here
            context.verify_mode = ssl.CERT_NONE
            conn = http.client.HTTPSConnection(split.hostname, split.port, timeout=60, context=context)
        else:
            conn = http.client.HTTPConnection(split.hostname, split.port, timeout=60)
        try:
            conn.request(ex["method"], path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
        finally:
            conn.close()
        try:
            answer = json.loads(data.decode("utf-8")) if data else None
        except (ValueError, UnicodeDecodeError):
            answer = None
        return resp.status, answer

    # comparing ----------------------------------------------------------------------

    def _run_item(self, item):
        if isinstance(item, dict) and isinstance(item.get("id"), str) and item["id"].lower() in self.bound.values():
            return True
        return carries_run(item, REPLAY_RUN_ID)

    def compare(self, recorded, actual, where, found):
        """Append (where, recorded, actual) for every disagreement, in key order."""
        if isinstance(recorded, dict):
            if not isinstance(actual, dict):
                found.append((where, recorded, actual))
                return
            if recorded.get(FOREIGN) is True:
                # a resource not the run's: only its id was recorded
                self.compare(recorded.get("id"), actual.get("id", MISSING), where + ".id", found)
                return
            counts_foreign = recorded.get(COUNTS_FOREIGN) is True
            keys = set(recorded) - META_KEYS
            for key in sorted(keys | set(actual)):
                sub = _json_path(where, key)
                if key not in actual:
                    found.append((sub, recorded[key], MISSING))
                elif key not in keys:
                    found.append((sub, MISSING, actual[key]))
                elif not (counts_foreign and key in COUNT_KEYS):
                    self.compare(recorded[key], actual[key], sub, found)
        elif isinstance(recorded, list):
            if not isinstance(actual, list):
                found.append((where, recorded, actual))
                return
            actual = self._align(recorded, actual)
            for i in range(max(len(recorded), len(actual))):
                sub = "%s[%d]" % (where, i)
                if i >= len(actual):
                    found.append((sub, recorded[i], MISSING))
                elif i >= len(recorded):
                    found.append((sub, MISSING, actual[i]))
                else:
                    self.compare(recorded[i], actual[i], sub, found)
        elif isinstance(recorded, str):
            if not (isinstance(actual, str) and self.match_string(recorded, actual)):
                found.append((where, recorded, actual))
        elif isinstance(recorded, bool) or recorded is None:
            if actual is not recorded:
                found.append((where, recorded, actual))
        elif isinstance(actual, bool) or not isinstance(actual, (int, float)) or actual != recorded:
            found.append((where, recorded, actual))

    def _align(self, recorded, actual):
        """A list holding foreign resources in the recording's order: their names,
        which decide their place, are not recorded, so the emulator's items are
        matched by id."""
        if not any(isinstance(item, dict) and item.get(FOREIGN) is True for item in recorded):
            return actual
        ordered, used = [], set()
        for item in recorded:
            rid = item.get("id") if isinstance(item, dict) else None
            if isinstance(rid, str) and PLACEHOLDER_RE.fullmatch(rid):
                rid = self.value_of(rid)
            for j, candidate in enumerate(actual):
                if j not in used and isinstance(candidate, dict) and candidate.get("id") == rid:
                    ordered.append(candidate)
                    used.add(j)
                    break
        return ordered + [candidate for j, candidate in enumerate(actual) if j not in used]

    def check(self, ex, status, answer):
        """The first disagreement of one exchange, or None."""
        recorded = ex.get("response")
        if status != ex["status"]:
            return Difference(ex["seq"], ex["method"], ex["path"], "status", recorded, answer, ex["status"], status)
        found = []
        if _is_error(status):
            if isinstance(recorded, dict):
                actual = answer if isinstance(answer, dict) else {}
                for key in ("type", "message"):
                    if key in recorded:
                        self.compare(recorded[key], actual.get(key, MISSING), "$." + key, found)
        elif recorded is None:
            if answer is not None:
                found.append(("$", None, answer))
        else:
            if isinstance(recorded, dict) and isinstance(recorded.get("items"), list) and isinstance(answer, dict) \
                    and isinstance(answer.get("items"), list):
                # the emulator's listing without what is not the run's, as the proxy recorded Losant's
                answer = dict(answer, items=[item for item in answer["items"] if self._run_item(item)])
            self.compare(recorded, answer, "$", found)
        if not found:
            return None
        where, rec_value, act_value = found[0]
        return Difference(ex["seq"], ex["method"], ex["path"], where, rec_value, act_value, ex["status"], status)

    def page_size(self):
        """The most items a page held where the recorded server answered fewer than were asked for
        (Losant serves 100, whatever perPage asks); None when no answer shows a cap."""
        caps = []
        for ex in self.recording["exchanges"]:
            answered, asked = (ex.get("response") or {}).get("perPage"), (ex.get("query") or {}).get("perPage")
            if isinstance(answered, int) and str(asked or "").isdigit() and answered < int(asked):
                caps.append(answered)
        return max(caps) if caps else None

    def run(self):
        cap = self.page_size()
        if cap is not None:
            # The emulator pages as the recorded server did, so that the pages compare.
            self.emulator.set_settings({"pageCap": cap})
        self.seed()
        readings = foreign_readings(self.recording["exchanges"])
        differences = []
        for ex in self.recording["exchanges"]:
            if _transient(ex.get("status")):
                self.skipped += 1
                continue
            status, answer = self.send(ex)
            reading = readings.get(ex["seq"])
            if reading is None:
                difference = self.check(ex, status, answer)
            elif reading[0] is ex:
                difference = self.check_reading(reading, status, answer)
            else:
                difference = None  # compared with the first page of its reading
            if difference is not None:
                differences.append(difference)
        return differences

    def check_reading(self, reading, status, answer):
        """A whole paged reading of a listing that held items not the run's: where they stood on a
        page decided where the run's items fell, so the run's items of every page are compared at
        once - the recording's against the emulator's, every page of it read here."""
        first = reading[0]
        if status != first["status"] or not isinstance(answer, dict):
            return Difference(first["seq"], first["method"], first["path"], "status", first["response"], answer,
                              first["status"], status)
        items = list(answer.get("items") or [])
        per_page = answer.get("perPage") or len(items) or 1
        for page in range(1, -(-(answer.get("totalCount") or 0) // per_page)):
            query = dict(first.get("query") or {}, page=str(page), perPage=str(per_page))
            page_status, page_answer = self.send(dict(first, query=query))
            items.extend((page_answer or {}).get("items") or [] if page_status == 200 else [])
        recorded = [item for ex in reading for item in (ex.get("response") or {}).get("items") or []]
        found = []
        self.compare(recorded, [item for item in items if self._run_item(item)], "$.items (every page)", found)
        if not found:
            return None
        where, rec_value, act_value = found[0]
        return Difference(first["seq"], first["method"], first["path"], where, rec_value, act_value,
                          first["status"], status)


def _listing_key(ex):
    """What makes two pages part of one reading: the listing and its query, less the paging."""
    query = dict((key, value) for key, value in (ex.get("query") or {}).items() if key not in ("page", "perPage"))
    return ex["path"], json.dumps(query, sort_keys=True)


def foreign_readings(exchanges):
    """{seq: the pages of its reading} for every page of a paged reading (page 0, then the pages
    after it) of which some page lost items that were not the run's (``omittedItems``)."""
    readings, current = [], {}
    for ex in exchanges:
        response = ex.get("response")
        if ex["method"] != "GET" or not isinstance(response, dict) or not isinstance(response.get("items"), list):
            continue
        key = _listing_key(ex)
        if str((ex.get("query") or {}).get("page", "0")) == "0":
            current[key] = [ex]
            readings.append(current[key])
        elif key in current:
            current[key].append(ex)
    found = {}
    for reading in readings:
        if any((ex["response"].get(OMITTED) or 0) > 0 for ex in reading):
            found.update((ex["seq"], reading) for ex in reading)
    return found


def _pick_token(emulator):
    tokens = getattr(emulator, "tokens", {}) or {}
    for token, scopes in sorted(tokens.items()):
        if "all.Application" in scopes:
            return token
    if tokens:
        return sorted(tokens)[0]
    return "losant-emulator-token"


def replay(recording, emulator, token=None):
    """Replay ``recording`` (a dict) against ``emulator`` (started, fresh); return the differences."""
    return Replayer(recording, emulator, token).run()


# -- command line ---------------------------------------------------------------


def _emulator_class():
    package = __package__ or ""
    if package.endswith("tests.live"):
        # imported from the collection: the emulator package next door, not a second copy
        module = __import__(package[:-len("live")] + "emulator.losant_emulator", fromlist=["Emulator"])
        return module.Emulator
    if EMULATOR_DIR not in sys.path:
        sys.path.insert(0, EMULATOR_DIR)
    from losant_emulator import Emulator  # pylint: disable=import-outside-toplevel
    return Emulator


def recordings(paths):
    """The recording files named: files as given, folders by their ``*.json``."""
    found = []
    for path in paths:
        if os.path.isdir(path):
            found.extend(sorted(glob.glob(os.path.join(path, "*.json"))))
        else:
            found.append(path)
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(description="Replay live-lane recordings against a fresh Losant API emulator.")
    parser.add_argument("recordings", nargs="+", metavar="RECORDING", help="a recording file, or a folder of them")
    args = parser.parse_args(argv)
    emulator_class = _emulator_class()
    files = recordings(args.recordings)
    if not files:
        print("no recordings in %s" % ", ".join(args.recordings))
        return 0
    status = 0
    for path in files:
        try:
            with open(path, encoding="utf-8") as handle:
                recording = json.load(handle)
            with emulator_class() as emulator:
                replayer = Replayer(recording, emulator)
                differences = replayer.run()
        except (OSError, ValueError, KeyError, TypeError) as exc:
            print("%s: cannot replay: %s" % (path, exc))
            status = max(status, 2)
            continue
        sent = len(recording["exchanges"]) - replayer.skipped
        print("%s: %d exchanges replayed, %d skipped (429/5xx), %d difference%s"
              % (path, sent, replayer.skipped, len(differences), "" if len(differences) == 1 else "s"))
        for difference in differences:
            print("  " + str(difference))
        if differences:
            status = max(status, 1)
    return status


if __name__ == "__main__":
    sys.exit(main())
