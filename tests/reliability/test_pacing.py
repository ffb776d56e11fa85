"""A 429 storm against the real emulator: experience_users' writes under a
server that allows 10 PATCHes a second (the emulator's ``rate_limit`` fault).

With the client's shared pacing (one pause for every thread, fewer requests
in flight after a 429), every write lands exactly once and the server sees
fewer requests than with 1.0.0's behaviour, where each of the 8 threads
retried on its own; that behaviour is replayed here by a pacer that never
pauses or cuts anyone but the thread that got the 429.
"""

from ansible_collections.losant.platform.plugins.module_utils._bulk_users import plan_changes, run_writes
from ansible_collections.losant.platform.plugins.module_utils._client import LosantClient
from ansible_collections.losant.platform.plugins.module_utils._write_gate import Rules, WriteGate
from losant_emulator import DEFAULT_APPLICATION_ID, DEFAULT_TOKEN
from reliability_support import OUTCOMES

USERS = 100
WORKERS = 8
LIMIT = {"method": "PATCH", "action": "rate_limit", "limit": 10, "window": 1}


class EveryThreadOnItsOwn:
    """1.0.0's retries: the thread that got a 429 sleeps Retry-After, nobody else waits or slows down."""

    def acquire(self, waited_until=0.0):
        return 0

    def release(self, ticket, answered=True, rate_limited_for=None):
        return 0.0


def storm(emulator, pacing):
    emulator.reset()
    emulator.seed({"experienceUsers": [{"email": "storm%03d@example.com" % index, "firstName": "Old"}
                                       for index in range(USERS)]})
    current = dict((user["email"], user) for user in emulator.state["experienceUsers"])
    config = [{"email": email, "first_name": "New"} for email in sorted(current)]
    plan = plan_changes(config, [None] * USERS, current, "merged", "2026-01-01T00:00:00.000Z")
    emulator.set_faults({"rules": [LIMIT]})
    client = LosantClient(emulator.url, DEFAULT_TOKEN, DEFAULT_APPLICATION_ID, retries=30, timeout=30,
                          workers=WORKERS)
    if pacing == "each thread on its own (1.0.0)":
        client.pacer = EveryThreadOnItsOwn()
    gate = WriteGate(client, Rules())
    gate.admit(plan.writes())
    done, failures, unknown = run_writes(gate, plan)
    log = [entry for entry in emulator.requests()["requests"] if entry["method"] == "PATCH"]
    landed = {}
    for entry in log:
        if entry["status"] == 200:
            landed[entry["path"]] = landed.get(entry["path"], 0) + 1
    return dict(done=done, failures=failures, requests=len(log), rate_limited=sum(1 for e in log if e["status"] == 429),
                landed=landed, names=set(user.get("firstName") for user in emulator.state["experienceUsers"]))


def test_a_429_storm_ends_with_every_write_done_once_in_fewer_requests_than_each_thread_on_its_own(emulator):
    shared = storm(emulator, "shared pause and concurrency")
    alone = storm(emulator, "each thread on its own (1.0.0)")
    for title, run in (("shared pacing", shared), ("each thread on its own (1.0.0)", alone)):
        OUTCOMES.add("pacing", "%d PATCHes, %d workers, 10 a second allowed: %s" % (USERS, WORKERS, title),
                     "every write once", "%d requests, %d of them 429; %d writes landed, each once: %s" % (
                         run["requests"], run["rate_limited"], len(run["landed"]),
                         set(run["landed"].values()) == {1}))
    for run in (shared, alone):
        assert run["failures"] == [] and len(run["done"]["update"]) == USERS
        assert len(run["landed"]) == USERS and set(run["landed"].values()) == {1}
        assert run["names"] == {"New"}
        assert run["requests"] == USERS + run["rate_limited"]
    assert alone["rate_limited"] > 0, "the storm did not happen"
    assert shared["requests"] < alone["requests"], (shared["requests"], alone["requests"])
