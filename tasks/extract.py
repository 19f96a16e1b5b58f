"""Main text and metadata out of an HTML page, with trafilatura, in bounded time and memory.

Settings, and why:

- ``include_comments=False``: reader comments are not the article.
- ``deduplicate=False``: trafilatura's duplicate filter is a process-global LRU cache, so its
  output would depend on which pages the same worker saw before. Dedup is our own stage.
- ``favor_precision=False`` (trafilatura's default balance): measured on the shared eval sets,
  precision mode gained F1 0.960 -> 0.964 on scrapinghub-aeb but lost 0.908 -> 0.901 on
  cleanportaleval and 3 points of must-keep snippets on trafilatura-eval (0.938 -> 0.909).
  The line-level boilerplate cleaner downstream can drop a kept boilerplate line; it cannot
  bring back a lost paragraph.

Embedded posts: a tweet embedded in the article is a quotation, but trafilatura discards it
with its ``social``/``embed`` wrapper; :mod:`tasks.embeds` unwraps it first so it is extracted in
place like any blockquote.

Split bodies: trafilatura stops at the first container that looks like an article body, so a
body cut into same-class containers around ad slots ends after its first part.
:mod:`tasks.split_body` finds the containers that continue it (same class, close by, a quiet gap
between) and each is extracted with the same settings and appended. The page is parsed once
here and the tree handed to trafilatura, which works on a copy; the check only walks the
elements right after the source container, so pages that are not split cost about one tree copy.

Output text: one paragraph per line from trafilatura, joined with blank lines (``\\n\\n``); a
first line that repeats the title is dropped (the title is metadata).

Bounds. A page is refused as ``input_too_large`` *before parsing* when it has more than
``max_chars`` characters or more than ``max_elements`` start tags (counted with a regex, stopping at
the limit), because trafilatura's time grows with the element count (measured: about 0.5 s per 10k
elements, super-linear for long runs of paragraphs) and a big parse cannot be interrupted while it
is inside lxml's C code. Nesting depth needs no guard: lxml (libxml2) stops descending at 255
levels, so 200k nested divs parse in milliseconds (and are refused by the element count anyway);
text nested deeper is lost, and the ``extract_empty`` detail says so. On top of that, in a process's
main thread (a process-pool worker runs tasks there) a ``SIGALRM`` timer stops extraction after
``timeout_s`` as ``extract_timeout``; elsewhere (Dask worker threads) signals cannot be used and the
structural guards are the only bound: with the default limits the worst pages we could build took
about 3 s here. The timer is a backstop for machine-dependent slowness: output should not depend on
it, so keep it generous.
"""

from __future__ import annotations

import itertools
import re
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

import trafilatura
from lxml.html import HtmlElement, tostring
from trafilatura.utils import load_html

from tasks import reasons
from tasks.documents import InputRecord, Reject
from tasks.embeds import unwrap_posts
from tasks.page_meta import page_metadata
from tasks.split_body import continuation_chunks

_START_TAG = re.compile(r"<[A-Za-z]")
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)")
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param"}
    | {"source", "track", "wbr"}
)
# libxml2 (under lxml, under trafilatura) drops what is nested deeper than this.
_PARSER_MAX_DEPTH = 255
_DOCUMENT_START = re.compile(r"<!doctype\s|<html[\s>]", re.IGNORECASE)
_BODY_TAG = re.compile(r"<body[\s>]", re.IGNORECASE)
_PREAMBLE_SCAN = 65536
# trafilatura settings shared by the page and its continuation containers (module docstring).
_OPTIONS: dict[str, Any] = {
    "include_comments": False,
    "deduplicate": False,
    "include_tables": True,
    "include_images": False,
    "include_links": False,
    "include_formatting": False,
}
# record meta key <- Extracted attribute
_META_FROM_EXTRACTED = {
    "url": "url",
    "title": "title",
    "author": "author",
    "published": "published",
    "site": "site",
}


@dataclass(frozen=True, slots=True)
class ExtractLimits:
    """Per-page bounds; see the module docstring for how each is enforced."""

    max_chars: int = 5_000_000
    max_elements: int = 30_000
    timeout_s: float = 10.0


@dataclass(frozen=True, slots=True)
class Extracted:
    """The article text of a page and the metadata the page states."""

    text: str
    title: str | None = None
    author: str | None = None
    published: str | None = None
    site: str | None = None
    url: str | None = None


