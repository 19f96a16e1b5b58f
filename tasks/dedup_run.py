"""A run's deduplication against everything published before, and its story clusters.

The steps, in order:

1. open the dedup index of the current version (rebuild it from the published articles when
   it is missing, incomplete or was computed with other parameters);
2. find the earlier articles this run's documents collide with, one LSH band at a time;
3. :func:`tasks.dedup.deduplicate` this run's documents among themselves (pairs verified
   exactly from the texts) and against those earlier articles (verified by the signature
   estimate: their texts are not in the index; earlier articles are fixed canonicals);
4. story clusters over this run's kept articles plus the earlier articles holding one of their
   passage anchors (verified exactly: the few earlier texts needed are read back from the
   published articles);
5. the index rows of this run's kept articles, published with the next version.
"""

from __future__ import annotations

import os
import shutil
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa

from tasks import dedup_index, lsh, stories, textspill
from tasks.dedup import Decision, DedupConfig, Signatures, deduplicate
from tasks.dedup_index import DedupIndex
from tasks.store import OutputStore
from tasks.stories import StoryConfig


@dataclass(slots=True)
class RunDedup:
    """Decisions by doc_id, story ids of kept articles, and the index material to publish."""

    decisions: dict[str, Decision]
    story_ids: dict[str, str]
    earlier_sources: dict[str, str] = field(default_factory=dict)  # kept copies of earlier runs
    index_part: pa.Table | None = None
    rebuilt: Path | None = None
    stats: dict[str, int] = field(default_factory=dict)


def open_index(
    store: OutputStore, cfg: DedupConfig, story: StoryConfig
) -> tuple[DedupIndex | None, Path | None]:
    """The current version's index, or a rebuilt one (returned as a file to install)."""
    for stale in store.meta.glob(".index-*"):
        shutil.rmtree(stale, ignore_errors=True)  # left by a killed run
    version = store.current_version()
    articles = store.published("articles")
    if not version or articles is None or not articles.count_rows():
        return None, None
    files = dedup_index.index_files(store.version_dir(version))
    if files and DedupIndex.compatible(files, cfg, story):
        index = DedupIndex(files, cfg, story)
        if len(index) == articles.count_rows():
            return index, None
    target = dedup_index.scratch_dir(store.meta) / "index.parquet"
    dedup_index.rebuild(articles, cfg, story, target)
    return DedupIndex([target], cfg, story), target


def run(
    store: OutputStore,
    doc_ids: Sequence[str],
    sources: Sequence[str],
    origins: Sequence[str],
    texts: Sequence[str],
    published: Sequence[str | None],
    signatures: Signatures,
    cfg: DedupConfig,
    story: StoryConfig | None = None,
    workers: int | None = None,
) -> RunDedup:
    """``workers``: threads for exact verification when there are several batches of
    candidate pairs (default: every core; small runs stay in this process)."""
    story = story or StoryConfig()
    index, rebuilt = open_index(store, cfg, story)
    earlier = index.earlier(signatures) if index is not None else None
    decisions = deduplicate(
        doc_ids,
        sources,
        signatures,
        cfg,
        texts=texts,
        published=published,
        origins=origins,
        earlier=earlier,
        workers=workers or os.cpu_count() or 1,
    )
    kept = np.array([i for i, d in enumerate(decisions) if d.kept], dtype=np.int64)
    kept_ids = [doc_ids[i] for i in kept]
    kept_texts = textspill.Rows(texts, kept)  # read batch by batch, never all held
    flat, offsets = stories.anchors(kept_texts, story)
    earlier_stories = index.stories(lsh.sorted_unique(flat)) if index is not None else None
    articles = store.published("articles")
    story_ids = stories.assign(
        kept_ids,
        kept_texts,
        story,
        anchor_index=(flat, offsets),
        earlier=earlier_stories,
        earlier_texts=lambda ids: dedup_index.published_texts(articles, ids),
        scratch=store.versions,
    )
    part = dedup_index.Rows(
        doc_ids=kept_ids,
        sources=[sources[i] for i in kept],
        origins=[origins[i] for i in kept],
        published=[published[i] for i in kept],
        signatures=signatures.take(kept),
        story_ids=story_ids,
        anchor_flat=flat,
        anchor_offsets=offsets,
    ).table(cfg, story)
    sizes = Counter(story_ids)
    stats = {
        "duplicates_of_earlier": sum(1 for d in decisions if d.earlier),
        "articles_in_stories": sum(
            1 for d, s in zip(kept_ids, story_ids, strict=True) if s != d or sizes[s] > 1
        ),
        "index_rebuilt": int(rebuilt is not None),
    }
    return RunDedup(
        decisions={d.doc_id: d for d in decisions},
        story_ids=dict(zip(kept_ids, story_ids, strict=True)),
        earlier_sources=(
            dict(zip(earlier.doc_ids, earlier.sources, strict=True)) if earlier else {}
        ),
        index_part=part,
        rebuilt=rebuilt,
        stats=stats,
    )


def install(staging: Path, version: int, result: RunDedup) -> None:
    """Put the run's index part (and a rebuilt index) into the version being staged."""
    dedup_index.install(staging, result.index_part, version, result.rebuilt)
    if result.rebuilt is not None:
        shutil.rmtree(result.rebuilt.parent, ignore_errors=True)
