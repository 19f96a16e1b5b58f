"""The candidates' content hash is the BLAKE2b of the text's comparison key."""

from __future__ import annotations

import hashlib

from tasks.config import PipelineConfig
from tasks.normalize import comparison_key
from tasks.shard import ShardProcessor


def test_content_hash_is_blake2b_of_the_comparison_key(seeds_dir):
    files = sorted(str(p) for p in seeds_dir.iterdir() if p.is_file())
    candidates = ShardProcessor(PipelineConfig()).process(files).candidates.to_pylist()
    assert candidates
    for row in candidates:
        key = comparison_key(row["text"]).encode()
        assert row["content_hash"] == hashlib.blake2b(key, digest_size=16).hexdigest()
