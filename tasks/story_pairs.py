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

from collections.abc import Callable

import numpy as np

from tasks import lsh

#: The passages of some nodes, flat: hashes, their anchors, and the position of each one's node
#: in the list asked for (:func:`tasks.stories.passages_flat`).
PassagesOf = Callable[[list[int]], tuple[np.ndarray, np.ndarray, np.ndarray]]

_BATCH = 4096


def shared_passage_pairs(
    a: np.ndarray,
    b: np.ndarray,
    passages_of: PassagesOf,
    holders: tuple[np.ndarray, np.ndarray],
    max_anchor_docs: int,
    new: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs ``x < y`` among the candidate pairs ``(a, b)`` that share a passage whose anchor
    is usable (``holders``: anchor values and how many articles hold each); nodes from ``new``
    on are earlier articles, and pairs of two of them are left out."""
    values, counts = holders
    usable = np.sort(values[(counts >= 2) & (counts <= max_anchor_docs)])
    nodes = np.union1d(a, b).astype(np.int64)
    if not usable.size or not nodes.size:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    hashes, owners = [], []
    for lo in range(0, nodes.size, _BATCH):
        batch = nodes[lo : lo + _BATCH]
        passage, anchor, position = passages_of(batch.tolist())
        keep = _members(usable, anchor)
        hashes.append(passage[keep])
        owners.append(batch[position[keep]])
    if not sum(h.size for h in hashes):
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    return _pairs_in_groups(np.concatenate(hashes), np.concatenate(owners), new)


def _members(sorted_values: np.ndarray, queries: np.ndarray) -> np.ndarray:
    where = np.minimum(np.searchsorted(sorted_values, queries), sorted_values.size - 1)
    return sorted_values[where] == queries


def _pairs_in_groups(
    hashes: np.ndarray, owners: np.ndarray, new: int
) -> tuple[np.ndarray, np.ndarray]:
    """Every pair ``x < y`` of owners of one hash, at least one of them new (``x < new``)."""
    order = np.lexsort((owners, hashes))
    hashes, owners = hashes[order], owners[order]
    starts = np.flatnonzero(np.r_[True, hashes[1:] != hashes[:-1]])
    ends = np.r_[starts[1:], hashes.size]
    shared = ends - starts >= 2
    starts, ends = starts[shared], ends[shared]
    pairs = lsh.PairSet(int(owners.max()) + 1)
    lsh.add_group_pairs(pairs, owners, starts, ends, new)
    return pairs.pairs()
