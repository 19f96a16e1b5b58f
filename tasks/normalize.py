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
# Both only delete, so one pass over their union is the same as one after the other.
_DROPPED = re.compile(_INVISIBLE.pattern[:-1] + _CONTROL.pattern[1:])
_SPACE_CHARS = " \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000"
# Only runs that change: two or more space characters, or one that is not a plain space. A
# lone plain space (almost every match of the plain ``[...]+`` run) would be replaced by itself.
_SPACES = re.compile(f"[{_SPACE_CHARS}]{{2,}}|[{_SPACE_CHARS[1:]}]")
# Every character some step of :func:`normalize_line` or :func:`split_lines` acts on, but the
# plain space (a double space is tested apart: a class of single characters searches fast).
_RARE = re.compile(
    "[\r\u2028\u2029\x85\x0b\x0c" + _SPACE_CHARS[1:] + _DROPPED.pattern[1:-1] + "]"
)
_ASCII_CONTROL_OR_TAB = re.compile(r"[\x00-\x09\x0e-\x1f\x7f]| {2}")


def normalize_text(text: str) -> str:
    """Normalise a whole document, keeping its line structure (line numbers stay valid)."""
    return "\n".join(normalized_lines(text))


def normalized_lines(text: str) -> list[str]:
    """``[normalize_line(line) for line in split_lines(text)]``, in a few passes over the text.

    The same steps run on the whole text instead of line by line (a dozen regex and NFC calls
    per line was a tenth of an article's cleaning): none of them sees across a newline. The
    dropped and space characters include no newline, and a newline is a normalisation boundary
    (a starter that composes with nothing), so NFC of lines joined by newlines is the join of
    their NFCs. ``tests/test_normalize.py`` checks the equality on generated documents.
    """
    composed = text if text.isascii() else unicodedata.normalize("NFC", text)
    if "  " not in composed and _RARE.search(composed) is None:
        # Nothing for the regexes to do (NFC never removes these characters, and composes
        # none into a space): the common case, and each regex pass costs more than this test.
        return [line.strip() for line in composed.split("\n")]
    text = _NEWLINES.sub("\n", text)
    if text.isascii():
        if _ASCII_CONTROL_OR_TAB.search(text) is not None:
            text = _SPACES.sub(" ", _CONTROL.sub("", text))
    else:
        text = _SPACES.sub(" ", unicodedata.normalize("NFC", _DROPPED.sub("", text)))
    return [line.strip() for line in text.split("\n")]


def split_lines(text: str) -> list[str]:
    """Lines of a document as numbered by ``removed_lines.line_no`` (1-based)."""
    return _NEWLINES.sub("\n", text).split("\n")


def normalize_line(line: str) -> str:
    """NFC, no invisible or control characters, single spaces, no surrounding blanks."""
    if line.isascii():
        # NFC and the invisible characters concern non-ASCII text only; most lines also have
        # no control character, tab or double space, and then only the ends can change.
        if _ASCII_CONTROL_OR_TAB.search(line) is None:
            return line.strip()
        return _SPACES.sub(" ", _CONTROL.sub("", line)).strip()
    # Invisible characters go before NFC: a soft hyphen between a letter and its
    # combining accent blocks composition (not idempotent otherwise).
    line = unicodedata.normalize("NFC", _DROPPED.sub("", line))
    return _SPACES.sub(" ", line).strip()


def comparison_key(text: str) -> str:
    """Casefolded, whitespace-collapsed form used to compare paragraphs and documents."""
    # ``lower`` is ``casefold`` on ASCII, and faster. A normalised line is usually already
    # collapsed: single plain spaces, none at the ends, no other whitespace (every whitespace
    # character but the space is unprintable). Testing that is cheaper than splitting.
    folded = text.lower() if text.isascii() else text.casefold()
    if (
        folded.isprintable()
        and "  " not in folded
        and not folded.startswith(" ")
        and not folded.endswith(" ")
    ):
        return folded
    return " ".join(folded.split())
