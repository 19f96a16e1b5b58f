"""The Prefect flow on a real (temporary) Prefect server, as the scheduler would run it."""

from __future__ import annotations

import asyncio

import pyarrow.dataset as ds
import pytest

from flows.clean_news import clean_news
from flows.params import CleanNewsParams
from flows.report import COUNTS_KEY, REPORT_KEY


@pytest.fixture
def run_flow(prefect_harness, tmp_path):
    def run(inputs, **kwargs):
        out = tmp_path / "out"
        params = CleanNewsParams(inputs=[str(i) for i in inputs], out=str(out), **kwargs)
        return out, clean_news(params)

    return run


async def _artifacts(keys):
    """Artifacts by key through the REST API (the typed client's filters misbehave in 3.8.8)."""
    from prefect.client.orchestration import get_client

    body = {"artifacts": {"key": {"any_": keys}}, "limit": 50, "offset": 0, "sort": "CREATED_DESC"}
    async with get_client() as client:
        response = await client._client.post("/artifacts/filter", json=body)
    response.raise_for_status()
    return {a["key"]: a for a in response.json()}


def test_flow_cleans_seeds_and_reports(run_flow, seeds_copy):
    out, summary = run_flow([seeds_copy])
    assert summary["inputs"] == 5
    assert summary["articles"] == 5
    assert summary["accounted"] is True
    assert ds.dataset(out / "articles", partitioning="hive").count_rows() == 5
    artifacts = asyncio.run(_artifacts([COUNTS_KEY, REPORT_KEY]))
    assert set(artifacts) == {COUNTS_KEY, REPORT_KEY}
    assert "removed_by_category" in artifacts[COUNTS_KEY]["data"]
    assert "Removed lines per category" in artifacts[REPORT_KEY]["data"]


def test_flow_runs_shards_in_worker_processes(run_flow, seeds_copy):
    out, summary = run_flow([seeds_copy], shard_files=2, workers=2)
    assert summary["articles"] == 5
    assert len(list((out / ".newsclean" / "shards").iterdir())) == 3


def test_parameters_are_validated():
    with pytest.raises(ValueError):
        CleanNewsParams(jaccard_threshold=1.5)
    with pytest.raises(ValueError):
        CleanNewsParams(inputs=[])
