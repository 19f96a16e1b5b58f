"""Any format may be gzipped; containers stream, and a cut gzip keeps the records before the cut."""

from __future__ import annotations

import gzip
import json
import shutil
import tracemalloc
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tasks import reasons
from tasks.documents import InputRecord, Reject
from tasks.ingest import ReadOptions, read_path

FIXTURES = Path(__file__).parent / "fixtures" / "inputs"


def gzip_copy(source: Path, target: Path) -> Path:
    target.write_bytes(gzip.compress(source.read_bytes()))
    return target


def without_path(items, path: Path) -> list[tuple]:
    """Items with their source made path-independent, for comparing two files."""
    out = []
    for item in items:
        suffix = item.source[len(str(path)) :]
        if isinstance(item, Reject):
            out.append(("reject", suffix, item.reason, item.raw))
        else:
            out.append(("record", suffix, item.text, item.html, item.raw, item.meta))
    return out


@pytest.mark.parametrize(
    "fixture", ["council_budget.html", "cafe_port_cp1252.html", "news_please.jsonl", "articles.csv"]
)
def test_gzipped_file_reads_like_the_plain_one(tmp_path: Path, fixture: str):
    plain = FIXTURES / fixture
    zipped = gzip_copy(plain, tmp_path / (fixture + ".gz"))
    assert without_path(read_path(str(zipped)), zipped) == without_path(
        read_path(str(plain)), plain
    )


def test_gzipped_text_and_parquet(tmp_path: Path):
    text = tmp_path / "story.txt"
    text.write_text("A short story about the harbour.\n")
    (record,) = read_path(str(gzip_copy(text, tmp_path / "story.txt.gz")))
    assert record.text == "A short story about the harbour.\n"
    table = tmp_path / "t.parquet"
    pq.write_table(pa.table({"text": ["one", "two"], "url": ["u1", "u2"]}), table)
    zipped = gzip_copy(table, tmp_path / "t.parquet.gz")
    assert [(r.source, r.text) for r in read_path(str(zipped))] == [
        (f"{zipped}#1", "one"),
        (f"{zipped}#2", "two"),
    ]


def jsonl_lines(count: int) -> bytes:
    rows = (
        json.dumps({"url": f"https://x.example/{n}", "text": f"Article {n}. " + "word " * 80})
        for n in range(1, count + 1)
    )
    return ("\n".join(rows) + "\n").encode()


def test_truncated_gzip_keeps_records_read_so_far(tmp_path: Path):
    data = gzip.compress(jsonl_lines(5000))
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(data[: len(data) * 3 // 4])
    *records, last = read_path(str(path))
    assert len(records) > 1000
    assert all(isinstance(r, InputRecord) for r in records)
    assert [r.source for r in records] == [f"{path}#{n}" for n in range(1, len(records) + 1)]
    assert last.reason == reasons.READ_ERROR
    assert last.source == str(path)
    assert "truncated or corrupt gzip" in last.detail
    assert f"({len(records)} read before)" in last.detail


@pytest.mark.parametrize("name", ["cut.html.gz", "cut.csv.gz"])
def test_truncated_gzip_of_other_formats(tmp_path: Path, name: str):
    source = FIXTURES / ("council_budget.html" if name.endswith(".html.gz") else "articles.csv")
    data = gzip.compress(source.read_bytes())
    path = tmp_path / name
    path.write_bytes(data[:-20])
    items = list(read_path(str(path)))
    assert items[-1].reason == reasons.READ_ERROR


def test_not_gzip_at_all(tmp_path: Path):
    path = tmp_path / "fake.jsonl.gz"
    path.write_bytes(b'{"text": "I am not compressed"}\n')
    (reject,) = read_path(str(path))
    assert reject.reason == reasons.READ_ERROR


def test_container_streams_max_bytes_bounds_one_record(tmp_path: Path):
    """A JSONL.gz far larger than max_bytes is read whole, with bounded memory."""
    data = jsonl_lines(20_000)  # about 9 MB uncompressed
    path = tmp_path / "big.jsonl.gz"
    path.write_bytes(gzip.compress(data))
    options = ReadOptions(max_bytes=64 * 1024)
    tracemalloc.start()
    try:
        count = sum(1 for item in read_path(str(path), options) if isinstance(item, InputRecord))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 20_000
    assert len(data) > 100 * options.max_bytes
    assert peak < 2 * 1024 * 1024, f"peak {peak} bytes while streaming {len(data)} bytes"


def test_uncompressed_copy_for_reference(tmp_path: Path):
    """The same path rules apply without .gz (guards the suffix parsing)."""
    target = tmp_path / "articles.v2.csv"
    shutil.copy(FIXTURES / "articles.csv", target)
    assert len(list(read_path(str(target)))) == 5
