"""Bytes to text without guessing wrong silently.

News text arrives as UTF-8 most of the time, Windows-1252/Latin-1 often, UTF-16 or a national
code page (cp1251, GB18030...) now and then. In order:

1. a BOM says what the bytes are;
2. UTF-16 without a BOM shows as one of every two bytes taking only a few values;
3. binary content is refused rather than decoded into garbage;
4. strict UTF-8;
5. UTF-8 with a few stray bytes (a Windows-1252 ``’`` pasted into a UTF-8 page, a file cut in
   the middle of a character) stays UTF-8: each stray byte is read as Windows-1252, instead of
   turning every accented letter of the document into mojibake;
6. otherwise a legacy encoding, guessed by :mod:`tasks.ingest.legacy`.
"""

from __future__ import annotations

import codecs

from tasks import reasons
from tasks.ingest.legacy import decode_legacy

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
_SAMPLE = 8192
# BOM-less UTF-16 of an alphabetic script: at most this many distinct high bytes.
_WIDE_HIGH_BYTES = 6
_TEXT_CONTROLS = frozenset(chr(c) for c in _CONTROL)
_STRAY_ERRORS = "newsclean-stray-cp1252"
_UTF8_WITH_STRAY_BYTES = "utf-8+cp1252"


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
    wide = utf16_without_bom(raw)
    if wide is not None:
        return raw.decode(wide), wide
    if looks_binary(raw):
        raise DecodeError(reasons.BINARY, "content has NUL or control bytes: not text")
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if mostly_utf8(raw):
        return raw.decode("utf-8", _STRAY_ERRORS), _UTF8_WITH_STRAY_BYTES
    decoded = decode_legacy(raw)
    if decoded is None:
        raise DecodeError(reasons.UNDECODABLE, "not UTF-8, and no legacy encoding reads as text")
    return decoded


def looks_binary(raw: bytes, sample: int = _SAMPLE) -> bool:
    """NUL bytes or more than 1% control characters in the first 8 KiB."""
    head = raw[:sample]
    if not head:
        return False
    if b"\x00" in head:
        return True
    controls = len(head.translate(None, _NOT_CONTROL))
    return controls / len(head) > _BINARY_CONTROL_RATIO


def utf16_without_bom(raw: bytes) -> str | None:
    """``utf-16-le``/``utf-16-be`` for BOM-less UTF-16 of an alphabetic script.

    In such text the high byte of each code unit takes a handful of values (``00`` for ASCII,
    ``04`` for Cyrillic...) while the low byte varies; the result must also decode strictly
    and hold no control characters. (BOM-less UTF-16 of CJK text has no such tell and is
    refused as binary.)
    """
    head = raw[: _SAMPLE - _SAMPLE % 2]
    if len(head) < 16 or len(raw) % 2 or not looks_binary(head):
        return None
    low_le, high_le = len(set(head[0::2])), len(set(head[1::2]))
    for encoding, low, high in (("utf-16-le", low_le, high_le), ("utf-16-be", high_le, low_le)):
        if high <= _WIDE_HIGH_BYTES < low:
            try:
                text = raw.decode(encoding)
            except UnicodeDecodeError:
                return None
            return encoding if not any(ch in _TEXT_CONTROLS for ch in text[:_SAMPLE]) else None
    return None


def mostly_utf8(raw: bytes) -> bool:
    """More well-formed multi-byte UTF-8 characters than broken sequences.

    Legacy 8-bit text almost never forms a valid multi-byte sequence by chance (``é`` followed
    by ``©``), so even a few valid ones mean UTF-8 with damage, not a legacy encoding.
    """
    text = raw.decode("utf-8", "replace")
    replaced = text.count("\ufffd")
    broken = replaced - raw.count("\ufffd".encode())
    valid = len(text) - len(text.encode("ascii", "ignore")) - replaced
    return 0 < broken < valid


def _stray_as_cp1252(error: UnicodeError) -> tuple[str, int]:
    """Error handler: read the bytes UTF-8 rejects as Windows-1252 (Latin-1 where undefined)."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    if error.end == len(error.object) and error.reason == "unexpected end of data":
        return "\ufffd", error.end  # a character cut by the end of the file: mark the damage
    stray = error.object[error.start : error.end]
    chars = []
    for byte in stray:
        try:
            chars.append(bytes([byte]).decode("cp1252"))
        except UnicodeDecodeError:
            chars.append(chr(byte))
    return "".join(chars), error.end


codecs.register_error(_STRAY_ERRORS, _stray_as_cp1252)
