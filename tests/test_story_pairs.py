"""Joining passages (tasks.story_pairs) finds exactly the pairs that pair-by-pair verification
(tasks.stories.verify) accepts, earlier articles included."""

from __future__ import annotations

import random

import numpy as np
import pytest

from tasks import kernels, stories, story_pairs, words
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
        lambda nodes: stories.passages_flat(text_of(nodes), cfg),
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
    x, y = story_pairs.shared_passage_pairs(empty, empty, lambda _: (empty,) * 3, holders, 50, 0)
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
    found = story_pairs._Membership(values)(queries)
    assert found.dtype == bool
    assert np.array_equal(found, np.isin(queries, values))


@pytest.mark.parametrize("window", [1, 2, 13])
def test_window_minima_match_the_sliding_window_view(window: int) -> None:
    rng = np.random.default_rng(window)
    for size in (0, window - 1, window, 5 * window + 3, 1000):
        values = rng.integers(0, 1 << 63, size, dtype=np.uint64)
        expected = (
            np.lib.stride_tricks.sliding_window_view(values, window).min(axis=1)
            if size >= window
            else np.empty(0, dtype=np.uint64)
        )
        got = kernels.window_minima(values, window)
        assert got.dtype == np.uint64
        assert np.array_equal(got, expected)
