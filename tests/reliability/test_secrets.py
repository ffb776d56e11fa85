"""The secret audit of the integration targets: each runs once more, through
the integration runner, at -vvvv with ANSIBLE_LOG_PATH set, and its output
and log (where every registered result and diff is printed at that
verbosity) are searched for the API token and every password the target
uses. The fault, race, permission and TLS runs of this suite go through the
same audit (reliability_support.PlaybookRun.audit)."""

import threading

import pytest
import yaml

from integration.test_targets import HERE as INTEGRATION, TARGETS, TOKEN as TARGET_TOKEN, run_target
from reliability_support import AUDIT, OUTCOMES

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


@pytest.fixture(scope="module")
def target_runs(request, tmp_path_factory):
    """Run the targets the selected tests need, PARALLEL_TARGETS at a time: {name: (TargetRun, log path)}."""
    for secret in target_secrets():
        AUDIT.add(secret)
    runs = {}
    pending = [item.callspec.params["target"] for item in request.session.items
               if hasattr(item, "callspec") and "target" in item.callspec.params]
    lock = threading.Lock()

    def worker():
        while True:
            with lock:
                if not pending:
                    return
                name = pending.pop(0)
            log = tmp_path_factory.mktemp("secrets-" + name) / "ansible.log"
            runs[name] = (run_target(name, tmp_path_factory, verbosity=4, log_path=log), log)

    threads = [threading.Thread(target=worker) for dummy in range(PARALLEL_TARGETS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return runs


def test_the_audit_knows_the_targets_secrets():
    secrets = target_secrets()
    assert TARGET_TOKEN in secrets and len(secrets) >= 3, secrets


@pytest.mark.parametrize("target", TARGETS)
def test_integration_target_at_vvvv_leaks_no_secret(target_runs, target):
    run, log = target_runs[target]
    output = run.process.stdout + run.process.stderr
    assert run.process.returncode == 0, "target %s failed:\n%s" % (target, output[-8000:])
    assert log.exists() and log.stat().st_size > 0, "ANSIBLE_LOG_PATH was not written"
    name = "integration target " + target
    leaks = AUDIT.scan(name, "stdout", run.process.stdout) + AUDIT.scan(name, "stderr", run.process.stderr) + \
        AUDIT.scan(name, "ANSIBLE_LOG_PATH", log.read_text(errors="replace"))
    OUTCOMES.add("secrets", "integration target %s at -vvvv" % target, "0 leaks",
                 "%d leaks in %.0f KB of output and log" % (len(leaks), (len(output) + log.stat().st_size) / 1e3))
    assert not leaks, "\n".join(str(leak) for leak in leaks)
