"""Shard workers started and warmed while Prefect starts its API server (``newsclean run``).

A run with local worker processes first imports Prefect and starts a temporary API server
(seconds, one core busy); each shard worker then spent ~2.5 s CPU starting before its first
page: importing Prefect and the pipeline, compiling the rules, loading the language profiles,
then the compiled kernels and tables on its first article. The CLI now starts the workers as
soon as it knows the run will use several, so their start-up overlaps the server's; each warms
up on a small page, then waits for the API address before taking a shard. Outputs do not
change: a worker's processor gives the same results whatever it processed before.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import queue
from typing import Any

from prefect.task_runners import ProcessPoolTaskRunner

from flows.params import CleanNewsParams
from tasks.config import PipelineConfig

_AHEAD: dict[str, Any] = {}  # the pool started ahead: runner, address queue, size
_WARM_PAGE = (
    "<html><head><title>Council approves the new budget</title></head><body><article>"
    "<h1>Council approves the new budget</h1>"
    "<p>The city council approved the budget for next year on Tuesday evening after a long "
    "debate about schools, roads and the public library.</p>"
    "<p>Share this article</p></article></body></html>"
)


def start_ahead(params: CleanNewsParams) -> int:
    """Start the shard workers of ``params`` now when the run will use several; how many."""
    if params.dask_address or params.workers < 2:
        return 0
    from tasks.ingest import discover

    try:
        files = discover(params.inputs)
    except Exception:  # the flow's own discovery reports it
        return 0
    workers = min(params.workers, _shard_count(files, params))
    if workers < 2:
        return 0
    addresses = multiprocessing.get_context("spawn").Queue()
    runner = ProcessPoolTaskRunner(
        max_workers=workers,
        initializer=warm_worker,
        initargs=(addresses, params.pipeline_config()),
    )
    runner.__enter__()
    _AHEAD.update(runner=runner, addresses=addresses, workers=workers)
    try:
        # Prefect's runner has no public way to start its processes without a task run, and
        # a spawn pool starts one more process per submission while none is idle: one no-op
        # per worker, submitted to its pool, starts them all now.
        for _ in range(workers):
            runner._executor.submit(int)
    except Exception:  # an optimisation only: the flow starts its own pool instead
        discard()
        return 0
    return workers


def _shard_count(files: list[str], params: CleanNewsParams) -> int:
    """How many shards the flow's plan of ``files`` has, or at least ``params.workers``.

    Every shard holds at most the plan's file count, so the files alone bound the count from
    below; only when that bound is below the worker count is the whole plan (a size per file:
    ~3 s for a million files, which the flow's own discovery reads again) worth building.
    """
    from tasks.shard import plan_shards, shard_file_limit

    at_least = -(-len(files) // shard_file_limit(len(files), params.shard_files))
    if at_least >= params.workers:
        return at_least
    return len(plan_shards(files, params.shard_files, params.shard_mb * 1024 * 1024))


def take(workers: int, api_url: str | None) -> ProcessPoolTaskRunner | None:
    """The pool started ahead, entered, if it has ``workers`` processes; they are told the
    API address (None: they inherited a configured one). The caller exits it."""
    if not _AHEAD:
        return None
    if _AHEAD["workers"] != workers:
        discard()
        return None
    runner = _AHEAD["runner"]
    for _ in range(workers):
        _AHEAD["addresses"].put(api_url)
    _AHEAD.clear()
    return runner


def discard() -> None:
    """Stop a pool started ahead that the flow did not take (it failed before the shards)."""
    if not _AHEAD:
        return
    for _ in range(_AHEAD["workers"]):
        _AHEAD["addresses"].put(None)
    runner = _AHEAD["runner"]
    _AHEAD.clear()
    runner.__exit__(None, None, None)


def warm_worker(addresses: Any, config: PipelineConfig) -> None:
    """Worker initializer: build and warm the shard processor, then wait for the API."""
    # Warming is an optimisation: a real error shows again, with its shard, in the task.
    with contextlib.suppress(Exception):
        _warm(config)
    while True:
        try:
            url = addresses.get(timeout=1.0)
            break
        except queue.Empty:
            parent = multiprocessing.parent_process()
            if parent is not None and not parent.is_alive():  # the CLI died: do not linger
                os._exit(1)
    if url:
        os.environ["PREFECT_API_URL"] = url
    keep_worker_client()


def keep_worker_client() -> None:
    """One API client for every task this worker runs (see :mod:`flows.worker_client`)."""
    from flows.worker_client import keep_client

    # An optimisation only: without it Prefect builds clients per task run, as before.
    with contextlib.suppress(Exception):
        keep_client()


def _warm(config: PipelineConfig) -> None:
    from flows.steps import _processor
    from tasks.dedup import compute_signatures
    from tasks.extract import Extracted, extract_html

    config.fingerprint()
    first_task_imports()
    cleaner = _processor(config).cleaner
    page = extract_html(_WARM_PAGE)
    if isinstance(page, Extracted):
        result = cleaner.clean(page.text, title=page.title)
        _ = result.word_count
        compute_signatures([result.text], config.dedup)


def first_task_imports() -> None:
    """Import now what a worker's first task run would: ~0.3 s CPU moved out of the shard stage.

    Unpickling the flow-run context imports the flow's module (and with it the report and runner
    modules), and rebuilding its result-storage block loads every installed Prefect collection
    (with the ``dask`` extra, prefect-dask imports dask and distributed): seen in a worker's
    first task run, after discovery, while the other worker already processed pages.
    """
    import prefect.task_engine  # noqa: F401
    from prefect.plugins import load_prefect_collections

    import flows.clean_news  # noqa: F401

    load_prefect_collections()
