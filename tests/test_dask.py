"""Shard tasks on a Dask cluster give the same dataset as local worker processes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from flows.clean_news import clean_news
from flows.params import CleanNewsParams

ROOT = Path(__file__).resolve().parent.parent
distributed = pytest.importorskip("distributed")
pytest.importorskip("prefect_dask")

pytestmark = pytest.mark.slow


def data_files(out: Path) -> dict[str, bytes]:
    """Every Parquet file of the published version, by path relative to the version folder."""
    version = (out / ".newsclean" / "current").resolve()
    return {str(p.relative_to(version)): p.read_bytes() for p in sorted(version.rglob("*.parquet"))}


def test_dask_local_cluster_gives_byte_identical_data_files(prefect_harness, tmp_path):
    inputs = tmp_path / "inputs"
    shutil.copytree(ROOT / "seeds", inputs / "seeds")
    shutil.copytree(ROOT / "tests" / "fixtures", inputs / "fixtures")
    common = {"inputs": [str(inputs)], "shard_files": 6}

    local = clean_news(CleanNewsParams(**common, out=str(tmp_path / "local"), workers=2))
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        on_dask = clean_news(
            CleanNewsParams(
                **common, out=str(tmp_path / "dask"), dask_address=cluster.scheduler_address
            )
        )
        assert "process_shard" in cluster.scheduler.task_prefixes
        with distributed.Client(cluster) as client:
            executed = client.run(lambda dask_worker: dask_worker.state.executed_count)
        assert sum(executed.values()) >= 3  # the three shard tasks ran on the workers

    assert {k: v for k, v in on_dask.items() if k != "out"} == {
        k: v for k, v in local.items() if k != "out"
    }
    assert local["inputs"] == 27 and local["duplicates"] > 0 and local["rejects"] > 0
    expected, got = data_files(tmp_path / "local"), data_files(tmp_path / "dask")
    assert sorted(got) == sorted(expected) and len(expected) >= 4
    for name, content in expected.items():
        assert got[name] == content, f"{name} differs between the Dask and the local run"
