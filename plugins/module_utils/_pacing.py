# -*- coding: utf-8 -*-
# Copyright: losant.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Internal to this collection: not a public API; may change without notice.

"""How many requests of one client are in flight at once, and the pause a 429
imposes on all of them; and the threads that run many calls at once."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import threading
import time


class Pacer:
    """The requests of every thread of one client go through one Pacer.

    At most ``limit`` requests are in flight. A 429 starts one pause that
    every thread waits out (Retry-After, or the backoff when Losant sends
    none; a later 429 can only make it longer) and halves how many requests
    may be in flight; the 429s of requests sent before that cut do not cut
    again. Then each run of twice as many successes as are allowed lets one
    more request in, up to ``limit``: slowly, as a server that limits
    requests per time window would answer 429s again at the end of every
    window otherwise. A rate-limited server thus sees fewer requests at once
    instead of every thread retrying on its own.
    """

    def __init__(self, limit, clock=time.monotonic, sleep=time.sleep):
        self.limit = max(1, int(limit))
        self.allowed = self.limit
        self.in_flight = 0
        self.resume_at = 0.0
        self.cuts = 0          # how many times a 429 cut the concurrency: the generation of a ticket
        self.pauses = 0        # how many 429s started or lengthened the pause
        self._successes = 0
        self._clock = clock
        self._sleep = sleep
        self._condition = threading.Condition()

    def acquire(self, waited_until=0.0):
        """Wait for the end of the pause and for a free slot; return the ticket to release.

        ``waited_until`` is the end of a pause the calling thread has already
        slept through itself (it got the 429), so that it does not wait twice.
        """
        with self._condition:
            while True:
                if self.resume_at > waited_until:
                    wait = self.resume_at - self._clock()
                    if wait > 0:
                        target = self.resume_at
                        self._condition.release()
                        try:
                            self._sleep(wait)
                        finally:
                            self._condition.acquire()
                        waited_until = target
                        continue
                if self.in_flight < self.allowed:
                    self.in_flight += 1
                    return self.cuts
                self._condition.wait()

    def release(self, ticket, answered=True, rate_limited_for=None):
        """Give the slot back. ``answered``: the server answered (not a lost
        connection); ``rate_limited_for``: the seconds a 429 asks to wait.
        Returns when the pause ends (the caller's ``waited_until`` once it has slept)."""
        with self._condition:
            self.in_flight -= 1
            if rate_limited_for is not None:
                self.pauses += 1
                self.resume_at = max(self.resume_at, self._clock() + rate_limited_for)
                if ticket == self.cuts:
                    self.allowed = max(1, self.allowed // 2)
                    self.cuts += 1
                    self._successes = 0
            elif answered and self.allowed < self.limit:
                self._successes += 1
                if self._successes >= 2 * self.allowed:
                    self.allowed += 1
                    self._successes = 0
            self._condition.notify_all()
            return self.resume_at


def in_threads(function, items, workers):
    """``[function(item) for item in items]``, up to ``workers`` calls at a time, in the items' order.

    After an exception no further call starts; the first exception is raised
    once the calls under way have ended.
    """
    items = list(items)
    if workers <= 1 or len(items) <= 1:
        return [function(item) for item in items]
    results = [None] * len(items)
    errors = []
    lock = threading.Lock()
    indexes = iter(range(len(items)))

    def work():
        while True:
            with lock:
                index = None if errors else next(indexes, None)
            if index is None:
                return
            try:
                results[index] = function(items[index])
            except Exception as exc:  # raised again in the calling thread
                with lock:
                    errors.append(exc)

    threads = [threading.Thread(target=work) for dummy in range(min(workers, len(items)))]
    for thread in threads:
        thread.daemon = True
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results
