"""Dispatch a file to the reader for its format, by suffix; ``.gz`` is handled here.

Two kinds of reader. *Whole-file* readers (``.txt``, ``.html``/``.htm``: one file is one
article) get the file's bytes, and ``max_bytes`` bounds the file. *Container* readers
(``.jsonl``/``.ndjson``, ``.csv``/``.tsv``, ``.parquet``, ``.warc``/``.arc``) get an open binary
stream and ``max_bytes`` bounds one record, so a container of any size streams through.

Sources: a whole file is ``path``; a record in a container is ``path#N``, N counted from 1 as each
reader's module says (JSONL: line number; CSV: data row; Parquet: row; WARC: record ordinal).
A file-level reject (unreadable, unsupported, truncated, empty) has source ``path``.
"""

from __future__ import annotations

import gzip
import os
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import BinaryIO

from tasks import reasons
from tasks.documents import InputRecord, Reject
from tasks.ingest.delimited import read_csv
from tasks.ingest.errors import UnreadableInput
from tasks.ingest.html import read_html_bytes
from tasks.ingest.jsonl import read_jsonl
from tasks.ingest.options import ReadOptions
from tasks.ingest.parquet import read_parquet
from tasks.ingest.stats import ReadStats
from tasks.ingest.text import read_text_bytes
from tasks.ingest.warc import read_warc

Item = InputRecord | Reject
WholeReader = Callable[[str, bytes, ReadOptions], Iterator[Item]]
StreamReader = Callable[[str, BinaryIO, ReadOptions, ReadStats], Iterator[Item]]

# What may break while a file is read; anything else is a bug and is raised.
_READ_FAILURES = (OSError, EOFError, zlib.error, UnreadableInput)
_UNSUPPORTED_HEAD = 64 * 1024


@dataclass(frozen=True, slots=True)
class Format:
    """A reader and how to feed it: ``whole`` bytes, or a ``stream`` per record.

    ``own_gzip``: the reader takes the file still compressed (WARC is gzipped per record and
    warcio needs the member boundaries).
    """

    whole: WholeReader | None = None
    stream: StreamReader | None = None
    own_gzip: bool = False


def _text(source: str, raw: bytes, options: ReadOptions) -> Iterator[Item]:
    return read_text_bytes(source, raw)


def _html(source: str, raw: bytes, options: ReadOptions) -> Iterator[Item]:
    return read_html_bytes(source, raw)


_WARC = Format(stream=read_warc, own_gzip=True)
FORMATS: dict[str, Format] = {
    ".txt": Format(whole=_text),
    ".html": Format(whole=_html),
    ".htm": Format(whole=_html),
    ".jsonl": Format(stream=read_jsonl),
    ".ndjson": Format(stream=read_jsonl),
    ".csv": Format(stream=read_csv),
    ".tsv": Format(stream=partial(read_csv, delimiter="\t")),
    ".parquet": Format(stream=read_parquet),
    ".warc": _WARC,
    ".arc": _WARC,
}


def format_of(path: str) -> tuple[str, bool]:
    """``(suffix, gzipped)`` for a path: ``a.jsonl.gz`` is ``(".jsonl", True)``."""
    name = os.path.basename(path)
    # The same as Path(path).suffixes (that object costs more than reading a small file), but
    # where pathlib's name differs: a trailing "/" or "." part.
    parts = Path(path).suffixes if name in ("", ".") else _suffixes(name)
    suffixes = [s.lower() for s in parts]
    gzipped = bool(suffixes) and suffixes[-1] == ".gz"
    if gzipped:
        suffixes = suffixes[:-1]
    return (suffixes[-1] if suffixes else ""), gzipped


def _suffixes(name: str) -> list[str]:
    """``PurePath.suffixes`` of a file name (same rules: a leading dot starts no suffix)."""
    if name.endswith("."):
        return []
    return ["." + suffix for suffix in name.lstrip(".").split(".")[1:]]


