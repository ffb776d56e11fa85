"""The secret audit of the integration targets: the output and the log of
each target run at -vvvv with ANSIBLE_LOG_PATH set (where every registered
result and diff is printed) are searched for the API token and every
password the target uses.

`make integration` runs the targets that way and keeps their output in
.build/integration-output (LOSANT_INTEGRATION_OUTPUT); when a target's kept
run is younger than the installed collection and than the target's files, it
is audited as it is, so `make test` runs no target twice. Otherwise the
target runs here, through the integration runner (run_target). The fault,
race, permission and TLS runs of this suite go through the same audit
(reliability_support.PlaybookRun.audit)."""

import json
import os
from collections import namedtuple
from pathlib import Path

import pytest
import yaml

from integration.test_targets import HERE as INTEGRATION, TARGETS, TOKEN as TARGET_TOKEN, run_target
from reliability_support import AUDIT, OUTCOMES, REPO, collections_path, run_at_most

Output = namedtuple("Output", "returncode stdout stderr log source")

PARALLEL_TARGETS = 2
NOT_SECRETS = ("update_password", "password_updated_after")


def _passwords(data):
    """Literal values of keys that hold a password, anywhere in parsed YAML."""
    found = []
    if isinstance(data, dict):
        for key, value in data.items():
            if "password" in str(key) and key not in NOT_SECRETS and isinstance(value, str) and "{{" not in value:
                found.append(value)
            found.extend(_passwords(value))
    elif isinstance(data, list):
        for item in data:
            found.extend(_passwords(item))
    return found


def target_secrets():
    """The token of the runner and every password literal of the targets (at least 8 characters:
    shorter ones are invalid passwords the targets use to test refusals)."""
    secrets = [TARGET_TOKEN]
    for path in sorted((INTEGRATION / "targets").glob("*/*/*.yml")):
        secrets.extend(value for value in _passwords(yaml.safe_load(path.read_text())) if len(value) >= 8)
    return sorted(set(secrets))


def _newest(paths):
    return max(path.stat().st_mtime for path in paths if path.is_file())


def kept_output(name):
    """The run `make integration` kept for target ``name``, if it is at -vvvv and fresh; else None."""
    folder = Path(os.environ.get("LOSANT_INTEGRATION_OUTPUT") or REPO / ".build" / "integration-output") / name
    manifest = Path(collections_path()) / "ansible_collections" / "losant" / "platform" / "MANIFEST.json"
    if not (folder / "run.json").is_file() or not manifest.is_file():
        return None   # nothing kept, or the collection is not an installed build (a link to the checkout)
    meta = json.loads((folder / "run.json").read_text())
    inputs = [manifest, INTEGRATION / "test_targets.py", INTEGRATION / "run_target.yml"]
    inputs += list((INTEGRATION / "targets").rglob("*"))
    if meta["verbosity"] < 4 or meta["returncode"] != 0 or (folder / "run.json").stat().st_mtime < _newest(inputs):
        return None
    return Output(0, (folder / "stdout").read_text(), (folder / "stderr").read_text(),
                  (folder / "ansible.log").read_text(errors="replace"), "kept by make integration")


def fresh_output(name, tmp_path_factory):
    log = tmp_path_factory.mktemp("secrets-" + name) / "ansible.log"
    run = run_target(name, tmp_path_factory, verbosity=4, log_path=log)
    return Output(run.process.returncode, run.process.stdout, run.process.stderr,
                  log.read_text(errors="replace") if log.exists() else "", "run here")


@pytest.fixture(scope="module")
def target_runs(request, tmp_path_factory):
    """The -vvvv output of the targets the selected tests need, run here PARALLEL_TARGETS at a
    time unless `make integration` kept a fresh one: {name: Output}."""
    for secret in target_secrets():
        AUDIT.add(secret)
    runs = {}
    pending = []
    for item in request.session.items:
        if hasattr(item, "callspec") and "target" in item.callspec.params:
            name = item.callspec.params["target"]
            if name not in runs:
                runs[name] = kept_output(name)
                if runs[name] is None:
                    pending.append(name)
    fresh = run_at_most(PARALLEL_TARGETS, pending, lambda name: fresh_output(name, tmp_path_factory))
    runs.update(zip(pending, fresh))
    return runs


def test_the_audit_knows_the_targets_secrets():
    secrets = target_secrets()
    assert TARGET_TOKEN in secrets and len(secrets) >= 3, secrets


@pytest.mark.parametrize("target", TARGETS)
def test_integration_target_at_vvvv_leaks_no_secret(target_runs, target):
    run = target_runs[target]
    output = run.stdout + run.stderr
    assert run.returncode == 0, "target %s failed:\n%s" % (target, output[-8000:])
    assert run.log, "ANSIBLE_LOG_PATH was not written"
    name = "integration target " + target
    leaks = AUDIT.scan(name, "stdout", run.stdout) + AUDIT.scan(name, "stderr", run.stderr) + \
        AUDIT.scan(name, "ANSIBLE_LOG_PATH", run.log)
    OUTCOMES.add("secrets", "integration target %s at -vvvv (%s)" % (target, run.source), "0 leaks",
                 "%d leaks in %.0f KB of output and log" % (len(leaks), (len(output) + len(run.log)) / 1e3))
    assert not leaks, "\n".join(str(leak) for leak in leaks)
