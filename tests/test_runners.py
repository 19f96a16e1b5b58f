"""The local default: shard tasks in worker processes that report to the flow's own API."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from flows.params import CleanNewsParams
from flows.runners import shard_runner

ROOT = Path(__file__).resolve().parent.parent


def test_default_uses_one_process_per_core_and_inline_for_one_shard():
    params = CleanNewsParams()
    assert params.workers == (os.cpu_count() or 1)
    assert shard_runner(params, 1) is None
    assert shard_runner(params.model_copy(update={"workers": 1}), 8) is None


@pytest.mark.slow
def test_workers_use_the_runs_temporary_server_instead_of_starting_their_own(tmp_path, seeds_copy):
    """Without PREFECT_API_URL the run starts one temporary server; workers must not add more."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(
        PREFECT_HOME=str(tmp_path / "home"),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="120",
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
    )
    args = [str(seeds_copy), "--out", str(tmp_path / "out"), "--shard-files", "2", "--workers", "2"]
    done = subprocess.run(
        [sys.executable, "-m", "flows.cli", "run", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "3 shard(s) in 2 worker processes" in done.stderr
    # the CLI starts it (flows/local_server.py); a worker starting its own would log Prefect's
    assert done.stderr.count("starting a temporary Prefect server") == 1
    assert "Starting temporary server" not in done.stderr
