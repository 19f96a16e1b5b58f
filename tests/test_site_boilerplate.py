"""Site boilerplate learned from the corpus: what recurs across a site's stories goes, the rest
stays (wire copies included), every removal explained, the result independent of sharding."""

from __future__ import annotations

import contextlib
import hashlib
import json
import random
import re
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np
import pyarrow.dataset as ds
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tasks import reasons, site_boilerplate
from tasks.assemble import _ShardFrame
from tasks.config import PipelineConfig
from tasks.counts import Counts
from tasks.dedup import DedupConfig, compute_signatures, deduplicate
from tasks.normalize import comparison_key
from tasks.pipeline import run_pipeline
from tasks.site_apply import strip_site_boilerplate
from tasks.site_boilerplate import (
    CATEGORY,
    RULE,
    SiteBoilerplateConfig,
    SiteDocument,
    find_site_boilerplate,
    site_of,
)
from tasks.store import OutputStore
from tasks.textspill import spilled_texts

# Wording no line rule knows: only the corpus can tell that it is template text.
NEWSLETTER = "Get the Harbour Gazette morning briefing in your inbox before the ferries leave"
RELATED = "Gazette picks for your weekend on the quays"

STORIES = {
    "council": [
        "The harbour council approved a new budget on Tuesday after a long debate about the "
        "cost of repairing the eastern breakwater.",
        "Councillors said the repairs would take two years and would be paid for partly by "
        "higher mooring fees for visiting yachts.",
        "Opposition members argued that local fishermen should not carry the burden of the "
        "increase and called for a public consultation.",
    ],
    "lifeboat": [
        "Volunteers from the lifeboat station rescued three kayakers caught by a sudden squall "
        "off the northern headland on Sunday afternoon.",
        "The coxswain said the group had set out in calm weather but were pushed towards the "
        "rocks when the wind turned without warning.",
        "All three were taken to the quay wrapped in blankets and later went home after being "
        "checked by paramedics.",
    ],
    "market": [
        "The Saturday fish market will move indoors for the winter, traders announced, ending "
        "a tradition of open stalls along the harbour wall.",
        "The old net loft behind the chandlery has been converted with new drainage, cold "
        "rooms and space for twenty vendors.",
        "Some customers said they would miss the sea views, while traders welcomed shelter "
        "from the storms that often cut trading short.",
    ],
    "school": [
        "Pupils at the primary school on Chapel Street planted a wildflower meadow on the "
        "former car park as part of a biodiversity project.",
        "Teachers hope the meadow will attract bees and butterflies and give the children an "
        "outdoor classroom for science lessons next spring.",
        "Parents donated seeds, compost and tools, and a local builder removed the old tarmac "
        "free of charge over the half-term holiday.",
    ],
    "festival": [
        "Organisers of the summer sea shanty festival say ticket sales have doubled since last "
        "year, with choirs coming from Norway and Brittany.",
        "Performances will take place on a floating stage moored beside the lighthouse, weather "
        "permitting, with a covered fallback in the town hall.",
        "Road closures around the harbour will be in place on both festival evenings, and extra "
        "buses will run from the railway station.",
    ],
}

WIRE = [
    "Shipping companies warned on Monday that a strike by port workers across the country "
    "could delay deliveries of fuel and food to island communities.",
    "Union leaders said the walkout would go ahead unless employers improved their pay offer "
    "before the end of the week.",
    "The transport ministry said contingency plans were in place and urged both sides to "
    "return to talks as soon as possible.",
]


def page(title: str, paragraphs: list[str], site: str = "Harbour Gazette") -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        "<!DOCTYPE html><html><head>"
        f"<title>{title}</title>"
        f'<meta property="og:site_name" content="{site}">'
        f'<meta property="og:title" content="{title}">'
        "</head><body><article>"
        f"<h1>{title}</h1>{body}"
        f'<div class="promo"><p>{NEWSLETTER}</p></div>'
        f"<p>{RELATED}</p>"
        "</article></body></html>"
    )


@pytest.fixture
def gazette(tmp_path: Path) -> Path:
    """Five stories and three copies of one wire story, all from one site."""
    folder = tmp_path / "gazette"
    folder.mkdir()
    for slug, paragraphs in STORIES.items():
        title = f"Harbour news about the {slug}"
        (folder / f"{slug}.html").write_text(page(title, paragraphs), encoding="utf-8")
    for n in range(3):
        title = f"Port strike threatens island deliveries (edition {n + 1})"
        (folder / f"wire_{n + 1}.html").write_text(page(title, WIRE), encoding="utf-8")
    return folder


