"""in_threads (_pacing.py) with one worker or one item: the calls run one after the other in the
calling thread, so that what it holds per thread (the write gate's permit, its HTTP session) holds
for them; with more workers and items they run in threads of their own."""

import threading

import pytest

from ansible_collections.losant.platform.plugins.module_utils._pacing import in_threads


@pytest.mark.parametrize("items, workers", [([1, 2, 3], 1), ([1], 4), ([1, 2], 0)])
def test_one_worker_or_one_item_runs_the_calls_in_the_calling_thread(items, workers):
    caller = threading.current_thread()
    threads = []

    def work(item):
        threads.append(threading.current_thread())
        return item * 10

    assert in_threads(work, items, workers) == [item * 10 for item in items]
    assert threads == [caller] * len(items)


def test_several_workers_run_the_calls_in_threads_of_their_own():
    caller = threading.current_thread()
    threads = []
    assert in_threads(lambda item: threads.append(threading.current_thread()) or item, [1, 2, 3], 2) == [1, 2, 3]
    assert len(threads) == 3 and caller not in threads
