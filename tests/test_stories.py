"""Story clusters (tasks.stories): articles sharing a passage of >= 20 words share a story_id."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from tasks import stories, story_pairs
from tasks.stories import EarlierStories, StoryConfig

ROOT = Path(__file__).resolve().parent.parent
SYNDICATED = ROOT / "tests" / "fixtures" / "syndicated"
UN_QUOTE = (
    "expressed alarm at the latest reports of continued widespread violations of human rights "
    "and excessive use of force by Syrian security forces against civilians across Syria"
)


def seed(prefix: str) -> str:
    return next((ROOT / "seeds").glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")


def seeds() -> dict[str, str]:
    return {p.name[:3]: p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*"))}


def filler(rng: random.Random, n: int) -> str:
    """Words no other text shares (so only the planted passage can link two texts)."""
    return " ".join(f"w{rng.randrange(10**9)}" for _ in range(n))


def test_seeds_001_and_004_share_a_story_and_the_others_do_not() -> None:
    texts = seeds()
    assert all(UN_QUOTE in " ".join(texts[k].split()) for k in ("001", "004"))
    ids = list(texts)
    story = dict(zip(ids, stories.assign(ids, list(texts.values())), strict=True))
    assert story["001"] == story["004"] == "001"  # the smallest doc_id of the story
    assert {story[i] for i in ("000", "002", "003")} == {"000", "002", "003"}


def test_quote_story_fixtures_share_a_story() -> None:
    names = ["quote_story_workers", "quote_story_markets", "update_v1"]
    texts = [(SYNDICATED / f"{n}.txt").read_text(encoding="utf-8") for n in names]
    assert stories.assign(names, texts) == [
        "quote_story_markets",
        "quote_story_markets",
        "update_v1",
    ]


@pytest.mark.parametrize("seed_value", range(5))
def test_a_passage_links_from_exactly_passage_words_words(seed_value: int) -> None:
    rng = random.Random(seed_value)
    cfg = StoryConfig()
    passage = filler(rng, cfg.passage_words)
    shorter = " ".join(passage.split()[: cfg.passage_words - 1])
    ids = ["a", "b", "c", "d"]
    texts = [
        f"{filler(rng, rng.randrange(0, 60))} {passage}. {filler(rng, 40)}",
        f"{filler(rng, 30)} {passage.upper()}! {filler(rng, rng.randrange(0, 60))}",
        f"{filler(rng, 25)} {shorter} {filler(rng, 25)}",  # one word short: no story
        f"{filler(rng, 25)} {shorter} {filler(rng, 25)}",
    ]
    texts[3] = texts[3].replace(shorter, " ".join(shorter.split()[1:]) + " zzz")
    assert stories.assign(ids, texts, cfg) == ["a", "a", "c", "d"]


def test_every_shared_passage_shares_an_anchor() -> None:
    """The winnowing guarantee, checked on many random placements."""
    rng = random.Random(3)
    cfg = StoryConfig()
    for _ in range(200):
        passage = filler(rng, cfg.passage_words)
        pair = [
            f"{filler(rng, rng.randrange(0, 80))} {passage} {filler(rng, rng.randrange(0, 80))}"
            for _ in range(2)
        ]
        flat, offsets = stories.anchors(pair, cfg)
        first, second = flat[offsets[0] : offsets[1]], flat[offsets[1] : offsets[2]]
        assert np.intersect1d(first, second).size >= 1


def test_anchor_density_and_short_texts() -> None:
    rng = random.Random(5)
    cfg = StoryConfig()
    texts = [filler(rng, 700), filler(rng, cfg.passage_words - 1), ""]
    flat, offsets = stories.anchors(texts, cfg)
    per_text = np.diff(offsets)
    assert per_text[1] == per_text[2] == 0  # too short to hold a passage
    expected = 2 * 700 / (cfg.window + 1)
    assert 0.7 * expected < per_text[0] < 1.3 * expected
    assert flat.dtype == np.uint64 and int(flat.max()) < 2**52


def test_anchors_held_by_many_articles_are_boilerplate() -> None:
    rng = random.Random(9)
    footer = filler(rng, 30)
    cfg = StoryConfig(max_anchor_docs=5)
    texts = [f"{filler(rng, 60)} {footer}" for _ in range(6)]
    ids = [f"d{i}" for i in range(6)]
    assert stories.assign(ids, texts, cfg) == ids  # six articles share it: ignored
    assert stories.assign(ids[:5], texts[:5], cfg) == ["d0"] * 5


def test_new_articles_join_earlier_stories_and_keep_their_ids() -> None:
    rng = random.Random(11)
    cfg = StoryConfig()
    quote_a, quote_b = filler(rng, 25), filler(rng, 25)
    earlier_texts = {
        "old1": f"{filler(rng, 40)} {quote_a} {filler(rng, 40)}",
        "old2": f"{filler(rng, 40)} {quote_b} {filler(rng, 40)}",
    }
    old_flat, old_offsets = stories.anchors(list(earlier_texts.values()), cfg)
    earlier = EarlierStories(
        doc_ids=["old1", "old2"],
        story_ids=["story-x", "old2"],
        anchor_rows=np.repeat(np.arange(2), np.diff(old_offsets)),
        anchor_values=old_flat,
    )
    new_texts = [
        f"{quote_a} {filler(rng, 30)}",  # joins old1's story
        f"{quote_b} {filler(rng, 10)} {quote_a}",  # bridges both: the smaller id
        f"{filler(rng, 50)}",  # alone
    ]
    asked: list[list[str]] = []

    def load(ids: list[str]) -> list[str]:
        asked.append(ids)
        return [earlier_texts[i] for i in ids]

    got = stories.assign(["n1", "n2", "n3"], new_texts, cfg, earlier=earlier, earlier_texts=load)
    assert got == ["old2", "old2", "n3"]  # n1-n2 share quote_a: one story holding old1, old2
    assert asked and all(set(ids) <= set(earlier_texts) for ids in asked)


def test_anchor_groups_in_slices_of_the_value_range_find_the_same_pairs(monkeypatch) -> None:
    rng = random.Random(13)
    quotes = [filler(rng, 25) for _ in range(8)]
    footer = filler(rng, 30)
    texts = [
        f"{filler(rng, 40)} {quotes[i % 8]} {filler(rng, 20)} {footer if i % 3 == 0 else ''}"
        for i in range(60)
    ]
    cfg = StoryConfig(max_anchor_docs=12)
    flat, offsets = stories.anchors(texts[:50], cfg)
    old_flat, old_offsets = stories.anchors(texts[50:], cfg)
    earlier = EarlierStories(
        doc_ids=[f"old{i}" for i in range(10)],
        story_ids=[f"old{i}" for i in range(10)],
        anchor_rows=np.repeat(np.arange(10), np.diff(old_offsets)),
        anchor_values=old_flat,
    )
    whole = stories.candidate_pairs(flat, offsets, cfg, earlier)
    monkeypatch.setattr(stories, "_PART_MIN", 0)
    for workers in (1, 2, 3):  # slices grouped in threads: the same pairs and table
        sliced = stories.candidate_pairs(flat, offsets, cfg, earlier, workers)
        for got, want in zip((*sliced[:2], *sliced[2]), (*whole[:2], *whole[2]), strict=True):
            assert np.array_equal(got, want)
    assert whole[0].size > 50  # the quotes link their holders; the footer (20 holders) not
    assert set(whole[2][1].tolist()) >= {20}


def test_threads_and_batch_sizes_do_not_change_anchors_or_stories(monkeypatch) -> None:
    rng = random.Random(17)
    quotes = [filler(rng, 25) for _ in range(8)]
    texts = [f"{filler(rng, 40)} {quotes[i % 8]} {filler(rng, 20)}" for i in range(60)]
    ids = [f"d{i:02d}" for i in range(60)]
    cfg = StoryConfig(max_anchor_docs=12)
    whole = stories.anchors(texts, cfg)
    expected = stories.assign(ids, texts, cfg)
    monkeypatch.setattr(stories, "_CHUNK", 7)
    monkeypatch.setattr(story_pairs, "_BATCH", 5)
    for workers in (1, 3):
        flat, offsets = stories.anchors(texts, cfg, workers)
        assert np.array_equal(flat, whole[0]) and np.array_equal(offsets, whole[1])
        assert stories.assign(ids, texts, cfg, workers=workers) == expected
    assert len(set(expected)) == 8  # one story per quote


def test_config_validation() -> None:
    with pytest.raises(ValueError, match="anchor_words"):
        StoryConfig(anchor_words=30)
    with pytest.raises(ValueError, match="max_anchor_docs"):
        StoryConfig(max_anchor_docs=1)
    with pytest.raises(ValueError, match="passage_words"):
        StoryConfig(passage_words=0)
    assert StoryConfig().window == 13
