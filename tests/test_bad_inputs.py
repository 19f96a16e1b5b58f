"""A corpus of broken inputs through the real pipeline: each ends as a reject with a clear reason.

The files are built here, in a temporary folder, next to a few good ones. One run of
:func:`tasks.pipeline.run_pipeline` must complete, publish the good articles, give every bad
input the expected reject row (read back from the Parquet output with DuckDB), and account for
every input exactly once.
"""

from __future__ import annotations

import gzip
import io
import json
import random
from pathlib import Path

import duckdb
import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from flows.params import CleanNewsParams
from tasks import reasons
from tasks.pipeline import run_pipeline

MAX_INPUT_MB = 2  # the documented --max-input-mb option, small so a big file is cheap to build
SENTENCES = [
    "Ferry crews returned to work on Sunday after the union accepted a revised pay offer.",
    "The city council approved a budget that doubles spending on road repairs next year.",
    "Farmers in the valley reported the earliest cherry harvest in three decades.",
    "A new library opened downtown with a rooftop garden and a room for young readers.",
    "Rail passengers faced delays after a signal failure near the central station.",
    "The museum will return two statues to the village where they were found in 1923.",
    "Hospital staff tested a scheduling system that cut waiting times by a fifth.",
    "Fishermen say warmer water has pushed the cod further north every summer.",
    "The school board voted to keep its buildings open in the evening for adult classes.",
    "Engineers began repairing the old stone bridge after cracks appeared in March.",
    "Local bakers protested against a rise in flour prices outside the town hall.",
    "The airport expects a record number of travellers during the holiday weekend.",
    "Volunteers planted four thousand trees along the river in a single afternoon.",
    "Police closed the coastal road for six hours after a landslide on Tuesday night.",
    "The orchestra announced a free concert in the park to mark its centenary.",
    "A start-up in the harbour district hired sixty people to build electric boats.",
]


def story(n: int) -> str:
    """A distinct good article: a headline and two paragraphs drawn for ``n``."""
    picks = random.Random(n).sample(SENTENCES, 4)
    return (
        f"Report number {n} from the regional desk\n\n"
        f"{picks[0]} {picks[1]}\n\n{picks[2]} {picks[3]} The report was filed on day {n}.\n"
    )


def warc(records: int) -> bytes:
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True)
    for n in range(records):
        body = "".join(f"<p>{p}</p>" for p in story(100 + n).split("\n\n"))
        html = f"<html><body><article>{body}</article></body></html>".encode()
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        record = writer.create_warc_record(
            f"https://news.example/{n}", "response", payload=io.BytesIO(html), http_headers=headers
        )
        writer.write_record(record)
    return buffer.getvalue()


