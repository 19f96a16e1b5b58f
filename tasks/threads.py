"""Batches mapped over threads, results in order: for work that runs without the GIL.

The compiled kernels (:mod:`tasks.kernels`, ``nogil``), numpy's sorts and reductions, Arrow
and ``pread`` release the GIL, so threads use every core for batch work over texts without a
process's start-up (a fresh one spends ~1 s importing and loading compiled code) or pickling.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def in_thread(fn: Callable[..., R], *args: object) -> Future[R]:
    """``fn(*args)`` started in a thread of its own (work that overlaps the caller's next
    steps); the future gives its result, or raises its error."""
    pool = ThreadPoolExecutor(1)
    try:
        return pool.submit(fn, *args)
    finally:
        pool.shutdown(wait=False)  # the thread ends when ``fn`` returns


def ordered_map(
    fn: Callable[[T], R], items: Iterable[T], workers: int, in_flight: int | None = None
) -> Iterator[R]:
    """``fn`` of each item, in item order. Items are drawn lazily and at most ``in_flight``
    (default: two per worker) are in flight, so memory holds a few batches (and their
    results), never all of them."""
    if workers <= 1:
        yield from map(fn, items)
        return
    limit = max(in_flight or 2 * workers, 1)
    with ThreadPoolExecutor(workers) as pool:
        pending: deque[Future[R]] = deque()
        for item in items:
            pending.append(pool.submit(fn, item))
            if len(pending) >= limit:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
