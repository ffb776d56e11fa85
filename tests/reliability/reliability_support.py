"""Shared machinery of the reliability suite: generated playbooks run by
ansible-playbook against in-process emulators, a secret audit applied to
everything a run leaves behind, and the table of outcomes printed at the end.

Playbooks are built as Python data and written as JSON (which YAML reads), so
every case lives in a Python table and a module is one more row.
"""

import json
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
ANSIBLE_PLAYBOOK = str(Path(sys.executable).parent / "ansible-playbook")
ACTION_PLUGINS = str(HERE / "action_plugins")
CASE_ACTION = "losant_reliability_case"
APP = "5f6a7b8c9d0e1f2a3b4c5d6e"
READ_ONLY_TOKEN = "losant-emulator-read-only-token"

# Each secret of the session carries a long random hex part, so any HEX_RUN
# hex characters of it found in an output is a leak, even a secret cut in two.
TOKEN = "tok" + secrets.token_hex(16)
HEX_RUN = 10
_HEX = re.compile(r"[0-9a-f]{%d,}" % HEX_RUN)


def password():
    """A fresh password, registered with the audit."""
    value = "Pw" + secrets.token_hex(10) + "!"
    AUDIT.add(value)
    return value


class SecretAudit:
    """Every secret of the session, and every text searched for them."""

    def __init__(self):
        self.secrets = []
        self.windows = {}   # HEX_RUN characters of a secret's hex part -> index of the secret
        self.sources = []   # (run name, source, characters searched)
        self.hits = []      # (run name, source, which secret, excerpt)
        self.lock = threading.Lock()

    def add(self, value):
        with self.lock:
            if not value or value in self.secrets:
                return
            self.secrets.append(value)
            for run in _HEX.findall(value):
                for start in range(len(run) - HEX_RUN + 1):
                    self.windows[run[start:start + HEX_RUN]] = len(self.secrets) - 1

    def scan(self, run_name, source, text):
        """Record ``text`` as searched; return the hits in it: a whole secret, or
        HEX_RUN characters of its random part (a secret cut by a truncation)."""
        hit = {}
        for index, value in enumerate(self.secrets):
            position = text.find(value)
            if position >= 0:
                hit.setdefault(index, position)
        for match in _HEX.finditer(text):
            run = match.group(0)
            for start in range(len(run) - HEX_RUN + 1):
                index = self.windows.get(run[start:start + HEX_RUN])
                if index is not None:
                    hit.setdefault(index, match.start() + start)
                    break
        found = [(run_name, source, "secret %d" % index, text[max(0, position - 80):position + 60])
                 for index, position in sorted(hit.items())]
        with self.lock:
            self.sources.append((run_name, source, len(text)))
            self.hits.extend(found)
        return found


AUDIT = SecretAudit()
AUDIT.add(TOKEN)


# Options named like a password that hold none.
NOT_SECRETS = ("update_password", "password_updated_after", "password_updated_before")


def password_literals(data):
    """Literal values of keys that hold a password, anywhere in parsed YAML: a password option's
    text, or the texts of a mapping of passwords (experience_users' ``passwords``, keyed by email)."""
    found = []
    if isinstance(data, dict):
        for key, value in data.items():
            if "password" in str(key) and key not in NOT_SECRETS:
                texts = value.values() if isinstance(value, dict) else [value]
                found.extend(text for text in texts if isinstance(text, str) and "{{" not in text)
            found.extend(password_literals(value))
    elif isinstance(data, list):
        for item in data:
            found.extend(password_literals(item))
    return found


# Any 31 characters of a password hold one whole 16-character piece of it.
RANDOM_PIECE = 16


def capture_passwords(emulator, echo_ids=()):
    """Every password the emulator is sent, registered with the audit as it arrives (whole and in
    RANDOM_PIECE pieces): the random passwords of state=suspended are known to no one else. A PATCH
    of a user of ``echo_ids`` is answered with a 400 whose message echoes the password, as a careless
    server or proxy might."""
    captured = []
    answer = emulator.api.answer

    def capturing(method, path, params, raw, headers):
        body = json.loads(raw.decode("utf-8")) if raw else None
        if isinstance(body, dict) and isinstance(body.get("password"), str):
            captured.append(body["password"])
            AUDIT.add(body["password"])
            for start in range(0, len(body["password"]) - RANDOM_PIECE + 1, RANDOM_PIECE):
                AUDIT.add(body["password"][start:start + RANDOM_PIECE])
            if method == "PATCH" and path.rsplit("/", 1)[-1] in echo_ids:
                return 400, {"type": "Validation", "message": "password %s is not allowed" % body["password"]}, {}
        return answer(method, path, params, raw, headers)

    emulator.api.answer = capturing
    return captured


