"""Text normalisation that never changes the words.

Only representation changes: Unicode NFC, one newline convention, exotic spaces to plain
spaces, runs of spaces collapsed, invisible format characters dropped, line ends trimmed.
Letters, digits and punctuation pass through untouched, so cleaning can never invent text.
"""

from __future__ import annotations

import re
import unicodedata

_NEWLINES = re.compile(r"\r\n|[\r\u2028\u2029\x85\x0b\x0c]")
# Zero-width and bidi controls carry no words; soft hyphen only hints at hyphenation.
_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff\u200e\u200f\u202a-\u202e]")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_SPACES = re.compile(r"[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")


def normalize_text(text: str) -> str:
    """Normalise a whole document, keeping its line structure (line numbers stay valid)."""
    text = _NEWLINES.sub("\n", text)
    return "\n".join(normalize_line(line) for line in text.split("\n"))


def split_lines(text: str) -> list[str]:
    """Lines of a document as numbered by ``removed_lines.line_no`` (1-based)."""
    return _NEWLINES.sub("\n", text).split("\n")


def normalize_line(line: str) -> str:
    """No invisible or control characters, NFC, single spaces, no surrounding blanks.

    Invisible characters go *before* NFC: a soft hyphen or zero-width space between a letter
    and its combining accent blocks composition, so removing it afterwards would leave a
    decomposed letter that the next normalisation composes (not idempotent, and a rule
    written with "é" would miss "e\u0301").
    """
    line = _INVISIBLE.sub("", line)
    line = _CONTROL.sub("", line)
    line = unicodedata.normalize("NFC", line)
    return _SPACES.sub(" ", line).strip()


def comparison_key(text: str) -> str:
    """Casefolded, whitespace-collapsed form used to compare paragraphs and documents."""
    return " ".join(text.casefold().split())
