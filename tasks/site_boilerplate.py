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

import os
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

import numpy as np

from tasks.dedup import DedupConfig, Signatures, deduplicate
from tasks.normalize import comparison_key

RULE = "site-recurring-line"
CATEGORY = "site_boilerplate"
PARAGRAPH_SEPARATOR = "\n\n"

_WORD = re.compile(r"\w+")


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
) -> list[SiteLine]:
    """Every paragraph of ``docs`` that is site boilerplate, in document then paragraph order.

    ``signatures`` are the documents' MinHash signatures (row ``i`` for ``docs[i]``), computed
    with ``dedup``'s shingle settings; they find the story groups.
    """
    cfg = cfg or SiteBoilerplateConfig()
    if not cfg.enabled or len(docs) < cfg.min_stories:
        return []
    keys = [[comparison_key(p) for p in paragraphs(doc.text)] for doc in docs]
    present = [set(doc_keys) for doc_keys in keys]
    members: dict[str, list[int]] = defaultdict(list)
    for i, doc in enumerate(docs):
        members[site_of(doc.site, doc.url, doc.source)].append(i)

    # Documents carrying a line key often enough to be worth grouping into stories.
    candidates: dict[str, set[str]] = {}
    for site, indices in members.items():
        if len(indices) < cfg.min_stories:
            continue
        frequency = Counter(k for i in indices for k in present[i])
        # Words are counted only for keys frequent enough to matter: most paragraphs are unique.
        common = {
            k
            for k, n in frequency.items()
            if n >= cfg.min_stories and k and _words(k) <= cfg.max_words
        }
        if common:
            candidates[site] = common
    if not candidates:
        return []
    grouped = sorted(i for site in candidates for i in members[site])
    story = _stories(docs, grouped, signatures, dedup, cfg)

    boilerplate: dict[int, dict[str, str]] = defaultdict(dict)
    for site in sorted(candidates):
        indices = members[site]
        total = len({story[i] for i in indices})
        stories_of: dict[str, set[str]] = defaultdict(set)
        for i in indices:
            for k in present[i] & candidates[site]:
                stories_of[k].add(story[i])
        for k, carriers in stories_of.items():
            n = len(carriers)
            if n >= cfg.min_stories and n >= cfg.min_share * total:
                detail = f"in {n} of {total} stories of site {site}"
                for i in indices:
                    if k in present[i]:
                        boilerplate[i][k] = detail
    found: list[SiteLine] = []
    for i in sorted(boilerplate):
        for p, (key, text) in enumerate(zip(keys[i], paragraphs(docs[i].text), strict=True)):
            if key in boilerplate[i]:
                found.append(SiteLine(i, p, text, boilerplate[i][key]))
    return found


def _words(key: str) -> int:
    return len(_WORD.findall(key))


def _stories(
    docs: Sequence[SiteDocument],
    indices: Sequence[int],
    signatures: Signatures,
    dedup: DedupConfig,
    cfg: SiteBoilerplateConfig,
) -> dict[int, str]:
    """Story label (the doc_id that :func:`deduplicate` keeps) of each of ``indices``."""
    rows = np.asarray(indices, dtype=np.int64)
    subset = signatures.take(rows)
    loose = replace(
        dedup,
        jaccard_threshold=cfg.story_jaccard,
        containment_threshold=cfg.story_containment,
        min_jaccard_for_containment=cfg.story_min_jaccard,
        policy="longest",
        source_priority=(),
    )
    decisions = deduplicate(
        [docs[i].doc_id for i in indices],
        [docs[i].source for i in indices],
        subset,
        loose,
        texts=[docs[i].text for i in indices],
    )
    return {
        i: decision.duplicate_of or decision.doc_id
        for i, decision in zip(indices, decisions, strict=True)
    }
