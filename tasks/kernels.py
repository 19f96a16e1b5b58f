"""Compiled inner loops (numba) over the UTF-8 bytes of a batch of texts.

Signing a 2.5 KB article used to cost ~140 µs: a Python ``casefold`` per text, a dozen numpy
passes per character (each allocating a temporary array), then rensa plus a conversion of its
result to Python lists. These loops do the same work in one pass per text with no temporary
per character, reading the texts as one UTF-8 buffer (Arrow's own layout, so texts read from
Parquet are never turned into Python strings):

* casefolding is ``str.casefold`` code point by code point (which is exactly what CPython
  does: full case folding has no context), from a table built from Python's own ``casefold``;
* :func:`word_hashes`: every maximal run of word characters (a table built from Python's own
  ``re``: exactly ``re.findall(r"\\w+")`` of the casefolded text) hashed as a polynomial over
  its code points plus one, base ``BASE``, modulo 2**64, finished by SplitMix64 with the word
  length;
* :func:`shingles`: ``k`` consecutive word hashes combined as a position-weighted sum plus one
  SplitMix64 round (the word order and the shingle length matter);
* :func:`one_permutation`: one-permutation MinHash with optimal densification (Shrivastava,
  ICML 2017) over each text's distinct shingle hashes: one hash per shingle picks a bin and
  gives the value, the minimum per bin is the signature; a bin no shingle fell in copies the
  bin that a fixed hash sequence of ``(bin, attempt)`` first reaches among the filled ones.
  Two texts agree on a bin with probability equal to their Jaccard similarity, as with
  ``num_perm`` independent permutations, at the cost of one hash per shingle;
* :func:`collapsed`: the casefolded text with whitespace runs collapsed to one space and
  stripped, UTF-8 encoded (``surrogatepass``): what the exact-duplicate hash digests;
* :func:`paragraph_keys`: per paragraph of each text, a hash of its casefolded,
  whitespace-collapsed line key (``tasks.normalize.comparison_key``) started from a seed (the
  site), one SplitMix64 round per code point, and the key's word count: the site boilerplate
  statistics (:mod:`tasks.site_boilerplate`) without a Python string per paragraph.

All arithmetic is on unsigned 64-bit integers (wrapping), so results are identical in every
process and on every machine. Compiled on first use and cached next to this file (numba's
``cache=True``; where that folder is read-only numba uses its user cache folder).
"""

from __future__ import annotations

import numpy as np
from numba import njit

_U64 = np.uint64
MIX1 = _U64(0xBF58476D1CE4E5B9)
MIX2 = _U64(0x94D049BB133111EB)
GOLDEN = _U64(0x9E3779B97F4A7C15)
BASE = _U64(0x100000001B3)
#: A casefold table entry at or above this is ``EXPANDS + row`` of the expansions table.
EXPANDS = 0x110000
_S30, _S27, _S31, _S32 = _U64(30), _U64(27), _U64(31), _U64(32)
_ONE, _ZERO = _U64(1), _U64(0)
_LOW32 = _U64(0xFFFFFFFF)
_EMPTY = np.uint32(0xFFFFFFFF)


@njit(cache=True, inline="always")
def _mix64(z: np.uint64) -> np.uint64:
    z = (z ^ (z >> _S30)) * MIX1
    z = (z ^ (z >> _S27)) * MIX2
    return z ^ (z >> _S31)


@njit(cache=True, inline="always")
def _factor(j: int) -> np.uint64:
    """A distinct odd multiplier per word position (so word order matters)."""
    return (_U64(2 * j + 1) * GOLDEN) | _ONE