def build_corpus(folder: Path) -> dict[str, tuple[str, str | None]]:
    """Write the files; return ``source suffix -> (expected outcome, text in detail/article)``.

    The outcome is a reject reason, or ``"article"``.
    """
    folder.mkdir()
    expected: dict[str, tuple[str, str | None]] = {}

    def put(name: str, data: bytes | str, outcome: str, needle: str | None = None) -> None:
        path = folder / name
        path.write_bytes(data.encode() if isinstance(data, str) else data)
        expected[name] = (outcome, needle)

    put("good.txt", story(1), "article", "was filed on day")
    # Binary and undecodable content.
    put("binary.txt", bytes(range(256)) * 64, reasons.BINARY, "not text")
    put("photo.html", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, reasons.BINARY)
    noise = bytes((n * 7919 + 13) % 224 + 32 for n in range(4000))  # printable high bytes
    put("noise.txt", noise, reasons.UNDECODABLE, "no legacy encoding")
    # Other encodings are detected and decoded, not rejected.
    french = (
        "Les cafés de Genève ferment plus tôt\n\n"
        "Les propriétaires de cafés à Genève estiment que les nouvelles règles leur coûteront "
        "près de 300 € par mois, selon l’association des commerçants du quartier des Pâquis.\n"
    )
    put("cafes_cp1252.txt", french.encode("cp1252"), "article", "Genève")
    german = (
        "Zürich plant Nachtbetrieb der Straßenbahn\n\n"
        "Die Bürgermeisterin von Zürich kündigte am Montag an, dass die Straßenbahn künftig "
        "auch nachts fahren soll. Die Gebühren für Fahrgäste würden sich nicht ändern.\n"
    )
    put("tram_latin1.txt", german.encode("latin-1"), "article", "Straßenbahn")
    put("ferry_utf16.txt", story(2).encode("utf-16-le"), "article", "was filed on day")
    russian = (
        "Переговоры продолжатся в Москве\n\n"
        "Президент России заявил в понедельник, что переговоры с соседними странами "
        "продолжатся на следующей неделе в Москве. По его словам, стороны близки к соглашению.\n"
    )
    put("talks_cp1251.txt", russian.encode("cp1251"), "article", "переговоры")
    stray = story(3).encode() + "Zürich’s mayor agreed.".encode() + b" It\x92s over.\n"
    put("stray_byte.txt", stray, "article", "It’s over.")
    # Empty, whitespace only, too large.
    put("empty.txt", b"", reasons.EMPTY)
    put("blank.txt", " \n\t\r\n\u00a0 \n", reasons.EMPTY)
    put("huge.txt", story(4) * (MAX_INPUT_MB * 1024 * 1024 // len(story(4)) + 1), reasons.TOO_LARGE)
    # Containers with damaged records: the good records around them still count.
    jsonl = [
        json.dumps({"title": "Ferry story five", "text": story(5)}),
        "{not json",
        "[1, 2, 3]",
        json.dumps({"title": "no text column"}),
        "",
        json.dumps({"text": story(6)}),
    ]
    put("feed.jsonl", "\n".join(jsonl) + "\n", "article")
    expected.update(
        {
            "feed.jsonl#1": ("article", "was filed on day"),
            "feed.jsonl#2": (reasons.MALFORMED_RECORD, "invalid JSON"),
            "feed.jsonl#3": (reasons.MALFORMED_RECORD, "not an object"),
            "feed.jsonl#4": (reasons.NO_TEXT_FIELD, None),
            "feed.jsonl#6": ("article", "was filed on day"),
        }
    )
    rows = [
        "title,text",
        f"Ferry story seven,{json.dumps(story(7))}",
        '"Extra field","some text","surplus"',
        "only one field",
    ]
    put("table.csv", "\n".join(rows) + "\n", "article")
    expected.update(
        {
            "table.csv#1": ("article", "was filed on day"),
            "table.csv#2": (reasons.MALFORMED_RECORD, "3 fields, header has 2"),
            "table.csv#3": (reasons.MALFORMED_RECORD, "1 fields, header has 2"),
        }
    )
    lines = "".join(json.dumps({"text": story(20 + n)}) + "\n" for n in range(40))
    packed = gzip.compress(lines.encode())
    put("cut.jsonl.gz", packed[: len(packed) * 2 // 3], reasons.READ_ERROR, "gzip")
    archive = warc(3)
    put("cut.warc.gz", archive[: len(archive) - 200], reasons.READ_ERROR, "WARC")
    # HTML that is too deep, too big, or has no body.
    body = f"<p>{story(9)}</p>"
    deep = "<html><body>" + "<div>" * 300 + body + "</div>" * 300 + "</body></html>"
    put("deep.html", deep, reasons.EXTRACTION_EMPTY, "nest more than 255 deep")
    put("huge_tree.html", "<html><body>" + "<div>" * 40_000 + "</body></html>", reasons.TOO_LARGE)
    put("no_body.html", "<html><head><title>Only a title</title></head></html>", "extract_empty")
    # Text that cleaning leaves nothing of, or in a script no language profile covers.
    put(
        "boilerplate.txt",
        "Share this article\nComments 0\nAll rights reserved.\nSign up for our newsletter\n",
        reasons.ALL_BOILERPLATE,
    )
    georgian = (
        "საქართველოს პრემიერ-მინისტრმა დღეს თბილისში ახალი ეკონომიკური პოლიტიკის შესახებ "
        "განცხადება გააკეთა. შეხვედრას ბევრი ადამიანი დაესწრო.\n"
    )
    put("georgian.txt", georgian, reasons.UNSUPPORTED_SCRIPT, "GEORGIAN")
    amharic = "የኢትዮጵያ ጠቅላይ ሚኒስትር ዛሬ በአዲስ አበባ ስለ አዲሱ የኢኮኖሚ ፖሊሲ መግለጫ ሰጥተዋል።\n"
    put("amharic.txt", amharic, reasons.UNSUPPORTED_SCRIPT, "ETHIOPIC")
    # Lines built to make backtracking regexes slow: the run still completes.
    slow = [" " * 300_000 + "x", "a" * 300_000, '"' * 300_000, "Share " * 50_000, ". " * 150_000]
    put("slow_lines.txt", story(8) + "\n".join(slow) + "\n", "article", "was filed on day")
    return expected


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp("bad")
    expected = build_corpus(root / "in")
    config = CleanNewsParams(max_input_mb=MAX_INPUT_MB).pipeline_config()
    result = run_pipeline([str(root / "in")], root / "out", config)
    return root, expected, result


def rows(out: Path, dataset: str, columns: str) -> list[tuple]:
    pattern = f"{out / dataset}/**/*.parquet"
    query = f"select {columns} from read_parquet('{pattern}', hive_partitioning=true)"
    with duckdb.connect() as con:
        return con.execute(query).fetchall()


def test_every_bad_input_is_a_reject_with_its_reason(run):
    root, expected, _ = run
    folder = str(root / "in") + "/"
    rejects = {
        s.removeprefix(folder): (r, d)
        for s, r, d in rows(root / "out", "rejects", "source, reason, detail")
    }
    for name, (outcome, needle) in expected.items():
        if outcome == "article" or name in ("feed.jsonl", "table.csv"):
            continue
        assert name in rejects, f"{name}: no reject row"
        reason, detail = rejects[name]
        assert reason == outcome, f"{name}: {reason} ({detail})"
        assert detail, f"{name}: reject without detail"
        if needle:
            assert needle in detail, f"{name}: {detail!r}"
    # The readable part of a cut container is kept: the first records came through.
    assert any(s.startswith("cut.jsonl.gz#") for s in rows_sources(root))
    assert {f"cut.warc.gz#{n}" for n in (1, 2)} <= rows_sources(root)


def rows_sources(root: Path) -> set[str]:
    folder = str(root / "in") + "/"
    found = set()
    for dataset in ("articles", "duplicates", "rejects"):
        found.update(s.removeprefix(folder) for (s,) in rows(root / "out", dataset, "source"))
    return found


def test_good_and_re_encoded_inputs_become_articles(run):
    root, expected, _ = run
    folder = str(root / "in") + "/"
    articles = {
        s.removeprefix(folder): (text, language)
        for s, text, language in rows(root / "out", "articles", "source, text, language")
    }
    for name, (outcome, needle) in expected.items():
        if outcome != "article" or name in ("feed.jsonl", "table.csv"):
            continue
        assert name in articles, f"{name}: not an article"
        assert needle in articles[name][0], f"{name}: {articles[name][0][:200]!r}"
    assert articles["cafes_cp1252.txt"][1] == "fr"
    assert articles["tram_latin1.txt"][1] == "de"
    assert articles["talks_cp1251.txt"][1] == "ru"
    assert "â€" not in articles["stray_byte.txt"][0] and "Zürich’s" in articles["stray_byte.txt"][0]


def test_nothing_is_lost(run):
    root, _, result = run
    ids = [
        doc_id
        for dataset in ("articles", "duplicates", "rejects")
        for (doc_id,) in rows(root / "out", dataset, "doc_id")
    ]
    assert len(ids) == len(set(ids)) == result.summary["inputs"]
    assert result.summary["accounted"]
    # Every input file shows up, whole or record by record.
    sources = rows_sources(root)
    for path in (root / "in").iterdir():
        assert any(s == path.name or s.startswith(path.name + "#") for s in sources), path.name


def test_rejects_keep_the_raw_bytes(run):
    root, _, _ = run
    folder = str(root / "in") + "/"
    raw = {s.removeprefix(folder): r for s, r in rows(root / "out", "rejects", "source, raw")}
    assert raw["binary.txt"] == (root / "in" / "binary.txt").read_bytes()
    assert raw["feed.jsonl#2"] == b"{not json"
