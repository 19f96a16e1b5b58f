"""HTML extraction: main text and metadata, comments left out, bounded time per page."""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path

import pytest
import trafilatura

from tasks import reasons
from tasks.documents import InputRecord, Reject
from tasks.extract import Extracted, ExtractLimits, extract_html, record_text
from tasks.ingest import read_path

FIXTURES = Path(__file__).parent / "fixtures" / "inputs"
COUNCIL = (FIXTURES / "council_budget.html").read_text(encoding="utf-8")


def slow_page(paragraphs: int = 25_000) -> str:
    """Under every size limit, yet seconds of trafilatura work."""
    body = "".join(f"<p>Short paragraph number {n} here.</p>" for n in range(paragraphs))
    return f"<html><body><article>{body}</article></body></html>"


def test_text_and_metadata_of_a_news_page():
    result = extract_html(COUNCIL, url="https://feed.example/item/1", source="council.html")
    assert isinstance(result, Extracted)
    assert result.title == "Council approves $120m budget after marathon session"
    assert result.author == "Jane Okafor"
    assert result.published == "2024-03-05"
    assert result.site == "The Riverton Herald"
    # The page states its canonical URL, which beats the one we were given.
    assert (
        result.url == "https://www.rivertonherald.example/news/2024/03/05/council-approves-budget"
    )
    paragraphs = result.text.split("\n\n")
    assert len(paragraphs) == 5
    assert paragraphs[0].startswith("The Riverton city council approved")
    assert all(p and "\n" not in p for p in paragraphs)
    assert "María López" in result.text


def test_comments_navigation_and_footer_are_left_out():
    text = extract_html(COUNCIL).text
    assert "Great news for the schools" not in text
    assert "moving to the next county" not in text
    assert "All rights reserved" not in text
    assert "Subscribe" not in text


def test_given_url_is_used_when_the_page_states_none():
    page = COUNCIL.replace('<link rel="canonical"', '<link rel="alternate"')
    result = extract_html(page, url="https://feed.example/item/1")
    assert result.url == "https://feed.example/item/1"


@pytest.mark.parametrize(
    "page",
    [
        "<html><head><title>Loading…</title></head><body></body></html>",
        "<html><body><script>window.location = '/app';</script></body></html>",
    ],
)
def test_page_without_text_is_extract_empty(page: str):
    result = extract_html(page, source="shell.html")
    assert isinstance(result, Reject)
    assert result.reason == reasons.EXTRACTION_EMPTY
    assert result.source == "shell.html"


def test_exception_in_trafilatura_is_extract_failed(monkeypatch: pytest.MonkeyPatch):
    def broken(*args, **kwargs):
        raise ValueError("parser exploded")

    monkeypatch.setattr(trafilatura, "bare_extraction", broken)
    result = extract_html(COUNCIL)
    assert result.reason == reasons.EXTRACTION_FAILED
    assert "ValueError: parser exploded" in result.detail


@pytest.mark.parametrize(
    "page",
    [
        "<html><body>" + "<div>" * 200_000 + "<p>deep</p>" + "</div>" * 200_000 + "</body></html>",
        "<html><body><p>" + "x" * 50_000_000 + "</p></body></html>",
        "<html><body>" + "<div><span>x</span></div>" * 100_000 + "</body></html>",
    ],
    ids=["200k-nested-divs", "50MB-page", "200k-flat-elements"],
)
def test_pathological_pages_are_refused_before_parsing(page: str, monkeypatch):
    import tasks.extract

    def never(*args, **kwargs):
        raise AssertionError("the page was handed to the parser")

    monkeypatch.setattr(tasks.extract, "load_html", never)
    monkeypatch.setattr(tasks.extract.trafilatura, "bare_extraction", never)
    result = extract_html(page)
    assert isinstance(result, Reject)
    assert result.reason == reasons.TOO_LARGE


def test_slow_page_times_out_in_the_main_thread():
    assert threading.current_thread() is threading.main_thread()
    before = signal.getsignal(signal.SIGALRM)
    result = extract_html(slow_page(), limits=ExtractLimits(timeout_s=0.2))
    assert isinstance(result, Reject)
    assert result.reason == reasons.EXTRACTION_TIMEOUT
    assert signal.getsignal(signal.SIGALRM) is before
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_the_timeout_stops_the_work_itself(monkeypatch):
    """Interrupted, not judged afterwards: work far longer than the limit never finishes
    (what is checked is how far it got, not a clock)."""
    import tasks.extract

    finished: list[bool] = []

    def busy(page):
        total = 0
        for step in range(300_000_000):  # tens of seconds of Python if nothing stops it
            total ^= step
        finished.append(True)
        return None

    monkeypatch.setattr(tasks.extract, "load_html", busy)
    result = extract_html(COUNCIL, limits=ExtractLimits(timeout_s=0.2))
    assert isinstance(result, Reject)
    assert result.reason == reasons.EXTRACTION_TIMEOUT
    assert not finished


