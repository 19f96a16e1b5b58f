"""The extraction bench's scoring and page mapping, on small fixtures (no eval data needed)."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from bench.extraction import (
    SCORERS,
    Page,
    cleaneval_text,
    load_pages,
    run_newsclean,
    shingle_match,
    shingle_score,
    shingles,
    snippet_counts,
)

STORY = [
    "The harbour council approved a new budget on Tuesday after a long debate about the cost "
    "of repairing the eastern breakwater.",
    "Councillors said the repairs would take two years and would be paid for partly by higher "
    "mooring fees for visiting yachts.",
]


def test_shingles_follow_the_upstream_definition():
    assert shingles("a b c d e") == {("a", "b", "c", "d"): 1, ("b", "c", "d", "e"): 1}
    assert shingles("only three words") == {("only", "three", "words"): 1}
    assert shingles("") == {}


def test_shingle_match_is_normalised_per_page():
    assert shingle_match("a b c d e", "a b c d e") == (1.0, 0.0, 0.0)
    tp, fp, fn = shingle_match("a b c d e f", "a b c d x y")
    assert (tp, fp, fn) == pytest.approx((1 / 5, 2 / 5, 2 / 5))
    assert shingle_match("", "") == (0.0, 0.0, 0.0)


def test_shingle_score_averages_pages_like_upstream():
    pages = [Page("1", Path("x"), "a b c d e"), Page("2", Path("y"), "")]
    score = shingle_score(pages, {"1": "a b c d e", "2": "junk text that should not be here"})
    # Page 2 has no gold: it counts for precision (0.0) but not for recall.
    assert score.precision == pytest.approx(0.5)
    assert score.recall == pytest.approx(1.0)


def test_cleaneval_gold_loses_url_markers_and_comments():
    gold = "\nURL: http://example.com/a\n<h>Title here\n\n<p>It&#8217;s text.\n<!-- note -->\n"
    assert cleaneval_text(gold) == "Title here\n\nIt’s text."


def test_snippets_are_whitespace_normalised():
    item = {"with": ["new  budget", "missing"], "without": ["Share this"]}
    assert snippet_counts(item, "a new\nbudget. Share this") == (1, 1, 1, 0)


def write_page(path: Path, paragraphs: list[str]) -> Path:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    html = f"<html><head><title>Budget</title></head><body><article>{body}</article></body></html>"
    path.write_bytes(gzip.compress(html.encode()))
    return path


def test_every_page_is_scored_duplicates_and_rejects_included(tmp_path):
    pages = [
        Page("kept", write_page(tmp_path / "a.html.gz", STORY), ""),
        Page("copy", write_page(tmp_path / "b.html.gz", STORY), ""),
        Page("stub", write_page(tmp_path / "c.html.gz", ["Too short."]), ""),
    ]
    output = run_newsclean(pages, tmp_path / "work")
    assert output.texts["kept"] == output.texts["copy"] == "\n\n".join(STORY)
    assert output.texts["stub"] == ""
    assert sum(output.outcomes.values()) == 3
    assert output.outcomes["duplicate"] == 1


def test_held_out_sets_load_with_their_gold(tmp_path):
    """cleaneval (two parts, CleanEval gold) and l3s-gn1 (derived ground-truth.json) layouts."""
    import json

    for part in ("dev", "final-sample200"):
        (tmp_path / "cleaneval" / part / "GoldStandard").mkdir(parents=True)
        (tmp_path / "cleaneval" / part / "input").mkdir()
        gold = tmp_path / "cleaneval" / part / "GoldStandard" / "7.txt"
        gold.write_text("URL: http://example.com/7\n<p>Gold text of the page.\n")
    l3s = tmp_path / "l3s-gn1"
    l3s.mkdir()
    truth = {"u-1": {"url": "http://example.com/1", "articleBody": "Body one."}}
    (l3s / "ground-truth.json").write_text(json.dumps(truth))

    cleaneval = load_pages(tmp_path, "cleaneval")
    assert [page.id for page in cleaneval] == ["dev/7", "final-sample200/7"]
    assert cleaneval[0].path == tmp_path / "cleaneval" / "dev" / "input" / "7.html.gz"
    assert cleaneval[0].gold == "Gold text of the page."
    (page,) = load_pages(tmp_path, "l3s-gn1")
    assert (page.id, page.gold) == ("u-1", "Body one.")
    assert page.path == l3s / "original" / "u-1.html.gz"
    assert SCORERS["cleaneval"] is SCORERS["l3s-gn1"] is shingle_score
