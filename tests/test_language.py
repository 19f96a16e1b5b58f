from tasks.language import LanguageDetector

ENGLISH = (
    "Russian leader Vladimir Putin and U.S. President Barack Obama discussed Syria and other "
    "urgent issues by telephone Friday, the Kremlin said."
)
FRENCH = (
    "Le secrétaire général des Nations unies a appelé vendredi à la fin immédiate des combats "
    "dans le pays, selon un communiqué publié à Genève."
)


def test_detects_language_with_probability():
    guess = LanguageDetector().detect(ENGLISH)
    assert guess.language == "en"
    assert guess.probability > 0.99


def test_results_do_not_depend_on_call_order_or_instance():
    first = LanguageDetector()
    a = first.detect(FRENCH)
    for text in (ENGLISH, "Guten Morgen, wie geht es Ihnen heute?", FRENCH * 3):
        first.detect(text)
    b = first.detect(FRENCH)
    c = LanguageDetector().detect(FRENCH)
    assert a == b == c
    assert a.language == "fr"


def test_chinese_codes_are_iso_639_1():
    guess = LanguageDetector().detect(
        "联合国秘书长潘基文星期五在日内瓦表示，叙利亚冲突正在导致国家解体。"
    )
    assert guess.language == "zh"


def test_no_letters_is_undecidable():
    guess = LanguageDetector().detect("12345 67890 !!!")
    assert guess.language is None
    assert guess.probability == 0.0
