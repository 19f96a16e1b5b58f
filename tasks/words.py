"""Word tokens of a whole batch of texts at once, hashed in one compiled pass.

Shingling used to spend most of its time in Python (one ``re.findall`` and one ``str`` per
word), then in numpy (a dozen array passes per character). Now a batch of casefolded texts is
UTF-8 encoded once and :mod:`tasks.kernels` walks the bytes:

* a word is a maximal run of ``\\w`` characters, exactly what ``re.findall(r"\\w+", text)``
  returns: the table of word characters is built from Python's own ``re`` (same Unicode
  version as the regex), once per process; likewise the whitespace table (``\\s``, which is
  ``str.isspace``, what ``str.split()`` splits on) for the exact-duplicate key;
* a word's hash is a polynomial over its code points (plus one), base ``kernels.BASE``, modulo
  2**64, finished with the SplitMix64 mixer and the word length, so it is deterministic across
  processes and machines (no salted ``hash()``).

A polynomial hash modulo 2**64 can be made to collide on purpose by crafted strings
(Thue-Morse words); a collision here only merges two words in similarity estimates, never an
exact-duplicate decision, which uses BLAKE2b.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

import numpy as np
import pyarrow as pa

from tasks import kernels

_U64 = np.uint64
_UNICODE = 0x110000


def fold(text: str) -> str:
    """``str.casefold``; ASCII text (flagged by CPython, O(1) to check) takes ``lower``, which
    is the same there and several times faster."""
    return text.lower() if text.isascii() else text.casefold()


def mix64(z: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser, vectorised (uint64 arithmetic wraps, which is what we want)."""
    z = (z ^ (z >> _U64(30))) * kernels.MIX1
    z = (z ^ (z >> _U64(27))) * kernels.MIX2
    return z ^ (z >> _U64(31))


def _every() -> str:
    """Every code point once, in order (lone surrogates included)."""
    cps = np.arange(_UNICODE, dtype="<u4").tobytes()
    return cps.decode("utf-32-le", "surrogatepass")


def _class_table(pattern: str) -> np.ndarray:
    """Boolean table over all code points: True where ``re`` matches ``pattern`` (one class).

    Marked run by run (``\\w`` has ~700 runs over all code points, ``\\s`` ten): a worker
    process builds these on its first article, and two whole-range substitutions took 0.17 s.
    """
    table = np.zeros(_UNICODE, dtype=bool)
    for run in re.finditer(f"[{pattern}]+", _every()):
        table[run.start() : run.end()] = True
    return table


@functools.cache
def word_table() -> np.ndarray:
    """True where ``re`` counts the code point as ``\\w`` (cached per process)."""
    return _class_table(r"\w")


def count_words(text: str) -> int:
    """``len(re.findall(r"\\w+", text))``: how many runs of word characters start in ``text``.

    Counted with the :func:`word_table` over the code points in one compiled pass instead of
    one Python string per word (or a numpy pass with its temporaries); asked once an article.
    """
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")
    return kernels.count_runs(codes, word_table())


@functools.cache
def space_table() -> np.ndarray:
    """True where ``re`` counts the code point as ``\\s``, i.e. ``str.isspace()``."""
    return _class_table(r"\s")


@functools.cache
def fold_tables() -> tuple[np.ndarray, np.ndarray]:
    """``str.casefold`` as tables: per code point the folded code point, or
    ``kernels.EXPANDS + row`` of the second table (up to 3 code points, 0-padded) for the ~100
    that fold to several (``ß`` -> ``ss``). Casefolding is per code point in CPython, so
    folding a text code point by code point through these tables is ``str.casefold``."""
    table = np.arange(_UNICODE, dtype=np.uint32)
    rows: list[list[int]] = []
    every = _every()
    for lo in range(0, _UNICODE, 256):
        block = every[lo : lo + 256]
        if block.casefold() == block:
            continue
        for cp in range(lo, lo + 256):
            folded = chr(cp).casefold()
            if len(folded) == 1:
                table[cp] = ord(folded)
            else:
                table[cp] = kernels.EXPANDS + len(rows)
                rows.append([ord(c) for c in folded] + [0] * (3 - len(folded)))
    return table, np.array(rows, dtype=np.uint32).reshape(-1, 3)


def encode(texts: Sequence[str] | pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """The texts as one UTF-8 byte array and ``n + 1`` int64 byte offsets.

    Arrow string arrays (what Parquet gives) are used as they are, without a Python string;
    Python strings are encoded keeping lone surrogates (``surrogatepass``). A null is "".
    """
    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks() if texts.num_chunks != 1 else texts.chunk(0)
    if isinstance(texts, pa.Array):
        array = texts.cast(pa.large_string()) if texts.type != pa.large_string() else texts
        _, offset_buffer, data = array.buffers()
        n = len(array)
        offsets = np.frombuffer(offset_buffer, dtype=np.int64)[array.offset : array.offset + n + 1]
        if array.null_count:  # a null's bytes are not necessarily empty
            lengths = np.where(array.is_null().to_numpy(zero_copy_only=False), 0, np.diff(offsets))
            keep = np.repeat(~array.is_null().to_numpy(zero_copy_only=False), np.diff(offsets))
            raw = np.frombuffer(data, dtype=np.uint8)[offsets[0] : offsets[-1]][keep]
            return raw, np.concatenate(([0], np.cumsum(lengths)))
        raw = np.frombuffer(data, dtype=np.uint8) if data is not None else np.empty(0, np.uint8)
        return raw, np.ascontiguousarray(offsets)
    encoded = [text.encode("utf-8", "surrogatepass") for text in texts]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded)), out=offsets[1:])
    return np.frombuffer(b"".join(encoded), dtype=np.uint8), offsets


def word_hashes(texts: Sequence[str] | pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """Hashes of the ``\\w+`` words of each casefolded text, flat, with per-text counts.

    Returns ``(hashes, counts)``: uint64 hashes in text order then word order, and an int64
    array with the number of words of each text. (Casefolding is done here; casefolding twice
    changes nothing, so already casefolded texts are fine.)
    """
    return encoded_word_hashes(*encode(texts))


def encoded_word_hashes(buf: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`word_hashes` of texts already :func:`encode`-d."""
    return kernels.word_hashes(buf, offsets, *fold_tables(), word_table())


def paragraph_keys(
    texts: Sequence[str] | pa.Array | pa.ChunkedArray, seeds: np.ndarray, max_words: int = -1
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per paragraph (``text.split("\\n\\n")``; an empty text has none) of each text: a
    64-bit hash of ``seeds[i]`` and the paragraph's ``normalize.comparison_key`` (0 when the
    key is empty), and the key's word count; per text, its number of paragraphs. With
    ``max_words >= 0`` a longer paragraph is not hashed: hash 0, count ``max_words + 1``."""
    buf, offsets = encode(texts)
    seeds = np.ascontiguousarray(seeds, dtype=np.uint64)
    return kernels.paragraph_keys(
        buf, offsets, seeds, *fold_tables(), space_table(), word_table(), max_words
    )
