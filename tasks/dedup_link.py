"""Verification of candidate pairs and the union-find that turns accepted pairs into clusters.

Candidates come from LSH (:mod:`tasks.lsh`). Every candidate is first screened by its
signature estimate (vectorised over all pairs); then either the estimate decides
(``verify="estimate"``) or the real shingle-set Jaccard and containment do, computed from the
texts in batches. Exact verification goes through the pairs most similar first, in chunks, and
skips a pair whose two documents are already connected: it cannot change the components, so a
big cluster costs about one verification per member rather than one per pair. The components
are those of the graph of accepted candidate pairs, whatever the processing order.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from tasks import minhash

if TYPE_CHECKING:
    from tasks.dedup import DedupConfig, Signatures

_PAIR_CHUNK = 4096  # pairs verified per batch of shingle sets
_ESTIMATE_CHUNK = 1 << 16  # pairs compared per numpy block
_MAX_CACHED_SETS = 1 << 15  # shingle sets kept between batches (about 1.6 KB each)


class UnionFind:
    """Plain union-find over 0..n-1 (a local object, no module state); roots are minima."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, x: int) -> int:
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


class ShingleSets:
    """Exact shingle sets of some texts, computed in batches on demand, with a bounded cache."""

    def __init__(self, texts: Sequence[str], k: int, counts: np.ndarray) -> None:
        self.texts, self.k, self.counts = texts, k, counts
        self.sets: dict[int, np.ndarray] = {}
        self.measured: dict[tuple[int, int], tuple[float, float]] = {}  # accepted pairs

    def load(self, docs: Iterable[int]) -> None:
        wanted = set(docs)
        missing = sorted(wanted - self.sets.keys())
        if not missing:
            return
        if len(self.sets) + len(missing) > _MAX_CACHED_SETS:
            self.sets.clear()
            missing = sorted(wanted)
        computed = minhash.shingle_sets([self.texts[i] for i in missing], self.k)
        for i, shingles in zip(missing, computed, strict=True):
            if shingles.size != self.counts[i]:
                raise ValueError(f"texts[{i}] does not match its signature (different shingles)")
            self.sets[i] = shingles

    def measure(self, a: int, b: int) -> tuple[float, float]:
        """Jaccard and containment of two documents (both must be loaded)."""
        return minhash.jaccard_containment(self.sets[a], self.sets[b])


def is_near(cfg: DedupConfig, jaccard: Any, containment: Any) -> Any:
    """The decision rule (see :mod:`tasks.dedup` for why); scalars or numpy arrays."""
    return (jaccard >= cfg.jaccard_threshold) | (
        (containment >= cfg.containment_threshold) & (jaccard >= cfg.min_jaccard_for_containment)
    )


def estimate(rows_a: np.ndarray, rows_b: np.ndarray) -> np.ndarray:
    """Jaccard estimates of row pairs of two signature matrices (same shape), in blocks."""
    out = np.empty(rows_a.shape[0], dtype=np.float64)
    width = rows_a.shape[1] if rows_a.ndim == 2 else 1
    for lo in range(0, rows_a.shape[0], _ESTIMATE_CHUNK):
        hi = lo + _ESTIMATE_CHUNK
        out[lo:hi] = np.count_nonzero(rows_a[lo:hi] == rows_b[lo:hi], axis=1) / width
    return out


