from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from tasks.script import char_script, dominant_script, script_counts


def test_scripts_of_letters():
    assert char_script("a") == "LATIN"
    assert char_script("é") == "LATIN"
    assert char_script("ж") == "CYRILLIC"
    assert char_script("ب") == "ARABIC"
    assert char_script("中") == "HAN"
    assert char_script("5") is None
    assert char_script("!") is None


def test_arabic_teaser_with_latin_code_is_arabic():
    assert dominant_script("إقرأ هذا الخبر بالعربية W460") == "ARABIC"


def test_mixed_line_has_no_dominant_script():
    assert dominant_script("Moscow Москва", min_share=0.6) is None
    assert script_counts("Moscow Москва") == {"LATIN": 6, "CYRILLIC": 6}


def test_no_letters_no_script():
    assert dominant_script("12:30 — 2024") is None


def test_every_counting_path_agrees():
    """Short, long ASCII and long non-ASCII texts take different paths; the counts agree."""
    import random
    import string

    from tasks.script import _counts_numpy

    rng = random.Random(0)
    alphabet = string.printable + "éßЖжعربي中文😀"
    for _ in range(200):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 1500)))
        ascii_only = text.encode("ascii", "ignore").decode()
        assert script_counts(text) == _counts_numpy(text)
        assert script_counts(ascii_only) == _counts_numpy(ascii_only)


def _by_definition(text: str) -> Counter:
    return Counter(s for s in map(char_script, text) if s is not None)


# Any character, and often letters of several scripts, lone surrogates and astral letters.
_CHARS = st.one_of(st.characters(), st.sampled_from("aZ\ud800\udfffжعé中😀𝐀 "))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=_CHARS, max_size=600))
def test_every_counting_path_is_the_definition(text):
    """script_counts and each of its paths: char_script of every character, counted."""
    from tasks.script import _counts_compiled, _counts_numpy, _counts_short

    expected = _by_definition(text)
    assert script_counts(text) == expected
    assert _counts_compiled(text) == expected
    assert _counts_numpy(text) == expected
    assert _counts_short(text, text.encode("utf-8", "surrogatepass")) == expected
