"""Story clusters: articles that are not copies but share a long verbatim passage.

**Definition.** Two kept articles report the same story when they share a *passage*: a run of
at least ``passage_words`` (default 20) consecutive words, words being the casefolded ``\\w+``
tokens used for shingles (so punctuation, case and line breaks do not matter). A quotation, an
official statement or a wire paragraph reused in an otherwise different article is such a
passage; a stock phrase is not (unrelated seed articles share at most 7 consecutive words, the
seeds 001 and 004 share 26 and 23 about the same UN statement). Stories are the connected
components of that relation; members stay side by side in ``articles`` with one ``story_id``.

**Finding pairs without comparing all of them** (winnowing, Schleimer et al. 2003): each text's
``anchor_words``-word (8) shingle hashes are scanned with a window of ``w = passage_words -
anchor_words + 1`` (13) consecutive shingles and the minimum of every window is an *anchor*.
A shared run of ``passage_words`` words contains ``w`` identical consecutive shingles in both
texts, i.e. one identical window, whose minimum is an anchor of both: **every pair that shares
a passage shares an anchor** (no sampling, no probability). About 2/(w+1) of positions become
anchors: ~1 per 7 words, ~45 per 300-word article (8 bytes each in the index).

**Boilerplate.** A 20-word passage *is* one window, so it has exactly one anchor. A passage
whose anchor is held by more than ``max_anchor_docs`` (50) articles is boilerplate (a footer or
disclaimer of 20+ words that escaped cleaning would otherwise chain every article of a site
into one "story"): it links nothing. Every article containing a passage holds its anchor, so a
passage found in more than 50 articles is always boilerplate; a rarer passage whose minimum
8-word shingle is also a common anchor elsewhere is treated as boilerplate too (conservative).
Such anchors do not make candidates either.

**Verification** is exact: the two texts share a ``passage_words``-word shingle (a 52-bit hash
of the 20 words; collisions negligible) whose anchor is not boilerplate. Sharing an anchor only
means sharing 8 words, and an anchor on the edge of a boilerplate passage can be held by few
articles (it is a window minimum in some contexts only): verification catches both. It is
done by joining, not pair by pair: :mod:`tasks.story_pairs` computes each candidate article's
passages once and groups them by hash (:func:`verify` is the pair-by-pair reference).

**Story ids.** A story of this run's articles only gets the smallest ``doc_id`` among them; an
article sharing no passage gets its own ``doc_id``. Across runs, published articles keep their
``story_id`` (published rows are never rewritten): a new article that shares a passage with
earlier ones takes the smallest of their story ids, so later articles join earlier stories.
Two earlier stories that a new article bridges stay two ids (the new article takes the smaller).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tasks import kernels, lsh, story_pairs, textspill, words
from tasks.dedup_link import UnionFind
from tasks.threads import ordered_map

_ANCHOR_SHIFT = 12  # anchors keep the top 52 bits of a shingle hash
_CHUNK = 4096  # texts per batch
_VERIFY_CHUNK = 2048
_PARTS = 16  # slices of the anchor value range grouped one at a time
_PART_MIN = 1 << 20  # fewer anchors than this: one slice
_PART_SHIFT = np.uint64(20)


@dataclass(frozen=True)
class StoryConfig:
    """What counts as a shared passage; validated on construction."""

    passage_words: int = 20
    anchor_words: int = 8
    max_anchor_docs: int = 50

    def __post_init__(self) -> None:
        for name in ("passage_words", "anchor_words", "max_anchor_docs"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if self.anchor_words > self.passage_words:
            raise ValueError("anchor_words must not exceed passage_words")
        if self.max_anchor_docs < 2:
            raise ValueError("max_anchor_docs must be >= 2 (an anchor links two articles)")

    @property
    def window(self) -> int:
        """Consecutive anchor shingles in one passage: the winnowing window."""
        return self.passage_words - self.anchor_words + 1


def anchors(
    texts: Sequence[str], cfg: StoryConfig | None = None, workers: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Winnowed anchors of each text: ``(flat, offsets)``, sorted and unique per text, 52-bit.

    A text with fewer than ``passage_words`` words has no anchor (it cannot hold a passage).
    ``workers``: threads, one chunk of texts each (same result).
    """
    cfg = cfg or StoryConfig()
    flats, offsets = [], [np.zeros(1, dtype=np.int64)]
    chunks = (texts[lo : lo + _CHUNK] for lo in range(0, len(texts), _CHUNK))
    for flat, offs in ordered_map(lambda chunk: _chunk_anchors(chunk, cfg), chunks, workers):
        flats.append(flat)
        offsets.append(offs[1:] + offsets[-1][-1])
    flat = np.concatenate(flats) if flats else np.empty(0, dtype=np.uint64)
    return flat, np.concatenate(offsets)


