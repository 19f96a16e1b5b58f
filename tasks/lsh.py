"""LSH banding: candidate pairs from MinHash signatures, vectorised, one band at a time.

A band is ``rows`` consecutive signature values; two documents are candidates when they agree
on all values of at least one band. Each band's values are folded into one uint64 *band key*
(the same function for this run's documents and for the band keys stored in the dedup index,
so both can be joined), and equal keys are found by sorting. Memory stays O(n) per band: the
matrix is never copied whole and pairs are deduplicated as bands accumulate.

A key collision between different band values only adds a candidate, which verification then
rejects. Groups larger than ``big_group`` (a wire story copied hundreds of times) are returned
as groups rather than expanded into all their pairs per band; the caller compares their
members block-wise.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from tasks import kernels
from tasks.threads import ordered_map

_DEDUP_EVERY = 1 << 22  # pending pair keys before they are deduplicated


def band_keys(cells: np.ndarray) -> np.ndarray:
    """One uint64 per row of ``cells`` (the ``(n, rows)`` uint32 values of one band)."""
    cells = np.ascontiguousarray(cells, dtype=np.uint32)
    return kernels.band_keys(cells, np.arange(cells.shape[0]), 0, cells.shape[1])


def all_band_keys(matrix: np.ndarray, bands: int) -> np.ndarray:
    """``(n, bands)`` uint64 band keys of every row (what the dedup index stores)."""
    rows = matrix.shape[1] // bands
    out = np.empty((matrix.shape[0], bands), dtype=np.uint64)
    every = np.arange(matrix.shape[0])
    for band in range(bands):
        out[:, band] = kernels.band_keys(matrix, every, band * rows, (band + 1) * rows)
    return out


def _groups(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Positions of ``keys`` grouped by key, and the [start, end) of each run of >= 2 equal
    keys. The position is packed into the key's low bits so one plain sort (several times
    faster than an argsort) groups them; keys agreeing on their remaining high bits only
    make extra candidates, which verification rejects."""
    bits = np.uint64(max(1, int(keys.size - 1).bit_length()))
    low = (np.uint64(1) << bits) - np.uint64(1)
    packed = (keys & ~low) | np.arange(keys.size, dtype=np.uint64)
    packed.sort()
    order = (packed & low).astype(np.int64)
    high = packed >> bits
    boundaries = np.flatnonzero(high[1:] != high[:-1]) + 1
    starts = np.concatenate(([0], boundaries))
    ends = np.concatenate((boundaries, [keys.size]))
    shared = ends - starts > 1
    return order, starts[shared], ends[shared]


