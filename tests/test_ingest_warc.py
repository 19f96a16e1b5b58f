"""WARC/ARC: HTML responses become records (``path#ordinal``), the rest is counted as skipped."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from tasks import reasons
from tasks.documents import InputRecord, Reject
from tasks.ingest import ReadOptions, ReadStats, read_path

WARC_DATE = "2024-03-06T07:00:00Z"
PAGE = (
    "<!DOCTYPE html><html><head><title>Tram line opens</title></head><body><article>"
    "<h1>Tram line opens</h1><p>The new tram line between the station and the university "
    "carried 14,000 passengers on its first day.</p></article></body></html>"
)


def http(status: str, content_type: str | None, *extra: tuple[str, str]) -> StatusAndHeaders:
    headers = [("Content-Type", content_type)] if content_type else []
    return StatusAndHeaders(status, headers + list(extra), protocol="HTTP/1.1")


def response(writer: WARCWriter, uri: str, body: bytes, headers: StatusAndHeaders):
    return writer.create_warc_record(
        uri,
        "response",
        payload=io.BytesIO(body),
        http_headers=headers,
        warc_headers_dict={"WARC-Date": WARC_DATE},
    )


def build_warc(compress: bool) -> bytes:
    """Thirteen records: four HTML responses (#3, #5, #8, #9), nine to skip."""
    buffer = io.BytesIO()
    w = WARCWriter(buffer, gzip=compress)
    w.write_record(w.create_warcinfo_record("test.warc", {"software": "newsclean-tests"}))
    request = StatusAndHeaders(
        "GET /tram HTTP/1.1", [("Host", "city.example")], is_http_request=True
    )
    w.write_record(
        w.create_warc_record(
            "https://city.example/tram", "request", payload=io.BytesIO(b""), http_headers=request
        )
    )
    html = http("200 OK", "text/html; charset=utf-8")
    w.write_record(response(w, "https://city.example/tram", PAGE.encode(), html))
    w.write_record(
        w.create_warc_record(
            "https://city.example/tram",
            "metadata",
            payload=io.BytesIO(b"outlinks: https://city.example/\n"),
            warc_content_type="application/warc-fields",
        )
    )
    cafe = "<html><body><p>Le café rouvre: 450 000 €</p></body></html>".encode("cp1252")
    latin = http("200 OK", "text/html; charset=ISO-8859-1")
    w.write_record(response(w, "https://gazette.example/cafe", cafe, latin))
    png = b"\x89PNG\r\n\x1a\n" + bytes(64)
    w.write_record(response(w, "https://city.example/logo.png", png, http("200 OK", "image/png")))
    missing = b"<html><body>Not found</body></html>"
    w.write_record(
        response(w, "https://city.example/gone", missing, http("404 Not Found", "text/html"))
    )
    zipped = http("200 OK", "text/html", ("Content-Encoding", "gzip"))
    w.write_record(response(w, "https://city.example/zipped", gzip.compress(PAGE.encode()), zipped))
    sniffed = b"  <!doctype html><html><body><p>No content type here</p></body></html>"
    w.write_record(response(w, "https://city.example/sniffed", sniffed, http("200 OK", None)))
    w.write_record(response(w, "https://api.example/v1", b'{"ok": true}', http("200 OK", None)))
    w.write_record(
        w.create_warc_record(
            "dns:city.example",
            "response",
            payload=io.BytesIO(b"20240306070000\ncity.example. 300 IN A 192.0.2.1\n"),
            warc_content_type="text/dns",
        )
    )
    w.write_record(
        w.create_revisit_record(
            "https://city.example/tram",
            digest="sha1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            refers_to_uri="https://city.example/tram",
            refers_to_date=WARC_DATE,
        )
    )
    moved = http("301 Moved Permanently", "text/html", ("Location", "https://city.example/"))
    w.write_record(response(w, "https://city.example/old", b"<html>Moved</html>", moved))
    return buffer.getvalue()


EXPECTED_SKIPS = {
    "warc:warcinfo": 1,
    "warc:request": 1,
    "warc:metadata": 1,
    "warc:response:non_html": 2,
    "warc:response:http_4xx": 1,
    "warc:response:http_3xx": 1,
    "warc:response:non_http": 1,
    "warc:revisit": 1,
}


def read_all(path: Path, options: ReadOptions | None = None):
    stats = ReadStats()
    return list(read_path(str(path), options, stats=stats)), stats


@pytest.mark.parametrize("name", ["crawl.warc", "crawl.warc.gz"])
def test_html_responses_become_records_and_the_rest_is_counted(tmp_path: Path, name: str):
    path = tmp_path / name
    path.write_bytes(build_warc(compress=name.endswith(".gz")))
    items, stats = read_all(path)
    assert all(isinstance(i, InputRecord) for i in items)
    assert [i.source for i in items] == [f"{path}#{n}" for n in (3, 5, 8, 9)]
    assert stats.skipped == EXPECTED_SKIPS
    tram, cafe, zipped, sniffed = items
    assert tram.meta == {
        "url": "https://city.example/tram",
        "published": WARC_DATE,
        "fetched": WARC_DATE,
        "encoding": "utf-8",
    }
    assert tram.html == PAGE
    assert tram.raw == PAGE.encode()
    assert "Le café rouvre: 450 000 €" in cafe.html
    assert cafe.meta["encoding"] == "cp1252"
    assert zipped.html == PAGE  # Content-Encoding undone
    assert zipped.meta["url"] == "https://city.example/zipped"
    assert "No content type here" in sniffed.html


def test_whole_file_gzip_is_read_too(tmp_path: Path):
    path = tmp_path / "whole.warc.gz"
    path.write_bytes(gzip.compress(build_warc(compress=False)))
    items, stats = read_all(path)
    assert [i.source for i in items] == [f"{path}#{n}" for n in (3, 5, 8, 9)]
    assert stats.skipped == EXPECTED_SKIPS


@pytest.mark.parametrize(
    ("name", "compress", "cut"),
    [
        ("end.warc", False, 40),  # inside the last record's body
        ("middle.warc", False, None),  # half the file
        ("end.warc.gz", True, 40),
        ("middle.warc.gz", True, None),
    ],
)
def test_truncated_archive_gives_records_so_far_and_a_read_error(
    tmp_path: Path, name: str, compress: bool, cut: int | None
):
    data = build_warc(compress)
    path = tmp_path / name
    path.write_bytes(data[: len(data) - cut] if cut else data[: len(data) // 2])
    items, _ = read_all(path)
    *records, last = items
    assert records, "records before the damage are kept"
    assert all(isinstance(r, InputRecord) for r in records)
    assert isinstance(last, Reject)
    assert last.reason == reasons.READ_ERROR
    assert last.source == str(path)
    again, _ = read_all(path)
    assert again == items  # a damaged file still reads the same way every time


def test_payload_larger_than_max_bytes_is_rejected_alone(tmp_path: Path):
    buffer = io.BytesIO()
    w = WARCWriter(buffer, gzip=True)
    big = ("<html><body>" + "<p>word</p>" * 500 + "</body></html>").encode()
    w.write_record(response(w, "https://x.example/big", big, http("200 OK", "text/html")))
    w.write_record(
        response(w, "https://x.example/small", PAGE.encode(), http("200 OK", "text/html"))
    )
    path = tmp_path / "sizes.warc.gz"
    path.write_bytes(buffer.getvalue())
    (big_item, small_item), _ = read_all(path, ReadOptions(max_bytes=2000))
    assert big_item.reason == reasons.TOO_LARGE
    assert big_item.source == f"{path}#1"
    assert len(big_item.raw) == 2000
    assert isinstance(small_item, InputRecord)


def test_arc_file(tmp_path: Path):
    body = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + PAGE.encode()
    fields = b"1 0 newsclean-tests\nURL IP-address Archive-date Content-type Archive-length\n"
    header = b"filedesc://old.arc 0.0.0.0 20080101120000 text/plain %d\n" % len(fields)
    record = b"http://old.example/a 192.0.2.7 20080101120000 text/html %d\n" % len(body)
    path = tmp_path / "old.arc"
    path.write_bytes(header + fields + b"\n" + record + body + b"\n")
    items, stats = read_all(path)
    (item,) = items
    assert isinstance(item, InputRecord)
    assert item.source == f"{path}#2"
    assert item.meta["url"] == "http://old.example/a"
    assert item.meta["fetched"] == "2008-01-01T12:00:00Z"
    assert item.html == PAGE
    assert stats.skipped == {"warc:warcinfo": 1}


def test_not_an_archive_and_no_html(tmp_path: Path):
    garbage = tmp_path / "garbage.warc"
    garbage.write_bytes(b"this is a text file\nwith a .warc name\n")
    (reject,), _ = read_all(garbage)
    assert reject.reason == reasons.READ_ERROR
    only_info = tmp_path / "info.warc"
    buffer = io.BytesIO()
    w = WARCWriter(buffer, gzip=False)
    w.write_record(w.create_warcinfo_record("info.warc", {"software": "x"}))
    only_info.write_bytes(buffer.getvalue())
    (empty,), stats = read_all(only_info)
    assert empty.reason == reasons.EMPTY
    assert "1 entries skipped" in empty.detail
    assert stats.skipped == {"warc:warcinfo": 1}
