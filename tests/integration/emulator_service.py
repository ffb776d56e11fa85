"""Start or stop the Losant API emulator the integration targets run against.

    python3 tests/integration/emulator_service.py start
    ansible-test integration --local ...
    python3 tests/integration/emulator_service.py stop

``start`` runs ``python3 -m losant_emulator`` (tests/emulator on PYTHONPATH) in the
background on a free port of 127.0.0.1, with a fresh token and application id,
waits for its URL and writes tests/integration/integration_config.yml, which
ansible-test hands to every target as variables:

* ``losant_emulator_url``, ``losant_api_token``, ``losant_application_id``; ``losant_user_token``
  (a user token: it lists applications, for the inventory plugin's target);
* ``losant_shared_api_dir``: where Losant's official JSON Schemas are looked for
  (as tests/conformance_support.py finds them), and ``losant_conformance_required``
  (LOSANT_CONFORMANCE_REQUIRED=1: a missing contract fails the targets; otherwise
  their schema check is skipped with a warning). Both are read here, at start,
  because ansible-test passes no LOSANT_* variable through to the targets.

The token goes into that file, never on a command line ansible prints. For the
secret audit of tests/reliability/test_secrets.py, ``start`` records the run (URL,
token, time) in tests/output/losant-emulator/run.json; and when
LOSANT_INTEGRATION_LOG names the file the run's output is kept in (tee), also in
<that file>.run.json, and it writes tests/integration/integration.cfg (ansible-test's
ansible.cfg for the targets; it passes no ANSIBLE_LOG_PATH through) so that
ansible-playbook logs to <that file>.ansible.log.

``start`` also starts the emulator of the live lane's black-box targets (live_users,
live_groups): a second one, with its test hooks off (``--no-hooks``: it has only
what Losant has), pages of 100 as Losant serves them, and a few devices and
experience endpoints for the groups to grant; in front of it, the recording proxy
of tests/live/recording_proxy.py. Their variables (``live_*``) go into
integration_config.yml too; ``stop`` stops the proxy, which writes the run's
recording into tests/output/losant-emulator/live-recordings/ (the reliability
suite replays it against a fresh emulator).

``start`` refuses to start when an integration target has the name of a role of
the collection (ansible-test would run that role instead of the target's tasks).
``stop`` stops the emulator started here (by the process id it recorded) and
removes the files ``start`` wrote into tests/integration. ``status`` says whether
it runs.
"""

import json
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import conformance_support  # noqa: E402  pylint: disable=wrong-import-position
CONFIG = HERE / "integration_config.yml"
ANSIBLE_CFG = HERE / "integration.cfg"
STATE_DIR = ROOT / "tests" / "output" / "losant-emulator"
PID_FILE = STATE_DIR / "pid"
URL_FILE = STATE_DIR / "url"
RUN_RECORD = STATE_DIR / "run.json"
EMULATOR_LOG = STATE_DIR / "emulator.log"
MARKER = "# Written by tests/integration/emulator_service.py"
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
# The live lane's emulator (hooks off) and the recording proxy in front of it.
LIVE_PID_FILE = STATE_DIR / "live-emulator.pid"
LIVE_URL_FILE = STATE_DIR / "live-emulator.url"
LIVE_STATE_FILE = STATE_DIR / "live-emulator-state.json"
LIVE_LOG = STATE_DIR / "live-emulator.log"
PROXY_PID_FILE = STATE_DIR / "live-proxy.pid"
PROXY_URL_FILE = STATE_DIR / "live-proxy.url"
PROXY_SECRETS = STATE_DIR / "live-proxy.secrets"
PROXY_LOG = STATE_DIR / "live-proxy.log"
LIVE_RECORDINGS = STATE_DIR / "live-recordings"
# What the live lane's groups may grant: a Losant application's devices and endpoints are its own.
LIVE_SEED = {
    "devices": [{"name": "Pump 1", "tags": [{"key": "site", "value": "north"}]}, {"name": "Pump 2"}],
    "experienceEndpoints": [{"method": "get", "route": "/dashboard", "access": "group"},
                            {"method": "post", "route": "/api/control", "access": "authenticated"}],
}


