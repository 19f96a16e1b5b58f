"""Verification of candidate pairs and the union-find that turns accepted pairs into clusters.

Candidates come from LSH (:mod:`tasks.lsh`). Every candidate is first screened by its
signature estimate (vectorised over all pairs); then either the estimate decides
(``verify="estimate"``) or the real shingle-set Jaccard and containment do, computed from the
texts in batches. Exact verification goes through the pairs batch by batch (whole connected
components of the candidate graph, so each text is tokenised once), most similar first, and
skips a pair whose two documents are already connected: it cannot change the components, so a
big cluster costs about one verification per member rather than one per pair. The components
are those of the graph of accepted candidate pairs, whatever the processing order.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from tasks import kernels, lsh, minhash, textspill
from tasks.threads import ordered_map

if TYPE_CHECKING:
    from tasks.dedup import DedupConfig, Signatures

_BATCH_DOCS = 8192  # documents whose shingle sets are computed and held together
_ESTIMATE_CHUNK = 1 << 16  # pairs compared per numpy block


class UnionFind:
    """Union-find over 0..n-1 (a local object, no module state); roots are minima.

    The parents are one int64 array (8 bytes per node, not a Python int object each) and
    the bulk operations run compiled: :meth:`union_pairs`, :meth:`roots`.
    """

    def __init__(self, n: int) -> None:
        self.parent = np.arange(n, dtype=np.int64)

    def __len__(self) -> int:
        return int(self.parent.size)

    def find(self, x: int) -> int:
        parent = self.parent
        while parent[x] != x:
            x = int(parent[x])
        return x

    def union(self, a: int, b: int) -> None:
        self.union_pairs(np.array([a], dtype=np.int64), np.array([b], dtype=np.int64))

    def union_pairs(self, a: np.ndarray, b: np.ndarray) -> None:
        """Join ``a[i]`` and ``b[i]`` for every ``i``."""
        kernels.union_pairs(
            self.parent, np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
        )

    def roots(self) -> np.ndarray:
        """The root (smallest member) of every node's set."""
        return kernels.roots(self.parent)


def _verify_batch(
    job: tuple,
) -> tuple[list[int], list[int], list[tuple[float, float]], int, int]:
    """Verify one batch's candidate pairs (local document numbers, most similar first), then
    measure every member of each resulting cluster against the cluster's best-ranked document
    (the copy the policy will keep, unless an earlier run's article takes over).

    A batch holds whole components of the candidate graph, so a local union-find skips
    exactly the pairs the global one would: batches can run in any process, in any order.
    Returns the measured pairs (``a``, ``b``, measures) of which the first ``accepted`` are
    the accepted candidate pairs, ``accepted``, and how many candidate pairs were verified.
    """
    texts, counts, ranks, pair_a, pair_b, k, cfg = job
    flat, offsets = _sets(texts, counts, k)
    out_a, out_b, jaccard, containment, accepted, verified = kernels.verify_pairs(
        flat,
        offsets,
        np.asarray(pair_a, dtype=np.int64),
        np.asarray(pair_b, dtype=np.int64),
        np.asarray(ranks, dtype=np.int64),
        cfg.jaccard_threshold,
        cfg.containment_threshold,
        cfg.min_jaccard_for_containment,
    )
    measures = list(zip(jaccard.tolist(), containment.tolist(), strict=True))
    return out_a.tolist(), out_b.tolist(), measures, int(accepted), int(verified)


def _measure_batch(job: tuple) -> list[tuple[float, float]]:
    texts, counts, pair_a, pair_b, k = job
    flat, offsets = _sets(texts, counts, k)
    jaccard, containment = kernels.overlaps(
        flat, offsets, np.asarray(pair_a, dtype=np.int64), np.asarray(pair_b, dtype=np.int64)
    )
    return list(zip(jaccard.tolist(), containment.tolist(), strict=True))


def _sets(texts: Sequence[str], counts: list[int], k: int) -> tuple[np.ndarray, np.ndarray]:
    flat, offsets = minhash.shingle_hashes(texts, k)
    mismatch = np.flatnonzero(np.diff(offsets) != np.asarray(counts, dtype=np.int64))
    if mismatch.size:
        raise ValueError(f"a text does not match its signature (batch row {int(mismatch[0])})")
    return flat, offsets


