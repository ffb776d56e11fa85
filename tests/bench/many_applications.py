"""Benchmark of one play over many Losant applications: the
losant.platform.applications inventory lists 20 applications of 1,000
unchanged users each (pages of 100, a round trip of 100 ms), and one
experience_users task per application (the users from one CSV file) runs with
forks 1 and forks 10, beside one application alone. Each run gives the whole
playbook's wall time, the requests the emulator received and the peak
resident memory of the controller process (ansible-playbook). Figures, not
assertions: `make bench` runs it.

Usage: python tests/bench/many_applications.py [--applications 20] [--users 1000] [--latency-ms 100]
           [--forks 1,10] [--markdown FILE]
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "emulator"))

from bench import GROUPS, PAGE_CAP, seed_users, wanted_users, write_csv  # noqa: E402  pylint: disable=wrong-import-position
from losant_emulator import Emulator  # noqa: E402  pylint: disable=wrong-import-position

TOKEN = "bench-user-token"
# Runs a command and reports the peak resident memory of it and its descendants (its worker forks).
PEAK = ("import os, subprocess, sys; child = subprocess.Popen(sys.argv[1:]); dummy, status, usage = os.wait4(child.pid, 0); "
        "sys.stderr.write('PEAK_KB=%d\\n' % usage.ru_maxrss); sys.exit(os.waitstatus_to_exitcode(status))")
PLAY = """---
- name: The users of every application
  hosts: losant_applications
  connection: local
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
  module_defaults:
    group/losant.platform.losant:
      application_id: "{{ losant_application_id }}"
  tasks:
    - name: Every user of the file
      losant.platform.experience_users:
        src: "{{ bench_src }}"
"""


def parse_options(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--applications", type=int, default=20)
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--latency-ms", type=int, default=100)
    parser.add_argument("--forks", default="1,10")
    parser.add_argument("--markdown")
    return parser.parse_args(argv)


def run_play(workdir, emulator, forks, limit=None):
    """(seconds, requests, peak KB of ansible-playbook, changed) of one run."""
    # The inventory and the modules read the same two variables, as with AWX's Losant credential.
    env = dict(os.environ, LOSANT_API_TOKEN=TOKEN, LOSANT_API_URL=emulator.url, ANSIBLE_NOCOLOR="1",
               ANSIBLE_LOCALHOST_WARNING="0")
    command = [str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(workdir / "apps.losant.yml"),
               str(workdir / "play.yml"), "-f", str(forks), "-e", "bench_src=%s" % (workdir / "users.csv")]
    if limit:
        command += ["--limit", limit]
    before = emulator.requests()["last_seq"]
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-c", PEAK] + command, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    output, errors = process.communicate()
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit("ansible-playbook failed:\n" + output[-3000:] + errors[-2000:])
    peak = int(errors.rsplit("PEAK_KB=", 1)[1].split()[0])
    changed = sum(int(part.split("=")[1]) for part in output.split() if part.startswith("changed="))
    return seconds, len(emulator.requests(before)["requests"]), peak, changed


def main(argv=None):
    options = parse_options(argv)
    workdir = Path(tempfile.mkdtemp(prefix="bench-many-"))
    emulator = Emulator(tokens={TOKEN: ["all.User"]}, page_cap=PAGE_CAP, latency=options.latency_ms / 1000.0)
    emulator.start()
    try:
        seed = {"experienceGroups": [{"name": name} for name in GROUPS], "experienceUsers": seed_users(options.users)}
        emulator.seed({"applications": [dict(seed, name="Customer %02d" % index)
                                        for index in range(options.applications)]})
        write_csv(workdir / "users.csv", wanted_users(options.users, "nochange"))
        (workdir / "apps.losant.yml").write_text(
            "plugin: losant.platform.applications\nname: Customer *\n")
        (workdir / "play.yml").write_text(PLAY)
        rows = [("1 application", 1) + run_play(workdir, emulator, 1, limit="customer_00")]
        for forks in [int(value) for value in options.forks.split(",")]:
            rows.append(("%d applications" % options.applications, forks) + run_play(workdir, emulator, forks))
    finally:
        emulator.stop()
        shutil.rmtree(str(workdir), ignore_errors=True)
    one = rows[0][2]
    lines = ["| run | forks | wall s | x one application | requests | controller peak MB | changed |",
             "|---|---|---|---|---|---|---|"]
    for name, forks, seconds, requests_made, peak_kb, changed in rows:
        lines.append("| %s | %d | %.1f | %.2f | %d | %.0f | %d |" % (
            name, forks, seconds, seconds / one, requests_made, peak_kb / 1024.0, changed))
    text = "%d applications of %d unchanged users, pages of %d, %d ms round trip\n\n%s\n" % (
        options.applications, options.users, PAGE_CAP, options.latency_ms, "\n".join(lines))
    print(text)
    if options.markdown:
        Path(options.markdown).write_text(text)


if __name__ == "__main__":
    main()
