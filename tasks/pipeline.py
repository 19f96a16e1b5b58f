"""The whole pipeline in one process, without Prefect.

The flow in ``flows/clean_news.py`` wires the same steps as Prefect tasks (with shards in
parallel); this sequential form serves tests, benchmarks and library users.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tasks.assemble import RunResult, assemble_run
from tasks.config import PipelineConfig
from tasks.ingest import discover
from tasks.shard import ShardProcessor, is_done, plan_shards, shard_key, write_shard
from tasks.store import OutputStore


def run_pipeline(
    inputs: Sequence[str],
    out: str | Path,
    config: PipelineConfig | None = None,
    *,
    shard_files: int = 4000,
    shard_bytes: int = 64 * 1024 * 1024,
    parameters: dict[str, Any] | None = None,
) -> RunResult:
    config = config or PipelineConfig()
    store = OutputStore(out)
    store.prepare()
    processor: ShardProcessor | None = None
    shard_dirs: list[Path] = []
    for files in plan_shards(discover(inputs), shard_files, shard_bytes):
        folder = store.shard_dir(shard_key(files, config))
        if not is_done(folder):
            processor = processor or ShardProcessor(config)
            write_shard(processor.process(files), folder)
        shard_dirs.append(folder)
    parameters = parameters or {"inputs": list(inputs), "out": str(out)}
    return assemble_run(store, shard_dirs, config, parameters)
