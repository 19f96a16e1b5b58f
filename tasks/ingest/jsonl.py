"""JSON Lines (``.jsonl``/``.ndjson``): one JSON object per line, one article per object.

Read line by line, so a file of any size streams; ``max_bytes`` bounds one line. A record's
source is ``path#N`` with N its 1-based line number (blank lines are counted but yield nothing,
so ``sed -n Np`` finds the line); ``raw`` is the line without its line terminator.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import BinaryIO

from tasks import reasons
from tasks.documents import InputRecord, Reject
from tasks.ingest.decode import DecodeError, decode_text
from tasks.ingest.fields import record_from_fields
from tasks.ingest.lines import is_binary_stream, iter_lines
from tasks.ingest.options import ReadOptions
from tasks.ingest.stats import ReadStats

_JSON_TYPES = {list: "array", str: "string", int: "number", float: "number", bool: "boolean"}
_JSON_TYPES[type(None)] = "null"


def read_jsonl(
    source: str, handle: BinaryIO, options: ReadOptions, stats: ReadStats
) -> Iterator[InputRecord | Reject]:
    """Yield one record or reject per non-blank line; a bad line never stops the file."""
    if is_binary_stream(handle):
        yield Reject(source, reasons.BINARY, "content has NUL or control bytes: not JSON Lines")
        return
    for line in iter_lines(handle, options.max_bytes):
        where = f"{source}#{line.number}"
        raw = line.data.rstrip(b"\r\n")
        if line.oversized:
            detail = f"line of {line.size} bytes is larger than max_bytes={options.max_bytes}"
            yield Reject(where, reasons.TOO_LARGE, detail, raw)
            continue
        if not raw.strip():
            stats.skip("jsonl:blank_line")
            continue
        yield _record(where, raw, options)


def _record(source: str, raw: bytes, options: ReadOptions) -> InputRecord | Reject:
    try:
        text, _ = decode_text(raw)
    except DecodeError as exc:
        return Reject(source, exc.reason, exc.detail, raw)
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        return Reject(source, reasons.MALFORMED_RECORD, f"invalid JSON: {exc}", raw)
    except RecursionError:
        return Reject(source, reasons.MALFORMED_RECORD, "invalid JSON: nested too deeply", raw)
    if not isinstance(value, dict):
        kind = _JSON_TYPES.get(type(value), type(value).__name__)
        return Reject(source, reasons.MALFORMED_RECORD, f"JSON {kind}, not an object", raw)
    return record_from_fields(source, raw, value, options)