class ExactVerifier:
    """Exact shingle-set verification from the texts, batch by batch, in worker threads when
    there are several batches: the work is compiled loops and numpy sorts, which release the
    GIL, so threads run in parallel without a process to start or texts to pickle."""

    def __init__(
        self,
        texts: Sequence[str],
        k: int,
        counts: np.ndarray,
        workers: int = 1,
        ranks: np.ndarray | None = None,
    ) -> None:
        self.texts, self.k, self.counts, self.workers = texts, k, counts, workers
        # Policy rank of each document (lowest is kept), so verification also measures every
        # dropped copy against its kept copy while the batch's shingle sets are at hand.
        self.ranks = ranks if ranks is not None else np.arange(len(counts))
        self.measured: dict[tuple[int, int], tuple[float, float]] = {}

    def _jobs(
        self, a: np.ndarray, b: np.ndarray, groups: list[np.ndarray]
    ) -> Iterator[tuple[np.ndarray, tuple]]:
        """``(docs, job)`` per batch; the job's first item, its texts, is read by :meth:`_map`
        in the worker thread."""
        for group in groups:
            ga, gb = a[group], b[group]
            docs = lsh.sorted_unique(np.concatenate((ga, gb)))
            local_a, local_b = np.searchsorted(docs, ga), np.searchsorted(docs, gb)
            yield docs, (None, self.counts[docs].tolist(), local_a.tolist(), local_b.tolist())

    def _verify_jobs(
        self, a: np.ndarray, b: np.ndarray, groups: list[np.ndarray]
    ) -> Iterator[tuple[np.ndarray, tuple]]:
        for docs, (texts, counts, local_a, local_b) in self._jobs(a, b, groups):
            yield docs, (texts, counts, self.ranks[docs].tolist(), local_a, local_b)

    def _map(
        self, fn: Callable, jobs: Iterator[tuple[np.ndarray, tuple]], count: int
    ) -> Iterator[tuple[np.ndarray, Any]]:
        """``(docs, fn(job))`` in job order, the job's texts read in the worker (``pread``
        runs without the GIL). Jobs are built lazily and at most two per worker are in flight,
        so memory holds a few batches, never all the texts."""
        workers = min(self.workers, count) if count > 1 else 1

        def run(item: tuple[np.ndarray, tuple]) -> tuple[np.ndarray, Any]:
            docs, (_, *job) = item
            return docs, fn((textspill.take(self.texts, docs), *job))

        return ordered_map(run, jobs, workers)

    def verify(
        self, a: np.ndarray, b: np.ndarray, jaccard: np.ndarray, cfg: DedupConfig, uf: UnionFind
    ) -> int:
        """Union the accepted pairs; returns how many candidate pairs were measured."""
        order = np.lexsort((b, a, -jaccard))
        a, b = a[order], b[order]
        groups = batches(a, b)
        jobs = ((docs, (*job, self.k, cfg)) for docs, job in self._verify_jobs(a, b, groups))
        verified = 0
        for docs, (out_a, out_b, measures, accepted, count) in self._map(
            _verify_batch, jobs, len(groups)
        ):
            verified += count
            xs, ys = docs[out_a], docs[out_b]
            uf.union_pairs(xs[:accepted], ys[:accepted])
            pairs = zip(np.minimum(xs, ys).tolist(), np.maximum(xs, ys).tolist(), strict=True)
            self.measured.update(zip(pairs, measures, strict=True))
        return verified

    def measure(self, a: Sequence[int], b: Sequence[int]) -> list[tuple[float, float]]:
        """(jaccard, containment) of each pair, reusing what verification measured."""
        pairs = [(min(x, y), max(x, y)) for x, y in zip(a, b, strict=True)]
        out: list[tuple[float, float] | None] = [self.measured.get(pair) for pair in pairs]
        todo = np.array([i for i, found in enumerate(out) if found is None], dtype=np.int64)
        if not todo.size:
            return out  # type: ignore[return-value]
        ta = np.array([pairs[i][0] for i in todo], dtype=np.int64)
        tb = np.array([pairs[i][1] for i in todo], dtype=np.int64)
        groups = batches(ta, tb)
        jobs = ((docs, (*job, self.k)) for docs, job in self._jobs(ta, tb, groups))
        results = self._map(_measure_batch, jobs, len(groups))
        for group, (_, measures) in zip(groups, results, strict=True):
            for i, measured in zip(todo[group].tolist(), measures, strict=True):
                out[i] = measured
        return out  # type: ignore[return-value]


