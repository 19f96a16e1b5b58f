"""Bytes to text without guessing wrong silently.

News text arrives as UTF-8 most of the time, Windows-1252/Latin-1 often, UTF-16 now and then.
We accept a BOM, then strict UTF-8, then Windows-1252 (falling back to Latin-1 for the five
bytes cp1252 leaves undefined). Binary content is refused rather than decoded into garbage.
"""

from __future__ import annotations

import codecs

from tasks import reasons

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Control characters that never appear in text (tab, newline, CR, form feed are fine).
_CONTROL = frozenset(range(0x20)) - {0x09, 0x0A, 0x0C, 0x0D}
# Every byte but those: deleting them leaves the control bytes to count (in C, not per byte).
_NOT_CONTROL = bytes(b for b in range(256) if b not in _CONTROL)
_BINARY_CONTROL_RATIO = 0.01


class DecodeError(ValueError):
    """Raised with a stable reason code when bytes are not text."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def decode_text(raw: bytes) -> tuple[str, str]:
    """Return ``(text, encoding)`` or raise :class:`DecodeError`."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            try:
                return raw.decode(encoding), encoding
            except UnicodeDecodeError as exc:
                raise DecodeError(reasons.UNDECODABLE, f"bad {encoding}: {exc.reason}") from exc
    if looks_binary(raw):
        raise DecodeError(reasons.BINARY, "content has NUL or control bytes: not text")
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return raw.decode("latin-1"), "latin-1"


def looks_binary(raw: bytes, sample: int = 8192) -> bool:
    """NUL bytes or more than 1% control characters in the first 8 KiB."""
    head = raw[:sample]
    if not head:
        return False
    if b"\x00" in head:
        return True
    controls = len(head.translate(None, _NOT_CONTROL))
    return controls / len(head) > _BINARY_CONTROL_RATIO
