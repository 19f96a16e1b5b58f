"""Shard workers use the flow's temporary Prefect API server instead of starting their own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_embedded_run_with_worker_processes_starts_one_api_server(tmp_path, seeds_copy):
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_LOGGING_LEVEL": "INFO",
        # A fresh home runs the database migrations: slow on a busy machine.
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
    }
    env.pop("PREFECT_API_URL", None)
    args = ["run", str(seeds_copy), "--out", str(tmp_path / "o"), "--shard-files", "2"]
    done = subprocess.run(
        [sys.executable, "-m", "flows.cli", *args, "--workers", "2", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    log = done.stdout + done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1])["articles"] == 5
    assert log.count("process-shard") >= 3  # three shards ran as tasks, in the workers
    assert log.count("Starting temporary server") == 1, log[-3000:]
