"""Every module under every fault: injected by the emulator (or a closed
port), run by ansible-playbook against the installed collection.

A case either converges (the request is retried where that is safe, the
task succeeds, the emulator holds exactly the desired state) or fails with a
message that names the request and the cause, having changed nothing or
everything of its resource (never half), after which a re-run without the
fault converges. One playbook per driver runs all of its cases; the drivers'
playbooks run two at a time.
"""

import re

import pytest

from drivers import drivers, module_names
from losant_emulator import Emulator
from reliability_support import (AUDIT, OUTCOMES, TOKEN, PlaybookRun, case_tasks, closed_port, play,
                                 request_summary, run_at_most)

CONVERGE = "converges"
HTML_PAGE = ("<html><head><title>503 Service Temporarily Unavailable</title></head><body>"
             "<center><h1>503 Service Temporarily Unavailable</h1></center><hr><center>nginx</center></body></html>")
NAMES_REQUEST = r"Losant API request (GET|POST|PATCH|DELETE) /applications/[0-9a-f]{24}/experience/(users|groups)"
PARALLEL_PLAYBOOKS = 2
ECHO_DRIVERS = ("experience_user create", "experience_users merged", "experience_group_info")
# Group names are not unique: a group POST that may still be under way is looked up, never repeated.
GROUP_NOT_REPEATED = r"; not repeated: it found nothing yet, but the request may still take effect"
# The drivers whose faulted requests are reads: an unreadable answer there is nothing to settle.
READING_DRIVERS = ("experience_user_info", "experience_group_info")


class Fault:
    """One kind of fault: the rule the emulator applies to the targeted requests,
    task options that go with it, and the expected outcome (CONVERGE or a
    regular expression the failure message must match)."""

    def __init__(self, key, title, rule=None, task=None, expect=CONVERGE, max_seconds=None, expect_for=None,
                 only=None):
        self.only = only    # driver names, when the case proves something only for some of them
        self.key = key
        self.title = title
        self.rule = rule
        self.task = task or {}
        self.expect = expect
        self.max_seconds = max_seconds
        self.expect_for = expect_for or {}

    def expected(self, driver):
        return self.expect_for.get(driver.name, self.expect)

    def rules(self, driver, case):
        if self.rule is None:
            return []
        rule = self.rule(driver, case) if callable(self.rule) else self.rule
        return driver.rules(case, rule)

    def task_options(self):
        return dict((key, value() if callable(value) else value) for key, value in self.task.items())


def _echo_json(driver, case):
    """A 400 whose Losant-style message echoes the token and the case's password back."""
    secret = getattr(driver, "passwords", {}).get(case, "")
    return {"action": "status", "status": 400, "times": 1, "content_type": "application/json",
            "body": {"type": "Validation", "message": "proxy saw Authorization: Bearer %s and password=%s" % (
                TOKEN, secret)}}


def _echo_html(driver, case):
    """A proxy's HTML page echoing the token where the client cuts a long page short."""
    secret = getattr(driver, "passwords", {}).get(case, "")
    filler = "x" * 170  # the page is cut at 200 characters: 19 hex digits of the token before the cut
    return {"action": "status", "status": 502, "times": None,
            "body": "<html><body><p>%s</p><pre>Bearer %s %s</pre></body></html>" % (filler, TOKEN, secret)}