@njit(cache=True, nogil=True)
def _folded(
    buf: np.ndarray, lo: int, hi: int, fold: np.ndarray, expansions: np.ndarray, out: np.ndarray
) -> int:
    """Decode valid UTF-8 (lone surrogates allowed) ``buf[lo:hi]``, casefold it into ``out``
    (room for 3 code points per byte is enough); returns how many code points."""
    m, p = 0, lo
    while p < hi:
        b0 = np.int64(buf[p])
        if b0 < 0x80:
            cp, p = b0, p + 1
        elif b0 < 0xE0:
            cp, p = ((b0 & 0x1F) << 6) | (np.int64(buf[p + 1]) & 0x3F), p + 2
        elif b0 < 0xF0:
            cp = ((b0 & 0x0F) << 12) | ((np.int64(buf[p + 1]) & 0x3F) << 6)
            cp, p = cp | (np.int64(buf[p + 2]) & 0x3F), p + 3
        else:
            cp = ((b0 & 0x07) << 18) | ((np.int64(buf[p + 1]) & 0x3F) << 12)
            cp |= (np.int64(buf[p + 2]) & 0x3F) << 6
            cp, p = cp | (np.int64(buf[p + 3]) & 0x3F), p + 4
        f = np.int64(fold[cp])
        if f < EXPANDS:
            out[m] = f
            m += 1
        else:
            for j in range(expansions.shape[1]):
                e = expansions[f - EXPANDS, j]
                if e == 0:
                    break
                out[m] = e
                m += 1
    return m


