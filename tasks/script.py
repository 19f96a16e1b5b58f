"""Writing-system (script) detection for short strings.

Script is a robust signal where language detection is not: langdetect needs dozens of
characters, but three Arabic letters in an English article already tell a story. We read the
script from the Unicode character name ("ARABIC LETTER ALEF" -> ARABIC).

Counting is on the hot path (every article, every short line), so it avoids a Python step per
character. Long texts are counted with numpy: a table gives the script of every code point of
the Basic Multilingual Plane (built once per process from :func:`char_script` itself, ~50 ms),
and ``bincount`` tallies them; the rare characters beyond it are named one by one. Short texts,
where numpy's fixed cost dominates, count ASCII letters in C (``bytes.translate``) and name
each other character once. Either way the counts are exactly those of :func:`char_script`.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import lru_cache

import numpy as np

from tasks import kernels

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


_NOT_ASCII_LETTER = bytes(b for b in range(256) if not chr(b).isalpha() or b > 0x7F)
_NON_ASCII_RUNS = re.compile(r"[^\x00-\x7f]+")
_BMP = 0x10000
_SHORT = 200  # characters; below this the plain-Python path is faster


@lru_cache(maxsize=1 << 16)
def _cached_script(char: str) -> str | None:
    return char_script(char)


@lru_cache(maxsize=1)
def _bmp_table() -> tuple[np.ndarray, tuple[str | None, ...]]:
    """Script id of every BMP code point (0: not a letter) and the names of the ids."""
    names: list[str | None] = [None]
    ids: dict[str, int] = {}
    table = np.zeros(_BMP, dtype=np.uint16)
    for code in range(_BMP):
        script = char_script(chr(code))
        if script is not None:
            if script not in ids:
                ids[script] = len(names)
                names.append(script)
            table[code] = ids[script]
    return table, tuple(names)


def script_counts(text: str) -> Counter[str]:
    """How many letters of each script the text holds."""
    if text.isascii():
        return _counts_short(text, text.encode("ascii"))
    if len(text) >= _SHORT:
        return _counts_compiled(text)
    return _counts_short(text, text.encode("utf-8", "surrogatepass"))


def _counts_short(text: str, encoded: bytes) -> Counter[str]:
    """ASCII letters counted in C, each other character named once (``encoded``: the UTF-8).

    Faster than the compiled pass on short texts, whose fixed cost dominates."""
    counts: Counter[str] = Counter()
    # UTF-8 encodes ASCII, and only ASCII, as bytes below 0x80: what survives deleting every
    # other byte is exactly the ASCII letters.
    ascii_letters = len(encoded.translate(None, _NOT_ASCII_LETTER))
    if ascii_letters:
        counts["LATIN"] = ascii_letters
    if len(encoded) != len(text):
        for char in "".join(_NON_ASCII_RUNS.findall(text)):
            script = _cached_script(char)
            if script is not None:
                counts[script] += 1
    return counts


def _counts_numpy(text: str) -> Counter[str]:
    """The counts with numpy alone: the reference for :func:`_counts_compiled`."""
    table, names = _bmp_table()
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")
    counts: Counter[str] = Counter()
    if codes.size and codes.max() >= _BMP:  # one pass; the mask only when needed (rarely)
        wide = codes >= _BMP
        _name_each(codes[wide].tolist(), counts)
        codes = codes[~wide]
    tally = np.bincount(table.take(codes), minlength=len(names))
    for index in np.flatnonzero(tally[1:]).tolist():
        counts[names[index + 1]] += int(tally[index + 1])
    return counts


def _counts_compiled(text: str) -> Counter[str]:
    """The counts in one compiled pass over the code points (no temporary per character)."""
    table, names = _bmp_table()
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")
    tally, beyond = kernels.script_tally(codes, table, len(names))
    counts: Counter[str] = Counter()
    if beyond:
        _name_each(codes[codes >= _BMP].tolist(), counts)
    for index in np.flatnonzero(tally[1:]).tolist():
        counts[names[index + 1]] += int(tally[index + 1])
    return counts


def _name_each(codes: list[int], counts: Counter[str]) -> None:
    for code in codes:
        script = char_script(chr(code))
        if script is not None:
            counts[script] += 1


def dominant_script(text: str, min_share: float = 0.6) -> str | None:
    """The script of at least ``min_share`` of the letters, or None when mixed or empty."""
    counts = script_counts(text)
    total = sum(counts.values())
    if not total:
        return None
    script, count = max(sorted(counts.items()), key=lambda item: item[1])
    return script if count / total >= min_share else None
