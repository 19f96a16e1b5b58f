"""Page metadata without categories, tags and licence: the same fields as trafilatura's own.

:func:`tasks.page_meta.page_metadata` replaces ``extract_metadata`` inside extraction, so every
kept field must equal what ``extract_metadata`` finds (run on a copy of the tree, as
``bare_extraction`` does), the tree must stay untouched, and :func:`tasks.extract.extract_html`
must return what ``bare_extraction(with_metadata=True)`` gives. The opt-in part compares every
HTML page of the shared eval sets.
"""

from __future__ import annotations

import gzip
from copy import copy
from pathlib import Path

import pytest
import trafilatura
from lxml.html import tostring
from trafilatura.metadata import extract_metadata
from trafilatura.utils import load_html

from bench.extraction import default_eval_dir
from tasks.extract import _OPTIONS, Extracted, _paragraphs, extract_html
from tasks.ingest.html import decode_html
from tasks.page_meta import FIELDS, date_params, page_metadata

FIXTURES = Path(__file__).parent / "fixtures" / "inputs"
_BODY = "".join(
    f"<p>Paragraph {i} of the report says the council met on Tuesday and agreed the plan for "
    f"the new library, the roads and the schools after a long debate.</p>"
    for i in range(6)
)
PAGES = {
    "meta tags": (
        "<html><head><title>Budget passes | Daily Example</title>"
        '<meta property="og:title" content="Council approves the new budget">'
        '<meta name="author" content="Jane Reporter">'
        '<meta property="article:published_time" content="2024-03-05T10:00:00Z">'
        '<meta property="og:site_name" content="dailyexample">'
        '<link rel="canonical" href="https://news.example.com/2024/03/05/budget">'
        "</head><body><article><h1>Council approves the new budget</h1>"
        f"{_BODY}"
        '<div class="tags"><a href="/tag/budget/">budget</a>'
        '<a href="/category/politics/">politics</a></div>'
        '<a rel="license" href="https://creativecommons.org/licenses/by/4.0/">CC BY</a>'
        "</article></body></html>"
    ),
    "json-ld and twitter handle": (
        '<html><head><meta name="twitter:site" content="@lowercasenews">'
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Roads plan",'
        ' "author": {"@type": "Person", "name": "Sam Writer"},'
        ' "datePublished": "2023-11-02"}</script></head>'
        f"<body><div class='story'><h2>Roads plan</h2>{_BODY}</div></body></html>"
    ),
    "nothing stated": f"<html><body><div>{_BODY}</div></body></html>",
    "url from the address only": f"<html><head></head><body><main>{_BODY}</main></body></html>",
}


def _fields(document: object) -> dict[str, object]:
    return {name: getattr(document, name) for name in FIELDS}


def _assert_same(html: str, url: str | None = None) -> None:
    tree = load_html(html)
    if tree is None:
        return
    before = tostring(tree)
    expected = extract_metadata(copy(tree), url, {**date_params()}, False, set())
    got = page_metadata(tree, url)
    assert _fields(got) == _fields(expected)
    assert tostring(tree) == before  # read only: the extraction sees the same tree


@pytest.mark.parametrize("name", sorted(PAGES))
def test_fields_equal_trafilaturas_extract_metadata(name: str) -> None:
    _assert_same(PAGES[name])
    _assert_same(PAGES[name], url="https://example.org/from-the-crawler")


def test_skipped_fields_are_left_empty() -> None:
    got = page_metadata(load_html(PAGES["meta tags"]))
    full = extract_metadata(load_html(PAGES["meta tags"]))
    assert full.tags and full.categories and full.license  # the fixture states all three
    assert not got.tags and not got.categories and got.license is None
    assert got.title == "Council approves the new budget"
    assert got.sitename == "Dailyexample"  # capitalised like trafilatura does


@pytest.mark.parametrize("url", [None, "https://example.org/from-the-crawler"])
@pytest.mark.parametrize("name", sorted(PAGES))
def test_extract_html_equals_bare_extraction_with_metadata(name: str, url: str | None) -> None:
    html = PAGES[name]
    doc = trafilatura.bare_extraction(load_html(html), url=url, with_metadata=True, **_OPTIONS)
    got = extract_html(html, url=url)
    assert isinstance(got, Extracted)
    title = " ".join(doc.title.split()) if doc.title else None
    assert got.title == title
    assert got.text.split("\n\n")[: len(_paragraphs(doc.text, title))] == _paragraphs(
        doc.text, title
    )
    assert got.author == doc.author
    assert got.published == doc.date
    assert got.site == (doc.sitename or doc.hostname)
    assert got.url == (doc.url or url)


def test_fixture_pages() -> None:
    for path in sorted(FIXTURES.glob("*.html")):
        html, _ = decode_html(path.read_bytes())
        _assert_same(html)


@pytest.mark.eval
def test_every_eval_page() -> None:
    pages = sorted(default_eval_dir().rglob("*.htm*"))
    if not pages:
        pytest.skip(f"no eval pages under {default_eval_dir()}")
    for path in pages:
        raw = path.read_bytes()
        if path.suffix == ".gz":
            raw = gzip.decompress(raw)
        try:
            html, _ = decode_html(raw)
        except Exception:  # binary or undecodable: never extracted
            continue
        try:
            _assert_same(html)
        except AssertionError as exc:
            raise AssertionError(f"{path}: {exc}") from exc
