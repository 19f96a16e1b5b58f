"""Writing-system (script) detection for short strings.

Script is a robust signal where language detection is not: langdetect needs dozens of
characters, but three Arabic letters in an English article already tell a story. We read the
script from the Unicode character name ("ARABIC LETTER ALEF" -> ARABIC).
"""

from __future__ import annotations

import unicodedata
from collections import Counter

# Character-name prefixes that differ from the script's usual name.
_ALIASES = {
    "CJK": "HAN",
    "HIRAGANA": "JAPANESE",
    "KATAKANA": "JAPANESE",
    "HALFWIDTH": "HALFWIDTH",
    "FULLWIDTH": "LATIN",
}


def char_script(char: str) -> str | None:
    """Script of one letter, or None for digits, punctuation, symbols and spaces."""
    if not char.isalpha():
        return None
    if char.isascii():
        return "LATIN"
    name = unicodedata.name(char, "")
    if not name:
        return None
    first = name.split(" ", 1)[0]
    return _ALIASES.get(first, first)


def script_counts(text: str) -> Counter[str]:
    """How many letters of each script the text holds."""
    counts: Counter[str] = Counter()
    for char in text:
        script = char_script(char)
        if script is not None:
            counts[script] += 1
    return counts


def dominant_script(text: str, min_share: float = 0.6) -> str | None:
    """The script of at least ``min_share`` of the letters, or None when mixed or empty."""
    counts = script_counts(text)
    total = sum(counts.values())
    if not total:
        return None
    script, count = max(sorted(counts.items()), key=lambda item: item[1])
    return script if count / total >= min_share else None
