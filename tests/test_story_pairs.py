"""Joining passages (tasks.story_pairs) finds exactly the pairs that pair-by-pair verification
(tasks.stories.verify) accepts, earlier articles included."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest

from tasks import kernels, lsh, stories, story_pairs, words
from tasks.stories import StoryConfig

VOCABULARY = [f"w{i}" for i in range(60)]  # small: texts share many 8-word runs by chance


def corpus(rng: random.Random, n: int) -> list[str]:
    """Texts from a small vocabulary with planted passages: long shared ones (a story), short
    ones (8-19 words: an anchor but no passage) and one in more than 50 texts (boilerplate)."""

    def words(k: int) -> list[str]:
        return [rng.choice(VOCABULARY) for _ in range(k)]

    quotes = [words(rng.randint(20, 40)) for _ in range(6)]
    shorts = [words(rng.randint(8, 19)) for _ in range(6)]
    footer = words(25)
    texts = []
    for i in range(n):
        parts = [words(rng.randint(30, 120))]
        if rng.random() < 0.3:
            parts.append(rng.choice(quotes))
        if rng.random() < 0.3:
            parts.append(rng.choice(shorts))
        if i % 2 == 0:
            parts.append(footer)
        parts.append(words(rng.randint(10, 60)))
        texts.append(" ".join(w for part in parts for w in part))
    return texts


@pytest.mark.parametrize("seed", range(4))
def test_join_finds_exactly_the_verified_pairs(seed: int) -> None:
    rng = random.Random(seed)
    texts = corpus(rng, 160)
    new = 120  # the last 40 play earlier articles: pairs of two of them must not appear
    cfg = StoryConfig()
    flat, offsets = stories.anchors(texts, cfg)
    a, b, holders = stories.candidate_pairs(flat, offsets, cfg)
    a, b = a[a < new], b[a < new]

    def text_of(nodes: list[int]) -> list[str]:
        return [texts[i] for i in nodes]

    accepted = stories.verify(a, b, text_of, cfg, holders)
    x, y = story_pairs.shared_passage_pairs(
        a,
        b,
        lambda nodes, usable: stories.usable_passages(text_of(nodes), cfg, usable),
        holders,
        cfg.max_anchor_docs,
        new,
    )
    expected = set(zip(a[accepted].tolist(), b[accepted].tolist(), strict=True))
    assert set(zip(x.tolist(), y.tolist(), strict=True)) == expected
    assert expected and len(expected) < a.size  # the corpus has both kinds of candidate
    assert np.all(x < y) and np.all(x < new)


def test_no_candidates_no_pairs() -> None:
    empty = np.empty(0, dtype=np.int64)
    holders = (np.empty(0, dtype=np.uint64), empty)
    x, y = story_pairs.shared_passage_pairs(empty, empty, lambda *_: (empty,) * 2, holders, 50, 0)
    assert x.size == y.size == 0


def passages_one_by_one(texts: list[str], cfg: StoryConfig) -> list[tuple[np.ndarray, np.ndarray]]:
    """The definition, text by text: distinct passage hashes, each with its window's anchor."""
    out = []
    for text in texts:
        word_hashes, counts = words.word_hashes([text])
        long, _ = kernels.shingles(word_hashes, counts, cfg.passage_words, False)
        short, _ = kernels.shingles(word_hashes, counts, cfg.anchor_words, False)
        if not long.size:
            out.append((long, long))
            continue
        minima = np.lib.stride_tricks.sliding_window_view(short, cfg.window).min(axis=1)
        unique, first = np.unique(long, return_index=True)
        out.append((unique, minima[first] >> np.uint64(12)))
    return out


@pytest.mark.parametrize("seed", range(3))
def test_batched_passages_are_the_per_text_definition(seed: int) -> None:
    texts = [*corpus(random.Random(seed), 60), "", "too short", "one " * 25]
    cfg = StoryConfig()
    for (h, a), (eh, ea) in zip(
        stories.passages(texts, cfg), passages_one_by_one(texts, cfg), strict=True
    ):
        assert np.array_equal(h, eh) and np.array_equal(a, ea)


