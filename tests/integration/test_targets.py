"""Run each integration target with ansible-playbook against a fresh Losant
emulator, then check every request the modules sent, and every answer the
emulator gave, against Losant's official JSON Schemas."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from conformance_support import check_exchange, require_shared_api
from losant_emulator import DEFAULT_APPLICATION_ID, Emulator

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
TOKEN = "integration-token-5b2c8e91d4a7f03c6e28b5d1a9f47c20"
TARGETS = sorted(path.name for path in (HERE / "targets").iterdir() if (path / "tasks" / "main.yml").is_file())


def collections_path(tmp_path_factory):
    """The installed collection (make integration), else a link to this checkout."""
    if os.environ.get("ANSIBLE_COLLECTIONS_PATH"):
        return os.environ["ANSIBLE_COLLECTIONS_PATH"]
    root = tmp_path_factory.mktemp("collections")
    (root / "ansible_collections" / "losant").mkdir(parents=True)
    (root / "ansible_collections" / "losant" / "platform").symlink_to(REPO)
    return str(root)


class TargetRun:
    def __init__(self, name, process, exchanges):
        self.name = name
        self.process = process
        self.exchanges = exchanges


def run_target(name, tmp_path_factory, verbosity=0, log_path=None):
    """Run target ``name`` against a fresh emulator; ``verbosity`` adds -v flags and
    ``log_path`` sets ANSIBLE_LOG_PATH (the secret audit of tests/reliability uses both)."""
    env = dict(os.environ)
    env.update({
        "ANSIBLE_COLLECTIONS_PATH": collections_path(tmp_path_factory),
        "ANSIBLE_ROLES_PATH": str(HERE / "targets"),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_RETRY_FILES_ENABLED": "0",
        "ANSIBLE_LOCAL_TEMP": str(tmp_path_factory.mktemp("ansible-tmp")),
    })
    if log_path:
        env["ANSIBLE_LOG_PATH"] = str(log_path)
    with Emulator(tokens={TOKEN: ["all.Application"]}) as emulator:
        # For the targets that check the connection options' environment fallbacks.
        env.update({"LOSANT_API_URL": emulator.url, "LOSANT_API_TOKEN": TOKEN,
                    "LOSANT_APPLICATION_ID": DEFAULT_APPLICATION_ID})
        # A file, not -e key=value: at -vvvv ansible-playbook prints its command line's extra vars.
        extra_vars = tmp_path_factory.mktemp("target-vars") / "vars.json"
        extra_vars.write_text(json.dumps({
            "integration_target": name,
            "losant_emulator_url": emulator.url,
            "losant_api_token": TOKEN,
            "losant_application_id": DEFAULT_APPLICATION_ID,
        }))
        process = subprocess.run(
            [str(Path(sys.executable).parent / "ansible-playbook"), str(HERE / "run_target.yml"),
             "-e", "@" + str(extra_vars)] + (["-" + "v" * verbosity] if verbosity else []),
            env=env, capture_output=True, text=True, timeout=900, check=False)
        exchanges = requests.get(emulator.url + "/_emulator/requests", timeout=30).json()["requests"]
    return TargetRun(name, process, exchanges)


@pytest.fixture(scope="module", params=TARGETS)
def target_run(request, tmp_path_factory):
    """Each target once. With LOSANT_INTEGRATION_OUTPUT (set by `make integration`, with
    LOSANT_INTEGRATION_VERBOSITY=4), the output and the ANSIBLE_LOG_PATH log of each run are
    kept in <folder>/<target>/ for the secret audit of tests/reliability/test_secrets.py."""
    verbosity = int(os.environ.get("LOSANT_INTEGRATION_VERBOSITY") or 0)
    if not os.environ.get("LOSANT_INTEGRATION_OUTPUT"):
        return run_target(request.param, tmp_path_factory, verbosity)
    folder = Path(os.environ["LOSANT_INTEGRATION_OUTPUT"]) / request.param
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    run = run_target(request.param, tmp_path_factory, verbosity, log_path=folder / "ansible.log")
    (folder / "stdout").write_text(run.process.stdout)
    (folder / "stderr").write_text(run.process.stderr)
    (folder / "run.json").write_text(json.dumps({"returncode": run.process.returncode, "verbosity": verbosity}))
    return run


def test_target_passes(target_run):
    output = target_run.process.stdout + target_run.process.stderr
    assert target_run.process.returncode == 0, "target %s failed:\n%s" % (target_run.name, output[-20000:])
    assert "failed=0" in output
    assert target_run.exchanges, "the target sent no request to the emulator"


def test_every_body_sent_and_received_matches_the_official_schemas(target_run):
    require_shared_api()
    problems = []
    for exchange in target_run.exchanges:
        problems.extend(check_exchange(exchange))
    assert not problems, "\n".join(problems)
