"""Behaviour of the boilerplate rule engine (loading, validation, matching, safety)."""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

import pytest
import re2
from hypothesis import given, settings
from hypothesis import strategies as st

from tasks import boilerplate
from tasks.boilerplate import CATEGORIES, RULES_DIR, Rule, RuleError, RuleSet
from tasks.normalize import normalize_line

SHIPPED = RuleSet.load()

GOOD_RULE = """
[[rule]]
id = "{id}"
category = "{category}"
languages = ["en"]
pattern = '''{pattern}'''
description = "test rule"
must_match = ["x", "y"]
must_not_match = ["z", "w"]
{extra}
"""


def write_rules(path: Path, *rules: dict[str, str]) -> Path:
    """Write a rule file from dicts of template fields (id, category, pattern, extra)."""
    text = ""
    for fields in rules:
        values = {"id": "advertisement-test", "category": "advertisement", "pattern": "^ad$"}
        values["extra"] = ""
        values.update(fields)
        text += GOOD_RULE.format(**values)
    path.write_text(text, encoding="utf-8")
    return path


# --- loading -------------------------------------------------------------------------------


def test_default_load_reads_every_shipped_file_in_name_order() -> None:
    files = sorted(RULES_DIR.glob("*.toml"), key=lambda p: p.name)
    explicit = RuleSet.load(files)
    assert [r.id for r in explicit.rules] == [r.id for r in SHIPPED.rules]
    first_ids_per_file = [RuleSet.load([f]).rules[0].id for f in files]
    positions = [[r.id for r in SHIPPED.rules].index(i) for i in first_ids_per_file]
    assert positions == sorted(positions)


def test_load_keeps_file_order_and_rule_order(tmp_path: Path) -> None:
    a = write_rules(tmp_path / "b.toml", {"id": "share-two", "category": "share"})
    b = write_rules(
        tmp_path / "a.toml",
        {"id": "share-zero", "category": "share"},
        {"id": "share-one", "category": "share"},
    )
    assert [r.id for r in RuleSet.load([a, b]).rules] == ["share-two", "share-zero", "share-one"]
    # A directory stands for its *.toml files sorted by name; a lone path is accepted too.
    assert [r.id for r in RuleSet.load(a).rules] == ["share-two"]  # type: ignore[arg-type]
    assert [r.id for r in RuleSet.load([tmp_path]).rules] == [
        "share-zero",
        "share-one",
        "share-two",
    ]


def test_rule_fields_are_typed(tmp_path: Path) -> None:
    path = write_rules(tmp_path / "r.toml", {"extra": "max_words = 3"})
    (rule,) = RuleSet.load([path]).rules
    assert rule == Rule(
        id="advertisement-test",
        category="advertisement",
        languages=("en",),
        pattern="^ad$",
        description="test rule",
        must_match=("x", "y"),
        must_not_match=("z", "w"),
        max_words=3,
    )
    with pytest.raises(AttributeError):
        rule.id = "other"  # type: ignore[misc]


def test_categories_are_the_stable_ids_in_reporting_order(tmp_path: Path) -> None:
    assert SHIPPED.categories == CATEGORIES
    path = write_rules(
        tmp_path / "r.toml",
        {"id": "share-a", "category": "share"},
        {"id": "copyright-a", "category": "copyright"},
    )
    assert RuleSet.load([path]).categories == ("copyright", "share")


def test_empty_rule_set_matches_nothing() -> None:
    empty = RuleSet([])
    assert empty.match("Advertisement") is None
    assert empty.match_all("Advertisement") == ()
    assert empty.categories == ()


# --- validation ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"category": "weather"}, "unknown category"),
        ({"pattern": r"(a)\1"}, "RE2 rejects"),
        ({"pattern": "^(?=ad)ad$"}, "RE2 rejects"),
        ({"pattern": "^(?<!x)ad$"}, "RE2 rejects"),
        ({"pattern": "(unclosed"}, "RE2 rejects"),
        ({"id": "Bad Id"}, "kebab or snake"),
        ({"extra": "max_words = 0"}, "max_words"),
        ({"extra": 'max_words = "ten"'}, "max_words"),
        ({"extra": "weight = 2"}, "unknown keys"),
        ({"extra": "prefilter = 3"}, "'prefilter' must be a non-empty string"),
        ({"extra": "prefilter = ''"}, "'prefilter' must be a non-empty string"),
        ({"extra": "prefilter = '(a'"}, "RE2 rejects"),
        ({"extra": "prefilter = 'zz'"}, "not implied by the pattern"),
        ({"pattern": "^ad|ads", "extra": "prefilter = '^ad'"}, "not implied by the pattern"),
        ({"pattern": "^a(?i)d", "extra": "prefilter = 'd'"}, "cannot check the prefilter"),
    ],
)
def test_invalid_rule_names_file_and_rule(
    tmp_path: Path, fields: dict[str, str], message: str
) -> None:
    path = write_rules(tmp_path / "broken.toml", fields)
    with pytest.raises(RuleError, match=message) as info:
        RuleSet.load([path])
    assert "broken.toml" in str(info.value)
    assert fields.get("id", "advertisement-test") in str(info.value)


