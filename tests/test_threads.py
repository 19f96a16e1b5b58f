"""Batches over threads come back in order, drawn lazily."""

from __future__ import annotations

import random
import threading
import time

import pytest

from tasks.threads import in_thread, ordered_map


def test_results_come_back_in_item_order_whatever_finishes_first() -> None:
    delays = [random.Random(i).random() / 200 for i in range(40)]

    def slow_square(i: int) -> int:
        time.sleep(delays[i])
        return i * i

    for workers in (1, 2, 4):
        assert list(ordered_map(slow_square, range(40), workers)) == [i * i for i in range(40)]


def test_items_are_drawn_at_most_two_per_worker_ahead() -> None:
    drawn = []
    lock = threading.Lock()

    def items():
        for i in range(100):
            with lock:
                drawn.append(i)
            yield i

    results = ordered_map(lambda i: i, items(), 3)
    first = next(results)
    assert first == 0
    assert len(drawn) <= 2 * 3
    assert list(results) == list(range(1, 100))


def test_an_error_in_a_batch_reaches_the_caller() -> None:
    def fail_on_seven(i: int) -> int:
        if i == 7:
            raise ValueError("batch 7")
        return i

    try:
        list(ordered_map(fail_on_seven, range(20), 2))
    except ValueError as error:
        assert str(error) == "batch 7"
    else:
        raise AssertionError("the error was swallowed")


def test_in_flight_bounds_the_items_drawn_ahead() -> None:
    drawn = []
    lock = threading.Lock()

    def items():
        for i in range(50):
            with lock:
                drawn.append(i)
            yield i

    results = ordered_map(lambda i: i * 2, items(), 3, in_flight=2)
    assert next(results) == 0
    assert len(drawn) <= 2
    assert list(results) == [i * 2 for i in range(1, 50)]


def test_in_thread_overlaps_the_caller_and_reports_errors() -> None:
    started = threading.Event()
    release = threading.Event()

    def work(x: int) -> int:
        started.set()
        release.wait(5)
        return x + 1

    future = in_thread(work, 41)
    assert started.wait(5) and not future.done()  # running while the caller goes on
    release.set()
    assert future.result(5) == 42

    def fail() -> None:
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        in_thread(fail).result(5)