def read_path(
    path: str, options: ReadOptions | None = None, *, stats: ReadStats | None = None
) -> Iterator[Item]:
    """Yield the records of one file; any failure becomes a reject, never an exception.

    A file that yields nothing else yields one ``input_empty`` reject, so every input file shows
    up in the output. Entries skipped on purpose are counted in ``stats`` when given.
    """
    options = options or ReadOptions()
    local = ReadStats()
    suffix, gzipped = format_of(path)
    fmt = FORMATS.get(suffix)
    count = 0
    try:
        if fmt is None:
            yield _unsupported(path, suffix, gzipped)
            return
        try:
            for item in _read(path, fmt, gzipped, options, local):
                count += 1
                yield item
        except _READ_FAILURES as exc:
            where = f" ({count} read before)" if fmt.stream and count else ""
            count += 1
            yield Reject(path, reasons.READ_ERROR, f"{_describe(exc)}{where}")
            return
        if count == 0:
            skipped = f" ({local.total_skipped} entries skipped)" if local.total_skipped else ""
            yield Reject(path, reasons.EMPTY, f"no records in file{skipped}")
    finally:
        if stats is not None:
            stats += local


def _read(
    path: str, fmt: Format, gzipped: bool, options: ReadOptions, stats: ReadStats
) -> Iterator[Item]:
    if fmt.whole is not None:
        try:
            raw = _read_bounded(path, options.max_bytes, gzipped)
        except _TooLarge as exc:
            yield Reject(path, reasons.TOO_LARGE, str(exc), exc.head)
            return
        yield from fmt.whole(path, raw, options)
        return
    assert fmt.stream is not None
    opener = gzip.open if gzipped and not fmt.own_gzip else open
    with opener(path, "rb") as handle:
        yield from fmt.stream(path, handle, options, stats)  # type: ignore[arg-type]


def _unsupported(path: str, suffix: str, gzipped: bool) -> Reject:
    detail = f"no reader for '{suffix or 'no suffix'}' files"
    try:
        opener = gzip.open if gzipped else open
        with opener(path, "rb") as handle:
            head = handle.read(_UNSUPPORTED_HEAD)
    except _READ_FAILURES:
        head = b""
    return Reject(path, reasons.UNSUPPORTED_FORMAT, detail, head)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, UnreadableInput):
        return str(exc)
    if isinstance(exc, EOFError | zlib.error | gzip.BadGzipFile):
        return f"truncated or corrupt gzip: {exc}"
    return f"{type(exc).__name__}: {exc}"


def read_file_at_most(path: str, limit: int) -> bytes:
    """``open(path, "rb").read(limit)`` in plain ``os`` calls, sized by the file.

    ``read(limit)`` allocates ``limit`` bytes before reading (64 MiB for the default
    ``max_bytes``), and a buffered file object cost about as much as the rest of reading a 3 KB
    article. The file's size is only a hint (a file can grow while read): reading goes on to
    the end of the file or ``limit``. Errors say what ``open`` would say (a directory fails at
    ``read`` here).
    """
    fd = os.open(path, os.O_RDONLY)
    try:
        parts = [os.read(fd, min(limit, os.fstat(fd).st_size + 1))]
        total = len(parts[0])
        while total < limit and parts[-1]:
            parts.append(os.read(fd, min(limit - total, 1 << 20)))
            total += len(parts[-1])
    except OSError as exc:
        if exc.filename is None:
            raise OSError(exc.errno, exc.strerror, path) from None
        raise
    finally:
        os.close(fd)
    return parts[0] if len(parts) == 1 else b"".join(parts)


class _TooLarge(Exception):
    def __init__(self, message: str, head: bytes) -> None:
        super().__init__(message)
        self.head = head


def _read_bounded(path: str, max_bytes: int, gzipped: bool) -> bytes:
    if gzipped:
        with gzip.open(path, "rb") as handle:
            data = handle.read(max_bytes + 1)
    else:
        data = read_file_at_most(path, max_bytes + 1)
    if len(data) > max_bytes:
        raise _TooLarge(f"larger than max_bytes={max_bytes}", data[:max_bytes])
    return data
