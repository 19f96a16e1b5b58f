"""Word shingles and MinHash signatures, computed in bulk.

Everything here is deterministic across processes and machines so that signatures computed
per shard in worker processes can be concatenated and clustered once:

* words are ``\\w+`` tokens of the casefolded text, found and hashed for a whole batch at
  once by :mod:`tasks.words` (numpy over code points; never Python's salted ``hash()``);
* ``k`` consecutive word hashes are combined into one shingle hash with numpy arithmetic (a
  position-weighted sum and one SplitMix64 round, vectorised over all shingles of a batch),
  kept to 52 bits so one flat sort can group, order and deduplicate the shingles of thousands
  of texts;
* the MinHash matrix comes from rensa's bulk ``digest_matrix_from_flat_token_hashes`` (one
  call per batch: no Python loop per shingle or per permutation).

A text with fewer than ``k`` words (but at least one) becomes a single shingle made of all its
words, so it only matches a text with exactly the same words, and is never "contained" in a
longer article because it shares a few common words with it. A text with no word has no
shingle at all and never matches anything by similarity.
"""

from __future__ import annotations

import array
import hashlib
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import rensa

from tasks import words

WORD_RE = re.compile(r"\w+")

#: Identifies how signatures are computed; signatures with different tags must not be mixed.
ALGORITHM = f"poly-words/weighted-shingles/rensa-rminhash-v{rensa.RMinHash.ALGORITHM_VERSION}"

_U64 = np.uint64
_GOLDEN = _U64(0x9E3779B97F4A7C15)
_ROW_BITS = 12  # texts per chunk: 2**12
_HASH_BITS = 64 - _ROW_BITS
_HASH_MASK = _U64((1 << _HASH_BITS) - 1)
_CHUNK = 1 << _ROW_BITS


def tokenize(text: str) -> list[str]:
    """Casefolded ``\\w+`` words: punctuation, case and spacing do not change shingles."""
    return WORD_RE.findall(text.casefold())


def normalize_for_exact(text: str) -> str:
    """Casefold and collapse whitespace: the only differences an *exact* duplicate may have."""
    return " ".join(text.casefold().split())


def exact_hash(text: str, *, casefolded: bool = False) -> bytes:
    """128-bit BLAKE2b of :func:`normalize_for_exact` (collisions are negligible at any scale).

    ``casefolded=True`` skips the casefold when the caller already did it (it is not free).
    """
    folded = text if casefolded else words.fold(text)
    data = " ".join(folded.split()).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, digest_size=16).digest()


mix64 = words.mix64