def test_an_outer_timer_survives_extraction():
    fired: list[int] = []
    previous = signal.signal(signal.SIGALRM, lambda signum, frame: fired.append(signum))
    try:
        signal.setitimer(signal.ITIMER_REAL, 30.0)
        assert isinstance(extract_html(COUNCIL), Extracted)
        remaining, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 0 < remaining <= 30.0
        assert not fired
        signal.setitimer(signal.ITIMER_REAL, 0.01)
        time.sleep(0.05)
        assert fired == [signal.SIGALRM]  # our handler was put back
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_worker_threads_extract_and_keep_the_size_guard():
    results: dict[str, object] = {}

    def work() -> None:
        results["normal"] = extract_html(COUNCIL)
        results["huge"] = extract_html("<p>" * 100_000)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(timeout=60)
    assert isinstance(results["normal"], Extracted)
    assert results["huge"].reason == reasons.TOO_LARGE


def test_results_do_not_depend_on_pages_seen_before():
    shared = "<p>Shared paragraph that syndicated stories often repeat word for word today.</p>"
    first = f"<html><body><article>{shared}<p>Only in the first page, a paragraph.</p></article>"
    second = f"<html><body><article>{shared}<p>Only in the second one, another.</p></article>"
    alone = extract_html(second)
    extract_html(first)
    assert extract_html(second) == alone
    assert "Shared paragraph" in alone.text


def test_record_text_passes_plain_text_through():
    record = InputRecord("a.jsonl#1", b"raw", text="Line one.\nLine two.", meta={"url": "u"})
    assert record_text(record) == ("Line one.\nLine two.", {"url": "u"})


def test_record_text_extracts_html_and_fills_only_missing_meta():
    meta = {"url": "https://feed.example/item/1", "title": "Budget passes (feed title)"}
    record = InputRecord("feed.jsonl#3", b"raw", html=COUNCIL, meta=meta)
    text, out = record_text(record)
    assert text.startswith("The Riverton city council approved")
    assert out["url"] == "https://feed.example/item/1"
    assert out["title"] == "Budget passes (feed title)"
    assert out["author"] == "Jane Okafor"
    assert out["published"] == "2024-03-05"
    assert out["site"] == "The Riverton Herald"
    assert record.meta == meta  # the record itself is untouched


def test_crawl_date_stand_in_gives_way_to_the_page_date():
    crawl = "2024-06-01T10:00:00Z"
    meta = {"url": "https://x.example/", "published": crawl, "fetched": crawl}
    _, out = record_text(InputRecord("c.warc#3", b"raw", html=COUNCIL, meta=meta))
    assert out["published"] == "2024-03-05"
    assert out["fetched"] == crawl
    undated = (
        "<html><body><article><p>The ferry timetable changes next week, the operator said,"
        " with two extra sailings on weekdays.</p></article></body></html>"
    )
    _, kept = record_text(InputRecord("c.warc#5", b"raw", html=undated, meta=meta))
    assert kept["published"] == crawl


def test_record_text_reject_keeps_the_record_identity():
    page = "<html><head><title>Loading…</title></head><body></body></html>"
    record = InputRecord("crawl.warc#7", b"the payload", html=page)
    result = record_text(record)
    assert isinstance(result, Reject)
    assert (result.source, result.raw, result.reason) == (
        "crawl.warc#7",
        b"the payload",
        reasons.EXTRACTION_EMPTY,
    )
    assert result.doc_id == record.doc_id
    empty = record_text(InputRecord("x#1", b"", text="  "))
    assert empty.reason == reasons.EMPTY


def test_read_then_extract_a_windows_1252_page():
    (record,) = read_path(str(FIXTURES / "cafe_port_cp1252.html"))
    text, meta = record_text(record)
    assert meta["title"] == "Le café du port rouvre ses portes"
    assert "450 000 €" in text
    assert "Hélène Le Goff" in text
    assert "Tous droits réservés" not in text


@pytest.mark.parametrize(
    "preamble",
    [
        '<text id="https://www.rivertonherald.example/x">\n',  # CleanEval-style wrapper line
        "<br />\n<b>Warning</b>: Undefined variable $x in /var/www/page.php on line 3<br />\n",
    ],
)
def test_text_before_the_document_start_does_not_hide_the_metadata(preamble):
    result = extract_html(preamble + COUNCIL, source="council.html")
    assert isinstance(result, Extracted)
    assert result.title == "Council approves $120m budget after marathon session"
    assert result.site == "The Riverton Herald"
    assert result.text == extract_html(COUNCIL, source="council.html").text


def test_a_fragment_without_document_start_is_extracted_as_it_is():
    fragment = (
        "<p>" + "The council met on Tuesday to approve the budget for next year. " * 5 + "</p>"
    )
    result = extract_html("<div>intro</div>" + fragment, source="fragment.html")
    assert isinstance(result, Extracted)
    assert "approve the budget" in result.text


def test_element_limit_counts_start_tags_not_every_angle_bracket():
    """The cheap ``<`` count only lets pages through; the start-tag count still decides."""
    limits = ExtractLimits(max_elements=12)
    text = " ".join(["a < b and c <= d"] * 30)
    body = "".join(f"<p>{text} {i}</p>" for i in range(9))
    fits = f"<html><body>{body}</body></html>"  # 11 start tags, 71 '<'
    result = extract_html(fits, limits=limits)
    assert not (isinstance(result, Reject) and result.reason == reasons.TOO_LARGE)
    over = f"<html><body><div>{body}<p>x</p></div></body></html>"  # 13 start tags
    result = extract_html(over, limits=limits)
    assert isinstance(result, Reject) and result.reason == reasons.TOO_LARGE
