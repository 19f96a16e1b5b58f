"""``RuleSet.match`` decides exactly what the rules decide one by one.

The matcher tests lines with two RE2 sets and confirms prefilter hits with the rule's pattern
(see ``tasks/boilerplate.py``). These tests hold it to a plain reference: every rule's own
pattern compiled alone and searched in load order, with ``max_words``. Lines: every rule
example and seed line, generated adversarial lines (hypothesis) and a few thousand realistic
lines built here from the seed articles and the rules' examples. An opt-in test (marked
``eval``) does the same on the real news of ``../shared/eval/semeval2022-task8``.
"""

from __future__ import annotations

import csv
import gzip
import random
import re
import types
from collections.abc import Iterable, Sequence
from pathlib import Path

import pytest
import re2
from hypothesis import given, settings
from hypothesis import strategies as st

from tasks import boilerplate
from tasks.boilerplate import Rule, RuleSet
from tasks.normalize import normalize_line, normalized_lines

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = RuleSet.load()


class Reference:
    """The rules applied one by one, each with its own compiled pattern: the specification."""

    def __init__(self, rules: Sequence[Rule]) -> None:
        options = re2.Options()
        options.case_sensitive = False
        options.max_mem = 256 << 20
        self.rules = tuple(rules)
        self.regexps = [re2.compile(rule.pattern, options) for rule in self.rules]

    def match_all(self, line: str) -> list[str]:
        n_words = len(line.split())
        return [
            rule.id
            for rule, regexp in zip(self.rules, self.regexps, strict=True)
            if regexp.search(line) is not None
            and (rule.max_words is None or n_words <= rule.max_words)
        ]

    def match(self, line: str) -> str | None:
        found = self.match_all(line)
        return found[0] if found else None


REFERENCE = Reference(SHIPPED.rules)


def assert_same_decisions(lines: Iterable[str], rules: RuleSet = SHIPPED) -> int:
    """Every line gets the reference's first rule from ``match`` and its rules from
    ``match_all``; returns how many lines were checked."""
    n = 0
    for line in lines:
        got = rules.match(line)
        assert (got.id if got else None) == REFERENCE.match(line), line
        assert [rule.id for rule in rules.match_all(line)] == REFERENCE.match_all(line), line
        n += 1
    return n


# --- lines ---------------------------------------------------------------------------------


def _text_lines() -> list[str]:
    """Lines of the seed articles and the syndication fixtures (real English news)."""
    paths = sorted((ROOT / "seeds").glob("*.txt"))
    paths += sorted((ROOT / "tests" / "fixtures" / "syndicated").glob("*.txt"))
    lines = []
    for path in paths:
        lines.extend(line for line in normalized_lines(path.read_text(encoding="utf-8")) if line)
    return lines


def _sentences(lines: list[str]) -> list[str]:
    return [s for line in lines for s in re.split(r"(?<=[.!?])\s+", line) if len(s) > 3]


EXAMPLES = [line for rule in SHIPPED.rules for line in (*rule.must_match, *rule.must_not_match)]
TEXT_LINES = _text_lines()
SENTENCES = _sentences(TEXT_LINES) + [
    line for rule in SHIPPED.rules for line in rule.must_not_match
]  # content in every language the rules cover
BOILERPLATE = [line for rule in SHIPPED.rules for line in rule.must_match]

#: Pieces that sit near what the prefilters and the anchored/floating split look at:
#: credits, separators, brackets, quotes, e-mail and social addresses, case-folding oddities.
TAILS = [
    " © AFP / MARCO BERTORELLO",
    " (c) Reuters",
    ". © dpa",
    " (Photo: Getty Images)",
    " (credit: NASA/Jude Guidry)",
    " (Foto by Jane Doe)",
    ".Reuters",
    ".AP",
    " [VIDEO]",
    " [Pictures] |",
    " | AP",
    " / Getty Images",
    " via Getty Images",
    ". All rights reserved.",
    " — tous droits réservés",
    " contributed reporting",
    " contributed to this report.",
    " may be reached at jane@example.com",
    " jane.doe@example.org",
    " twitter.com/someone",
    " > World > Europe",
    " › Politik",
    " newsletter",
    " Newsletter:",
    " delivered straight to your inbox",
    " click to tweet",
    " no paywall",
    " readers like you",
    " distributed by Tribune Content Agency",
    ' "',
    " “quoted”",
    " «cité»",
    " ſign up",  # RE2 folds ſ with s
    " \u212a",  # the Kelvin sign folds with k
]
HEADS = [
    "Home > ",
    "Accueil › ",
    "By ",
    "Write to ",
    "Contact ",
    "If you buy something ",
    "You may earn a commission ",
    "Sign up ",
    "Subscribe to ",
    "Votre don ",
    "Tu donación ",
    "Jetzt ",
    "Advertisement ",
    "Photo: ",
    "© ",
    "(",
    "- ",
    '"',
    "“",
]


def realistic_lines(n: int = 4000, seed: int = 0) -> list[str]:
    """``n`` normalised lines: prose, content and boilerplate examples, and mixtures of them
    with credits, bylines, breadcrumbs and case changes. The same ``seed`` gives the same lines.
    """
    rng = random.Random(seed)

    def sentence() -> str:
        text = rng.choice(SENTENCES)
        return text[: rng.randint(4, len(text))] if rng.random() < 0.2 else text

    def recase(text: str) -> str:
        roll = rng.random()
        if roll < 0.1:
            return text.upper()
        if roll < 0.2:
            return text.title()
        if roll < 0.25:
            return text.lower()
        return text

    makers = [
        lambda: rng.choice(TEXT_LINES),
        sentence,
        lambda: recase(rng.choice(BOILERPLATE)),
        lambda: sentence() + rng.choice(TAILS),
        lambda: rng.choice(HEADS) + recase(sentence()),
        lambda: rng.choice(HEADS) + rng.choice(BOILERPLATE) + rng.choice(TAILS),
        lambda: sentence() + " " + rng.choice(BOILERPLATE),
        lambda: rng.choice(BOILERPLATE) + " " + sentence(),
        lambda: " ".join(word.capitalize() for word in sentence().split()[:8]) + rng.choice(TAILS),
        lambda: " | ".join(recase(sentence()) for _ in range(rng.randint(2, 3))),
        lambda: rng.choice(HEADS) + rng.choice(TAILS),
    ]
    lines = []
    while len(lines) < n:
        line = normalize_line(rng.choice(makers)())
        if line:
            lines.append(line)
    return lines