def estimate_pairs(matrix: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Jaccard estimates of pairs of rows of one matrix, without copying more than a block."""
    out = np.empty(a.size, dtype=np.float64)
    for lo in range(0, a.size, _ESTIMATE_CHUNK):
        hi = lo + _ESTIMATE_CHUNK
        out[lo:hi] = estimate(matrix[a[lo:hi]], matrix[b[lo:hi]])
    return out


def _group_pairs(
    matrix: np.ndarray, members: np.ndarray, min_jaccard: float
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs ``a < b`` of a big LSH group whose estimate is ``>= min_jaccard``, block-wise."""
    sub = matrix[members]
    m, num_perm = sub.shape
    step = max(1, (1 << 22) // (m * num_perm))
    found_a, found_b = [], []
    for lo in range(0, m - 1, step):
        block = sub[lo : lo + step]
        est = np.count_nonzero(block[:, None, :] == sub[None, :, :], axis=2) / num_perm
        rows, cols = np.nonzero(est >= min_jaccard)
        upper = cols > rows + lo
        found_a.append(members[rows[upper] + lo])
        found_b.append(members[cols[upper]])
    return np.concatenate(found_a), np.concatenate(found_b)


def link_candidates(
    a: np.ndarray,
    b: np.ndarray,
    big_groups: Sequence[tuple[int, ...]],
    uf: UnionFind,
    signatures: Signatures,
    cfg: DedupConfig,
    exact_sets: ShingleSets | None,
) -> int:
    """Union every accepted candidate pair; returns how many pairs were verified exactly.

    Exact mode screens out pairs whose estimate is more than five standard errors
    (2.5 / sqrt(num_perm)) below the lowest Jaccard the rule accepts: a true pair is lost with
    probability < 1e-6.
    """
    floor = min(cfg.jaccard_threshold, cfg.min_jaccard_for_containment)
    if exact_sets is not None:
        floor -= 2.5 / math.sqrt(cfg.num_perm)
    matrix, counts = signatures.matrix, signatures.shingle_counts
    extra_a, extra_b = [a], [b]
    for group in big_groups:
        members = np.asarray(group, dtype=np.int64)
        ga, gb = _group_pairs(matrix, members, floor)
        extra_a.append(ga)
        extra_b.append(gb)
    if len(extra_a) > 1:
        keys = np.unique(
            np.concatenate(extra_a).astype(np.uint64) * np.uint64(len(counts))
            + np.concatenate(extra_b).astype(np.uint64)
        )
        a = (keys // np.uint64(len(counts))).astype(np.int64)
        b = (keys % np.uint64(len(counts))).astype(np.int64)
    jaccard = estimate_pairs(matrix, a, b)
    screened = jaccard >= floor
    a, b, jaccard = a[screened], b[screened], jaccard[screened]
    if exact_sets is None:
        containment = minhash.containment_from_jaccard(jaccard, counts[a], counts[b])
        near = is_near(cfg, jaccard, containment)
        for x, y in zip(a[near].tolist(), b[near].tolist(), strict=True):
            uf.union(x, y)
        return 0
    order = np.lexsort((b, a, -jaccard))
    a, b = a[order].tolist(), b[order].tolist()
    verified = 0
    for lo in range(0, len(a), _PAIR_CHUNK):
        todo = [
            (x, y)
            for x, y in zip(a[lo : lo + _PAIR_CHUNK], b[lo : lo + _PAIR_CHUNK], strict=True)
            if uf.find(x) != uf.find(y)
        ]
        exact_sets.load([d for pair in todo for d in pair])
        for x, y in todo:
            if uf.find(x) == uf.find(y):
                continue
            verified += 1
            measured = exact_sets.measure(x, y)
            if is_near(cfg, *measured):
                uf.union(x, y)
                exact_sets.measured[(x, y)] = measured
    return verified


def measure_pairs(
    signatures: Signatures, exact_sets: ShingleSets | None, a: Sequence[int], b: Sequence[int]
) -> list[tuple[float, float]]:
    """(jaccard, containment) of each pair: exact when texts are at hand, else estimated."""
    if exact_sets is None:
        counts = signatures.shingle_counts
        ia, ib = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
        jaccard = estimate_pairs(signatures.matrix, ia, ib)
        containment = minhash.containment_from_jaccard(jaccard, counts[ia], counts[ib])
        return list(zip(jaccard.tolist(), np.asarray(containment).tolist(), strict=True))
    known = exact_sets.measured
    out = []
    for lo in range(0, len(a), _PAIR_CHUNK):
        chunk = list(zip(a[lo : lo + _PAIR_CHUNK], b[lo : lo + _PAIR_CHUNK], strict=True))
        todo = [(x, y) for x, y in chunk if (min(x, y), max(x, y)) not in known]
        exact_sets.load([d for pair in todo for d in pair])
        for x, y in chunk:
            pair = (min(x, y), max(x, y))
            out.append(known[pair] if pair in known else exact_sets.measure(x, y))
    return out


def link_earlier(
    new_rows: np.ndarray,
    earlier_rows: np.ndarray,
    signatures: Signatures,
    earlier: Signatures,
    cfg: DedupConfig,
    uf: UnionFind,
    offset: int,
) -> None:
    """Union new documents with the earlier articles they copy (node ``offset + row``).

    Earlier texts are not kept, so the rule is applied to the signature estimate; equal exact
    hashes always link.
    """
    if new_rows.size == 0:
        return
    exact = np.all(signatures.exact_hashes[new_rows] == earlier.exact_hashes[earlier_rows], axis=1)
    jaccard = np.empty(new_rows.size, dtype=np.float64)
    for lo in range(0, new_rows.size, _ESTIMATE_CHUNK):
        hi = lo + _ESTIMATE_CHUNK
        jaccard[lo:hi] = estimate(
            signatures.matrix[new_rows[lo:hi]], earlier.matrix[earlier_rows[lo:hi]]
        )
    size_new = signatures.shingle_counts[new_rows]
    size_old = earlier.shingle_counts[earlier_rows]
    containment = minhash.containment_from_jaccard(
        jaccard, np.maximum(size_new, 1), np.maximum(size_old, 1)
    )
    usable = (size_new > 0) & (size_old > 0)
    accepted = exact | (usable & is_near(cfg, jaccard, containment))
    for x, y in zip(new_rows[accepted].tolist(), earlier_rows[accepted].tolist(), strict=True):
        uf.union(x, offset + y)