def test_prefilter_is_loaded_and_only_narrows_the_search(tmp_path: Path) -> None:
    path = write_rules(
        tmp_path / "r.toml",
        {"pattern": "^.{3,}[.] ?© ?[a-z]+$", "extra": "prefilter = '©'"},
        {"id": "advertisement-b", "pattern": "^ad$"},
    )
    rules = RuleSet.load([path])
    assert rules.rules[0].prefilter == "©"
    assert rules.match("Caption. © afp").id == "advertisement-test"
    assert rules.match("© afp") is None  # the prefilter passes, the pattern does not
    assert rules.match("ad").id == "advertisement-b"
    # Built directly, the rule is checked the same way.
    bad = Rule(**{**{f: getattr(rules.rules[0], f) for f in Rule.__slots__}, "prefilter": "x"})
    with pytest.raises(RuleError, match="not implied"):
        RuleSet([bad])


def test_missing_key_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "missing.toml"
    path.write_text(
        '[[rule]]\nid = "share-x"\ncategory = "share"\nlanguages = ["en"]\n'
        'pattern = "^x$"\nmust_match = ["x", "x"]\nmust_not_match = ["y", "z"]\n',
        encoding="utf-8",
    )
    with pytest.raises(
        RuleError, match=r"missing\.toml: rule 'share-x': missing keys \['description'\]"
    ):
        RuleSet.load([path])


def test_bad_languages_are_rejected(tmp_path: Path) -> None:
    path = tmp_path / "lang.toml"
    path.write_text(
        GOOD_RULE.format(id="share-x", category="share", pattern="^x$", extra="").replace(
            '["en"]', '["english"]'
        ),
        encoding="utf-8",
    )
    with pytest.raises(RuleError, match="ISO 639-1"):
        RuleSet.load([path])


def test_read_rules_gives_the_loaded_definitions_without_compiling(tmp_path: Path) -> None:
    assert boilerplate.read_rules() == SHIPPED.rules
    assert boilerplate.read_rules(check_patterns=False) == SHIPPED.rules
    path = write_rules(tmp_path / "broken.toml", {"pattern": "(unclosed"})
    assert [r.pattern for r in boilerplate.read_rules([path], check_patterns=False)] == [
        "(unclosed"
    ]
    with pytest.raises(RuleError, match="RE2 rejects"):
        boilerplate.read_rules([path])


def test_duplicate_id_across_files_names_both(tmp_path: Path) -> None:
    one = write_rules(tmp_path / "one.toml", {"id": "share-x", "category": "share"})
    two = write_rules(tmp_path / "two.toml", {"id": "share-x", "category": "share"})
    with pytest.raises(RuleError, match="duplicate id") as info:
        RuleSet.load([one, two])
    assert "one.toml" in str(info.value)
    assert "two.toml" in str(info.value)


def test_duplicate_id_in_one_file(tmp_path: Path) -> None:
    path = write_rules(tmp_path / "dup.toml", {"id": "share-x"}, {"id": "share-x"})
    with pytest.raises(RuleError, match=r"dup\.toml: rule 'share-x': duplicate id"):
        RuleSet.load([path])


