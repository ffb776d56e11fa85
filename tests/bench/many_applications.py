"""Benchmark of one play over many Losant applications: the
losant.platform.applications inventory lists 20 applications of 1,000
unchanged users each (pages of 100, a round trip of 100 ms), and one
experience_users task per application (the users from one CSV file) runs with
forks 1 and forks 10, beside one application alone. Each run gives the whole
playbook's wall time, the requests the emulator received, the CPU time of
ansible-playbook with everything it started (workers and module processes)
and the peak resident memory of the controller process. Two runs put the
figures in context: the widest forks again with ansible-playbook held to one
CPU (how much of the time is CPU), and ansible.builtin.ping over the same
hosts (what Ansible itself costs a host). Figures, not assertions: `make
bench` runs it.

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
# Runs a command (held to the CPUs BENCH_CPUS lists, if it is set) and reports the peak resident memory
# of it and its descendants (its worker forks) and the CPU time they used.
MEASURED = ("import os, subprocess, sys; held = os.environ.pop('BENCH_CPUS', ''); "
            "held and os.sched_setaffinity(0, [int(cpu) for cpu in held.split(',')]); "
            "child = subprocess.Popen(sys.argv[1:]); dummy, status, usage = os.wait4(child.pid, 0); "
            "sys.stderr.write('PEAK_KB=%d CPU_S=%.3f\\n' % (usage.ru_maxrss, usage.ru_utime + usage.ru_stime)); "
            "sys.exit(os.waitstatus_to_exitcode(status))")
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
PING_PLAY = """---
- name: Ansible alone, for comparison
  hosts: losant_applications
  connection: local
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
  tasks:
    - name: The smallest module
      ansible.builtin.ping:
"""


def parse_options(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--applications", type=int, default=20)
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--latency-ms", type=int, default=100)
    parser.add_argument("--forks", default="1,10")
    parser.add_argument("--markdown")
    return parser.parse_args(argv)


def run_play(workdir, emulator, forks, limit=None, play="play.yml", cpus=None):
    """(seconds, requests, CPU seconds, peak KB of ansible-playbook, changed) of one run; ``cpus``, a
    list of CPU numbers, holds ansible-playbook and everything it starts to those CPUs."""
    # The inventory and the modules read the same two variables, as with AWX's Losant credential.
    env = dict(os.environ, LOSANT_API_TOKEN=TOKEN, LOSANT_API_URL=emulator.url, ANSIBLE_NOCOLOR="1",
               ANSIBLE_LOCALHOST_WARNING="0", BENCH_CPUS=",".join(str(cpu) for cpu in sorted(cpus or ())))
    command = [str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(workdir / "apps.losant.yml"),
               str(workdir / play), "-f", str(forks), "-e", "bench_src=%s" % (workdir / "users.csv")]
    if limit:
        command += ["--limit", limit]
    before = emulator.requests()["last_seq"]
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-c", MEASURED] + command, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    output, errors = process.communicate()
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit("ansible-playbook failed:\n" + output[-3000:] + errors[-2000:])
    figures = errors.rsplit("PEAK_KB=", 1)[1].split()
    peak, cpu = int(figures[0]), float(figures[1].split("=")[1])
    changed = sum(int(part.split("=")[1]) for part in output.split() if part.startswith("changed="))
    return seconds, len(emulator.requests(before)["requests"]), cpu, peak, changed


def main(argv=None):
    options = parse_options(argv)
    forks = [int(value) for value in options.forks.split(",")]
    every = "%d applications" % options.applications
    available = sorted(os.sched_getaffinity(0))
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
        (workdir / "ping.yml").write_text(PING_PLAY)
        # (run, forks, CPUs, one: the run it is compared with, figures)
        rows = [("1 application", 1, None, None, run_play(workdir, emulator, 1, limit="customer_00"))]
        for count in forks:
            rows.append((every, count, None, 0, run_play(workdir, emulator, count)))
        if len(available) > 1:
            held = run_play(workdir, emulator, max(forks), cpus=available[:1])
            rows.append((every, max(forks), available[:1], 0, held))
        rows.append(("ping, 1 host", 1, None, None, run_play(workdir, emulator, 1, "customer_00", "ping.yml")))
        rows.append(("ping, %d hosts" % options.applications, max(forks), None, len(rows) - 1,
                     run_play(workdir, emulator, max(forks), play="ping.yml")))
    finally:
        emulator.stop()
        shutil.rmtree(str(workdir), ignore_errors=True)
    cpus = len(available)
    lines = ["| run | forks | CPUs | wall s | x one | requests | CPU s | controller peak MB | changed |",
             "|---|---|---|---|---|---|---|---|---|"]
    for name, count, held, one, (seconds, requests_made, cpu, peak_kb, changed) in rows:
        base = rows[one][4][0] if one is not None else seconds
        lines.append("| %s | %d | %d | %.1f | %.2f | %d | %.1f | %.0f | %d |" % (
            name, count, len(held) if held else cpus, seconds, seconds / base, requests_made, cpu,
            peak_kb / 1024.0, changed))
    text = ("%d applications of %d unchanged users, pages of %d, %d ms round trip, %d CPUs\n\n%s\n\n"
            "x one: the wall time against the same play on one host. CPU s: ansible-playbook and everything it "
            "started (workers, module processes); the emulator is not counted.\n" % (
                options.applications, options.users, PAGE_CAP, options.latency_ms, cpus, "\n".join(lines)))
    print(text)
    if options.markdown:
        Path(options.markdown).write_text(text)


if __name__ == "__main__":
    main()
