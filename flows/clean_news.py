"""The cleaning flow: inputs → shards → clean → deduplicate → publish Parquet → report."""

from __future__ import annotations

import sys

from prefect import flow, get_run_logger
from prefect.runtime import flow_run

from flows.params import CleanNewsParams
from flows.report import publish_artifacts
from flows.runners import run_shards
from flows.steps import deduplicate_and_publish, discover_inputs
from tasks.store import OutputStore


def _run_name() -> str:
    params = flow_run.parameters.get("params") or {}
    if isinstance(params, CleanNewsParams):
        params = params.model_dump()
    inputs = params.get("inputs") or ["seeds"]
    return f"clean {'+'.join(inputs)[:60]} → {params.get('out', 'data')}"


@flow(name="clean-news", flow_run_name=_run_name, log_prints=False)
def clean_news(params: CleanNewsParams | None = None) -> dict:
    """Clean, deduplicate and publish the articles under ``params.inputs`` to ``params.out``.

    Returns the run summary: counts of inputs, articles, duplicates, rejects.
    """
    params = params or CleanNewsParams()
    logger = get_run_logger()
    config = params.pipeline_config()
    OutputStore(params.out).prepare()
    shards = discover_inputs(params.inputs, params.shard_files, params.shard_mb)
    shard_dirs = run_shards(shards, config, params)
    result = deduplicate_and_publish(shard_dirs, config, params.out, params.model_dump())
    publish_artifacts(result)
    s = result.summary
    logger.info(
        "done: %d inputs → %d articles, %d duplicates, %d rejects; all accounted for: %s",
        s["inputs"],
        s["articles"],
        s["duplicates"],
        s["rejects"],
        s["accounted"],
    )
    return {"version": result.version, "out": result.out, **s}


if __name__ == "__main__":
    from flows.cli import main

    sys.exit(main(["run", *sys.argv[1:]]))
