"""The pattern splitter and the prefilter proof of ``tasks.rule_syntax``."""

from __future__ import annotations

import itertools

import pytest
import re2
from hypothesis import given, settings
from hypothesis import strategies as st

from tasks.boilerplate import RuleSet
from tasks.rule_syntax import alternatives, implies, is_anchored

SHIPPED = RuleSet.load()


def _options() -> re2.Options:
    options = re2.Options()
    options.case_sensitive = False
    options.max_mem = 256 << 20
    return options


# --- alternatives --------------------------------------------------------------------------


def test_pieces_keep_their_quantifiers_and_groups_stay_whole() -> None:
    assert alternatives(r"^ab(?:c|d)+|x") == [("^", "a", "b", "(?:c|d)+"), ("x",)]
    assert alternatives(r"[|]\|(?-i:\p{Lu})\pL{2,}?\x{064B}\.x{2}") == [
        ("[|]", r"\|", r"(?-i:\p{Lu})", r"\pL{2,}?", r"\x{064B}", r"\.", "x{2}")
    ]
    assert alternatives(r"[]|]|[^]|]|a{,2}") == [("[]|]",), ("[^]|]",), ("a", "{", ",", "2", "}")]
    assert alternatives("") == [()]
    assert alternatives("a||b") == [("a",), (), ("b",)]


@pytest.mark.parametrize(
    "pattern", [r"(a", r"a)", r"[ab", "a\\", r"\Qa|b\E", r"(a)\1", r"\p{Greek"]
)
def test_syntax_it_cannot_read_is_an_error(pattern: str) -> None:
    with pytest.raises(ValueError):
        alternatives(pattern)


@pytest.mark.parametrize("rule", SHIPPED.rules, ids=lambda rule: rule.id)
def test_every_shipped_pattern_splits_into_alternatives_that_compile(rule) -> None:
    for pattern in filter(None, (rule.pattern, rule.prefilter)):
        parts = alternatives(pattern)
        assert "|".join("".join(alt) for alt in parts) == pattern
        for alt in parts:
            # A wrong split (inside a class or a group) would leave a piece RE2 rejects.
            re2.compile("".join(alt), _options())
            for piece in alt:
                re2.compile(piece, _options())


def test_anchored_means_the_first_piece_is_a_caret() -> None:
    assert is_anchored(("^", "a"))
    assert not is_anchored(("(?:^|x)", "a"))
    assert not is_anchored(())


# --- implies -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "prefilter"),
    [
        (r"^.{3,}x ?©$", "©"),
        (r"^a|b$", r"^a|b$"),
        (r"^(?:a|bc)d", r"^ad|^bcd"),  # a group distributed over its neighbours
        (r"^(?:a|bc)d", r"^a|cd"),
        (r"^(?:ab ?/ ?){1,3}(?:x|y)$", r"/ ?(?:x|y)$"),  # the last pass precedes what follows
        (r"^(?:ab ?/ ?){2,}z", r"^ab ?/"),  # the first pass follows what comes before
        (r"^(?:x(?:y|z))+", r"^xy|^xz"),
        (r"a(?:b|c){1,2}a", r"ab|ac"),
        (r"a(?:b|c){1,2}a", r"ba|ca"),
        (r"^[^\"]*\b(?:there is|we have) no paywall\b[^\"]*you", " no paywall"),
    ],
)
def test_a_run_of_pieces_in_every_alternative_is_implied(pattern: str, prefilter: str) -> None:
    assert implies(pattern, prefilter)


