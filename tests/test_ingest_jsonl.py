"""JSON Lines: one record per line, sources ``path#line``, a bad line costs only itself."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

from tasks import reasons
from tasks.documents import InputRecord, Reject
from tasks.ingest import ReadOptions, ReadStats, read_path

FIXTURES = Path(__file__).parent / "fixtures" / "inputs"
NEWS_PLEASE = FIXTURES / "news_please.jsonl"


def read_all(path: Path, options: ReadOptions | None = None, stats: ReadStats | None = None):
    return list(read_path(str(path), options, stats=stats))


def by_source(items) -> dict[str, InputRecord | Reject]:
    return {item.source.rsplit("#", 1)[1]: item for item in items}


def test_every_line_is_a_record_or_a_reject_with_its_line_number():
    stats = ReadStats()
    items = by_source(read_all(NEWS_PLEASE, stats=stats))
    assert sorted(items, key=int) == ["1", "2", "4", "5", "6", "7", "8"]  # line 3 is blank
    assert stats.skipped == {"jsonl:blank_line": 1}
    outcome = {n: getattr(item, "reason", "record") for n, item in items.items()}
    assert outcome == {
        "1": "record",
        "2": "record",
        "4": reasons.MALFORMED_RECORD,
        "5": reasons.MALFORMED_RECORD,
        "6": reasons.NO_TEXT_FIELD,
        "7": reasons.EMPTY,
        "8": "record",
    }
    assert "not an object" in items["5"].detail
    assert "invalid JSON" in items["4"].detail


def test_news_please_record_fields_map_to_text_and_meta():
    items = by_source(read_all(NEWS_PLEASE))
    record = items["1"]
    assert isinstance(record, InputRecord)
    assert record.source == f"{NEWS_PLEASE}#1"
    assert record.text.startswith("Ferry crews returned to work")
    assert record.html is None
    assert record.meta["url"] == "https://www.coastaltimes.example/2024/02/11/ferry-strike-ends"
    assert record.meta["title"] == "Ferry strike ends after nine days"
    assert record.meta["published"] == "2024-02-11 08:45:00"
    assert record.meta["author"] == "Sam Whitfield, Priya Nair"
    assert record.meta["site"] == "www.coastaltimes.example"
    assert record.meta["language"] == "en"
    assert record.raw == NEWS_PLEASE.read_bytes().splitlines()[0]


def test_html_column_gives_an_html_record_and_other_names_are_found():
    items = by_source(read_all(NEWS_PLEASE))
    html_record = items["2"]
    assert isinstance(html_record, InputRecord)
    assert html_record.text is None
    assert "Rhône glacier" in html_record.html
    other = items["8"]
    assert other.meta["url"] == "https://valleypost.example/local/bridge-reopens"
    assert other.meta["title"] == "Old stone bridge reopens to traffic"
    assert other.meta["published"] == "2024-04-02"


def test_named_fields_override_the_common_names(tmp_path: Path):
    path = tmp_path / "custom.jsonl"
    rows = [
        {
            "text": "teaser only",
            "story_body": "The full story.",
            "permalink": "https://x.example/1",
        },
        {"text": "no story body in this one"},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    options = ReadOptions(text_field="story_body", url_field="permalink")
    first, second = read_all(path, options)
    assert isinstance(first, InputRecord)
    assert first.text == "The full story."
    assert first.meta["url"] == "https://x.example/1"
    assert isinstance(second, Reject)
    assert second.reason == reasons.NO_TEXT_FIELD
    assert "story_body" in second.detail


def test_text_wins_over_html_unless_html_is_named(tmp_path: Path):
    path = tmp_path / "both.jsonl"
    path.write_text(json.dumps({"text": "plain", "html": "<p>marked up</p>"}) + "\n")
    (guessed,) = read_all(path)
    assert (guessed.text, guessed.html) == ("plain", None)
    (named,) = read_all(path, ReadOptions(html_field="html"))
    assert (named.text, named.html) == (None, "<p>marked up</p>")


def test_oversized_line_is_rejected_and_the_next_line_is_read(tmp_path: Path):
    path = tmp_path / "big.jsonl"
    big = json.dumps({"text": "x" * 5000})
    path.write_text(big + "\n" + json.dumps({"text": "small"}) + "\n")
    first, second = read_all(path, ReadOptions(max_bytes=1000))
    assert isinstance(first, Reject)
    assert first.reason == reasons.TOO_LARGE
    assert first.source.endswith("#1")
    assert first.raw == big.encode()[:1000]
    assert isinstance(second, InputRecord)
    assert second.text == "small"
    assert second.source.endswith("#2")


def test_line_endings_and_bom_do_not_change_raw(tmp_path: Path):
    line = json.dumps({"text": "Same article.", "url": "https://x.example/a"})
    unix, windows = tmp_path / "unix.jsonl", tmp_path / "windows.jsonl"
    unix.write_bytes(line.encode() + b"\n")
    windows.write_bytes(codecs.BOM_UTF8 + line.encode() + b"\r\n")
    (a,), (b,) = read_all(unix), read_all(windows)
    assert a.raw == b.raw == line.encode()


def test_last_line_without_newline_and_ndjson_suffix(tmp_path: Path):
    path = tmp_path / "feed.ndjson"
    path.write_text(json.dumps({"text": "one"}) + "\n" + json.dumps({"text": "two"}))
    assert [r.text for r in read_all(path)] == ["one", "two"]


def test_a_cp1252_line_in_a_utf8_file_is_decoded(tmp_path: Path):
    path = tmp_path / "mixed.jsonl"
    good = json.dumps({"text": "Ça va"}, ensure_ascii=False).encode("utf-8")
    legacy = json.dumps({"text": "Déjà vu"}, ensure_ascii=False).encode("cp1252")
    path.write_bytes(good + b"\n" + legacy + b"\n")
    assert [r.text for r in read_all(path)] == ["Ça va", "Déjà vu"]


def test_utf16_file(tmp_path: Path):
    path = tmp_path / "utf16.jsonl"
    text = json.dumps({"text": "Über"}, ensure_ascii=False) + "\n" + json.dumps({"text": "Zwei"})
    path.write_bytes(text.encode("utf-16"))
    assert [r.text for r in read_all(path)] == ["Über", "Zwei"]


def test_bad_values_are_rejected(tmp_path: Path):
    path = tmp_path / "bad.jsonl"
    lines = [
        json.dumps({"text": 42}),
        "[" * 100_000 + "]" * 100_000,
        json.dumps("just a string"),
        "null",
    ]
    path.write_text("\n".join(lines) + "\n")
    items = read_all(path)
    assert [i.reason for i in items] == [reasons.MALFORMED_RECORD] * 4
    assert "holds int" in items[0].detail
    assert "JSON string" in items[2].detail
    assert "JSON null" in items[3].detail


def test_binary_and_empty_files_give_one_reject(tmp_path: Path):
    binary, empty = tmp_path / "blob.jsonl", tmp_path / "empty.jsonl"
    binary.write_bytes(b"\x00\x01\x02" * 1000 + b"\n" + b"\xff\x00" * 100)
    empty.write_bytes(b"\n\n")
    (b,) = read_all(binary)
    assert b.reason == reasons.BINARY
    assert b.source == str(binary)
    stats = ReadStats()
    (e,) = read_all(empty, stats=stats)
    assert e.reason == reasons.EMPTY
    assert stats.skipped["jsonl:blank_line"] == 2
