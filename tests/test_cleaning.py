"""Cleaning heuristics beyond the rules file: foreign teasers, repeats, titles."""

from __future__ import annotations

from tasks.cleaning import (
    CATEGORY_FOREIGN,
    RULE_FOREIGN_LANGUAGE,
    RULE_FOREIGN_SCRIPT,
    RULE_REPEATED,
    RULE_TITLE,
    title_variants,
)

BODY = [
    "The United Nations said on Friday that aid convoys had reached the besieged city after "
    "weeks of negotiations between the warring parties.",
    "Officials said the trucks carried food, medicine and winter clothing for about 40,000 "
    "people who had been cut off since the autumn.",
    "The organisation warned that the situation remained fragile and that further deliveries "
    "would depend on guarantees of safe passage.",
]


def article(*extra: str, before: tuple[str, ...] = ()) -> str:
    return "\n\n".join([*before, *BODY, *extra])


def rules_of(result):
    return {r.line: r.rule for r in result.removed}


def test_short_line_in_another_script_is_a_teaser(cleaner):
    result = cleaner.clean(article(before=("Главные новости дня в Москве",)))
    assert rules_of(result) == {"Главные новости дня в Москве": RULE_FOREIGN_SCRIPT}
    assert result.removed[0].category == CATEGORY_FOREIGN


def test_unnamed_foreign_script_teaser_without_any_rule(cleaner):
    # Greek wording that no rule names: script alone decides.
    line = "Διαβάστε το άρθρο στα ελληνικά"
    result = cleaner.clean(article(line))
    assert rules_of(result) == {line: RULE_FOREIGN_SCRIPT}


def test_same_script_other_language_teaser_long_enough_to_judge(cleaner):
    line = "Leggi questo articolo in italiano qui"
    result = cleaner.clean(article(line))
    assert rules_of(result) == {line: RULE_FOREIGN_LANGUAGE}


def test_short_english_fragments_are_not_judged_by_language(cleaner):
    # langdetect calls "AFP add:" Welsh with p=0.99999; too short to trust.
    result = cleaner.clean(article("AFP add:", "Speaking in Geneva, he said:"))
    assert result.removed == []


def test_sentence_quoting_a_foreign_phrase_is_content(cleaner):
    quote = "« Nous ne céderons pas », a déclaré le ministre devant les journalistes à Paris."
    mixed = (
        'The crowd chanted "الشعب يريد إسقاط النظام", meaning the people want the fall '
        "of the regime."
    )
    result = cleaner.clean(article(quote, mixed))
    assert result.removed == []


def test_text_rendered_twice_keeps_the_first_copy(cleaner):
    text = article(BODY[0], BODY[1])  # the first two paragraphs again, in order
    result = cleaner.clean(text)
    assert [r.rule for r in result.removed] == [RULE_REPEATED, RULE_REPEATED]
    assert [r.line_no for r in result.removed] == [7, 9]
    assert [p.text for p in result.paragraphs] == BODY


def test_repeated_paragraph_keeps_the_first_copy(cleaner):
    # The issue 2 contract: a paragraph repeated anywhere in the article goes, first copy kept.
    text = article(BODY[1])
    result = cleaner.clean(text)
    assert [r.rule for r in result.removed] == [RULE_REPEATED]
    assert result.removed[0].line_no == 7
    assert [p.text for p in result.paragraphs] == BODY


def test_paragraph_repeated_right_after_itself_is_a_copy(cleaner):
    result = cleaner.clean("\n\n".join([BODY[0], BODY[1], BODY[1], BODY[2]]))
    assert [(r.rule, r.line_no) for r in result.removed] == [(RULE_REPEATED, 5)]


def test_copies_separated_by_short_lines_are_still_copies(cleaner):
    text = "\n\n".join([BODY[0], "-", BODY[1], "Read the rest below", BODY[0], "-", BODY[1]])
    result = cleaner.clean(text)
    assert [r.line_no for r in result.removed] == [9, 13]


def test_repeated_short_lines_are_structure(cleaner):
    recipe = [
        "Breakfast",
        "Portion: 1 green, 1 red",
        "Oats with berries.",
        "Lunch",
        "Portion: 1 green, 1 red",
        "Chicken salad with herbs.",
    ]
    assert cleaner.clean("\n\n".join([*BODY, *recipe])).removed == []


def test_near_repeat_is_not_a_repeat(cleaner):
    longer = BODY[0].replace("on Friday", "on Friday, a spokesman said,")
    assert cleaner.clean(article(longer)).removed == []


def test_headline_becomes_title_and_sentence_does_not(cleaner):
    titled = cleaner.clean(article(before=("Aid convoys reach besieged city",)))
    assert titled.title == "Aid convoys reach besieged city"
    assert titled.paragraphs[0].text == BODY[0]
    untitled = cleaner.clean(article())
    assert untitled.title is None


def test_metadata_title_is_used_and_not_repeated_in_text(cleaner):
    result = cleaner.clean(
        article(before=("Aid convoys reach besieged city",)),
        title="Aid  convoys reach besieged city",
    )
    assert result.title == "Aid convoys reach besieged city"
    assert result.text.split("\n\n") == BODY


def test_paragraphs_are_separated_by_blank_lines(cleaner):
    single_spaced = "\n".join(BODY)
    assert cleaner.clean(single_spaced).text == "\n\n".join(BODY)


RUSSIAN = [
    "Городской совет утвердил бюджет на следующий год после долгого обсуждения расходов на "
    "ремонт набережной.",
    "Депутаты заявили, что работы займут два года и будут частично оплачены за счёт новых "
    "сборов с владельцев яхт.",
    "Представители оппозиции потребовали провести общественные слушания до начала ремонта.",
]


def test_handles_and_addresses_do_not_make_a_line_foreign(cleaner):
    lines = ["Аккаунт: @evgenialevi", "Автор: Иван Петров ivan.petrov@example.ru"]
    result = cleaner.clean("\n\n".join([*RUSSIAN, *lines]))
    assert result.removed == []
    teaser = cleaner.clean("\n\n".join([*RUSSIAN, "Read the English version here"]))
    assert rules_of(teaser) == {"Read the English version here": RULE_FOREIGN_SCRIPT}


def test_headline_without_the_site_name_is_the_title(cleaner):
    headline = "Aid convoys reach besieged city"
    result = cleaner.clean(
        article(before=(headline,)), title=f"Opinion | {headline} - The Daily Example"
    )
    assert result.title == headline
    assert result.text.split("\n\n") == BODY


def test_later_copies_of_the_headline_are_removed(cleaner):
    headline = "Aid convoys reach besieged city"
    result = cleaner.clean(article(headline, before=(headline,)), title=headline)
    assert [(r.rule, r.line_no) for r in result.removed] == [(RULE_TITLE, 9)]
    assert result.text.split("\n\n") == BODY


def test_title_variants_never_shrink_to_a_common_phrase():
    assert title_variants("Brexit - what happens next") == {"brexit - what happens next"}
    assert "is football violence a crime?" in title_variants(
        "Is Football Violence a Crime? - Opinion | The Times"
    )
    assert "opinion | the times" not in title_variants(
        "Is Football Violence a Crime? - Opinion | The Times"
    )