def _chunk_anchors(texts: Sequence[str], cfg: StoryConfig) -> tuple[np.ndarray, np.ndarray]:
    hashes, counts = words.word_hashes(texts)
    flat, per_text = kernels.text_anchors(
        hashes, counts, cfg.passage_words, cfg.anchor_words, _ANCHOR_SHIFT
    )
    offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(per_text, out=offsets[1:])
    return flat, offsets


def passages(texts: Sequence[str], cfg: StoryConfig) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per text: its distinct ``passage_words``-word shingle hashes (sorted) and the anchor of
    each (the minimum of the ``window`` anchor shingles it spans: its window's anchor)."""
    hashes, anchor, owner = passages_flat(texts, cfg)
    bounds = np.searchsorted(owner, np.arange(len(texts) + 1))
    return [
        (hashes[bounds[i] : bounds[i + 1]], anchor[bounds[i] : bounds[i + 1]])
        for i in range(len(texts))
    ]


def passages_flat(
    texts: Sequence[str], cfg: StoryConfig
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`passages` of all texts as three flat arrays ``(hashes, anchors, owner)``, ordered
    by owner (the text's position) then hash: one compiled pass over the batch.

    Passage ``j`` of a text spans its anchor shingles ``j .. j + window - 1``, so its anchor is
    the minimum of the window that starts at the text's ``j``-th anchor shingle.
    """
    hashes, counts = words.word_hashes(texts)
    return kernels.text_passages(hashes, counts, cfg.passage_words, cfg.anchor_words, _ANCHOR_SHIFT)


def usable_passages(
    texts: Sequence[str], cfg: StoryConfig, usable: lsh.Membership
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`passages_flat` of the texts restricted to the passages whose anchor is
    ``usable``, as ``(hashes, owner)``: what the passage join keeps, in one compiled pass that
    never hashes or sorts the other passages (most of them: most anchors are held by one
    article). A passage's anchor depends only on its own words, so the filter does not depend
    on which occurrence of a repeated passage is looked at."""
    hashes, counts = words.word_hashes(texts)
    return kernels.text_usable_passages(
        hashes,
        counts,
        cfg.passage_words,
        cfg.anchor_words,
        _ANCHOR_SHIFT,
        usable.table,
        usable.mask,
        usable.values,
    )


def passage_sets(texts: Sequence[str], cfg: StoryConfig) -> list[np.ndarray]:
    """Per text, its distinct ``passage_words``-word shingle hashes, sorted (may be empty)."""
    return [hashes for hashes, _ in passages(texts, cfg)]


@dataclass(frozen=True, eq=False)
class EarlierStories:
    """Published articles holding some of this run's anchors (from the dedup index).

    ``anchor_rows[i]`` (an index into ``doc_ids``) holds ``anchor_values[i]``; every holder of
    each listed anchor is listed, so anchor document frequencies are exact.
    """

    doc_ids: Sequence[str]
    story_ids: Sequence[str]
    anchor_rows: np.ndarray
    anchor_values: np.ndarray


def candidate_pairs(
    flat: np.ndarray,
    offsets: np.ndarray,
    cfg: StoryConfig,
    earlier: EarlierStories | None = None,
    workers: int = 1,
) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """Node pairs ``a < b`` sharing an anchor held by at most ``max_anchor_docs`` articles,
    and the table ``(anchor values, holders)`` of every anchor held by two or more articles
    (an anchor missing from it is held by one).

    Nodes ``0..n-1`` are this run's texts, ``n + j`` the earlier article ``j``; pairs of two
    earlier articles are left out (their stories were settled when they were published).
    Anchors are grouped one slice of the value range at a time (``_PARTS`` slices), so the
    work arrays hold a slice of the anchors, not all of them twice over; ``workers``: threads,
    one slice each (numpy's sorts run without the GIL; same result).
    """
    n = offsets.size - 1
    m = len(earlier.doc_ids) if earlier is not None else 0
    old_values = earlier.anchor_values.astype(np.uint64) if m else np.empty(0, np.uint64)
    old_owners = n + earlier.anchor_rows.astype(np.int64) if m else np.empty(0, np.int64)
    pairs = lsh.PairSet(n + m)
    table_values, table_sizes = [], []
    parts = _PARTS if flat.size > _PART_MIN else 1
    part_of = ((flat >> _PART_SHIFT) % np.uint64(parts)).astype(np.uint8) if parts > 1 else None

    def grouped(part: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Slice ``part``'s shared anchors, their holder counts and its candidate pairs
        (encoded, sorted and distinct)."""
        values, owners = _slice(flat, offsets, part_of, part)
        if old_values.size:
            keep = (old_values >> _PART_SHIFT) % np.uint64(parts) == part
            values = np.concatenate((values, old_values[keep]))
            owners = np.concatenate((owners, old_owners[keep]))
        order = np.argsort(values, kind="stable")  # owners ascend within equal values
        values, owners = values[order], owners[order]
        del order
        bounds = np.flatnonzero(values[1:] != values[:-1]) + 1
        starts = np.concatenate(([0], bounds))
        ends = np.concatenate((bounds, [values.size]))
        size = ends - starts
        shared = size >= 2
        usable = shared & (size <= cfg.max_anchor_docs)
        groups = lsh.group_pairs(owners, starts[usable], ends[usable], n)
        found = [pairs.encode(a, b) for a, b in groups]
        keys = lsh.sorted_unique(np.concatenate(found)) if found else np.empty(0, np.uint64)
        return values[starts[shared]], size[shared], keys

    # One slice per thread in flight: each holds its slice's work arrays.
    for values, sizes, keys in ordered_map(grouped, range(parts), workers, workers):
        table_values.append(values)
        table_sizes.append(sizes)
        pairs.add_sorted(keys)
    values = np.concatenate(table_values) if table_values else np.empty(0, np.uint64)
    sizes = np.concatenate(table_sizes) if table_sizes else np.empty(0, np.int64)
    order = np.argsort(values, kind="stable")
    a, b = pairs.pairs()
    return a, b, (values[order], sizes[order])


def _slice(
    flat: np.ndarray, offsets: np.ndarray, part_of: np.ndarray | None, part: int
) -> tuple[np.ndarray, np.ndarray]:
    """The anchors of slice ``part`` of the value range and their owners (int64)."""
    if part_of is None:
        return flat, np.repeat(np.arange(offsets.size - 1, dtype=np.int64), np.diff(offsets))
    where = np.flatnonzero(part_of == part)
    return flat[where], np.searchsorted(offsets, where, side="right") - 1


def verify(
    a: np.ndarray,
    b: np.ndarray,
    text_of: Callable[[list[int]], Sequence[str]],
    cfg: StoryConfig,
    holders: tuple[np.ndarray, np.ndarray],
) -> np.ndarray:
    """Which candidate pairs share a passage whose anchor is held by at most
    ``max_anchor_docs`` articles (exact, from the texts, in batches)."""
    values, counts = holders
    limit = cfg.max_anchor_docs
    out = np.zeros(a.size, dtype=bool)
    for lo in range(0, a.size, _VERIFY_CHUNK):
        ca, cb = a[lo : lo + _VERIFY_CHUNK], b[lo : lo + _VERIFY_CHUNK]
        nodes = sorted(set(ca.tolist()) | set(cb.tolist()))
        found = dict(zip(nodes, passages(text_of(nodes), cfg), strict=True))
        for k, (x, y) in enumerate(zip(ca.tolist(), cb.tolist(), strict=True)):
            hashes, anchor_of = found[x]
            _, shared, _ = np.intersect1d(
                hashes, found[y][0], assume_unique=True, return_indices=True
            )
            if shared.size:
                out[lo + k] = bool(np.any(_held(values, counts, anchor_of[shared]) <= limit))
    return out


def _held(values: np.ndarray, counts: np.ndarray, anchors: np.ndarray) -> np.ndarray:
    """How many articles hold each anchor (1 when the table does not list it)."""
    if not values.size:
        return np.ones(anchors.size, dtype=np.int64)
    where = np.minimum(np.searchsorted(values, anchors), values.size - 1)
    return np.where(values[where] == anchors, counts[where], 1)


def assign(
    doc_ids: Sequence[str],
    texts: Sequence[str],
    cfg: StoryConfig | None = None,
    *,
    anchor_index: tuple[np.ndarray, np.ndarray] | None = None,
    earlier: EarlierStories | None = None,
    earlier_texts: Callable[[list[str]], list[str]] | None = None,
    scratch: Path | None = None,
    workers: int = 1,
) -> list[str]:
    """The ``story_id`` of each of this run's kept articles (see the module docstring).

    ``anchor_index`` passes precomputed :func:`anchors` of ``texts``; ``earlier_texts`` loads
    the texts of earlier articles by doc_id (needed only when ``earlier`` is given);
    ``scratch``: where the passage join spills (:func:`story_pairs.shared_passage_pairs`);
    ``workers``: threads for the batch work (same result).
    """
    cfg = cfg or StoryConfig()
    n = len(doc_ids)
    flat, offsets = anchor_index if anchor_index is not None else anchors(texts, cfg, workers)
    a, b, holders = candidate_pairs(flat, offsets, cfg, earlier, workers)
    m = len(earlier.doc_ids) if earlier is not None else 0

    def text_of(nodes: list[int]) -> Sequence[str]:
        old = [earlier.doc_ids[i - n] for i in nodes if i >= n] if earlier else []
        if not old:  # only this run's texts: a batch read (an Arrow array from a spill file)
            return textspill.take(texts, nodes)
        loaded = iter(earlier_texts(old) if earlier_texts else [])
        return [texts[i] if i < n else next(loaded) for i in nodes]

    x, y = story_pairs.shared_passage_pairs(
        a,
        b,
        lambda nodes, usable: usable_passages(text_of(nodes), cfg, usable),
        holders,
        cfg.max_anchor_docs,
        n,
        scratch,
        workers,
    )
    uf = UnionFind(n + m)
    uf.union_pairs(x, y)
    every_root = uf.roots()
    roots = every_root[:n].tolist()
    smallest_new: dict[int, str] = {}
    for root, doc_id in zip(roots, doc_ids, strict=True):
        if root not in smallest_new or doc_id < smallest_new[root]:
            smallest_new[root] = doc_id
    smallest_earlier: dict[int, str] = {}  # an earlier member fixes its story's id
    for j in range(m):
        root = int(every_root[n + j])
        story = earlier.story_ids[j]  # type: ignore[union-attr]
        if root in smallest_new and (
            root not in smallest_earlier or story < smallest_earlier[root]
        ):
            smallest_earlier[root] = story
    return [smallest_earlier.get(root) or smallest_new[root] for root in roots]
