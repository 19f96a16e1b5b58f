"""SIGKILL a real run at each dangerous moment: readers keep a complete dataset, reruns resume.

The run is the real pipeline in a child process. ``NEWSCLEAN_TEST_PAUSE_AT`` (see
:mod:`tasks.pause`) freezes it at a named stage and announces it in a file; the test then kills
the child's whole process group with SIGKILL, reads the output folder back with DuckDB as a
downstream user would, and runs again.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import psutil
import pytest

from tasks.pause import ENV_AT, ENV_FILE, STAGES
from tasks.pipeline import run_pipeline

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "inputs"
DATASETS = ("articles", "duplicates", "removed_lines", "rejects")
# The run in the child: one shard per file, so "some shards done" is a state we can reach.
RUNNER = (
    "import sys; from tasks.pipeline import run_pipeline; "
    "run_pipeline(sys.argv[2:], sys.argv[1], shard_files=1)"
)
PAUSE_TIMEOUT_S = 300


def published_state(out: Path) -> dict[str, list[tuple]]:
    """Every row of every dataset, read through the user-facing links, sorted."""
    state = {}
    with duckdb.connect() as con:
        for name in DATASETS:
            pattern = f"{out / name}/**/*.parquet"
            rows = con.execute(
                f"select * from read_parquet('{pattern}', hive_partitioning=true)"
            ).fetchall()
            state[name] = sorted(rows, key=repr)
    return state


def shard_inodes(out: Path) -> dict[str, int]:
    """Completed shards and the inode of their marker: a redone shard gets a new one."""
    shards = out / ".newsclean" / "shards"
    done = (p for p in shards.glob("*/_SUCCESS") if not p.parent.name.startswith("."))
    return {p.parent.name: p.stat().st_ino for p in done}


def kill_at(
    stage: str,
    out: Path,
    inputs: list[Path],
    tmp_path: Path,
    argv: list[str] | None = None,
    env: dict[str, str] | None = None,
    while_paused: Callable[[int], None] | None = None,
) -> tuple[str, int]:
    """Start a run, wait until it is frozen at ``stage``, SIGKILL its process group.

    ``while_paused(pgid)`` looks at the frozen run first. Returns the stage and the paused pid.
    """
    marker = tmp_path / f"paused-{stage.replace('#', '-')}"
    marker.unlink(missing_ok=True)
    env = {
        **os.environ,
        **(env or {}),
        "PYTHONPATH": str(ROOT),
        ENV_AT: stage,
        ENV_FILE: str(marker),
    }
    argv = argv or [sys.executable, "-c", RUNNER, str(out), *map(str, inputs)]
    child = subprocess.Popen(
        argv,
        env=env,
        cwd=tmp_path,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + PAUSE_TIMEOUT_S
    try:
        while not marker.exists():
            if child.poll() is not None:
                pytest.fail(f"run ended before {stage}: {child.stderr.read().decode()[-3000:]}")
            if time.monotonic() > deadline:
                pytest.fail(f"run did not reach {stage} in {PAUSE_TIMEOUT_S} s")
            time.sleep(0.05)
        if while_paused is not None:
            while_paused(child.pid)
        paused_stage, paused_pid = marker.read_text().split()
        return paused_stage, int(paused_pid)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)
        child.wait(timeout=60)
        child.stderr.close()
        _wait_for_group_gone(child.pid)


def _wait_for_group_gone(pgid: int) -> None:
    """Every process of the killed run is gone (no orphaned worker or server keeps writing)."""
    deadline = time.monotonic() + 30
    while _group(pgid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _group(pgid), f"processes of the killed run survive: {_group(pgid)}"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> dict[str, Path]:
    """``first/`` is published once; ``second/`` then adds four more files (4 more shards)."""
    root = tmp_path_factory.mktemp("crash")
    inputs = root / "inputs"
    shutil.copytree(ROOT / "seeds", inputs / "a")
    first = root / "first"
    run_pipeline([str(inputs)], first, shard_files=1)
    shutil.copytree(FIXTURES, inputs / "b")
    second = root / "second"
    shutil.copytree(first, second, symlinks=True)
    run_pipeline([str(inputs)], second, shard_files=1)
    return {"inputs": inputs, "first": first, "second": second}


def test_stages_are_all_exercised():
    assert {s.split("#")[0] for s in KILL_POINTS} == set(STAGES)


# stage -> what readers must see after the kill: the previous version or the new one.
KILL_POINTS = {
    "shard-staged": "first",
    "shard-written#2": "first",
    "version-writing": "first",
    "publish-staged": "first",
    "publish-renamed": "first",
    "published": "second",
}


@pytest.mark.parametrize("stage", list(KILL_POINTS))
def test_kill_leaves_a_complete_dataset_and_the_rerun_completes(stage, corpus, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(corpus["first"], out, symlinks=True)
    inputs = corpus["inputs"]
    first, second = published_state(corpus["first"]), published_state(corpus["second"])
    assert first != second and len(second["articles"]) > len(first["articles"])

    kill_at(stage, out, [inputs], tmp_path)

    # Readers see one complete version: the previous one, or (killed after the switch) the new.
    assert published_state(out) == (first if KILL_POINTS[stage] == "first" else second)
    done_before = shard_inodes(out)

    result = run_pipeline([str(inputs)], out, shard_files=1)

    assert result.summary["accounted"]
    assert published_state(out) == second
    # Resumability: every shard finished before the kill is reused, not redone.
    done_after = shard_inodes(out)
    assert {k: done_after[k] for k in done_before} == done_before
    assert len(done_after) == 9
    # Nothing half-written is left behind.
    meta = out / ".newsclean"
    leftovers = [
        p.name
        for folder in (meta, meta / "versions", meta / "shards")
        for p in folder.iterdir()
        if p.name.startswith((".staging-", ".current-", ".tmp-"))
    ]
    assert leftovers == []


def test_kill_during_shards_resumes_without_redoing_finished_shards(corpus, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(corpus["first"], out, symlinks=True)
    before_run = shard_inodes(out)
    assert len(before_run) == 5  # the five seed files, one shard each

    kill_at("shard-written#2", out, [corpus["inputs"]], tmp_path)

    after_kill = shard_inodes(out)
    assert len(after_kill) == 5 + 2  # two of the four new shards finished before the kill
    run_pipeline([str(corpus["inputs"])], out, shard_files=1)
    after_rerun = shard_inodes(out)
    reused = [k for k in after_rerun if after_kill.get(k) == after_rerun[k]]
    processed = [k for k in after_rerun if k not in after_kill]
    assert (len(reused), len(processed)) == (7, 2)


def _group(pgid: int) -> list[psutil.Process]:
    members = []
    for process in psutil.process_iter():
        with contextlib.suppress(psutil.Error, ProcessLookupError):
            if os.getpgid(process.pid) == pgid:
                members.append(process)
    return members


@pytest.mark.slow
def test_killed_cli_run_with_worker_processes(corpus, tmp_path):
    """The real ``newsclean run`` (Prefect flow, temporary server, process pool), killed."""
    out = tmp_path / "out"
    shutil.copytree(corpus["first"], out, symlinks=True)
    env = {"PREFECT_HOME": str(tmp_path / "prefect"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    cli = [sys.executable, "-m", "flows.cli", "run", str(corpus["inputs"]), "--out", str(out)]
    cli += ["--shard-files", "1", "--workers", "2"]
    listening: list[str] = []

    def inspect(pgid: int) -> None:
        for process in _group(pgid):
            with contextlib.suppress(psutil.Error):
                for conn in process.net_connections(kind="inet"):
                    if conn.status == psutil.CONN_LISTEN:
                        listening.append(conn.laddr.ip)

    kill_at("shard-written", out, [], tmp_path, argv=cli, env=env, while_paused=inspect)

    # The temporary Prefect server the CLI started listened on loopback only.
    assert listening and set(listening) == {"127.0.0.1"}
    assert published_state(out) == published_state(corpus["first"])
    after_kill = shard_inodes(out)
    assert 6 <= len(after_kill) < 9

    done = subprocess.run(
        cli,
        env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert published_state(out) == published_state(corpus["second"])
    after_rerun = shard_inodes(out)
    assert len(after_rerun) == 9
    assert {k: after_rerun[k] for k in after_kill} == after_kill  # finished shards reused
