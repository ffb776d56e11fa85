"""Benchmark of losant.platform.experience_users against the Losant emulator, at the shape of the real API.

The emulator runs as its own process with pages of at most 100 items (what
Losant serves). For each number of seeded users (1,000, 10,000, 100,000) and
emulated round trip (0 ms, 100 ms), one `experience_users` task gets every
user from a CSV file (`src`, how a real user feeds a directory export) in two
cases: nothing to change, and 10% of the users with a changed last name.
The no-change case runs a second time with `workers: 1` (sequential reads,
the collection's behaviour before concurrent paging) as the baseline. A loop
of `experience_user` tasks over 1,000 users (no change, 0 ms) is measured too.

Each run gives: task time (clock tasks around the task), whole playbook
(ansible-playbook start to end), module run and module peak memory (the
module's process, measured by the interpreter wrapper Ansible starts it
with), and the HTTP requests the emulator received. Figures, not
assertions: `make bench` runs it.

Usage: python tests/bench/bench.py [--sizes 1000,10000,100000] [--latencies 0,100]
           [--cases nochange,changed] [--baseline-sizes SIZES] [--config-sizes SIZES]
           [--no-loop] [--markdown FILE] [--json FILE]
"""

import argparse
import csv
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
EMULATOR_DIR = HERE.parent / "emulator"
sys.path.insert(0, str(EMULATOR_DIR))

from losant_emulator import DEFAULT_APPLICATION_ID, DEFAULT_TOKEN  # noqa: E402  pylint: disable=wrong-import-position

PAGE_CAP = 100
GROUPS = ["Operators", "Viewers", "Admins"]
CONNECTION = {"api_token": DEFAULT_TOKEN, "application_id": DEFAULT_APPLICATION_ID}
CASES = {"nochange": "no change", "changed": "10% changed"}
DEFAULT_WORKERS = 8  # the module's default

# Ansible starts the module with this "interpreter": it runs the real Python on the
# module and appends the module process's wall time and peak resident size to a file.
# AnsiballZ runs the module inside that process, so its peak is the module's.
INTERPRETER = """#!{python}
import json, os, subprocess, sys, time
started = time.perf_counter()
child = subprocess.Popen([{python!r}] + sys.argv[1:])
_, status, usage = os.wait4(child.pid, 0)
with open({log!r}, "a") as log:
    log.write(json.dumps({{"seconds": time.perf_counter() - started, "maxrss_kb": usage.ru_maxrss}}) + "\\n")
sys.exit(os.waitstatus_to_exitcode(status))
"""


def user_entry(index):
    return {
        "email": "user%06d@bench.example.com" % index,
        "first_name": "User",
        "last_name": "%06d" % index,
        "user_tags": {"customer": "bench", "tier": str(index % 3)},
        "experience_groups": [GROUPS[index % len(GROUPS)]],
    }


def seed_users(count):
    return [{
        "email": entry["email"], "firstName": entry["first_name"], "lastName": entry["last_name"],
        "userTags": entry["user_tags"], "experienceGroups": entry["experience_groups"],
        "passwordLastUpdated": "2026-01-01T00:00:00.000Z",
    } for entry in map(user_entry, range(count))]


def wanted_users(size, case):
    """The task's users: as seeded, or with every tenth one's last name changed."""
    users = [user_entry(index) for index in range(size)]
    if case == "changed":
        users = [dict(entry, last_name="Changed") if index % 10 == 0 else entry for index, entry in enumerate(users)]
    return users


def write_csv(path, users):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["email", "first_name", "last_name", "experience_groups", "user_tags.customer",
                         "user_tags.tier"])
        for user in users:
            writer.writerow([user["email"], user["first_name"], user["last_name"],
                             ";".join(user["experience_groups"]), user["user_tags"]["customer"],
                             user["user_tags"]["tier"]])