FAULTS = [
    Fault("429ra", "429 with Retry-After: 1",
          {"action": "status", "status": 429, "retry_after": "1", "times": 1}),
    Fault("429", "429 without Retry-After", {"action": "status", "status": 429, "times": 1}),
    # A 429 uses up no retry: what bounds the waiting is rate_limit_max_wait.
    Fault("429cap", "429 with Retry-After: 3600, rate_limit_max_wait: 30",
          {"action": "status", "status": 429, "retry_after": "3600", "times": None},
          task={"retries": 0, "rate_limit_max_wait": 30},
          expect=r"HTTP 429 RateLimitExceeded: .*more than rate_limit_max_wait=30(;|$)", max_seconds=20),
    Fault("429burst", "429 on 3 requests in a row, retries: 0",
          {"action": "status", "status": 429, "retry_after": "0", "times": 3}, task={"retries": 0}),
    Fault("500", "500 Internal Server Error", {"action": "status", "status": 500, "times": 1},
          expect=r"HTTP 500 InternalError: Injected fault: HTTP 500"),
    Fault("502", "502 Bad Gateway", {"action": "status", "status": 502, "times": 1}),
    Fault("503", "503 Service Unavailable", {"action": "status", "status": 503, "times": 1}),
    Fault("504", "504 Gateway Timeout", {"action": "status", "status": 504, "times": 1},
          expect_for={"experience_group create": GROUP_NOT_REPEATED, "experience_groups merged": GROUP_NOT_REPEATED}),
    Fault("refused", "connection refused (closed port), retries: 1", None,
          task={"api_url": lambda: "http://127.0.0.1:%d" % closed_port(), "retries": 1},
          expect=r"[Cc]onnection refused.*\(gave up after 1 retries\)"),
    Fault("reset", "connection reset before an answer", {"action": "reset", "times": 1}),
    Fault("lost", "answer lost after the change (drop_after)", {"action": "drop_after", "times": 1}),
    Fault("timeout", "read timeout: answer after 2.5 s, timeout: 1",
          {"action": "delay", "delay": 2.5, "times": 1}, task={"timeout": 1},
          expect_for={"experience_group create": GROUP_NOT_REPEATED, "experience_groups merged": GROUP_NOT_REPEATED}),
    # A write that landed and answered late, or unreadably, is read back and counts as done.
    Fault("late", "answer 2.5 s after the change, timeout: 1",
          {"action": "delay_after", "delay": 2.5, "times": 1}, task={"timeout": 1}),
    Fault("malformed", "200 with malformed JSON", {"action": "malformed", "times": 1},
          expect=CONVERGE, expect_for=dict.fromkeys(READING_DRIVERS, r"HTTP 200 with a body that is not JSON")),
    Fault("html", "HTML 503 page from a proxy, retries: 1",
          {"action": "status", "status": 503, "times": None, "body": HTML_PAGE}, task={"retries": 1},
          expect=r"HTTP 503 with a non-Losant body \(text/html[^)]*\): 503 Service Temporarily Unavailable .*nginx"
                 r".*\(gave up after 1 retries\)"),
    Fault("empty", "200 with an empty body", {"action": "empty", "times": 1},
          expect=CONVERGE, expect_for=dict.fromkeys(READING_DRIVERS, r"HTTP 200 with an empty body")),
    # Redaction lives in the shared client: prove it where a password is in play, and once for the token alone.
    Fault("echo", "400 whose message echoes the token and password", _echo_json,
          expect=r"HTTP 400 Validation: proxy saw Authorization: Bearer \*{8} and password=(\*{8})?$",
          only=ECHO_DRIVERS),
    Fault("echohtml", "HTML 502 echoing the token where it is cut, retries: 0", _echo_html, task={"retries": 0},
          expect=r"HTTP 502 with a non-Losant body .*\(gave up after 0 retries\)", only=ECHO_DRIVERS),
]


def faults_of(driver):
    return [fault for fault in FAULTS if fault.only is None or driver.name in fault.only]


CASES = [(driver, fault) for driver in drivers() for fault in faults_of(driver)]


def case_id(driver, fault):
    return "%s-%s" % (driver.module.replace("experience_", "x"), fault.key)


class DriverRun:
    """Every fault case of one driver: one emulator, one playbook."""

    def __init__(self, driver, workdir):
        self.driver = driver
        self.emulator = Emulator(tokens={TOKEN: ["all.Application"]}).start()
        seed = {"experienceGroups": [{"name": "Operators"}, {"name": "Viewers"}], "experienceUsers": []}
        tasks = []
        out = str(workdir / "records.jsonl")
        for fault in faults_of(driver):
            case = case_id(driver, fault)
            for key, items in driver.seed(case).items():
                seed[key].extend(items)
            args = driver.args(case)
            faulted = dict(args, **fault.task_options())
            tasks.extend(case_tasks(case, driver.fqcn, faulted, self.emulator.url, out,
                                    fault.rules(driver, case), rerun_args=args, rerun=driver.writes))
        self.emulator.seed(seed)
        self.run = PlaybookRun("faults " + driver.name, [play(tasks, self.emulator.url)], workdir, verbosity=4)

    def finish(self):
        self.run.wait()
        self.final_state = self.emulator.state
        self.emulator.stop()
        return self


