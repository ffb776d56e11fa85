"""ansible-navigator, Automation Platform's command line, without an execution
environment (`--ee false`, the only mode without a container engine): the
examples twice, changes then none, and no secret in its output, its log or the
playbook artifact it saves (which holds every job event)."""

import os
import re
import subprocess
import sys
from pathlib import Path

from awx_support import AUDIT, example_passwords, example_site, job_env, private_data_dir
from reliability_support import capture_passwords

NAVIGATOR = str(Path(sys.executable).parent / "ansible-navigator")
# Groups, then users with passwords: what navigator adds to a run is its artifact and its log.
NAVIGATOR_EXAMPLES = ("01_", "02_")
RECAP = re.compile(r"^localhost\s+: ok=\d+\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)


def test_the_examples_through_ansible_navigator_without_an_execution_environment(emulator_for_examples, tmp_path,
                                                                                 awx_figures):
    captured = capture_passwords(emulator_for_examples)
    example_passwords()
    env = dict(os.environ, **job_env(emulator_for_examples.url, emulator_for_examples.application_id))
    env["HOME"] = str(tmp_path / "home")
    project = private_data_dir(tmp_path / "navigator", example_site(only=NAVIGATOR_EXAMPLES), write_env=False)
    changed = []
    for run in ("1", "2"):
        artifact = tmp_path / ("artifact-%s.json" % run)
        log = tmp_path / ("navigator-%s.log" % run)
        done = subprocess.run(
            [NAVIGATOR, "run", str(project / "project" / "site.yml"), "-i", str(project / "inventory" / "hosts"),
             "--mode", "stdout", "--ee", "false", "--pae", "true", "--pas", str(artifact),
             "--lf", str(log), "--ll", "debug", "-vvvv"],
            capture_output=True, text=True, env=env, cwd=str(tmp_path), timeout=600, check=False)
        recap = RECAP.findall(done.stdout)
        assert done.returncode == 0 and len(recap) == 1, done.stdout[-3000:] + done.stderr[-2000:]
        assert recap[0][1:] == ("0", "0")
        changed.append(int(recap[0][0]))
        assert artifact.is_file() and log.is_file()
        for source, text in (("stdout", done.stdout + done.stderr), ("playbook artifact", artifact.read_text()),
                             ("log", log.read_text(errors="replace"))):
            assert AUDIT.scan("ansible-navigator", "run %s %s" % (run, source), text) == []
    awx_figures.append(("ansible-navigator --ee false -vvvv", changed[0], changed[1]))
    assert changed[0] > 0 and changed[1] == 0
    assert captured