class _ExtractTimeout(BaseException):
    """Raised by the SIGALRM handler inside trafilatura.

    A ``BaseException`` so that the libraries' own ``except Exception`` blocks cannot swallow it.
    """


def extract_html(
    html: str,
    *,
    url: str | None = None,
    source: str = "",
    limits: ExtractLimits | None = None,
    favor_precision: bool = False,
) -> Extracted | Reject:
    """Main text and metadata of one page, or a reject saying why there is none.

    ``url`` is where the page came from; the page's own canonical URL wins when it states one.
    """
    limits = limits or ExtractLimits()
    too_large = _too_large(html, limits)
    if too_large:
        return _reject(source, reasons.TOO_LARGE, too_large, html)
    try:
        with _alarm(limits.timeout_s):
            page = _without_preamble(html)
            tree = load_html(page)
            if tree is not None:
                unwrap_posts(tree)
            doc, info = _extract(page, tree, url, favor_precision)
            title = _clean(getattr(info, "title", None))
            paragraphs = _paragraphs(getattr(doc, "text", None) or "", title)
            if tree is not None and paragraphs:
                paragraphs += _continuations(tree, paragraphs, favor_precision)
    except _ExtractTimeout:
        detail = f"extraction took longer than {limits.timeout_s:g} s"
        return _reject(source, reasons.EXTRACTION_TIMEOUT, detail, html)
    except Exception as exc:  # trafilatura and lxml fail in many ways on broken markup
        detail = f"{type(exc).__name__}: {exc}"
        return _reject(source, reasons.EXTRACTION_FAILED, detail, html)
    text = "\n\n".join(paragraphs)
    if not text:
        detail = "no main text found in the page"
        depth = nesting_depth(html, _PARSER_MAX_DEPTH + 1)
        if depth > _PARSER_MAX_DEPTH:
            detail += f" (elements nest more than {_PARSER_MAX_DEPTH} deep: the parser stops there)"
        return _reject(source, reasons.EXTRACTION_EMPTY, detail, html)
    return Extracted(
        text=text,
        title=title,
        author=_clean(getattr(info, "author", None)),
        published=_clean(getattr(info, "date", None)),
        site=_clean(getattr(info, "sitename", None)) or _clean(getattr(info, "hostname", None)),
        url=_clean(getattr(info, "url", None)) or url,
    )


def record_text(
    record: InputRecord, *, limits: ExtractLimits | None = None
) -> tuple[str, dict[str, str | None]] | Reject:
    """The text the cleaner works on, and the record's metadata completed by extraction.

    HTML is extracted; text is used as is. The record's own metadata wins (a JSONL ``title``,
    a WARC target URI); the page fills what is missing. One exception: a ``published`` equal to
    ``fetched`` is the crawl time standing in (WARC), and a date the page states replaces it.
    """
    meta = dict(record.meta)
    if record.html is not None and record.html.strip():
        result = extract_html(record.html, url=meta.get("url"), source=record.source, limits=limits)
        if isinstance(result, Reject):
            return replace(result, raw=record.raw)
        published = meta.get("published")
        stand_in = published is not None and published == meta.get("fetched")
        for key, attribute in _META_FROM_EXTRACTED.items():
            value = getattr(result, attribute)
            if value and (not meta.get(key) or (key == "published" and stand_in)):
                meta[key] = value
        return result.text, meta
    if record.text is not None and record.text.strip():
        return record.text, meta
    return Reject(record.source, reasons.EMPTY, "record has neither text nor HTML", record.raw)


def _extract(
    page: str, tree: HtmlElement | None, url: str | None, favor_precision: bool
) -> tuple[Any, Any]:
    """``bare_extraction(with_metadata=True)``: the document, and the object holding its metadata.

    With a tree, the metadata comes from :func:`~tasks.page_meta.page_metadata` (the same fields
    without the unused categories, tags and licence) and the extraction runs without metadata
    but with the URL it would have used (``url`` or the page's own); a ``TypeError`` or
    ``ValueError`` there means no document, as inside ``bare_extraction``. A tree is copied by
    trafilatura, ours stays intact.
    """
    if tree is None:
        doc = trafilatura.bare_extraction(
            page, url=url, with_metadata=True, favor_precision=favor_precision, **_OPTIONS
        )
        return doc, doc
    try:
        meta = page_metadata(tree, url)
    except (TypeError, ValueError):
        return None, None
    doc = trafilatura.bare_extraction(
        tree,
        url=url or meta.url,
        with_metadata=False,
        favor_precision=favor_precision,
        **_OPTIONS,
    )
    return doc, (meta if doc is not None else None)


