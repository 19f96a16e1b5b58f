"""Turn one structured record (a JSONL object, a CSV row, a Parquet row) into an article.

Scraped-news dumps name their columns in many ways (news-please ``maintext``, Common Crawl
derived ``raw_html``, ``headline``, ``date_publish``...). Columns are matched case-insensitively
against the common names below, or named explicitly through :class:`ReadOptions`.

Content choice: when the user names ``text_field`` or ``html_field``, only the named columns
are used (text first when both are named and the text is non-empty). Otherwise the first
non-empty column among ``TEXT_FIELDS`` wins, then ``HTML_FIELDS``: text already extracted is
cheaper and was chosen by whoever made the dump.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from tasks import reasons
from tasks.documents import InputRecord, Reject
from tasks.ingest.decode import DecodeError, decode_text
from tasks.ingest.html import decode_html
from tasks.ingest.options import ReadOptions

TEXT_FIELDS = (
    "text",
    "content",
    "body",
    "article",
    "maintext",
    "main_text",
    "article_text",
    "article_body",
    "articlebody",
    "full_text",
    "fulltext",
    "story",
)
HTML_FIELDS = ("html", "raw_html", "html_content", "content_html", "body_html", "page_html")
# meta key -> column names tried in order.
META_FIELDS: dict[str, tuple[str, ...]] = {
    "url": ("url", "link", "uri", "canonical_url", "source_url", "article_url", "href"),
    "title": ("title", "headline", "heading"),
    "published": (
        "date",
        "published",
        "date_publish",
        "date_published",
        "published_at",
        "published_date",
        "publish_date",
        "publication_date",
        "pubdate",
    ),
    "fetched": ("fetched", "date_download", "download_date", "crawled_at", "crawl_date"),
    "author": ("author", "authors", "byline", "creator"),
    "site": ("site", "source_domain", "site_name", "sitename", "domain", "publisher", "hostname"),
    "language": ("language", "lang"),
}
_OPTION_FOR_META = {
    "url": "url_field",
    "title": "title_field",
    "published": "date_field",
}


class FieldError(ValueError):
    """A record whose content column is present but unusable (wrong type, bad bytes)."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def record_from_fields(
    source: str, raw: bytes, row: Mapping[str, Any], options: ReadOptions
) -> InputRecord | Reject:
    """One article from one record, or a reject saying which column was missing or bad."""
    columns = _columns(row)
    try:
        kind, value, encoding = _content(row, columns, options)
    except FieldError as exc:
        return Reject(source, exc.reason, exc.detail, raw)
    meta = _meta(row, columns, options)
    if encoding:
        meta["encoding"] = encoding
    if kind == "html":
        return InputRecord(source=source, raw=raw, html=value, meta=meta)
    return InputRecord(source=source, raw=raw, text=value, meta=meta)


def _columns(row: Mapping[str, Any]) -> dict[str, str]:
    """Lower-cased column name -> actual name (the first spelling wins)."""
    columns: dict[str, str] = {}
    for key in row:
        if isinstance(key, str):
            columns.setdefault(key.strip().lower(), key)
    return columns


def _content(
    row: Mapping[str, Any], columns: dict[str, str], options: ReadOptions
) -> tuple[str, str, str | None]:
    """``(kind, value, encoding)`` of the column holding the article."""
    if options.text_field or options.html_field:
        named = [("text", options.text_field), ("html", options.html_field)]
        candidates = [(kind, name) for kind, name in named if name]
        missing = [name for _, name in candidates if name.strip().lower() not in columns]
        if len(missing) == len(candidates):
            raise FieldError(reasons.NO_TEXT_FIELD, f"record has no column {_names(missing)}")
    else:
        candidates = [("text", name) for name in TEXT_FIELDS]
        candidates += [("html", name) for name in HTML_FIELDS]
    found: list[str] = []
    for kind, name in candidates:
        key = columns.get(name.strip().lower())
        if key is None:
            continue
        found.append(key)
        value, encoding = _content_value(kind, key, row[key])
        if value is not None and value.strip():
            return kind, value, encoding
    if found:
        raise FieldError(reasons.EMPTY, f"content column {_names(found)} is empty")
    looked = _names([name for _, name in candidates])
    raise FieldError(reasons.NO_TEXT_FIELD, f"no text or HTML column (looked for {looked})")


def _content_value(kind: str, key: str, value: Any) -> tuple[str | None, str | None]:
    if value is None or isinstance(value, str):
        return value, None
    if isinstance(value, bytes | bytearray | memoryview):
        try:
            return decode_html(bytes(value)) if kind == "html" else decode_text(bytes(value))
        except DecodeError as exc:
            raise FieldError(exc.reason, f"column '{key}': {exc.detail}") from exc
    if kind == "text" and isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "\n\n".join(v.strip() for v in value if v.strip()), None
    raise FieldError(
        reasons.MALFORMED_RECORD, f"column '{key}' holds {type(value).__name__}, not text"
    )


def _meta(
    row: Mapping[str, Any], columns: dict[str, str], options: ReadOptions
) -> dict[str, str | None]:
    meta: dict[str, str | None] = {}
    for meta_key, names in META_FIELDS.items():
        option = _OPTION_FOR_META.get(meta_key)
        explicit = getattr(options, option) if option else None
        for name in (explicit,) if explicit else names:
            key = columns.get(name.strip().lower())
            value = _meta_value(row[key]) if key is not None else None
            if value:
                meta[meta_key] = value
                break
    return meta


def _meta_value(value: Any) -> str | None:
    """A metadata cell as one line of text; lists (``authors``) are joined with commas."""
    if value is None:
        return None
    if isinstance(value, str):
        return " ".join(value.split()) or None
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bytes):
        return _meta_value(value.decode("utf-8", "replace"))
    if isinstance(value, list | tuple):
        parts = [_meta_value(v) for v in value]
        return ", ".join(p for p in parts if p) or None
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def _names(names: Iterable[str]) -> str:
    return ", ".join(f"'{n}'" for n in names)