def run_at_most(count, items, job):
    """job(item) for every item, ``count`` at a time (each runs a playbook, which waits on
    its own processes); the results in the order of ``items``."""
    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(job, items))


class Outcomes:
    """Rows of the table printed at the end of the run (and written as Markdown)."""

    def __init__(self):
        self.rows = []
        self.lock = threading.Lock()

    def add(self, section, case, expected, observed, detail="", seconds=None):
        with self.lock:
            self.rows.append(dict(section=section, case=case, expected=expected, observed=observed,
                                  detail=detail, seconds=seconds))

    def markdown(self):
        lines = ["| section | case | expected | observed | detail | s |", "|---|---|---|---|---|---|"]
        for row in self.rows:
            seconds = "" if row["seconds"] is None else "%.1f" % row["seconds"]
            lines.append("| %s | %s | %s | %s | %s | %s |" % (
                row["section"], row["case"], row["expected"], row["observed"],
                str(row["detail"]).replace("|", "/"), seconds))
        return "\n".join(lines)


OUTCOMES = Outcomes()


def closed_port():
    """A local TCP port nothing listens on (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


_COLLECTIONS = {}


def collections_path():
    """The installed collection (make reliability sets it), else a link to this checkout."""
    if os.environ.get("ANSIBLE_COLLECTIONS_PATH"):
        return os.environ["ANSIBLE_COLLECTIONS_PATH"]
    if "path" not in _COLLECTIONS:
        root = Path(tempfile.mkdtemp(prefix="reliability-collections-"))
        (root / "ansible_collections" / "losant").mkdir(parents=True)
        (root / "ansible_collections" / "losant" / "platform").symlink_to(REPO)
        _COLLECTIONS["path"] = str(root)
    return _COLLECTIONS["path"]


def play(tasks, url, token_var="reliability_api_token", retries=2, timeout=10, name="reliability"):
    """One play on localhost whose Losant modules talk to ``url``."""
    return {
        "name": name,
        "hosts": "localhost",
        "connection": "local",
        "gather_facts": False,
        "vars": {"ansible_python_interpreter": "{{ ansible_playbook_python }}"},
        "module_defaults": {"group/losant.platform.losant": {
            "api_url": url,
            "api_token": "{{ %s }}" % token_var,
            "application_id": APP,
            "retries": retries,
            "timeout": timeout,
        }},
        "tasks": tasks,
    }


def case_tasks(case, module, args, url, out, rules=(), rerun_args=None, rerun=True):
    """Install ``rules``, run ``module`` once, record; re-run it without faults when it failed."""
    control = {"case": case, "url": url, "out": out}
    tasks = [
        {"name": "%s: faults" % case, CASE_ACTION: dict(control, phase="start", rules=list(rules))},
        {"name": "%s: run" % case, module: args, "register": "case_result", "ignore_errors": True, "diff": True},
        {"name": "%s: record" % case, CASE_ACTION: dict(control, phase="end", result="{{ case_result }}")},
    ]
    if not rerun:
        return tasks
    return tasks + [
        {"name": "%s: re-run without faults" % case, module: args if rerun_args is None else rerun_args,
         "register": "case_rerun", "ignore_errors": True, "diff": True, "when": "case_result is failed"},
        {"name": "%s: record the re-run" % case, CASE_ACTION: dict(control, phase="rerun", result="{{ case_rerun }}"),
         "when": "case_result is failed"},
    ]


def noted_task(case, module, args, out, **task_options):
    """Run ``module`` once and note its registered result (no emulator hook is touched)."""
    task = {"name": case, module: args, "register": "noted_result", "ignore_errors": True, "diff": True}
    task.update(task_options)
    return [task, {"name": "%s: note" % case,
                   CASE_ACTION: {"phase": "note", "case": case, "url": "-", "out": out, "result": "{{ noted_result }}"}}]


class PlaybookRun:
    """One ansible-playbook process: started at once, ``wait()`` for its outcome."""

    def __init__(self, name, plays, workdir, extra_vars=None, verbosity=4, env=None, timeout=600):
        self.name = name
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.playbook = self.workdir / "playbook.yml"
        self.playbook.write_text(json.dumps(plays, indent=1))
        self.vars_file = self.workdir / "vars.json"
        variables = {"reliability_api_token": TOKEN}
        variables.update(extra_vars or {})
        self.vars_file.write_text(json.dumps(variables))
        self.log_path = self.workdir / "ansible.log"
        self.records_path = self.workdir / "records.jsonl"
        self.timeout = timeout
        run_env = dict(os.environ)
        run_env.update({
            "ANSIBLE_COLLECTIONS_PATH": collections_path(),
            "ANSIBLE_ACTION_PLUGINS": ACTION_PLUGINS,
            "ANSIBLE_LOG_PATH": str(self.log_path),
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_RETRY_FILES_ENABLED": "0",
            "ANSIBLE_LOCAL_TEMP": str(self.workdir / "tmp"),
            "ANSIBLE_LOCALHOST_WARNING": "0",
            "ANSIBLE_INVENTORY_UNPARSED_WARNING": "0",
        })
        run_env.update(env or {})
        command = [ANSIBLE_PLAYBOOK, str(self.playbook), "-e", "@" + str(self.vars_file)]
        if verbosity:
            command.append("-" + "v" * verbosity)
        self.started = time.monotonic()
        self.process = subprocess.Popen(command, env=run_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        text=True, cwd=str(self.workdir))
        self.stdout = self.stderr = ""
        self.returncode = None
        self.seconds = None
        self.leaks = None

    def wait(self):
        if self.returncode is None:
            try:
                self.stdout, self.stderr = self.process.communicate(timeout=self.timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.stdout, self.stderr = self.process.communicate()
            self.returncode = self.process.returncode
            self.seconds = time.monotonic() - self.started
            self.leaks = self.audit()
        return self

    def audit(self):
        """Search the output, the log file and the recorded results for every secret."""
        leaks = AUDIT.scan(self.name, "stdout", self.stdout) + AUDIT.scan(self.name, "stderr", self.stderr)
        results_path = Path(str(self.records_path) + ".results")
        for path, source in ((self.log_path, "ANSIBLE_LOG_PATH"), (results_path, "registered results")):
            if path.exists():
                leaks += AUDIT.scan(self.name, source, path.read_text(errors="replace"))
        return leaks

    @property
    def output(self):
        return self.stdout + self.stderr

    def records(self):
        """{(case, phase): record} of the cases the playbook ran."""
        found = {}
        if self.records_path.exists():
            for line in self.records_path.read_text().splitlines():
                record = json.loads(line)
                found[(record["case"], record["phase"])] = record
        return found

    def results(self):
        """{case: registered result} of the noted tasks and recorded cases (the last phase wins)."""
        found = {}
        path = Path(str(self.records_path) + ".results")
        if path.exists():
            for line in path.read_text().splitlines():
                record = json.loads(line)
                found[record["case"]] = record["result"]
        return found

    def tail(self, chars=6000):
        return self.output[-chars:]


def run_playbook(name, plays, workdir, **kwargs):
    return PlaybookRun(name, plays, workdir, **kwargs).wait()


def request_summary(requests_made):
    """'GET 200, POST 503!, GET 200, POST 201' (! marks an injected fault; 0 = no answer)."""
    parts = []
    for entry in requests_made:
        parts.append("%s %s%s" % (entry["method"], entry["status"], "!" if entry.get("fault") else ""))
    return ", ".join(parts)


def users_by_email(state):
    found = {}
    for user in state["experienceUsers"]:
        found.setdefault(user["email"].lower(), []).append(user)
    return found


def groups_by_name(state):
    found = {}
    for group in state["experienceGroups"]:
        found.setdefault(group["name"], []).append(group)
    return found


def user_shape(user):
    """The fields a task sets, for exact comparisons."""
    return {
        "email": user["email"].lower(),
        "firstName": user.get("firstName"),
        "lastName": user.get("lastName"),
        "userTags": user.get("userTags") or {},
        "groups": sorted(group["name"] for group in user.get("experienceGroups") or []),
        "hasPassword": bool(user.get("passwordLastUpdated")),
    }


def group_shape(group):
    return {
        "name": group["name"],
        "description": group.get("description") or "",
        "groupTags": group.get("groupTags") or {},
        "parentId": group.get("parentId"),
    }