@njit(cache=True, nogil=True)
def word_hashes(
    buf: np.ndarray, offsets: np.ndarray, fold: np.ndarray, expansions: np.ndarray, word: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``(hashes, counts)`` of the words of each casefolded UTF-8 text
    ``buf[offsets[i]:offsets[i+1]]``: uint64 in text then word order, int64 per text."""
    n = offsets.size - 1
    out = np.empty(buf.size // 6 + 16, dtype=np.uint64)
    counts = np.zeros(n, dtype=np.int64)
    cps = np.empty(3 * _widest(offsets) + 1, dtype=np.uint32)
    m = 0
    for i in range(n):
        size = _folded(buf, offsets[i], offsets[i + 1], fold, expansions, cps)
        out = _room(out, m, (size + 1) // 2)  # a word and a separator per 2 code points
        m, counts[i] = _hash_words(cps, size, word, out, m)
    return out[:m].copy(), counts


@njit(cache=True, nogil=True)
def shingles(
    hashes: np.ndarray, counts: np.ndarray, k: int, short_texts: bool
) -> tuple[np.ndarray, np.ndarray]:
    """``(flat, per_text)``: the k-word shingle hashes of each text in text order. With
    ``short_texts``, a text of 1..k-1 words gets one shingle of all its words."""
    n = counts.size
    out = np.empty(hashes.size + n, dtype=np.uint64)
    per_text = np.zeros(n, dtype=np.int64)
    tag_k = _U64(k) * GOLDEN
    m, first = 0, 0
    for i in range(n):
        c = counts[i]
        if c >= k:
            for s in range(first, first + c - k + 1):
                acc = _ZERO
                for j in range(k):
                    acc += hashes[s + j] * _factor(j)
                out[m] = _mix64(acc ^ tag_k)
                m += 1
            per_text[i] = c - k + 1
        elif c > 0 and short_texts:
            acc = _ZERO
            for j in range(c):
                acc += hashes[first + j] * _factor(j)
            out[m] = _mix64(acc ^ (_U64(c) * GOLDEN))
            m += 1
            per_text[i] = 1
        first += c
    return out[:m].copy(), per_text


@njit(cache=True, nogil=True)
def one_permutation(flat: np.ndarray, offsets: np.ndarray, num_perm: int, seed: int) -> np.ndarray:
    """``(n, num_perm)`` uint32 signatures of the shingle sets ``flat[offsets[i]:offsets[i+1]]``
    (duplicates in a set do not change the result). No shingle: all ``0xFFFFFFFF``."""
    n = offsets.size - 1
    salt = _mix64(_U64(seed) ^ GOLDEN)
    reach = _mix64(salt + GOLDEN)
    bins = _U64(num_perm)
    out = np.full((n, num_perm), _EMPTY, dtype=np.uint32)
    best = np.empty(num_perm, dtype=np.uint64)
    filled = np.zeros(num_perm, dtype=np.bool_)
    for i in range(n):
        lo, hi = offsets[i], offsets[i + 1]
        if hi == lo:
            continue
        filled[:] = False
        for s in range(lo, hi):
            g = _mix64(flat[s] ^ salt)
            b = ((g >> _S32) * bins) >> _S32  # the top 32 bits scaled to [0, num_perm)
            if not filled[b] or g < best[b]:
                best[b] = g
                filled[b] = True
        for b in range(num_perm):
            c = _U64(b)
            attempt = _ONE
            while not filled[c]:  # ends: at least one bin is filled
                c = _mix64(reach ^ ((attempt << _S32) | _U64(b))) % bins
                attempt += _ONE
            out[i, b] = np.uint32(best[c] & _LOW32)
    return out


@njit(cache=True, inline="always")
def _collapse_text(cps: np.ndarray, size: int, space: np.ndarray, out: np.ndarray, m: int) -> int:
    """Write ``" ".join(text.split())`` of the code points ``cps[:size]`` as UTF-8 at
    ``out[m:]``; returns the new end."""
    started, pending = False, False
    for p in range(size):
        cp = np.int64(cps[p])
        if space[cp]:
            pending = started
            continue
        if pending:
            out[m] = 32
            m += 1
            pending = False
        started = True
        if cp < 0x80:
            out[m] = cp
            m += 1
        elif cp < 0x800:
            out[m] = 0xC0 | (cp >> 6)
            out[m + 1] = 0x80 | (cp & 0x3F)
            m += 2
        elif cp < 0x10000:
            out[m] = 0xE0 | (cp >> 12)
            out[m + 1] = 0x80 | ((cp >> 6) & 0x3F)
            out[m + 2] = 0x80 | (cp & 0x3F)
            m += 3
        else:
            out[m] = 0xF0 | (cp >> 18)
            out[m + 1] = 0x80 | ((cp >> 12) & 0x3F)
            out[m + 2] = 0x80 | ((cp >> 6) & 0x3F)
            out[m + 3] = 0x80 | (cp & 0x3F)
            m += 4
    return m


@njit(cache=True, inline="always")
def _hash_words(
    cps: np.ndarray, size: int, word: np.ndarray, out: np.ndarray, m: int
) -> tuple[int, int]:
    """Append the word hashes of the code points ``cps[:size]`` at ``out[m:]``; returns the
    new end and the number of words."""
    raw, power, length, words = _ZERO, _ONE, 0, 0
    for p in range(size + 1):
        if p < size and word[cps[p]]:
            raw += (_U64(cps[p]) + _ONE) * power
            power *= BASE
            length += 1
        elif length:
            out[m] = _mix64(raw ^ (_U64(length) * GOLDEN))
            m += 1
            words += 1
            raw, power, length = _ZERO, _ONE, 0
    return m, words


@njit(cache=True, nogil=True)
def collapsed(
    buf: np.ndarray,
    offsets: np.ndarray,
    fold: np.ndarray,
    expansions: np.ndarray,
    space: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """``(bytes, bounds)``: ``" ".join(text.casefold().split()).encode("utf-8",
    "surrogatepass")`` of each UTF-8 text, concatenated (text ``i`` is
    ``bytes[bounds[i]:bounds[i+1]]``)."""
    n = offsets.size - 1
    out = np.empty(buf.size + 16, dtype=np.uint8)
    bounds = np.zeros(n + 1, dtype=np.int64)
    cps = np.empty(3 * _widest(offsets) + 1, dtype=np.uint32)
    m = 0
    for i in range(n):
        size = _folded(buf, offsets[i], offsets[i + 1], fold, expansions, cps)
        out = _room(out, m, 4 * size)
        m = _collapse_text(cps, size, space, out, m)
        bounds[i + 1] = m
    return out[:m].copy(), bounds


@njit(cache=True, nogil=True)
def scan(
    buf: np.ndarray,
    offsets: np.ndarray,
    fold: np.ndarray,
    expansions: np.ndarray,
    word: np.ndarray,
    space: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`word_hashes` and :func:`collapsed` in one pass (each text decoded and folded
    once): ``(hashes, counts, bytes, bounds)``."""
    n = offsets.size - 1
    hashes = np.empty(buf.size // 6 + 16, dtype=np.uint64)
    counts = np.zeros(n, dtype=np.int64)
    out = np.empty(buf.size + 16, dtype=np.uint8)
    bounds = np.zeros(n + 1, dtype=np.int64)
    cps = np.empty(3 * _widest(offsets) + 1, dtype=np.uint32)
    h, m = 0, 0
    for i in range(n):
        size = _folded(buf, offsets[i], offsets[i + 1], fold, expansions, cps)
        hashes = _room(hashes, h, (size + 1) // 2)
        h, counts[i] = _hash_words(cps, size, word, hashes, h)
        out = _room(out, m, 4 * size)
        m = _collapse_text(cps, size, space, out, m)
        bounds[i + 1] = m
    return hashes[:h].copy(), counts, out[:m].copy(), bounds


@njit(cache=True, inline="always")
def _room(out: np.ndarray, used: int, needed: int) -> np.ndarray:
    """``out``, or a copy twice as big (or more) when ``needed`` more items would not fit:
    outputs start at a typical size (words are ~1/6 of the bytes), not the worst case."""
    if used + needed <= out.size:
        return out
    grown = np.empty(max(2 * out.size, used + needed), dtype=out.dtype)
    grown[:used] = out[:used]
    return grown


@njit(cache=True, inline="always")
def _widest(offsets: np.ndarray) -> int:
    widest = 0
    for i in range(offsets.size - 1):
        widest = max(widest, offsets[i + 1] - offsets[i])
    return widest


@njit(cache=True, inline="always")
def _overlap(flat: np.ndarray, offsets: np.ndarray, x: int, y: int) -> tuple[float, float]:
    """Exact Jaccard and containment of the sorted unique sets ``x`` and ``y`` (a merge)."""
    i, i_end, j, j_end = offsets[x], offsets[x + 1], offsets[y], offsets[y + 1]
    size_x, size_y = i_end - i, j_end - j
    if size_x == 0 or size_y == 0:
        return 0.0, 0.0
    inter = 0
    while i < i_end and j < j_end:
        if flat[i] == flat[j]:
            inter += 1
            i += 1
            j += 1
        elif flat[i] < flat[j]:
            i += 1
        else:
            j += 1
    return inter / (size_x + size_y - inter), inter / min(size_x, size_y)


@njit(cache=True, inline="always")
def _root(parent: np.ndarray, x: int) -> int:
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


@njit(cache=True, nogil=True)
def overlaps(
    flat: np.ndarray, offsets: np.ndarray, a: np.ndarray, b: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Exact ``(jaccard, containment)`` of each pair of sets ``(a[i], b[i])``."""
    jaccard = np.empty(a.size, dtype=np.float64)
    containment = np.empty(a.size, dtype=np.float64)
    for p in range(a.size):
        jaccard[p], containment[p] = _overlap(flat, offsets, a[p], b[p])
    return jaccard, containment


@njit(cache=True, nogil=True)
def verify_pairs(
    flat: np.ndarray,
    offsets: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    ranks: np.ndarray,
    jaccard_threshold: float,
    containment_threshold: float,
    min_jaccard: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int, int]:
    """Candidate pairs (in the given order) verified exactly, then every member of each
    resulting cluster measured against its best-ranked member; see
    :func:`tasks.dedup_link._verify_batch`. A pair whose two sets are already connected is
    skipped. Returns ``(a, b, jaccard, containment, accepted, verified)``: the first
    ``accepted`` rows are the accepted candidate pairs, the rest the cluster measurements."""
    n = offsets.size - 1
    parent = np.arange(n)
    out_a = np.empty(a.size + n, dtype=np.int64)
    out_b = np.empty(a.size + n, dtype=np.int64)
    out_j = np.empty(a.size + n, dtype=np.float64)
    out_c = np.empty(a.size + n, dtype=np.float64)
    m, verified = 0, 0
    for p in range(a.size):
        x, y = a[p], b[p]
        rx, ry = _root(parent, x), _root(parent, y)
        if rx == ry:
            continue
        verified += 1
        jac, con = _overlap(flat, offsets, x, y)
        if jac >= jaccard_threshold or (con >= containment_threshold and jac >= min_jaccard):
            parent[max(rx, ry)] = min(rx, ry)
            out_a[m], out_b[m], out_j[m], out_c[m] = x, y, jac, con
            m += 1
    accepted = m
    best = np.full(n, -1, dtype=np.int64)
    for i in range(n):
        r = _root(parent, i)
        if best[r] < 0 or ranks[i] < ranks[best[r]]:
            best[r] = i
    for i in range(n):
        keep = best[_root(parent, i)]
        if keep != i:
            jac, con = _overlap(flat, offsets, i, keep)
            out_a[m], out_b[m], out_j[m], out_c[m] = i, keep, jac, con
            m += 1
    return out_a[:m], out_b[:m], out_j[:m], out_c[:m], accepted, verified


@njit(cache=True, nogil=True)
def union_pairs(parent: np.ndarray, a: np.ndarray, b: np.ndarray) -> None:
    """Union-find: join ``a[i]`` and ``b[i]`` for every ``i`` (roots are the minima)."""
    for p in range(a.size):
        ra, rb = _root(parent, a[p]), _root(parent, b[p])
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)


@njit(cache=True, nogil=True)
def roots(parent: np.ndarray) -> np.ndarray:
    """Union-find: the root of every node."""
    out = np.empty(parent.size, dtype=np.int64)
    for i in range(parent.size):
        out[i] = _root(parent, i)
    return out


@njit(cache=True, nogil=True)
def band_keys(matrix: np.ndarray, rows_of: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """One uint64 per row ``rows_of[i]`` of ``matrix[:, lo:hi]`` (uint32 cells): the first cell,
    then ``mix64(key * GOLDEN + cell)`` per further cell, then ``mix64``."""
    out = np.empty(rows_of.size, dtype=np.uint64)
    for i in range(rows_of.size):
        row = rows_of[i]
        key = _U64(matrix[row, lo])
        for c in range(lo + 1, hi):
            key = _mix64(key * GOLDEN + _U64(matrix[row, c]))
        out[i] = _mix64(key)
    return out


@njit(cache=True, nogil=True)
def row_keys(flat: np.ndarray, bounds: np.ndarray, lo: int, hi: int, hash_bits: int) -> np.ndarray:
    """Sort keys of the shingles of texts ``lo..hi-1``: the row (from 0) above the top
    ``hash_bits`` bits of each hash, so one sort groups by text and orders each text's set."""
    out = np.empty(bounds[hi] - bounds[lo], dtype=np.uint64)
    shift, drop = _U64(hash_bits), _U64(64 - hash_bits)
    m = 0
    for row in range(hi - lo):
        tag = _U64(row) << shift
        for s in range(bounds[lo + row], bounds[lo + row + 1]):
            out[m] = tag | (flat[s] >> drop)
            m += 1
    return out


@njit(cache=True, nogil=True)
def split_rows(keys: np.ndarray, rows: int, hash_bits: int) -> tuple[np.ndarray, np.ndarray]:
    """Sorted :func:`row_keys` back to ``(distinct hashes, per-row counts)``."""
    out = np.empty(keys.size, dtype=np.uint64)
    counts = np.zeros(rows, dtype=np.int64)
    shift = _U64(hash_bits)
    mask = (_ONE << shift) - _ONE
    m = 0
    for i in range(keys.size):
        if i and keys[i] == keys[i - 1]:
            continue
        out[m] = keys[i] & mask
        counts[np.int64(keys[i] >> shift)] += 1
        m += 1
    return out[:m].copy(), counts


@njit(cache=True, inline="always")
def _paragraph_key(
    cps: np.ndarray,
    lo: int,
    hi: int,
    seed: np.uint64,
    space: np.ndarray,
    word: np.ndarray,
    limit: int,
) -> tuple[np.uint64, int]:
    """Hash (0 when empty) and ``\\w+`` word count of ``" ".join(cps[lo:hi].split())``; at
    the ``limit``-th word (0: none) the rest is skipped: ``(0, limit)``.

    The seed is mixed before the first code point is added: added as it is, seeds 0 and 1
    gave "." and "-" one hash (a test found it)."""
    h, length, words = _mix64(seed ^ GOLDEN), 0, 0
    started, pending, in_word = False, False, False
    for p in range(lo, hi):
        cp = np.int64(cps[p])
        if word[cp]:
            if not in_word:
                words += 1
                if words == limit:
                    return _ZERO, words
            in_word = True
        else:
            in_word = False
        if space[cp]:
            pending = started
            continue
        if pending:
            h = _mix64(h + _U64(33))  # the one space, as code point 32 (plus one)
            length += 1
            pending = False
        started = True
        h = _mix64(h + _U64(cp) + _ONE)
        length += 1
    if length == 0:
        return _ZERO, words
    h = _mix64(h ^ (_U64(length) * GOLDEN))
    return (h if h != _ZERO else _ONE), words


@njit(cache=True, nogil=True)
def paragraph_keys(
    buf: np.ndarray,
    offsets: np.ndarray,
    seeds: np.ndarray,
    fold: np.ndarray,
    expansions: np.ndarray,
    space: np.ndarray,
    word: np.ndarray,
    max_words: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(hashes, words, counts)`` of the paragraphs (``text.split("\\n\\n")``, none for an
    empty text) of each UTF-8 text: per paragraph a hash of ``seeds[i]`` and its casefolded,
    whitespace-collapsed key (0 for an empty key) and the key's word count; per text the
    number of paragraphs. Casefolding never makes or removes a newline, so splitting the
    folded text splits the text. A paragraph of more than ``max_words`` words (when it is
    not negative) gets hash 0 and the count ``max_words + 1``, the rest of it unhashed."""
    limit = max_words + 1 if max_words >= 0 else 0
    n = offsets.size - 1
    hashes = np.empty(8 * n + 16, dtype=np.uint64)
    words = np.empty(8 * n + 16, dtype=np.int64)
    counts = np.zeros(n, dtype=np.int64)
    cps = np.empty(3 * _widest(offsets) + 1, dtype=np.uint32)
    m = 0
    for i in range(n):
        size = _folded(buf, offsets[i], offsets[i + 1], fold, expansions, cps)
        start = 0
        while size:
            end = start
            while end < size and not (cps[end] == 10 and end + 1 < size and cps[end + 1] == 10):
                end += 1
            hashes = _room(hashes, m, 1)
            words = _room(words, m, 1)
            hashes[m], words[m] = _paragraph_key(cps, start, end, seeds[i], space, word, limit)
            m += 1
            counts[i] += 1
            if end >= size:
                break
            start = end + 2
    return hashes[:m].copy(), words[:m].copy(), counts


@njit(cache=True, nogil=True)
def script_tally(codes: np.ndarray, table: np.ndarray, n_ids: int) -> tuple[np.ndarray, int]:
    """Code points per script id (``table``: the id of each code point below its size, 0 for
    none) and how many code points lie beyond the table (the caller names those)."""
    tally = np.zeros(n_ids, dtype=np.int64)
    beyond = 0
    size = table.size
    for i in range(codes.size):
        code = codes[i]
        if code < size:
            tally[table[code]] += 1
        else:
            beyond += 1
    return tally, beyond


@njit(cache=True, nogil=True)
def count_runs(codes: np.ndarray, table: np.ndarray) -> int:
    """How many maximal runs of code points marked in ``table`` the code points hold."""
    runs = 0
    inside = False
    for i in range(codes.size):
        marked = table[codes[i]]
        if marked and not inside:
            runs += 1
        inside = marked
    return runs


@njit(cache=True, inline="always")
def _text_shingles(hashes: np.ndarray, first: int, count: int, k: int, out: np.ndarray) -> int:
    """The ``k``-word shingles of one text's words (as :func:`shingles`) into ``out``.

    The position weights ``(2j + 1) * GOLDEN`` (:func:`_factor`, odd already) are linear in
    ``j``, so the weighted sum is ``GOLDEN * (S0 + 2 * S1)`` with ``S0`` the sum of the
    ``k`` word hashes and ``S1`` the sum of ``j`` times each, and both roll from one shingle to
    the next: the same values (wrapping arithmetic is exact) with a few operations per shingle
    instead of ``k`` products (20 for a passage)."""
    m = max(count - k + 1, 0)
    if m == 0:
        return 0
    tag_k = _U64(k) * GOLDEN
    k_u, two = _U64(k), _U64(2)
    s0, s1 = _ZERO, _ZERO
    for j in range(k):
        h = hashes[first + j]
        s0 += h
        s1 += _U64(j) * h
    out[0] = _mix64((GOLDEN * (s0 + two * s1)) ^ tag_k)
    for s in range(1, m):
        entering = hashes[first + s - 1 + k]
        s0 = s0 - hashes[first + s - 1] + entering
        s1 = s1 + k_u * entering - s0
        out[s] = _mix64((GOLDEN * (s0 + two * s1)) ^ tag_k)
    return m


@njit(cache=True, inline="always")
def _window_minima(
    values: np.ndarray, size: int, w: int, left: np.ndarray, right: np.ndarray, out: np.ndarray
) -> int:
    """``out[j] = min(values[j : j + w])`` for every window inside ``values[:size]``; returns
    their number. Van Herk / Gil-Werman: minima from each block of ``w`` start forwards
    (``left``) and from each block end backwards (``right``); a window spans at most two
    blocks, so its minimum is ``min(right[j], left[j + w - 1])``: three comparisons a value
    whatever ``w`` (was ``w - 1``)."""
    windows = size - w + 1
    if windows <= 0:
        return 0
    at = 0  # where the current block starts
    for i in range(size):
        if i == at + w:
            at = i
        if i == at or values[i] < left[i - 1]:
            left[i] = values[i]
        else:
            left[i] = left[i - 1]
    for i in range(size - 1, -1, -1):
        if i == size - 1 or i - at == w - 1 or values[i] < right[i + 1]:
            right[i] = values[i]
        else:
            right[i] = right[i + 1]
        if i == at:  # the block ending at i - 1 is next
            at -= w
    for j in range(windows):
        a, b = right[j], left[j + w - 1]
        out[j] = a if a < b else b
    return windows


@njit(cache=True, nogil=True)
def text_anchors(
    hashes: np.ndarray, counts: np.ndarray, passage_words: int, anchor_words: int, shift: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per text, its winnowed anchors sorted and distinct: the minimum of every window of
    ``passage_words - anchor_words + 1`` consecutive ``anchor_words``-word shingles, shifted
    right by ``shift`` bits. ``(flat, per_text)``; a text too short for a window has none."""
    n = counts.size
    w = passage_words - anchor_words + 1
    widest = 0
    for i in range(n):
        widest = max(widest, counts[i])
    short = np.empty(widest + 1, dtype=np.uint64)
    left = np.empty(widest + 1, dtype=np.uint64)
    right = np.empty(widest + 1, dtype=np.uint64)
    minima = np.empty(widest + 1, dtype=np.uint64)
    out = np.empty(hashes.size + 16, dtype=np.uint64)
    per_text = np.zeros(n, dtype=np.int64)
    m, first = 0, 0
    shift_u = _U64(shift)
    for i in range(n):
        s = _text_shingles(hashes, first, counts[i], anchor_words, short)
        first += counts[i]
        windows = _window_minima(short, s, w, left, right, minima)
        if windows <= 0:
            continue
        # Neighbouring windows mostly share their minimum: sort one value per run of them.
        runs, previous = 0, _ZERO
        for j in range(windows):
            value = minima[j]
            if j == 0 or value != previous:
                minima[runs] = value >> shift_u
                runs += 1
            previous = value
        values = minima[:runs]
        values.sort()
        for j in range(runs):
            if j == 0 or values[j] != values[j - 1]:
                out[m] = values[j]
                m += 1
                per_text[i] += 1
    return out[:m].copy(), per_text


@njit(cache=True, nogil=True)
def text_passages(
    hashes: np.ndarray, counts: np.ndarray, passage_words: int, anchor_words: int, shift: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(hashes, anchors, owner)``: per text (``owner``, in order) its distinct
    ``passage_words``-word shingles in value order, each with the anchor of its first
    occurrence (the minimum of the ``anchor_words``-word shingles it spans, shifted right by
    ``shift`` bits)."""
    n = counts.size
    w = passage_words - anchor_words + 1
    widest = 0
    for i in range(n):
        widest = max(widest, counts[i])
    short = np.empty(widest + 1, dtype=np.uint64)
    long = np.empty(widest + 1, dtype=np.uint64)
    left = np.empty(widest + 1, dtype=np.uint64)
    right = np.empty(widest + 1, dtype=np.uint64)
    minima = np.empty(widest + 1, dtype=np.uint64)
    size = hashes.size + 16  # at most one passage a word
    out_hash = np.empty(size, dtype=np.uint64)
    out_anchor = np.empty(size, dtype=np.uint64)
    out_owner = np.empty(size, dtype=np.int64)
    m, first = 0, 0
    shift_u = _U64(shift)
    for i in range(n):
        s = _text_shingles(hashes, first, counts[i], anchor_words, short)
        p = _text_shingles(hashes, first, counts[i], passage_words, long)
        first += counts[i]
        if p == 0 or s < w:
            continue
        _window_minima(short, s, w, left, right, minima)  # passage j spans window j
        order = np.argsort(long[:p])
        q = 0
        while q < p:  # one passage per run of equal hashes, with its first occurrence's anchor
            j = order[q]
            earliest = j
            r = q + 1
            while r < p and long[order[r]] == long[j]:
                earliest = min(earliest, order[r])
                r += 1
            out_hash[m] = long[j]
            out_anchor[m] = minima[earliest] >> shift_u
            out_owner[m] = i
            m += 1
            q = r
    return out_hash[:m].copy(), out_anchor[:m].copy(), out_owner[:m].copy()


@njit(cache=True, inline="always")
def _shingle_at(hashes: np.ndarray, at: int, k: int) -> np.uint64:
    """The ``k``-word shingle starting at word ``at`` (the value :func:`shingles` gives)."""
    acc = _ZERO
    for j in range(k):
        acc += hashes[at + j] * _factor(j)
    return _mix64(acc ^ (_U64(k) * GOLDEN))


@njit(cache=True, inline="always")
def _member(value: np.uint64, table: np.ndarray, mask: np.uint64, values: np.ndarray) -> bool:
    """Whether ``value`` is among the sorted ``values``; ``table[v & mask]`` is true for each
    of them, which rules out most other values with one lookup."""
    if not table[value & mask]:
        return False
    where = np.searchsorted(values, value)
    return where < values.size and values[where] == value


@njit(cache=True, nogil=True)
def text_usable_passages(
    hashes: np.ndarray,
    counts: np.ndarray,
    passage_words: int,
    anchor_words: int,
    shift: int,
    table: np.ndarray,
    mask: np.uint64,
    usable: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """``(hashes, owner)``: per text (``owner``, in order) its distinct ``passage_words``-word
    shingles in value order whose anchor (as :func:`text_passages`) is among the sorted
    ``usable`` anchors (``table``, ``mask``: see :func:`_member`).

    :func:`text_passages` filtered, without the passages no one keeps: a passage's anchor is
    the minimum of the anchor shingles inside its own words, so all occurrences of a passage
    have one anchor; windows are checked first (one lookup per run of windows sharing their
    minimum) and only the passages of usable windows are hashed and sorted.
    """
    n = counts.size
    w = passage_words - anchor_words + 1
    widest = 0
    for i in range(n):
        widest = max(widest, counts[i])
    short = np.empty(widest + 1, dtype=np.uint64)
    left = np.empty(widest + 1, dtype=np.uint64)
    right = np.empty(widest + 1, dtype=np.uint64)
    minima = np.empty(widest + 1, dtype=np.uint64)
    picked = np.empty(widest + 1, dtype=np.uint64)
    out_hash = np.empty(hashes.size + 16, dtype=np.uint64)
    out_owner = np.empty(hashes.size + 16, dtype=np.int64)
    m, first = 0, 0
    shift_u = _U64(shift)
    for i in range(n):
        s = _text_shingles(hashes, first, counts[i], anchor_words, short)
        p = max(counts[i] - passage_words + 1, 0)
        if p > 0 and s >= w:
            _window_minima(short, s, w, left, right, minima)  # passage j spans window j
            k, previous, usable_here = 0, _ZERO, False
            for j in range(p):
                value = minima[j]
                if j == 0 or value != previous:
                    usable_here = _member(value >> shift_u, table, mask, usable)
                    previous = value
                if usable_here:
                    picked[k] = _shingle_at(hashes, first + j, passage_words)
                    k += 1
            values = picked[:k]
            values.sort()
            for j in range(k):
                if j == 0 or values[j] != values[j - 1]:
                    out_hash[m] = values[j]
                    out_owner[m] = i
                    m += 1
        first += counts[i]
    return out_hash[:m].copy(), out_owner[:m].copy()
