"""content_key: the shard key hashed once per task run, and never stale."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from flows import policies
from tasks.config import PipelineConfig
from tasks.shard import shard_key


def pages(tmp_path: Path, n: int = 3) -> list[str]:
    paths = []
    for i in range(n):
        path = tmp_path / f"{i}.html"
        path.write_text(f"<html><body><p>page {i}</p></body></html>")
        paths.append(str(path))
    return paths


def test_same_key_as_shard_key_and_hashed_once(tmp_path: Path, monkeypatch) -> None:
    files, config = pages(tmp_path), PipelineConfig()
    hashed = []
    monkeypatch.setattr(policies, "shard_key", lambda f, c: hashed.append(1) or shard_key(f, c))
    first = policies.content_key(files, config)
    assert first == shard_key(files, config)
    assert policies.content_key(list(files), config) == first
    assert len(hashed) == 1


@pytest.mark.parametrize("change", ["content", "same-size content", "file list"])
def test_a_changed_shard_gets_a_new_key(tmp_path: Path, change: str) -> None:
    files, config = pages(tmp_path), PipelineConfig()
    before = policies.content_key(files, config)
    if change == "content":
        Path(files[1]).write_text("<html><body><p>a longer, different page</p></body></html>")
    elif change == "same-size content":
        stat = os.stat(files[1])
        Path(files[1]).write_text(Path(files[1]).read_text().replace("page", "PAGE"))
        os.utime(files[1], ns=(stat.st_atime_ns, stat.st_mtime_ns + 1))
    else:
        files = files[:2]
    after = policies.content_key(files, config)
    assert after != before
    assert after == shard_key(files, config)


def test_unreadable_files_are_hashed_every_time(tmp_path: Path) -> None:
    files = [*pages(tmp_path), str(tmp_path / "missing.html")]
    config = PipelineConfig()
    assert policies.content_key(files, config) == shard_key(files, config)
    assert (tuple(files), config.fingerprint()) not in policies._KEYS
