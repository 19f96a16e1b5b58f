"""shard_key reads files with plain os calls; the key is the straightforward definition's."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from tasks.config import PipelineConfig
from tasks.shard import shard_key


def reference_key(files: list[str], config: PipelineConfig) -> str:
    """The definition: fingerprint, then each path, its bytes (or why not), a separator."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(config.fingerprint().encode())
    for path in files:
        digest.update(path.encode("utf-8", "surrogateescape") + b"\0")
        try:
            with open(path, "rb") as handle:
                digest.update(handle.read())
        except OSError as exc:
            digest.update(f"unreadable:{exc}".encode())
        digest.update(b"\1")
    return digest.hexdigest()


def test_same_key_as_the_definition_for_every_kind_of_entry(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_bytes(os.urandom((1 << 20) * 2 + 17))  # several reads
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    small = tmp_path / "ünïcode name.txt"
    small.write_text("Council approves the budget.\n")
    folder = tmp_path / "a-folder.txt"
    folder.mkdir()
    files = [str(big), str(empty), str(small), str(folder), str(tmp_path / "missing.txt")]
    config = PipelineConfig()
    assert shard_key(files, config) == reference_key(files, config)
    assert shard_key(files[:2], config) != shard_key(files[1:3], config)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.binary(max_size=5000), min_size=1, max_size=5))
def test_same_key_as_the_definition_for_any_content(tmp_path_factory, contents) -> None:
    folder = tmp_path_factory.mktemp("files")
    files = []
    for i, data in enumerate(contents):
        path = folder / f"{i}.txt"
        path.write_bytes(data)
        files.append(str(path))
    config = PipelineConfig()
    assert shard_key(files, config) == reference_key(files, config)
