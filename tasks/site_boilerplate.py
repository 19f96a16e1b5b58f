"""Site boilerplate learned from the corpus: lines that recur across different stories of a site.

A page template puts the same lines into every article of a site (a newsletter box, "More from
Politics", a standard disclaimer); trafilatura keeps some of them because they sit inside the
article markup, and no rule file can know every publisher's wording. The corpus itself shows
them: they are whole paragraphs, word for word the same, in many *different* stories of one site.

Decision, per site (for every line key = casefolded, whitespace-collapsed paragraph):

* the site of a document is the host of its URL (without ``www.``), else its ``site``
  metadata (the name the page or record states), else the parent folder of its source file.
  The host comes first because it is the same on every page of a site, while the stated name
  is not: trafilatura reads it from ``og:site_name`` where a page has one and falls back to the
  host where it has not (measured on cleanportaleval: "bbc news" on 10 BBC pages, "bbc" on 2).
  Hosts that differ within one publisher (``m.``, ``edition.``) only split the evidence, which
  errs on the side of keeping text. Documents with neither are grouped by folder, the usual way
  crawls are stored;
* documents are first grouped into **stories**: copies of one text (a wire story on several
  pages of the site, an updated article) are near-duplicates (shingle Jaccard >= 0.5, or one
  contains >= 0.8 of the other with Jaccard >= 0.3, measured exactly on candidate pairs found
  by MinHash LSH, as in :mod:`tasks.dedup`). Evidence is counted in stories, never documents, so
  two or twenty copies of a story cannot make its paragraphs look like template text;
* a line is site boilerplate when it occurs in at least ``min_stories`` different stories of
  the site **and** in at least ``min_share`` of the site's stories, and has at most
  ``max_words`` words: a real paragraph shared by different stories (a background paragraph
  reused in updates) is long and shared by a few stories, template text is short and shared by
  many.

Every removal carries its evidence (``"in 5 of 12 stories of site bbc.co.uk"``). The result
depends only on the set of documents: not on their order, shard boundaries or worker count.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

import numpy as np

from tasks import lsh, textspill, words
from tasks.dedup import DedupConfig, Signatures, kept_copies
from tasks.threads import ordered_map

RULE = "site-recurring-line"
CATEGORY = "site_boilerplate"
PARAGRAPH_SEPARATOR = "\n\n"

_BATCH = 8192  # texts hashed per call: a batch of texts in memory at a time


@dataclass(frozen=True, slots=True)
class SiteBoilerplateConfig:
    """Thresholds; see the module docstring for why each exists."""

    enabled: bool = True
    min_stories: int = 3
    min_share: float = 0.2
    max_words: int = 40
    story_jaccard: float = 0.5
    story_containment: float = 0.8
    story_min_jaccard: float = 0.3

    def __post_init__(self) -> None:
        if self.min_stories < 2:
            raise ValueError(f"min_stories must be >= 2, got {self.min_stories}")
        if not 0.0 < self.min_share <= 1.0:
            raise ValueError(f"min_share must be in (0, 1], got {self.min_share}")
        if self.max_words < 1:
            raise ValueError(f"max_words must be >= 1, got {self.max_words}")


@dataclass(frozen=True, slots=True)
class SiteDocument:
    """What the decision needs from one article (its text: paragraphs joined by blank lines)."""

    doc_id: str
    source: str
    text: str
    site: str | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class SiteLine:
    """One paragraph to remove from one document, with the evidence for it."""

    doc: int
    paragraph: int
    line: str
    detail: str


def site_of(site: str | None, url: str | None, source: str) -> str:
    """The site a document belongs to (see the module docstring for the order)."""
    host = _host(url)
    if host:
        return host
    name = " ".join((site or "").split()).casefold()
    if name:
        return name
    # ``path#N`` (a record in a container) has the same folder as ``path``.
    return f"folder:{os.path.dirname(source) or '.'}"


def _host(url: str | None) -> str | None:
    if not url:
        return None
    try:
        host = urlsplit(url.strip()).hostname
    except ValueError:
        return None
    if not host:
        return None
    return host[4:] if host.startswith("www.") else host


def paragraphs(text: str) -> list[str]:
    return text.split(PARAGRAPH_SEPARATOR) if text else []


def find_site_boilerplate(
    docs: Sequence[SiteDocument],
    signatures: Signatures,
    dedup: DedupConfig,
    cfg: SiteBoilerplateConfig | None = None,
    workers: int = 1,
) -> list[SiteLine]:
    """Every paragraph of ``docs`` that is site boilerplate, in document then paragraph order.

    ``signatures`` are the documents' MinHash signatures (row ``i`` for ``docs[i]``), computed
    with ``dedup``'s shingle settings; they find the story groups. A convenience over
    :func:`site_findings` for documents held in memory.
    """
    texts = [doc.text for doc in docs]
    findings = site_findings(
        [doc.doc_id for doc in docs],
        [doc.source for doc in docs],
        [site_of(doc.site, doc.url, doc.source) for doc in docs],
        texts,
        signatures,
        dedup,
        cfg,
        workers,
    )
    return [
        SiteLine(doc, paragraph, paragraphs(texts[doc])[paragraph], detail)
        for doc, paragraph, detail in findings
    ]


@dataclass(frozen=True, slots=True)
class SiteFindings:
    """Paragraphs to remove: ``(doc, paragraph, detail)`` triples as arrays, sorted by document
    then paragraph; ``detail[i]`` indexes ``details`` (the evidence, one text per line key)."""

    doc: np.ndarray
    paragraph: np.ndarray
    detail: np.ndarray
    details: list[str]

    def __len__(self) -> int:
        return int(self.doc.size)

    def __iter__(self) -> Iterator[tuple[int, int, str]]:
        for doc, paragraph, detail in zip(
            self.doc.tolist(), self.paragraph.tolist(), self.detail.tolist(), strict=True
        ):
            yield doc, paragraph, self.details[detail]


def site_findings(
    doc_ids: Sequence[str],
    sources: Sequence[str],
    sites: Sequence[str],
    texts: Sequence[str],
    signatures: Signatures,
    dedup: DedupConfig,
    cfg: SiteBoilerplateConfig | None = None,
    workers: int = 1,
) -> SiteFindings:
    """The site boilerplate of a run, with memory bounded by its paragraph count, not its text.

    ``sites`` are the documents' sites (:func:`site_of`); ``texts`` may live on disk (a
    :class:`~tasks.textspill.SpilledTexts`): they are read once in order, then only the rows
    a decision needs. Each paragraph is kept as a 64-bit hash of its site and line key, so
    counting is array work; two different keys of one run sharing a hash (about 1 in 10^5 for a
    run of 20 million distinct paragraphs) would pool their evidence. ``workers``: threads for
    the batch work over texts (same result).
    """
    cfg = cfg or SiteBoilerplateConfig()
    n = len(texts)
    if not cfg.enabled or n < cfg.min_stories:
        return _no_findings()
    site_code, names = _codes(sites)
    counted = np.bincount(site_code, minlength=len(names)) >= cfg.min_stories
    # Which documents carry each line key (once per document: present_*), and how many.
    hashes, offsets, present_doc, present_hash = _paragraph_hashes(
        texts, site_code, names, counted[site_code], cfg.max_words, workers
    )
    doc_of = np.repeat(np.arange(n, dtype=np.int64), np.diff(offsets))
    keys, carriers = _runs(np.sort(present_hash))
    candidate_keys = keys[carriers >= cfg.min_stories]
    if not candidate_keys.size:
        return _no_findings()
    # The carriers of candidate keys, in document order; a key's site is its first carrier's.
    mask = lsh.Membership(candidate_keys)(present_hash)
    candidate_hash, candidate_doc = present_hash[mask], present_doc[mask]
    del mask, present_hash, present_doc
    _, first = np.unique(candidate_hash, return_index=True)
    key_site = site_code[candidate_doc[first]]

    # Stories of every site with a candidate line; evidence is counted in stories.
    grouped = np.flatnonzero(np.isin(site_code, np.unique(key_site)))
    story = np.full(n, -1, dtype=np.int64)
    story[grouped] = _stories(doc_ids, sources, texts, grouped, signatures, dedup, cfg, workers)
    site_of_story, _ = _distinct_pairs(site_code[grouped], story[grouped])
    stories_per_site = np.bincount(site_of_story, minlength=len(names))

    key_of_story, _ = _distinct_pairs(candidate_hash, story[candidate_doc])
    found_keys, in_stories = _runs(key_of_story)
    total = stories_per_site[key_site]  # candidate_keys and found_keys are both sorted
    chosen = (in_stories >= cfg.min_stories) & (in_stories >= cfg.min_share * total)
    boilerplate = found_keys[chosen]
    details = [
        f"in {k} of {t} stories of site {names[s]}"
        for k, t, s in zip(
            in_stories[chosen].tolist(),
            total[chosen].tolist(),
            key_site[chosen].tolist(),
            strict=True,
        )
    ]
    at = np.flatnonzero(lsh.Membership(boilerplate)(hashes))
    doc = doc_of[at]
    return SiteFindings(
        doc=doc,
        paragraph=at - offsets[doc],
        detail=np.searchsorted(boilerplate, hashes[at]),
        details=details,
    )


def _no_findings() -> SiteFindings:
    empty = np.zeros(0, dtype=np.int64)
    return SiteFindings(empty, empty, empty, [])


def _codes(values: Sequence[str]) -> tuple[np.ndarray, list[str]]:
    """An integer code per value (first-seen order) and the distinct values."""
    index: dict[str, int] = {}
    codes = np.fromiter(
        (index.setdefault(v, len(index)) for v in values), dtype=np.int64, count=len(values)
    )
    return codes, list(index)


def _paragraph_hashes(
    texts: Sequence[str],
    site_code: np.ndarray,
    names: list[str],
    counted: np.ndarray,
    max_words: int,
    workers: int = 1,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every paragraph's 64-bit hash of (site, line key), each document's first paragraph in
    that flat array, and the distinct non-zero ``(doc, hash)`` pairs, sorted (worked out a
    batch of documents at a time, in the threads). The hash is 0 where the paragraph cannot be
    site boilerplate: an empty key, more than ``max_words`` words, a site with too few
    documents to count."""
    seeds = np.array([_site_seed(name) for name in names], dtype=np.uint64)[site_code]
    n = len(texts)
    parts: list[np.ndarray] = []
    pairs: list[tuple[np.ndarray, np.ndarray]] = []
    offsets = np.zeros(n + 1, dtype=np.int64)

    def hashed(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray]]:
        batch = textspill.take(texts, rows)
        hashes, _, counts = words.paragraph_keys(batch, seeds[rows], max_words)  # longer: 0
        hashes[np.repeat(~counted[rows], counts)] = 0
        return hashes, counts, _unique_pairs(np.repeat(rows, counts), hashes)

    starts = range(0, n, _BATCH)
    batches = (np.arange(lo, min(n, lo + _BATCH)) for lo in starts)
    done = ordered_map(hashed, batches, workers)
    for lo, (hashes, counts, present) in zip(starts, done, strict=True):
        parts.append(hashes)
        pairs.append(present)  # batches hold consecutive documents: in (doc, hash) order
        offsets[lo + 1 : lo + 1 + counts.size] = offsets[lo] + np.cumsum(counts)
    flat = np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint64)
    if not pairs:
        return flat, offsets, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint64)
    doc, key = zip(*pairs, strict=True)
    return flat, offsets, np.concatenate(doc), np.concatenate(key)


