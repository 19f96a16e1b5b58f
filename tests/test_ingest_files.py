"""Reading whole files: bounded reads sized by the file, and suffixes without pathlib."""

from __future__ import annotations

from pathlib import Path

import pytest

from tasks.ingest.formats import format_of, read_at_most


@pytest.mark.parametrize("size", [0, 1, 3000, 1 << 16, (1 << 16) + 7])
@pytest.mark.parametrize("limit", [1, 2999, 3000, 3001, 1 << 20])
def test_read_at_most_is_read_of_limit(tmp_path: Path, size: int, limit: int):
    path = tmp_path / "a.txt"
    path.write_bytes(bytes(range(256)) * (size // 256) + b"x" * (size % 256))
    with open(path, "rb") as handle:
        expected = handle.read(limit)
    with open(path, "rb") as handle:
        assert read_at_most(handle, limit) == expected


def test_read_at_most_reads_a_file_that_grew_after_it_was_opened(tmp_path: Path):
    path = tmp_path / "growing.txt"
    path.write_bytes(b"a" * 100)
    with open(path, "rb") as handle, open(path, "ab") as writer:
        writer.write(b"b" * 5000)
        writer.flush()
        # The size hint may be taken before or after the growth: either way, all of it.
        assert read_at_most(handle, 1 << 20) == b"a" * 100 + b"b" * 5000


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("a.txt", (".txt", False)),
        ("dir/b.TXT.gz", (".txt", True)),
        ("dir.d/file", ("", False)),
        (".bashrc", ("", False)),
        ("a/.hidden.jsonl", (".jsonl", False)),
        ("x.", ("", False)),
        ("..txt", ("", False)),
        ("a..b", (".b", False)),
        ("a.tar.gz.", ("", False)),
        ("a/b.txt/", (".txt", False)),
        ("a/.", ("", False)),
        ("/", ("", False)),
    ],
)
def test_format_of(path: str, expected: tuple[str, bool]):
    assert format_of(path) == expected
