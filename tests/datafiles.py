"""Hashes of a published dataset's Parquet files, for byte-identity checks."""

from __future__ import annotations

import hashlib
from pathlib import Path

DATASETS = ("articles", "duplicates", "removed_lines", "rejects")


def data_files(out: Path) -> dict[str, str]:
    """Published Parquet files (through the user-facing links) and their SHA-256."""
    files = {}
    for name in DATASETS:
        for path in sorted((out / name).rglob("*.parquet")):
            files[str(path.relative_to(out))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return files
