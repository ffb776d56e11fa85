"""The GitHub workflows of .github/workflows/: valid for GitHub (check-jsonschema's
built-in schema, offline), every action pinned to a commit, every supported
ansible-core release in the matrices, and the integration job serving the emulator."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from awx_support import REPO

WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))
CHECK_JSONSCHEMA = str(Path(sys.executable).parent / "check-jsonschema")
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")


def _validate(paths):
    return subprocess.run([CHECK_JSONSCHEMA, "--builtin-schema", "vendor.github-workflows"] + [str(p) for p in paths],
                          capture_output=True, text=True, timeout=120, check=False)


def _supported_minors():
    """2.18 (requires_ansible) up to the ansible-core the tests pin."""
    runtime = yaml.safe_load((REPO / "meta" / "runtime.yml").read_text())
    oldest = re.match(r">=(\d+)\.(\d+)", runtime["requires_ansible"]).groups()
    newest = re.search(r"^ansible-core==(\d+)\.(\d+)\.", (REPO / "tests" / "requirements.txt").read_text(), re.M).groups()
    return ["%s.%d" % (oldest[0], minor) for minor in range(int(oldest[1]), int(newest[1]) + 1)]


def _load(path):
    return yaml.safe_load(path.read_text())


def test_the_workflows_are_valid_github_workflows():
    assert [path.name for path in WORKFLOWS] == ["ansible-test.yml", "nox.yml"]
    done = _validate(WORKFLOWS)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_validation_catches_a_broken_workflow(tmp_path):
    broken = tmp_path / "broken.yml"
    workflow = _load(WORKFLOWS[0])
    del workflow["jobs"]["integration"]["runs-on"]
    broken.write_text(yaml.safe_dump(workflow))
    done = _validate([broken])
    assert done.returncode != 0 and "runs-on" in done.stdout + done.stderr


@pytest.mark.parametrize("path", WORKFLOWS, ids=[path.name for path in WORKFLOWS])
def test_every_action_is_pinned_to_a_commit(path):
    uses = re.findall(r"^\s*(?:-\s+)?uses:\s*(\S+)(.*)$", path.read_text(), re.M)
    assert uses
    for action, comment in uses:
        assert PINNED.match(action), action
        assert re.search(r"#\s*v?\d+\.\d+\.\d+", comment), "%s: say which release the commit is" % action


def test_the_matrices_cover_every_supported_ansible_core():
    jobs = _load(REPO / ".github" / "workflows" / "ansible-test.yml")["jobs"]
    minors = _supported_minors()
    for job in ("sanity", "units"):
        assert jobs[job]["strategy"]["matrix"]["ansible"] == ["stable-%s" % minor for minor in minors] + ["devel"]
    assert [entry["ansible"] for entry in jobs["integration"]["strategy"]["matrix"]["include"]] == minors


def test_the_integration_job_serves_the_emulator_around_ansible_test():
    steps = _load(REPO / ".github" / "workflows" / "ansible-test.yml")["jobs"]["integration"]["steps"]
    runs = [step.get("run", "") for step in steps]
    start = runs.index("python tests/integration/emulator_service.py start")
    test = [index for index, run in enumerate(runs) if run.startswith("ansible-test integration --local")]
    stop = runs.index("python tests/integration/emulator_service.py stop")
    assert start < test[0] < stop and steps[stop]["if"] == "always()"
    assert steps[0]["with"]["path"] == "ansible_collections/losant/platform"