def table(out: Path, name: str) -> list[dict]:
    return ds.dataset(out / name, partitioning="hive").to_table().to_pylist()


def test_recurring_lines_go_and_wire_copies_keep_their_paragraphs(gazette, tmp_path):
    out = tmp_path / "out"
    result = run_pipeline([str(gazette)], out)
    articles = {Path(r["source"]).stem: r for r in table(out, "articles")}
    duplicates = table(out, "duplicates")
    assert sorted(articles) == ["council", "festival", "lifeboat", "market", "school", "wire_1"]
    assert len(duplicates) == 2 and result.summary["accounted"]
    for slug, paragraphs in STORIES.items():
        assert articles[slug]["text"].split("\n\n") == paragraphs
    assert articles["wire_1"]["text"].split("\n\n") == WIRE
    removed = [r for r in table(out, "removed_lines") if r["rule"] == RULE]
    assert {r["line"] for r in removed} == {NEWSLETTER, RELATED}
    assert len(removed) == 2 * 8  # both lines from every page, copies included
    assert {r["category"] for r in removed} == {CATEGORY}
    # Evidence counts stories, not pages: three copies of the wire story are one story.
    assert {r["detail"] for r in removed} == {"in 6 of 6 stories of site harbour gazette"}
    for row in articles.values():
        assert row["n_removed_lines"] == 2
        assert row["n_words"] == len(re.findall(r"\w+", row["text"]))
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["counts"]["removed_by_rule"][RULE] == 16
    assert manifest["counts"]["removed_by_category"][CATEGORY] == 16


def test_removed_line_numbers_point_into_the_extracted_text(gazette, tmp_path):
    out = tmp_path / "out"
    run_pipeline([str(gazette)], out)
    removed = [r for r in table(out, "removed_lines") if r["rule"] == RULE]
    # Extracted text: 3 paragraphs then the two template lines, one per line, blank-separated
    # (the headline is metadata, dropped before cleaning).
    assert {(r["line"], r["line_no"]) for r in removed} == {(NEWSLETTER, 7), (RELATED, 9)}