def test_invalid_toml_and_missing_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[[rule]\nid = ", encoding="utf-8")
    with pytest.raises(RuleError, match=r"bad\.toml: invalid TOML"):
        RuleSet.load([bad])
    with pytest.raises(RuleError, match=r"absent\.toml: cannot read"):
        RuleSet.load([tmp_path / "absent.toml"])


def test_rule_error_is_a_value_error() -> None:
    assert issubclass(RuleError, ValueError)


# --- matching ------------------------------------------------------------------------------


def test_first_matching_rule_wins(tmp_path: Path) -> None:
    path = write_rules(
        tmp_path / "r.toml",
        {"id": "share-specific", "category": "share", "pattern": "^share on facebook$"},
        {"id": "share-general", "category": "share", "pattern": "^share"},
    )
    rules = RuleSet.load([path])
    assert rules.match("Share on Facebook").id == "share-specific"
    assert rules.match("Share this").id == "share-general"
    assert [r.id for r in rules.match_all("Share on Facebook")] == [
        "share-specific",
        "share-general",
    ]
    assert rules.match("Nothing to see") is None


def test_patterns_are_case_insensitive_including_cyrillic(tmp_path: Path) -> None:
    path = write_rules(
        tmp_path / "r.toml",
        {"id": "related-x", "category": "related", "pattern": "^читайте также"},
    )
    rules = RuleSet.load([path])
    assert rules.match("ЧИТАЙТЕ ТАКЖЕ: новости") is not None
    assert SHIPPED.match("ADVERTISEMENT").id == "advertisement-en"
    assert SHIPPED.match("advertisement").id == "advertisement-en"


def test_max_words_counts_whitespace_tokens(tmp_path: Path) -> None:
    path = write_rules(
        tmp_path / "r.toml",
        {
            "id": "related-short",
            "category": "related",
            "pattern": "^read more",
            "extra": "max_words = 4",
        },
        {"id": "related-any", "category": "related", "pattern": "^read more: x"},
    )
    rules = RuleSet.load([path])
    assert rules.match("Read more: a b").id == "related-short"  # 4 tokens
    assert rules.match("Read more: a b c") is None  # 5 tokens: the only candidate is too long
    # A rule skipped for length does not hide a later rule that fits.
    assert rules.match("Read more: x y z w").id == "related-any"
    assert not rules.rule_matches("related-short", "Read more: a b c")
    assert rules.rule_matches("related-short", "Read more: a b")


def test_match_agrees_with_each_rule_on_all_examples() -> None:
    for rule in SHIPPED.rules:
        for line in (*rule.must_match, *rule.must_not_match):
            expected = [r.id for r in SHIPPED.rules if SHIPPED.rule_matches(r.id, line)]
            assert [r.id for r in SHIPPED.match_all(line)] == expected
            first = SHIPPED.match(line)
            assert (first.id if first else None) == (expected[0] if expected else None)


def _example_fragments() -> list[str]:
    words: set[str] = set()
    for rule in SHIPPED.rules:
        for line in rule.must_match:
            words.update(line.split()[:4])
    return sorted(words)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(_example_fragments()),
            st.text(alphabet='ab .:|>»«/()"“©0123456789авеاإ', max_size=6),
        ),
        max_size=12,
    )
)
def test_combined_set_agrees_with_individual_patterns(parts: list[str]) -> None:
    """The one-pass RE2 Set must never disagree with the per-rule regexes."""
    line = normalize_line(" ".join(parts))
    expected = [r.id for r in SHIPPED.rules if SHIPPED.rule_matches(r.id, line)]
    assert [r.id for r in SHIPPED.match_all(line)] == expected


def test_huge_lines_get_the_same_answer_as_each_rule_alone() -> None:
    """A huge untrusted line must not silently stop matching (an RE2 set whose DFA budget runs
    out reports no match). Time is linear by construction (RE2; ``tests/test_regex_linear.py``
    keeps the shapes in check); how long it takes is the benchmarks' business, not a test's."""
    lines = ("word " * 200_000, "> " * 500_000, '"' * 1_000_000, "All rights reserved. " * 50_000)
    for line in lines:
        expected = [r.id for r in SHIPPED.rules if SHIPPED.rule_matches(r.id, line)]
        assert [r.id for r in SHIPPED.match_all(line)] == expected
        first = SHIPPED.match(line)
        assert (first.id if first else None) == (expected[0] if expected else None)
    # The combined DFA still reports hits at the far end of a long line.
    tail_rule = SHIPPED.rules[[r.id for r in SHIPPED.rules].index("copyright-all-rights-reserved")]
    assert tail_rule.max_words is not None
    long_line = "x" * 100_000 + ". All rights reserved."
    assert SHIPPED.rule_matches("copyright-all-rights-reserved", long_line) is True
    assert "copyright-all-rights-reserved" in [r.id for r in SHIPPED.match_all(long_line)]


def test_normalize_line() -> None:
    assert normalize_line("  Comments\u00a0 \t 0 \n") == "Comments 0"
    assert normalize_line("Cafe\u0301") == "Café"  # NFC


# --- hygiene -------------------------------------------------------------------------------


def test_rule_set_pickles_by_recompiling() -> None:
    clone = pickle.loads(pickle.dumps(SHIPPED))
    assert clone.rules == SHIPPED.rules
    assert clone.match("Comments 0").id == SHIPPED.match("Comments 0").id


def test_compiled_patterns_live_on_instances_not_module_globals() -> None:
    compiled_types = (type(re2.compile("x")), re2.Set)
    assert not [
        name for name, value in vars(boilerplate).items() if isinstance(value, compiled_types)
    ]
    other = RuleSet.load()
    assert not set(map(id, other._sets)) & set(map(id, SHIPPED._sets))


def test_engine_does_not_import_prefect() -> None:
    code = "import sys, tasks.boilerplate; sys.exit('prefect' in sys.modules)"
    root = Path(__file__).resolve().parent.parent
    assert subprocess.run([sys.executable, "-c", code], cwd=root, check=False).returncode == 0
