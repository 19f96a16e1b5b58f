"""Which legacy encoding a non-UTF-8 text is in.

Two questions, answered by the tool that is good at each (measured in
``bench/decode_accuracy.py`` on news text in ten languages):

1. *Which script?* charset-normalizer reads letter frequencies and tells Cyrillic (cp1251,
   KOI8-R), Arabic (cp1256), Greek, Hebrew and CJK (GB18030, Big5, Shift-JIS, EUC-KR) encodings
   apart reliably. Its answer is taken when at least a fifth of the letters it decodes to are
   not Latin.
2. *Which Latin code page?* Here charset-normalizer is unreliable (it reads most Spanish and
   Italian articles as cp1250 or cp1258), so we decode with each common Latin code page and
   keep the one that leaves the fewest marks of a wrong guess: symbols inside words (``by³o``
   is Polish ``było`` read as cp1252), C1 control characters (bytes the code page leaves
   undefined), letters news text does not use (Icelandic ``ð``/``þ`` are Turkish ``ğ``/``ş``
   read as cp1252). Equally clean readings are told apart by language: the one whose
   language, as langdetect sees it, was written in that code page (Polish in cp1250, Turkish
   in cp1254, Spanish in cp1252) wins; then Windows-1252, the most common.
"""

from __future__ import annotations

import functools
import re

import charset_normalizer

from tasks.language import LanguageDetector
from tasks.script import script_counts

# Tried in this order; the first of equally good readings wins.
LATIN_CODE_PAGES = ("cp1252", "cp1250", "iso8859_2", "cp1254")
# Languages (langdetect codes) written in each code page; cp1252 takes every other Latin one.
_CODE_PAGE_LANGUAGES = {
    "cp1250": frozenset({"pl", "cs", "sk", "hu", "sl", "hr", "ro"}),
    "iso8859_2": frozenset({"pl", "cs", "sk", "hu", "sl", "hr", "ro"}),
    "cp1254": frozenset({"tr"}),
}
_OTHER_LATIN = frozenset().union(*_CODE_PAGE_LANGUAGES.values())
_SAMPLE_BYTES = 64 * 1024
_LANGUAGE_SAMPLE_CHARS = 2000
_NON_LATIN_MIN_SHARE = 0.2
_GARBAGE_SHARE = 0.05
_GARBAGE_MIN_MARKS = 8
# Letters of the candidate readings that real news text almost never contains.
_UNLIKELY_LETTERS = "ðþÐÞŕŔĺĹţŢ"
_SYMBOL_IN_WORD = re.compile(r"(?<=[^\W\d_])[^\w\s\x00-\x7f’‘ʼ·](?=[^\W\d_])")
_C1_CONTROL = re.compile("[\x80-\x9f]")
_UNLIKELY = re.compile(f"[{_UNLIKELY_LETTERS}]")


def decode_legacy(raw: bytes) -> tuple[str, str] | None:
    """``(text, encoding)`` for bytes that are not UTF-8, or None when no reading is text.

    Even the best Latin reading of random bytes is full of wrong-guess marks (about one
    character in five; real articles in the benchmark: at most one in 4,000), so such bytes
    are refused rather than published as an article in some language.
    """
    other = _non_latin(raw)
    if other is not None:
        return other
    sample = raw[:_SAMPLE_BYTES]
    encoding = _latin_code_page(sample)
    marks = wrong_guess_score(sample.decode(encoding, "replace"))
    if marks >= _GARBAGE_MIN_MARKS and marks >= _GARBAGE_SHARE * len(sample):
        return None
    try:
        return raw.decode(encoding), encoding
    except UnicodeDecodeError:  # a byte the code page leaves undefined, beyond the sample
        return raw.decode("latin-1"), "latin-1"


def wrong_guess_score(text: str) -> int:
    """How many characters look like the marks of decoding with the wrong code page."""
    return (
        len(_SYMBOL_IN_WORD.findall(text))
        + len(_C1_CONTROL.findall(text))
        + len(_UNLIKELY.findall(text))
    )


def _latin_code_page(sample: bytes) -> str:
    readings: list[tuple[int, str, str]] = []
    for encoding in LATIN_CODE_PAGES:
        try:
            text = sample.decode(encoding)
        except UnicodeDecodeError:
            continue
        readings.append((wrong_guess_score(text), encoding, text))
    if not readings:
        return "latin-1"
    cleanest = min(score for score, _, _ in readings)
    tied = [(encoding, text) for score, encoding, text in readings if score == cleanest]
    if len(tied) == 1:
        return tied[0][0]
    for encoding, text in tied:
        language = _detector().detect(text[:_LANGUAGE_SAMPLE_CHARS]).language
        if language is not None and _written_in(language, encoding):
            return encoding
    return tied[0][0]


def _written_in(language: str, encoding: str) -> bool:
    if encoding in _CODE_PAGE_LANGUAGES:
        return language in _CODE_PAGE_LANGUAGES[encoding]
    return language not in _OTHER_LATIN


@functools.cache
def _detector() -> LanguageDetector:
    """Seeded, so sharing one per process cannot make results depend on call order."""
    return LanguageDetector()


def _non_latin(raw: bytes) -> tuple[str, str] | None:
    """charset-normalizer's reading, when a good share of its letters are not Latin."""
    best = charset_normalizer.from_bytes(raw[:_SAMPLE_BYTES]).best()
    if best is None or best.encoding.startswith(("ascii", "utf")):
        return None
    try:
        text = raw.decode(best.encoding)
    except UnicodeDecodeError:  # a few bad bytes in a multi-byte text: keep it, mark the damage
        text = raw.decode(best.encoding, "replace")
    counts = script_counts(text[:_SAMPLE_BYTES])
    letters = sum(counts.values())
    if not letters or (letters - counts["LATIN"]) < _NON_LATIN_MIN_SHARE * letters:
        return None
    return text, best.encoding
