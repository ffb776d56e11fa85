"""The emulator package itself: an oracle that imports only the standard
library (never the collection it judges), and the route table that makes an
endpoint one row."""

import ast
import subprocess
import sys

import pytest

from ansible_collections.losant.platform.tests.emulator.losant_emulator.routes import API_ROUTES, Route, RouteTable
from ansible_collections.losant.platform.tests.unit.emulator.emulator_client import EMULATOR_DIR

PACKAGE_DIR = EMULATOR_DIR / "losant_emulator"


def absolute_imports(path):
    """Top-level names of the modules ``path`` imports absolutely."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_package_imports_only_the_standard_library():
    stdlib = getattr(sys, "stdlib_module_names", None)
    if stdlib is None:
        pytest.skip("sys.stdlib_module_names needs Python 3.10+")
    modules = sorted(PACKAGE_DIR.glob("*.py"))
    assert len(modules) > 10
    outside = dict((path.name, sorted(absolute_imports(path) - set(stdlib))) for path in modules)
    assert not any(outside.values()), outside


def test_import_losant_emulator_finds_the_package_beside_the_launcher():
    # tests/emulator holds both losant_emulator/ and losant_emulator.py; the package must win
    found = subprocess.run([sys.executable, "-c", "import losant_emulator; print(losant_emulator.__file__)"],
                           cwd=str(EMULATOR_DIR), capture_output=True, text=True, timeout=30, check=True)
    assert found.stdout.strip() == str(PACKAGE_DIR / "__init__.py")


def test_route_table_finds_the_route_its_path_parameters_and_allowed_methods():
    table = RouteTable([
        Route("GET", "/things/{thingId}", "thing.get", 200, None),
        Route("DELETE", "/things/{thingId}", "thing.delete", 200, None),
        Route("GET", "/things.list", "things.get", 200, None),
    ])
    route, ids, allowed = table.find("GET", "/things/AbC/")
    assert (route.scope, ids, allowed) == ("thing.get", {"thingId": "AbC"}, ("GET", "DELETE"))
    assert table.find("PUT", "/things/x") == (None, {"thingId": "x"}, ("GET", "DELETE"))
    assert table.find("GET", "/things/x/y") == (None, {}, ())
    assert table.find("GET", "/things//") == (None, {}, ())
    assert table.find("GET", "/thingsXlist") == (None, {}, ())  # template text is literal
    assert table.find("GET", "/things.list")[0].scope == "things.get"


def test_every_losant_route_names_its_application_and_scope():
    # api.py checks the application id of every route but the listing of applications, and the
    # scope a row names is Losant's
    rows = [(r.method, r.template, r.scope, r.status) for r in API_ROUTES.routes]
    assert len(rows) == 13
    assert rows[0] == ("GET", "/applications", "applications.get", 200)
    for method, template, scope, status in rows[1:]:
        assert template.startswith("/applications/{applicationId}/"), template
        resource = scope.rsplit(".", 1)[0]
        assert scope == "%s.%s" % (resource, method.lower())
        assert resource.endswith("s") == (not template.endswith("Id}")), (scope, template)
        assert status == (201 if method == "POST" else 200)
