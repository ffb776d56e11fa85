"""The applications inventory plugin against the emulator: every page, host variables,
constructed groups, the cache, and each error, with the token in no message."""

import pytest
from ansible.errors import AnsibleParserError
from ansible.inventory.data import InventoryData
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import inventory_loader
from ansible.template import Templar

from ansible_collections.losant.platform.tests.emulator.losant_emulator import Emulator

USER_TOKEN = "user-tok-0123456789abcdef"
APP_TOKEN = "app-tok-0123456789abcdef"
ORG = "5b00000000000000000000aa"


@pytest.fixture(scope="module")
def emulator():
    emu = Emulator(tokens={USER_TOKEN: ["all.User"], APP_TOKEN: ["all.Application"]}, page_cap=2).start()
    emu.seed({"applications": [
        {"name": "Acme Staging", "ownerType": "organization", "ownerId": ORG, "organizationName": "Acme",
         "globals": [{"key": "environment", "json": "\"staging\""}], "experienceUsers": [{"email": "a@a.example.com"}]},
        {"name": "Acme Production", "ownerType": "organization", "ownerId": ORG, "organizationName": "Acme"},
        {"name": "Initech"},
        {"name": "Initech"},
    ]})
    try:
        yield emu
    finally:
        emu.stop()


class FakeCache(dict):
    def set(self, key, value):
        self[key] = value


def _inventory(tmp_path, options, cache=True, cache_store=None, monkeypatch=None):
    path = tmp_path / "apps.losant.yml"
    lines = ["plugin: losant.platform.applications"]
    lines += ["%s: %s" % (key, value) for key, value in options.items()]
    path.write_text("\n".join(lines) + "\n")
    plugin = inventory_loader.get("losant.platform.applications")
    plugin.templar = Templar(loader=DataLoader())
    inventory = InventoryData()
    assert plugin.verify_file(str(path))
    if cache_store is not None:
        # The cache plugin it would load, as a dict the test can look into.
        monkeypatch.setattr("ansible.plugins.inventory.get_cache_plugin", lambda *args, **kwargs: cache_store)
        plugin.get_cache_key = lambda path: "losant_key"
    plugin.parse(inventory, DataLoader(), str(path), cache=cache)
    return inventory


def _base(emulator, **extra):
    options = {"api_url": emulator.url, "api_token": USER_TOKEN}
    options.update(extra)
    return options


def test_only_files_named_losant_yml_are_this_plugins(tmp_path):
    for name, mine in (("a.losant.yml", True), ("losant.yaml", True), ("a.yml", False), ("losant.json", False)):
        path = tmp_path / name
        path.write_text("plugin: losant.platform.applications\n")
        assert inventory_loader.get("losant.platform.applications").verify_file(str(path)) is mine, name


def test_every_application_on_every_page_is_a_host_with_its_variables(emulator, tmp_path):
    inventory = _inventory(tmp_path, _base(emulator))
    group = inventory.groups["losant_applications"]
    names = sorted(host.name for host in group.get_hosts())
    assert len(names) == 5 and "acme_staging" in names and "emulated_application" in names
    assert len([name for name in names if name.startswith("initech_")]) == 2
    staging = inventory.get_host("acme_staging").get_vars()
    assert staging["losant_organization_name"] == "Acme" and staging["losant_experience_user_count"] == 1
    assert staging["losant_globals"] == {"environment": "staging"}
    assert staging["losant_application_id"] in emulator.applications.by_id


def test_org_id_name_and_hostnames_select_and_name(emulator, tmp_path):
    inventory = _inventory(tmp_path, _base(emulator, org_id=ORG, name="'acme p*'", hostnames="id"))
    hosts = [host.name for host in inventory.groups["losant_applications"].get_hosts()]
    assert len(hosts) == 1 and inventory.get_host(hosts[0]).get_vars()["losant_application_name"] == "Acme Production"


