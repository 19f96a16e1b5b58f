"""Word shingles and MinHash signatures, computed in bulk.

Everything here is deterministic across processes and machines so that signatures computed
per shard in worker processes can be concatenated and clustered once:

* words are ``\\w+`` tokens of the casefolded text, found and hashed for a whole batch at
  once by :mod:`tasks.words` (compiled loops over the UTF-8 bytes, Arrow string arrays read
  in place; never Python's salted ``hash()``);
* ``k`` consecutive word hashes are combined into one shingle hash (a position-weighted sum
  and one SplitMix64 round, :func:`tasks.kernels.shingles`), kept to 52 bits so one flat sort
  can group, order and deduplicate the shingles of thousands of texts;
* the signature is one-permutation MinHash with optimal densification
  (:func:`tasks.kernels.one_permutation`): ``num_perm`` bins, each the minimum of the shingles
  hashed into it, so a signature costs one hash per shingle instead of one per shingle and
  permutation, with the same collision probability (the Jaccard similarity) per bin.

A text with fewer than ``k`` words (but at least one) becomes a single shingle made of all its
words, so it only matches a text with exactly the same words, and is never "contained" in a
longer article because it shares a few common words with it. A text with no word has no
shingle at all and never matches anything by similarity.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa

from tasks import kernels, words

Texts = Sequence[str] | pa.Array | pa.ChunkedArray

WORD_RE = re.compile(r"\w+")

#: Identifies how signatures are computed; signatures with different tags must not be mixed.
ALGORITHM = "poly-words/weighted-shingles/oph-densified-v1"

_U64 = np.uint64
_ROW_BITS = 12  # texts per sort: 2**12
_HASH_BITS = 64 - _ROW_BITS
_HASH_MASK = _U64((1 << _HASH_BITS) - 1)
_CHUNK = 1 << _ROW_BITS


def tokenize(text: str) -> list[str]:
    """Casefolded ``\\w+`` words: punctuation, case and spacing do not change shingles."""
    return WORD_RE.findall(text.casefold())


def normalize_for_exact(text: str) -> str:
    """Casefold and collapse whitespace: the only differences an *exact* duplicate may have."""
    return " ".join(text.casefold().split())


def exact_hash(text: str) -> bytes:
    """128-bit BLAKE2b of :func:`normalize_for_exact` (collisions are negligible at any scale).

    The definition; :func:`exact_hashes` computes the same for a whole batch.
    """
    data = normalize_for_exact(text).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, digest_size=16).digest()


def exact_hashes(buf: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """``(n, 2)`` uint64: :func:`exact_hash` of each text already :func:`tasks.words.encode`-d
    (casefolded and whitespace-collapsed in one compiled pass)."""
    collapsed, bounds = kernels.collapsed(buf, offsets, *words.fold_tables(), words.space_table())
    return _digests(collapsed, bounds)


def _digests(collapsed: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    view = memoryview(collapsed)
    digests = b"".join(
        hashlib.blake2b(view[lo:hi], digest_size=16).digest()
        for lo, hi in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True)
    )
    return np.frombuffer(digests, dtype="<u8").reshape(-1, 2).astype(np.uint64)


def sets_and_exact_hashes(
    buf: np.ndarray, offsets: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`encoded_shingle_hashes` and :func:`exact_hashes` with one pass over the texts."""
    hashes, counts, collapsed, bounds = kernels.scan(
        buf, offsets, *words.fold_tables(), words.word_table(), words.space_table()
    )
    flat, set_offsets = _sorted_sets(*kernels.shingles(hashes, counts, k, True))
    return flat, set_offsets, _digests(collapsed, bounds)


def _sorted_sets(flat: np.ndarray, per_text: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each text's shingle hashes reduced to 52 bits, sorted and deduplicated.

    The row number goes in the top ``_ROW_BITS`` bits of a sort key above the top 52 bits of
    the shingle hash, so one flat ``np.sort`` per ``_CHUNK`` texts groups by text and orders
    and deduplicates each text's shingles (several times faster than a two-key lexsort).
    """
    n = per_text.size
    bounds = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(per_text, out=bounds[1:])
    flats, offsets = [], [np.zeros(1, dtype=np.int64)]
    for lo in range(0, n, _CHUNK):
        hi = min(n, lo + _CHUNK)
        keys = kernels.row_keys(flat, bounds, lo, hi, _HASH_BITS)
        keys.sort()
        distinct, counts = kernels.split_rows(keys, hi - lo, _HASH_BITS)
        flats.append(distinct)
        offsets.append(np.cumsum(counts) + offsets[-1][-1])
    out = np.concatenate(flats) if flats else np.empty(0, dtype=np.uint64)
    return out, np.concatenate(offsets)


def shingle_hashes(texts: Texts, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Distinct 52-bit shingle hashes of each text, as one flat uint64 array.

    Returns ``(flat, offsets)`` with ``offsets`` of length ``len(texts) + 1`` (int64): the
    shingles of text ``i`` are ``flat[offsets[i]:offsets[i + 1]]``, sorted and unique, so
    their count is the shingle-set size and set operations need no further work. 52 bits make
    a collision between two shingles of the same text negligible (~1e-11 for 500 shingles).
    """
    if k < 1:
        raise ValueError(f"shingle size must be >= 1, got {k}")
    return encoded_shingle_hashes(*words.encode(texts), k)


def encoded_shingle_hashes(
    buf: np.ndarray, offsets: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`shingle_hashes` of texts already :func:`tasks.words.encode`-d."""
    hashes, counts = words.encoded_word_hashes(buf, offsets)
    return _sorted_sets(*kernels.shingles(hashes, counts, k, True))


def shingle_sets(texts: Texts, k: int) -> list[np.ndarray]:
    """Per text, its sorted distinct shingle hashes (for exact Jaccard/containment)."""
    flat, offsets = shingle_hashes(texts, k)
    return [flat[offsets[i] : offsets[i + 1]] for i in range(len(texts))]


def minhash_matrix(flat: np.ndarray, offsets: np.ndarray, num_perm: int, seed: int) -> np.ndarray:
    """``(n, num_perm)`` uint32 signatures of the shingle sets ``(flat, offsets)`` as returned
    by :func:`shingle_hashes` (one-permutation MinHash, densified; the seed picks the hash).

    A row with no shingle gets all ``0xFFFFFFFF``; callers must not treat such rows as similar.
    """
    if not 0 <= seed < 2**64:
        raise ValueError(f"seed must be in [0, 2**64), got {seed}")
    return kernels.one_permutation(
        np.ascontiguousarray(flat, dtype=np.uint64),
        np.ascontiguousarray(offsets, dtype=np.int64),
        num_perm,
        np.uint64(seed),
    )


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
