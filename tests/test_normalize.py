from hypothesis import given
from hypothesis import strategies as st

from tasks.normalize import (
    comparison_key,
    normalize_line,
    normalize_text,
    normalized_lines,
    split_lines,
)


def test_nfc_composes_accents():
    decomposed = "Cafe\u0301 de Flore"
    assert normalize_line(decomposed) == "Café de Flore"


def test_spaces_collapse_and_invisible_characters_go():
    assert normalize_line("  Ban\u00a0Ki-moon \t said\u200b  ") == "Ban Ki-moon said"


def test_words_and_punctuation_are_never_changed():
    line = "«Il faut agir», a dit M. Ban — 70 000 morts; “quotes” & ‘apostrophes’!"
    assert normalize_line(line) == line


def test_line_numbers_survive_any_newline_convention():
    text = "one\r\ntwo\rthree\u2028four\nfive"
    assert split_lines(text) == ["one", "two", "three", "four", "five"]
    assert normalize_text(text).split("\n") == ["one", "two", "three", "four", "five"]


def test_comparison_key_ignores_case_and_spacing_only():
    assert comparison_key("The  Wire\n") == comparison_key("the wire")
    assert comparison_key("The Wire.") != comparison_key("The Wire")


# Characters where line-by-line and whole-text normalisation could differ if a step saw across
# a newline: combining marks at a line start, Hangul jamo that compose, invisible and control
# characters, every newline convention, exotic and repeated spaces.
_TRICKY = (
    "aeAE é\u0301\u0327\u0308\u00ad\u200b\u200e\ufeff\x00\x07\x1f\x7f\t \u00a0\u3000\u2009"
    "\r\n\u2028\u2029\x85\x0b\x0c\u2000\u2001\u2002\u1100\u1161\u11a8\uac00Σς\u0345Я\u0627\u064b"
)


@given(st.text(alphabet=st.sampled_from(_TRICKY), max_size=60))
def test_normalized_lines_equal_normalize_line_of_each_line(text):
    assert normalized_lines(text) == [normalize_line(line) for line in split_lines(text)]


@given(st.text(max_size=80))
def test_normalized_lines_on_any_text(text):
    assert normalized_lines(text) == [normalize_line(line) for line in split_lines(text)]


def test_normalized_lines_of_an_ascii_document_with_tabs():
    text = "  Title\t here \n\nBody  text\x07 end\r\n"
    assert normalized_lines(text) == ["Title here", "", "Body text end", ""]


@given(st.text(alphabet=st.sampled_from(_TRICKY + "  AbÇ\u1e9e\u0130"), max_size=40))
def test_comparison_key_is_the_casefolded_collapsed_text(text):
    assert comparison_key(text) == " ".join(text.casefold().split())


@given(st.text(max_size=40))
def test_comparison_key_on_any_text(text):
    assert comparison_key(text) == " ".join(text.casefold().split())


def test_every_whitespace_character_but_the_space_is_unprintable():
    """What :func:`comparison_key`'s shortcut relies on."""
    spaces = [chr(c) for c in range(0x110000) if chr(c).isspace()]
    assert [c for c in spaces if c.isprintable()] == [" "]
