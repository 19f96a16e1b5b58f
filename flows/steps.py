"""Prefect tasks: thin wrappers over the pure pipeline in ``tasks/``.

Each task handles a whole shard or the whole run, never one document. Shard processing is
CPU-bound and runs in worker processes; its processor (rules, language profiles) is built once
per process and reused, which is safe because its results do not depend on call order.
"""

from __future__ import annotations

import time
from pathlib import Path

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows.policies import IO_RETRIES, content_key, retry_on_io_error, shard_cache_key
from tasks.assemble import RunResult, assemble_run
from tasks.config import PipelineConfig
from tasks.ingest import discover
from tasks.shard import (
    ShardProcessor,
    is_done,
    plan_shards,
    read_counts,
    write_shard,
)
from tasks.store import OutputStore

_PROCESSORS: dict[str, ShardProcessor] = {}


def _processor(config: PipelineConfig) -> ShardProcessor:
    key = config.fingerprint()
    if key not in _PROCESSORS:
        _PROCESSORS.clear()
        _PROCESSORS[key] = ShardProcessor(config)
    return _PROCESSORS[key]


@task(
    name="discover-inputs",
    cache_policy=NO_CACHE,
    retry_condition_fn=retry_on_io_error,
    **IO_RETRIES,
)
def discover_inputs(inputs: list[str], max_files: int, max_mb: int) -> list[list[str]]:
    """Expand INPUT arguments into files and group them into shards."""
    files = discover(inputs)
    shards = plan_shards(files, max_files=max_files, max_bytes=max_mb * 1024 * 1024)
    get_run_logger().info(
        "found %d files in %d input(s): %d shard(s)", len(files), len(inputs), len(shards)
    )
    return shards


@task(name="process-shard", cache_key_fn=shard_cache_key, persist_result=True)
def process_shard(files: list[str], config: PipelineConfig, out: str) -> str:
    """Read, extract, clean and sign one shard; reuse the stored result when unchanged.

    Prefect skips this body on a cache hit (same key, see ``flows/policies.py``); the check on
    disk below covers a Prefect result store that does not know the key.
    """
    logger = get_run_logger()
    store = OutputStore(out)
    key = content_key(files, config)
    folder = store.shard_dir(key)
    if is_done(folder):
        logger.info(
            "shard %s unchanged since an earlier run: reused %s (%s)",
            key[:12],
            folder,
            read_counts(folder).describe(),
        )
        return str(folder)
    started = time.perf_counter()
    result = _processor(config).process(files)
    write_shard(result, folder)
    logger.info(
        "shard %s processed in %.1f s: %s",
        key[:12],
        time.perf_counter() - started,
        result.counts.describe(),
    )
    return str(folder)


@task(
    name="deduplicate-and-publish",
    cache_policy=NO_CACHE,
    retry_condition_fn=retry_on_io_error,
    **IO_RETRIES,
)
def deduplicate_and_publish(
    shard_dirs: list[str], config: PipelineConfig, out: str, parameters: dict
) -> RunResult:
    """Cluster copies across all shards, write the next dataset version, publish it."""
    result = assemble_run(OutputStore(out), [Path(d) for d in shard_dirs], config, parameters)
    c = result.summary
    get_run_logger().info(
        "published version %d: %d articles, %d duplicates, %d rejects (%d already published)",
        result.version,
        c["articles"],
        c["duplicates"],
        c["rejects"],
        c["already_published"],
    )
    return result
