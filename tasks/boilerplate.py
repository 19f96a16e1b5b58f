"""Boilerplate line rules: load them from TOML data files and match lines with RE2.

Rules live in ``tasks/rules/*.toml`` as data so that adding a publisher's wording is a data
change with its own examples, not a code change. Each file holds ``[[rule]]`` tables with the
keys of :class:`Rule`; see the files themselves for the conventions (all of them are listed at
the top of ``copyright.toml``).

Matching contract:

* ``RuleSet.match`` expects one line already normalised (Unicode NFC, whitespace runs collapsed
  to one space, stripped); :func:`tasks.normalize.normalize_line` does exactly that.
* Every pattern is compiled **case-insensitively** through the RE2 option
  ``case_sensitive=False`` (rule files need no ``(?i)``; a rule may opt out locally with
  ``(?-i:...)``). Patterns are searched, not full-matched: anchor with ``^``/``$`` yourself.
* Lines are untrusted, so patterns are compiled with google-re2 (linear time, no
  backreferences or lookarounds); a pattern RE2 rejects fails at load time. Note that in RE2
  ``\\b``, ``\\w``, ``\\d`` and ``\\s`` are ASCII-only: use ``\\pL``, explicit digit ranges and
  anchors for Cyrillic and Arabic.
* Most lines match nothing, so all patterns are first tested together with two ``re2.Set``
  passes; only a hit pays for working out which rule it was. A pattern's top-level
  alternatives that start with ``^`` go into a start-anchored set, whose lazy DFA stops as
  soon as no rule can match any more (a few words into most lines); the other alternatives go
  into an unanchored set that reads the whole line. Keeping the two apart keeps RE2's lazy DFA
  small: in one set, every combination of "where am I in each anchored rule" with "where am I
  in each floating pattern" is a state of its own, and new lines kept meeting new ones.
* A rule whose pattern stays alive across the whole line (``^.{3,}...``, ``^[^"“”]*...``)
  would keep the anchored set running to the end of every line. Such a rule names a
  ``prefilter``: a cheaper pattern that every line it matches also matches. The sets hold the
  prefilter instead, and a line that passes it is confirmed with the rule's own pattern. The
  loader proves the prefilter is implied by the pattern (:func:`tasks.rule_syntax.implies`);
  examples do not need to show it, and the decision is the pattern's alone.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import re2

from tasks.rule_syntax import alternatives, implies, is_anchored

#: Stable category ids, in reporting order. Adding one is fine; never rename one.
CATEGORIES: tuple[str, ...] = (
    "donation",
    "copyright",
    "foreign_teaser",
    "comments",
    "newsletter",
    "syndication",
    "share",
    "advertisement",
    "navigation",
    "related",
    "cookie",
    "media_credit",
    "byline",
)

#: The shipped rule files.
RULES_DIR = Path(__file__).parent / "rules"

_REQUIRED_KEYS = (
    "id",
    "category",
    "languages",
    "pattern",
    "description",
    "must_match",
    "must_not_match",
)
_OPTIONAL_KEYS = ("max_words", "prefilter")
_ID_SHAPE = r"[a-z0-9]+(?:[_-][a-z0-9]+)*"
_LANG_SHAPE = r"[a-z]{2}"
# RE2's default 8 MiB budget cannot even compile one Set over the shipped rules, and a budget
# that compiles but runs out while the DFA grows makes RE2::Set report "no match" instead of
# failing. The budget is a ceiling, not an allocation (the two sets' DFAs held ~6 MB after 66k
# corpus lines; one set of all the patterns, before prefilters, ~44 MB).
_SET_MAX_MEM = 256 << 20


class RuleError(ValueError):
    """A rule file is invalid; the message names the file and, when known, the rule id."""


@dataclass(frozen=True, slots=True)
class Rule:
    """One boilerplate pattern with the examples that document and test it."""

    id: str
    category: str
    languages: tuple[str, ...]
    pattern: str
    description: str
    must_match: tuple[str, ...]
    must_not_match: tuple[str, ...]
    max_words: int | None = None
    #: A cheaper pattern every line matched by ``pattern`` also matches (speed only).
    prefilter: str | None = None


def _options() -> re2.Options:
    """RE2 options shared by every pattern: case-insensitive, quiet, roomy DFA budget."""
    options = re2.Options()
    options.case_sensitive = False
    options.log_errors = False
    options.max_mem = _SET_MAX_MEM
    return options


class RuleSet:
    """An ordered, compiled collection of rules; ``match`` returns the first rule that fits."""

    __slots__ = (
        "_anchored_rules",
        "_confirm",
        "_floating_rules",
        "_index",
        "_match_anchored",
        "_match_floating",
        "_max_words",
        "_regexps",
        "_sets",
        "rules",
    )

    rules: tuple[Rule, ...]

    def __init__(self, rules: Sequence[Rule], files: Mapping[str, Path] | None = None) -> None:
        """Compile ``rules``; raises :class:`RuleError` on a duplicate id, a bad pattern or a
        prefilter not shown implied. ``files``: the file of each rule id, named in errors."""
        self.rules = tuple(rules)
        seen: set[str] = set()
        options = _options()
        regexps = []
        for rule in self.rules:
            if rule.id in seen:
                raise RuleError(f"duplicate rule id {rule.id!r}")
            seen.add(rule.id)
            where = f"rule {rule.id!r}"
            if files and rule.id in files:
                where = f"{files[rule.id]}: {where}"
            regexps.append(_compile(rule.pattern, options, where))
            if rule.prefilter is not None:
                _check_prefilter(rule.pattern, rule.prefilter, options, where)
        self._regexps: tuple[Any, ...] = tuple(regexps)
        self._index = {rule.id: index for index, rule in enumerate(self.rules)}
        self._max_words = tuple(rule.max_words for rule in self.rules)
        # A rule whose prefilter is in the sets is confirmed with its own pattern.
        self._confirm = tuple(
            None if rule.prefilter is None else regexp
            for rule, regexp in zip(self.rules, self._regexps, strict=True)
        )
        anchored: list[tuple[str, int]] = []  # (pattern, rule index) per set entry
        floating: list[tuple[str, int]] = []
        for index, rule in enumerate(self.rules):
            head, tail = _split_anchored(rule.pattern if rule.prefilter is None else rule.prefilter)
            if head is not None:
                anchored.append((head, index))
            if tail is not None:
                floating.append((tail, index))
        sets = []
        self._anchored_rules = tuple(index for _, index in anchored)
        self._floating_rules = tuple(index for _, index in floating)
        self._match_anchored = self._match_floating = _no_hits
        if anchored:
            sets.append(_compile_set(re2.Set.MatchSet, [p for p, _ in anchored], options))
            self._match_anchored = _matcher(sets[-1])
        if floating:
            sets.append(_compile_set(re2.Set.SearchSet, [p for p, _ in floating], options))
            self._match_floating = _matcher(sets[-1])
        self._sets: tuple[Any, ...] = tuple(sets)

    @classmethod
    def load(cls, paths: Sequence[Path] | None = None) -> RuleSet:
        """Load rule files in the given order (default: shipped files, sorted by name).

        A directory in ``paths`` stands for its ``*.toml`` files sorted by name.
        """
        located = _located_rules(paths, check_patterns=False)  # compiled once, by __init__
        return cls([rule for _, rule in located], {rule.id: path for path, rule in located})

    def match(self, line: str) -> Rule | None:
        """Return the first rule (in load order) matching the normalised ``line``, or None."""
        text = line.encode()  # once for both sets (each would encode a str again)
        head = self._match_anchored(text)
        tail = self._match_floating(text)
        if not head and not tail:
            return None
        n_words = -1
        for index in self._candidates(head, tail):
            limit = self._max_words[index]
            if limit is not None:
                if n_words < 0:
                    n_words = len(line.split())
                if n_words > limit:
                    continue
            confirm = self._confirm[index]
            if confirm is None or confirm.search(text) is not None:
                return self.rules[index]
        return None

    def match_all(self, line: str) -> tuple[Rule, ...]:
        """Every rule matching ``line``, in load order; for tests and overlap reports."""
        text = line.encode()
        found = []
        for index in self._candidates(self._match_anchored(text), self._match_floating(text)):
            confirm = self._confirm[index]
            if self._fits(index, line) and (confirm is None or confirm.search(text) is not None):
                found.append(self.rules[index])
        return tuple(found)

    def rule_matches(self, rule_id: str, line: str) -> bool:
        """Whether the one rule ``rule_id`` matches ``line`` (pattern and ``max_words``)."""
        index = self._index[rule_id]
        return self._regexps[index].search(line) is not None and self._fits(index, line)

    @property
    def categories(self) -> tuple[str, ...]:
        """Categories that have at least one rule here, in :data:`CATEGORIES` order."""
        present = {rule.category for rule in self.rules}
        return tuple(category for category in CATEGORIES if category in present)

    def __len__(self) -> int:
        return len(self.rules)

    def __repr__(self) -> str:
        return f"RuleSet({len(self.rules)} rules, categories={list(self.categories)})"

    def __reduce__(self) -> tuple[type[RuleSet], tuple[tuple[Rule, ...]]]:
        """Pickle the rules only (RE2 objects cannot be pickled); unpickling recompiles."""
        return (RuleSet, (self.rules,))

    def _fits(self, index: int, line: str) -> bool:
        limit = self._max_words[index]
        return limit is None or len(line.split()) <= limit

    def _candidates(self, head: list[int], tail: list[int]) -> list[int]:
        """Indexes of the rules hit by either set, in load order."""
        anchored, floating = self._anchored_rules, self._floating_rules
        return sorted({anchored[entry] for entry in head} | {floating[entry] for entry in tail})


def read_rules(
    paths: Sequence[Path] | Path | str | None = None, *, check_patterns: bool = True
) -> tuple[Rule, ...]:
    """The rules of the given files (default: the shipped ones) in load order, as
    :meth:`RuleSet.load` reads them: keys, shapes and ids checked. ``check_patterns=False``
    skips compiling each pattern to check it, for callers that only need the definitions
    (the configuration fingerprint: ~0.15 s less; a bad pattern still fails wherever the rules
    are compiled for use)."""
    return tuple(rule for _, rule in _located_rules(paths, check_patterns))


def _located_rules(
    paths: Sequence[Path] | Path | str | None, check_patterns: bool
) -> list[tuple[Path, Rule]]:
    """:func:`read_rules`, each rule with the file it came from."""
    if paths is None:
        paths = [RULES_DIR]
    elif isinstance(paths, str | Path):
        paths = [Path(paths)]  # a lone path, not a sequence of characters
    located: list[tuple[Path, Rule]] = []
    origin: dict[str, Path] = {}
    for path in _expand(paths):
        for rule in _read_file(path, check_patterns):
            if rule.id in origin:
                raise RuleError(
                    f"{path}: rule {rule.id!r}: duplicate id (first defined in {origin[rule.id]})"
                )
            origin[rule.id] = path
            located.append((path, rule))
    return located


def _expand(paths: Sequence[Path]) -> Iterator[Path]:
    for path in paths:
        path = Path(path)
        if path.is_dir():
            yield from sorted(path.glob("*.toml"), key=lambda p: p.name)
        else:
            yield path


def _compile(pattern: str, options: re2.Options, where: str) -> Any:
    try:
        return re2.compile(pattern, options)
    except re2.error as exc:
        detail = exc.args[0] if exc.args else exc
        if isinstance(detail, bytes):
            detail = detail.decode("utf-8", "replace")
        raise RuleError(f"{where}: RE2 rejects pattern {pattern!r}: {detail}") from exc


def _compile_set(kind: Any, patterns: list[str], options: re2.Options) -> Any:
    compiled = kind(options)
    for pattern in patterns:
        compiled.Add(pattern)
    try:
        compiled.Compile()
    except re2.error as exc:  # pragma: no cover - only with a huge rule set
        raise RuleError(f"cannot compile the combined rule set: {exc}") from exc
    return compiled


def _matcher(compiled: Any) -> Callable[[bytes], list[int]]:
    """``compiled``'s match function on UTF-8 bytes, giving the hit entries (a list, maybe empty).

    The binding's own method when the ``re2.Set`` wrapper exposes it: the wrapper's Python
    frame (an ``isinstance`` and ``or None``) is ~0.3 µs of a ~2 µs call, paid twice a line.
    Any other google-re2 version gets the public method.
    """
    raw = getattr(getattr(compiled, "_set", None), "Match", None)
    return raw if callable(raw) else _public_matcher(compiled)


def _public_matcher(compiled: Any) -> Callable[[bytes], list[int]]:
    def match(text: bytes) -> list[int]:
        return compiled.Match(text) or []

    return match


def _no_hits(text: bytes) -> list[int]:
    """The match function of a set without patterns (RE2 cannot compile one)."""
    return []


def _split_anchored(pattern: str) -> tuple[str | None, str | None]:
    """``pattern``'s top-level alternatives that start with ``^``, and the others, each joined
    with ``|`` (None when there are none). Between them they match exactly the lines
    ``pattern`` matches; a pattern :mod:`tasks.rule_syntax` cannot take apart is all others."""
    try:
        parts = alternatives(pattern)
    except ValueError:
        return None, pattern
    head = [alt for alt in parts if is_anchored(alt)]
    tail = [alt for alt in parts if not is_anchored(alt)]
    return (
        "|".join("".join(alt) for alt in head) if head else None,
        "|".join("".join(alt) for alt in tail) if tail else None,
    )


def _check_prefilter(pattern: str, prefilter: str, options: re2.Options, where: str) -> None:
    _compile(prefilter, options, f"{where} prefilter")
    try:
        shown = implies(pattern, prefilter)
    except ValueError as exc:
        raise RuleError(f"{where}: cannot check the prefilter: {exc}") from exc
    if not shown:
        raise RuleError(
            f"{where}: prefilter {prefilter!r} is not implied by the pattern: each top-level "
            "alternative of the pattern (after distributing its (?:...) groups) must contain "
            "one alternative of the prefilter as consecutive pieces"
        )


def _read_file(path: Path, check_patterns: bool = True) -> list[Rule]:
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except OSError as exc:
        raise RuleError(f"{path}: cannot read rule file: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise RuleError(f"{path}: invalid TOML: {exc}") from exc
    extra = set(data) - {"rule"}
    if extra:
        raise RuleError(f"{path}: unknown top-level keys {sorted(extra)} (expected [[rule]])")
    tables = data.get("rule", [])
    if not isinstance(tables, list):
        raise RuleError(f"{path}: 'rule' must be an array of tables ([[rule]])")
    options = _options() if check_patterns else None
    return [_parse_rule(path, n, table, options) for n, table in enumerate(tables, 1)]


def _parse_rule(path: Path, n: int, table: Any, options: re2.Options | None) -> Rule:
    """One rule table checked; its pattern compiled to check it unless ``options`` is None."""
    if not isinstance(table, dict):
        raise RuleError(f"{path}: rule #{n} is not a table")
    rule_id = table.get("id")
    where = f"{path}: rule {rule_id!r}" if isinstance(rule_id, str) else f"{path}: rule #{n}"
    missing = [key for key in _REQUIRED_KEYS if key not in table]
    if missing:
        raise RuleError(f"{where}: missing keys {missing}")
    unknown = set(table) - set(_REQUIRED_KEYS) - set(_OPTIONAL_KEYS)
    if unknown:
        raise RuleError(f"{where}: unknown keys {sorted(unknown)}")
    for key in ("id", "category", "pattern", "description"):
        if not isinstance(table[key], str) or not table[key].strip():
            raise RuleError(f"{where}: {key!r} must be a non-empty string")
    if not re.fullmatch(_ID_SHAPE, rule_id):
        raise RuleError(f"{where}: id must be lowercase kebab or snake case")
    if table["category"] not in CATEGORIES:
        raise RuleError(
            f"{where}: unknown category {table['category']!r} (known: {', '.join(CATEGORIES)})"
        )
    languages = _strings(table["languages"], where, "languages")
    if not languages or not all(re.fullmatch(_LANG_SHAPE, code) for code in languages):
        raise RuleError(f"{where}: 'languages' must be ISO 639-1 codes like 'en'")
    max_words = table.get("max_words")
    if max_words is not None and (
        not isinstance(max_words, int) or isinstance(max_words, bool) or max_words < 1
    ):
        raise RuleError(f"{where}: 'max_words' must be a positive integer")
    prefilter = table.get("prefilter")
    if prefilter is not None and (not isinstance(prefilter, str) or not prefilter.strip()):
        raise RuleError(f"{where}: 'prefilter' must be a non-empty string")
    if options is not None:
        _compile(table["pattern"], options, where)
        if prefilter is not None:
            _check_prefilter(table["pattern"], prefilter, options, where)
    return Rule(
        id=rule_id,
        category=table["category"],
        languages=languages,
        pattern=table["pattern"],
        description=table["description"].strip(),
        must_match=_strings(table["must_match"], where, "must_match"),
        must_not_match=_strings(table["must_not_match"], where, "must_not_match"),
        max_words=max_words,
        prefilter=prefilter,
    )


def _strings(value: Any, where: str, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise RuleError(f"{where}: {key!r} must be a list of strings")
    return tuple(value)
