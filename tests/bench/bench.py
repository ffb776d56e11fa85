"""Benchmark of losant.platform.experience_users against the Losant emulator.

Prints, for 1,000 and 10,000 seeded users and an emulated round trip of
0 ms and 30 ms, the wall time, HTTP requests and peak memory of:
no change, 10% of users changed, and 1,000 new users; and, for each case at
1,000 users and 0 ms, the ratio to the same work done by a loop of
experience_user tasks, measured there (nothing is extrapolated). Figures, not
assertions: `make bench` runs it.

Usage: python tests/bench/bench.py [--sizes 1000,10000] [--latencies 0,30] [--markdown FILE]
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "emulator"))

from losant_emulator import DEFAULT_APPLICATION_ID, DEFAULT_TOKEN, Emulator  # noqa: E402  pylint: disable=wrong-import-position

GROUPS = ["Operators", "Viewers", "Admins"]
PASSWORD = "Bench-Passw0rd-1"
CONNECTION = {"api_token": DEFAULT_TOKEN, "application_id": DEFAULT_APPLICATION_ID}


def user_entry(index):
    return {
        "email": "user%05d@bench.example.com" % index,
        "first_name": "User",
        "last_name": "%05d" % index,
        "user_tags": {"customer": "bench", "tier": str(index % 3)},
        "experience_groups": [GROUPS[index % len(GROUPS)]],
    }


def seed_users(count):
    return [{
        "email": entry["email"], "firstName": entry["first_name"], "lastName": entry["last_name"],
        "userTags": entry["user_tags"], "experienceGroups": entry["experience_groups"],
        "passwordLastUpdated": "2026-01-01T00:00:00.000Z",
    } for entry in map(user_entry, range(count))]


class Bench:
    def __init__(self, workdir, collections_path):
        self.workdir = Path(workdir)
        self.collections_path = collections_path
        self.bin = Path(sys.executable).parent
        self.env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections_path, ANSIBLE_NOCOLOR="1",
                        ANSIBLE_RETRY_FILES_ENABLED="0")
        self.emulator = Emulator().start()
        self.url = self.emulator.url

    def close(self):
        self.emulator.stop()

    def hook(self, method, path, body=None):
        response = requests.request(method, self.url + "/_emulator/" + path, json=body, timeout=300)
        response.raise_for_status()
        return response.json()

    def reset(self, users, latency_ms):
        self.hook("POST", "reset")
        self.hook("POST", "seed", {"experienceGroups": [{"name": name} for name in GROUPS],
                                   "experienceUsers": seed_users(users)})
        self.hook("PUT", "faults", {"latency": latency_ms / 1000.0, "rules": []})

    def last_seq(self):
        return self.hook("GET", "requests?since=999999999")["last_seq"]

    def run_playbook(self, playbook, extra_vars):
        vars_file = self.workdir / "vars.json"
        vars_file.write_text(json.dumps(extra_vars))
        before = self.last_seq()
        started = time.perf_counter()
        process = subprocess.run([str(self.bin / "ansible-playbook"), str(playbook), "-e", "@" + str(vars_file)],
                                 env=self.env, capture_output=True, text=True, check=False)
        elapsed = time.perf_counter() - started
        if process.returncode != 0:
            raise RuntimeError("playbook failed:\n" + process.stdout[-5000:] + process.stderr[-5000:])
        task_time = float(re.search(r"BENCH_TASK_SECONDS=([0-9.]+)", process.stdout).group(1))
        return elapsed, task_time, self.last_seq() - before

    def run_module(self, config):
        """The module alone, as Ansible runs it on a host: its time and peak memory."""
        args = self.workdir / "args.json"
        args.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": dict(CONNECTION, api_url=self.url, config=config)}))
        module = Path(self.collections_path) / "ansible_collections/losant/platform/plugins/modules/experience_users.py"
        env = dict(self.env, PYTHONPATH=self.collections_path)
        before = self.last_seq()
        started = time.perf_counter()
        with open(self.workdir / "module.out", "wb") as out:
            process = subprocess.Popen([sys.executable, str(module), str(args)], env=env, stdout=out)
            dummy, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        result = json.loads((self.workdir / "module.out").read_text())
        if status != 0 or result.get("failed"):
            raise RuntimeError("module failed: %s" % result.get("msg"))
        process.returncode = 0
        return elapsed, self.last_seq() - before, usage.ru_maxrss / 1024.0, result


def write_playbooks(workdir):
    connection = "\n".join("      %s: %s" % item for item in sorted(CONNECTION.items()))
    header = """---
- hosts: localhost
  connection: local
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
  module_defaults:
    group/losant.platform.losant:
      api_url: "{{ api_url }}"
%s
  tasks:
""" % connection
    # The clock tasks bracket the measured task, so the time excludes Ansible's
    # start-up and the loading of the users (-e @file), which a play pays once.
    clock = """    - name: Start the clock
      ansible.builtin.set_fact:
        bench_started: "{{ now().timestamp() }}"

