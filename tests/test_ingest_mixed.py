"""A folder holding every format: each record and reject is accounted for, per file."""

from __future__ import annotations

import gzip
import io
import json
import shutil
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from tasks import reasons
from tasks.documents import InputRecord, Reject
from tasks.ingest import ReadStats, discover, read_path

FIXTURES = Path(__file__).parent / "fixtures" / "inputs"


def write_warc(path: Path) -> None:
    buffer = io.BytesIO()
    w = WARCWriter(buffer, gzip=True)
    w.write_record(w.create_warcinfo_record(path.name, {"software": "newsclean-tests"}))
    for n in (1, 2):
        uri = f"https://city.example/story-{n}"
        request = StatusAndHeaders(f"GET /story-{n} HTTP/1.1", [], is_http_request=True)
        w.write_record(
            w.create_warc_record(uri, "request", payload=io.BytesIO(b""), http_headers=request)
        )
        body = f"<html><body><article><p>Story {n} about the city.</p></article></body></html>"
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        w.write_record(
            w.create_warc_record(
                uri, "response", payload=io.BytesIO(body.encode()), http_headers=headers
            )
        )
    path.write_bytes(buffer.getvalue())


def build_folder(root: Path) -> dict[str, tuple[int, int]]:
    """Write one file per format; return ``{relative path: (records, rejects)}`` expected."""
    shutil.copy(FIXTURES / "council_budget.html", root / "council_budget.html")
    shutil.copy(FIXTURES / "cafe_port_cp1252.html", root / "cafe_port.htm")
    shutil.copy(FIXTURES / "news_please.jsonl", root / "news_please.jsonl")
    shutil.copy(FIXTURES / "articles.csv", root / "articles.csv")
    (root / "story.txt").write_text("The harbour festival starts on Friday.\n")
    feed = "\n".join(json.dumps({"content": f"Item {n}."}) for n in (1, 2)) + "\n"
    (root / "feed.ndjson.gz").write_bytes(gzip.compress(feed.encode()))
    (root / "feed.tsv").write_text("title\tbody\nTide tables\tHigh tide at 6:12.\n")
    table = pa.table({"text": ["Parquet article.", None], "url": ["u1", "u2"]})
    pq.write_table(table, root / "rows.parquet")
    write_warc(root / "crawl.warc.gz")
    (root / "manual.pdf").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    (root / "empty.jsonl").write_bytes(b"")
    (root / ".hidden.jsonl").write_text(json.dumps({"text": "never read"}) + "\n")
    (root / "sub" / "deeper").mkdir(parents=True)
    (root / "sub" / "deeper" / "nested.txt").write_text("A nested article.\n")
    return {
        "articles.csv": (3, 2),
        "cafe_port.htm": (1, 0),
        "council_budget.html": (1, 0),
        "crawl.warc.gz": (2, 0),
        "empty.jsonl": (0, 1),
        "feed.ndjson.gz": (2, 0),
        "feed.tsv": (1, 0),
        "manual.pdf": (0, 1),
        "news_please.jsonl": (3, 4),
        "rows.parquet": (1, 1),
        "story.txt": (1, 0),
        "sub/deeper/nested.txt": (1, 0),
    }


def test_every_file_and_record_is_accounted_for(tmp_path: Path):
    expected = build_folder(tmp_path)
    files = discover([str(tmp_path)])
    assert [str(Path(f).relative_to(tmp_path)) for f in files] == sorted(expected)

    stats = ReadStats()
    seen: dict[str, list[int]] = {name: [0, 0] for name in expected}
    reasons_seen: Counter[str] = Counter()
    total = 0
    for path in files:
        name = str(Path(path).relative_to(tmp_path))
        for item in read_path(path, stats=stats):
            total += 1
            assert item.source == path or item.source.startswith(path + "#")
            if isinstance(item, InputRecord):
                seen[name][0] += 1
            else:
                assert isinstance(item, Reject)
                assert item.reason in reasons.ALL
                seen[name][1] += 1
                reasons_seen[item.reason] += 1

    assert {name: tuple(counts) for name, counts in seen.items()} == expected
    assert total == sum(records + rejects for records, rejects in expected.values())
    assert reasons_seen[reasons.UNSUPPORTED_FORMAT] == 1
    assert reasons_seen[reasons.EMPTY] == 4  # empty.jsonl, a JSONL, a CSV and a Parquet row
    assert stats.skipped == {
        "jsonl:blank_line": 1,
        "warc:warcinfo": 1,
        "warc:request": 2,
    }


def test_doc_ids_are_unique_and_stable(tmp_path: Path):
    build_folder(tmp_path)
    files = discover([str(tmp_path)])
    first = [item.doc_id for path in files for item in read_path(path)]
    second = [item.doc_id for path in files for item in read_path(path)]
    assert first == second
    assert len(set(first)) == len(first)
