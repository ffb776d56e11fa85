"""The scheduled drift check (docs/awx/drift_check.yml): an application that matches
its access model passes, a drifted one fails, neither gets a single write, and
what would change is published as Markdown and, through ansible-core's junit
callback, as JUnit XML."""

import json
import os
import subprocess
import sys
from xml.etree import ElementTree
from pathlib import Path

import pytest
import requests

from awx_support import AUDIT, REPO, TOKEN, emulator_writes, job_env

DRIFT_CHECK = REPO / "docs" / "awx" / "drift_check.yml"
ANSIBLE_PLAYBOOK = str(Path(sys.executable).parent / "ansible-playbook")
PASSWORD = "Drift-Passw0rd-" + TOKEN[-12:]
MODEL = {
    "losant_experience_groups": [
        {"name": "Acme Operators", "group_tags": {"customer": "acme"}},
        {"name": "Acme Field Team", "parent": "Acme Operators"},
    ],
    "losant_experience_users": [
        {"email": "ana.lima@acme.example.com", "first_name": "Ana", "last_name": "Lima", "password": PASSWORD,
         "user_tags": {"customer": "acme"}, "experience_groups": ["Acme Field Team"]},
        {"email": "tom.berg@acme.example.com", "first_name": "Tom", "last_name": "Berg", "password": PASSWORD,
         "user_tags": {"customer": "acme"}, "experience_groups": ["Acme Operators"]},
    ],
}
CONVERGE = [{"name": "Provision the access model", "hosts": "localhost", "connection": "local",
             "gather_facts": False, "vars": {"ansible_python_interpreter": "{{ ansible_playbook_python }}"},
             "roles": ["losant.platform.experience_access"]}]


def _run(playbook, tmp_path, env, junit_dir=None, model=None):
    env = dict(os.environ, **env)
    if junit_dir is not None:
        env.update({
            "ANSIBLE_CALLBACKS_ENABLED": "ansible.builtin.junit",
            "JUNIT_OUTPUT_DIR": str(junit_dir),
            "JUNIT_FAIL_ON_CHANGE": "true",
            "JUNIT_HIDE_TASK_ARGUMENTS": "true",
        })
    model_file = tmp_path / "model.json"
    model_file.write_text(json.dumps(model or MODEL))
    done = subprocess.run([ANSIBLE_PLAYBOOK, "-i", "localhost,", str(playbook), "-e", "@%s" % model_file],
                          capture_output=True, text=True, cwd=str(tmp_path), env=env, timeout=300, check=False)
    assert AUDIT.scan("drift check", Path(playbook).name, done.stdout + done.stderr) == []
    return done


@pytest.fixture
def converged(emulator_for_examples, tmp_path):
    AUDIT.add(PASSWORD)
    env = job_env(emulator_for_examples.url, emulator_for_examples.application_id)
    playbook = tmp_path / "converge.yml"
    playbook.write_text(json.dumps(CONVERGE))
    done = _run(playbook, tmp_path, env)
    assert done.returncode == 0, done.stdout[-3000:]
    return emulator_for_examples, env


def _user(emulator, email):
    """The user as Losant lists it, read the way another admin's tool would."""
    users = requests.get("%s/applications/%s/experience/users" % (emulator.url, emulator.application_id),
                         headers={"Authorization": "Bearer " + TOKEN}, timeout=10).json()["items"]
    return [user for user in users if user["email"] == email][0]


def _junit(junit_dir):
    reports = list(Path(junit_dir).glob("*.xml"))
    assert len(reports) == 1, reports
    assert AUDIT.scan("drift check", "JUnit XML", reports[0].read_text()) == []
    suites = ElementTree.parse(str(reports[0])).getroot()
    cases = suites.findall(".//testcase")
    # A task that would change is a <failure> (JUNIT_FAIL_ON_CHANGE), a failed task an <error>.
    failed = [case.get("name") for case in cases
              if case.find("failure") is not None or case.find("error") is not None]
    return cases, failed


def test_an_unchanged_application_passes_the_drift_check(converged, tmp_path):
    emulator, env = converged
    seq = emulator.requests()["last_seq"]
    env = dict(env, LOSANT_DRIFT_REPORT=str(tmp_path / "drift.md"))
    done = _run(DRIFT_CHECK, tmp_path, env, junit_dir=tmp_path / "junit")
    assert done.returncode == 0, done.stdout[-3000:]
    assert emulator_writes(emulator, seq) == []
    report = (tmp_path / "drift.md").read_text()
    assert report.startswith("# Losant drift check: no drift")
    assert "0 change(s)" in report
    cases, failed = _junit(tmp_path / "junit")
    assert cases and failed == []


def test_a_drifted_application_fails_the_drift_check_and_says_what_differs(converged, tmp_path):
    emulator, env = converged
    tom = _user(emulator, "tom.berg@acme.example.com")
    # Someone renames Tom in the Losant web interface.
    answer = requests.patch("%s/applications/%s/experience/users/%s" % (emulator.url, emulator.application_id,
                                                                        tom["id"]),
                            json={"firstName": "Thomas"}, headers={"Authorization": "Bearer " + TOKEN}, timeout=10)
    assert answer.status_code == 200
    seq = emulator.requests()["last_seq"]
    env = dict(env, LOSANT_DRIFT_REPORT=str(tmp_path / "drift.md"))
    done = _run(DRIFT_CHECK, tmp_path, env, junit_dir=tmp_path / "junit")
    assert done.returncode != 0
    assert "The application differs from its access model" in done.stdout
    assert emulator_writes(emulator, seq) == []
    report = (tmp_path / "drift.md").read_text()
    assert report.startswith("# Losant drift check: drift found")
    assert "1 change(s)" in report
    assert "| Users to update | tom.berg@acme.example.com |" in report
    assert "- tom.berg@acme.example.com: first_name" in report
    cases, failed = _junit(tmp_path / "junit")
    assert any("Ensure the experience users" in name for name in failed), failed
    assert any("Fail when the application has drifted" in name for name in failed), failed


def test_report_only_mode_writes_the_report_and_passes(converged, tmp_path):
    emulator, env = converged
    ana = _user(emulator, "ana.lima@acme.example.com")
    requests.delete("%s/applications/%s/experience/users/%s" % (emulator.url, emulator.application_id, ana["id"]),
                    headers={"Authorization": "Bearer " + TOKEN}, timeout=10).raise_for_status()
    seq = emulator.requests()["last_seq"]
    env = dict(env, LOSANT_DRIFT_REPORT=str(tmp_path / "drift.md"))
    done = _run(DRIFT_CHECK, tmp_path, env, model=dict(MODEL, losant_drift_fail=False))
    assert done.returncode == 0, done.stdout[-3000:]
    assert emulator_writes(emulator, seq) == []
    assert "| Users to create | ana.lima@acme.example.com |" in (tmp_path / "drift.md").read_text()
