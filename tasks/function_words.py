"""Function-word evidence for the language of a short line.

langdetect is unreliable below a few dozen characters ("Speaking in Geneva, he said:" comes
out as another language with p > 0.99). Function words are the opposite: rare in names, common
in any sentence fragment. A line counts as written in language L rather than the article's
language A only when it holds more function words of L than of A.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from pathlib import Path

_WORD = re.compile(r"[\w'’-]+")
DEFAULT_PATH = Path(__file__).parent / "wordlists" / "function_words.toml"


class FunctionWords:
    """Per-language function-word sets, loaded from a plain asset file."""

    def __init__(self, path: Path = DEFAULT_PATH) -> None:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
        self.words: dict[str, frozenset[str]] = {
            lang: frozenset(w.casefold() for w in words) for lang, words in sorted(data.items())
        }
        languages_of: dict[str, list[str]] = {}
        for lang, vocabulary in self.words.items():
            for word in vocabulary:
                languages_of.setdefault(word, []).append(lang)
        # Word -> the languages listing it: every language's count from one pass over a line.
        self._languages_of = {word: tuple(langs) for word, langs in languages_of.items()}

    def count(self, line: str, language: str) -> int:
        vocabulary = self.words.get(language)
        if vocabulary is None:
            return 0
        return sum(1 for w in _WORD.findall(line.casefold()) if w in vocabulary)

    def counts(self, line: str) -> Counter[str]:
        """:meth:`count` for every language at once (languages without a word are absent)."""
        counts: Counter[str] = Counter()
        languages_of = self._languages_of
        for word in _WORD.findall(line.casefold()):
            for language in languages_of.get(word, ()):
                counts[language] += 1
        return counts

    def knows(self, language: str | None) -> bool:
        return language in self.words

    def favours(self, line: str, candidate: str, article: str) -> bool:
        """More function words of ``candidate`` than of ``article`` (both must be known)."""
        if not (self.knows(candidate) and self.knows(article)):
            return False
        return self.count(line, candidate) > self.count(line, article)

    def could_favour_another(self, counts: Counter[str], article: str | None) -> bool:
        """Whether :meth:`favours` could hold for some candidate other than ``article``, given
        the line's :meth:`counts`: a cheap test that makes detecting the line's language moot
        when it fails (no candidate language could then win, whatever langdetect says)."""
        if not self.knows(article):
            return False
        own = counts[article]
        return any(n > own for language, n in counts.items() if language != article)
