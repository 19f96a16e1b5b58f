"""HTML pages: one ``.html``/``.htm`` file is one article still to extract.

Decoding order, most reliable signal first: a BOM; then strict UTF-8 when the bytes are valid
UTF-8 (pages labelled ``iso-8859-1`` that are really UTF-8 are common, while legacy-encoded
text that happens to be valid UTF-8 is vanishingly rare); then the declared charset (HTTP
``Content-Type``, then ``<meta charset>`` in the first 8 KiB); then :func:`decode_text`'s
Windows-1252/Latin-1 fallback. Labels are mapped as browsers map them (``iso-8859-1`` is read as
Windows-1252, ``gb2312`` as GB18030).
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator

import re2

from tasks import reasons
from tasks.documents import InputRecord, Reject
from tasks.ingest.decode import DecodeError, decode_text, looks_binary

_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_BE)
_META_SCAN_BYTES = 8192
# RE2, not re: the optional quote between two \s* makes a backtracking engine quadratic on
# "charset=" followed by many spaces (20k spaces in a header took 5 s, 300k would take 20 min).
_META_CHARSET = re2.compile(rb"""(?i)<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""")
_HEADER_CHARSET = re2.compile(r"""(?i)charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""")
# Python codec name -> the superset browsers actually decode it with (WHATWG Encoding).
_BROWSER_ALIASES = {
    "ascii": "cp1252",
    "iso8859-1": "cp1252",
    "iso8859-9": "cp1254",
    "iso8859-11": "cp874",
    "tis-620": "cp874",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "shift_jis": "cp932",
    "euc_kr": "cp949",
}


def read_html_bytes(source: str, raw: bytes) -> Iterator[InputRecord | Reject]:
    """Decode one page; binary, undecodable or empty pages become rejects."""
    try:
        html, encoding = decode_html(raw)
    except DecodeError as exc:
        yield Reject(source, exc.reason, exc.detail, raw)
        return
    if not html.strip():
        yield Reject(source, reasons.EMPTY, "empty page", raw)
        return
    yield InputRecord(source=source, raw=raw, html=html, meta={"encoding": encoding})


def decode_html(raw: bytes, content_type: str | None = None) -> tuple[str, str]:
    """``(html, encoding)`` of a page; ``content_type`` is its HTTP header, when known."""
    if raw.startswith(_BOMS):
        return decode_text(raw)
    if looks_binary(raw):
        raise DecodeError(reasons.BINARY, "content has NUL or control bytes: not HTML")
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    for declared in (_header_charset(content_type), _meta_charset(raw)):
        encoding = _codec(declared)
        if encoding is None or encoding == "utf-8":
            continue
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError:
            if encoding not in ("cp1252", "cp1254", "cp874"):
                # A multi-byte page with a few bad bytes: keep its script, mark the damage.
                return raw.decode(encoding, "replace"), encoding
    return decode_text(raw)


def _header_charset(content_type: str | None) -> str | None:
    match = _HEADER_CHARSET.search(content_type or "")
    return match.group(1) if match else None


def _meta_charset(raw: bytes) -> str | None:
    match = _META_CHARSET.search(raw[:_META_SCAN_BYTES])
    return match.group(1).decode("ascii") if match else None


def _codec(label: str | None) -> str | None:
    """Python codec for a charset label; ``None`` for unknown or ASCII-incompatible labels."""
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().lower()).name
    except LookupError:
        return None
    if name.startswith(("utf-16", "utf-32")):  # a byte-level <meta> cannot be UTF-16: ignore it
        return None
    return _BROWSER_ALIASES.get(name, name)
