"""Exact and near-duplicate detection for cleaned articles.

The work is split so it scales: :func:`compute_signatures` runs per shard (in worker
processes if wanted; results are deterministic and :meth:`Signatures.concat` joins them), then
:func:`deduplicate` clusters the whole collection once.

**Exact** duplicates have the same text after casefolding and collapsing whitespace
(punctuation differences are *not* exact; they show up as near duplicates with similarity 1).

**Near** duplicates: MinHash over 4-word shingles, LSH banding to find candidate pairs
(:mod:`tasks.lsh`), then each candidate pair is verified (:mod:`tasks.dedup_link`) by its real
shingle-set Jaccard and containment, or by the signature estimate when the texts are not at
hand. A pair is a near duplicate if

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

**Earlier runs** (:class:`Earlier`, read from the dedup index by :mod:`tasks.dedup_index`):
articles already published join the clustering as fixed canonicals. A cluster holding one
keeps it (whatever the policy would say about this run's copies; the policy only chooses among
several earlier articles) and every new member becomes its duplicate. Their texts are not kept,
so pairs with them are verified by the signature estimate (standard error <= 0.036: a copy at
true J=0.75 passes the 0.8 threshold with probability ~6%, one at 0.85 fails with ~3%).

Why 4-word shingles, 192 permutations, 64 bands of 3 rows: the lowest Jaccard we ever accept
is ``min_jaccard_for_containment`` = 0.5, and P(candidate) = 1 - (1 - J**3)**64 is 0.9998
there (0.83 at J=0.3, 0.40 at J=0.2, 0.06 at J=0.1, 1 - 1e-20 at J=0.8). Four rows (256
perms) would miss 1.6% of pairs at J=0.5; two rows make half of all J=0.1 pairs candidates.
On the test fixtures, k=4 keeps wire copies at J 0.83-0.92 against the original (k=5:
0.82-0.90), while unrelated stories on the same topic (the repository's seed articles) share
almost no 4-word shingle (J <= 0.004, vs <= 0.016 with k=3, where stock phrases count).
One-permutation MinHash makes permutations nearly free (one hash per shingle whatever their
number), and 192 of them give the estimate a standard error <= 0.036.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tasks import dedup_link, lsh, minhash, words

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

    def take(self, rows: np.ndarray) -> Signatures:
        """The given rows (indices or a boolean mask), same parameters."""
        return Signatures(
            matrix=self.matrix[rows],
            shingle_counts=self.shingle_counts[rows],
            char_lengths=self.char_lengths[rows],
            exact_hashes=self.exact_hashes[rows],
            shingle_size=self.shingle_size,
            num_perm=self.num_perm,
            seed=self.seed,
            algorithm=self.algorithm,
        )

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

    @classmethod
    def stack(cls, parts: Iterable[Signatures], n: int) -> Signatures:
        """:meth:`concat` of ``n`` rows in all for parts produced one at a time (read from
        shard files): only the result and one part are ever held, not every part as well."""

        def placed() -> Iterator[tuple[slice, Signatures]]:
            lo = 0
            for part in parts:
                yield slice(lo, lo + len(part)), part
                lo += len(part)

        return cls.scatter(placed(), n)

    @classmethod
    def scatter(cls, pieces: Iterable[tuple[np.ndarray | slice, Signatures]], n: int) -> Signatures:
        """``n`` rows filled from ``(rows, part)`` pieces (``part``'s rows go to ``rows``),
        which must cover every row exactly once; refuses parts computed differently."""
        result: Signatures | None = None
        filled = 0
        for at, part in pieces:
            if result is None:
                result = cls(
                    matrix=np.empty((n, part.num_perm), dtype=part.matrix.dtype),
                    shingle_counts=np.empty(n, dtype=part.shingle_counts.dtype),
                    char_lengths=np.empty(n, dtype=part.char_lengths.dtype),
                    exact_hashes=np.empty((n, 2), dtype=part.exact_hashes.dtype),
                    shingle_size=part.shingle_size,
                    num_perm=part.num_perm,
                    seed=part.seed,
                    algorithm=part.algorithm,
                )
            elif part.params != result.params:
                raise ValueError(f"incompatible signatures: {part.params} != {result.params}")
            for name in ("matrix", "shingle_counts", "char_lengths", "exact_hashes"):
                getattr(result, name)[at] = getattr(part, name)
            filled += len(part)
        if result is None:
            raise ValueError("scatter needs at least one Signatures")
        if filled != n:
            raise ValueError(f"pieces hold {filled} rows, expected {n}")
        return result


@dataclass(frozen=True, slots=True)
class Decision:
    """Outcome for one document.

    Kept: ``cluster_size`` counts the documents it stands for, itself included. Dropped:
    ``duplicate_of`` is the kept copy, ``similarity`` the Jaccard against it (1.0 for exact),
    ``containment`` likewise, ``method`` ``"exact"`` or ``"near"`` (relative to the kept copy);
    ``earlier`` is true when the kept copy is an article published by an earlier run.
    """

    doc_id: str
    kept: bool
    duplicate_of: str | None = None
    similarity: float | None = None
    containment: float | None = None
    method: Literal["exact", "near"] | None = None
    cluster_size: int | None = None
    earlier: bool = False


@dataclass(frozen=True, eq=False)
class Decisions:
    """The decisions of :func:`deduplicate` as arrays in input order: what a run's assembly
    reads, without a Python object per document (:meth:`to_list` gives the objects).

    ``keep[i]`` is the row of document ``i``'s kept copy: ``i`` itself when it is kept,
    ``n + j`` when it is the earlier article ``j`` (``earlier_ids[j]``). ``cluster_size`` of a
    kept document (0 for a dropped one); ``similarity``, ``containment`` and ``exact`` (else
    near) of a dropped one against its kept copy (NaN, NaN, False for a kept one).
    """

    doc_ids: Sequence[str]
    keep: np.ndarray
    cluster_size: np.ndarray
    similarity: np.ndarray
    containment: np.ndarray
    exact: np.ndarray
    earlier_ids: Sequence[str] = ()

    def __len__(self) -> int:
        return int(self.keep.size)

    @property
    def kept(self) -> np.ndarray:
        return self.keep == np.arange(self.keep.size)

    @property
    def earlier(self) -> np.ndarray:
        """Dropped as a copy of an article published by an earlier run."""
        return self.keep >= self.keep.size

    def kept_id(self, target: int) -> str:
        """The doc_id of a ``keep`` value."""
        n = self.keep.size
        return self.doc_ids[target] if target < n else self.earlier_ids[target - n]

    def decision(self, i: int) -> Decision:
        target = int(self.keep[i])
        if target == i:
            return Decision(self.doc_ids[i], kept=True, cluster_size=int(self.cluster_size[i]))
        return Decision(
            self.doc_ids[i],
            kept=False,
            duplicate_of=self.kept_id(target),
            similarity=float(self.similarity[i]),
            containment=float(self.containment[i]),
            method="exact" if self.exact[i] else "near",
            earlier=target >= self.keep.size,
        )

    def to_list(self) -> list[Decision]:
        return [self.decision(i) for i in range(self.keep.size)]

    @classmethod
    def empty(cls) -> Decisions:
        none = np.zeros(0, dtype=np.int64)
        return cls([], none, none, none.astype(float), none.astype(float), none.astype(bool))


@dataclass(frozen=True, eq=False)
class Earlier:
    """Articles published by earlier runs that share an LSH band with this run's documents.

    They join clustering as fixed canonicals: never dropped or re-decided. A cluster that holds
    one keeps it (the policy picks among several) and all its new members become duplicates of
    it. Their texts are not at hand, so pairs with them are verified by the signature estimate.
    ``new_rows[i]`` and ``earlier_rows[i]`` are one band match (row of this run, row here).
    """

    doc_ids: Sequence[str]
    sources: Sequence[str]
    published: Sequence[str | None]
    origins: Sequence[str]
    signatures: Signatures
    new_rows: np.ndarray
    earlier_rows: np.ndarray

    def __len__(self) -> int:
        return len(self.doc_ids)


def compute_signatures(
    texts: Sequence[str] | pa.Array | pa.ChunkedArray,
    cfg: DedupConfig | None = None,
    *,
    batch_size: int = 4096,
    workers: int = 1,
) -> Signatures:
    """Signatures for ``texts``, in bulk, ``batch_size`` texts at a time (bounds memory).

    Deterministic across processes: run it per shard anywhere and :meth:`Signatures.concat`.
    ``workers > 1`` signs batches in that many threads: the compiled loops and numpy's sort
    release the GIL, and threads cost no start-up (a fresh process spends ~1 s of CPU
    importing and loading the compiled code) and pickle nothing.
    """
    cfg = cfg or DedupConfig()
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    if workers > 1 and len(texts) > batch_size:
        return _compute_in_threads(texts, cfg, batch_size, workers)
    n = len(texts)
    matrix = np.empty((n, cfg.num_perm), dtype=np.uint32)
    counts = np.empty(n, dtype=np.int64)
    exact = np.empty((n, 2), dtype=np.uint64)
    lengths = np.empty(n, dtype=np.int64)
    for lo in range(0, n, batch_size):
        batch = texts[lo : lo + batch_size]
        hi = lo + len(batch)
        buf, offsets = words.encode(batch)
        flat, set_offsets, exact[lo:hi] = minhash.sets_and_exact_hashes(
            buf, offsets, cfg.shingle_size
        )
        matrix[lo:hi] = minhash.minhash_matrix(flat, set_offsets, cfg.num_perm, cfg.seed)
        counts[lo:hi] = np.diff(set_offsets)
        lengths[lo:hi] = _char_lengths(batch)
    return Signatures(
        matrix=matrix,
        shingle_counts=counts,
        char_lengths=lengths,
        exact_hashes=exact,
        shingle_size=cfg.shingle_size,
        num_perm=cfg.num_perm,
        seed=cfg.seed,
    )


def _char_lengths(texts: Sequence[str] | pa.Array | pa.ChunkedArray) -> np.ndarray:
    if isinstance(texts, pa.Array | pa.ChunkedArray):
        return pc.utf8_length(texts).fill_null(0).to_numpy().astype(np.int64)
    return np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))


def _compute_in_threads(
    texts: Sequence[str] | pa.Array | pa.ChunkedArray,
    cfg: DedupConfig,
    batch_size: int,
    workers: int,
) -> Signatures:
    def sign(lo: int) -> Signatures:
        return compute_signatures(texts[lo : lo + batch_size], cfg, batch_size=batch_size)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return Signatures.concat(list(pool.map(sign, range(0, len(texts), batch_size))))


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
    char_lengths: Sequence[int],
    published: Sequence[str | None] | None,
    origins: Sequence[str],
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
            origin = origins[i].casefold()
            first = next((r for r, p in enumerate(prio) if p in origin), len(prio))
            return (first, *tail(i))

        return rank
    return tail


def deduplicate(*args: Any, **kwargs: Any) -> list[Decision]:
    """:func:`decide` (same arguments), as one :class:`Decision` per input, **in input order**;
    the decision for a given ``doc_id`` does not depend on that order."""
    return decide(*args, **kwargs).to_list()


def decide(
    doc_ids: Sequence[str],
    sources: Sequence[str],
    signatures: Signatures,
    cfg: DedupConfig | None = None,
    *,
    texts: Sequence[str] | None = None,
    published: Sequence[str | None] | None = None,
    verify: Verify | None = None,
    origins: Sequence[str] | None = None,
    earlier: Earlier | None = None,
    workers: int = 1,
) -> Decisions:
    """Cluster all documents and decide which copy of each cluster to keep; the decisions as
    arrays in input order (:class:`Decisions`: no object per document, at a million documents
    ~2 s and ~150 MB less than :func:`deduplicate`'s list).

    ``verify`` defaults to ``"exact"`` when ``texts`` are given (real shingle-set Jaccard and
    containment, computed for candidate pairs only) and to ``"estimate"`` otherwise (from the
    signatures). ``origins`` is what ``source_priority`` entries are matched against (default:
    ``sources``; the pipeline passes source, url and site). ``earlier``: published articles
    this run's documents may copy (see :class:`Earlier`). ``workers > 1`` groups LSH bands and
    verifies batches of candidate pairs in that many threads (same result).
    """
    cfg = cfg or DedupConfig()
    origins = origins if origins is not None else sources
    clusters = _cluster(
        doc_ids, sources, signatures, cfg, texts, published, verify, origins, earlier, workers
    )
    if clusters is None:
        return Decisions.empty()
    return _decide(doc_ids, sources, published, origins, signatures, cfg, earlier, *clusters)


def kept_copies(
    doc_ids: Sequence[str],
    sources: Sequence[str],
    signatures: Signatures,
    cfg: DedupConfig | None = None,
    *,
    texts: Sequence[str] | None = None,
    published: Sequence[str | None] | None = None,
    origins: Sequence[str] | None = None,
    workers: int = 1,
) -> np.ndarray:
    """The row of the copy :func:`deduplicate` keeps for each document (its own row when it
    is kept), without a :class:`Decision` per document or the dropped copies' similarity to
    it: the clusters alone (the site statistics count stories)."""
    cfg = cfg or DedupConfig()
    origins = origins if origins is not None else sources
    clusters = _cluster(
        doc_ids, sources, signatures, cfg, texts, published, None, origins, None, workers
    )
    if clusters is None:
        return np.empty(0, dtype=np.int64)
    uf = clusters[0]
    key = _canonical_key(cfg, doc_ids, sources, signatures.char_lengths, published, origins)
    return _kept(uf.roots(), len(doc_ids), 0, key)[0]


def _cluster(
    doc_ids: Sequence[str],
    sources: Sequence[str],
    signatures: Signatures,
    cfg: DedupConfig,
    texts: Sequence[str] | None,
    published: Sequence[str | None] | None,
    verify: Verify | None,
    origins: Sequence[str],
    earlier: Earlier | None,
    workers: int,
) -> tuple[dedup_link.UnionFind, np.ndarray, np.ndarray, dedup_link.ExactVerifier | None] | None:
    """The clusters (``uf``: nodes ``n + j`` are the earlier articles), each document's exact
    group and its representative, and the verifier (exact mode); None without documents."""
    n = len(doc_ids)
    verify = verify or ("exact" if texts is not None else "estimate")
    _check_inputs(doc_ids, sources, signatures, cfg, texts, published, verify, origins, earlier)
    if n == 0:
        return None

    m = len(earlier) if earlier is not None else 0
    uf = dedup_link.UnionFind(n + m)
    # Exact groups: one representative each (smallest doc_id) goes through LSH; all members
    # share its shingles, so the choice cannot change the outcome.
    group_of = exact_groups(signatures.exact_hashes)
    by_id = np.array(sorted(range(n), key=doc_ids.__getitem__), dtype=np.int64)
    id_rank = np.empty(n, dtype=np.int64)
    id_rank[by_id] = np.arange(n)
    first = np.full(int(group_of.max()) + 1, n, dtype=np.int64)
    np.minimum.at(first, group_of, id_rank)
    rep = by_id[first[group_of]]
    uf.union_pairs(rep, np.arange(n))
    active = np.flatnonzero((rep == np.arange(n)) & (signatures.shingle_counts > 0))
    a, b, big = lsh.candidate_pairs(signatures.matrix, active, cfg.bands, workers=workers)
    verifier = None
    if verify == "exact" and texts is not None:
        # The policy's order of the documents verification compares: the members of every
        # exact group with a candidate (its representative). Only their relative order
        # counts, so the other documents (most, at scale) are not ranked.
        key = _canonical_key(cfg, doc_ids, sources, signatures.char_lengths, published, origins)
        compared = np.concatenate((a, b, *(np.asarray(g, dtype=np.int64) for g in big)))
        involved = np.zeros(int(group_of.max()) + 1, dtype=bool)
        involved[group_of[compared]] = True
        ranked = np.flatnonzero(involved[group_of])
        rank = np.full(n, n, dtype=np.int64)
        rank[sorted(ranked.tolist(), key=key)] = np.arange(ranked.size)
        group_best = np.full(int(group_of.max()) + 1, n, dtype=np.int64)
        np.minimum.at(group_best, group_of, rank)
        verifier = dedup_link.ExactVerifier(
            texts, cfg.shingle_size, signatures.shingle_counts, workers, group_best[group_of]
        )
    dedup_link.link_candidates(a, b, big, uf, signatures, cfg, verifier)
    if earlier is not None:
        dedup_link.link_earlier(
            rep[earlier.new_rows], earlier.earlier_rows, signatures, earlier.signatures, cfg, uf, n
        )
    return uf, group_of, rep, verifier


def exact_groups(hashes: np.ndarray) -> np.ndarray:
    """A group number per row of ``(n, 2)`` exact hashes: equal rows, equal numbers, numbered
    in the rows' sorted order (as ``np.unique(axis=0, return_inverse=True)``, 5x faster: one
    two-key sort instead of a sort of 16-byte records)."""
    n = hashes.shape[0]
    order = np.lexsort((hashes[:, 1], hashes[:, 0]))
    ordered = hashes[order]
    new_group = np.ones(n, dtype=bool)
    new_group[1:] = np.any(ordered[1:] != ordered[:-1], axis=1)
    group_of = np.empty(n, dtype=np.int64)
    group_of[order] = np.cumsum(new_group) - 1
    return group_of


def _decide(
    doc_ids: Sequence[str],
    sources: Sequence[str],
    published: Sequence[str | None] | None,
    origins: Sequence[str],
    signatures: Signatures,
    cfg: DedupConfig,
    earlier: Earlier | None,
    uf: dedup_link.UnionFind,
    group_of: np.ndarray,
    rep: np.ndarray,
    verifier: dedup_link.ExactVerifier | None,
) -> Decisions:
    """Pick the kept copy of every cluster and describe each dropped copy against it.

    Per document work is array work; the policy's sort key (Python tuples) is only computed
    for documents in clusters of two or more and for the earlier articles they joined.
    """
    n = len(doc_ids)
    m = len(earlier) if earlier is not None else 0
    if earlier is not None:
        key = _canonical_key(
            cfg,
            [*doc_ids, *earlier.doc_ids],
            [*sources, *earlier.sources],
            [*signatures.char_lengths.tolist(), *earlier.signatures.char_lengths.tolist()],
            [*(published or [None] * n), *earlier.published],
            [*origins, *earlier.origins],
        )
    else:
        key = _canonical_key(cfg, doc_ids, sources, signatures.char_lengths, published, origins)
    roots = uf.roots()
    keep, size = _kept(roots, n, m, key)
    rows = np.arange(n)
    kept = keep == rows
    similarity = np.full(n, np.nan)
    containment = np.full(n, np.nan)
    exact = np.zeros(n, dtype=bool)
    in_run = np.flatnonzero(~kept & (keep < n))  # dropped copies of this run's documents
    same = group_of[in_run] == group_of[keep[in_run]]
    exact[in_run[same]] = True
    similarity[in_run[same]] = containment[in_run[same]] = 1.0
    near = in_run[~same]
    measured = dedup_link.measure_pairs(
        signatures, verifier, rep[near].tolist(), rep[keep[near]].tolist()
    )
    if measured:
        similarity[near], containment[near] = np.array(measured, dtype=np.float64).T
    dropped_earlier = np.flatnonzero(keep >= n)
    if earlier is not None and dropped_earlier.size:
        drops = list(
            zip(dropped_earlier.tolist(), (keep[dropped_earlier] - n).tolist(), strict=True)
        )
        found = _against_earlier(signatures, earlier, drops)
        similarity[dropped_earlier] = [sim for sim, _, _ in found]
        containment[dropped_earlier] = [cont for _, cont, _ in found]
        exact[dropped_earlier] = [method == "exact" for _, _, method in found]
    return Decisions(
        doc_ids=doc_ids,
        keep=keep,
        cluster_size=np.where(kept, size[roots[:n]], 0),
        similarity=similarity,
        containment=containment,
        exact=exact,
        earlier_ids=earlier.doc_ids if earlier is not None else (),
    )


def _kept(
    roots: np.ndarray, n: int, m: int, key: Callable[[int], tuple]
) -> tuple[np.ndarray, np.ndarray]:
    """The node of each document's kept copy (``n + j``: earlier article ``j``) and this run's
    documents per cluster root, from the clusters' ``roots`` and the policy's ``key``."""
    run_roots = roots[:n]
    size = np.bincount(run_roots, minlength=n + m)  # this run's documents per cluster
    shared = size[run_roots] > 1
    joined = size[roots[n:]] > 0  # earlier articles in a cluster of this run's documents
    ranked = np.concatenate((np.flatnonzero(shared), n + np.flatnonzero(joined)))
    order = np.array(sorted(ranked.tolist(), key=key), dtype=np.int64)
    rank = np.full(n + m, n + m, dtype=np.int64)
    rank[order] = np.arange(order.size)
    # Kept copy of each cluster: the best earlier article in it if any, else the best member.
    best = np.full(n + m, n + m, dtype=np.int64)
    np.minimum.at(best, run_roots[shared], rank[:n][shared])
    best_earlier = np.full(n + m, n + m, dtype=np.int64)
    np.minimum.at(best_earlier, roots[n:][joined], rank[n:][joined])
    best = np.where(best_earlier < n + m, best_earlier, best)
    keep_rank = best[run_roots]
    keep = np.arange(n)  # a document alone in its cluster keeps itself
    clustered = keep_rank < n + m
    keep[clustered] = order[keep_rank[clustered]]
    return keep, size


def _against_earlier(
    signatures: Signatures, earlier: Earlier, drops: list[tuple[int, int]]
) -> list[tuple[float, float, str]]:
    """Similarity of each dropped document to the earlier article it now points at."""
    new = np.array([i for i, _ in drops], dtype=np.int64)
    old = np.array([j for _, j in drops], dtype=np.int64)
    exact = np.all(signatures.exact_hashes[new] == earlier.signatures.exact_hashes[old], axis=1)
    jaccard = dedup_link.estimate(signatures.matrix[new], earlier.signatures.matrix[old])
    containment = minhash.containment_from_jaccard(
        jaccard,
        np.maximum(signatures.shingle_counts[new], 1),
        np.maximum(earlier.signatures.shingle_counts[old], 1),
    )
    return [
        (1.0, 1.0, "exact") if e else (j, c, "near")
        for e, j, c in zip(exact.tolist(), jaccard.tolist(), containment.tolist(), strict=True)
    ]


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
    origins: Sequence[str],
    earlier: Earlier | None,
) -> None:
    n = len(doc_ids)
    lengths = {"sources": len(sources), "signatures": len(signatures), "origins": len(origins)}
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
    if earlier is not None:
        if earlier.signatures.params != expected:
            raise ValueError(f"earlier signatures were computed with {earlier.signatures.params}")
        m = len(earlier)
        for name in ("sources", "published", "origins"):
            if len(getattr(earlier, name)) != m or len(earlier.signatures) != m:
                raise ValueError(f"earlier.{name} does not have one entry per earlier article")
        if earlier.new_rows.shape != earlier.earlier_rows.shape:
            raise ValueError("earlier.new_rows and earlier.earlier_rows differ in length")
        if earlier.new_rows.size and (
            earlier.new_rows.max() >= n or earlier.earlier_rows.max() >= m
        ):
            raise ValueError("earlier band matches point outside the documents")
        if set(earlier.doc_ids) & set(doc_ids):
            raise ValueError("a document cannot be both new and earlier")
