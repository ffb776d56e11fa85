"""The live acceptance lane: the black-box targets live_users and live_groups against
a real Losant application, every exchange recorded.

    make test-live         python tests/live/lane.py run --recordings DIR -- <ansible-test command>
    make test-live-clean   python tests/live/lane.py clean

Both read LOSANT_API_TOKEN, LOSANT_APPLICATION_ID and LOSANT_API_URL (default
https://api.losant.com), and refuse to start unless LOSANT_LIVE_CONFIRM equals the
application id - a typed confirmation, as ``terraform apply`` asks for one.

``run`` prints, before any write, the application, how many users, groups, devices
and endpoints it holds, and what the run will create; starts the recording proxy
(tests/live/recording_proxy.py) in front of Losant; writes the targets' variables
to tests/integration/integration_config.yml (private, removed at the end); runs
the ansible-test command given after ``--``; then writes the recording into DIR,
checks that no secret reached it, replays it against a fresh emulator
(tests/live/replay.py) and prints the figures: requests, 429s, time.

``clean`` finds what earlier runs left, by the run tag, and deletes it through the
collection's modules (tests/live/clean.yml): in check mode first, then after asking.
"""

import argparse
import json
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CONFIG = ROOT / "tests" / "integration" / "integration_config.yml"
MARKER = "# Written by tests/live/lane.py"
DEFAULT_API_URL = "https://api.losant.com"
ACCEPT_VERSION = "^1.29.3"
TARGETS = ("live_users", "live_groups")
# What one run creates (tests/integration/targets/live_*): the figures the summary announces.
RUN_CREATES = "121 users (emails lpt-<run>-*@example.com) and 6 groups (names lpt-<run>-*)"


class LaneError(Exception):
    pass


def connection(environ):
    """(api_url, token, application id) from the environment, after the typed confirmation."""
    token = environ.get("LOSANT_API_TOKEN") or ""
    application_id = environ.get("LOSANT_APPLICATION_ID") or ""
    api_url = (environ.get("LOSANT_API_URL") or DEFAULT_API_URL).rstrip("/")
    missing = [name for name, value in (("LOSANT_API_TOKEN", token), ("LOSANT_APPLICATION_ID", application_id))
               if not value]
    if missing:
        raise LaneError("set %s: the lane runs against the Losant application they name (a sandbox, never "
                        "production)" % " and ".join(missing))
    if environ.get("LOSANT_LIVE_CONFIRM") != application_id:
        raise LaneError("the lane writes to application %s; to confirm, set LOSANT_LIVE_CONFIRM=%s"
                        % (application_id, application_id))
    return api_url, token, application_id


def new_run_id(now=None):
    """r<UTC minute><random>: lower-case letters and digits, unique per run."""
    return "r" + time.strftime("%Y%m%d%H%M", time.gmtime(now)) + secrets.token_hex(3)


def _count(session, url):
    answer = session.get(url, params={"perPage": 1, "page": 0}, timeout=30)
    if answer.status_code != 200:
        raise LaneError("GET %s answered HTTP %d: %s" % (url.split("/applications/")[-1], answer.status_code,
                                                         answer.text[:200]))
    return answer.json().get("totalCount", 0)


def summary(api_url, token, application_id):
    """What the application holds, read only: {users, groups, devices, endpoints, name}."""
    session = requests.Session()
    session.headers.update({"Authorization": "Bearer " + token, "Accept": "application/json",
                            "Accept-Version": ACCEPT_VERSION})
    base = "%s/applications/%s" % (api_url, application_id)
    found = {"users": _count(session, base + "/experience/users"),
             "groups": _count(session, base + "/experience/groups"),
             "devices": _count(session, base + "/devices"),
             "endpoints": _count(session, base + "/experience/endpoints")}
    answer = session.get(base, timeout=30)
    found["name"] = answer.json().get("name") if answer.status_code == 200 else None
    return found