def test_constructed_groups_and_composed_variables(emulator, tmp_path):
    options = _base(emulator, keyed_groups="[{key: losant_owner_type, prefix: owner}]",
                    groups="{staging: \"'staging' in losant_application_name | lower\"}",
                    compose="{losant_environment: \"losant_globals.environment | default('production')\"}")
    inventory = _inventory(tmp_path, options)
    assert sorted(host.name for host in inventory.groups["owner_organization"].get_hosts()) == \
        ["acme_production", "acme_staging"]
    assert [host.name for host in inventory.groups["staging"].get_hosts()] == ["acme_staging"]
    assert inventory.get_host("acme_production").get_vars()["losant_environment"] == "production"


def test_the_cache_answers_without_asking_losant(emulator, tmp_path, monkeypatch):
    store = FakeCache()
    _inventory(tmp_path, _base(emulator, cache="true"), cache=False, cache_store=store, monkeypatch=monkeypatch)
    assert len(store["losant_key"]) == 5 and USER_TOKEN not in repr(store)
    before = emulator.requests()["last_seq"]
    inventory = _inventory(tmp_path, _base(emulator, cache="true"), cache=True, cache_store=store,
                           monkeypatch=monkeypatch)
    assert emulator.requests(before)["requests"] == []
    assert len(inventory.groups["losant_applications"].get_hosts()) == 5


@pytest.mark.parametrize("options,message", [
    ({"api_token": APP_TOKEN}, "needs a user or organization API token"),
    ({"api_token": "wrong-0123456789abcdef"}, "Losant did not accept the API token"),
    ({"api_token": "'has space'"}, "api_token must be a non-empty token without whitespace"),
    ({"api_url": "ftp://x"}, "api_url must start with http:// or https://"),
])
def test_errors_say_what_is_wrong_without_the_token(emulator, tmp_path, options, message):
    with pytest.raises(AnsibleParserError) as failed:
        _inventory(tmp_path, _base(emulator, retries=0, **options))
    text = str(failed.value)
    assert message in text
    for token in (APP_TOKEN, USER_TOKEN, "wrong-0123456789abcdef", "has space"):
        assert token not in text


def test_a_wrong_url_names_the_request(tmp_path):
    with pytest.raises(AnsibleParserError) as failed:
        _inventory(tmp_path, {"api_url": "http://127.0.0.1:9", "api_token": USER_TOKEN, "retries": 0, "timeout": 2})
    assert "GET /applications" in str(failed.value) and USER_TOKEN not in str(failed.value)


def test_a_server_that_drops_the_selection_adds_no_host(emulator, tmp_path):
    """Behind a proxy that drops orgId and the name filter, Losant's answer holds every application:
    the inventory still holds only the selected ones."""
    emulator.set_faults({"rules": [{"method": "GET", "path": "^/applications$", "action": "ignore_query",
                                    "params": ["orgId", "filterField", "filter"]}]})
    try:
        inventory = _inventory(tmp_path, _base(emulator, org_id=ORG, name="'acme s*'"))
        fired = emulator.faults.describe()["rules"][0]["fired"]
    finally:
        emulator.clear_faults()
    assert fired >= 1, "the server answered as if the selection had been sent"
    assert [host.name for host in inventory.groups["losant_applications"].get_hosts()] == ["acme_staging"]


def test_a_server_that_drops_the_page_parameter_fails_saying_so(emulator, tmp_path):
    """With pages of 2, every page answered as page 0 would make a third of the hosts; the inventory
    fails instead, naming the likely cause."""
    emulator.set_faults({"rules": [{"method": "GET", "path": "^/applications$", "action": "ignore_query",
                                    "params": ["page"]}]})
    try:
        with pytest.raises(AnsibleParserError) as failed:
            _inventory(tmp_path, _base(emulator))
        fired = emulator.faults.describe()["rules"][0]["fired"]
    finally:
        emulator.clear_faults()
    assert fired >= 3
    assert "seems to drop the page parameter" in str(failed.value) and USER_TOKEN not in str(failed.value)