def _position_factor(j: int) -> np.uint64:
    """A distinct odd multiplier per word position (so word order matters)."""
    return _U64(((2 * j + 1) * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF | 1)


def _combine(parts: Sequence[np.ndarray], length: int) -> np.ndarray:
    """Order-sensitive hash of ``length`` word hashes: a weighted sum with one odd factor per
    position (the word hashes are already mixed), then one SplitMix64 round. The length is
    mixed in so a whole-text shingle of a short text cannot equal a k-word shingle."""
    acc = parts[0] * _position_factor(0)
    for j, part in enumerate(parts[1:], start=1):
        acc += part * _position_factor(j)
    tag = _U64((length * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF)
    return mix64(acc ^ tag)


def _chunk_shingles(folded: Sequence[str], k: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`shingle_hashes` for at most ``_CHUNK`` casefolded texts.

    The row number goes in the top ``_ROW_BITS`` bits of a sort key above the top 52 bits of
    the shingle hash, so one flat ``np.sort`` groups by text and orders and deduplicates each
    text's shingles (several times faster than a two-key lexsort).
    """
    n = len(folded)
    tokens, counts = words.word_hashes(folded)
    first = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=first[1:])

    # k-word shingles of texts with at least k words: every start position that leaves room.
    doc_of_token = np.repeat(np.arange(n, dtype=np.int64), counts)
    position = np.arange(tokens.size, dtype=np.int64) - first[:-1][doc_of_token]
    starts = np.flatnonzero(position <= (counts - k)[doc_of_token])
    hashes = [_combine([tokens[starts + j] for j in range(k)], k)]
    owners = [doc_of_token[starts]]

    # Texts with 1..k-1 words: one shingle of all their words (rare, so a loop per text).
    for i in np.flatnonzero((counts > 0) & (counts < k)):
        lo, c = int(first[i]), int(counts[i])
        hashes.append(_combine([tokens[lo + j : lo + j + 1] for j in range(c)], c))
        owners.append(np.array([i], dtype=np.int64))

    keys = (np.concatenate(owners).astype(np.uint64) << _U64(_HASH_BITS)) | (
        np.concatenate(hashes) >> _U64(_ROW_BITS)
    )
    keys.sort()
    distinct = np.ones(keys.size, dtype=bool)
    distinct[1:] = keys[1:] != keys[:-1]
    keys = keys[distinct]
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(
        np.bincount((keys >> _U64(_HASH_BITS)).astype(np.int64), minlength=n), out=offsets[1:]
    )
    return keys & _HASH_MASK, offsets


def ordered_shingles(folded: Sequence[str], k: int) -> tuple[np.ndarray, np.ndarray]:
    """The k-word shingle hashes of each casefolded text **in text order** (not deduplicated).

    Returns ``(flat, counts)``: 64-bit hashes, text after text, and how many each text has
    (``max(0, words - k + 1)``: a text shorter than ``k`` words has none). For passage work
    (:mod:`tasks.stories`), where positions matter.
    """
    if k < 1:
        raise ValueError(f"shingle size must be >= 1, got {k}")
    tokens, counts = words.word_hashes(folded)
    n = len(folded)
    first = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=first[1:])
    doc_of_token = np.repeat(np.arange(n, dtype=np.int64), counts)
    position = np.arange(tokens.size, dtype=np.int64) - first[:-1][doc_of_token]
    starts = np.flatnonzero(position <= (counts - k)[doc_of_token])
    flat = _combine([tokens[starts + j] for j in range(k)], k)
    return flat, np.maximum(counts - k + 1, 0)


def shingle_hashes(
    texts: Sequence[str], k: int, *, casefolded: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Distinct 52-bit shingle hashes of each text, as one flat uint64 array.

    Returns ``(flat, offsets)`` with ``offsets`` of length ``len(texts) + 1`` (int64): the
    shingles of text ``i`` are ``flat[offsets[i]:offsets[i + 1]]``, sorted and unique, so
    their count is the shingle-set size and set operations need no further work. 52 bits make
    a collision between two shingles of the same text negligible (~1e-11 for 500 shingles).
    """
    if k < 1:
        raise ValueError(f"shingle size must be >= 1, got {k}")
    flats, offsets = [], [np.zeros(1, dtype=np.int64)]
    for lo in range(0, len(texts), _CHUNK):
        chunk = texts[lo : lo + _CHUNK]
        folded = chunk if casefolded else [words.fold(text) for text in chunk]
        flat, offs = _chunk_shingles(folded, k)
        flats.append(flat)
        offsets.append(offs[1:] + offsets[-1][-1])
    flat = np.concatenate(flats) if flats else np.empty(0, dtype=np.uint64)
    return flat, np.concatenate(offsets)


def shingle_sets(texts: Sequence[str], k: int) -> list[np.ndarray]:
    """Per text, its sorted distinct shingle hashes (for exact Jaccard/containment)."""
    flat, offsets = shingle_hashes(texts, k)
    return [flat[offsets[i] : offsets[i + 1]] for i in range(len(texts))]


def minhash_matrix(flat: np.ndarray, offsets: np.ndarray, num_perm: int, seed: int) -> np.ndarray:
    """``(n, num_perm)`` uint32 MinHash digests for all rows at once (rensa, in Rust).

    A row with no shingle gets all ``0xFFFFFFFF``; callers must not treat such rows as similar.
    """
    n = offsets.size - 1
    if n == 0:
        return np.empty((0, num_perm), dtype=np.uint32)
    matrix = rensa.RMinHash.digest_matrix_from_flat_token_hashes(
        np.ascontiguousarray(flat, dtype=np.uint64),
        np.ascontiguousarray(offsets, dtype=np.uint64),
        num_perm,
        seed,
    )
    flat_rows = array.array("I")  # extending a C array beats np.array(list of lists) by 1.5x
    for row in matrix.to_rows():
        flat_rows.extend(row)
    return np.frombuffer(flat_rows, dtype=np.uint32).reshape(n, num_perm).copy()


def jaccard_containment(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Exact Jaccard and containment (|A∩B| / min(|A|, |B|)) of two sorted unique sets."""
    if a.size == 0 or b.size == 0:
        return 0.0, 0.0
    small, large = (a, b) if a.size <= b.size else (b, a)
    where = np.minimum(np.searchsorted(large, small), large.size - 1)
    inter = int(np.count_nonzero(large[where] == small))  # 3x faster than np.intersect1d
    union = a.size + b.size - inter
    return inter / union, inter / min(a.size, b.size)


def containment_from_jaccard(jaccard: Any, size_a: Any, size_b: Any) -> Any:
    """Containment implied by a Jaccard value and the two set sizes (scalars or arrays).

    From J = |A∩B| / (|A| + |B| - |A∩B|) it follows |A∩B| = J(|A| + |B|) / (1 + J); the result
    is clipped to 1 because J is only an estimate.
    """
    inter = jaccard * (size_a + size_b) / (1.0 + jaccard)
    return np.minimum(1.0, inter / np.minimum(size_a, size_b))


def estimate_jaccard_containment(
    sig_a: np.ndarray, sig_b: np.ndarray, size_a: int, size_b: int
) -> tuple[float, float]:
    """Jaccard estimated from two signatures, and the containment it implies."""
    if size_a == 0 or size_b == 0:
        return 0.0, 0.0
    j = np.count_nonzero(sig_a == sig_b) / sig_a.size
    return j, float(containment_from_jaccard(j, size_a, size_b))
