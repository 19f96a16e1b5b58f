"""Retry and cache policies: what is retried, and what the shard cache key depends on."""

from __future__ import annotations

import httpx
from prefect.states import Completed, Failed

from flows.policies import is_transient, retry_on_io_error, shard_cache_key
from tasks.config import PipelineConfig


def test_transient_io_errors_are_retried_but_not_bugs_or_missing_paths():
    assert is_transient(ConnectionResetError())
    assert is_transient(OSError(5, "Input/output error"))
    assert is_transient(httpx.ConnectError("refused"))
    assert not is_transient(FileNotFoundError("gone"))
    assert not is_transient(PermissionError("read-only"))
    assert not is_transient(ValueError("bad value"))
    assert not is_transient(None)


def test_retry_condition_reads_the_exception_from_the_failed_state():
    assert retry_on_io_error(None, None, Failed(data=TimeoutError("slow share")))
    assert not retry_on_io_error(None, None, Failed(data=KeyError("column")))
    assert not retry_on_io_error(None, None, Completed(data=None))


def test_shard_cache_key_follows_file_content_config_and_output(tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("first article")
    b.write_text("second article")
    config = PipelineConfig()
    params = {"files": [str(a), str(b)], "config": config, "out": str(tmp_path / "out")}
    key = shard_cache_key(None, params)

    assert shard_cache_key(None, dict(params)) == key  # unchanged shard: same key
    a.write_text("first article, corrected")
    assert shard_cache_key(None, params) != key
    a.write_text("first article")
    assert shard_cache_key(None, params) == key
    assert shard_cache_key(None, params | {"out": str(tmp_path / "other")}) != key
    assert shard_cache_key(None, params | {"config": PipelineConfig(min_words=9)}) != key
    assert shard_cache_key(None, params | {"files": [str(b), str(a)]}) != key