class EmulatorProcess:
    """The emulator's command line in a process of its own, pages capped at PAGE_CAP."""

    def __init__(self, workdir):
        url_file = Path(workdir) / "emulator.url"
        env = dict(os.environ, PYTHONPATH=str(EMULATOR_DIR))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "losant_emulator", "--quiet", "--page-cap", str(PAGE_CAP),
             "--url-file", str(url_file)],
            env=env, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while not url_file.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the emulator did not start")
            time.sleep(0.05)
        self.url = url_file.read_text().strip()
        settings = self.hook("GET", "settings")
        if settings.get("pageCap") != PAGE_CAP:
            raise RuntimeError("the emulator serves pages of %s, not %d" % (settings.get("pageCap"), PAGE_CAP))

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=60)

    def hook(self, method, path, body=None):
        response = requests.request(method, self.url + "/_emulator/" + path, json=body, timeout=600)
        response.raise_for_status()
        return response.json()

    def reset(self, users, latency_ms):
        self.hook("POST", "reset")
        self.hook("POST", "seed", {"experienceGroups": [{"name": name} for name in GROUPS],
                                   "experienceUsers": seed_users(users)})
        self.hook("PUT", "faults", {"latency": latency_ms / 1000.0, "rules": []})

    def last_seq(self):
        return self.hook("GET", "requests?since=999999999")["last_seq"]


class Bench:
    def __init__(self, workdir, collections_path, emulator):
        self.workdir = Path(workdir)
        self.emulator = emulator
        self.bin = Path(sys.executable).parent
        self.env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections_path, ANSIBLE_NOCOLOR="1",
                        ANSIBLE_RETRY_FILES_ENABLED="0")
        self.module_log = self.workdir / "module-runs.jsonl"
        self.interpreter = self.workdir / "measured-python"
        self.interpreter.write_text(INTERPRETER.format(python=sys.executable, log=str(self.module_log)))
        self.interpreter.chmod(0o755)
        self.bulk, self.loop = write_playbooks(self.workdir)

    def run_playbook(self, playbook, extra_vars):
        """(whole playbook s, task s, HTTP requests, [module runs]) of one ansible-playbook run."""
        vars_file = self.workdir / "vars.json"
        vars_file.write_text(json.dumps(dict(extra_vars, api_url=self.emulator.url,
                                             bench_interpreter=str(self.interpreter))))
        self.module_log.write_text("")
        before = self.emulator.last_seq()
        started = time.perf_counter()
        process = subprocess.run([str(self.bin / "ansible-playbook"), str(playbook), "-e", "@" + str(vars_file)],
                                 env=self.env, capture_output=True, text=True, check=False)
        elapsed = time.perf_counter() - started
        if process.returncode != 0:
            raise RuntimeError("playbook failed:\n" + process.stdout[-5000:] + process.stderr[-5000:])
        task_time = float(re.search(r"BENCH_TASK_SECONDS=([0-9.]+)", process.stdout).group(1))
        runs = [json.loads(line) for line in self.module_log.read_text().splitlines() if line]
        return elapsed, task_time, self.emulator.last_seq() - before, runs

    def bulk_task(self, size, latency, case, workers, feed):
        users = wanted_users(size, case)
        if feed == "src":
            users_file = self.workdir / ("users-%d-%s.csv" % (size, case))
            if not users_file.exists():
                write_csv(users_file, users)
            task_vars = {"bench_src": str(users_file), "bench_workers": workers}
        else:
            task_vars = {"users": users, "bench_workers": workers}
        play_time, task_time, requests_made, runs = self.run_playbook(self.bulk[feed], task_vars)
        if len(runs) != 1:
            raise RuntimeError("expected one module run, measured %d" % len(runs))
        return {"users": size, "latency_ms": latency, "case": case, "workers": workers, "feed": feed,
                "task_s": task_time, "playbook_s": play_time, "module_s": runs[0]["seconds"],
                "requests": requests_made, "module_peak_mb": runs[0]["maxrss_kb"] / 1024.0}

    def loop_task(self, size, latency):
        play_time, task_time, requests_made, runs = self.run_playbook(
            self.loop, {"users": wanted_users(size, "nochange")})
        return {"users": size, "latency_ms": latency, "case": "nochange", "task_s": task_time,
                "playbook_s": play_time, "requests": requests_made, "module_runs": len(runs),
                "module_peak_mb": max(run["maxrss_kb"] for run in runs) / 1024.0}


