"""Every regular expression that sees untrusted text stays linear-time on hostile input.

Boilerplate rules are RE2 (linear by construction); that is checked, and every rule is run on
lines of 300,000 characters built from its own examples. The few Python ``re`` patterns in
``tasks/`` are listed here, each with inputs built to make a backtracking engine work hard;
a new pattern fails :func:`test_every_python_pattern_has_hostile_inputs` until it gets some.

The bound is generous on purpose (seconds for what takes milliseconds): a quadratic pattern
on 300,000 characters takes minutes, so the test separates the two without timing anything
tightly. :func:`test_the_bound_catches_a_quadratic_pattern` shows it does.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

import tasks
from tasks.boilerplate import RuleSet
from tasks.normalize import normalize_line

N = 300_000
BOUND_S = 20.0

HOSTILE: dict[str, list[str]] = {
    "tasks.cleaning._WORD": ["a" * N, "a " * (N // 2)],
    "tasks.cleaning._SENTENCE_END": ["." * N, "." + '"' * N + "x", '."' * (N // 2) + "x"],
    "tasks.cleaning._HEADLINE_BAD_END": ["." * N + "x", ",;" * (N // 2) + "x"],
    "tasks.extract._START_TAG": ["<" * N, "<a" * (N // 2)],
    "tasks.extract._TAG": ["<" * N, "</" * (N // 2), "<" + "a" * N, "<a" * (N // 2)],
    "tasks.function_words._WORD": ["'" * N, "-" * N + "!", "a'-" * (N // 3)],
    "tasks.ingest.delimited._QUOTED": ['"' * N, '"' + "a" * N, '"a' * (N // 2)],
    "tasks.ingest.legacy._SYMBOL_IN_WORD": ["a¤" * (N // 2), "¤" * N, "a" * N + "¤"],
    "tasks.ingest.legacy._C1_CONTROL": ["\x80" * N],
    "tasks.ingest.legacy._UNLIKELY": ["ð" * N],
    "tasks.minhash.WORD_RE": ["a" * N, "a " * (N // 2)],
    "tasks.normalize._NEWLINES": ["\r" * N, "\r\n" * (N // 2), "\r\r\n" * (N // 3)],
    "tasks.normalize._INVISIBLE": ["\u200b" * N],
    "tasks.normalize._CONTROL": ["\x01" * N],
    "tasks.normalize._SPACES": [" " * N + "x", " \t\u00a0" * (N // 3) + "x"],
    "tasks.cleaning._ADDRESS": ["a" * N, "a@" * (N // 2), "@" * N, "www." * (N // 4)],
    "tasks.cleaning._TITLE_AFFIX": [" " * N, " -" * (N // 2), " | " * (N // 3)],
    "tasks.cleaning._UNSPACED": ["中" * N, "中a" * (N // 2), "中" * 7 + "a" * N],
    "tasks.split_body._COMMENT_AREA": ["comm" * (N // 4), "c" * N],
    "tasks.split_body._SENTENCE_END": ["." * N, "." + '"' * N + "x", '."' * (N // 2) + "x"],
    "tasks.extract._BODY_TAG": ["<body" * (N // 5), "<" * N],
    "tasks.extract._DOCUMENT_START": ["<!doctype" * (N // 9), "<html" * (N // 5), "<" * N],
    "tasks.site_apply._RECORD_SUFFIX": ["#1" * (N // 2) + "x", "#" + "1" * N + "x"],
    "tasks.site_apply._WORD": ["a" * N, "a " * (N // 2)],
    "tasks.normalize._DROPPED": ["\u200b\x01" * (N // 2), "\u00ad" * N + "x"],
    "tasks.normalize._ASCII_CONTROL_OR_TAB": [" " * N, " x" * (N // 2), "\t" * N],
    "tasks.normalize._RARE": ["\r\u00a0\u200b\x01" * (N // 4), "x" * N],
    "tasks.script._NON_ASCII_RUNS": ["é" * N, "éa" * (N // 2), "a" * N],
    "tasks.store._SHARD_KEY": ["a" * N + "/", "0" * N],
    # Rule-file syntax (trusted data, checked anyway).
    "tasks.rule_syntax._QUANTIFIER": ["{" + "1" * N, "{1," + "1" * N + "x", "{1" * (N // 2)],
    "tasks.rule_syntax._BARE_FLAGS": ["(?" + "a" * N, "(?" * (N // 2), "(?-" * (N // 3) + "x"],
    "tasks.store._PARTITION_VALUE": ["a" * N, "ab-" * (N // 3) + "/", "ab-cd" * (N // 5) + "-"],
    # RE2 (they were quadratic with re: 20,000 spaces after "charset=" took 5 s).
    "tasks.ingest.html._HEADER_CHARSET": ["charset=" + " " * N + "!", "charset" * (N // 7)],
    "tasks.ingest.html._META_CHARSET": ["<meta charset=" + " " * N + "!", "<meta " * (N // 6)],
}


class _TooSlow(Exception):
    pass


@contextmanager
def bound(seconds: float = BOUND_S) -> Iterator[None]:
    """Fail the block after ``seconds`` (SIGALRM interrupts Python's regex engine too)."""

    def on_alarm(signum, frame):
        raise _TooSlow

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def finishes(work: Callable[[], object], seconds: float = BOUND_S) -> bool:
    try:
        with bound(seconds):
            work()
    except _TooSlow:
        return False
    return True


def module_patterns() -> dict[str, object]:
    """Every compiled pattern held at module level in ``tasks`` (``re`` and RE2)."""
    found = {}
    for info in pkgutil.walk_packages(tasks.__path__, "tasks."):
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if isinstance(value, re.Pattern) or type(value).__module__ == "re2":
                found[f"{info.name}.{name}"] = value
    return found


def test_every_python_pattern_has_hostile_inputs():
    assert set(module_patterns()) == set(HOSTILE)


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_pattern_is_linear_on_hostile_input(name):
    pattern = module_patterns()[name]
    for text in HOSTILE[name]:
        subject = text.encode() if isinstance(pattern.pattern, bytes) else text

        def scan(pattern=pattern, subject=subject):
            pattern.search(subject)
            for _ in pattern.finditer(subject):
                pass

        assert finishes(scan), f"{name} took over {BOUND_S} s on {text[:40]!r}..."


def test_the_bound_catches_a_quadratic_pattern():
    """The old charset pattern, still with ``re``: the harness must call it slow."""
    quadratic = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
    assert not finishes(lambda: quadratic.search("charset=" + " " * N + "!"), seconds=2)


def test_rules_are_re2_and_linear_on_lines_built_from_their_examples():
    rules = RuleSet.load()
    assert all(type(r).__module__ == "re2" for r in rules._regexps)
    assert rules._sets and all(type(s).__module__ == "re2" for s in rules._sets)
    assert all(type(r).__module__ == "re2" for r in rules._confirm if r is not None)
    lines: set[str] = set()
    letters: set[str] = set()
    for rule in rules.rules:
        for example in rule.must_match:
            lines.add(normalize_line((example + " ") * (N // (len(example) + 1))))
            letters.update(ch for ch in example if not ch.isspace())
    lines.update(ch * N for ch in letters)
    assert finishes(lambda: [rules.match(line) for line in sorted(lines)], seconds=60)
    # Still matching at the far end of a long line.
    assert rules.match("x" * N + ". All rights reserved.") is not None


def test_cleaner_is_linear_on_an_article_of_hostile_lines(cleaner):
    hostile = [text for texts in HOSTILE.values() for text in texts]
    article = "A headline for a hostile article\n\n" + "\n".join(hostile)
    assert finishes(lambda: cleaner.clean(article), seconds=120)
