"""The seed articles: exactly these lines go, every other line stays."""

from __future__ import annotations

from pathlib import Path

import pytest

from tasks.normalize import normalize_line, split_lines

SEEDS = Path(__file__).resolve().parent.parent / "seeds"

EXPECTED_REMOVED = {
    "000": [
        "Copyright © 2012 Naharnet.com. All Rights Reserved. | "
        "https://naharnet.com/stories/en/12178 |"
    ],
    "001": [
        "There is no paywall on the story you just read because a community of dedicated "
        "listeners and readers have contributed to keep the global news you rely on free and "
        "accessible for all. Will you join the 226 donors who have supported The World so far? "
        "From now until Dec. 31, your gift will help us unlock a $67,000 match. Donate today to "
        "double your impact!"
    ],
    "002": ["إقرأ هذا الخبر بالعربية W460", "Comments 0"],
    "003": [
        "Like this article? Sign up to Left Foot Forward's weekday email for the latest "
        "progressive news and comment - and support campaigning journalism by becoming a Left "
        "Foot Forward Supporter today."
    ],
    "004": [
        "This article is from the archive of our partner .",
        "This article is from the archive of our partner The Wire.",
    ],
}

MUST_KEEP = {
    "003": ["The comments by Syrian National Council leader", "AFP add:"],
    "004": ["Update: Reuters has updated their story.", "Original post: Forces loyal to Bashar"],
}

EXPECTED_TITLES = {
    "000": None,
    "001": None,
    "002": "Putin, Obama Discuss Syria by Telephone as Ban Says it's Heading towards 'Dissolution'",
    "003": "Ban Ki-moon urges Assad to declare truce as army “cleanse” villages around Homs",
    "004": "Assad: Military Operations Against Protesters Have Stopped",
}


def seed(prefix: str) -> str:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize("prefix", sorted(EXPECTED_REMOVED))
def test_exactly_the_expected_lines_are_removed(cleaner, prefix):
    result = cleaner.clean(seed(prefix))
    assert [r.line for r in result.removed] == EXPECTED_REMOVED[prefix]


@pytest.mark.parametrize("prefix", sorted(EXPECTED_REMOVED))
def test_every_other_line_is_kept_in_order(cleaner, prefix):
    text = seed(prefix)
    result = cleaner.clean(text)
    removed_numbers = {r.line_no for r in result.removed}
    expected = [
        normalize_line(line)
        for number, line in enumerate(split_lines(text), start=1)
        if normalize_line(line) and number not in removed_numbers
    ]
    kept = ([result.title] if result.title else []) + [p.text for p in result.paragraphs]
    assert kept == expected


@pytest.mark.parametrize(("prefix", "starts"), sorted(MUST_KEEP.items()))
def test_named_content_lines_stay(cleaner, prefix, starts):
    paragraphs = [p.text for p in cleaner.clean(seed(prefix)).paragraphs]
    for start in starts:
        assert any(p.startswith(start) for p in paragraphs), start


@pytest.mark.parametrize("prefix", sorted(EXPECTED_TITLES))
def test_title_only_when_the_first_line_is_a_headline(cleaner, prefix):
    assert cleaner.clean(seed(prefix)).title == EXPECTED_TITLES[prefix]


@pytest.mark.parametrize("prefix", sorted(EXPECTED_REMOVED))
def test_seeds_are_english(cleaner, prefix):
    result = cleaner.clean(seed(prefix))
    assert result.language == "en"
    assert result.language_prob > 0.9


def test_removal_reasons_are_explained(cleaner):
    result = cleaner.clean(seed("002"))
    by_line = {r.line: (r.rule, r.category) for r in result.removed}
    assert by_line["Comments 0"][1] == "comments"
    assert by_line["إقرأ هذا الخبر بالعربية W460"][1] == "foreign_teaser"
    assert all(rule for rule, _ in by_line.values())
