"""Reading whole files: bounded reads sized by the file, and suffixes without pathlib."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tasks.ingest.formats import format_of, read_file_at_most


@pytest.mark.parametrize("size", [0, 1, 3000, 1 << 16, (1 << 16) + 7, (1 << 21) + 3])
@pytest.mark.parametrize("limit", [1, 2999, 3000, 3001, 1 << 20, 1 << 22])
def test_read_file_at_most_is_read_of_limit(tmp_path: Path, size: int, limit: int):
    path = tmp_path / "a.txt"
    path.write_bytes(bytes(range(256)) * (size // 256) + b"x" * (size % 256))
    with open(path, "rb") as handle:
        expected = handle.read(limit)
    assert read_file_at_most(str(path), limit) == expected


def test_read_file_at_most_reads_a_file_larger_than_its_size_said(tmp_path: Path, monkeypatch):
    """The size is a hint: a file that grew after it was measured is read to its end."""
    path = tmp_path / "growing.txt"
    path.write_bytes(b"a" * 100 + b"b" * 5000)
    real_fstat = os.fstat

    def stale_fstat(fd: int):
        st = real_fstat(fd)
        return os.stat_result((*st[:6], 100, *st[7:]))  # st_size as before the growth

    monkeypatch.setattr(os, "fstat", stale_fstat)
    assert read_file_at_most(str(path), 1 << 20) == b"a" * 100 + b"b" * 5000
    assert read_file_at_most(str(path), 3000) == b"a" * 100 + b"b" * 2900


@pytest.mark.parametrize("kind", ["missing", "directory"])
def test_read_file_at_most_fails_as_open_does(tmp_path: Path, kind: str):
    path = tmp_path / "entry.txt"
    if kind == "directory":
        path.mkdir()
    with pytest.raises(OSError) as opened, open(path, "rb") as handle:
        handle.read()
    with pytest.raises(OSError) as read:
        read_file_at_most(str(path), 1 << 20)
    assert type(read.value) is type(opened.value)
    assert str(read.value) == str(opened.value)


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
