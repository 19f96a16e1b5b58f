"""Parquet: one record per row (``path#row``), streamed by batch, ``raw`` as canonical JSON."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from tasks import reasons
from tasks.documents import InputRecord, Reject
from tasks.ingest import ReadOptions, read_path

ROWS = [
    {
        "url": "https://harbour.example/news/cruise-terminal",
        "headline": "Cruise terminal plan approved",
        "date_publish": dt.datetime(2024, 5, 2, 14, 30, tzinfo=dt.UTC),
        "authors": ["Ines Duarte"],
        "maintext": "The port authority approved a new cruise terminal on Thursday.",
        "raw_html": None,
    },
    {
        "url": "https://harbour.example/news/fish-market",
        "headline": "Fish market extends hours",
        "date_publish": dt.datetime(2024, 5, 3, 9, 0, tzinfo=dt.UTC),
        "authors": [],
        "maintext": None,
        "raw_html": b"<html><body><p>The fish market will open at 5 a.m.</p></body></html>",
    },
    {
        "url": "https://harbour.example/gallery/regatta",
        "headline": "Regatta in pictures",
        "date_publish": None,
        "authors": None,
        "maintext": None,
        "raw_html": None,
    },
]
SCHEMA = pa.schema(
    [
        ("url", pa.string()),
        ("headline", pa.string()),
        ("date_publish", pa.timestamp("us", tz="UTC")),
        ("authors", pa.list_(pa.string())),
        ("maintext", pa.string()),
        ("raw_html", pa.binary()),
    ]
)


def write(path: Path, rows: list[dict], **kwargs) -> Path:
    pq.write_table(pa.Table.from_pylist(rows, schema=SCHEMA), path, **kwargs)
    return path


def test_rows_become_records_with_meta(tmp_path: Path):
    path = write(tmp_path / "news.parquet", ROWS)
    first, second, third = read_path(str(path))
    assert isinstance(first, InputRecord)
    assert first.source == f"{path}#1"
    assert first.text == "The port authority approved a new cruise terminal on Thursday."
    assert first.meta == {
        "url": "https://harbour.example/news/cruise-terminal",
        "title": "Cruise terminal plan approved",
        "published": "2024-05-02T14:30:00+00:00",
        "author": "Ines Duarte",
    }
    assert isinstance(second, InputRecord)
    assert second.html.startswith("<html><body><p>The fish market")
    assert second.text is None
    assert isinstance(third, Reject)
    assert third.reason == reasons.EMPTY
    assert third.source == f"{path}#3"


def test_raw_is_canonical_json_and_stable(tmp_path: Path):
    a = write(tmp_path / "a.parquet", ROWS[:1])
    b = write(tmp_path / "b.parquet", ROWS[:1], compression="gzip")
    (ra,), (rb,) = read_path(str(a)), read_path(str(b))
    assert ra.raw == rb.raw
    decoded = json.loads(ra.raw)
    assert list(decoded) == sorted(decoded)
    assert decoded["date_publish"] == "2024-05-02T14:30:00+00:00"
    assert b'": ' not in ra.raw  # compact separators
    assert b'", "' not in ra.raw


def test_many_row_groups_stream_in_order(tmp_path: Path):
    rows = [dict(ROWS[0], maintext=f"Article number {n}.") for n in range(1, 301)]
    path = write(tmp_path / "many.parquet", rows, row_group_size=40)
    items = list(read_path(str(path)))
    assert [i.text for i in items] == [f"Article number {n}." for n in range(1, 301)]
    assert items[-1].source == f"{path}#300"


def test_row_without_content_column(tmp_path: Path):
    path = tmp_path / "no_text.parquet"
    pq.write_table(pa.table({"url": ["https://x.example/1"], "views": [12]}), path)
    (reject,) = read_path(str(path))
    assert reject.reason == reasons.NO_TEXT_FIELD


def test_too_large_row_is_rejected_and_others_read(tmp_path: Path):
    rows = [dict(ROWS[0], maintext="x" * 5000), ROWS[0]]
    path = write(tmp_path / "big.parquet", rows)
    big, small = read_path(str(path), ReadOptions(max_bytes=2000))
    assert big.reason == reasons.TOO_LARGE
    assert len(big.raw) == 2000
    assert isinstance(small, InputRecord)


def test_corrupt_and_truncated_files_are_read_errors(tmp_path: Path):
    good = write(tmp_path / "good.parquet", ROWS).read_bytes()
    corrupt, truncated = tmp_path / "corrupt.parquet", tmp_path / "truncated.parquet"
    corrupt.write_bytes(b"this is not parquet at all" * 10)
    truncated.write_bytes(good[: len(good) // 2])
    for path in (corrupt, truncated):
        (reject,) = read_path(str(path))
        assert reject.reason == reasons.READ_ERROR
        assert reject.source == str(path)
        assert "Parquet" in reject.detail
