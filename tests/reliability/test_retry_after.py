"""Retry-After against the real emulator, at the level of the client with its
sleep replaced: what a 429 asks for is waited (capped at 60 s), so the cap is
proven without waiting an hour. ansible-playbook runs cannot replace the
sleep; there the cap is shown with rate_limit_max_wait (test_faults, case 429cap)."""

import datetime
from email.utils import format_datetime

import pytest

from ansible_collections.losant.platform.plugins.module_utils._client import LosantClient
from ansible_collections.losant.platform.plugins.module_utils._transport import RATE_LIMIT_MIN_PAUSE, RETRY_AFTER_CAP
from losant_emulator import DEFAULT_APPLICATION_ID, DEFAULT_TOKEN
from reliability_support import OUTCOMES


def _http_date(seconds_from_now):
    return format_datetime(datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=seconds_from_now),
                           usegmt=True)


CASES = [
    ("Retry-After: 1", "1", lambda waited: waited == [1.0]),
    ("Retry-After: 3600 (beyond the cap)", "3600", lambda waited: waited == [RETRY_AFTER_CAP]),
    ("Retry-After: an HTTP date 2 hours ahead", _http_date(7200), lambda waited: waited == [RETRY_AFTER_CAP]),
    # Nothing to wait, but even a zero wait counts against rate_limit_max_wait, so that endless 429s end.
    ("Retry-After: an HTTP date in the past", _http_date(-60), lambda waited: waited == [RATE_LIMIT_MIN_PAUSE]),
    ("Retry-After: garbage, so backoff", "soon", lambda waited: len(waited) == 1 and 0.25 <= waited[0] <= 0.5),
]


@pytest.mark.parametrize("title,retry_after,check", CASES, ids=[case[0] for case in CASES])
def test_a_429_waits_what_retry_after_says_up_to_the_cap(emulator, title, retry_after, check):
    emulator.seed({"experienceUsers": [{"email": "a@example.com"}]})
    emulator.set_faults({"rules": [{"method": "GET", "action": "status", "status": 429, "retry_after": retry_after,
                                    "times": 1}]})
    waited = []
    client = LosantClient(emulator.url, DEFAULT_TOKEN, DEFAULT_APPLICATION_ID, retries=1, timeout=10,
                          sleep=waited.append)
    users = client.query_experience_users()
    OUTCOMES.add("retry-after", "client, " + title, "waits min(Retry-After, 60 s)",
                 "waited %s, then read %d user" % (["%.2f s" % seconds for seconds in waited], len(users)))
    assert [user["email"] for user in users] == ["a@example.com"]
    assert check(waited), waited
    assert [entry["status"] for entry in emulator.requests()["requests"]] == [429, 200]
