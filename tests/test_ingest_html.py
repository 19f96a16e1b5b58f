"""HTML pages: one file is one record, decoded from BOM, UTF-8, declared charset or cp1252."""

from __future__ import annotations

import codecs
import shutil
from pathlib import Path

import pytest

from tasks import reasons
from tasks.documents import InputRecord, Reject
from tasks.ingest import ReadOptions, read_path
from tasks.ingest.html import decode_html

FIXTURES = Path(__file__).parent / "fixtures" / "inputs"


def read_one(path: Path, options: ReadOptions | None = None) -> InputRecord | Reject:
    items = list(read_path(str(path), options))
    assert len(items) == 1
    return items[0]


def test_utf8_page_is_one_html_record():
    path = FIXTURES / "council_budget.html"
    record = read_one(path)
    assert isinstance(record, InputRecord)
    assert record.source == str(path)
    assert record.text is None
    assert "María López" in record.html
    assert record.raw == path.read_bytes()
    assert record.meta == {"encoding": "utf-8"}


def test_meta_charset_iso_8859_1_is_read_as_windows_1252():
    record = read_one(FIXTURES / "cafe_port_cp1252.html")
    assert isinstance(record, InputRecord)
    assert record.meta["encoding"] == "cp1252"
    assert "Le café du port" in record.html
    assert "450 000 €" in record.html  # 0x80 is the euro sign in cp1252, a control in latin-1
    assert "« Nous avons" in record.html


def test_htm_suffix_and_upper_case_suffix(tmp_path: Path):
    for name in ("page.htm", "PAGE.HTML"):
        target = tmp_path / name
        shutil.copy(FIXTURES / "council_budget.html", target)
        assert isinstance(read_one(target), InputRecord)


def test_page_mislabelled_latin1_but_utf8_is_read_as_utf8(tmp_path: Path):
    page = '<html><head><meta charset="iso-8859-1"></head><body><p>Zürich café</p></body></html>'
    path = tmp_path / "mislabelled.html"
    path.write_bytes(page.encode("utf-8"))
    record = read_one(path)
    assert isinstance(record, InputRecord)
    assert "Zürich café" in record.html
    assert record.meta["encoding"] == "utf-8"


def test_declared_cyrillic_charset_is_used(tmp_path: Path):
    page = '<html><head><meta charset="windows-1251"></head><body><p>Новости дня</p></body></html>'
    path = tmp_path / "ru.html"
    path.write_bytes(page.encode("cp1251"))
    record = read_one(path)
    assert isinstance(record, InputRecord)
    assert "Новости дня" in record.html
    assert record.meta["encoding"] == "cp1251"


def test_http_content_type_charset_beats_meta():
    raw = '<html><head><meta charset="utf-8"></head><body>Grüße</body></html>'.encode("cp1252")
    html, encoding = decode_html(raw, "text/html; charset=ISO-8859-15")
    assert encoding == "iso8859-15"
    assert "Grüße" in html


def test_utf16_page_with_bom(tmp_path: Path):
    path = tmp_path / "utf16.html"
    path.write_bytes(codecs.BOM_UTF16_LE + "<html><body>Ünïcödé</body></html>".encode("utf-16-le"))
    record = read_one(path)
    assert isinstance(record, InputRecord)
    assert "Ünïcödé" in record.html


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", reasons.BINARY),
        (b"  \n\t \n", reasons.EMPTY),
        (b"", reasons.EMPTY),
    ],
)
def test_unusable_pages_are_rejected(tmp_path: Path, content: bytes, reason: str):
    path = tmp_path / "bad.html"
    path.write_bytes(content)
    reject = read_one(path)
    assert isinstance(reject, Reject)
    assert reject.reason == reason
    assert reject.source == str(path)


def test_page_larger_than_max_bytes_is_rejected_with_its_head():
    path = FIXTURES / "council_budget.html"
    reject = read_one(path, ReadOptions(max_bytes=100))
    assert isinstance(reject, Reject)
    assert reject.reason == reasons.TOO_LARGE
    assert reject.raw == path.read_bytes()[:100]
