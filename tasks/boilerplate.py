"""Boilerplate line rules: load them from TOML data files and match lines with RE2.

Rules live in ``tasks/rules/*.toml`` as data so that adding a publisher's wording is a data
change with its own examples, not a code change. Each file holds ``[[rule]]`` tables with the
keys of :class:`Rule`; see the files themselves for the conventions.

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
* Most lines match nothing, so all patterns are first tested at once with one ``re2.Set``
  (a single DFA pass); only a hit pays for working out which rule it was.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import re2

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
_OPTIONAL_KEYS = ("max_words",)
_ID_SHAPE = r"[a-z0-9]+(?:[_-][a-z0-9]+)*"
_LANG_SHAPE = r"[a-z]{2}"
# RE2's default 8 MiB budget cannot even compile one Set over the shipped rules, and a budget
# that compiles but runs out while the DFA grows makes RE2::Set report "no match" instead of
# failing. The budget is a ceiling, not an allocation (about 25 MB is used in practice).
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


def _options() -> re2.Options:
    """RE2 options shared by every pattern: case-insensitive, quiet, roomy DFA budget."""
    options = re2.Options()
    options.case_sensitive = False
    options.log_errors = False
    options.max_mem = _SET_MAX_MEM
    return options


class RuleSet:
    """An ordered, compiled collection of rules; ``match`` returns the first rule that fits."""

    __slots__ = ("_index", "_max_words", "_regexps", "_set", "rules")

    rules: tuple[Rule, ...]

    def __init__(self, rules: Sequence[Rule]) -> None:
        """Compile ``rules``; raises :class:`RuleError` on a duplicate id or a bad pattern."""
        self.rules = tuple(rules)
        seen: set[str] = set()
        options = _options()
        regexps = []
        for rule in self.rules:
            if rule.id in seen:
                raise RuleError(f"duplicate rule id {rule.id!r}")
            seen.add(rule.id)
            regexps.append(_compile(rule.pattern, options, f"rule {rule.id!r}"))
        self._regexps: tuple[Any, ...] = tuple(regexps)
        self._index = {rule.id: index for index, rule in enumerate(self.rules)}
        self._max_words = tuple(rule.max_words for rule in self.rules)
        self._set: Any = None
        if self.rules:
            compiled = re2.Set.SearchSet(options)
            for rule in self.rules:
                compiled.Add(rule.pattern)
            try:
                compiled.Compile()
            except re2.error as exc:  # pragma: no cover - only with a huge rule set
                raise RuleError(f"cannot compile the combined rule set: {exc}") from exc
            self._set = compiled

    @classmethod
    def load(cls, paths: Sequence[Path] | None = None) -> RuleSet:
        """Load rule files in the given order (default: shipped files, sorted by name).

        A directory in ``paths`` stands for its ``*.toml`` files sorted by name.
        """
        return cls(read_rules(paths))

    def match(self, line: str) -> Rule | None:
        """Return the first rule (in load order) matching the normalised ``line``, or None."""
        if self._set is None:
            return None
        hits = self._set.Match(line)
        if hits is None:
            return None
        n_words = -1
        for index in sorted(hits):
            limit = self._max_words[index]
            if limit is not None:
                if n_words < 0:
                    n_words = len(line.split())
                if n_words > limit:
                    continue
            return self.rules[index]
        return None

    def match_all(self, line: str) -> tuple[Rule, ...]:
        """Every rule matching ``line``, in load order; for tests and overlap reports."""
        if self._set is None:
            return ()
        hits = self._set.Match(line) or []
        return tuple(self.rules[i] for i in sorted(hits) if self._fits(i, line))

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


def read_rules(
    paths: Sequence[Path] | Path | str | None = None, *, check_patterns: bool = True
) -> tuple[Rule, ...]:
    """The rules of the given files (default: the shipped ones) in load order, as
    :meth:`RuleSet.load` reads them: keys, shapes and ids checked. ``check_patterns=False``
    skips compiling each pattern to check it, for callers that only need the definitions
    (the configuration fingerprint: ~0.15 s less; a bad pattern still fails wherever the rules
    are compiled for use)."""
    if paths is None:
        paths = [RULES_DIR]
    elif isinstance(paths, str | Path):
        paths = [Path(paths)]  # a lone path, not a sequence of characters
    rules: list[Rule] = []
    origin: dict[str, Path] = {}
    for path in _expand(paths):
        for rule in _read_file(path, check_patterns):
            if rule.id in origin:
                raise RuleError(
                    f"{path}: rule {rule.id!r}: duplicate id (first defined in {origin[rule.id]})"
                )
            origin[rule.id] = path
            rules.append(rule)
    return tuple(rules)


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
    if options is not None:
        _compile(table["pattern"], options, where)
    return Rule(
        id=rule_id,
        category=table["category"],
        languages=languages,
        pattern=table["pattern"],
        description=table["description"].strip(),
        must_match=_strings(table["must_match"], where, "must_match"),
        must_not_match=_strings(table["must_not_match"], where, "must_not_match"),
        max_words=max_words,
    )


def _strings(value: Any, where: str, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise RuleError(f"{where}: {key!r} must be a list of strings")
    return tuple(value)
