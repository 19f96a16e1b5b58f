"""Retry and cache policies of the tasks, in one place.

Retries are for I/O that can heal (a network share that blinks, the API restarting): only
``OSError`` and HTTP errors are retried, with exponential backoff and jitter. A bug, a bad
argument or a missing input fails at once with its reason instead of being retried.

Shard caching is keyed on content: the key is the same one the on-disk shard cache in
``tasks/shard.py`` uses (every file's path and bytes plus the configuration fingerprint),
salted with the output folder the shard result lives in. An unchanged shard on the next
scheduled run is a Prefect cache hit (state "Cached" in the UI, the task body does not run);
when Prefect's result store does not have the key (another machine, a cleared PREFECT_HOME)
the task still finds the shard on disk and logs that it reused it.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import httpx
from prefect.tasks import exponential_backoff

from tasks.config import PipelineConfig
from tasks.shard import shard_key

IO_RETRIES: dict[str, Any] = {
    "retries": 3,
    "retry_delay_seconds": exponential_backoff(backoff_factor=2),  # 2, 4, 8 s
    "retry_jitter_factor": 0.5,
}
_TRANSIENT = (OSError, httpx.TransportError, httpx.HTTPStatusError, TimeoutError)


def is_transient(error: BaseException | None) -> bool:
    """Worth retrying: the same call may succeed a few seconds later."""
    return isinstance(error, _TRANSIENT) and not isinstance(
        error, FileNotFoundError | NotADirectoryError | PermissionError | IsADirectoryError
    )


def retry_on_io_error(task: Any, task_run: Any, state: Any) -> bool:
    """Prefect ``retry_condition_fn``: retry transient I/O errors only."""
    error = state.data if isinstance(state.data, BaseException) else None
    if error is None:
        try:
            error = state.result(raise_on_failure=False)
        except Exception as exc:  # the result itself could not be read back
            error = exc
    return is_transient(error if isinstance(error, BaseException) else None)


def shard_cache_key(context: Any, parameters: dict[str, Any]) -> str:
    """Prefect ``cache_key_fn`` of ``process-shard``: content of the shard + config + output."""
    key = content_key(parameters["files"], parameters["config"])
    out = str(Path(parameters["out"]).resolve())
    return hashlib.blake2b(f"{out}\0{key}".encode(), digest_size=16).hexdigest()


# (files, config fingerprint) -> (the files' stat stamps, key): the last few keys computed here.
_KEYS: dict[tuple, tuple[tuple, str]] = {}
_KEPT_KEYS = 8


def content_key(files: list[str], config: PipelineConfig) -> str:
    """:func:`~tasks.shard.shard_key`, hashing the files once per task run, not twice.

    Prefect computes the cache key in the worker right before the task body, which needs the
    same key for the shard's folder (hashing costs ~0.07 s CPU per 40 MB shard here).
    The remembered key is reused only while every file keeps its size, mtime and inode.
    """
    memo = (tuple(files), config.fingerprint())
    stamps = _stamps(files)
    known = _KEYS.get(memo)
    if stamps is not None and known is not None and known[0] == stamps:
        return known[1]
    key = shard_key(files, config)
    if stamps is not None:
        if len(_KEYS) >= _KEPT_KEYS:
            _KEYS.pop(next(iter(_KEYS)))
        _KEYS[memo] = (stamps, key)
    return key


def _stamps(files: list[str]) -> tuple | None:
    try:
        return tuple(
            (st.st_size, st.st_mtime_ns, st.st_ino, st.st_dev) for st in map(os.stat, files)
        )
    except OSError:
        return None  # unreadable files: hash every time, the key records why
