"""Shard workers started ahead by the CLI: only when the run uses several, warmed, and then
told the API address; a pool the flow does not take is stopped."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from flows import prestart
from flows.params import CleanNewsParams
from tests.datafiles import data_files

ROOT = Path(__file__).resolve().parent.parent


def api_url() -> str | None:
    """What a worker process has been told (run there)."""
    return os.environ.get("PREFECT_API_URL")


def params(inputs: list[str], **changes) -> CleanNewsParams:
    return CleanNewsParams(inputs=inputs, **{"workers": 2, **changes})


@pytest.mark.parametrize(
    "changes",
    [{"workers": 1}, {"dask_address": "tcp://127.0.0.1:1"}, {"shard_files": 1000}],
    ids=["one-worker", "dask", "one-shard"],
)
def test_nothing_is_started_when_the_run_would_not_use_several_workers(seeds_copy, changes):
    assert prestart.start_ahead(params([str(seeds_copy)], **changes)) == 0
    assert not prestart._AHEAD


def test_a_missing_input_is_left_to_the_flow(tmp_path):
    assert prestart.start_ahead(params([str(tmp_path / "missing")], shard_files=1)) == 0


def test_workers_get_the_api_address_when_taken(seeds_copy):
    assert prestart.start_ahead(params([str(seeds_copy)], shard_files=2)) == 2
    runner = prestart.take(2, "http://127.0.0.1:9/api")
    assert runner is not None and not prestart._AHEAD
    try:
        seen = runner._executor.submit(api_url).result(timeout=120)
        assert seen == "http://127.0.0.1:9/api"
    finally:
        runner.__exit__(None, None, None)


def test_a_pool_of_another_size_is_stopped_not_used(seeds_copy):
    assert prestart.start_ahead(params([str(seeds_copy)], shard_files=2)) == 2
    assert prestart.take(3, None) is None
    assert not prestart._AHEAD
    prestart.discard()  # nothing left: a no-op


def test_warm_up_imports_what_the_first_task_run_would(tmp_path):
    """In a new process, as in a worker: the flow's module and Prefect's collections loaded."""
    code = (
        "import sys\n"
        "from flows import prestart\n"
        "from flows.params import CleanNewsParams\n"
        "assert 'flows.clean_news' not in sys.modules\n"
        "prestart._warm(CleanNewsParams().pipeline_config())\n"
        "from prefect._internal.plugins import collections\n"
        "print('flows.clean_news' in sys.modules, collections._collections is not None)\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT)]))}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == ["True", "True"]


@pytest.mark.slow
def test_cli_with_workers_started_ahead_writes_the_same_bytes(seeds_copy, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(
        PREFECT_HOME=str(tmp_path / "home"),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="120",
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
    )
    outs = {}
    for workers in ("1", "2"):
        outs[workers] = tmp_path / f"out-{workers}"
        args = [str(seeds_copy), "--out", str(outs[workers]), "--shard-files", "2"]
        done = subprocess.run(
            [sys.executable, "-m", "flows.cli", "run", *args, "--workers", workers],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, done.stderr[-3000:]
    assert "in 2 worker processes: " in done.stderr
    assert "; workers started ahead, while Prefect started" in done.stderr
    assert data_files(outs["2"]) == data_files(outs["1"])


@pytest.mark.parametrize(
    ("n_files", "size", "shard_files", "workers"),
    [
        (3, 10, 4000, 2),  # one shard
        (120, 10, 4000, 2),  # spread over several shards of 50+
        (120, 10, 4000, 16),  # fewer shards than workers: the whole plan
        (9, 1 << 20, 4, 4),  # sizes cut it further than the count alone
        (9, 3 << 20, 1000, 8),  # only sizes make shards
        (10_000, 1, 1000, 4),  # the count alone settles it
    ],
)
def test_the_worker_count_is_the_plan_s(tmp_path, n_files, size, shard_files, workers):
    from tasks.shard import plan_shards

    files = []
    for i in range(n_files):
        path = tmp_path / f"{i:05d}.txt"
        with open(path, "wb") as handle:
            handle.truncate(size)
        files.append(str(path))
    p = params([str(tmp_path)], shard_files=shard_files, workers=workers)
    planned = plan_shards(files, shard_files, p.shard_mb * 1024 * 1024)
    assert min(workers, prestart._shard_count(files, p)) == min(workers, len(planned))
