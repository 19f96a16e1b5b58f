"""CSV and TSV: a header row, then one article per row.

Rows are framed here rather than by running ``csv.reader`` over the whole stream: a row ends at
a line end where the row holds an even number of ``"`` (RFC 4180 doubles a quote inside a quoted
field, so an odd count means a quoted field is still open). Framing first bounds each row to
``max_bytes``, decodes each row on its own (one Windows-1252 row in a UTF-8 file costs that row
only), and lets a broken row be rejected while the rows after it are still read. An unbalanced
quote swallows the rest of the file into one rejected row, as it would in any CSV reader.

A record's source is ``path#N``, N the 1-based data row number (the header is not counted, nor
are blank rows). ``raw`` is the parsed row re-serialised as one comma-separated, minimally quoted
UTF-8 line, so a row keeps its ``doc_id`` whatever the file's delimiter, line ends or encoding.
The delimiter is ``,``, or ``;``, tab or ``|`` when the header has more of those; ``.tsv``: tab.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from tasks import reasons
from tasks.documents import InputRecord, Reject
from tasks.ingest.decode import DecodeError, decode_text
from tasks.ingest.fields import record_from_fields
from tasks.ingest.lines import Line, is_binary_stream, iter_lines
from tasks.ingest.options import ReadOptions
from tasks.ingest.stats import ReadStats

_DELIMITERS = (",", ";", "\t", "|")
_QUOTED = re.compile(r'"[^"]*"')


@dataclass(frozen=True, slots=True)
class _Frame:
    """The bytes of one CSV row (cut at ``max_bytes``) and its full size."""

    data: bytes
    size: int

    @property
    def oversized(self) -> bool:
        return self.size > len(self.data)


def read_csv(
    source: str,
    handle: BinaryIO,
    options: ReadOptions,
    stats: ReadStats,
    *,
    delimiter: str | None = None,
) -> Iterator[InputRecord | Reject]:
    """Yield one record or reject per data row; a bad row never stops the file."""
    if is_binary_stream(handle):
        yield Reject(source, reasons.BINARY, "content has NUL or control bytes: not CSV")
        return
    if csv.field_size_limit() < options.max_bytes:
        csv.field_size_limit(options.max_bytes)  # process-wide; rows are bounded by framing
    header: list[str] | None = None
    number = 0
    for frame in _frames(iter_lines(handle, options.max_bytes), options.max_bytes):
        rows: list[list[str] | Reject]
        if header is None:
            try:
                header, delimiter, rows = _header(frame, delimiter)
            except _BadHeader as exc:
                yield Reject(source, reasons.MALFORMED_RECORD, f"unreadable header row: {exc}")
                return
            if header is None:
                stats.skip("csv:blank_row")
                continue
        else:
            rows = _rows(frame, delimiter or ",", options.max_bytes)
        for row in rows:
            if isinstance(row, list) and len(row) <= 1 and not "".join(row).strip():
                stats.skip("csv:blank_row")
                continue
            number += 1
            where = f"{source}#{number}"
            if isinstance(row, Reject):
                yield Reject(where, row.reason, row.detail, row.raw)
            elif len(row) != len(header):
                detail = f"row has {len(row)} fields, header has {len(header)}"
                yield Reject(where, reasons.MALFORMED_RECORD, detail, _serialise(row))
            else:
                fields: dict[str, str] = {}
                for name, cell in zip(header, row, strict=True):
                    fields.setdefault(name, cell)
                yield record_from_fields(where, _serialise(row), fields, options)


def _frames(lines: Iterator[Line], max_bytes: int) -> Iterator[_Frame]:
    pieces: list[bytes] = []
    kept = size = quotes = 0
    for line in lines:
        size += line.size
        quotes += line.quotes
        if kept < max_bytes:
            piece = line.data[: max_bytes - kept]
            pieces.append(piece)
            kept += len(piece)
        if quotes % 2 == 0:
            yield _Frame(b"".join(pieces), size)
            pieces, kept, size, quotes = [], 0, 0, 0
    if size:  # an open quote at the end of the file: csv.reader reports it
        yield _Frame(b"".join(pieces), size)


class _BadHeader(ValueError):
    """The first row cannot be read: without names no row can be."""


def _header(
    frame: _Frame, delimiter: str | None
) -> tuple[list[str] | None, str | None, list[list[str] | Reject]]:
    """``(names, delimiter, rows left in the frame)``; names are ``None`` for a blank line."""
    if frame.oversized:
        raise _BadHeader(f"{frame.size} bytes, larger than max_bytes")
    try:
        text, _ = decode_text(frame.data)
    except DecodeError as exc:
        raise _BadHeader(exc.detail) from exc
    if not text.strip():
        return None, delimiter, []
    delimiter = delimiter or _sniff(text)
    try:
        first, *rest = _parse(text, delimiter)
    except csv.Error as exc:
        raise _BadHeader(str(exc)) from exc
    return [name.strip() for name in first], delimiter, list(rest)


def _rows(frame: _Frame, delimiter: str, max_bytes: int) -> list[list[str] | Reject]:
    """The rows in one frame: one, except after a stray quote in an unquoted field."""
    if frame.oversized:
        detail = f"row of {frame.size} bytes is larger than max_bytes={max_bytes}"
        return [Reject("", reasons.TOO_LARGE, detail, frame.data)]
    try:
        text, _ = decode_text(frame.data)
    except DecodeError as exc:
        return [Reject("", exc.reason, exc.detail, frame.data)]
    if not text.strip():
        return [[]]
    try:
        return list(_parse(text, delimiter))
    except csv.Error as exc:
        return [Reject("", reasons.MALFORMED_RECORD, f"invalid CSV row: {exc}", frame.data)]


def _parse(text: str, delimiter: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))


def _sniff(header: str) -> str:
    """The candidate delimiter seen most often outside quotes; ``,`` on a tie."""
    bare = _QUOTED.sub("", header)
    return max(_DELIMITERS, key=lambda d: (bare.count(d), d == ","))


def _serialise(row: list[str]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(row)
    return buffer.getvalue()[:-1].encode("utf-8", "surrogatepass")
