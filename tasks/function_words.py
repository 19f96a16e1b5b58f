"""Function-word evidence for the language of a short line.

langdetect is unreliable below a few dozen characters ("Speaking in Geneva, he said:" comes
out as another language with p > 0.99). Function words are the opposite: rare in names, common
in any sentence fragment. A line counts as written in language L rather than the article's
language A only when it holds more function words of L than of A.
"""

from __future__ import annotations

import re
import tomllib
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

    def count(self, line: str, language: str) -> int:
        vocabulary = self.words.get(language)
        if vocabulary is None:
            return 0
        return sum(1 for w in _WORD.findall(line.casefold()) if w in vocabulary)

    def knows(self, language: str | None) -> bool:
        return language in self.words

    def favours(self, line: str, candidate: str, article: str) -> bool:
        """More function words of ``candidate`` than of ``article`` (both must be known)."""
        if not (self.knows(candidate) and self.knows(article)):
            return False
        return self.count(line, candidate) > self.count(line, article)
