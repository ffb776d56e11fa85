"""The secret audit of the integration targets: the output of `ansible-test
integration -vvvv` (ansible-test hands its -v count to ansible-playbook, which at
-vvvv prints every registered result and diff) and the log ansible-playbook
writes (log_path) are searched for the emulator's token and every password
literal the targets use.

`make integration` keeps that output: ansible-test's stdout and stderr tee'd to
the file LOSANT_INTEGRATION_LOG names. tests/integration/emulator_service.py
start, run with the same variable, records the run (the emulator's URL and
token) in <that file>.run.json and makes ansible-playbook log to
<that file>.ansible.log. A kept run is audited as it is when it is fresh
(started after the last change to the files the targets exercise), ran every
target at -vvvv and passed; otherwise ansible-test integration runs here, in a
copy of the collection at a standard path, the same way. The fault, race,
permission and TLS runs of this suite go through the same audit
(reliability_support.PlaybookRun.audit)."""

import json
import os
import re
import shutil
import subprocess
import sys
from collections import namedtuple
from pathlib import Path

import pytest
import yaml

from ansible_collections.losant.platform.tests.conformance_support import SHARED_API_DIR
from losant_emulator import Emulator
from reliability_support import (AUDIT, OUTCOMES, REPO, TOKEN, PlaybookRun, capture_passwords, noted_task,
                                 password_literals, play)

INTEGRATION = REPO / "tests" / "integration"
SERVICE = Path("tests") / "integration" / "emulator_service.py"
# What the files the targets exercise are; a kept run older than any of them is stale.
INPUTS = ("plugins", "roles", "meta", "tests/integration", "tests/emulator", "tests/conformance_support.py")
GENERATED = ("integration_config.yml", "inventory", "integration.cfg")
RUNNING = re.compile(r"^Running (\S+) integration test (?:role|script)$", re.M)
PLAYBOOK = re.compile(r"PLAYBOOK: (\S+)-[a-z0-9_]+\.yml", re.M)
RECAP = re.compile(r"^testhost\s+: ok=\d+\s+changed=\d+\s+unreachable=(\d+)\s+failed=(\d+)", re.M)
FAILED = re.compile(r"^(FATAL|ERROR): ", re.M)
CHECKED = "RUNNING HANDLER [setup_emulator : Every request and answer of the target matches Losant's schemas]"

Run = namedtuple("Run", "token output sections ansible_log ansible_sections source record")


def integration_targets():
    """The targets ansible-test runs: not hidden, not setup_ or prepare_ targets; roles and scripts."""
    names = []
    for path in sorted((INTEGRATION / "targets").iterdir()):
        aliases = (path / "aliases").read_text().split() if (path / "aliases").is_file() else []
        runs = (path / "tasks" / "main.yml").is_file() or (path / "runme.sh").is_file()
        if runs and "hidden" not in aliases and not path.name.startswith(("setup_", "prepare_")):
            names.append(path.name)
    return names


TARGETS = integration_targets()
# Script targets (runme.sh) run their own commands and playbooks: they are audited as the role
# targets are, but their playbooks have names of their own and run against localhost.
SCRIPTS = set(target for target in TARGETS if (INTEGRATION / "targets" / target / "runme.sh").is_file())
# The live lane's black-box targets use only Losant's public API: no setup_emulator, whose schema check
# reads the emulator's request log (their exchanges are checked by the replay of their recording).
BLACK_BOX = set(target for target in set(TARGETS) - SCRIPTS
                if "setup_emulator" not in (INTEGRATION / "targets" / target / "meta" / "main.yml").read_text())


def target_secrets():
    """Every password literal of the targets (at least 8 characters: shorter ones are
    invalid passwords the targets use to test refusals)."""
    secrets = []
    for path in sorted((INTEGRATION / "targets").glob("*/*/*.yml")):
        secrets.extend(value for value in password_literals(yaml.safe_load(path.read_text())) if len(value) >= 8)
    return sorted(set(secrets))


def kept_log_path():
    return Path(os.environ.get("LOSANT_INTEGRATION_LOG") or REPO / ".build" / "integration.log")


def split(text, pattern):
    """{target: its part of ``text``}, cut where ``pattern`` names the next target."""
    marks = list(pattern.finditer(text))
    return dict((mark.group(1), text[mark.start():marks[index + 1].start() if index + 1 < len(marks) else len(text)])
                for index, mark in enumerate(marks))


def newest_input():
    newest = 0.0
    for name in INPUTS:
        root = REPO / name
        paths = [root] if root.is_file() else root.rglob("*")
        for path in paths:
            if path.is_file() and path.name not in GENERATED and "__pycache__" not in path.parts:
                newest = max(newest, path.stat().st_mtime)
    return newest


