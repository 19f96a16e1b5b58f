"""Plain-text articles: one ``.txt`` file is one article."""

from __future__ import annotations

from collections.abc import Iterator

from tasks import reasons
from tasks.documents import InputRecord, Reject
from tasks.ingest.decode import DecodeError, decode_text


def read_text_bytes(source: str, raw: bytes) -> Iterator[InputRecord | Reject]:
    """Decode one text article; undecodable or empty content becomes a reject."""
    try:
        text, encoding = decode_text(raw)
    except DecodeError as exc:
        yield Reject(source, exc.reason, exc.detail, raw)
        return
    if not text.strip():
        yield Reject(source, reasons.EMPTY, "no text (empty or whitespace only)", raw)
        return
    yield InputRecord(source=source, raw=raw, text=text, meta={"encoding": encoding})
