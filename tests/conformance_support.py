"""Check JSON bodies against Losant's official JSON Schemas.

The schemas live outside this repository, in ``shared/losant-api`` beside the
checkout: the nearest such folder beside the collection root or any folder
above it (so a copy of the checkout under its own ``.build/`` finds it too, as
ansible-test passes no environment variable through); ``LOSANT_SHARED_API_DIR``
overrides it.  When that folder is absent the
tests that need it are skipped with a visible reason, unless
``LOSANT_CONFORMANCE_REQUIRED=1`` is set: then they fail.

Importable as ``conformance_support`` (tests/ on sys.path, as emulator_service.py
sets it) and as ``ansible_collections.losant.platform.tests.conformance_support``
(the integration targets' schema check, which runs inside ansible-playbook).
Only ``require_shared_api()`` needs pytest, and imports it when called.

Helpers:

* ``SHARED_API_DIR`` / ``SCHEMAS_DIR``: where the contract is looked for.
* ``require_shared_api()``: skip (or fail) the calling test when it is absent.
* ``schema(name)``: a schema by name (``"experienceUser"`` or ``"experienceUser.json"``).
* ``problems(name, body)``: list of readable validation problems (empty = valid).
* ``validate(name, body)``: raise ``AssertionError`` naming every problem.
* ``check_exchange(entry)``: problems of one emulator request-log entry (the
  request body/query sent, the response body received), each schema picked
  from the method, path and status.
* ``Contract(schemas_dir)``: the same checks against the schemas of any folder,
  without pytest (``available()``, ``schema``, ``problems``, ``validate``,
  ``check_exchange``, ``check_log``); ``contract()`` is the one of ``SCHEMAS_DIR``.
"""

import json
import os
import re
from pathlib import Path

from jsonschema import Draft7Validator, FormatChecker

REPO_ROOT = Path(__file__).resolve().parents[1]


def find_shared_api_dir():
    """LOSANT_SHARED_API_DIR, else the nearest shared/losant-api (with schemas/) beside
    REPO_ROOT or a folder above it; else ``<repo root>/../shared/losant-api``, to name in errors."""
    if os.environ.get("LOSANT_SHARED_API_DIR"):
        return Path(os.environ["LOSANT_SHARED_API_DIR"]).resolve()
    for folder in REPO_ROOT.parents:
        if (folder / "shared" / "losant-api" / "schemas").is_dir():
            return (folder / "shared" / "losant-api").resolve()
    return (REPO_ROOT.parent / "shared" / "losant-api").resolve()


SHARED_API_DIR = find_shared_api_dir()
SCHEMAS_DIR = SHARED_API_DIR / "schemas"
REQUIRED_ENV = "LOSANT_CONFORMANCE_REQUIRED"