def problems_of(run):
    """Why ``run`` cannot be audited as a passed -vvvv run of every target (empty: it can)."""
    found = ["ansible-test reported: %s" % line.group(0).strip() for line in FAILED.finditer(run.output)][:3]
    for target in TARGETS:
        section = run.sections.get(target)
        if section is None:
            found.append("target %s did not run" % target)
            continue
        if target in SCRIPTS:
            if "runme.sh: passed" not in section:
                found.append("script target %s did not say it passed" % target)
            continue
        command = re.search(r"^Stream command: ansible-playbook \S+ .*$", section, re.M)
        if not command or not command.group(0).endswith(" -vvvv"):
            found.append("target %s: ansible-playbook did not run at -vvvv" % target)
        if CHECKED not in section and target not in BLACK_BOX:
            found.append("target %s: setup_emulator's schema check did not run (did another role run instead?)" % target)
        recaps = RECAP.findall(section)
        if len(recaps) != 1 or recaps[0] != ("0", "0"):
            found.append("target %s: its play recap is not ok (%s)" % (target, recaps))
    return found


def read_run(log_path, record, source):
    output = log_path.read_text(errors="replace")
    ansible_log_path = Path(str(log_path) + ".ansible.log")
    ansible_log = ansible_log_path.read_text(errors="replace") if ansible_log_path.is_file() else ""
    return Run(record["token"], output, split(output, RUNNING), ansible_log, split(ansible_log, PLAYBOOK), source,
               record)


def kept_run(log_path):
    """(the run `make integration` kept, None) when it can be audited, else (None, why not)."""
    if not log_path.is_file():
        return None, "no kept output at %s" % log_path
    modified = log_path.stat().st_mtime
    text = log_path.read_text(errors="replace")
    record = None
    # <log>.run.json is written for this log; the tree's own record must name the emulator the log used.
    for path, tied in ((Path(str(log_path) + ".run.json"), True),
                       (REPO / "tests" / "output" / "losant-emulator" / "run.json", False)):
        if path.is_file():
            candidate = json.loads(path.read_text())
            if candidate["started"] <= modified and (tied or candidate["url"] in text):
                record = candidate
                break
    if record is None:
        return None, "no record of the emulator run that %s is the output of" % log_path
    if record["started"] < newest_input():
        return None, "%s is older than the collection's files" % log_path
    run = read_run(log_path, record, "kept by make integration")
    if not run.ansible_log:
        return None, "the kept run has no ansible-playbook log (%s.ansible.log)" % log_path
    found = problems_of(run)
    if found:
        return None, "the kept run is not a passed -vvvv run of every target: %s" % "; ".join(found)
    return run, None


def copy_collection(destination):
    """The collection's files (git's tracked and unignored ones when it can tell) at a standard path."""
    listed = subprocess.run(["git", "-C", str(REPO), "ls-files", "-z", "-co", "--exclude-standard"],
                            capture_output=True, check=False)
    names = [name for name in listed.stdout.decode().split("\0") if name] if listed.returncode == 0 else []
    if not names:
        skip = (".git", ".venv", ".build", ".nox", ".ansible", "__pycache__")
        names = [str(path.relative_to(REPO)) for path in REPO.rglob("*") if path.is_file()
                 and not any(part.startswith(skip) for part in path.relative_to(REPO).parts)]
    for name in names:
        if name.startswith("tests/output/") or Path(name).name in GENERATED and name.startswith("tests/integration/"):
            continue
        source = REPO / name
        if source.is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(str(source), str(destination / name))
    subprocess.run(["git", "-C", str(destination), "-c", "init.defaultBranch=main", "init", "-q"], check=True)


def fresh_run(workdir, why):
    """ansible-test integration -vvvv of every target, here, as `make integration` runs it."""
    tree = workdir / "ansible_collections" / "losant" / "platform"
    copy_collection(tree)
    (workdir / "home").mkdir()
    log_path = workdir / "integration.log"
    bin_dir = str(Path(sys.executable).parent)
    env = dict(os.environ, HOME=str(workdir / "home"), PATH=bin_dir + os.pathsep + os.environ.get("PATH", ""),
               LOSANT_INTEGRATION_LOG=str(log_path), LOSANT_SHARED_API_DIR=str(SHARED_API_DIR))
    env.pop("ANSIBLE_COLLECTIONS_PATH", None)
    subprocess.run([sys.executable, str(SERVICE), "start"], cwd=str(tree), env=env, check=True)
    try:
        with log_path.open("w") as log:
            subprocess.run([str(Path(bin_dir) / "ansible-test"), "integration", "--local",
                            "--python", "%d.%d" % sys.version_info[:2], "-vvvv"],
                           cwd=str(tree), env=env, stdout=log, stderr=subprocess.STDOUT, timeout=1800, check=False)
    finally:
        subprocess.run([sys.executable, str(SERVICE), "stop"], cwd=str(tree), env=env, check=False)
    record = json.loads(Path(str(log_path) + ".run.json").read_text())
    return read_run(log_path, record, "run here: %s" % why)


