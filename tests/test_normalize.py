from tasks.normalize import comparison_key, normalize_line, normalize_text, split_lines


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
