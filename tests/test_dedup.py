"""Tests for exact and near-duplicate detection (tasks.dedup, tasks.minhash)."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from tasks import minhash
from tasks.dedup import (
    Decision,
    Decisions,
    DedupConfig,
    Earlier,
    Signatures,
    compute_signatures,
    decide,
    deduplicate,
    deduplicate_texts,
    exact_groups,
    kept_copies,
)

FIXTURES = Path(__file__).parent / "fixtures" / "syndicated"
REPO = Path(__file__).resolve().parent.parent
WIRE = ["wire_original", "wire_copy_courier", "wire_copy_aggregator", "wire_copy_intl"]
SOURCES = {
    "wire_original": "apnews.example",
    "wire_copy_courier": "dailycourier.example/news",
    "wire_copy_aggregator": "newsnow.example",
    "wire_copy_intl": "apnews.example/world",
    "update_v1": "metro.example",
    "update_v2": "metro.example",
    "quote_story_workers": "valleytribune.example",
    "quote_story_markets": "marketwire.example",
}
PUBLISHED = {
    "wire_original": "2024-08-13T06:12:00Z",
    "wire_copy_courier": "2024-08-13T07:30:00-07:00",
    "wire_copy_aggregator": "2024-08-13",
    "wire_copy_intl": None,
    "update_v1": "2024-08-14T09:05:00-07:00",
    "update_v2": "2024-08-14T14:40:00-07:00",
    "quote_story_workers": "2024-09-05T16:00:00Z",
    "quote_story_markets": "2024-09-05T15:10:00Z",
}


def text(name: str) -> str:
    return (FIXTURES / f"{name}.txt").read_text(encoding="utf-8")


def run(
    names: list[str],
    cfg: DedupConfig | None = None,
    *,
    verify: str = "exact",
    extra: dict[str, tuple[str, str, str | None]] | None = None,
) -> dict[str, Decision]:
    """Deduplicate fixtures (plus ``extra`` id -> (source, text, published)) by doc_id."""
    cfg = cfg or DedupConfig()
    rows = [(n, SOURCES[n], text(n), PUBLISHED[n]) for n in names]
    rows += [(k, *v) for k, v in (extra or {}).items()]
    ids, sources, texts, published = (list(col) for col in zip(*rows, strict=True))
    sigs = compute_signatures(texts, cfg)
    out = deduplicate(
        ids,
        sources,
        sigs,
        cfg,
        texts=texts if verify == "exact" else None,
        published=published,
        verify=verify,  # type: ignore[arg-type]
    )
    assert [d.doc_id for d in out] == ids  # one decision per input, in input order
    return {d.doc_id: d for d in out}


def pair(a: str, b: str, k: int = DedupConfig().shingle_size) -> tuple[float, float]:
    sa, sb = minhash.shingle_sets([text(a), text(b)], k)
    return minhash.jaccard_containment(sa, sb)


def kept_of(decisions: dict[str, Decision], doc_id: str) -> str:
    d = decisions[doc_id]
    return doc_id if d.kept else str(d.duplicate_of)


# --- configuration ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"num_perm": 100, "bands": 30}, "must divide"),
        ({"shingle_size": 0}, "shingle_size"),
        ({"num_perm": 0}, "num_perm"),
        ({"bands": 2.5}, "bands"),
        ({"seed": -1}, "seed"),
        ({"jaccard_threshold": 0.0}, "jaccard_threshold"),
        ({"containment_threshold": 1.5}, "containment_threshold"),
        ({"min_jaccard_for_containment": -0.1}, "min_jaccard_for_containment"),
        ({"policy": "newest"}, "policy"),
        ({"policy": "source_priority"}, "non-empty source_priority"),
        ({"policy": "source_priority", "source_priority": "apnews"}, "not one string"),
        ({"policy": "source_priority", "source_priority": ("apnews", "")}, "non-empty strings"),
        ({"source_priority": ("apnews",)}, "only used with policy"),
    ],
)
def test_config_rejects_bad_values(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        DedupConfig(**kwargs)


def test_config_is_frozen_and_normalises_priority_to_tuple() -> None:
    cfg = DedupConfig(policy="source_priority", source_priority=["apnews", "reuters"])  # type: ignore[arg-type]
    assert cfg.source_priority == ("apnews", "reuters")
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.bands = 8  # type: ignore[misc]


def test_default_s_curve_accepts_everything_we_may_accept() -> None:
    cfg = DedupConfig()
    assert (cfg.bands, cfg.rows) == (64, 3)
    # The lowest Jaccard the rule accepts is min_jaccard_for_containment (0.5).
    assert cfg.candidate_probability(cfg.min_jaccard_for_containment) > 0.999
    assert cfg.candidate_probability(0.8) == pytest.approx(1.0)
    assert cfg.candidate_probability(0.3) == pytest.approx(0.8265, abs=1e-3)
    assert cfg.candidate_probability(0.1) < 0.07


# --- the fixtures' similarities ------------------------------------------------------------------


def test_fixture_similarities_are_what_the_rule_was_tuned_on() -> None:
    for copy in WIRE[1:]:
        jaccard, _ = pair("wire_original", copy)
        assert jaccard >= 0.8, copy
    jaccard, containment = pair("update_v1", "update_v2")
    assert jaccard < 0.8  # an added paragraph alone would miss the Jaccard threshold...
    assert containment >= 0.9  # ...but the old version is entirely inside the new one
    jaccard, containment = pair("quote_story_workers", "quote_story_markets")
    assert jaccard < 0.2 and containment < 0.3


# --- clusters --------------------------------------------------------------------------------


def test_syndicated_copies_form_one_cluster_keeping_the_longest() -> None:
    decisions = run(WIRE)
    longest = max(WIRE, key=lambda n: len(text(n)))
    assert longest == "wire_copy_courier"  # boilerplate lines make it the longest
    assert decisions[longest].kept and decisions[longest].cluster_size == 4
    for name in WIRE:
        if name == longest:
            continue
        d = decisions[name]
        assert not d.kept and d.duplicate_of == longest and d.method == "near"
        assert d.cluster_size is None
        # similarity is the real Jaccard against the kept copy, even when not compared directly
        assert (d.similarity, d.containment) == pytest.approx(pair(name, longest))


def test_syndicated_copies_keep_the_wire_with_source_priority() -> None:
    cfg = DedupConfig(policy="source_priority", source_priority=("APNEWS", "dailycourier"))
    decisions = run(WIRE, cfg)
    # Both AP copies match the first entry (case-insensitive); the longer of the two wins.
    assert len(text("wire_original")) > len(text("wire_copy_intl"))
    assert decisions["wire_original"].kept
    assert {kept_of(decisions, n) for n in WIRE} == {"wire_original"}


def test_updated_story_joins_its_first_version() -> None:
    decisions = run(["update_v1", "update_v2"])
    assert decisions["update_v2"].kept and decisions["update_v2"].cluster_size == 2
    d = decisions["update_v1"]
    assert d.duplicate_of == "update_v2" and d.method == "near"
    assert d.similarity is not None and d.similarity < 0.8
    assert d.containment == pytest.approx(1.0)

    earliest = run(["update_v1", "update_v2"], DedupConfig(policy="earliest"))
    assert earliest["update_v1"].kept
    assert earliest["update_v2"].duplicate_of == "update_v1"


def test_stories_sharing_one_quotation_stay_apart() -> None:
    quote = "This was an extraordinarily difficult decision"
    assert quote in text("quote_story_workers") and quote in text("quote_story_markets")
    decisions = run(["quote_story_workers", "quote_story_markets"])
    assert all(d.kept and d.cluster_size == 1 for d in decisions.values())


def test_all_fixtures_together() -> None:
    names = list(SOURCES)
    decisions = run(names)
    clusters = {kept_of(decisions, n) for n in names}
    assert clusters == {
        "wire_copy_courier",
        "update_v2",
        "quote_story_workers",
        "quote_story_markets",
    }
    assert sum(d.cluster_size or 0 for d in decisions.values()) == len(names)


# --- exact duplicates and policies ------------------------------------------------------------


def test_exact_duplicates_ignore_case_and_whitespace_but_not_punctuation() -> None:
    original = text("update_v1")
    shouty = original.upper().replace("\n\n", " \t")
    repunctuated = original.replace(",", "").replace(".", "!")
    decisions = run(
        ["update_v1"],
        extra={
            "shouty": ("wire.example", shouty, None),
            "repunctuated": ("copy.example", repunctuated, None),
        },
    )
    # update_v1 and shouty have equal length: the tie goes to the smaller source.
    assert len(shouty) == len(original)
    assert decisions["update_v1"].kept and decisions["update_v1"].cluster_size == 3
    assert decisions["shouty"] == Decision(
        "shouty", False, "update_v1", similarity=1.0, containment=1.0, method="exact"
    )
    d = decisions["repunctuated"]
    assert d.method == "near" and d.similarity == 1.0 and d.duplicate_of == "update_v1"


def test_exact_copies_are_dropped_as_exact_even_in_estimate_mode() -> None:
    body = text("wire_original")
    decisions = run(["wire_original"], verify="estimate", extra={"dup": ("z.example", body, None)})
    assert decisions["wire_original"].kept  # same length, smaller source
    assert decisions["dup"].method == "exact" and decisions["dup"].similarity == 1.0


def _ties(cfg: DedupConfig, rows: list[tuple[str, str, str, str | None]]) -> list[Decision]:
    ids, sources, texts, published = (list(c) for c in zip(*rows, strict=True))
    return deduplicate_texts(ids, sources, texts, cfg, published=published)


BODY = text("update_v1")


def test_longest_policy_ties_go_to_source_then_doc_id() -> None:
    rows = [
        ("d3", "b.example", BODY, None),
        ("d2", "a.example", BODY.upper(), None),
        ("d1", "a.example", BODY.lower(), None),
    ]
    out = _ties(DedupConfig(), rows)
    assert [d.kept for d in out] == [False, False, True]
    assert {d.duplicate_of for d in out if not d.kept} == {"d1"}
    longer = [*rows, ("d0", "z.example", BODY + "\n\nMore.", None)]
    assert [d.kept for d in _ties(DedupConfig(), longer)] == [False, False, False, True]


def test_earliest_policy_compares_time_zones_and_puts_missing_dates_last() -> None:
    cfg = DedupConfig(policy="earliest")
    rows = [
        ("a", "x.example", BODY + "\n\nLonger than the rest.", None),
        ("b", "x.example", BODY, "2024-08-14T09:00:00Z"),
        ("c", "x.example", BODY, "2024-08-14T10:30:00+02:00"),  # 08:30 UTC: earliest
        ("d", "x.example", BODY, "not a date"),
    ]
    out = _ties(cfg, rows)
    assert [d.kept for d in out] == [False, False, True, False]
    # With no usable date anywhere the tie goes to the longest text.
    undated = [(i, s, t, None) for i, s, t, _ in rows]
    assert [d.kept for d in _ties(cfg, undated)] == [True, False, False, False]
    # Same instant: longest, then source, then doc_id.
    same = [
        ("p", "b.example", BODY, "2024-08-14"),
        ("q", "a.example", BODY.upper(), "2024-08-14T00:00:00+00:00"),
    ]
    assert [d.kept for d in _ties(cfg, same)] == [False, True]


def test_source_priority_first_entry_wins_then_longest() -> None:
    cfg = DedupConfig(policy="source_priority", source_priority=("reuters", "apnews.example"))
    rows = [
        ("a", "blog.example", BODY + "\n\nLongest of all.", None),
        ("b", "https://apnews.example/article", BODY + "\n\nLonger.", None),
        ("c", "https://www.reuters.example/world", BODY, None),
    ]
    assert [d.kept for d in _ties(cfg, rows)] == [False, False, True]
    no_reuters = rows[:2]
    assert [d.kept for d in _ties(cfg, no_reuters)] == [False, True]
    nobody = [("a", "blog.example", BODY, None), ("b", "zine.example", BODY + " Longer.", None)]
    assert [d.kept for d in _ties(cfg, nobody)] == [False, True]


# --- order, processes, shards ----------------------------------------------------------------


@pytest.mark.parametrize("verify", ["exact", "estimate"])
@pytest.mark.parametrize(
    "cfg",
    [
        DedupConfig(),
        DedupConfig(policy="earliest"),
        DedupConfig(policy="source_priority", source_priority=("newsnow", "metro")),
    ],
)
def test_shuffling_the_input_gives_the_same_decisions(cfg: DedupConfig, verify: str) -> None:
    rows = [(n, SOURCES[n], text(n), PUBLISHED[n]) for n in SOURCES]
    rows += [
        ("exact-a", "copy.example", text("update_v1").upper(), None),
        ("exact-b", "copy.example", text("update_v1"), "2024-08-14"),
        ("exact-c", "copy.example", text("quote_story_workers").replace("\n\n", "\n"), None),
        ("short-a", "brief.example", "Markets closed.", None),
        ("short-b", "brief.example", "Markets closed!", None),
        ("empty", "brief.example", "", None),
    ]
    reference: dict[str, Decision] | None = None
    rng = random.Random(7)
    for _ in range(5):
        rng.shuffle(rows)
        ids, sources, texts, published = (list(c) for c in zip(*rows, strict=True))
        sigs = compute_signatures(texts, cfg, batch_size=3)
        out = deduplicate(
            ids,
            sources,
            sigs,
            cfg,
            texts=texts if verify == "exact" else None,
            published=published,
        )
        by_id = {d.doc_id: d for d in out}
        if reference is None:
            reference = by_id
            assert {d.method for d in out} == {None, "exact", "near"}
        assert by_id == reference


_CHILD = """
import hashlib, json, sys
from tasks.dedup import compute_signatures
texts = json.load(sys.stdin)
s = compute_signatures(texts)
h = hashlib.sha256()
for a in (s.matrix, s.shingle_counts, s.char_lengths, s.exact_hashes):
    h.update(a.tobytes())