@pytest.fixture(scope="module")
def integration_run(tmp_path_factory):
    """The -vvvv output and ansible-playbook log of every target: kept by `make integration` when
    fresh, else run here."""
    run, why = kept_run(kept_log_path())
    if run is None:
        run = fresh_run(tmp_path_factory.mktemp("integration"), why)
    AUDIT.add(run.token)
    AUDIT.add(run.record.get("user_token"))  # the inventory target's
    # The live lane's emulator has a token of its own, and the lane a password made for the run.
    AUDIT.add(run.record.get("live_token"))
    AUDIT.add(run.record.get("live_user_password"))
    for secret in target_secrets():
        AUDIT.add(secret)
    return run


def test_the_audit_knows_the_runs_token_and_the_targets_passwords(integration_run):
    secrets = target_secrets()
    assert len(secrets) >= 3, secrets
    assert integration_run.token.startswith("losant-it-") and integration_run.token in AUDIT.secrets
    assert integration_run.record["user_token"].startswith("losant-it-user-")
    assert integration_run.record["live_token"].startswith("losant-live-")
    assert integration_run.record["live_user_password"] in AUDIT.secrets
    assert all(secret in AUDIT.secrets for secret in secrets)


def test_every_target_ran_at_vvvv_and_passed(integration_run):
    assert TARGETS and set(integration_run.sections) == set(TARGETS), sorted(integration_run.sections)
    assert set(integration_run.ansible_sections) == set(TARGETS) - SCRIPTS, sorted(integration_run.ansible_sections)
    found = problems_of(integration_run)
    assert not found, "\n".join(found) + "\n" + integration_run.output[-8000:]
    first = RUNNING.search(integration_run.output)
    leaks = AUDIT.scan("ansible-test integration", "output outside the targets", integration_run.output[:first.start()])
    assert not leaks, "\n".join(str(leak) for leak in leaks)


@pytest.mark.parametrize("target", TARGETS)
def test_integration_target_at_vvvv_leaks_no_secret(integration_run, target):
    section = integration_run.sections.get(target, "")
    ansible_log = integration_run.ansible_sections.get(target, "")
    assert section, "target %s is not in the output (%s)" % (target, integration_run.source)
    assert ansible_log or target in SCRIPTS, "ansible-playbook's log_path has nothing of target %s" % target
    name = "integration target " + target
    leaks = AUDIT.scan(name, "ansible-test output", section) + AUDIT.scan(name, "ansible-playbook log_path", ansible_log)
    OUTCOMES.add("secrets", "integration target %s at -vvvv (%s)" % (target, integration_run.source), "0 leaks",
                 "%d leaks in %.0f KB of output and log" % (len(leaks), (len(section) + len(ansible_log)) / 1e3))
    assert not leaks, "\n".join(str(leak) for leak in leaks)


# ---------------------------------------------------------------- suspension's random passwords

SUSPENDED = ["gone.%d@example.com" % index for index in range(4)]
ECHOED = "echoed@example.com"


def test_suspensions_random_passwords_appear_nowhere(tmp_path):
    """state=suspended in check mode, for real, in bulk and against answers echoing the password,
    at -vvvv with diffs: none of the random passwords is in the output, the log or a result."""
    with Emulator(tokens={TOKEN: ["all.Application"]}) as emulator:
        seeded = emulator.seed({
            "experienceGroups": [{"name": "Operators"}],
            "experienceUsers": [{"email": email, "experienceGroups": ["Operators"]} for email in SUSPENDED + [ECHOED]]})
        echo_ids = [user["id"] for user in seeded["experienceUsers"] if user["email"] == ECHOED]
        captured = capture_passwords(emulator, echo_ids)
        out = str(tmp_path / "records.jsonl")
        one = "losant.platform.experience_user"
        bulk = "losant.platform.experience_users"
        tasks = (noted_task("suspend, check mode", one, {"email": SUSPENDED[0], "state": "suspended"}, out,
                            check_mode=True)
                 + noted_task("suspend", one, {"email": SUSPENDED[0], "state": "suspended"}, out)
                 + noted_task("suspend again", one, {"email": SUSPENDED[0], "state": "suspended"}, out)
                 + noted_task("suspend echoed", one, {"email": ECHOED, "state": "suspended"}, out)
                 + noted_task("bulk, check mode", bulk, {"state": "suspended", "config": [
                     {"email": email} for email in SUSPENDED[1:]]}, out, check_mode=True)
                 + noted_task("bulk", bulk, {"state": "suspended", "config": [
                     {"email": email} for email in SUSPENDED[1:] + [ECHOED]]}, out))
        run = PlaybookRun("suspension", [play(tasks, emulator.url)], tmp_path, verbosity=4).wait()
        results = run.results()
        state = emulator.state
    suspended = [user for user in state["experienceUsers"] if "suspended_at" in user["userTags"]]
    OUTCOMES.add("secrets", "state=suspended: random passwords at -vvvv, diffs, echoed errors", "0 leaks",
                 "%d leaks; %d random passwords searched for" % (len(run.leaks), len(captured)))
    assert run.returncode == 0, run.tail()
    # One password per user suspended for real (and one per echoed attempt); none in check mode or again.
    assert len(captured) == len(set(captured)) == len(SUSPENDED) + 2, captured
    assert sorted(user["email"] for user in suspended) == SUSPENDED
    assert results["suspend"]["changed"] and not results["suspend again"]["changed"]
    assert results["suspend echoed"]["failed"] and "is not allowed" in results["suspend echoed"]["msg"]
    assert results["bulk"]["failed"] and results["bulk"]["updated"] == SUSPENDED[1:]
    assert "diff" in results["suspend"] and "diff" in results["bulk, check mode"]
    assert not run.leaks, "\n".join(str(leak) for leak in run.leaks)


