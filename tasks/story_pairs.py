"""Story pairs by joining passages: every pair of articles that shares a passage, in one pass.

:func:`tasks.stories.candidate_pairs` lists the pairs sharing an anchor; checking them pair by
pair computes the passages of an article once for every batch of pairs it appears in, which
on a corpus where many articles share some 8-word run (hundreds of thousands of candidate
pairs at 100k articles) costs minutes. Here each article's passages are computed once and
*joined* instead:

* an article that shares a passage with another holds the passage's anchor, and so does the
  other: both are among the candidates' articles, and the anchor is held by at least two and,
  to count, at most ``max_anchor_docs`` articles (a *usable* anchor). So only candidate
  articles are read, and of their passages only those whose anchor is usable are kept;
* passages with equal hashes are grouped by sorting; every two articles of a group share that
  passage. A group has at most ``max_anchor_docs`` articles (each holds the anchor).

The result is exactly the set of candidate pairs that pair-by-pair verification accepts: a
shared passage with a usable anchor makes its two articles a candidate pair, and is what
verification looks for.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from tasks import lsh
from tasks.threads import ordered_map

#: The usable passages of some nodes, flat: of each node, its distinct passages whose anchor is
#: among the given usable anchors; their hashes, and the position of each one's node in the
#: list asked for (:func:`tasks.stories.usable_passages`).
PassagesOf = Callable[[list[int], lsh.Membership], tuple[np.ndarray, np.ndarray]]

_BATCH = 4096
_PART_BITS = 5
_PARTS = 1 << _PART_BITS


def shared_passage_pairs(
    a: np.ndarray,
    b: np.ndarray,
    passages_of: PassagesOf,
    holders: tuple[np.ndarray, np.ndarray],
    max_anchor_docs: int,
    new: int,
    scratch: Path | None = None,
    workers: int = 1,
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs ``x < y`` among the candidate pairs ``(a, b)`` that share a passage whose anchor
    is usable (``holders``: anchor values and how many articles hold each); nodes from ``new``
    on are earlier articles, and pairs of two of them are left out.

    The kept passages (16 bytes each, ~100 an article) are written to ``_PARTS`` files under
    ``scratch`` (default: the system's temporary folder) by the top bits of their hash and
    joined one file at a time: memory holds a batch of articles and one part, not the run.
    ``workers``: threads computing passages, a batch each, and joining parts (same result).
    """
    values, counts = holders
    usable = np.sort(values[(counts >= 2) & (counts <= max_anchor_docs)])
    seen = np.zeros(int(max(a.max(initial=-1), b.max(initial=-1))) + 1, dtype=bool)
    seen[a], seen[b] = True, True
    nodes = np.flatnonzero(seen)  # np.union1d(a, b) without sorting the pairs (~4 s at 1M)
    empty = np.empty(0, dtype=np.int64)
    if not usable.size or not nodes.size:
        return empty, empty
    pairs = lsh.PairSet(int(nodes.max()) + 1)
    is_usable = lsh.Membership(usable)
    with tempfile.TemporaryDirectory(prefix=".staging-passages-", dir=scratch) as tmp:
        parts = [Path(tmp) / f"{k:02d}" for k in range(_PARTS)]

        def usable_passages(batch: np.ndarray) -> list[tuple[int, np.ndarray]]:
            passage, position = passages_of(batch.tolist(), is_usable)
            return _by_part(passage, batch[position])

        def joined(part: Path) -> np.ndarray:
            rows = np.fromfile(part, dtype=np.uint64).reshape(-1, 2)
            found = _pairs_in_groups(rows[:, 0], rows[:, 1].astype(np.int64), new)
            keys = [pairs.encode(x, y) for x, y in found]
            return lsh.sorted_unique(np.concatenate(keys)) if keys else np.empty(0, np.uint64)

        # Threads compute passages and split them by part, a batch each; files are appended
        # here, in batch order. Then threads join a part file each (one part's work arrays per
        # thread); the pairs are a sorted set, the same in any order.
        batches = (nodes[lo : lo + _BATCH] for lo in range(0, nodes.size, _BATCH))
        for blocks in ordered_map(usable_passages, batches, workers):
            for k, block in blocks:
                with open(parts[k], "ab") as sink:
                    block.tofile(sink)
        written = [part for part in parts if part.exists()]
        for keys in ordered_map(joined, written, workers, workers):
            pairs.add_sorted(keys)
    return pairs.pairs()


def _by_part(hashes: np.ndarray, owners: np.ndarray) -> list[tuple[int, np.ndarray]]:
    """``(hash, owner)`` rows grouped by the part of each hash (its top bits): ``(part,
    rows)`` for each part that has some, in part order."""
    part = (hashes >> np.uint64(64 - _PART_BITS)).astype(np.int64)
    order = np.argsort(part, kind="stable")
    rows = np.stack([hashes[order], owners[order].astype(np.uint64)], axis=1)
    bounds = np.searchsorted(part[order], np.arange(_PARTS + 1))
    return [(k, rows[bounds[k] : bounds[k + 1]]) for k in np.flatnonzero(np.diff(bounds)).tolist()]


def _pairs_in_groups(
    hashes: np.ndarray, owners: np.ndarray, new: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Every pair ``x < y`` of owners of one hash, at least one of them new (``x < new``)."""
    order = np.lexsort((owners, hashes))
    hashes, owners = hashes[order], owners[order]
    starts = np.flatnonzero(np.r_[True, hashes[1:] != hashes[:-1]])
    ends = np.r_[starts[1:], hashes.size]
    shared = ends - starts >= 2
    return list(lsh.group_pairs(owners, starts[shared], ends[shared], new))
