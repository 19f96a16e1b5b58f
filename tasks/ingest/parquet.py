"""Parquet: one article per row.

Rows are read in small batches with pyarrow, so memory follows one row group's column data,
not the file; ``max_bytes`` bounds one row's canonical JSON. A gzipped Parquet file (rare: the
format compresses its own pages) is first inflated into a temporary file, because Parquet reads
its footer first and gzip cannot seek backwards cheaply.

A record's source is ``path#N``, N the 1-based row number in the file. ``raw`` is the row as
canonical JSON (keys sorted, compact, UTF-8; timestamps ISO 8601; bytes as UTF-8 text or, when
not UTF-8, ``"base64:..."``), so the same row always gives the same ``doc_id``.
"""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import json
import shutil
import tempfile
from collections.abc import Iterator
from typing import Any, BinaryIO

import pyarrow as pa
import pyarrow.parquet as pq

from tasks import reasons
from tasks.documents import InputRecord, Reject
from tasks.ingest.errors import UnreadableInput
from tasks.ingest.fields import record_from_fields
from tasks.ingest.options import ReadOptions
from tasks.ingest.stats import ReadStats

_BATCH_ROWS = 64


def read_parquet(
    source: str, handle: BinaryIO, options: ReadOptions, stats: ReadStats
) -> Iterator[InputRecord | Reject]:
    """Yield one record or reject per row; a corrupt file ends in :class:`UnreadableInput`."""
    if isinstance(handle, gzip.GzipFile):
        with tempfile.TemporaryFile(prefix="newsclean-") as inflated:
            shutil.copyfileobj(handle, inflated, 1 << 20)
            inflated.seek(0)
            yield from _rows(source, inflated, options)  # type: ignore[arg-type]
    else:
        yield from _rows(source, handle, options)


def _rows(source: str, handle: BinaryIO, options: ReadOptions) -> Iterator[InputRecord | Reject]:
    number = 0
    try:
        batches = pq.ParquetFile(handle).iter_batches(batch_size=_BATCH_ROWS)
        for batch in batches:
            for row in batch.to_pylist():
                number += 1
                yield _record(f"{source}#{number}", row, options)
    except pa.ArrowException as exc:
        raise UnreadableInput(f"Parquet: {exc}") from exc


def _record(source: str, row: dict[str, Any], options: ReadOptions) -> InputRecord | Reject:
    raw = canonical_json(row)
    if len(raw) > options.max_bytes:
        detail = f"row of {len(raw)} bytes is larger than max_bytes={options.max_bytes}"
        return Reject(source, reasons.TOO_LARGE, detail, raw[: options.max_bytes])
    return record_from_fields(source, raw, row, options)


def canonical_json(row: dict[str, Any]) -> bytes:
    """The row as deterministic JSON bytes (the same values always give the same bytes)."""
    text = json.dumps(
        row, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_json_value
    )
    return text.encode("utf-8", "surrogatepass")


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return "base64:" + base64.b64encode(value).decode("ascii")
    return str(value)  # Decimal, timedelta and anything else: its canonical text
