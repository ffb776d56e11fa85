"""The Pacer every thread of a client shares (one pause for a 429, fewer
requests at once until answers succeed again) and in_threads."""

import threading

import pytest

from ansible_collections.losant.platform.plugins.module_utils._pacing import Pacer, in_threads
from ansible_collections.losant.platform.plugins.module_utils._transport import LosantApiError
from ansible_collections.losant.platform.tests.unit.helpers.fake_transport import RoutedSession, response
from ansible_collections.losant.platform.tests.unit.helpers.permitted_client import PermittedClient

APP = "5f6a7b8c9d0e1f2a3b4c5d6e"
USERS = "/applications/%s/experience/users" % APP


class Clock:
    """A clock that only moves when someone sleeps."""

    def __init__(self):
        self.now = 100.0
        self.slept = []

    def time(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


def pacer(limit=8):
    clock = Clock()
    return Pacer(limit, clock=clock.time, sleep=clock.sleep), clock


def test_a_429_pauses_the_next_request_and_halves_the_requests_in_flight():
    paced, clock = pacer()
    ticket = paced.acquire()
    assert paced.in_flight == 1
    assert paced.release(ticket, rate_limited_for=2.0) == 102.0
    assert (paced.allowed, paced.cuts, paced.pauses, paced.in_flight) == (4, 1, 1, 0)
    paced.acquire()
    assert clock.slept == [2.0]


def test_the_thread_that_slept_through_the_pause_itself_does_not_wait_again():
    paced, clock = pacer()
    resume = paced.release(paced.acquire(), rate_limited_for=3.0)
    ticket = paced.acquire(waited_until=resume)
    assert clock.slept == []
    # A later, longer pause is waited for, less what has passed.
    paced.release(ticket, rate_limited_for=5.0)
    clock.now += 1.0
    paced.acquire(waited_until=resume)
    assert clock.slept == [4.0]


def test_the_429s_of_requests_sent_together_cut_once_and_the_longest_pause_wins():
    paced, clock = pacer()
    tickets = [paced.acquire() for dummy in range(8)]
    for index, ticket in enumerate(tickets):
        paced.release(ticket, rate_limited_for=1.0 + index % 3)
    assert (paced.allowed, paced.cuts, paced.pauses, paced.resume_at) == (4, 1, 8, 103.0)
    # A 429 of a request sent after the cut cuts again.
    paced.release(paced.acquire(), rate_limited_for=1.0)
    assert (paced.allowed, paced.cuts) == (2, 2)
    assert clock.slept == [3.0]


def test_successes_let_one_more_request_in_each_round_up_to_the_limit():
    paced, dummy = pacer(limit=6)
    paced.release(paced.acquire(), rate_limited_for=0.0)
    assert paced.allowed == 3
    steps = []
    for dummy in range(40):
        paced.release(paced.acquire())
        steps.append(paced.allowed)
    # 6 successes make it 4, 8 more make it 5, 10 more make it 6, which it stays.
    assert steps.index(4) == 5 and steps.index(5) == 13 and steps.index(6) == 23 and set(steps[23:]) == {6}
    assert paced.release(paced.acquire(), answered=False) == paced.resume_at and paced.allowed == 6


def test_a_lost_connection_neither_cuts_nor_counts_as_a_success():
    paced, dummy = pacer(limit=4)
    paced.release(paced.acquire(), rate_limited_for=0.0)
    for dummy in range(10):
        paced.release(paced.acquire(), answered=False)
    assert paced.allowed == 2 and paced.cuts == 1


def test_no_more_requests_than_allowed_are_in_flight():
    paced, dummy = pacer(limit=2)
    held = [paced.acquire(), paced.acquire()]
    got = threading.Event()
    waiter = threading.Thread(target=lambda: (paced.acquire(), got.set()))
    waiter.daemon = True
    waiter.start()
    assert not got.wait(0.3)  # both slots are taken
    paced.release(held[0])
    assert got.wait(10)
    waiter.join(10)
    assert paced.in_flight == 2


def test_a_429_storm_pauses_every_thread_once_then_fewer_run_at_once_and_each_write_lands_once():
    """Four writes in flight at once all get a 429 (Retry-After: 2): each thread
    sleeps the 2 s once, the concurrency is cut once (to 2), and each write is
    sent again once and lands."""
    first_round = threading.Barrier(4, timeout=10)
    lock = threading.Lock()
    seen = {}
    in_flight = []
    most_in_retries = []

    def route(call):
        user_id = call["url"].rsplit("/", 1)[1]
        with lock:
            seen[user_id] = seen.get(user_id, 0) + 1
            attempt = seen[user_id]
            in_flight.append(user_id)
            if attempt == 2:
                most_in_retries.append(len(in_flight))
        try:
            if attempt == 1:
                first_round.wait()
                return response(429, {"type": "RateLimitExceeded", "message": "slow down"}, {"Retry-After": "2"})
            return response(200, {"id": user_id})
        finally:
            with lock:
                in_flight.remove(user_id)

    sleeps = []
    client = PermittedClient("https://api.example.test", "tok", APP, session=RoutedSession(route), workers=4,
                             sleep=sleeps.append)
    # A clock that stands still: the four pauses end at the same moment, which each thread has slept through.
    client.pacer = Pacer(4, clock=lambda: 0.0, sleep=sleeps.append)
    ids = ["%024x" % number for number in range(4)]
    results = in_threads(lambda user_id: client.update_experience_user(user_id, {"firstName": "N"}), ids, 4)
    assert [found["id"] for found in results] == ids
    assert seen == dict((user_id, 2) for user_id in ids)  # 8 requests: every write once more, once
    assert sleeps == [2.0] * 4
    assert (client.pacer.cuts, client.pacer.pauses) == (1, 4)
    assert max(most_in_retries) <= 2


def test_a_429_without_retry_after_pauses_for_the_backoff():
    answers = [response(429, {"type": "RateLimitExceeded", "message": "x"}), response(200, {"id": "1"})]
    sleeps = []
    client = PermittedClient("https://api.example.test", "tok", APP, session=RoutedSession(lambda call: answers.pop(0)),
                             sleep=sleeps.append, backoff_base=0.5)
    client.update_experience_user("%024x" % 1, {"firstName": "N"})
    assert len(sleeps) == 1 and 0.25 <= sleeps[0] <= 0.5
    assert client.pacer.resume_at > 0


def test_in_threads_keeps_the_order_and_uses_the_workers():
    started = threading.Barrier(3, timeout=10)

    def work(item):
        if item < 3:
            started.wait()  # the first three run at the same time, or this never returns
        return item * 2

    assert in_threads(work, range(7), 3) == [0, 2, 4, 6, 8, 10, 12]
    assert in_threads(lambda item: item + 1, [], 4) == []
    assert in_threads(lambda item: item + 1, [1, 2], 1) == [2, 3]


def test_in_threads_raises_the_first_error_and_starts_nothing_after_it():
    called = []

    def work(item):
        called.append(item)
        if item == 2:
            raise ValueError("item 2")
        return item

    with pytest.raises(ValueError, match="item 2"):
        in_threads(work, range(10), 1)
    assert called == [0, 1, 2]
    called[:] = []
    with pytest.raises(ValueError, match="item 2"):
        in_threads(work, range(100), 2)
    assert len(called) < 100


def test_a_429_the_client_gives_up_on_makes_no_one_wait():
    """rate_limit_max_wait: 30 - the 429's Retry-After (an hour, capped at 60 s) would pass it, so no
    thread waits: the next request, of another write, goes out at once and fails on its own 429."""
    answers = [response(429, {"type": "RateLimitExceeded", "message": "x"}, {"Retry-After": "3600"})] * 2
    sleeps = []
    client = PermittedClient("https://api.example.test", "tok", APP, session=RoutedSession(lambda call: answers.pop(0)),
                             sleep=sleeps.append, rate_limit_max_wait=30, workers=2)
    for user_id in ("%024x" % 1, "%024x" % 2):
        with pytest.raises(LosantApiError, match=r"HTTP 429 RateLimitExceeded: x; Losant kept asking to wait \(HTTP "
                                                 r"429\) for 0 s in all, more than rate_limit_max_wait=30$"):
            client.update_experience_user(user_id, {"firstName": "N"})
    assert sleeps == [] and answers == []
    assert (client.pacer.cuts, client.pacer.allowed) == (2, 1)  # the concurrency is still cut, each time


def test_429s_use_up_no_retry_and_are_waited_out_up_to_rate_limit_max_wait():
    """retries: 0, yet ten 429s in a row are waited out (Retry-After 20 s each, 200 s in all, within
    the default 300 s); with rate_limit_max_wait 100 the sixth 429 (120 s in all) gives up."""
    limited = response(429, {"type": "RateLimitExceeded", "message": "x"}, {"Retry-After": "20"})
    answers = [limited] * 10 + [response(200, {"id": "%024x" % 1})]
    sleeps = []
    client = PermittedClient("https://api.example.test", "tok", APP, session=RoutedSession(lambda call: answers.pop(0)),
                             sleep=sleeps.append, retries=0)
    assert client.update_experience_user("%024x" % 1, {"firstName": "N"}) == {"id": "%024x" % 1}
    assert sleeps == [20.0] * 10 and answers == []
    answers[:] = [limited] * 10
    sleeps[:] = []
    client = PermittedClient("https://api.example.test", "tok", APP, session=RoutedSession(lambda call: answers.pop(0)),
                             sleep=sleeps.append, retries=5, rate_limit_max_wait=100)
    with pytest.raises(LosantApiError, match=r"for 100 s in all, more than rate_limit_max_wait=100$"):
        client.update_experience_user("%024x" % 1, {"firstName": "N"})
    assert sleeps == [20.0] * 5 and len(answers) == 4


def test_even_a_zero_retry_after_counts_against_rate_limit_max_wait():
    answers = [response(429, {"type": "RateLimitExceeded", "message": "x"}, {"Retry-After": "0"})] * 100
    sleeps = []
    client = PermittedClient("https://api.example.test", "tok", APP, session=RoutedSession(lambda call: answers.pop(0)),
                             sleep=sleeps.append, rate_limit_max_wait=1)
    with pytest.raises(LosantApiError, match="rate_limit_max_wait=1$"):
        client.update_experience_user("%024x" % 1, {"firstName": "N"})
    assert len(sleeps) == 10 and all(pause == 0.1 for pause in sleeps)
