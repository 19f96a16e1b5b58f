"""Function-word counts: all languages at once, and the test that makes detecting a line moot."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tasks.function_words import FunctionWords

WORDS = FunctionWords()
LANGUAGES = sorted(WORDS.words)
VOCABULARY = sorted(set().union(*WORDS.words.values()))

LINES = [
    "Leggi questo articolo in italiano qui",
    "Lesen Sie den Artikel auf Deutsch",
    "Read this article in English here",
    "Die Welt in der Krise: was nun?",
    "En el marco de la crisis, la UE y el FMI",
    "Читайте также: новости дня",
    "AFP add:",
    "",
]


@pytest.mark.parametrize("line", LINES)
def test_counts_of_all_languages_equal_count_of_each(line):
    counts = WORDS.counts(line)
    for language in LANGUAGES:
        assert counts[language] == WORDS.count(line, language)
    assert all(n > 0 for n in counts.values())


def test_counts_know_an_italian_line():
    counts = WORDS.counts("Leggi questo articolo in italiano qui")
    assert counts["it"] > counts["en"]


lines = st.lists(
    st.one_of(st.sampled_from(VOCABULARY), st.text(min_size=1, max_size=8)), max_size=12
).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(line=lines, article=st.sampled_from([*LANGUAGES, "zh", "xx", None]))
def test_could_favour_another_is_exactly_whether_some_candidate_is_favoured(line, article):
    """Never false when some language other than the article's would be favoured: the cleaner
    skips detecting a line on its say-so, so a false "no" would change results."""
    expected = any(
        WORDS.favours(line, candidate, article)
        for candidate in LANGUAGES
        if candidate != article and article is not None
    )
    assert WORDS.could_favour_another(WORDS.counts(line), article) == expected


@given(line=lines)
def test_counts_match_count_on_generated_lines(line):
    counts = WORDS.counts(line)
    assert {lang: WORDS.count(line, lang) for lang in LANGUAGES if counts[lang]} == dict(counts)