class PairSet:
    """Pairs ``(a, b)`` with ``b < width``, encoded ``a * width + b``, deduplicated lazily.

    ``pairs()`` returns them sorted by ``a`` then ``b``, each once.
    """

    def __init__(self, width: int) -> None:
        self.n = np.uint64(max(width, 1))
        self.done = np.empty(0, dtype=np.uint64)
        self.pending: list[np.ndarray] = []
        self.size = 0
        self.runs = True  # every pending array is sorted and distinct

    def encode(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """The keys of pairs ``(a, b)`` (for :meth:`add_sorted`)."""
        return a.astype(np.uint64) * self.n + b.astype(np.uint64)

    def add(self, a: np.ndarray, b: np.ndarray) -> None:
        self._pend(self.encode(a, b), False)

    def add_sorted(self, keys: np.ndarray) -> None:
        """Add pairs already encoded, sorted and distinct (:func:`sorted_unique` of
        :meth:`encode`, done in a worker thread): compacting then only merges sorted runs."""
        self._pend(keys, True)

    def _pend(self, keys: np.ndarray, runs: bool) -> None:
        self.pending.append(keys)
        self.runs = self.runs and runs
        self.size += keys.size
        if self.size > _DEDUP_EVERY:
            self._compact()

    def _compact(self) -> None:
        joined = np.concatenate([self.done, *self.pending])
        if self.runs:  # timsort merges the sorted runs (~6x a quicksort of the same values)
            joined.sort(kind="stable")
            self.done = joined[np.concatenate(([True], joined[1:] != joined[:-1]))[: joined.size]]
        else:
            self.done = sorted_unique(joined)
        self.pending, self.size, self.runs = [], 0, True

    def pairs(self) -> tuple[np.ndarray, np.ndarray]:
        self._compact()
        return (self.done // self.n).astype(np.int64), (self.done % self.n).astype(np.int64)


def add_group_pairs(
    pairs: PairSet, owners: np.ndarray, starts: np.ndarray, ends: np.ndarray, new: int
) -> None:
    """Add to ``pairs`` every ``(owners[i], owners[j])``, ``i < j`` inside one group
    ``[starts[g], ends[g])`` whose owners ascend, with ``owners[i] < new`` and distinct owners
    (pairs of two "old" owners, ``>= new``, are left out)."""
    for a, b in group_pairs(owners, starts, ends, new):
        pairs.add(a, b)


def group_pairs(
    owners: np.ndarray, starts: np.ndarray, ends: np.ndarray, new: int
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """The pairs :func:`add_group_pairs` adds, as arrays ``(a, b)`` (for work in threads)."""
    for first, second in position_pairs(starts, ends):
        a, b = owners[first], owners[second]
        take = (a < new) & (a != b)
        yield a[take], b[take]


def position_pairs(starts: np.ndarray, ends: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Positions ``(i, i + d)`` of every pair inside one group ``[starts[g], ends[g])``, one
    array pair per distance ``d = 1, 2, ...`` (never empty)."""
    positions = np.repeat(starts, ends - starts) + ranges(ends - starts)
    group_end = np.repeat(ends, ends - starts)
    d = 1
    while positions.size:
        ok = positions + d < group_end
        positions, group_end = positions[ok], group_end[ok]
        if positions.size:
            yield positions, positions + d
        d += 1


class Membership:
    """Which queries are among some sorted uint64 values (hashes, so their low bits are
    uniform). Most passages' anchors are held by one article only, so a table of the values'
    low bits rules out most queries with one lookup; a binary search settles the rest (a
    binary search for every query was ~100 ns each, for ~250 queries an article)."""

    def __init__(self, sorted_values: np.ndarray) -> None:
        bits = int(np.clip(np.ceil(np.log2(max(sorted_values.size, 1) * 16)), 16, 26))
        self.mask = np.uint64((1 << bits) - 1)
        self.values = sorted_values
        self.table = np.zeros(1 << bits, dtype=bool)
        self.table[sorted_values & self.mask] = True

    def __call__(self, queries: np.ndarray) -> np.ndarray:
        found = self.table[queries & self.mask]
        maybe = np.flatnonzero(found)
        if self.values.size and maybe.size:
            asked = queries[maybe]
            where = np.minimum(np.searchsorted(self.values, asked), self.values.size - 1)
            found[maybe] = self.values[where] == asked
        return found


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """``np.unique`` by sorting (numpy 2's hash-based unique is several times slower here)."""
    values = np.sort(values)
    if values.size:
        values = values[np.concatenate(([True], values[1:] != values[:-1]))]
    return values


def candidate_pairs(
    matrix: np.ndarray, rows_of: np.ndarray, bands: int, big_group: int = 64, workers: int = 1
) -> tuple[np.ndarray, np.ndarray, list[tuple[int, ...]]]:
    """Candidate pairs among the given rows of ``matrix``, plus the groups too big to expand.

    Returns ``(a, b, big)``: int64 row numbers with ``a < b``, sorted and unique, and the
    distinct sorted groups of more than ``big_group`` rows sharing a band. ``workers``: threads
    grouping bands (the compiled band keys and numpy's sort run without the GIL; the result is
    a sorted set, the same whatever the order).
    """
    pairs = PairSet(matrix.shape[0])
    big: set[tuple[int, ...]] = set()
    if rows_of.size < 2:
        a, b = pairs.pairs()
        return a, b, []
    rows = matrix.shape[1] // bands

    def band_pairs(band: int) -> tuple[list[tuple[np.ndarray, np.ndarray]], list[tuple[int, ...]]]:
        keys = kernels.band_keys(matrix, rows_of, band * rows, (band + 1) * rows)
        order, starts, ends = _groups(keys)
        small = ends - starts <= big_group
        groups = [
            tuple(sorted(rows_of[order[lo:hi]].tolist()))
            for lo, hi in zip(starts[~small].tolist(), ends[~small].tolist(), strict=True)
        ]
        members = rows_of[order]
        found = []
        for first, second in position_pairs(starts[small], ends[small]):
            a, b = members[first], members[second]
            found.append((np.minimum(a, b), np.maximum(a, b)))
        return found, groups

    for found, groups in ordered_map(band_pairs, range(bands), workers):
        big.update(groups)
        for a, b in found:
            pairs.add(a, b)
    a, b = pairs.pairs()
    return a, b, sorted(big)


def ranges(lengths: np.ndarray) -> np.ndarray:
    """``[0..l0), [0..l1), ...`` concatenated."""
    total = int(lengths.sum())
    if total == 0:
        return np.empty(0, dtype=np.int64)
    starts = np.repeat(np.cumsum(lengths) - lengths, lengths)
    return np.arange(total, dtype=np.int64) - starts


def matches(new_keys: np.ndarray, old_keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All ``(i, j)`` with ``new_keys[i] == old_keys[j]`` (one band against stored keys)."""
    order = np.argsort(old_keys, kind="stable")
    ordered = old_keys[order]
    lo = np.searchsorted(ordered, new_keys, side="left")
    hi = np.searchsorted(ordered, new_keys, side="right")
    hits = hi > lo
    new_rows = np.flatnonzero(hits)
    counts = (hi - lo)[hits]
    i = np.repeat(new_rows, counts)
    j = order[np.repeat(lo[hits], counts) + ranges(counts)]
    return i.astype(np.int64), j.astype(np.int64)