@pytest.fixture(scope="session")
def fault_runs(request, tmp_path_factory):
    """Run the playbooks of the drivers that selected tests need, PARALLEL_PLAYBOOKS
    at a time; {driver name: DriverRun}."""
    needed = set(item.callspec.params["driver"].name for item in request.session.items
                 if hasattr(item, "callspec") and "driver" in item.callspec.params)
    pending = [driver for driver in drivers() if driver.name in needed or not needed]

    def run(driver):
        return DriverRun(driver, tmp_path_factory.mktemp("faults-" + driver.module)).finish()

    return dict((driver.name, finished) for driver, finished in
                zip(pending, run_at_most(PARALLEL_PLAYBOOKS, pending, run)))


def _message(result):
    return (result or {}).get("msg") or ""


@pytest.mark.parametrize("driver,fault", CASES, ids=["%s-%s" % (d.module, f.key) for d, f in CASES])
def test_fault(fault_runs, driver, fault):
    run = fault_runs[driver.name]
    case = case_id(driver, fault)
    records = run.run.records()
    assert (case, "end") in records, "the case did not run:\n" + run.run.tail()
    start, end, rerun = records[(case, "start")], records[(case, "end")], records.get((case, "rerun"))
    result = end["result"]
    seconds = end["time"] - start["time"]
    expected = fault.expected(driver)
    problems = []

    fired = sum(rule["fired"] for rule in end["faults"])
    if fault.rule is not None and not fired:
        problems.append("the fault never fired")
    if expected == CONVERGE:
        observed = "failed: " + _message(result) if result.get("failed") else CONVERGE
        if result.get("failed"):
            problems.append("expected to converge, failed: %s" % _message(result))
        elif driver.writes and not result.get("changed"):
            problems.append("converged without reporting changed")
        problems += driver.problems(case, end["state"], result)
    else:
        message = _message(result)
        observed = "failed: " + message if result.get("failed") else "did not fail"
        if not result.get("failed"):
            problems.append("expected to fail matching %r, it succeeded" % expected)
        else:
            if not re.search(expected, message):
                problems.append("message %r does not match %r" % (message, expected))
            if not re.search(NAMES_REQUEST, message):
                problems.append("message %r does not name the request" % message)
        if driver.writes and not (driver.untouched(case, start["state"], end["state"])
                                  or not driver.problems(case, end["state"], result)):
            problems.append("the failed task left its resource half changed")
        if not driver.writes:
            pass  # nothing to re-run: reading again is the next run
        elif rerun is None or rerun["result"].get("failed"):
            problems.append("the re-run without fault did not converge: %s" % _message((rerun or {}).get("result")))
        else:
            problems += ["after the re-run: " + problem for problem in driver.problems(case, rerun["state"], rerun["result"])]
    if fault.max_seconds is not None and seconds > fault.max_seconds:
        problems.append("took %.1f s, more than %d s" % (seconds, fault.max_seconds))
    final_result = (rerun or end)["result"] if driver.writes or expected == CONVERGE else None
    problems += ["final state: " + problem for problem in driver.problems(case, run.final_state, final_result)]
    if fault.key == "lost" and ("POST", ) in [target[:1] for target in driver.targets]:
        posts = [entry for entry in end["requests"] if entry["method"] == "POST"]
        if len(posts) != 1:
            problems.append("a POST whose answer was lost was sent %d times" % len(posts))

    detail = request_summary(end["requests"])
    if rerun is not None:
        detail += "; re-run: " + ("ok" if not rerun["result"].get("failed") else "FAILED")
    OUTCOMES.add("faults", "%s / %s" % (driver.name, fault.title),
                 "converge" if expected == CONVERGE else "fail, names cause",
                 ("PROBLEM: " + "; ".join(problems)) if problems else _short(observed), detail, seconds)
    assert not problems, "\n".join(problems)


def _short(text, limit=140):
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


def test_fault_runs_leak_no_secret(fault_runs):
    """Every fault playbook ran at -vvvv with ANSIBLE_LOG_PATH: no secret in any output."""
    leaks = []
    for run in fault_runs.values():
        leaks.extend(run.run.leaks)
        assert run.run.log_path.exists(), "ANSIBLE_LOG_PATH was not written for " + run.run.name
    assert len(AUDIT.secrets) > len(fault_runs)
    assert not leaks, "\n".join(str(leak) for leak in leaks)


def test_every_module_has_fault_cases():
    """A new module must come with a driver here; it is not skipped silently."""
    covered = set(driver.module for driver in drivers())
    assert set(module_names()) - covered == set()