def write_playbooks(workdir):
    connection = "\n".join("      %s: %s" % item for item in sorted(CONNECTION.items()))
    header = """---
- hosts: localhost
  connection: local
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{ bench_interpreter }}"
  module_defaults:
    group/losant.platform.losant:
      api_url: "{{ api_url }}"
%s
  tasks:
""" % connection
    # The clock tasks bracket the measured task, so the time excludes Ansible's
    # start-up and the loading of extra vars, which a play pays once.
    clock = """    - name: Start the clock
      ansible.builtin.set_fact:
        bench_started: "{{ now().timestamp() }}"

%s
    - name: Stop the clock
      ansible.builtin.debug:
        msg: "BENCH_TASK_SECONDS={{ now().timestamp() - (bench_started | float) }}"
"""
    bulk = {}
    for feed, users in (("src", 'src: "{{ bench_src }}"'), ("config", 'config: "{{ users }}"')):
        bulk[feed] = workdir / ("bulk-%s.yml" % feed)
        bulk[feed].write_text(header + clock % ("""    - name: All users in one task
      losant.platform.experience_users:
        %s
        workers: "{{ bench_workers }}"
""" % users))
    loop = workdir / "loop.yml"
    loop.write_text(header + clock % """    - name: One task per user
      losant.platform.experience_user:
        email: "{{ item.email }}"
        first_name: "{{ item.first_name }}"
        last_name: "{{ item.last_name }}"
        user_tags: "{{ item.user_tags }}"
        experience_groups: "{{ item.experience_groups }}"
      loop: "{{ users }}"
      no_log: true  # 1,000 results at the default verbosity
""")
    return bulk, loop


def int_list(text):
    return [int(value) for value in text.split(",") if value.strip()]


def parse_options(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int_list, default=int_list("1000,10000,100000"))
    parser.add_argument("--latencies", type=int_list, default=int_list("0,100"), help="emulated round trips in ms")
    parser.add_argument("--cases", default="nochange,changed", help="of: %s" % ", ".join(CASES))
    parser.add_argument("--baseline-sizes", type=int_list, default=None,
                        help="sizes whose no-change case also runs with workers: 1 (default: every size)")
    parser.add_argument("--config-sizes", type=int_list, default=int_list("1000,10000"),
                        help="sizes whose no-change case at 0 ms also runs with the users in config "
                             "(templated from extra vars) instead of src")
    parser.add_argument("--no-loop", action="store_true", help="skip the loop of experience_user tasks")
    parser.add_argument("--loop-size", type=int, default=1000)
    parser.add_argument("--markdown", help="also write the tables to this file")
    parser.add_argument("--json", help="also write every measurement to this file")
    options = parser.parse_args(argv)
    options.cases = [case.strip() for case in options.cases.split(",") if case.strip()]
    unknown = sorted(set(options.cases) - set(CASES))
    if unknown:
        parser.error("--cases: unknown %s (known: %s)" % (", ".join(unknown), ", ".join(CASES)))
    if options.baseline_sizes is None:
        options.baseline_sizes = options.sizes
    return options


def uptime():
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        return "uptime not available"


def ansible_core_version():
    from ansible.release import __version__  # pylint: disable=import-outside-toplevel
    return __version__


