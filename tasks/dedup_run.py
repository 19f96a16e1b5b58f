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
5. the index rows of this run's kept articles, published with the next version (written in a
   thread while the caller writes the version's files; :func:`install` waits for them).
"""

from __future__ import annotations

import os
import shutil
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, wait
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tasks import dedup_index, lsh, stories, textspill
from tasks.dedup import Decisions, DedupConfig, Signatures, decide
from tasks.dedup_index import DedupIndex
from tasks.memory import release_free_memory
from tasks.store import OutputStore
from tasks.stories import StoryConfig
from tasks.threads import in_thread


@dataclass(slots=True)
class RunDedup:
    """The run's decisions (rows in the order given), the story id of each kept article (in
    row order), and the index material to publish."""

    decisions: Decisions
    story_ids: list[str]
    earlier_sources: dict[str, str] = field(default_factory=dict)  # kept copies of earlier runs
    index_part: Future[Path] | None = None  # being written to a file under scratch_dir
    rebuilt: Path | None = None
    stats: dict[str, int] = field(default_factory=dict)

    def index_written(self) -> Path | None:
        """The index part's file once written (raises what writing it raised)."""
        return self.index_part.result() if self.index_part is not None else None

    def settle(self) -> None:
        """Wait until nothing is being written any more, whatever the outcome (the caller's
        own error, if any, is the one to report)."""
        if self.index_part is not None:
            wait([self.index_part])


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
    signature_parts: Callable[[], Iterable[Signatures]],
    cfg: DedupConfig,
    story: StoryConfig | None = None,
    workers: int | None = None,
) -> RunDedup:
    """``signature_parts`` gives the documents' signatures in parts, in row order (shard by
    shard), each time it is called: clustering holds them all, then they are let go before
    the story clusters, and read again part by part for the index rows (at 1M articles that
    is 768 MB not held through the stories). ``workers``: threads for the batch work over
    texts (exact verification, story anchors and passages; default: every core; a single
    batch stays in this thread)."""
    story = story or StoryConfig()
    threads = workers or os.cpu_count() or 1
    index, rebuilt = open_index(store, cfg, story)
    signatures = Signatures.stack(signature_parts(), len(doc_ids))
    earlier = index.earlier(signatures) if index is not None else None
    decisions = decide(
        doc_ids,
        sources,
        signatures,
        cfg,
        texts=texts,
        published=published,
        origins=origins,
        earlier=earlier,
        workers=threads,
    )
    del signatures
    release_free_memory()  # clustering's work arrays, before the stories' ones
    kept = np.flatnonzero(decisions.kept)
    kept_ids = [doc_ids[i] for i in kept.tolist()]
    kept_texts = textspill.Rows(texts, kept)  # read batch by batch, never all held
    flat, offsets = stories.anchors(kept_texts, story, threads)
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
        workers=threads,
    )
    part = None
    if len(kept):
        kept_signatures = _kept_signatures(signature_parts(), kept, dedup_index.ROW_GROUP)
        chunks = _index_rows(
            kept, kept_ids, sources, origins, published, kept_signatures, story_ids, flat, offsets
        )
        target = dedup_index.scratch_dir(store.meta) / "part.parquet"
        # Overlaps the caller's writing of the version (Parquet encoding and the compiled band
        # keys run without the GIL); what the rows need is not changed meanwhile.
        part = in_thread(dedup_index.write_rows, chunks, cfg, story, target)
    sizes = Counter(story_ids)
    stats = {
        "duplicates_of_earlier": int(np.count_nonzero(decisions.earlier)),
        "articles_in_stories": sum(
            1 for d, s in zip(kept_ids, story_ids, strict=True) if s != d or sizes[s] > 1
        ),
        "index_rebuilt": int(rebuilt is not None),
    }
    return RunDedup(
        decisions=decisions,
        story_ids=story_ids,
        earlier_sources=(
            dict(zip(earlier.doc_ids, earlier.sources, strict=True)) if earlier else {}
        ),
        index_part=part,
        rebuilt=rebuilt,
        stats=stats,
    )


def _index_rows(
    kept: np.ndarray,
    kept_ids: Sequence[str],
    sources: Sequence[str],
    origins: Sequence[str],
    published: Sequence[str | None],
    kept_signatures: Iterable[Signatures],
    story_ids: Sequence[str],
    anchor_flat: np.ndarray,
    anchor_offsets: np.ndarray,
) -> Iterator[dedup_index.Rows]:
    """The kept articles' index rows, one row group's worth at a time (``kept_signatures``
    comes in those groups)."""
    groups = range(0, len(kept), dedup_index.ROW_GROUP)
    for lo, signatures in zip(groups, kept_signatures, strict=True):
        hi = min(lo + dedup_index.ROW_GROUP, len(kept))
        rows = kept[lo:hi]
        start, stop = int(anchor_offsets[lo]), int(anchor_offsets[hi])
        yield dedup_index.Rows(
            doc_ids=kept_ids[lo:hi],
            sources=[sources[i] for i in rows],
            origins=[origins[i] for i in rows],
            published=[published[i] for i in rows],
            signatures=signatures,
            story_ids=story_ids[lo:hi],
            anchor_flat=anchor_flat[start:stop],
            anchor_offsets=anchor_offsets[lo : hi + 1] - start,
        )


def _kept_signatures(
    parts: Iterable[Signatures], kept: np.ndarray, size: int
) -> Iterator[Signatures]:
    """The signatures of the ``kept`` rows (sorted), ``size`` rows at a time, taken from the
    parts as they come: one part and one group are held, not the run's signatures."""
    pending: list[Signatures] = []
    held = start = 0
    for part in parts:
        lo, hi = np.searchsorted(kept, [start, start + len(part)])
        if hi > lo:
            pending.append(part.take(kept[lo:hi] - start))
            held += int(hi - lo)
        start += len(part)
        while held >= size:
            joined = Signatures.concat(pending)
            yield joined.take(np.arange(size))
            pending = [joined.take(np.arange(size, held))] if held > size else []
            held -= size
    if held:
        yield Signatures.concat(pending)


def install(staging: Path, version: int, result: RunDedup) -> None:
    """Put the run's index part (and a rebuilt index) into the version being staged, once
    written."""
    part = result.index_written()
    dedup_index.install(staging, part, version, result.rebuilt)
    for written in (part, result.rebuilt):
        if written is not None:
            shutil.rmtree(written.parent, ignore_errors=True)