def batches(a: np.ndarray, b: np.ndarray, limit: int | None = None) -> list[np.ndarray]:
    """Pair indices grouped by connected component of the pair graph, components packed into
    batches of about ``limit`` documents: each document's shingle set is computed once, and a
    batch's sets are all that is held (a component larger than ``limit`` is one batch)."""
    if not a.size:
        return []
    limit = limit or _BATCH_DOCS
    nodes, inverse = np.unique(np.concatenate((a, b)), return_inverse=True)
    ia, ib = inverse[: a.size], inverse[a.size :]
    uf = UnionFind(nodes.size)
    uf.union_pairs(ia, ib)
    root = uf.roots()
    docs_of = np.bincount(root, minlength=nodes.size)
    component = root[ia]
    order = np.argsort(component, kind="stable")
    starts = np.flatnonzero(np.diff(component[order], prepend=-1))
    out, lo, docs = [], 0, 0
    for start, comp in zip(starts.tolist(), component[order][starts].tolist(), strict=True):
        if docs and docs + docs_of[comp] > limit:
            out.append(order[lo:start])
            lo, docs = start, 0
        docs += int(docs_of[comp])
    out.append(order[lo:])
    return out


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
    verifier: ExactVerifier | None,
) -> int:
    """Union every accepted candidate pair; returns how many pairs were verified exactly.

    Exact mode screens out pairs whose estimate is more than five standard errors
    (2.5 / sqrt(num_perm)) below the lowest Jaccard the rule accepts: a true pair is lost with
    probability < 1e-6.
    """
    floor = min(cfg.jaccard_threshold, cfg.min_jaccard_for_containment)
    if verifier is not None:
        floor -= 2.5 / math.sqrt(cfg.num_perm)
    matrix, counts = signatures.matrix, signatures.shingle_counts
    extra_a, extra_b = [a], [b]
    for group in big_groups:
        members = np.asarray(group, dtype=np.int64)
        ga, gb = _group_pairs(matrix, members, floor)
        extra_a.append(ga)
        extra_b.append(gb)
    if len(extra_a) > 1:
        keys = lsh.sorted_unique(
            np.concatenate(extra_a).astype(np.uint64) * np.uint64(len(counts))
            + np.concatenate(extra_b).astype(np.uint64)
        )
        a = (keys // np.uint64(len(counts))).astype(np.int64)
        b = (keys % np.uint64(len(counts))).astype(np.int64)
    jaccard = estimate_pairs(matrix, a, b)
    screened = jaccard >= floor
    a, b, jaccard = a[screened], b[screened], jaccard[screened]
    if verifier is None:
        containment = minhash.containment_from_jaccard(jaccard, counts[a], counts[b])
        near = is_near(cfg, jaccard, containment)
        uf.union_pairs(a[near], b[near])
        return 0
    return verifier.verify(a, b, jaccard, cfg, uf)


def measure_pairs(
    signatures: Signatures, verifier: ExactVerifier | None, a: Sequence[int], b: Sequence[int]
) -> list[tuple[float, float]]:
    """(jaccard, containment) of each pair: exact when texts are at hand, else estimated."""
    if verifier is not None:
        return verifier.measure(a, b)
    counts = signatures.shingle_counts
    ia, ib = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
    jaccard = estimate_pairs(signatures.matrix, ia, ib)
    containment = minhash.containment_from_jaccard(jaccard, counts[ia], counts[ib])
    return list(zip(jaccard.tolist(), np.asarray(containment).tolist(), strict=True))


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
    uf.union_pairs(new_rows[accepted], offset + earlier_rows[accepted])