_RFC3339 = re.compile(
    r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[Tt ]([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)"
    r"(\.\d+)?([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)$")
_ROUTE = re.compile(r"^/applications/[^/]+/experience/(users|groups)(/[^/]+)?/?$")
# Read-only listings: path -> (response schema, schema of its advanced ``query`` parameter or None).
_LISTINGS = (
    (re.compile(r"^/applications/?$"), "applications", None),
    (re.compile(r"^/applications/[^/]+/devices/?$"), "devices", "advancedDeviceQuery"),
    (re.compile(r"^/applications/[^/]+/experience/endpoints/?$"), "experienceEndpoints", None),
)
_contracts = {}


def shared_api_available():
    return SCHEMAS_DIR.is_dir()


def conformance_required():
    return os.environ.get(REQUIRED_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def missing_contract(shared_api_dir):
    """Why the contract at ``shared_api_dir`` cannot be used."""
    return "Losant API contract not found at %s (no schemas/ folder)" % shared_api_dir


def require_shared_api():
    """Skip the calling test when the shared Losant contract is absent
    (fail instead when LOSANT_CONFORMANCE_REQUIRED=1)."""
    if shared_api_available():
        return
    import pytest  # only the tests that need the contract need pytest

    missing = missing_contract(SHARED_API_DIR)
    if conformance_required():
        pytest.fail("%s, and %s=1 requires schema conformance checks" % (missing, REQUIRED_ENV),
                    pytrace=False)
    pytest.skip("%s: schema conformance not checked (set %s=1 to make this a failure)"
                % (missing, REQUIRED_ENV))


def format_checker():
    checker = FormatChecker()

    @checker.checks("date-time", raises=ValueError)
    def _date_time(value):  # stricter than jsonschema without rfc3339-validator
        if not isinstance(value, str):
            return True
        if not _RFC3339.match(value):
            raise ValueError("%r is not an RFC 3339 date-time" % value)
        return True

    return checker


def _with_root_definitions(document):
    """Advanced query schemas reference #/definitions/<name> (the schema
    itself, in Losant's full API document); point such refs at the root."""
    missing = set()

    def walk(node):
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/definitions/"):
                missing.add(ref[len("#/definitions/"):])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(document)
    definitions = dict(document.get("definitions") or {})
    for name in missing:
        definitions.setdefault(name, {"$ref": "#"})
    if definitions:
        document = dict(document)
        document["definitions"] = definitions
    return document


class Contract:
    """Losant's schemas in ``schemas_dir``; the checks raise FileNotFoundError when it lacks one."""

    def __init__(self, schemas_dir):
        self.schemas_dir = Path(schemas_dir)
        self._validators = {}

    def available(self):
        return self.schemas_dir.is_dir()

    def _validator(self, name):
        if name.endswith(".json"):
            name = name[:-5]
        if name not in self._validators:
            path = self.schemas_dir / (name + ".json")
            if not path.is_file():
                raise FileNotFoundError("no schema %s in %s" % (path.name, self.schemas_dir))
            with path.open(encoding="utf-8") as handle:
                document = _with_root_definitions(json.load(handle))
            Draft7Validator.check_schema(document)
            self._validators[name] = Draft7Validator(document, format_checker=format_checker())
        return self._validators[name]

    def schema(self, name):
        """The schema ``name`` (with or without ``.json``)."""
        return self._validator(name).schema

    def problems(self, name, body):
        """Readable problems of ``body`` under schema ``name`` (empty list: valid)."""
        validator = self._validator(name)
        found = []
        for error in sorted(validator.iter_errors(body), key=lambda e: list(map(str, e.absolute_path))):
            found.append("%s at %s: %s" % (name.replace(".json", "") + ".json", _where(error),
                                           error.message[:500]))
        return found

    def validate(self, name, body):
        """Raise AssertionError listing every way ``body`` breaks schema ``name``."""
        found = self.problems(name, body)
        if found:
            text = json.dumps(body, indent=1, default=str)
            if len(text) > 2000:
                text = text[:2000] + "..."
            raise AssertionError("body does not validate against %s:\n  %s\nbody: %s"
                                 % (name, "\n  ".join(found), text))
        return body

    def check_exchange(self, entry):
        """Problems of one emulator request-log entry (see /_emulator/requests)."""
        method, path, status = entry.get("method", ""), entry.get("path", ""), entry.get("status")
        label = "#%s %s %s -> %s" % (entry.get("seq"), method, path, status)
        request_schema, response_schema = schemas_for(method, path, status)
        found = []
        if request_schema:
            if entry.get("body") is None:
                found.append("%s: request has no JSON body (%s expected)" % (label, request_schema))
            else:
                found.extend("%s: request %s" % (label, p) for p in self.problems(request_schema, entry["body"]))
        query = (entry.get("query") or {}).get("query")
        name = query_schema_for(method, path)
        if query is not None and name:
            found.extend(self._json_problems(label, "query parameter", query, name))
        device_query = (entry.get("body") or {}).get("deviceQueryJson") if request_schema else None
        if device_query:
            # A group's deviceQueryJson is an advanced device query, as JSON text.
            found.extend(self._json_problems(label, "request deviceQueryJson", device_query, "advancedDeviceQuery"))
        if response_schema and entry.get("response") is not None:
            found.extend("%s: response %s" % (label, p)
                         for p in self.problems(response_schema, entry["response"]))
        return found

    def _json_problems(self, label, what, text, name):
        try:
            parsed = json.loads(text)
        except (TypeError, ValueError):
            return ["%s: %s is not JSON: %r" % (label, what, text)]
        return ["%s: %s %s" % (label, what.replace(" parameter", ""), p) for p in self.problems(name, parsed)]

    def check_log(self, entries):
        """Problems of a whole request log, in order (every exchange of an integration target)."""
        found = []
        for entry in entries:
            found.extend(self.check_exchange(entry))
        return found


def contract(schemas_dir=None):
    """The Contract of ``schemas_dir`` (default: the current ``SCHEMAS_DIR``), made once."""
    key = str(Path(schemas_dir if schemas_dir is not None else SCHEMAS_DIR))
    if key not in _contracts:
        _contracts[key] = Contract(key)
    return _contracts[key]


def schema(name):
    """The official schema ``name`` (with or without ``.json``)."""
    require_shared_api()
    return contract().schema(name)


def _where(error):
    path = "$"
    for part in error.absolute_path:
        path += "[%d]" % part if isinstance(part, int) else ".%s" % part
    return path


def problems(name, body):
    """Readable problems of ``body`` under schema ``name`` (empty list: valid)."""
    require_shared_api()
    return contract().problems(name, body)


def validate(name, body):
    """Raise AssertionError listing every way ``body`` breaks schema ``name``."""
    require_shared_api()
    return contract().validate(name, body)


def query_schema_for(method, path):
    """The schema of the advanced ``query`` parameter of a GET listing, or None."""
    if method.upper() != "GET":
        return None
    match = _ROUTE.match(path)
    if match and not match.group(2):
        return "advancedExperienceUserQuery" if match.group(1) == "users" else "advancedExperienceGroupQuery"
    for pattern, dummy, query_schema in _LISTINGS:
        if pattern.match(path):
            return query_schema
    return None


def schemas_for(method, path, status):
    """(request schema or None, response schema or None) for one exchange."""
    match = _ROUTE.match(path)
    method = method.upper()
    if not match:
        for pattern, listing, dummy in _LISTINGS:
            if pattern.match(path) and method == "GET":
                return None, ("error" if status and status >= 400 else listing if status else None)
        return None, ("error" if status and status >= 400 else None)
    kind, item = match.group(1), match.group(2)
    singular = "experienceUser" if kind == "users" else "experienceGroup"
    plural = singular + "s"
    request = None
    if method == "POST" and not item:
        request = singular + "Post"
    elif method == "PATCH" and item:
        request = singular + "Patch"
    response = None
    if status:
        if status >= 400:
            response = "error"
        elif method == "DELETE":
            response = "success"
        elif method == "GET" and not item:
            response = plural
        else:
            response = singular
    return request, response


def check_exchange(entry):
    """Problems of one emulator request-log entry (see /_emulator/requests)."""
    require_shared_api()
    return contract().check_exchange(entry)
