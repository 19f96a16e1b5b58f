"""Bounded line reading for line-based containers (JSONL, CSV).

A container may be gigabytes and one line may be huge: a line is never held beyond ``max_bytes``.
A longer line is reported with its head and its size, and the rest of it is read and dropped.
UTF-16/32 files (recognised by their BOM) are re-encoded to UTF-8 line by line, so callers
always see ASCII-compatible bytes and can split on ``\\n`` and count ``"`` safely.
"""

from __future__ import annotations

import codecs
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from tasks.ingest.decode import looks_binary
from tasks.ingest.errors import UnreadableInput

_CHUNK = 1 << 16
_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


@dataclass(frozen=True, slots=True)
class Line:
    """One physical line: ``data`` keeps its terminator and is cut at ``max_bytes``."""

    number: int
    data: bytes
    size: int
    quotes: int

    @property
    def oversized(self) -> bool:
        return self.size > len(self.data)


def peek(handle: BinaryIO, size: int = 8192) -> bytes:
    """The first bytes of a stream without consuming them (buffered or seekable streams)."""
    peeker = getattr(handle, "peek", None)
    if peeker is not None:
        return peeker(size)[:size]
    position = handle.tell()
    head = handle.read(size)
    handle.seek(position)
    return head


def wide_encoding(head: bytes) -> str | None:
    """``utf-16``/``utf-32`` when the stream starts with such a BOM, else ``None``."""
    for bom, encoding in _WIDE_BOMS:
        if head.startswith(bom):
            return encoding
    return None


def is_binary_stream(handle: BinaryIO) -> bool:
    """True for content that is not text at all (checked on the first 8 KiB)."""
    head = peek(handle)
    return wide_encoding(head) is None and looks_binary(head)


def iter_lines(handle: BinaryIO, max_bytes: int) -> Iterator[Line]:
    """Yield the lines of a stream, each held to at most ``max_bytes``; a UTF-8 BOM is dropped."""
    encoding = wide_encoding(peek(handle, 4))
    chunks = _wide_chunks(handle, encoding) if encoding else _byte_chunks(handle)
    number = 0
    pieces: list[bytes] = []
    kept = size = quotes = 0
    for chunk, ends_line in chunks:
        if number == 0 and size == 0 and chunk.startswith(codecs.BOM_UTF8):
            chunk = chunk[len(codecs.BOM_UTF8) :]
        size += len(chunk)
        quotes += chunk.count(b'"')
        if kept < max_bytes:
            piece = chunk[: max_bytes - kept]
            pieces.append(piece)
            kept += len(piece)
        if ends_line:
            number += 1
            yield Line(number, b"".join(pieces), size, quotes)
            pieces, kept, size, quotes = [], 0, 0, 0
    if size:  # a last line without a terminator
        yield Line(number + 1, b"".join(pieces), size, quotes)


def _byte_chunks(handle: BinaryIO) -> Iterator[tuple[bytes, bool]]:
    """``(piece, ends_line)``: a line arrives in pieces of at most 64 KiB."""
    while True:
        piece = handle.readline(_CHUNK)
        if not piece:
            return
        yield piece, piece.endswith(b"\n")


def _wide_chunks(handle: BinaryIO, encoding: str) -> Iterator[tuple[bytes, bool]]:
    text = io.TextIOWrapper(handle, encoding=encoding, newline="\n")  # type: ignore[arg-type]
    try:
        while True:
            try:
                piece = text.readline(_CHUNK)
            except UnicodeDecodeError as exc:
                raise UnreadableInput(f"invalid {encoding} text: {exc.reason}") from exc
            if not piece:
                return
            yield piece.encode("utf-8", "surrogatepass"), piece.endswith("\n")
    finally:
        text.detach()