# --- tests ---------------------------------------------------------------------------------


def test_examples_and_seed_lines() -> None:
    assert assert_same_decisions([*EXAMPLES, *TEXT_LINES]) > 500


def test_realistic_lines() -> None:
    lines = realistic_lines()
    assert len(set(lines)) > 3000
    hit = sum(REFERENCE.match(line) is not None for line in lines)
    assert 0.2 < hit / len(lines) < 0.8  # both decisions are well represented
    assert assert_same_decisions(lines) == 4000


def test_every_prefiltered_rule_is_exercised_by_the_realistic_lines() -> None:
    """Each prefiltered rule both matches some line and is rejected after its prefilter
    passed on another, so both outcomes of the confirmation are compared above."""
    lines = realistic_lines()
    for index, rule in enumerate(SHIPPED.rules):
        if rule.prefilter is None:
            continue
        prefilter = re2.compile(rule.prefilter, boilerplate._options())
        passed = [line for line in lines if prefilter.search(line) is not None]
        confirmed = [line for line in passed if SHIPPED._regexps[index].search(line)]
        assert confirmed, f"{rule.id}: no realistic line matches"
        assert len(confirmed) < len(passed), f"{rule.id}: its prefilter never fails to confirm"


def _fragments() -> list[str]:
    """Literal chunks of every pattern and prefilter, example words, and the tails above."""
    chunks: set[str] = set()
    for rule in SHIPPED.rules:
        for pattern in filter(None, (rule.pattern, rule.prefilter)):
            chunks.update(re.findall(r"[^\\()\[\]{}|?*+.^$]{2,}", pattern))
        for line in rule.must_match:
            chunks.update(line.split()[:6])
    chunks.update(TAILS)
    chunks.update(HEADS)
    return sorted(chunks)


FRAGMENTS = _fragments()
_ODD = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), max_codepoint=0x1F000), max_size=4
)


@settings(max_examples=1500, deadline=None)
@given(
    st.lists(
        st.one_of(st.sampled_from(FRAGMENTS), st.sampled_from(SENTENCES), _ODD),
        min_size=1,
        max_size=10,
    ),
    st.lists(st.sampled_from(["", " ", ". ", ", ", " | ", " / ", ": ", " — "]), min_size=1),
)
def test_generated_lines(parts: list[str], separators: list[str]) -> None:
    line = "".join(part + separators[i % len(separators)] for i, part in enumerate(parts))
    assert_same_decisions([normalize_line(line), line.strip()])


@settings(max_examples=1000, deadline=None)
@given(
    st.sampled_from(EXAMPLES),
    st.sampled_from(FRAGMENTS),
    st.integers(0, 400),
    st.sampled_from([str, str.upper, str.lower, str.title, str.swapcase]),
)
def test_edited_examples(example: str, fragment: str, where: int, case) -> None:
    """An example with a fragment put in at the start, the end or inside, in another case."""
    cut = min(where, len(example))
    edited = [fragment + example, example + fragment, example[:cut] + fragment + example[cut:]]
    assert_same_decisions(normalize_line(case(line)) for line in edited)


def test_the_binding_method_is_used_and_the_public_one_agrees(monkeypatch) -> None:
    assert not isinstance(SHIPPED._match_anchored, types.FunctionType)
    assert not isinstance(SHIPPED._match_floating, types.FunctionType)
    monkeypatch.setattr(boilerplate, "_matcher", boilerplate._public_matcher)
    public = RuleSet.load()
    assert isinstance(public._match_anchored, types.FunctionType)
    assert assert_same_decisions([*EXAMPLES, *realistic_lines(1000, seed=1)], public) > 1000


def test_rules_without_prefilters_or_floating_parts() -> None:
    """Custom rule sets: all anchored, all floating, none prefiltered, one rule."""
    plain = [Rule(**{**_fields(rule), "prefilter": None}) for rule in SHIPPED.rules]
    lines = [*EXAMPLES, *realistic_lines(500, seed=2)]
    for rules in (plain, plain[:1], [r for r in plain if not r.pattern.startswith("^")]):
        reference = Reference(rules)
        compiled = RuleSet(rules)
        for line in lines:
            got = compiled.match(line)
            assert (got.id if got else None) == reference.match(line), line


def _fields(rule: Rule) -> dict:
    return {name: getattr(rule, name) for name in Rule.__slots__}


# --- opt-in: real news ---------------------------------------------------------------------

SEMEVAL = ROOT.parent / "shared" / "eval" / "semeval2022-task8" / "articles_by_lang.csv.gz"


@pytest.mark.eval
@pytest.mark.skipif(not SEMEVAL.exists(), reason="../shared/eval/semeval2022-task8 absent")
def test_real_news_lines() -> None:
    csv.field_size_limit(1 << 30)
    lines: list[str] = []
    with gzip.open(SEMEVAL, "rt", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            lines.extend(line for line in normalized_lines(row["text"]) if line)
    assert len(lines) > 5000
    assert assert_same_decisions(lines) == len(lines)