def main(argv=None):
    options = parse_options(argv)
    collections_path = os.environ.get("ANSIBLE_COLLECTIONS_PATH")
    if not collections_path:
        sys.exit("set ANSIBLE_COLLECTIONS_PATH to the installed collection (make bench does)")

    meta = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "ansible_core": ansible_core_version(),
            "python": platform.python_version(), "cpus": os.cpu_count(), "page_cap": PAGE_CAP,
            "load_before": uptime()}
    print("load before: %s" % meta["load_before"], flush=True)
    started = time.perf_counter()
    rows = []
    loops = []
    with tempfile.TemporaryDirectory() as workdir:
        # A private copy: a reinstall elsewhere during the run must not pull the collection away.
        private = os.path.join(workdir, "collections")
        shutil.copytree(os.path.join(collections_path, "ansible_collections", "losant", "platform"),
                        os.path.join(private, "ansible_collections", "losant", "platform"))
        emulator = EmulatorProcess(workdir)
        try:
            bench = Bench(workdir, private, emulator)
            if not options.no_loop:
                emulator.reset(options.loop_size, 0)
                loops.append(bench.loop_task(options.loop_size, 0))
                print_loop(loops[-1])
            for size in options.sizes:
                for latency in options.latencies:
                    for case in options.cases:
                        emulator.reset(size, latency)
                        runs = [(DEFAULT_WORKERS, "src")]
                        if case == "nochange" and size in options.baseline_sizes:
                            runs.append((1, "src"))
                        if case == "nochange" and latency == 0 and size in options.config_sizes:
                            runs.append((DEFAULT_WORKERS, "config"))
                        for workers, feed in runs:
                            # A no-change run writes nothing: the runs after the first find the same state.
                            rows.append(bench.bulk_task(size, latency, case, workers, feed))
                            print_row(rows[-1])
        finally:
            emulator.stop()
    meta["load_after"] = uptime()
    meta["total_s"] = time.perf_counter() - started
    print("load after: %s" % meta["load_after"], flush=True)
    table = markdown(meta, rows, loops)
    print("\n" + table)
    if options.markdown:
        Path(options.markdown).write_text(table)
    if options.json:
        Path(options.json).write_text(json.dumps({"meta": meta, "rows": rows, "loops": loops}, indent=1) + "\n")


def reads_label(row):
    label = "sequential (workers: 1)" if row["workers"] == 1 else "%d workers" % row["workers"]
    return label + (", config" if row["feed"] == "config" else "")


def print_row(row):
    print("%7d users %3d ms  %-11s %-24s task %7.2f s  playbook %7.2f s  module %7.2f s  %6d requests  %6.1f MB"
          % (row["users"], row["latency_ms"], CASES[row["case"]], reads_label(row), row["task_s"],
             row["playbook_s"], row["module_s"], row["requests"], row["module_peak_mb"]), flush=True)


def print_loop(loop):
    print("loop of experience_user, %d users, %d ms, no change: task %.1f s, playbook %.1f s, %d requests"
          % (loop["users"], loop["latency_ms"], loop["task_s"], loop["playbook_s"], loop["requests"]), flush=True)


def markdown(meta, rows, loops):
    lines = [
        "Run of %s: ansible-core %s, Python %s, %s CPUs, page cap %d; whole run %.0f min %02.0f s."
        % (meta["date"], meta["ansible_core"], meta["python"], meta["cpus"], meta["page_cap"],
           meta["total_s"] // 60, meta["total_s"] % 60),
        "",
        "- load before: `%s`" % meta["load_before"],
        "- load after: `%s`" % meta["load_after"],
        "",
        "| users | round trip | case | reads | task time | whole playbook | module run | HTTP requests "
        "| module peak memory |",
        "|---:|---:|---|---|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append("| %s | %d ms | %s | %s | %.2f s | %.2f s | %.2f s | %d | %.0f MB |" % (
            "{:,}".format(row["users"]), row["latency_ms"], CASES[row["case"]], reads_label(row), row["task_s"],
            row["playbook_s"], row["module_s"], row["requests"], row["module_peak_mb"]))
    if loops:
        lines.append("")
        for loop in loops:
            lines.append("Loop of `experience_user` tasks, %s users, %d ms, no change: task %.1f s, whole playbook "
                         "%.1f s, %d requests, %d module runs, the largest %.0f MB." % (
                             "{:,}".format(loop["users"]), loop["latency_ms"], loop["task_s"], loop["playbook_s"],
                             loop["requests"], loop["module_runs"], loop["module_peak_mb"]))
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