def write_config(variables):
    CONFIG.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(str(CONFIG), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write("%s run; removed at its end.\n%s\n" % (MARKER, json.dumps(variables, indent=2)))


def remove_config():
    if CONFIG.exists() and CONFIG.read_text().startswith(MARKER):
        CONFIG.unlink()


def start_proxy(upstream, record_dir, run_id, secret_values):
    """The recording proxy in a process of its own; (process, url, secret file)."""
    state = ROOT / "tests" / "output" / "live"
    state.mkdir(parents=True, exist_ok=True)
    secret_file = state / ("secrets-%s" % run_id)
    fd = os.open(str(secret_file), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write("\n".join(secret_values) + "\n")
    url_file = state / ("proxy-%s.url" % run_id)
    if url_file.exists():
        url_file.unlink()
    process = subprocess.Popen([sys.executable, str(HERE / "recording_proxy.py"), "--upstream", upstream,
                                "--record", str(record_dir), "--url-file", str(url_file), "--run-id", run_id,
                                "--secret-file", str(secret_file)], stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        if url_file.exists() and url_file.read_text().strip():
            return process, url_file.read_text().strip(), secret_file
        time.sleep(0.05)
    process.kill()
    raise LaneError("the recording proxy did not start")


def stop_proxy(process):
    process.terminate()
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
        raise LaneError("the recording proxy did not stop within 30 s: its recording may be missing")


def newest_recording(record_dir, run_id):
    found = sorted(Path(record_dir).glob("*_%s_api-*.json" % run_id))
    if not found:
        raise LaneError("no recording of run %s in %s" % (run_id, record_dir))
    return found[-1]


def leaked(path, secret_values):
    text = Path(path).read_text(encoding="utf-8")
    return [index for index, value in enumerate(secret_values) if value and value in text]


def run(args):
    api_url, token, application_id = connection(os.environ)
    found = summary(api_url, token, application_id)
    run_id = new_run_id()
    password = "Lpt-" + secrets.token_urlsafe(18)
    print("live lane: application %s%s at %s holds %d users, %d groups, %d devices and %d experience endpoints"
          % (application_id, " (%s)" % found["name"] if found["name"] else "", api_url, found["users"],
             found["groups"], found["devices"], found["endpoints"]))
    print("live lane: run %s will create %s, each tagged losant_platform_test_run=%s, and delete them by that tag "
          "at its end; it reads devices and endpoints, never writes them" % (run_id, RUN_CREATES, run_id))
    sys.stdout.flush()
    started = time.monotonic()
    process, proxy_url, secret_file = start_proxy(api_url, args.recordings, run_id, [token, password])
    status = 1
    try:
        write_config({
            "live_api_url": proxy_url, "live_api_token": token, "live_application_id": application_id,
            "live_run_id": run_id, "live_upstream": "losant", "live_user_password": password,
            "live_bad_application_id": secrets.token_hex(12), "live_foreign_url": "https://www.losant.com",
        })
        status = subprocess.call(args.command or ["ansible-test", "integration", "--local", "-v"] + list(TARGETS))
    finally:
        remove_config()
        stop_proxy(process)
        secret_file.unlink()
    recording = newest_recording(args.recordings, run_id)
    hits = leaked(recording, [token, password])
    if hits:
        recording.unlink()
        raise LaneError("a secret reached the recording, which was removed: a bug of tests/live/recording_proxy.py")
    exchanges = json.loads(recording.read_text())["exchanges"]
    replayed = subprocess.call([sys.executable, str(HERE / "replay.py"), str(recording)])
    print("live lane: %d requests (%d answered 429) in %.0f s; recording %s; targets %s; replay against the "
          "emulator %s" % (len(exchanges), sum(1 for item in exchanges if item["status"] == 429),
                           time.monotonic() - started, recording, "passed" if status == 0 else "FAILED",
                           "matches" if replayed == 0 else "DIFFERS (see above): the emulator has drifted from Losant"))
    return status or replayed


def clean(args):
    connection(os.environ)
    playbook = [args.ansible_playbook, str(HERE / "clean.yml")]
    print("live lane: what earlier runs left, in check mode (nothing is deleted yet):")
    sys.stdout.flush()
    if subprocess.call(playbook + ["--check", "--diff"]) != 0:
        return 1
    answer = input("Delete what is listed above? Type yes: ") if sys.stdin.isatty() else ""
    if answer.strip() != "yes":
        print("live lane: nothing deleted")
        return 0
    return subprocess.call(playbook)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    commands = parser.add_subparsers(dest="what", required=True)
    running = commands.add_parser("run", help="run the lane (make test-live)")
    running.add_argument("--recordings", default=str(HERE / "recordings"))
    running.add_argument("command", nargs=argparse.REMAINDER, help="-- then the ansible-test command")
    cleaning = commands.add_parser("clean", help="delete what earlier runs left (make test-live-clean)")
    cleaning.add_argument("--ansible-playbook", default="ansible-playbook")
    args = parser.parse_args(argv)
    if getattr(args, "command", None) and args.command[0] == "--":
        args.command = args.command[1:]
    try:
        return run(args) if args.what == "run" else clean(args)
    except LaneError as exc:
        sys.stderr.write("live lane: %s\n" % exc)
        return 2


if __name__ == "__main__":
    sys.exit(main())