def test_two_sites_do_not_pool_their_evidence(gazette, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    for slug in ("council", "lifeboat"):
        html = page(f"Elsewhere: {slug}", [*STORIES[slug][:1], "A local angle."], site="Bay Post")
        (other / f"{slug}.html").write_text(html, encoding="utf-8")
    out = tmp_path / "out"
    run_pipeline([str(gazette), str(other)], out)
    kept = {r["source"]: r["text"] for r in table(out, "articles")}
    bay_post = [text for source, text in kept.items() if "/other/" in source]
    assert len(bay_post) == 2
    assert all(NEWSLETTER in text and RELATED in text for text in bay_post)


def test_result_does_not_depend_on_sharding(gazette, tmp_path):
    def rows(out: Path) -> dict[str, list]:
        return {
            name: sorted(table(out, name), key=lambda r: (r["doc_id"], r.get("line_no", 0)))
            for name in ("articles", "duplicates", "removed_lines", "rejects")
        }

    def data(out: Path) -> dict[str, str]:
        return {
            str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
            for name in ("articles", "duplicates", "removed_lines", "rejects")
            for p in sorted((out / name).rglob("*.parquet"))
        }

    run_pipeline([str(gazette)], tmp_path / "one", shard_files=1000)
    run_pipeline([str(gazette)], tmp_path / "many", shard_files=2)
    run_pipeline([str(gazette)], tmp_path / "again", shard_files=2)
    assert rows(tmp_path / "one") == rows(tmp_path / "many")
    assert data(tmp_path / "many") == data(tmp_path / "again")
    assert data(tmp_path / "one") == data(tmp_path / "many")  # row groups are not shards


def test_a_page_left_too_short_becomes_a_reject_with_its_raw_bytes(gazette, tmp_path):
    stub = gazette / "stub.html"
    stub.write_text(page("A stub", ["Tide tables soon."]), encoding="utf-8")
    out = tmp_path / "out"
    result = run_pipeline([str(gazette)], out)
    rejects = {Path(r["source"]).name: r for r in table(out, "rejects")}
    assert rejects["stub.html"]["reason"] == reasons.TOO_SHORT
    assert "site boilerplate" in rejects["stub.html"]["detail"]
    assert rejects["stub.html"]["raw"] == stub.read_bytes()
    assert result.summary["accounted"] and result.summary["rejects"] == 1
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["counts"]["reject_reasons"] == {reasons.TOO_SHORT: 1}
    assert manifest["counts"]["candidates"] == 8


def test_the_texts_handed_on_are_the_changed_frames_texts(gazette, tmp_path):
    """The run's texts are spilled once: after the pass, the spill (rewritten texts appended,
    rejects left out) gives each frame's candidates' texts, in frame order."""
    (gazette / "stub.html").write_text(page("A stub", ["Tide tables soon."]), encoding="utf-8")
    out = tmp_path / "out"
    run_pipeline([str(gazette)], out, shard_files=2)
    shards = json.loads((out / "manifest.json").read_text())["shards"]
    frames = [_ShardFrame.load(OutputStore(out).meta / "shards" / name) for name in shards]
    before = [t for f in frames for t in f.texts().to_pylist()]
    counts = Counts()
    with spilled_texts([f.texts() for f in frames], tmp_path / "spill") as spilled:
        changed, texts = strip_site_boilerplate(frames, PipelineConfig(), counts, tmp_path, spilled)
        with contextlib.closing(texts):
            after = [t for f in changed for t in f.texts().to_pylist()]
            assert list(texts) == after
            assert len(after) == len(before) - 1  # the stub became a reject
            assert all(NEWSLETTER not in t for t in after)
            assert list(spilled)[: len(before)] == before  # rows already given never change


# --- the decision itself -----------------------------------------------------------------

DEDUP = DedupConfig()


def docs_from(texts: list[str], site: str = "Harbour Gazette") -> list[SiteDocument]:
    return [SiteDocument(f"d{i:03d}", f"in/{i}.txt", t, site=site) for i, t in enumerate(texts)]


def find(docs: list[SiteDocument], **settings) -> dict[str, set[str]]:
    signatures = compute_signatures([d.text for d in docs], DEDUP)
    found = find_site_boilerplate(docs, signatures, DEDUP, SiteBoilerplateConfig(**settings))
    removed: dict[str, set[str]] = {}
    for line in found:
        removed.setdefault(docs[line.doc].doc_id, set()).add(line.line)
    return removed


def story_texts(extra: str) -> list[str]:
    return ["\n\n".join([*paragraphs, extra]) for paragraphs in STORIES.values()]


def test_a_line_in_too_few_stories_stays():
    texts = story_texts("Corrections: write to the desk")
    texts[2:] = ["\n\n".join(p) for p in list(STORIES.values())[2:]]
    assert find(docs_from(texts)) == {}  # two stories carry it, min_stories is 3
    assert len(find(docs_from(texts), min_stories=2)) == 2


def test_a_line_in_too_small_a_share_of_the_site_stays():
    texts = story_texts(NEWSLETTER)
    assert len(find(docs_from(texts))) == 5
    assert find(docs_from(texts), min_share=1.0) == find(docs_from(texts))
    many = texts[:3] + [f"Unrelated story number {n} about {n * 7} boats." for n in range(20)]
    assert find(docs_from(many)) == {}  # 3 of 23 stories < 20 %


def test_long_shared_paragraph_is_content():
    background = " ".join(["The breakwater was built in 1872 and has been repaired twice."] * 6)
    texts = story_texts(background)
    assert find(docs_from(texts)) == {}  # longer than max_words
    assert len(find(docs_from(texts), max_words=100)) == 5


def test_copies_of_one_story_are_one_story():
    texts = ["\n\n".join([*WIRE, NEWSLETTER, f"Edition {n}."]) for n in range(5)]
    assert find(docs_from(texts)) == {}  # five pages carry the line, but only one story
    assert len(find(docs_from(texts), story_jaccard=1.0, story_containment=1.0)) == 5


def test_decision_does_not_depend_on_input_order():
    texts = story_texts(NEWSLETTER) + ["\n\n".join([*WIRE, NEWSLETTER])] * 3
    docs = docs_from(texts)
    shuffled = docs[:]
    random.Random(7).shuffle(shuffled)
    assert find(docs) == find(shuffled)


def test_decision_does_not_depend_on_threads_or_batches(monkeypatch):
    texts = story_texts(NEWSLETTER) + ["\n\n".join([*WIRE, NEWSLETTER, RELATED])] * 3
    docs = docs_from(texts)
    signatures = compute_signatures([d.text for d in docs], DEDUP)
    expected = find_site_boilerplate(docs, signatures, DEDUP)
    monkeypatch.setattr(site_boilerplate, "_BATCH", 2)
    for workers in (1, 3):
        assert find_site_boilerplate(docs, signatures, DEDUP, workers=workers) == expected
    assert len(expected) >= 5


def test_site_is_the_host_then_the_stated_name_then_the_folder():
    assert site_of("The Gazette", "https://www.gazette.example/a", "x/y.html") == "gazette.example"
    assert site_of("The  Gazette", None, "x/y.html") == "the gazette"
    assert site_of("", "https://m.gazette.example/a", "x/y.html") == "m.gazette.example"
    assert site_of("The Gazette", "not a url", "x/y.html") == "the gazette"
    assert site_of(None, None, "crawl/2024/page.html") == "folder:crawl/2024"
    assert site_of(None, None, "crawl/records.jsonl#12") == "folder:crawl"


def reference(docs: list[SiteDocument], cfg: SiteBoilerplateConfig) -> list[tuple[int, int, str]]:
    """The decision as the module docstring states it, in dictionaries (no hashing)."""
    signatures = compute_signatures([d.text for d in docs], DEDUP)
    keys = [[comparison_key(p) for p in (d.text.split("\n\n") if d.text else [])] for d in docs]
    members: dict[str, list[int]] = {}
    for i, d in enumerate(docs):
        members.setdefault(site_of(d.site, d.url, d.source), []).append(i)
    common = {}
    for site, rows in members.items():
        if len(rows) >= cfg.min_stories:
            carriers = Counter(k for i in rows for k in set(keys[i]))
            frequent = {k for k, n in carriers.items() if n >= cfg.min_stories and k}
            common[site] = {k for k in frequent if len(re.findall(r"\w+", k)) <= cfg.max_words}
    common = {site: keys_ for site, keys_ in common.items() if keys_}
    grouped = sorted(i for site in common for i in members[site])
    if not grouped:
        return []
    loose = replace(
        DEDUP,
        jaccard_threshold=cfg.story_jaccard,
        containment_threshold=cfg.story_containment,
        min_jaccard_for_containment=cfg.story_min_jaccard,
        policy="longest",
        source_priority=(),
    )
    decisions = deduplicate(
        [docs[i].doc_id for i in grouped],
        [docs[i].source for i in grouped],
        signatures.take(np.array(grouped)),
        loose,
        texts=[docs[i].text for i in grouped],
    )
    story = {i: d.duplicate_of or d.doc_id for i, d in zip(grouped, decisions, strict=True)}
    chosen: dict[int, dict[str, str]] = {}
    for site in common:
        rows = members[site]
        total = len({story[i] for i in rows})
        for k in common[site]:
            n = len({story[i] for i in rows if k in keys[i]})
            if n >= cfg.min_stories and n >= cfg.min_share * total:
                for i in rows:
                    chosen.setdefault(i, {})[k] = f"in {n} of {total} stories of site {site}"
    return [
        (i, p, chosen[i][k])
        for i in sorted(chosen)
        for p, k in enumerate(keys[i])
        if k in chosen[i]
    ]


TEMPLATE_LINES = [NEWSLETTER, RELATED, "Share this:", "SHARE  this:", "Advertisement", ""]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([*sorted(STORIES), "wire"]),
            st.lists(st.sampled_from(TEMPLATE_LINES), max_size=3),
            st.sampled_from(["a.example", "b.example", None]),
        ),
        min_size=1,
        max_size=30,
    ),
    st.sampled_from([2, 3]),
    st.sampled_from([0.1, 0.2, 0.5]),
)
def test_the_hashed_decision_is_the_stated_one(rows, min_stories, min_share):
    docs = []
    for n, (story, extra, host) in enumerate(rows):
        body = WIRE if story == "wire" else STORIES[story]
        url = f"https://{host}/{n}" if host else None
        docs.append(
            SiteDocument(
                f"d{n:03d}", f"in/{n}.txt", "\n\n".join([*body, *extra]), site="Gazette", url=url
            )
        )
    cfg = SiteBoilerplateConfig(min_stories=min_stories, min_share=min_share, max_words=12)
    signatures = compute_signatures([d.text for d in docs], DEDUP)
    found = find_site_boilerplate(docs, signatures, DEDUP, cfg)
    expected = reference(docs, cfg)
    assert [(f.doc, f.paragraph, f.detail) for f in found] == expected
    for f in found:
        assert f.line == docs[f.doc].text.split("\n\n")[f.paragraph]
