"""Vectorised tokenisation (tasks.words) is exactly ``re.findall(r"\\w+")`` on casefolded text."""

from __future__ import annotations

import re

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tasks import words
from tasks.normalize import comparison_key

WORD = re.compile(r"\w+")
# Letters, digits, marks, punctuation, spaces, separators, NUL and a lone surrogate.
ALPHABET = st.sampled_from(list("aZ é ß İ _-.,!\t\n\u00a0\u2003\u200b0１٣漢字ʼ\u0301\x00\ud800"))


def check(texts: list[str]) -> None:
    folded = [t.casefold() for t in texts]
    hashes, counts = words.word_hashes(folded)
    expected = [WORD.findall(f) for f in folded]
    assert counts.tolist() == [len(e) for e in expected]
    seen: dict[str, int] = {}
    for word, h in zip([w for e in expected for w in e], hashes.tolist(), strict=True):
        assert seen.setdefault(word, h) == h  # same word, same hash
    assert len(set(seen.values())) == len(seen)  # different words, different hashes


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(ALPHABET, max_size=40), max_size=30))
def test_words_and_hashes_match_the_regex(texts: list[str]) -> None:
    check(texts)


def test_a_batch_is_its_texts_one_by_one() -> None:
    texts = [f"word{i} shared words here" for i in range(500)] + ["", "x", "\ud800 z\U0001f600w"]
    whole = words.word_hashes(texts)
    alone = [words.word_hashes([t]) for t in texts]
    assert np.array_equal(whole[0], np.concatenate([h for h, _ in alone]))
    assert whole[1].tolist() == [int(c[0]) for _, c in alone]
    check(texts)


def test_word_table_is_the_regex_word_class() -> None:
    table = words.word_table()
    sample = [0x30, 0x5F, 0x2D, 0xE9, 0x0301, 0x200B, 0x4E00, 0xFF11, 0x1F600, 0xD800]
    for cp in sample:
        assert table[cp] == bool(WORD.fullmatch(chr(cp))), hex(cp)


def test_space_table_is_str_isspace() -> None:
    table = words.space_table()
    assert [cp for cp in range(0x3100) if table[cp]] == [
        cp for cp in range(0x3100) if chr(cp).isspace()
    ]


def test_empty_batch() -> None:
    hashes, counts = words.word_hashes([])
    assert hashes.size == 0 and counts.size == 0


def check_paragraphs(texts: list[str], seeds: list[int]) -> None:
    hashes, counts_words, counts = words.paragraph_keys(texts, np.array(seeds, dtype=np.uint64))
    expected = [(t.split("\n\n") if t else []) for t in texts]
    assert counts.tolist() == [len(e) for e in expected]
    keys = [(seed, comparison_key(p)) for seed, e in zip(seeds, expected, strict=True) for p in e]
    assert counts_words.tolist() == [len(WORD.findall(key)) for _, key in keys]
    seen: dict[tuple[int, str], int] = {}
    for key, h in zip(keys, hashes.tolist(), strict=True):
        assert (h == 0) == (key[1] == "")
        assert seen.setdefault(key, h) == h  # same site and key, same hash
    distinct = {k: h for k, h in seen.items() if h}
    assert len(set(distinct.values())) == len(distinct)  # different site or key, different hash


PARAGRAPHS = st.sampled_from(list("aZ é ß İ _-.,\t\n\n\n\u00a0\u2003\u200b0ʼ\u0301\x00\ud800"))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.text(PARAGRAPHS, max_size=40), st.sampled_from([0, 1, 2**63])), max_size=20
    )
)
@example(rows=[(".", 0), ("-", 1)])  # seeds added unmixed made these one hash
def test_paragraph_keys_match_split_and_comparison_key(rows: list[tuple[str, int]]) -> None:
    check_paragraphs([t for t, _ in rows], [s for _, s in rows])


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.text(PARAGRAPHS, max_size=40), max_size=12),
    st.integers(min_value=0, max_value=4),
)
def test_paragraphs_over_max_words_are_not_hashed(texts: list[str], max_words: int) -> None:
    seeds = np.arange(len(texts), dtype=np.uint64)
    hashes, counted, counts = words.paragraph_keys(texts, seeds)
    limited, capped, same_counts = words.paragraph_keys(texts, seeds, max_words)
    assert same_counts.tolist() == counts.tolist()
    long = counted > max_words
    assert np.all(limited[long] == 0) and np.all(capped[long] == max_words + 1)
    assert np.array_equal(limited[~long], hashes[~long])
    assert np.array_equal(capped[~long], counted[~long])


def test_paragraph_keys_of_spaced_and_cased_copies_are_equal() -> None:
    texts = ["Sign up  for OUR newsletter\n\nStraße", " sign up for our\tnewsletter \n\nSTRASSE"]
    hashes, _, counts = words.paragraph_keys(texts, np.zeros(2, dtype=np.uint64))
    assert counts.tolist() == [2, 2]
    assert hashes[0] == hashes[2] and hashes[1] == hashes[3] and hashes[0] != hashes[1]
    check_paragraphs(["", "\n\n", "a\n\n", "\n\n\nb", "x\n\n\n\ny"], [0, 0, 0, 0, 5])


@given(st.text(ALPHABET, max_size=60))
def test_count_words_is_the_regex_count(text: str) -> None:
    assert words.count_words(text) == len(WORD.findall(text))


@given(st.text(max_size=60))
def test_count_words_on_any_text(text: str) -> None:
    assert words.count_words(text) == len(WORD.findall(text))


def test_count_words_examples() -> None:
    assert words.count_words("") == 0
    assert words.count_words("word") == 1
    assert words.count_words("  two words, here! ") == 3
    assert words.count_words("l'été — 2024\n\nnext") == 4


def test_class_tables_match_the_regex_on_every_code_point() -> None:
    """The run-by-run tables equal a whole-range substitution with the same regex."""
    every = words._every()
    for pattern, table in ((r"\w", words.word_table()), (r"\s", words.space_table())):
        marked = re.sub(pattern, "\x01", re.sub(f"[^{pattern}]", "\x00", every))
        expected = np.frombuffer(marked.encode("ascii"), dtype=np.uint8).astype(bool)
        assert np.array_equal(table, expected), pattern
