"""Exact and near-duplicate detection for cleaned articles.

The work is split so it scales: :func:`compute_signatures` runs per shard (in worker
processes if wanted; results are deterministic and :meth:`Signatures.concat` joins them), then
:func:`deduplicate` clusters the whole collection once. Start worker processes with the
``spawn`` or ``forkserver`` method (or fork them before the parent computes any signature):
rensa runs a Rust thread pool, and a child forked after it started deadlocks in rensa.

**Exact** duplicates have the same text after casefolding and collapsing whitespace
(punctuation differences are *not* exact; they show up as near duplicates with similarity 1).

**Near** duplicates: MinHash over 4-word shingles, LSH banding to find candidate pairs, then
each candidate pair is verified by its real shingle-set Jaccard and containment (or by the
signature estimate when the texts are not at hand). A pair is a near duplicate if

* ``jaccard >= jaccard_threshold`` (0.8): syndicated copies differ by boilerplate lines, the
  headline, a word or two, or a trimmed last paragraph, and stay above 0.8 against the
  original (two differently edited copies can fall just below; they still join through the
  original or through containment); or
* ``containment >= containment_threshold`` (0.9) and ``jaccard >=
  min_jaccard_for_containment`` (0.5): an updated story that adds a paragraph to a short
  article falls below 0.8 Jaccard but is almost entirely contained in the update. The Jaccard
  floor keeps a one-paragraph brief from being swallowed by a long feature that contains it,
  and two different stories that share one quotation have low containment anyway. (Fixtures:
  the updated story has J=0.69, C=1.0; the two stories sharing a quotation J=0.10, C=0.19.)

Texts with fewer words than the shingle size become one shingle of all their words (so they
match only a text with the same words); texts with no word at all have no shingle and can
only be exact duplicates (all empty texts form one exact group).

Clusters are the connected components of verified pairs plus exact groups (single linkage, so
a dropped copy can be less similar to the kept one than the thresholds: its reported
``similarity`` is always measured against the kept copy). The kept ("canonical") copy is chosen
by a deterministic policy; decisions come back in input order and do not depend on it.

Why 4-word shingles, 192 permutations, 64 bands of 3 rows: the lowest Jaccard we ever accept
is ``min_jaccard_for_containment`` = 0.5, and P(candidate) = 1 - (1 - J**3)**64 is 0.9998
there (0.83 at J=0.3, 0.40 at J=0.2, 0.06 at J=0.1, 1 - 1e-20 at J=0.8). Four rows (256
perms) would miss 1.6% of pairs at J=0.5; two rows make half of all J=0.1 pairs candidates.
On the test fixtures, k=4 keeps wire copies at J 0.83-0.92 against the original (k=5:
0.82-0.90), while unrelated stories on the same topic (the repository's seed articles) share
almost no 4-word shingle (J <= 0.004, vs <= 0.016 with k=3, where stock phrases count).
Rensa's bulk MinHash makes permutations nearly free (tokenising dominates), and 192 of them
give the estimate a standard error <= 0.036.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal

import numpy as np

from tasks import minhash

Policy = Literal["longest", "earliest", "source_priority"]
Verify = Literal["exact", "estimate"]
_POLICIES = ("longest", "earliest", "source_priority")


@dataclass(frozen=True)
class DedupConfig:
    """Deduplication parameters; validated on construction so bad settings fail early.

    ``policy`` picks the kept copy of a cluster: ``longest`` text (characters), ``earliest``
    ``published`` date (missing or unparseable dates last), or ``source_priority``: the first
    entry of ``source_priority`` that is a substring of the document's ``source``
    (case-insensitive) wins, unmatched sources come last. Remaining ties go to the longest
    text, then the smallest ``source``, then the smallest ``doc_id``.
    """

    shingle_size: int = 4
    num_perm: int = 192
    bands: int = 64
    seed: int = 1
    jaccard_threshold: float = 0.8
    containment_threshold: float = 0.9
    min_jaccard_for_containment: float = 0.5
    policy: Policy = "longest"
    source_priority: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in ("shingle_size", "num_perm", "bands"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if self.num_perm % self.bands:
            raise ValueError(f"bands ({self.bands}) must divide num_perm ({self.num_perm}) evenly")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int):
            raise ValueError(f"seed must be an integer, got {self.seed!r}")
        if not 0 <= self.seed < 2**64:
            raise ValueError(f"seed must be in [0, 2**64), got {self.seed}")
        for name in ("jaccard_threshold", "containment_threshold"):
            value = getattr(self, name)
            if not 0.0 < value <= 1.0:
                raise ValueError(f"{name} must be in (0, 1], got {value!r}")
        if not 0.0 <= self.min_jaccard_for_containment <= 1.0:
            raise ValueError(
                "min_jaccard_for_containment must be in [0, 1], "
                f"got {self.min_jaccard_for_containment!r}"
            )
        if self.policy not in _POLICIES:
            raise ValueError(f"policy must be one of {_POLICIES}, got {self.policy!r}")
        if isinstance(self.source_priority, str):
            raise ValueError("source_priority must be a sequence of strings, not one string")
        priority = tuple(self.source_priority)
        if any(not isinstance(p, str) or not p for p in priority):
            raise ValueError("source_priority entries must be non-empty strings")
        if self.policy == "source_priority" and not priority:
            raise ValueError("policy 'source_priority' needs a non-empty source_priority")
        if self.policy != "source_priority" and priority:
            raise ValueError(
                f"source_priority is only used with policy 'source_priority', not {self.policy!r}"
            )
        object.__setattr__(self, "source_priority", priority)

    @property
    def rows(self) -> int:
        """Signature rows per LSH band."""
        return self.num_perm // self.bands

    def candidate_probability(self, similarity: float) -> float:
        """Chance that a pair with this Jaccard becomes an LSH candidate (the S-curve)."""
        return candidate_probability(similarity, self.bands, self.rows)


def candidate_probability(similarity: float, bands: int, rows: int) -> float:
    """1 - (1 - s**rows)**bands: the pair agrees on all rows of at least one band."""
    return 1.0 - (1.0 - similarity**rows) ** bands


@dataclass(frozen=True, eq=False)
class Signatures:
    """What clustering needs from each document, computable per shard.

    ``matrix`` is ``(n, num_perm)`` uint32 MinHash digests, ``shingle_counts`` the number of
    distinct shingles (0: no word, never similar to anything), ``char_lengths`` the text length
    in characters (for the ``longest`` policy without texts), ``exact_hashes`` ``(n, 2)``
    uint64 = 128-bit hash of the casefolded, whitespace-collapsed text.
    """

    matrix: np.ndarray
    shingle_counts: np.ndarray
    char_lengths: np.ndarray
    exact_hashes: np.ndarray
    shingle_size: int
    num_perm: int
    seed: int
    algorithm: str = minhash.ALGORITHM

    def __post_init__(self) -> None:
        n = self.matrix.shape[0]
        if self.matrix.shape != (n, self.num_perm):
            raise ValueError(f"matrix shape {self.matrix.shape} != ({n}, {self.num_perm})")
        if self.shingle_counts.shape != (n,) or self.char_lengths.shape != (n,):
            raise ValueError("shingle_counts and char_lengths must have one entry per row")
        if self.exact_hashes.shape != (n, 2):
            raise ValueError(f"exact_hashes shape {self.exact_hashes.shape} != ({n}, 2)")

    def __len__(self) -> int:
        return int(self.matrix.shape[0])

    @property
    def params(self) -> tuple[str, int, int, int]:
        """Everything that must agree for two signature sets to be comparable."""
        return (self.algorithm, self.shingle_size, self.num_perm, self.seed)

    @classmethod
    def concat(cls, parts: Sequence[Signatures]) -> Signatures:
        """Join per-shard signatures (in order); refuses parts computed differently."""
        if not parts:
            raise ValueError("concat needs at least one Signatures")
        first = parts[0]
        for part in parts[1:]:
            if part.params != first.params:
                raise ValueError(f"incompatible signatures: {part.params} != {first.params}")
        return cls(
            matrix=np.concatenate([p.matrix for p in parts]),
            shingle_counts=np.concatenate([p.shingle_counts for p in parts]),
            char_lengths=np.concatenate([p.char_lengths for p in parts]),
            exact_hashes=np.concatenate([p.exact_hashes for p in parts]),
            shingle_size=first.shingle_size,
            num_perm=first.num_perm,
            seed=first.seed,
            algorithm=first.algorithm,
        )


@dataclass(frozen=True, slots=True)
class Decision:
    """Outcome for one document.

    Kept: ``cluster_size`` counts the documents it stands for, itself included. Dropped:
    ``duplicate_of`` is the kept copy, ``similarity`` the Jaccard against it (1.0 for exact),
    ``containment`` likewise, ``method`` ``"exact"`` or ``"near"`` (relative to the kept copy).
    """

    doc_id: str
    kept: bool
    duplicate_of: str | None = None
    similarity: float | None = None
    containment: float | None = None
    method: Literal["exact", "near"] | None = None
    cluster_size: int | None = None


def compute_signatures(
    texts: Sequence[str], cfg: DedupConfig | None = None, *, batch_size: int = 4096
) -> Signatures:
    """Signatures for ``texts``, in bulk, ``batch_size`` texts per rensa call (bounds memory).

    Deterministic across processes: run it per shard anywhere and :meth:`Signatures.concat`.
    """
    cfg = cfg or DedupConfig()
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    n = len(texts)
    matrix = np.empty((n, cfg.num_perm), dtype=np.uint32)
    counts = np.empty(n, dtype=np.int64)
    exact = np.empty((n, 2), dtype=np.uint64)
    for lo in range(0, n, batch_size):
        folded = [text.casefold() for text in texts[lo : lo + batch_size]]
        hi = lo + len(folded)
        flat, offsets = minhash.shingle_hashes(folded, cfg.shingle_size, casefolded=True)
        matrix[lo:hi] = minhash.minhash_matrix(flat, offsets, cfg.num_perm, cfg.seed)
        counts[lo:hi] = np.diff(offsets)
        digests = b"".join(minhash.exact_hash(text, casefolded=True) for text in folded)
        exact[lo:hi] = np.frombuffer(digests, dtype="<u8").reshape(-1, 2)
    return Signatures(
        matrix=matrix,
        shingle_counts=counts,
        char_lengths=np.fromiter((len(t) for t in texts), dtype=np.int64, count=n),
        exact_hashes=exact,
        shingle_size=cfg.shingle_size,
        num_perm=cfg.num_perm,
        seed=cfg.seed,
    )


class _UnionFind:
    """Plain union-find over 0..n-1 (a local object, no module state)."""

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


def _band_buckets(
    matrix: np.ndarray, rows_of: np.ndarray, cfg: DedupConfig
) -> list[tuple[int, ...]]:
    """Groups (>= 2, sorted) of the given matrix rows that agree on all rows of some band.

    One band at a time (memory stays O(n)): its ``cfg.rows`` values are hashed to one uint64
    key and equal keys are found by sorting. A key collision only adds a candidate, which
    verification then rejects. Identical groups from several bands are reported once.
    """
    m = rows_of.size
    if m < 2:
        return []
    buckets: set[tuple[int, ...]] = set()
    for band in range(cfg.bands):
        cells = matrix[rows_of, band * cfg.rows : (band + 1) * cfg.rows].astype(np.uint64)
        keys = cells[:, 0]
        for r in range(1, cfg.rows):
            keys = minhash.mix64(keys * np.uint64(0x9E3779B97F4A7C15) + cells[:, r])
        keys = minhash.mix64(keys)
        order = np.argsort(keys, kind="stable")
        sorted_keys = keys[order]
        boundaries = np.flatnonzero(sorted_keys[1:] != sorted_keys[:-1]) + 1
        starts = np.concatenate(([0], boundaries))
        ends = np.concatenate((boundaries, [m]))
        shared = ends - starts > 1
        for lo, hi in zip(starts[shared].tolist(), ends[shared].tolist(), strict=True):
            buckets.add(tuple(sorted(rows_of[order[lo:hi]].tolist())))
    return sorted(buckets)


def _parse_published(value: str | None) -> float | None:
    """ISO date/datetime → UTC timestamp; date-only and naive values are taken as UTC.

    Unparseable values count as missing: scraped dates are often junk and must not crash a run.
    """
    if not value:
        return None
    text = value.strip()
    try:
        if len(text) == 10:
            parsed = datetime.combine(date.fromisoformat(text), datetime.min.time())
        else:
            parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def _canonical_key(
    cfg: DedupConfig,
    doc_ids: Sequence[str],
    sources: Sequence[str],
    char_lengths: np.ndarray,
    published: Sequence[str | None] | None,
) -> Callable[[int], tuple]:
    """Sort key whose minimum is the kept copy; total because doc_ids are unique."""

    def tail(i: int) -> tuple:
        return (-int(char_lengths[i]), sources[i], doc_ids[i])

    if cfg.policy == "earliest":
        dates = [_parse_published(p) for p in published] if published else None

        def earliest(i: int) -> tuple:
            ts = dates[i] if dates else None
            return (ts is None, ts or 0.0, *tail(i))

        return earliest
    if cfg.policy == "source_priority":
        prio = [p.casefold() for p in cfg.source_priority]

        def rank(i: int) -> tuple:
            src = sources[i].casefold()
            first = next((r for r, p in enumerate(prio) if p in src), len(prio))
            return (first, *tail(i))

        return rank
    return tail


def deduplicate(
    doc_ids: Sequence[str],
    sources: Sequence[str],
    signatures: Signatures,
    cfg: DedupConfig | None = None,
    *,
    texts: Sequence[str] | None = None,
    published: Sequence[str | None] | None = None,
    verify: Verify | None = None,
) -> list[Decision]:
    """Cluster all documents and decide which copy of each cluster to keep.

    ``verify`` defaults to ``"exact"`` when ``texts`` are given (real shingle-set Jaccard and
    containment, computed for candidate pairs only) and to ``"estimate"`` otherwise (from the
    signatures). Returns one :class:`Decision` per input, **in input order**; the decision for
    a given ``doc_id`` does not depend on that order.
    """
    cfg = cfg or DedupConfig()
    n = len(doc_ids)
    verify = verify or ("exact" if texts is not None else "estimate")
    _check_inputs(doc_ids, sources, signatures, cfg, texts, published, verify)
    if n == 0:
        return []

    uf = _UnionFind(n)
    # Exact groups: one representative each (smallest doc_id) goes through LSH; all members
    # share its shingles, so the choice cannot change the outcome.
    _, group_of = np.unique(signatures.exact_hashes, axis=0, return_inverse=True)
    group_of = group_of.reshape(-1)
    rep_of_group: dict[int, int] = {}
    for i in sorted(range(n), key=lambda i: doc_ids[i]):
        g = int(group_of[i])
        if g in rep_of_group:
            uf.union(rep_of_group[g], i)
        else:
            rep_of_group[g] = i
    rep = [rep_of_group[int(g)] for g in group_of]

    active = np.array(
        sorted(i for i in rep_of_group.values() if signatures.shingle_counts[i] > 0),
        dtype=np.int64,
    )
    buckets = _band_buckets(signatures.matrix, active, cfg)
    exact_sets = _ShingleSets(texts, cfg.shingle_size, signatures) if verify == "exact" else None
    _link_buckets(buckets, uf, signatures, cfg, exact_sets)

    members: dict[int, list[int]] = {}
    for i in range(n):
        members.setdefault(uf.find(i), []).append(i)
    key = _canonical_key(cfg, doc_ids, sources, signatures.char_lengths, published)
    decisions: list[Decision | None] = [None] * n
    for cluster in members.values():
        keep = min(cluster, key=key)
        decisions[keep] = Decision(doc_ids[keep], kept=True, cluster_size=len(cluster))
        for i in cluster:
            if i == keep:
                continue
            if group_of[i] == group_of[keep]:
                sim, cont, method = 1.0, 1.0, "exact"
            else:
                sim, cont = _measure(signatures, exact_sets, rep[i], rep[keep])
                method = "near"
            decisions[i] = Decision(
                doc_ids[i],
                kept=False,
                duplicate_of=doc_ids[keep],
                similarity=sim,
                containment=cont,
                method=method,
            )
    return [d for d in decisions if d is not None]


def deduplicate_texts(
    doc_ids: Sequence[str],
    sources: Sequence[str],
    texts: Sequence[str],
    cfg: DedupConfig | None = None,
    *,
    published: Sequence[str | None] | None = None,
) -> list[Decision]:
    """Convenience for a collection that fits in one process: signatures + exact verification."""
    cfg = cfg or DedupConfig()
    signatures = compute_signatures(texts, cfg)
    return deduplicate(doc_ids, sources, signatures, cfg, texts=texts, published=published)


def _check_inputs(
    doc_ids: Sequence[str],
    sources: Sequence[str],
    signatures: Signatures,
    cfg: DedupConfig,
    texts: Sequence[str] | None,
    published: Sequence[str | None] | None,
    verify: str,
) -> None:
    n = len(doc_ids)
    lengths = {"sources": len(sources), "signatures": len(signatures)}
    if texts is not None:
        lengths["texts"] = len(texts)
    if published is not None:
        lengths["published"] = len(published)
    for name, length in lengths.items():
        if length != n:
            raise ValueError(f"{name} has {length} entries, doc_ids has {n}")
    if len(set(doc_ids)) != n:
        raise ValueError("doc_ids must be unique")
    expected = (minhash.ALGORITHM, cfg.shingle_size, cfg.num_perm, cfg.seed)
    if signatures.params != expected:
        raise ValueError(f"signatures were computed with {signatures.params}, cfg has {expected}")
    if verify not in ("exact", "estimate"):
        raise ValueError(f"verify must be 'exact' or 'estimate', got {verify!r}")
    if verify == "exact" and texts is None:
        raise ValueError("verify='exact' needs texts")


class _ShingleSets:
    """Exact shingle sets, computed on demand in batches and kept for this run only."""

    def __init__(self, texts: Sequence[str] | None, k: int, signatures: Signatures) -> None:
        assert texts is not None
        self.texts, self.k, self.counts = texts, k, signatures.shingle_counts
        self.sets: dict[int, np.ndarray] = {}

    def load(self, docs: Iterable[int]) -> None:
        missing = sorted(set(docs) - self.sets.keys())
        if not missing:
            return
        computed = minhash.shingle_sets([self.texts[i] for i in missing], self.k)
        for i, shingles in zip(missing, computed, strict=True):
            if shingles.size != self.counts[i]:
                raise ValueError(f"texts[{i}] does not match its signature (different shingles)")
            self.sets[i] = shingles

    def measure(self, a: int, b: int) -> tuple[float, float]:
        self.load((a, b))
        return minhash.jaccard_containment(self.sets[a], self.sets[b])


def _measure(
    signatures: Signatures, exact_sets: _ShingleSets | None, a: int, b: int
) -> tuple[float, float]:
    """(jaccard, containment) of two documents: exact if texts are at hand, else estimated."""
    if exact_sets is not None:
        return exact_sets.measure(a, b)
    counts = signatures.shingle_counts
    return minhash.estimate_jaccard_containment(
        signatures.matrix[a], signatures.matrix[b], int(counts[a]), int(counts[b])
    )


def _is_near(cfg: DedupConfig, jaccard: Any, containment: Any) -> Any:
    """The decision rule (see the module docstring for why); scalars or numpy arrays."""
    return (jaccard >= cfg.jaccard_threshold) | (
        (containment >= cfg.containment_threshold) & (jaccard >= cfg.min_jaccard_for_containment)
    )


def _estimated_pairs(
    matrix: np.ndarray, members: np.ndarray, min_jaccard: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs ``a < b`` of a bucket whose signature Jaccard estimate is ``>= min_jaccard``.

    Vectorised over the bucket, in row blocks of bounded size, so a large bucket of unrelated
    documents costs numpy time rather than one Python verification per pair.
    """
    sub = matrix[members]
    m, num_perm = sub.shape
    step = max(1, (1 << 22) // (m * num_perm))
    found_a, found_b, found_j = [], [], []
    for lo in range(0, m - 1, step):
        block = sub[lo : lo + step]
        est = np.count_nonzero(block[:, None, :] == sub[None, :, :], axis=2) / num_perm
        rows, cols = np.nonzero(est >= min_jaccard)
        upper = cols > rows + lo
        rows, cols = rows[upper], cols[upper]
        found_a.append(members[rows + lo])
        found_b.append(members[cols])
        found_j.append(est[rows, cols])
    return np.concatenate(found_a), np.concatenate(found_b), np.concatenate(found_j)


def _link_buckets(
    buckets: Sequence[tuple[int, ...]],
    uf: _UnionFind,
    signatures: Signatures,
    cfg: DedupConfig,
    exact_sets: _ShingleSets | None,
) -> None:
    """Union every near-duplicate pair of every LSH bucket.

    Estimate mode applies the rule to the signature estimates, vectorised. Exact mode first
    drops pairs whose estimate is more than five standard errors (2.5 / sqrt(num_perm)) below
    the lowest Jaccard the rule accepts (a true pair is lost with probability < 1e-6), then
    verifies the rest exactly, most similar first, skipping pairs already connected (they
    cannot change the components) and never verifying a rejected pair twice: a big cluster
    costs about one verification per member, not one per pair. Either way the components are
    those of the graph of accepted candidate pairs, whatever the processing order.
    """
    floor = min(cfg.jaccard_threshold, cfg.min_jaccard_for_containment)
    counts = signatures.shingle_counts
    rejected: set[tuple[int, int]] = set()
    for bucket in buckets:
        if len({uf.find(i) for i in bucket}) < 2:
            continue
        members = np.asarray(bucket, dtype=np.int64)
        if exact_sets is None:
            a, b, jaccard = _estimated_pairs(signatures.matrix, members, floor)
            size_a, size_b = counts[a], counts[b]
            containment = minhash.containment_from_jaccard(jaccard, size_a, size_b)
            near = _is_near(cfg, jaccard, containment)
            for x, y in zip(a[near].tolist(), b[near].tolist(), strict=True):
                uf.union(x, y)
            continue
        margin = 2.5 / math.sqrt(cfg.num_perm)
        a, b, estimate = _estimated_pairs(signatures.matrix, members, floor - margin)
        if a.size == 0:
            continue
        exact_sets.load(np.concatenate((a, b)).tolist())
        order = np.argsort(-estimate, kind="stable")
        for x, y in zip(a[order].tolist(), b[order].tolist(), strict=True):
            if (x, y) in rejected or uf.find(x) == uf.find(y):
                continue
            if _is_near(cfg, *exact_sets.measure(x, y)):
                uf.union(x, y)
            else:
                rejected.add((x, y))