# ---------------------------------------------------------------- the live lane's recording

sys.path.insert(0, str(REPO / "tests" / "live"))
import replay as live_replay  # noqa: E402  pylint: disable=wrong-import-position


def live_recording(run):
    """The recording the live lane made against the hooks-off emulator during the integration run."""
    folder = Path(run.record["live_recordings"])
    found = sorted(folder.glob("*_%s_api-*.json" % run.record["live_run_id"]))
    assert found, "the live lane left no recording of run %s in %s" % (run.record["live_run_id"], folder)
    return found[-1]


def test_the_live_lanes_recording_holds_no_secret(integration_run):
    path = live_recording(integration_run)
    text = path.read_text()
    leaks = AUDIT.scan("live lane", "recording %s" % path.name, text)
    OUTCOMES.add("secrets", "the live lane's recording (%s)" % path.name, "0 leaks",
                 "%d leaks in %.0f KB" % (len(leaks), len(text) / 1e3))
    assert integration_run.record["live_token"] not in text and integration_run.record["live_user_password"] not in text
    assert not leaks, "\n".join(str(leak) for leak in leaks)


def test_the_live_lanes_recording_replays_against_a_fresh_emulator(integration_run):
    recording = json.loads(live_recording(integration_run).read_text())
    with Emulator() as emulator:
        differences = live_replay.replay(recording, emulator)
    OUTCOMES.add("live lane", "its recording against the hooks-off emulator, replayed on a fresh one",
                 "no difference", "%d exchanges, %d differences" % (len(recording["exchanges"]), len(differences)))
    assert len(recording["exchanges"]) > 300
    assert not differences, "\n".join(str(difference) for difference in differences[:20])


def _edited(recording, seq, edit):
    edited = json.loads(json.dumps(recording))
    edit([exchange for exchange in edited["exchanges"] if exchange["seq"] == seq][0])
    return edited


def test_an_edited_recording_fails_naming_the_exchange(integration_run):
    """What a drift between Losant and the emulator looks like: each edit of one recorded answer
    is reported, naming the exchange."""
    recording = json.loads(live_recording(integration_run).read_text())
    exchanges = recording["exchanges"]
    created = next(item for item in exchanges if item["method"] == "POST" and item["status"] == 201)
    refused = next(item for item in exchanges if item["status"] >= 400 and (item["response"] or {}).get("message"))
    listed = next(item for item in exchanges if item["method"] == "GET" and (item["response"] or {}).get("items"))

    def drop_a_key(exchange):
        del exchange["response"]["items"][0]["email" if "email" in exchange["response"]["items"][0] else "name"]

    edits = {
        "a status": (created["seq"], lambda exchange: exchange.update(status=200)),
        "an error message": (refused["seq"], lambda exchange: exchange["response"].update(
            message=exchange["response"]["message"] + " (edited)")),
        "a missing key": (listed["seq"], drop_a_key),
    }
    for what, (seq, edit) in sorted(edits.items()):
        with Emulator() as emulator:
            differences = live_replay.replay(_edited(recording, seq, edit), emulator)
        named = [difference for difference in differences if difference.seq == seq]
        OUTCOMES.add("live lane", "a recording with %s edited (exchange %d)" % (what, seq), "fails, naming it",
                     "%d differences, the first: %s" % (len(differences), differences[0] if differences else "-"))
        assert named, (what, seq, [str(difference) for difference in differences[:5]])
        assert "seq %d %s %s" % (seq, named[0].method, named[0].path) in str(named[0])