@pytest.mark.parametrize(
    ("pattern", "prefilter"),
    [
        (r"^ab|cd", "ab"),  # the second alternative lacks it
        (r"^(?:a|b)c", r"^ac"),  # 'bc' lacks it
        (r"^(?:ab ?/ ?){0,3}(?:x|y)$", r"/"),  # zero passes allowed
        (r"^(?:ab ?/ ?)*x", r"/"),
        (r"^(?:ab ?/ ?){1,3}(?:x|y)$", r"^ab ?/ ?(?:x|y)"),  # first pass need not touch x|y
        (r"a(?:b|c){1,2}a", r"aba|aca"),  # 'abca': no one pass touches both neighbours
        (r"^(?:a|b)+c", r"bc"),
        (r"^(a|b)c", r"^ac|^bc"),  # capturing groups are not taken apart (kept simple)
        (r"^abc", r"^ab|"),  # an empty alternative matches everything
        (r"^abc", r"^abcd"),
        (r"^a(?-i:b)", r"^ab"),  # a flag group is one piece
        # a literal NUL could stand for the "more passes" the proof leaves unexamined
        ("^(?:ab)+c", "b\x00"),
    ],
)
def test_anything_else_is_not_shown(pattern: str, prefilter: str) -> None:
    assert not implies(pattern, prefilter)


def test_bare_flags_are_refused() -> None:
    with pytest.raises(ValueError, match="bare flag"):
        implies(r"^a(?-i)b", "b")


def test_a_hopeless_search_stops_at_its_budget() -> None:
    pattern = "".join(f"(?:a{i}|b{i}|c{i})" for i in range(12))
    assert not implies(pattern, "zz")


_PIECES = [
    "a",
    "b",
    "c",
    "^",
    "$",
    "x?",
    "[ab]*",
    "(?:a|b)",
    "(?:c|)",
    "(?:ab|c)+",
    "(?:ab|c)*",
    "(?:a|bc)?",
    "(?:ab){2}",
    "(?:b|c){1,2}",
    "(?:a(?:b|c))+",
]
#: Every text of up to six letters over the patterns' alphabet: a claim that is wrong for
#: these small patterns shows on one of them.
_TEXTS = [""] + [
    "".join(letters) for size in range(1, 7) for letters in itertools.product("abc", repeat=size)
]


@settings(max_examples=800, deadline=None)
@given(st.data())
def test_when_implied_every_matched_text_matches_the_prefilter(data: st.DataObject) -> None:
    """The soundness the matcher relies on, on random small patterns: never a false "implied".

    Most prefilters are cut from a pattern alternative around one of its groups, one run per
    alternative of the group (what a distributed group would offer), so that both "implied"
    and near misses come up; the rest are random.
    """
    pieces = st.sampled_from(_PIECES)
    pattern_alts = data.draw(
        st.lists(st.lists(pieces, min_size=1, max_size=5), min_size=1, max_size=3)
    )
    pattern = "|".join("".join(alt) for alt in pattern_alts)
    source = data.draw(st.sampled_from(pattern_alts))
    groups = [k for k, piece in enumerate(source) if piece.startswith("(?:")]
    if data.draw(st.integers(0, 3)) == 0:
        runs = data.draw(st.lists(st.lists(pieces, min_size=1, max_size=3), min_size=1, max_size=2))
    elif groups and data.draw(st.booleans()):
        k = data.draw(st.sampled_from(groups))
        # Runs reaching past both sides of the group matter most: prefer the ends.
        lo = data.draw(st.sampled_from([0, 0, *range(k + 1)]))
        hi = data.draw(st.sampled_from([len(source), len(source), *range(k + 1, len(source) + 1)]))
        body = source[k][3 : source[k].rindex(")")]
        runs = [[*source[lo:k], *alt, *source[k + 1 : hi]] for alt in alternatives(body)]
    else:
        lo = data.draw(st.integers(0, len(source) - 1))
        runs = [source[lo : data.draw(st.integers(lo + 1, len(source)))]]
    prefilter = "|".join("".join(run) or "a" for run in runs)
    if not implies(pattern, prefilter):
        return
    compiled, screen = re2.compile(pattern, _options()), re2.compile(prefilter, _options())
    for text in _TEXTS:
        if compiled.search(text) is not None:
            assert screen.search(text) is not None, (pattern, prefilter, text)