def _too_large(html: str, limits: ExtractLimits) -> str | None:
    if len(html) > limits.max_chars:
        return f"page has {len(html)} characters, more than max_chars={limits.max_chars}"
    if html.count("<") <= limits.max_elements:  # every start tag opens with "<": a cheap bound
        return None
    tags = _START_TAG.finditer(html)
    count = sum(1 for _ in itertools.islice(tags, limits.max_elements + 1))
    if count > limits.max_elements:
        return f"page has more than max_elements={limits.max_elements} elements"
    return None


def nesting_depth(html: str, stop_at: int) -> int:
    """How deep elements nest (counted from tags, stopping at ``stop_at``); linear time."""
    depth = 0
    for match in _TAG.finditer(html):
        if match.group(2).lower() in _VOID:
            continue
        if match.group(1):
            depth = max(depth - 1, 0)
        else:
            depth += 1
            if depth >= stop_at:
                return depth
    return depth


def _without_preamble(html: str) -> str:
    """The page from its ``<!DOCTYPE>`` or ``<html>`` on, when something comes before it.

    Text before the document start (a PHP warning, a crawler's wrapper line such as CleanEval's
    ``<text id="URL">``) makes lxml open ``<html>``/``<body>`` early, so the real ``<head>`` lands
    in the body and trafilatura finds no title, URL or site name. A prefix that opens a body of
    its own is left alone: then the page really starts there.
    """
    match = _DOCUMENT_START.search(html, 0, _PREAMBLE_SCAN)
    if (
        match is None
        or not html[: match.start()].strip()
        or _BODY_TAG.search(html, 0, match.start())
    ):
        return html
    return html[match.start() :]


def _paragraphs(text: str, title: str | None) -> list[str]:
    lines = [" ".join(line.split()) for line in text.splitlines()]
    lines = [line for line in lines if line]
    if lines and title and lines[0].casefold() == " ".join(title.split()).casefold():
        lines = lines[1:]
    return lines


def _continuations(tree: HtmlElement, paragraphs: list[str], favor_precision: bool) -> list[str]:
    """Paragraphs of the body's continuation containers (:mod:`tasks.split_body`).

    Each container is extracted on its own, with the same settings, so the usual pruning
    (ads, share bars, figures) applies inside it. A line repeating an earlier one is left to
    the cleaner, which records why it goes.
    """
    found: list[str] = []
    for chunk in continuation_chunks(tree, paragraphs):
        fragment = f"<html><body>{tostring(chunk, encoding='unicode')}</body></html>"
        doc = trafilatura.bare_extraction(fragment, favor_precision=favor_precision, **_OPTIONS)
        found += _paragraphs(getattr(doc, "text", None) or "", None)
    return found


def _clean(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    return " ".join(value.split()) or None


def _reject(source: str, reason: str, detail: str, html: str) -> Reject:
    return Reject(source, reason, detail, html.encode("utf-8", "surrogatepass"))


@contextmanager
def _alarm(seconds: float) -> Iterator[None]:
    """Raise :class:`_ExtractTimeout` in the body after ``seconds`` (main thread only).

    A timer already set by someone else (pytest-timeout, say) is restored with its remaining
    time afterwards, and fires at once if it fell due meanwhile.
    """
    usable = (
        seconds > 0
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield
        return
    armed = True

    def on_alarm(signum: int, frame: object) -> None:
        if armed:
            raise _ExtractTimeout

    previous = signal.signal(signal.SIGALRM, on_alarm)
    previous_delay, previous_interval = signal.setitimer(signal.ITIMER_REAL, seconds)
    started = time.monotonic()
    try:
        yield
    finally:
        try:
            signal.setitimer(signal.ITIMER_REAL, 0)
            armed = False
        finally:
            signal.signal(signal.SIGALRM, previous)
            if previous_delay:
                remaining = previous_delay - (time.monotonic() - started)
                signal.setitimer(signal.ITIMER_REAL, max(remaining, 1e-6), previous_interval)