def _running_pid(pid_file=PID_FILE, name=b"losant_emulator"):
    """The process id of the process started here (the emulator by default), if it still runs."""
    try:
        pid = int(pid_file.read_text().strip())
    except (OSError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return None
    cmdline = Path("/proc/%d/cmdline" % pid)
    if cmdline.exists() and name not in cmdline.read_bytes():
        return None  # the id was reused by another process
    return pid


def _write_private(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name("." + path.name + ".tmp")
    fd = os.open(str(temporary), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(str(temporary), str(path))


def shadowed_targets():
    """Targets named like a role of the collection: ansible-test would run the role, not the target."""
    roles = set(path.name for path in (ROOT / "roles").iterdir() if path.is_dir()) if (ROOT / "roles").is_dir() else set()
    return sorted(path.name for path in (HERE / "targets").iterdir() if path.is_dir() and path.name in roles)


def _spawn(command, env, log_path, pid_file, url_file):
    """Start ``command`` in the background and wait for the URL it writes to ``url_file``."""
    for path in (url_file, pid_file):
        if path.exists():
            path.unlink()
    with open(str(log_path), "wb") as log:
        process = subprocess.Popen(command, env=env, cwd=str(ROOT), stdin=subprocess.DEVNULL,
                                   stdout=log, stderr=log, start_new_session=True)
    pid_file.write_text("%d\n" % process.pid)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline and process.poll() is None:
        if url_file.exists() and url_file.read_text().strip():
            return process, url_file.read_text().strip()
        time.sleep(0.05)
    if process.poll() is None:
        process.terminate()
    sys.stderr.write("emulator_service: %s gave no URL within %.0f s; its output (%s):\n%s\n"
                     % (" ".join(command[1:3]), START_TIMEOUT, log_path, log_path.read_text(errors="replace")[-4000:]))
    return None, ""


def start_live(env):
    """The live lane's emulator (hooks off) and the recording proxy; their integration_config variables."""
    sys.path.insert(0, str(ROOT / "tests" / "emulator"))
    from losant_emulator import Store  # pylint: disable=import-outside-toplevel
    token = "losant-live-" + secrets.token_hex(24)
    application_id = secrets.token_hex(12)
    store = Store(application_id, page_cap=100)
    store.seed(LIVE_SEED)
    _write_private(LIVE_STATE_FILE, json.dumps(store.snapshot(), indent=1, sort_keys=True))
    process, url = _spawn([sys.executable, "-m", "losant_emulator", "--host", "127.0.0.1", "--port", "0",
                           "--application-id", application_id, "--token", token + ":all.Application",
                           "--no-hooks", "--page-cap", "100", "--state-file", str(LIVE_STATE_FILE),
                           "--url-file", str(LIVE_URL_FILE), "--quiet"], env, LIVE_LOG, LIVE_PID_FILE, LIVE_URL_FILE)
    if not url:
        return None
    run_id = "r" + time.strftime("%Y%m%d%H%M", time.gmtime()) + secrets.token_hex(3)
    password = "Lpt-" + secrets.token_urlsafe(18)
    _write_private(PROXY_SECRETS, "%s\n%s\n" % (token, password))
    LIVE_RECORDINGS.mkdir(parents=True, exist_ok=True)
    for earlier in LIVE_RECORDINGS.glob("*.json"):
        earlier.unlink()
    proxy, proxy_url = _spawn([sys.executable, str(ROOT / "tests" / "live" / "recording_proxy.py"),
                               "--upstream", url, "--record", str(LIVE_RECORDINGS), "--url-file", str(PROXY_URL_FILE),
                               "--run-id", run_id, "--secret-file", str(PROXY_SECRETS)],
                              env, PROXY_LOG, PROXY_PID_FILE, PROXY_URL_FILE)
    if not proxy_url:
        return None
    return {"live_api_url": proxy_url, "live_api_token": token, "live_application_id": application_id,
            "live_run_id": run_id, "live_upstream": "emulator", "live_user_password": password,
            "live_bad_application_id": secrets.token_hex(12), "live_foreign_url": url + "/not-the-api"}


def start():
    shadowed = shadowed_targets()
    if shadowed:
        sys.stderr.write("emulator_service: integration target(s) %s have the name of a role of the collection, which "
                         "ansible-test would run instead of the target's own tasks; rename them (role_<name>)\n"
                         % ", ".join(shadowed))
        return 1
    if _running_pid():
        stop()
    STATE_DIR.mkdir(parents=True, exist_ok=True)
    token = "losant-it-" + secrets.token_hex(24)
    # A user API token: it lists applications and reaches every one (the inventory plugin's target).
    user_token = "losant-it-user-" + secrets.token_hex(24)
    application_id = secrets.token_hex(12)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "tests" / "emulator")] + (
        [env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    command = [sys.executable, "-m", "losant_emulator", "--host", "127.0.0.1", "--port", "0",
               "--application-id", application_id, "--token", token + ":all.Application",
               "--token", user_token + ":all.User", "--url-file", str(URL_FILE), "--quiet"]
    process, url = _spawn(command, env, EMULATOR_LOG, PID_FILE, URL_FILE)
    if not url:
        return 1
    live = start_live(env)
    if live is None:
        stop()
        return 1
    contract = conformance_support.SHARED_API_DIR
    required = conformance_support.conformance_required()
    config = {
        "losant_emulator_url": url,
        "losant_api_token": token,
        "losant_user_token": user_token,
        "losant_application_id": application_id,
        "losant_shared_api_dir": str(contract),
        "losant_conformance_required": required,
    }
    config.update(live)
    # JSON is YAML: the file needs no YAML library to write.
    _write_private(CONFIG, "%s start; removed by stop.\n%s\n" % (MARKER, json.dumps(config, indent=2)))
    record = json.dumps({"url": url, "token": token, "user_token": user_token, "application_id": application_id,
                         "started": time.time(),
                         "collection_root": str(ROOT), "conformance_required": required,
                         "live_token": live["live_api_token"], "live_user_password": live["live_user_password"],
                         "live_run_id": live["live_run_id"], "live_recordings": str(LIVE_RECORDINGS)}) + "\n"
    _write_private(RUN_RECORD, record)
    kept_log = os.environ.get("LOSANT_INTEGRATION_LOG")
    if kept_log:
        kept_log = os.path.abspath(kept_log)
        _write_private(Path(kept_log + ".run.json"), record)
        if os.path.exists(kept_log + ".ansible.log"):
            os.unlink(kept_log + ".ansible.log")
        if ANSIBLE_CFG.exists() and not ANSIBLE_CFG.read_text().startswith(MARKER):
            print("emulator_service: %s is not ours; ansible-playbook's log_path is left as it sets it" % ANSIBLE_CFG)
        else:
            _write_private(ANSIBLE_CFG, "%s start; removed by stop.\n[defaults]\nlog_path = %s.ansible.log\n" % (MARKER, kept_log))
    elif ANSIBLE_CFG.exists() and ANSIBLE_CFG.read_text().startswith(MARKER):
        ANSIBLE_CFG.unlink()  # left by a start with LOSANT_INTEGRATION_LOG that was not stopped
    print("emulator_service: emulator %s (pid %d) serving %s; wrote %s" % (url, process.pid, application_id, CONFIG))
    if not (contract / "schemas").is_dir():
        print("emulator_service: %s has no schemas/ folder: the targets will %s" % (
            contract, "fail (LOSANT_CONFORMANCE_REQUIRED=1)" if required else "skip their schema check"))
    return 0


def _stop_process(pid_file, name, what):
    pid = _running_pid(pid_file, name)
    if pid:
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        while time.monotonic() < deadline and _running_pid(pid_file, name):
            time.sleep(0.05)
        if _running_pid(pid_file, name):
            os.kill(pid, signal.SIGKILL)
        print("emulator_service: stopped the %s (pid %d)" % (what, pid))
    if pid_file.exists():
        pid_file.unlink()
    return pid


def stop():
    # The proxy first: it writes the recording of the live lane when it stops.
    _stop_process(PROXY_PID_FILE, b"recording_proxy", "recording proxy")
    _stop_process(LIVE_PID_FILE, b"losant_emulator", "live lane's emulator")
    for path in (PROXY_SECRETS, PROXY_URL_FILE, LIVE_URL_FILE):
        if path.exists():
            path.unlink()
    if not _stop_process(PID_FILE, b"losant_emulator", "emulator"):
        print("emulator_service: no emulator of ours is running")
    if URL_FILE.exists():
        URL_FILE.unlink()
    for path in (CONFIG, ANSIBLE_CFG):
        if path.exists() and path.read_text().startswith(MARKER):
            path.unlink()
    return 0


def status():
    pid = _running_pid()
    if not pid:
        print("emulator_service: not running")
        return 1
    print("emulator_service: running (pid %d) at %s" % (pid, URL_FILE.read_text().strip() if URL_FILE.exists() else "?"))
    return 0


def main(argv):
    commands = {"start": start, "stop": stop, "status": status}
    if len(argv) != 1 or argv[0] not in commands:
        sys.stderr.write("usage: %s start|stop|status\n" % Path(__file__).name)
        return 2
    return commands[argv[0]]()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