def _site_seed(name: str) -> int:
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "little")


def _unique_pairs(doc_of: np.ndarray, hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct non-zero ``(doc, hash)`` pairs, sorted."""
    keep = hashes != 0
    return _distinct_pairs(doc_of[keep], hashes[keep])


def _distinct_pairs(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct ``(x, y)`` pairs sorted by ``x`` then ``y`` (``np.unique(axis=1)`` of the two
    rows, by one two-key sort: several times faster)."""
    order = np.lexsort((y, x))
    x, y = x[order], y[order]
    first = np.ones(x.size, dtype=bool)
    first[1:] = (x[1:] != x[:-1]) | (y[1:] != y[:-1])
    return x[first], y[first]


def _runs(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values of sorted ``values`` and how often each occurs."""
    if not values.size:
        return values, np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.concatenate(([True], values[1:] != values[:-1])))
    return values[starts], np.diff(np.append(starts, values.size))


def _stories(
    doc_ids: Sequence[str],
    sources: Sequence[str],
    texts: Sequence[str],
    rows: np.ndarray,
    signatures: Signatures,
    dedup: DedupConfig,
    cfg: SiteBoilerplateConfig,
    workers: int = 1,
) -> np.ndarray:
    """The story of each of ``rows``: the row of the copy :func:`deduplicate` keeps
    (:func:`kept_copies`: the clusters without a decision per document)."""
    loose = replace(
        dedup,
        jaccard_threshold=cfg.story_jaccard,
        containment_threshold=cfg.story_containment,
        min_jaccard_for_containment=cfg.story_min_jaccard,
        policy="longest",
        source_priority=(),
    )
    kept = kept_copies(
        [doc_ids[i] for i in rows.tolist()],
        [sources[i] for i in rows.tolist()],
        signatures.take(rows),
        loose,
        texts=textspill.Rows(texts, rows),
        workers=workers,
    )
    return rows[kept]