print(h.hexdigest(), "prefect" in sys.modules)
"""


def test_signatures_are_identical_in_a_separate_process() -> None:
    import json

    texts = [text(n) for n in SOURCES] + ["Markets closed.", "", "Ünïcode naïve café"]
    s = compute_signatures(texts)
    h = hashlib.sha256()
    for a in (s.matrix, s.shingle_counts, s.char_lengths, s.exact_hashes):
        h.update(a.tobytes())
    for hash_seed in ("1", "4242"):  # a different str hash salt must not matter
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
        child = subprocess.run(
            [sys.executable, "-c", _CHILD],
            input=json.dumps(texts),
            capture_output=True,
            text=True,
            env=env,
            cwd=REPO,
            check=True,
        )
        digest, imported_prefect = child.stdout.split()
        assert digest == h.hexdigest()
        assert imported_prefect == "False"


def test_shards_concatenate_to_the_whole() -> None:
    texts = [text(n) for n in SOURCES]
    whole = compute_signatures(texts)
    parts = [compute_signatures(texts[i : i + 3], batch_size=2) for i in range(0, len(texts), 3)]
    joined = Signatures.concat(parts)
    for field in ("matrix", "shingle_counts", "char_lengths", "exact_hashes"):
        assert np.array_equal(getattr(joined, field), getattr(whole, field)), field
    assert whole.matrix.dtype == np.uint32 and whole.matrix.shape == (len(texts), 192)
    other = compute_signatures(texts[:1], DedupConfig(seed=2))
    with pytest.raises(ValueError, match="incompatible"):
        Signatures.concat([whole, other])


def test_stack_and_scatter_fill_the_rows_concat_and_take_give() -> None:
    texts = [text(n) for n in SOURCES]
    whole = compute_signatures(texts)
    parts = [compute_signatures(texts[i : i + 3]) for i in range(0, len(texts), 3)]
    stacked = Signatures.stack(iter(parts), len(texts))
    rows = np.array([4, 0, 2, 5, 1], dtype=np.int64)
    pieces = [
        (np.array([1, 4]), whole.take(np.array([0, 1]))),
        (np.array([0, 2, 3]), whole.take(np.array([4, 2, 5]))),
    ]
    scattered = Signatures.scatter(pieces, rows.size)
    for field in ("matrix", "shingle_counts", "char_lengths", "exact_hashes"):
        assert np.array_equal(getattr(stacked, field), getattr(whole, field)), field
        assert np.array_equal(getattr(scattered, field), getattr(whole.take(rows), field)), field
    assert stacked.params == whole.params
    with pytest.raises(ValueError, match="expected"):
        Signatures.stack(iter(parts[:1]), len(texts))
    with pytest.raises(ValueError, match="incompatible"):
        Signatures.stack(
            [whole, compute_signatures(texts[:1], DedupConfig(seed=2))], len(texts) + 1
        )
    with pytest.raises(ValueError, match="at least one"):
        Signatures.stack([], 0)


# --- small and odd inputs ----------------------------------------------------------------------


def test_texts_shorter_than_the_shingle_size() -> None:
    long_text = text("wire_original") + "\n\nMarkets closed early."
    texts = ["Markets closed.", "MARKETS closed!", "Markets opened.", long_text, "", "— … —"]
    sigs = compute_signatures(texts)
    assert sigs.shingle_counts.tolist()[:3] == [1, 1, 1]  # whole text as one shingle
    assert sigs.shingle_counts.tolist()[4:] == [0, 0]
    ids = ["a", "b", "c", "long", "empty", "dashes"]
    out = deduplicate(ids, ["s"] * 6, sigs, texts=texts)
    assert out[0].kept and out[0].cluster_size == 2
    assert out[1].duplicate_of == "a" and out[1].method == "near" and out[1].similarity == 1.0
    # Same words only: not "contained" in a long story that uses them, not like other briefs.
    assert all(d.kept and d.cluster_size == 1 for d in out[2:])


def test_empty_inputs() -> None:
    assert deduplicate([], [], compute_signatures([])) == []
    out = deduplicate_texts(["a", "b"], ["s", "s"], ["", " \n\n "])
    assert [d.kept for d in out] == [False, True]  # same (empty) text: exact duplicates
    assert out[0].method == "exact"


def test_estimate_mode_agrees_with_exact_verification() -> None:
    names = list(SOURCES)
    exact = run(names)
    estimate = run(names, verify="estimate")
    for name in names:
        assert kept_of(exact, name) == kept_of(estimate, name)
        if not exact[name].kept:
            assert estimate[name].similarity == pytest.approx(exact[name].similarity, abs=0.1)


def test_containment_estimate_formula() -> None:
    sig_a = np.arange(100, dtype=np.uint32)
    sig_b = sig_a.copy()
    sig_b[::2] += 1  # half of the minima agree: J ~ 0.5
    j, c = minhash.estimate_jaccard_containment(sig_a, sig_b, 100, 50)
    assert j == 0.5
    assert c == pytest.approx(1.0)  # |A∩B| = 0.5 * 150 / 1.5 = 50 = |B|
    assert minhash.estimate_jaccard_containment(sig_a, sig_b, 0, 50) == (0.0, 0.0)


def test_input_validation() -> None:
    texts = [text("update_v1"), text("update_v2")]
    sigs = compute_signatures(texts)
    with pytest.raises(ValueError, match="unique"):
        deduplicate(["x", "x"], ["s", "s"], sigs)
    with pytest.raises(ValueError, match="sources has 1"):
        deduplicate(["x", "y"], ["s"], sigs)
    with pytest.raises(ValueError, match="needs texts"):
        deduplicate(["x", "y"], ["s", "s"], sigs, verify="exact")
    with pytest.raises(ValueError, match="computed with"):
        deduplicate(["x", "y"], ["s", "s"], sigs, DedupConfig(shingle_size=3))
    with pytest.raises(ValueError, match="does not match"):
        deduplicate(["x", "y"], ["s", "s"], sigs, texts=[texts[0], texts[0] + " extra words"])


def test_a_big_cluster_costs_about_one_verification_per_member(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    words = text("wire_original").split(" ")
    copies = []
    for i in range(60):  # 60 copies, each with a different word replaced
        edited = list(words)
        edited[5 + 4 * i] = f"edit{i}"
        copies.append(" ".join(edited))
    calls = 0
    real = minhash.jaccard_containment

    def counting(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
        nonlocal calls
        calls += 1
        return real(a, b)

    monkeypatch.setattr(minhash, "jaccard_containment", counting)
    ids = [f"c{i:02d}" for i in range(60)]
    out = deduplicate_texts(ids, ["s"] * 60, copies)
    assert sum(d.kept for d in out) == 1
    kept = next(d for d in out if d.kept)
    assert kept.cluster_size == 60
    # 59 unions plus 59 similarities against the kept copy; all 1770 pairs are candidates.
    assert calls <= 2 * 59


# --- earlier runs' articles and parallel signatures ----------------------------------------------


def _earlier(names: list[str], new_sigs: Signatures, cfg: DedupConfig) -> Earlier:
    """Earlier articles as the dedup index hands them over: signatures, and band matches."""
    from tasks import lsh

    sigs = compute_signatures([text(n) for n in names], cfg)
    new_keys = lsh.all_band_keys(new_sigs.matrix, cfg.bands)
    old_keys = lsh.all_band_keys(sigs.matrix, cfg.bands)
    pairs = {
        (int(i), int(j))
        for band in range(cfg.bands)
        for i, j in zip(*lsh.matches(new_keys[:, band], old_keys[:, band]), strict=True)
    }
    new_rows, earlier_rows = (np.array(c, dtype=np.int64) for c in zip(*sorted(pairs), strict=True))
    return Earlier(
        doc_ids=[f"old-{n}" for n in names],
        sources=[SOURCES[n] for n in names],
        published=[PUBLISHED[n] for n in names],
        origins=[SOURCES[n] for n in names],
        signatures=sigs,
        new_rows=new_rows,
        earlier_rows=earlier_rows,
    )


def test_earlier_articles_are_fixed_canonicals_whatever_the_policy() -> None:
    cfg = DedupConfig()
    names = ["wire_copy_courier", "wire_copy_intl", "update_v2", "quote_story_markets"]
    texts = [text(n) for n in names]
    sigs = compute_signatures(texts, cfg)
    earlier = _earlier(["wire_original", "update_v1"], sigs, cfg)
    out = deduplicate(names, [SOURCES[n] for n in names], sigs, cfg, texts=texts, earlier=earlier)
    by_id = {d.doc_id: d for d in out}
    # The courier copy is longer than the original, but the original is already published.
    for name in ("wire_copy_courier", "wire_copy_intl"):
        d = by_id[name]
        assert not d.kept and d.earlier and d.duplicate_of == "old-wire_original"
        assert d.method == "near" and d.similarity is not None and d.similarity >= 0.75
    # update_v2 contains update_v1 (containment by estimate) and points at it.
    assert by_id["update_v2"].duplicate_of == "old-update_v1" and by_id["update_v2"].earlier
    assert by_id["quote_story_markets"].kept and not by_id["quote_story_markets"].earlier


def test_an_exact_copy_of_an_earlier_article_is_exact() -> None:
    cfg = DedupConfig()
    texts = [text("wire_original").upper(), text("update_v1")]
    sigs = compute_signatures(texts, cfg)
    earlier = _earlier(["wire_original"], sigs, cfg)
    out = deduplicate(["a", "b"], ["x", "y"], sigs, cfg, texts=texts, earlier=earlier)
    assert out[0] == Decision(
        "a", False, "old-wire_original", 1.0, 1.0, method="exact", earlier=True
    )
    assert out[1].kept


def test_decisions_as_arrays_describe_each_document() -> None:
    cfg = DedupConfig()
    names = ["wire_copy_courier", "wire_copy_intl", "update_v2", "quote_story_markets"]
    texts = [text(n) for n in names] + [text("quote_story_markets"), text("wire_original")]
    ids = [*names, "exact-of-markets", "wire_original"]
    sources = [SOURCES.get(n, "s") for n in ids]
    sigs = compute_signatures(texts, cfg)
    earlier = _earlier(["update_v1"], sigs, cfg)
    columns = decide(ids, sources, sigs, cfg, texts=texts, earlier=earlier)
    listed = deduplicate(ids, sources, sigs, cfg, texts=texts, earlier=earlier)
    assert [columns.decision(i) for i in range(len(ids))] == listed == columns.to_list()
    assert columns.kept.tolist() == [d.kept for d in listed]
    assert columns.earlier.tolist() == [d.earlier for d in listed]
    assert [columns.kept_id(int(k)) for k in columns.keep] == [
        d.duplicate_of or d.doc_id for d in listed
    ]
    kinds = {d.method for d in listed if not d.kept}
    assert kinds == {"exact", "near"} and any(d.earlier for d in listed)
    assert len(Decisions.empty()) == len(decide([], [], sigs.take(np.arange(0)), cfg)) == 0


def test_earlier_inputs_are_validated() -> None:
    cfg = DedupConfig()
    texts = [text("wire_copy_intl")]
    sigs = compute_signatures(texts, cfg)
    earlier = _earlier(["wire_original"], sigs, cfg)
    with pytest.raises(ValueError, match="both new and earlier"):
        deduplicate(["old-wire_original"], ["s"], sigs, cfg, texts=texts, earlier=earlier)
    bad = dataclasses.replace(earlier, earlier_rows=earlier.earlier_rows + 5)
    with pytest.raises(ValueError, match="outside"):
        deduplicate(["a"], ["s"], sigs, cfg, texts=texts, earlier=bad)


def test_signatures_signed_in_threads_are_identical() -> None:
    texts = [text(n) for n in SOURCES] * 3 + ["", "Markets closed."]
    serial = compute_signatures(texts, batch_size=4)
    parallel = compute_signatures(texts, batch_size=4, workers=2)
    arrow = pa.chunked_array([pa.array(texts[:5]), pa.array(texts[5:])])
    from_arrow = compute_signatures(arrow, batch_size=4, workers=2)  # read in place, no str
    for field in ("matrix", "shingle_counts", "char_lengths", "exact_hashes"):
        assert np.array_equal(getattr(serial, field), getattr(parallel, field)), field
        assert np.array_equal(getattr(serial, field), getattr(from_arrow, field)), field


def test_big_lsh_groups_cluster_like_small_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    from tasks import lsh

    words = text("wire_original").split(" ")
    copies = []
    for i in range(30):
        edited = list(words)
        edited[3 + 5 * i] = f"edit{i}"
        copies.append(" ".join(edited))
    copies += [text("update_v1"), text("update_v2"), text("quote_story_workers")]
    ids = [f"d{i:02d}" for i in range(len(copies))]
    reference = deduplicate_texts(ids, ["s"] * len(ids), copies)
    real = lsh.candidate_pairs
    monkeypatch.setattr(
        lsh, "candidate_pairs", lambda m, r, b, **kw: real(m, r, b, big_group=4, **kw)
    )
    assert deduplicate_texts(ids, ["s"] * len(ids), copies) == reference
    assert sum(d.kept for d in reference) == 3


def test_verification_in_worker_processes_gives_the_same_decisions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tasks import dedup_link

    rows = [(n, SOURCES[n], text(n), PUBLISHED[n]) for n in SOURCES]
    rows += [(f"{n}-again", "copy.example", text(n) + "\n\nAgain.", None) for n in SOURCES]
    ids, sources, texts, published = (list(c) for c in zip(*rows, strict=True))
    sigs = compute_signatures(texts)
    monkeypatch.setattr(dedup_link, "_BATCH_DOCS", 3)  # several batches: the pool is used
    assert len(dedup_link.batches(*lsh_pairs(sigs))) > 1
    serial = deduplicate(ids, sources, sigs, texts=texts, published=published)
    parallel = deduplicate(ids, sources, sigs, texts=texts, published=published, workers=2)
    assert parallel == serial


def lsh_pairs(sigs: Signatures) -> tuple[np.ndarray, np.ndarray]:
    from tasks import lsh

    a, b, _ = lsh.candidate_pairs(sigs.matrix, np.arange(len(sigs)), DedupConfig().bands)
    return a, b


@pytest.mark.parametrize("seed", range(5))
def test_exact_groups_number_equal_rows_as_numpy_unique(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 2000))
    high = rng.integers(0, 4, (n, 2)).astype(np.uint64) * np.uint64(1 << 62)
    hashes = high + rng.integers(0, 3, (n, 2)).astype(np.uint64)  # many equal rows
    _, expected = np.unique(hashes, axis=0, return_inverse=True)
    assert np.array_equal(exact_groups(hashes), expected.reshape(-1))


def test_kept_copies_are_the_decisions_kept_copies() -> None:
    base = " ".join(f"word{i}" for i in range(120))
    texts = [
        base,
        base.replace("word7 ", "changed "),  # a near copy
        base,  # an exact copy
        "something else entirely " * 20,
        ("something else entirely " * 20).upper(),  # exact after casefolding
        "a short unrelated brief about the harbour",
    ]
    ids = [f"d{i}" for i in range(len(texts))][::-1]  # doc_ids not in row order
    sources = ["s2", "s1", "s3", "s1", "s2", "s9"]
    cfg = DedupConfig()
    signatures = compute_signatures(texts, cfg)
    decisions = deduplicate(ids, sources, signatures, cfg, texts=texts)
    position = {doc_id: row for row, doc_id in enumerate(ids)}
    expected = [position[d.duplicate_of or d.doc_id] for d in decisions]
    kept = kept_copies(ids, sources, signatures, cfg, texts=texts, workers=2)
    assert kept.tolist() == expected
    assert len(set(expected)) == 3
    assert kept_copies([], [], signatures.take(np.arange(0)), cfg, texts=[]).size == 0
