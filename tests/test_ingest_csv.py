"""CSV/TSV: a header, one record per data row (``path#row``), bad rows rejected one by one."""

from __future__ import annotations

import csv
from pathlib import Path

from tasks import reasons
from tasks.documents import InputRecord, Reject
from tasks.ingest import ReadOptions, ReadStats, read_path

FIXTURES = Path(__file__).parent / "fixtures" / "inputs"
ARTICLES = FIXTURES / "articles.csv"


def read_all(path: Path, options: ReadOptions | None = None, stats: ReadStats | None = None):
    return list(read_path(str(path), options, stats=stats))


def test_rows_are_numbered_and_bad_rows_rejected():
    items = read_all(ARTICLES)
    assert [i.source for i in items] == [f"{ARTICLES}#{n}" for n in range(1, 6)]
    outcome = [getattr(i, "reason", "record") for i in items]
    assert outcome == ["record", "record", reasons.MALFORMED_RECORD, reasons.EMPTY, "record"]
    assert items[2].detail == "row has 2 fields, header has 5"


def test_columns_map_to_meta_and_quoted_multiline_text_survives():
    items = read_all(ARTICLES)
    market = items[1]
    assert isinstance(market, InputRecord)
    assert market.meta == {
        "url": "https://metro.example/city/market-hall",
        "title": "Market hall to close for repairs, vendors relocate",
        "published": "2024-01-10",
        "author": "Omar Haddad",
    }
    paragraphs = market.text.split("\n\n")
    assert len(paragraphs) == 3
    assert '"We will keep every stall," said market manager' in paragraphs[1]


def test_raw_is_the_row_reserialised_whatever_the_dialect(tmp_path: Path):
    rows = [["url", "text"], ["https://x.example/é", 'He said "yes", then left.\nNext paragraph']]
    comma = tmp_path / "comma.csv"
    with comma.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    semicolon = tmp_path / "semicolon.csv"
    with semicolon.open("w", newline="", encoding="cp1252") as handle:
        csv.writer(handle, delimiter=";", lineterminator="\r\n").writerows(rows)
    (a,), (b,) = read_all(comma), read_all(semicolon)
    assert a.text == b.text == rows[1][1]
    assert a.raw == b.raw
    assert a.raw == b'https://x.example/\xc3\xa9,"He said ""yes"", then left.\nNext paragraph"'


def test_tsv(tmp_path: Path):
    path = tmp_path / "feed.tsv"
    path.write_text("title\tcontent\nTabs, commas; all fine\tBody, with a comma; and more.\n")
    (record,) = read_all(path)
    assert record.meta["title"] == "Tabs, commas; all fine"
    assert record.text == "Body, with a comma; and more."


def test_utf16_tab_separated_export(tmp_path: Path):
    """Spreadsheet "Unicode text" exports are UTF-16 with a BOM and tabs."""
    path = tmp_path / "export.tsv"
    path.write_bytes("headline\ttext\r\nÉté record\tChaleur à Paris.\r\n".encode("utf-16"))
    (record,) = read_all(path)
    assert record.meta["title"] == "Été record"
    assert record.text == "Chaleur à Paris."


def test_broken_utf16_is_a_read_error_after_the_good_rows(tmp_path: Path):
    path = tmp_path / "broken.csv"
    rows = "".join(f"row {n}\n" for n in range(1, 3001))
    good = ("text\n" + rows).encode("utf-16-le")
    path.write_bytes(b"\xff\xfe" + good + b"\x00\xd8\x41\x00")  # a lone surrogate
    *records, error = read_all(path)
    assert 0 < len(records) <= 3000  # decoded in blocks: the block holding the damage is lost
    assert [r.text for r in records] == [f"row {n}" for n in range(1, len(records) + 1)]
    assert error.reason == reasons.READ_ERROR
    assert "utf-16" in error.detail


def test_oversized_row_is_rejected_and_reading_resumes(tmp_path: Path):
    path = tmp_path / "big.csv"
    long_text = "word " * 2000 + '"quoted" ' + "\n" * 3 + "tail"
    with path.open("w", newline="") as handle:
        csv.writer(handle).writerows([["text"], [long_text], ["after the big row"]])
    big, after = read_all(path, ReadOptions(max_bytes=1000))
    assert isinstance(big, Reject)
    assert big.reason == reasons.TOO_LARGE
    assert big.source.endswith("#1")
    assert len(big.raw) == 1000
    assert isinstance(after, InputRecord)
    assert after.text == "after the big row"
    assert after.source.endswith("#2")


def test_fields_larger_than_the_csv_module_default_limit(tmp_path: Path):
    path = tmp_path / "long.csv"
    text = "A long article paragraph. " * 10_000  # 260 kB > csv's 128 KiB default
    with path.open("w", newline="") as handle:
        csv.writer(handle).writerows([["body"], [text]])
    (record,) = read_all(path)
    assert record.text == text


def test_unbalanced_quote_at_the_end_is_malformed(tmp_path: Path):
    path = tmp_path / "open_quote.csv"
    path.write_text('text\n"fine row"\n"this quote never closes\nand the file ends\n')
    good, broken = read_all(path)
    assert good.text == "fine row"
    assert broken.reason == reasons.MALFORMED_RECORD
    assert broken.source.endswith("#2")


def test_undecodable_row_and_blank_rows(tmp_path: Path):
    path = tmp_path / "mixed.csv"
    filler = b"a long enough row of ordinary words " * 20  # keeps the file as a whole textual
    path.write_bytes(b"text\nfirst\n\nsecond \x93quoted\x94\n\x01\x02\x03\x04\n" + filler + b"\n")
    stats = ReadStats()
    items = read_all(path, stats=stats)
    assert [getattr(i, "text", None) for i in items[:2]] == ["first", "second “quoted”"]
    assert items[2].reason == reasons.BINARY
    assert [i.source.rsplit("#", 1)[1] for i in items] == ["1", "2", "3", "4"]
    assert stats.skipped == {"csv:blank_row": 1}


def test_header_only_binary_and_bad_header(tmp_path: Path):
    header_only = tmp_path / "header.csv"
    header_only.write_text("url,text\n")
    (empty,) = read_all(header_only)
    assert empty.reason == reasons.EMPTY
    binary = tmp_path / "blob.csv"
    binary.write_bytes(bytes(range(256)) * 4)
    (blob,) = read_all(binary)
    assert blob.reason == reasons.BINARY
    bad_header = tmp_path / "bad_header.csv"
    bad_header.write_bytes(b'"never closed,text\nrow\n')
    (bad,) = read_all(bad_header)
    assert bad.reason == reasons.MALFORMED_RECORD
    assert bad.source == str(bad_header)


def test_named_text_field(tmp_path: Path):
    path = tmp_path / "named.csv"
    path.write_text("summary,story\nshort,The whole story.\n")
    (record,) = read_all(path, ReadOptions(text_field="Story"))
    assert record.text == "The whole story."