@pytest.mark.parametrize("size", [0, 1, 70, 5000])
def test_membership_matches_isin(size: int) -> None:
    rng = np.random.default_rng(size)
    values = np.unique(rng.integers(0, 1 << 52, size, dtype=np.uint64))
    near = values ^ np.uint64(
        1 << 40
    )  # same low bits as a member: passes the table, not the search
    queries = np.concatenate(
        (values, near, rng.integers(0, 1 << 52, 20_000, dtype=np.uint64), np.array([0], np.uint64))
    )
    rng.shuffle(queries)
    found = lsh.Membership(values)(queries)
    assert found.dtype == bool
    assert np.array_equal(found, np.isin(queries, values))


def reference_anchors(hashes, counts, cfg):
    """Per text: the minima of every window of ``window`` consecutive anchor shingles that
    lies inside the text, top 52 bits, sorted and distinct (numpy, text by text)."""
    short, short_counts = kernels.shingles(hashes, counts, cfg.anchor_words, False)
    out, starts = [], np.concatenate(([0], np.cumsum(short_counts)))
    for lo, hi in itertools.pairwise(starts):
        own = short[lo:hi]
        if own.size < cfg.window:
            out.append(np.empty(0, np.uint64))
            continue
        minima = np.lib.stride_tricks.sliding_window_view(own, cfg.window).min(axis=1)
        out.append(np.unique(minima >> np.uint64(12)))
    return out


def reference_passages(hashes, counts, cfg):
    """Per text: its distinct passage shingles (sorted) and the anchor of each's first
    occurrence: the minimum of the anchor shingles it spans."""
    long, long_counts = kernels.shingles(hashes, counts, cfg.passage_words, False)
    short, short_counts = kernels.shingles(hashes, counts, cfg.anchor_words, False)
    long_starts = np.concatenate(([0], np.cumsum(long_counts)))
    short_starts = np.concatenate(([0], np.cumsum(short_counts)))
    out = []
    for i in range(counts.size):
        own = long[long_starts[i] : long_starts[i + 1]]
        values, first = np.unique(own, return_index=True)
        spans = short[short_starts[i] : short_starts[i + 1]]
        anchors = [spans[j : j + cfg.window].min() >> np.uint64(12) for j in first.tolist()]
        out.append((values, np.array(anchors, dtype=np.uint64)))
    return out


@pytest.mark.parametrize("seed", range(12))
def test_compiled_anchors_and_passages_are_the_definition(seed: int) -> None:
    """Rolling shingle sums and block-wise window minima give the definition's values, for
    any window (one word up to the whole passage) and the default settings."""
    rng = np.random.default_rng(seed)
    passage = int(rng.integers(1, 26))
    anchor = int(rng.integers(1, passage + 1))
    cfg = StoryConfig(passage, anchor) if seed else StoryConfig()
    counts = rng.integers(0, 60, 40).astype(np.int64)
    vocabulary = rng.integers(0, 1 << 63, 12, dtype=np.uint64)  # repeats: equal shingles
    hashes = rng.choice(vocabulary, int(counts.sum()))
    flat, per_text = kernels.text_anchors(hashes, counts, cfg.passage_words, cfg.anchor_words, 12)
    bounds = np.concatenate(([0], np.cumsum(per_text)))
    for i, expected in enumerate(reference_anchors(hashes, counts, cfg)):
        assert np.array_equal(flat[bounds[i] : bounds[i + 1]], expected)
    got_hashes, got_anchors, owner = kernels.text_passages(
        hashes, counts, cfg.passage_words, cfg.anchor_words, 12
    )
    for i, (values, anchors) in enumerate(reference_passages(hashes, counts, cfg)):
        mine = owner == i
        assert np.array_equal(got_hashes[mine], values)
        assert np.array_equal(got_anchors[mine], anchors)
    assert np.all(np.diff(owner) >= 0)


@pytest.mark.parametrize("seed", range(4))
def test_usable_passages_are_the_passages_whose_anchor_is_usable(seed: int) -> None:
    texts = [*corpus(random.Random(seed), 80), "", "too short", "one " * 25]
    cfg = StoryConfig()
    hashes, anchors, owner = stories.passages_flat(texts, cfg)
    rng = np.random.default_rng(seed)
    usable = np.unique(rng.choice(anchors, anchors.size // 3)) if anchors.size else anchors
    got_hashes, got_owner = stories.usable_passages(texts, cfg, lsh.Membership(usable))
    keep = np.isin(anchors, usable)
    assert np.array_equal(got_hashes, hashes[keep])
    assert np.array_equal(got_owner, owner[keep])
    assert 0 < got_hashes.size < hashes.size
