"""Where shard tasks run: worker processes on this machine (default) or a Dask cluster.

Shards are CPU-bound, so they run in processes: a ``ProcessPoolTaskRunner`` with one worker per
core by default, or, with ``dask_address``, Prefect's ``DaskTaskRunner`` connected to an existing
scheduler (``pip install 'newsclean[dask]'``; workers need newsclean installed and the input and
output folders mounted at the same paths). Every shard task is named ``shard i/n`` in the UI,
gets the ``shard_timeout_s`` timeout, and the flow logs how many shards came from the cache.
"""

from __future__ import annotations

import contextlib
import os
import queue
from pathlib import Path
from typing import Any

from prefect import Task, get_run_logger
from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import State
from prefect.settings import get_current_settings
from prefect.task_runners import ProcessPoolTaskRunner, TaskRunner

from flows import prestart
from flows.params import CleanNewsParams
from flows.steps import process_shard
from tasks.config import PipelineConfig
from tasks.shard import is_done

CACHED = "Cached"


class ShardFailed(RuntimeError):
    """A shard task ended in a failed state; the message names the shard and the reason."""


def shard_runner(params: CleanNewsParams, shards: int) -> TaskRunner | None:
    """The task runner for ``shards`` shard tasks, or None to run them in the flow's process."""
    if params.dask_address:
        try:
            from prefect_dask import DaskTaskRunner
        except ImportError as exc:  # the optional extra is missing
            raise RuntimeError(
                "dask_address needs prefect-dask: pip install 'newsclean[dask]'"
            ) from exc
        return DaskTaskRunner(address=params.dask_address)
    if shards > 1 and params.workers > 1:
        return ProcessPoolTaskRunner(
            max_workers=min(params.workers, shards),
            initializer=use_api,
            initargs=(_api_url(),),
        )
    return None


def use_api(url: str | None) -> None:
    """Worker process initializer: report to the flow's API instead of starting another one."""
    if url:
        os.environ["PREFECT_API_URL"] = url
    prestart.keep_worker_client()


def _api_url() -> str | None:
    """The API the worker processes report to: the configured one (``newsclean run`` points
    the settings at the temporary server it starts), else the temporary server Prefect started
    for this run. Without it every worker process would start a temporary server of its own.
    """
    configured = get_current_settings().api.url
    if configured:
        return configured
    with get_client(sync_client=True) as client:
        return str(client.api_url)


def run_shards(
    shards: list[list[str]], config: PipelineConfig, params: CleanNewsParams
) -> list[str]:
    """Process every shard (in parallel where configured); their result folders, in order."""
    n = len(shards)
    runner = shard_runner(params, n)

    def call(i: int, refresh: bool = False) -> tuple[Task, dict[str, Any]]:
        task = process_shard.with_options(
            task_run_name=f"shard {i + 1}/{n}",
            timeout_seconds=params.shard_timeout_s,
            refresh_cache=refresh or None,
        )
        return task, {"files": shards[i], "config": config, "out": params.out}

    # Local processes: shards in plan order, one queued behind the running ones (_execute).
    window = None
    ahead = None
    if isinstance(runner, ProcessPoolTaskRunner):
        window = min(params.workers, n) + 1
        ahead = prestart.take(min(params.workers, n), _api_url())
    else:
        prestart.discard()
    with contextlib.ExitStack() as stack:
        if ahead is not None:  # started and warmed by the CLI while Prefect started
            runner = ahead
            stack.callback(ahead.__exit__, None, None, None)
        elif runner is not None:
            stack.enter_context(runner)
        states = _execute(runner, [call(i) for i in range(n)], window)
        folders = [_folder(i, n, shards[i], state) for i, state in enumerate(states)]
        # A cache hit whose folder was deleted since (output wiped by hand): compute it again.
        stale = [i for i, folder in enumerate(folders) if not is_done(Path(folder))]
        for i in stale:
            get_run_logger().warning(
                "shard %d/%d: cached result %s is gone, computing it again", i + 1, n, folders[i]
            )
        redo = _execute(runner, [call(i, True) for i in stale], window)
        for i, state in zip(stale, redo, strict=True):
            folders[i] = _folder(i, n, shards[i], state)
    cached = sum(state.name == CACHED for i, state in enumerate(states) if i not in stale)
    get_run_logger().info(
        "%d shard(s) %s: %d unchanged since an earlier run (cache hit, not recomputed), "
        "%d processed%s",
        n,
        _where(runner, params, n),
        cached,
        n - cached,
        "; workers started ahead, while Prefect started" if ahead is not None else "",
    )
    return folders


def _execute(
    runner: TaskRunner | None, calls: list[tuple[Task, dict[str, Any]]], window: int | None = None
) -> list[State]:
    """Run every call and return their final states, in the order of ``calls``.

    At most ``window`` calls are in flight (default: all), started in the order of ``calls``.
    Local worker processes get one shard more than there are workers: Prefect's process pool
    hands submissions over from several threads, so with all submitted at once a full shard
    could start after the small last one and keep one worker busy alone at the end (seen: shard
    6 of 9 started last, after shard 9). A Dask cluster gets all at once.
    """
    if runner is None:
        return [task(**kwargs, return_state=True) for task, kwargs in calls]
    window = window or len(calls)
    finished: queue.SimpleQueue[int] = queue.SimpleQueue()
    futures: list[Any] = []

    def submit(i: int) -> None:
        task, kwargs = calls[i]
        future = runner.submit(task, kwargs)
        future.add_done_callback(lambda _: finished.put(i))
        futures.append(future)

    for i in range(min(window, len(calls))):
        submit(i)
    for _ in range(len(calls)):
        finished.get()
        if len(futures) < len(calls):
            submit(len(futures))
    for future in futures:
        future.wait()
    return [future.state for future in futures]


def _folder(i: int, n: int, files: list[str], state: State) -> str:
    """The shard's result folder, or :class:`ShardFailed` saying which shard and why."""
    if state.is_completed():
        return state.result()
    reason = state.message or state.name
    try:
        state.result()
    except Exception as exc:  # the task's own exception is the clearest reason
        reason = f"{type(exc).__name__}: {exc}"
    first = files[0] if files else "no files"
    raise ShardFailed(f"shard {i + 1}/{n} ({len(files)} files from {first}) failed: {reason}")


def _where(runner: TaskRunner | None, params: CleanNewsParams, shards: int) -> str:
    if runner is None:
        return "in the flow's process"
    if params.dask_address:
        return f"on the Dask cluster at {params.dask_address}"
    return f"in {min(params.workers, shards)} worker processes"
