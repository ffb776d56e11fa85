"""What AWX / Automation Platform does around a job, done here the same way:
a credential of the Losant API credential type (docs/awx/credential_type.yml)
injected into the job's environment as AWX injects it, and a private data
directory laid out as AWX lays it out for ansible-runner; plus the secret audit
of everything the runner writes.

AWX's rules restated here (awx/main/models/credential.py and fields.py of
AWX): env injectors are Jinja2 templates rendered in an immutable sandbox with
the credential's inputs as variables, where only inputs the credential sets are
defined; an injected variable may not start with ANSIBLE_; and the job
environment AWX stores (job_env) hides every variable whose name matches
API, TOKEN, KEY, SECRET or PASS."""

import json
import os
import re
import shutil
import sys
from pathlib import Path

import yaml
from jinja2.sandbox import ImmutableSandboxedEnvironment

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
for _path in (REPO / "tests" / "emulator", REPO / "tests" / "reliability"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from reliability_support import AUDIT, TOKEN, password_literals  # noqa: E402  pylint: disable=wrong-import-position

CREDENTIAL_TYPE = REPO / "docs" / "awx" / "credential_type.yml"
EXAMPLES = REPO / "docs" / "examples"
AWX_HIDDEN_ENV = re.compile(r"API|TOKEN|KEY|SECRET|PASS", re.I)
AWX_HIDDEN = "**********"


def credential_type():
    return yaml.safe_load(CREDENTIAL_TYPE.read_text())


def inject(cred_type, inputs):
    """The environment variables AWX adds to a job for a credential with ``inputs``."""
    sandbox = ImmutableSandboxedEnvironment()
    namespace = dict((key, value) for key, value in inputs.items() if value not in ("", None))
    env = {}
    for name, template in cred_type.get("injectors", {}).get("env", {}).items():
        if name.startswith("ANSIBLE_"):
            raise ValueError("AWX refuses to inject %s: it may change Ansible's configuration" % name)
        env[name] = sandbox.from_string(template).render(**namespace)
    return env


def awx_safe_env(env):
    """The job environment as AWX stores it (job_env): secret-looking names hidden."""
    return dict((key, AWX_HIDDEN if AWX_HIDDEN_ENV.search(key) and not key.startswith("ANSIBLE_") else value)
                for key, value in env.items())


def job_env(emulator_url, application_id, token=TOKEN):
    """What a job with a Losant API credential runs with, beside the collection's path."""
    env = inject(credential_type(), {"api_token": token, "application_id": application_id,
                                     "api_url": emulator_url})
    env.update({
        # ansible-playbook of this Python, as an execution environment has it on its PATH.
        "PATH": os.pathsep.join((str(Path(sys.executable).parent), os.environ.get("PATH", ""))),
        "ANSIBLE_COLLECTIONS_PATH": os.environ.get("ANSIBLE_COLLECTIONS_PATH", ""),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_LOCALHOST_WARNING": "0",
    })
    return env


def private_data_dir(root, playbooks, envvars=None, extravars=None, write_env=True):
    """An AWX-style private data dir: project/ with ``playbooks`` ({name: plays or a
    path to copy}), inventory/hosts with localhost, and env/ (envvars, extravars,
    passwords, settings) when ``write_env``."""
    root = Path(root)
    project = root / "project"
    project.mkdir(parents=True)
    for name, content in playbooks.items():
        if isinstance(content, Path):
            shutil.copy(str(content), str(project / name))
        else:
            (project / name).write_text(yaml.safe_dump(content, sort_keys=False))
    (root / "inventory").mkdir()
    (root / "inventory" / "hosts").write_text(
        "localhost ansible_connection=local ansible_python_interpreter=%s\n" % sys.executable)
    if write_env:
        env = root / "env"
        env.mkdir()
        for name, value in (("envvars", envvars or {}), ("extravars", extravars or {}), ("passwords", {}),
                            ("settings", {"suppress_ansible_output": True})):
            (env / name).write_text(json.dumps(value))
            os.chmod(str(env / name), 0o600)
    return root


def example_site(extra_plays=(), only=None):
    """project/site.yml importing the example playbooks in order (those ``only`` names
    start with, or all), and the examples themselves."""
    playbooks = dict((path.name, path) for path in sorted(EXAMPLES.glob("*.yml"))
                     if only is None or path.name.startswith(tuple(only)))
    site = [{"ansible.builtin.import_playbook": name} for name in sorted(playbooks)]
    site.extend(extra_plays)
    playbooks["site.yml"] = site
    return playbooks


def example_passwords():
    """Every password literal of the example playbooks, registered with the audit."""
    found = [value for path in sorted(EXAMPLES.glob("*.yml"))
             for value in password_literals(yaml.safe_load(path.read_text()))]
    for value in found:
        AUDIT.add(value)
    return found


def audit_artifacts(run_name, artifact_dir, env_file_values=()):
    """Search every file the runner wrote under ``artifact_dir`` for every secret.
    ``command`` holds the environment the runner ran with: it is searched as AWX
    stores it (job_env, secret-looking names hidden); the raw file may hold an
    injected secret only as one of ``env_file_values`` (the variable AWX hides).
    Returns (hits, files searched, bytes searched)."""
    hits, files, size = [], 0, 0
    for path in sorted(Path(artifact_dir).rglob("*")):
        if not path.is_file():
            continue
        text = path.read_text(errors="replace")
        files += 1
        size += len(text)
        source = str(path.relative_to(artifact_dir))
        if path.name == "command":
            data = json.loads(text)
            raw_env = data.get("env") or {}
            stored = dict(data, env=awx_safe_env(raw_env))
            hits += AUDIT.scan(run_name, source + " (as AWX stores it)", json.dumps(stored))
            outside = dict(data, env=dict((key, value) for key, value in raw_env.items()
                                          if key not in env_file_values))
            hits += AUDIT.scan(run_name, source + " (beside the injected variables)", json.dumps(outside))
        else:
            hits += AUDIT.scan(run_name, source, text)
    return hits, files, size


def emulator_writes(emulator, since=0):
    return [entry for entry in emulator.requests(since)["requests"]
            if entry.get("method") in ("POST", "PATCH", "PUT", "DELETE")]
