"""The example playbooks as AWX runs them: through ansible-runner, from a private
data dir, with the Losant API credential injected into the environment, twice
(changes, then none), and a secret audit of everything the runner writes."""

import json
import subprocess
import sys
from pathlib import Path

import ansible_runner
import pytest

from awx_support import (AUDIT, TOKEN, audit_artifacts, emulator_writes, example_passwords,
                         example_site, job_env, private_data_dir)
from reliability_support import capture_passwords

# A play that needs facts gathers them without the environment: on localhost the
# environment holds LOSANT_API_TOKEN, and AWX keeps facts (job events, fact cache).
FACTS_PLAY = {
    "name": "Facts for a report, without the environment",
    "hosts": "localhost",
    "gather_facts": True,
    "gather_subset": ["!env"],
    "tasks": [{"name": "The date of the run", "ansible.builtin.debug": {"msg": "{{ ansible_facts.date_time.date }}"}}],
}
# Users with passwords, then a suspension (random passwords): the CLI at verbosity 0.
CLI_EXAMPLES = ("01_", "02_", "03_")
RUNNER_CLI = str(Path(sys.executable).parent / "ansible-runner")


def _changed(stats):
    return sum((stats or {}).get("changed", {}).values())


def _failed(stats):
    return sum((stats or {}).get("failures", {}).values()) + sum((stats or {}).get("dark", {}).values())


@pytest.fixture
def seeded(emulator_for_examples):
    captured = capture_passwords(emulator_for_examples)
    example_passwords()
    return emulator_for_examples, captured


def _audit(name, pdd, ident, env, figures):
    hits, files, size = audit_artifacts(name, pdd / "artifacts" / ident, env_file_values=("LOSANT_API_TOKEN",))
    figures.append((name, ident, files, size, len(hits)))
    return hits


def test_the_examples_through_ansible_runner_as_awx_calls_it(seeded, tmp_path, awx_figures):
    """ansible_runner.run() with AWX's parameters (envvars passed in, env files suppressed,
    the jsonfile fact cache) at -vvvv: the first job changes, the second changes nothing."""
    emulator, captured = seeded
    env = job_env(emulator.url, emulator.application_id)
    pdd = private_data_dir(tmp_path / "pdd", example_site([FACTS_PLAY]), write_env=False)
    results = []
    for ident in ("job-1", "job-2"):
        seq = emulator.requests()["last_seq"]
        run = ansible_runner.run(private_data_dir=str(pdd), playbook="site.yml", ident=ident, envvars=env,
                                 suppress_env_files=True, fact_cache_type="jsonfile", verbosity=4, quiet=True)
        results.append((run, emulator_writes(emulator, seq)))
        assert (run.status, run.rc, _failed(run.stats)) == ("successful", 0, 0), (ident, run.stdout.read()[-3000:])
    (first, first_writes), (second, second_writes) = results
    awx_figures.append(("ansible_runner.run() -vvvv", _changed(first.stats), _changed(second.stats)))
    assert _changed(first.stats) > 0 and first_writes
    assert _changed(second.stats) == 0 and second_writes == []
    assert captured, "the examples set passwords and suspend users: the emulator saw none"
    assert not (pdd / "env").exists(), "suppress_env_files writes no env/ files"
    leaks = _audit("runner API -vvvv", pdd, "job-1", env, awx_figures.audits) \
        + _audit("runner API -vvvv", pdd, "job-2", env, awx_figures.audits)
    assert leaks == []
    # The fact cache was written (the facts play), without the environment.
    facts = list((pdd / "artifacts" / "job-1" / "fact_cache").iterdir())
    assert facts and "date_time" in facts[0].read_text()


def test_the_examples_through_the_ansible_runner_cli(seeded, tmp_path, awx_figures):
    """`ansible-runner run` on a private data dir whose env/envvars holds the injected
    credential, at verbosity 0: changes, then none; no secret in what it writes. (The API test
    above runs every example at -vvvv.)"""
    emulator, dummy = seeded
    env = job_env(emulator.url, emulator.application_id)
    pdd = private_data_dir(tmp_path / "pdd", example_site(only=CLI_EXAMPLES), envvars=env)
    changed = []
    for ident in ("cli-1", "cli-2"):
        done = subprocess.run([RUNNER_CLI, "run", str(pdd), "-p", "site.yml", "--ident", ident],
                              capture_output=True, text=True, timeout=600, check=False)
        artifacts = pdd / "artifacts" / ident
        assert (artifacts / "rc").read_text().strip() == "0", done.stdout[-3000:] + done.stderr[-2000:]
        assert (artifacts / "status").read_text().strip() == "successful"
        recap = [json.loads(path.read_text()) for path in (artifacts / "job_events").glob("*.json")]
        stats = [event["event_data"] for event in recap if event.get("event") == "playbook_on_stats"]
        assert len(stats) == 1, "one playbook_on_stats for site.yml and what it imports"
        changed.append(_changed(stats[0]))
        # The runner's own stdout goes to the job: it is what AWX shows and stores.
        assert AUDIT.scan("runner CLI", ident + " console", done.stdout + done.stderr) == []
    awx_figures.append(("ansible-runner run", changed[0], changed[1]))
    assert changed[0] > 0 and changed[1] == 0
    assert _audit("runner CLI", pdd, "cli-1", env, awx_figures.audits) == []
    assert _audit("runner CLI", pdd, "cli-2", env, awx_figures.audits) == []


def test_facts_of_localhost_hold_the_injected_token(seeded, tmp_path):
    """Why docs/awx.md says gather_facts: false (or gather_subset: ['!env']): facts gathered on
    localhost hold the job's environment, and with it the token, in the fact cache AWX keeps."""
    emulator, dummy = seeded
    env = job_env(emulator.url, emulator.application_id)
    play = dict(FACTS_PLAY, gather_subset=["min"])
    pdd = private_data_dir(tmp_path / "pdd", {"facts.yml": [play]}, write_env=False)
    run = ansible_runner.run(private_data_dir=str(pdd), playbook="facts.yml", ident="facts", envvars=env,
                             suppress_env_files=True, fact_cache_type="jsonfile", quiet=True)
    assert run.status == "successful"
    cache = "".join(path.read_text() for path in (pdd / "artifacts" / "facts" / "fact_cache").iterdir())
    assert TOKEN in cache
    assert emulator_writes(emulator) == []