%s
    - name: Stop the clock
      ansible.builtin.debug:
        msg: "BENCH_TASK_SECONDS={{ now().timestamp() - (bench_started | float) }}"
"""
    bulk = workdir / "bulk.yml"
    bulk.write_text(header + clock % """    - name: All users in one task
      losant.platform.experience_users:
        config: "{{ users }}"
""")
    loop = workdir / "loop.yml"
    loop.write_text(header + clock % """    - name: One task per user
      losant.platform.experience_user:
        email: "{{ item.email }}"
        first_name: "{{ item.first_name }}"
        last_name: "{{ item.last_name }}"
        user_tags: "{{ item.user_tags }}"
        experience_groups: "{{ item.experience_groups }}"
        password: "{{ item.password | default(omit) }}"
      loop: "{{ users }}"
      no_log: true  # 1,000 results at the default verbosity; and the new users carry passwords
""")
    return bulk, loop


def cases(size):
    unchanged = [user_entry(index) for index in range(size)]
    changed = [dict(entry, last_name="Changed") if index % 10 == 0 else entry for index, entry in enumerate(unchanged)]
    new = unchanged + [dict(user_entry(size + index), password=PASSWORD) for index in range(1000)]
    return [("no change", unchanged), ("10% changed", changed), ("1,000 new users", new)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--latencies", default="0,30", help="emulated round trips in ms")
    parser.add_argument("--markdown", help="also write the table to this file")
    options = parser.parse_args()
    collections_path = os.environ.get("ANSIBLE_COLLECTIONS_PATH")
    if not collections_path:
        sys.exit("set ANSIBLE_COLLECTIONS_PATH to the installed collection (make bench does)")

    rows = []
    with tempfile.TemporaryDirectory() as workdir:
        # A private copy: a reinstall elsewhere during the run must not pull the collection away.
        private = os.path.join(workdir, "collections")
        shutil.copytree(os.path.join(collections_path, "ansible_collections", "losant", "platform"),
                        os.path.join(private, "ansible_collections", "losant", "platform"))
        bench = Bench(workdir, private)
        try:
            bulk, loop = write_playbooks(Path(workdir))
            loops = {}
            for name, config in cases(1000):
                bench.reset(1000, 0)
                dummy, loop_time, loop_requests = bench.run_playbook(loop, {"api_url": bench.url, "users": config})
                loops[name] = (loop_time, loop_requests)
                print("loop of experience_user, 1,000 users, 0 ms, %s: task %.1f s, %d requests"
                      % (name, loop_time, loop_requests), flush=True)
            for size in [int(value) for value in options.sizes.split(",")]:
                for latency in [int(value) for value in options.latencies.split(",")]:
                    for name, config in cases(size):
                        bench.reset(size, latency)
                        play_time, task_time, task_requests = bench.run_playbook(
                            bulk, {"api_url": bench.url, "users": config})
                        bench.reset(size, latency)
                        module_time, module_requests, memory, result = bench.run_module(config)
                        ratio = loops[name][0] / task_time if (size, latency) == (1000, 0) else None
                        rows.append((size, latency, name, play_time, task_time, task_requests, module_time, memory,
                                     len(result["created"]), len(result["updated"]), ratio))
                        print_row(rows[-1])
        finally:
            bench.close()
    table = markdown(rows, loops)
    print("\n" + table)
    if options.markdown:
        Path(options.markdown).write_text(table)


def print_row(row):
    size, latency, name, play_time, task_time, requests_made, module_time, memory, created, updated, ratio = row
    print("%6d users %3d ms  %-16s task %6.2f s  (playbook %6.2f s, module alone %6.2f s)  %5d requests  %6.1f MB"
          "  created %d updated %d%s"
          % (size, latency, name, task_time, play_time, module_time, requests_made, memory, created, updated,
             "  %.0fx faster than the loop" % ratio if ratio else ""), flush=True)


def markdown(rows, loops):
    lines = [
        "| users | round trip | case | task time | HTTP requests | module peak memory | vs loop "
        "| module alone | whole playbook |",
        "|---:|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for size, latency, name, play_time, task_time, requests_made, module_time, memory, dummy, dummy2, ratio in rows:
        lines.append("| %s | %d ms | %s | %.2f s | %d | %.0f MB | %s | %.2f s | %.2f s |" % (
            "{:,}".format(size), latency, name, task_time, requests_made, memory,
            "%.0fx" % ratio if ratio else "", module_time, play_time))
    lines.append("")
    lines.append("Loops of `experience_user` tasks, 1,000 users, 0 ms:")
    lines.append("")
    for name, (loop_time, loop_requests) in loops.items():
        lines.append("- %s: task %.1f s, %d requests" % (name, loop_time, loop_requests))
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
