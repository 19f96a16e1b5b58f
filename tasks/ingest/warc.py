"""WARC and ARC archives: each HTML response is one article still to extract.

warcio's ``ArchiveIterator`` streams the records (gzipped per record, as crawlers write them, or
plain; ARC records are read as WARC). A whole-file gzip (one member holding many records, which
warcio refuses) is read by falling back to a gzip stream. ``max_bytes`` bounds one payload.

A record's source is ``path#N``, N the 1-based ordinal of the record among *all* records of the
file (``warcinfo`` and ``request`` records included, as ``warcio index`` lists them), so the
numbers of articles have gaps. Only ``response`` records with a 2xx HTTP status and an HTML
``Content-Type`` (or none, and a payload that starts like HTML) become records; ``raw`` is the
HTTP body (de-chunked and de-compressed), ``meta`` holds ``url`` (WARC-Target-URI), ``fetched``
and ``published`` (both WARC-Date: the crawl time stands in for the publication date until
extraction finds one on the page) and ``encoding``. Everything else is counted in
:class:`ReadStats` as ``warc:<record type>``, ``warc:response:non_html``,
``warc:response:http_4xx`` (per status class) or ``warc:response:non_http``.

warcio stops silently on a cut archive; a record shorter than its Content-Length, or bytes left
unparsed after the last record, raise :class:`UnreadableInput` here instead.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from tasks import reasons
from tasks.documents import InputRecord, Reject
from tasks.ingest.decode import DecodeError
from tasks.ingest.errors import UnreadableInput
from tasks.ingest.html import decode_html
from tasks.ingest.options import ReadOptions
from tasks.ingest.stats import ReadStats

_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_HTML_STARTS = (b"<!doctype html", b"<html", b"<head", b"<body")
_DRAIN = 1 << 16


@dataclass(slots=True)
class _Progress:
    records: int = 0
    archive_offset: int | None = None


class _WholeFileGzip(Exception):
    """warcio met a single gzip member spanning several records."""


def read_warc(
    source: str, handle: BinaryIO, options: ReadOptions, stats: ReadStats
) -> Iterator[InputRecord | Reject]:
    """Yield a record or reject per HTML response; ``handle`` is the file, still compressed."""
    progress = _Progress()
    try:
        yield from _records(source, handle, options, stats, progress, resume_after=0)
        _check_fully_read(handle, progress)
    except _WholeFileGzip:
        handle.seek(0)
        guarded = _EofGuard(gzip.GzipFile(fileobj=handle, mode="rb"))
        done = progress.records
        yield from _records(source, guarded, options, stats, progress, resume_after=done)
        if guarded.error is not None:
            raise UnreadableInput(
                f"gzip stream cut short after WARC record {progress.records}: {guarded.error}"
            ) from guarded.error


def _records(
    source: str,
    stream: Any,
    options: ReadOptions,
    stats: ReadStats,
    progress: _Progress,
    *,
    resume_after: int,
) -> Iterator[InputRecord | Reject]:
    archive = ArchiveIterator(stream, arc2warc=True)
    number = 0
    while True:
        try:
            record = next(archive)
        except StopIteration:
            break
        except ArchiveLoadFailed as exc:
            if "non-chunked gzip" in str(exc) and resume_after == 0:
                raise _WholeFileGzip from exc
            raise UnreadableInput(f"WARC record {number + 1}: {_first_line(exc)}") from exc
        except Exception as exc:  # warcio fails in many ways on damaged framing
            raise UnreadableInput(f"WARC record {number + 1}: {type(exc).__name__}: {exc}") from exc
        number += 1
        if not (record.rec_headers.get_header("Content-Length") or "").strip().isdigit():
            # warcio reads any 5-word line as an ARC header: text is not an archive.
            raise UnreadableInput(f"WARC record {number}: no valid Content-Length, not an archive")
        if number <= resume_after:
            continue
        progress.records = number
        outcome = _item(f"{source}#{number}", record, options)
        _drain(record, number)  # before counting: a cut record is a read error, not a skip
        if isinstance(outcome, str):
            stats.skip(outcome)
        else:
            yield outcome
    progress.archive_offset = archive.offset


def _item(source: str, record: Any, options: ReadOptions) -> InputRecord | Reject | str:
    """The article in one record, a reject, or the kind of record skipped."""
    if record.rec_type != "response":
        return f"warc:{record.rec_type}"
    http = record.http_headers
    if http is None:
        return "warc:response:non_http"
    status = http.get_statuscode() or ""
    if not status.startswith("2"):
        return f"warc:response:http_{status[:1] or 'unknown'}xx"
    content_type = http.get_header("Content-Type")
    if content_type is not None and _media_type(content_type) not in _HTML_TYPES:
        return "warc:response:non_html"
    try:
        payload = record.content_stream().read(options.max_bytes + 1)
    except Exception as exc:  # a bad chunked or compressed body spoils this record only
        return Reject(source, reasons.READ_ERROR, f"HTTP body: {type(exc).__name__}: {exc}")
    if content_type is None and not payload.lstrip()[:32].lower().startswith(_HTML_STARTS):
        return "warc:response:non_html"
    if len(payload) > options.max_bytes:
        detail = f"HTTP body larger than max_bytes={options.max_bytes}"
        return Reject(source, reasons.TOO_LARGE, detail, payload[: options.max_bytes])
    try:
        html, encoding = decode_html(payload, content_type)
    except DecodeError as exc:
        return Reject(source, exc.reason, exc.detail, payload)
    if not html.strip():
        return Reject(source, reasons.EMPTY, "empty HTTP body", payload)
    date = record.rec_headers.get_header("WARC-Date")
    meta: dict[str, str | None] = {
        "url": _target_uri(record),
        "published": date,
        "fetched": date,
        "encoding": encoding,
    }
    return InputRecord(source=source, raw=payload, html=html, meta=meta)


def _drain(record: Any, number: int) -> None:
    """Read the record to its end; fewer bytes than its Content-Length means a cut file."""
    raw = record.raw_stream
    try:
        while raw.read(_DRAIN):
            pass
    except Exception as exc:
        raise UnreadableInput(f"WARC record {number}: {type(exc).__name__}: {exc}") from exc
    missing = getattr(raw, "limit", 0)
    if missing > 0:
        raise UnreadableInput(f"WARC record {number} cut short: {missing} bytes missing")


def _check_fully_read(handle: BinaryIO, progress: _Progress) -> None:
    """warcio ends quietly inside a cut gzip member: compare where it stopped with the size."""
    offset = progress.archive_offset
    if offset is None:
        return
    size = handle.seek(0, 2)
    if offset >= size:
        return
    handle.seek(offset)
    rest = handle.read(_DRAIN)
    if rest.strip():
        detail = f"{size - offset} bytes after WARC record {progress.records} could not be read"
        raise UnreadableInput(detail)


class _EofGuard:
    """Remembers the ``EOFError`` of a cut gzip stream, which warcio takes for a clean end."""

    def __init__(self, stream: gzip.GzipFile) -> None:
        self.stream = stream
        self.error: EOFError | None = None

    def read(self, size: int = -1) -> bytes:
        try:
            return self.stream.read(size)
        except EOFError as exc:
            self.error = exc
            raise

    def tell(self) -> int:
        return self.stream.tell()


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def _target_uri(record: Any) -> str | None:
    uri = record.rec_headers.get_header("WARC-Target-URI")
    return uri.strip().strip("<>") if uri else None


def _first_line(exc: Exception) -> str:
    return next((line.strip() for line in str(exc).splitlines() if line.strip()), repr(exc))
