"""Join shard results, deduplicate across them, and write the next dataset version.

Runs once per flow run. Memory holds what clustering needs (signatures, ids, sources); the
texts that exact verification reads are spilled to one memory-mapped file
(:mod:`tasks.textspill`) so memory does not grow with the corpus. Tables are then streamed
shard by shard into the output, texts included, so row order is deterministic: shard order,
then input order.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import tempfile
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from tasks import dedup_run, schema
from tasks.config import PipelineConfig
from tasks.counts import Counts
from tasks.dedup import Decisions, Signatures
from tasks.dedup_index import origin
from tasks.memory import release_free_memory
from tasks.pause import pause_point
from tasks.rowgroups import RowGroupWriter
from tasks.shard import load_signatures, read_counts, read_table, save_signatures
from tasks.site_apply import conform, site_rows, strip_site_boilerplate
from tasks.store import MANIFEST, OutputStore, partition_dir
from tasks.textspill import SpilledTexts, spilled_texts
from tasks.threads import in_thread, ordered_map

_PARQUET = {"compression": "zstd", "write_statistics": True}
_UNDETERMINED = "und"


@dataclass(slots=True)
class RunResult:
    """What a run published: the version, its counts, and material for the run report."""

    version: int
    out: str
    summary: dict[str, Any]
    counts: dict[str, Any]
    top_clusters: list[dict[str, Any]] = field(default_factory=list)
    top_removed_lines: list[dict[str, Any]] = field(default_factory=list)


def assemble_run(
    store: OutputStore,
    shard_dirs: list[Path],
    config: PipelineConfig,
    parameters: dict[str, Any],
) -> RunResult:
    started = datetime.now(UTC).isoformat(timespec="seconds")
    known = published_ids(store)
    counts = sum((read_counts(d) for d in shard_dirs), Counts())
    workers = os.cpu_count() or 1
    frames = list(ordered_map(lambda d: _ShardFrame.load(d, known), shard_dirs, workers))
    store.versions.mkdir(parents=True, exist_ok=True)
    # Texts rewritten by the site pass wait here; ".staging-" so that a run killed meanwhile
    # leaves nothing the next run keeps.
    # Who each row is, for the site statistics (Python per document), while texts are spilled.
    candidates = in_thread(site_rows, frames) if config.site.enabled else None
    with (
        tempfile.TemporaryDirectory(prefix=".staging-scratch-", dir=store.versions) as scratch,
        spilled_texts(_read_ahead(frames), Path(scratch), ".texts-") as spilled,
    ):
        # Texts stay on disk (one spill file of the run, not Python strings); corpus-level
        # site statistics first, then dedup on the texts as the site pass left them.
        rows = candidates.result() if candidates is not None else None
        frames, texts = strip_site_boilerplate(frames, config, counts, Path(scratch), spilled, rows)
        del candidates, rows
        release_free_memory()
        with contextlib.closing(texts):
            dedup = _decide(frames, config, store, texts)
            release_free_memory()
            decisions = dedup.decisions
            version, staging = store.begin()
            try:  # the dedup index part is written meanwhile
                written, removed = _write_version(staging, version, frames, dedup, texts)
            finally:
                dedup.settle()
    dedup_run.install(staging, version, dedup)

    summary = {
        "inputs": counts.inputs,
        "articles": written["articles"],
        "duplicates": written["duplicates"],
        "rejects": written["rejects"],
        "removed_lines": written["removed_lines"],
        "already_published": sum(f.already_published for f in frames),
        "skipped_records": sum(counts.skipped_records.values()),
        "duplicates_of_earlier": dedup.stats.get("duplicates_of_earlier", 0),
        "articles_in_stories": dedup.stats.get("articles_in_stories", 0),
    }
    summary["accounted"] = (
        summary["articles"]
        + summary["duplicates"]
        + summary["rejects"]
        + summary["already_published"]
    ) == summary["inputs"]
    manifest = {
        "version": version,
        "started": started,
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "parameters": parameters,
        "config_fingerprint": config.fingerprint(),
        "summary": summary,
        "counts": counts.to_dict(),
        "published_languages": written["languages"],
        "shards": [d.name for d in shard_dirs],
    }
    (staging / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    store.publish(version, staging)
    return RunResult(
        version=version,
        out=str(store.root),
        summary=summary,
        counts=counts.to_dict(),
        top_clusters=_top_clusters(frames, decisions),
        top_removed_lines=_top_removed(removed),
    )


def published_ids(store: OutputStore) -> pa.Array:
    """Every doc_id the current version already accounts for (article, duplicate or reject)."""
    parts = [
        dataset.to_table(columns=["doc_id"]).column("doc_id").cast(pa.string())
        for name in ("articles", "duplicates", "rejects")
        if (dataset := store.published(name)) is not None
    ]
    chunks = [chunk for part in parts for chunk in part.chunks]
    return pa.concat_arrays(chunks) if chunks else pa.array([], type=pa.string())


@dataclass(slots=True)
class _ShardFrame:
    """One shard's new rows (inputs already published by an earlier run are filtered out).

    ``candidates`` holds every column but the text; :meth:`texts` reads it from the shard file
    when needed, one shard at a time. A frame whose texts the site boilerplate pass rewrote
    reads them from the file :meth:`park` wrote (``parked``).
    """

    folder: Path
    candidates: pa.Table
    rejects: pa.Table
    already_published: int
    fresh: pa.ChunkedArray | None = None  # which of the shard's candidate rows are new
    known: pa.Array | None = None  # doc_ids an earlier version already accounts for
    parked: Path | None = None  # candidates (texts included) and signatures after the site pass
    added_lines: pa.Table | None = None  # removed lines the site pass added

    @property
    def removed_lines(self) -> pa.Table:
        """The shard's removed lines of new documents, then the site pass's (read from disk on
        each use: a row per removed line is more than the rest of a frame)."""
        table = conform(read_table(self.folder, "removed_lines"), schema.REMOVED_LINES)
        if self.known is not None:
            table = table.filter(pc.invert(pc.is_in(table.column("doc_id"), self.known)))
        if self.added_lines is None:
            return table
        return pa.concat_tables([table, self.added_lines])

    @property
    def signatures(self) -> Signatures:
        """Read from disk on each use (768 bytes a document: a run's worth is kept only once,
        by clustering)."""
        if self.parked is not None:
            return load_signatures(self.parked)
        signatures = load_signatures(self.folder)
        if self.fresh is None:
            return signatures
        return signatures.take(self.fresh.to_numpy(zero_copy_only=False))

    def texts(self) -> pa.ChunkedArray:
        if "text" in self.candidates.schema.names:
            return self.candidates.column("text")
        if self.parked is not None:
            parked = pq.read_table(self.parked / "candidates.parquet", columns=["text"])
            return parked.column("text")
        column = read_table(self.folder, "candidates", ["text"]).column("text")
        return column if self.fresh is None else column.filter(self.fresh)

    def park(self, folder: Path, signatures: Signatures, added_lines: pa.Table) -> _ShardFrame:
        """This frame with its candidates (texts included, as ``candidates`` holds them now)
        and ``signatures`` in files under ``folder``, and in memory only the other columns;
        ``added_lines``: the lines the site pass removed."""
        target = folder / self.folder.name
        target.mkdir()
        pq.write_table(self.candidates, target / "candidates.parquet", compression="none")
        save_signatures(signatures, target / "signatures.npz")
        return replace(
            self,
            candidates=self.candidates.drop_columns(["text"]),
            parked=target,
            added_lines=added_lines,
        )

    @classmethod
    def load(cls, folder: Path, known: pa.Array | None = None) -> _ShardFrame:
        """``known``: the doc_ids published before (:func:`published_ids`), left out."""
        names = [name for name in schema.CANDIDATES.names if name != "text"]
        candidates = read_table(folder, "candidates", names)
        rejects = read_table(folder, "rejects")
        if known is None or not len(known):
            return cls(folder, candidates, rejects, 0)
        fresh = pc.invert(pc.is_in(candidates.column("doc_id"), known))
        fresh_rejects = pc.invert(pc.is_in(rejects.column("doc_id"), known))
        already = (len(candidates) - (pc.sum(fresh).as_py() or 0)) + (
            len(rejects) - (pc.sum(fresh_rejects).as_py() or 0)
        )
        return cls(
            folder,
            candidates.filter(fresh),
            rejects.filter(fresh_rejects),
            already,
            fresh,
            known,
        )


def _read_ahead(frames: list[_ShardFrame]) -> Iterator[pa.ChunkedArray]:
    """Each frame's texts in order, the next ones read while one is spilled."""
    return ordered_map(lambda f: f.texts(), frames, os.cpu_count() or 1)


def _decide(
    frames: list[_ShardFrame], config: PipelineConfig, store: OutputStore, texts: SpilledTexts
) -> dedup_run.RunDedup:
    """``texts``: the frames' candidates' texts, in order."""
    parts = [f for f in frames if len(f.candidates)]
    if not parts:
        return dedup_run.RunDedup(decisions=Decisions.empty(), story_ids=[])
    doc_ids = [i for f in parts for i in f.candidates.column("doc_id").to_pylist()]
    sources = [s for f in parts for s in f.candidates.column("source").to_pylist()]
    published = [p for f in parts for p in f.candidates.column("published").to_pylist()]
    origins = [o for f in parts for o in _origins(f.candidates)]
    return dedup_run.run(
        store,
        doc_ids,
        sources,
        origins,
        texts,
        published,
        lambda: (f.signatures for f in parts),  # read from the shard files each time
        config.dedup,
        config.stories,
    )


def _origins(candidates: pa.Table) -> list[str]:
    """:func:`origin` of each row (built shard by shard: the run's urls and sites are never
    held as Python lists)."""
    columns = candidates.select(["source", "url", "site"]).to_pydict()
    rows = zip(columns["source"], columns["url"], columns["site"], strict=True)
    return [origin(*row) for row in rows]


def _write_version(
    staging: Path,
    version: int,
    frames: list[_ShardFrame],
    dedup: dedup_run.RunDedup,
    texts: SpilledTexts,
) -> tuple[dict[str, Any], Counter[tuple[str, str]]]:
    """Append this run's rows as new part files next to the previous version's files; returns
    what was written and how often each line was removed by each rule (for the report).

    ``texts``: the frames' candidates' texts, in order (read back from the run's spill file
    rather than decoded from the shard files a second time).
    """
    part = f"part-{version:06d}.parquet"
    # The run's rows are the frames' candidates in order (the rows of dedup.decisions).
    bounds = np.cumsum([0] + [len(frame.candidates) for frame in frames]).tolist()
    kept = dedup.decisions.kept
    run = _RunRows(
        dedup,
        pa.chunked_array(
            [c for f in frames for c in f.candidates.column("source").chunks], pa.string()
        ),
        kept,
        np.flatnonzero(kept),
        pa.array(dedup.story_ids, pa.string()),
    )

    article_writers: dict[str, RowGroupWriter] = {}
    file_schema = schema.ARTICLES.remove(schema.ARTICLES.get_field_index("language"))
    written = Counter()
    languages: Counter[str] = Counter()
    removed: Counter[tuple[str, str]] = Counter()
    simple = {
        name: RowGroupWriter(staging / name / part, schema.DATASETS[name], **_PARQUET)
        for name in ("duplicates", "removed_lines", "rejects")
    }

    def prepared(
        job: tuple[_ShardFrame, np.ndarray],
    ) -> tuple[_ShardFrame, list[tuple[str, pa.Table]], pa.Table, pa.Table, Counter]:
        """A frame's tables as written: articles by language, duplicates, removed lines (and
        their counts)."""
        frame, rows = job
        text = texts.take(rows).cast(pa.string())
        candidates = frame.candidates.append_column(schema.CANDIDATES.field("text"), text)
        kept, duplicates = run.split(candidates, int(rows[0]) if rows.size else 0)
        articles = [
            (language, table.select(file_schema.names).cast(file_schema))
            for language, table in _by_language(kept)
        ]
        removed_lines = frame.removed_lines  # read once
        return frame, articles, duplicates, removed_lines, _removed_counts(removed_lines)

    jobs = [
        (frame, np.arange(lo, hi))
        for frame, lo, hi in zip(frames, bounds[:-1], bounds[1:], strict=True)
    ]
    workers = os.cpu_count() or 1
    try:
        # The next shards are read and split while this one is written, its files in parallel
        # (each writer gets one table per shard, in shard order; row groups of a fixed size).
        with ThreadPoolExecutor(workers) as pool:  # waits for the writes before closing
            tables = ordered_map(prepared, jobs, workers)
            for frame, articles, duplicates, removed_lines, counted in tables:
                removed.update(counted)
                writes = [
                    (simple["duplicates"], duplicates),
                    (simple["removed_lines"], removed_lines),
                    (simple["rejects"], frame.rejects),
                ]
                for language, table in articles:
                    writer = article_writers.get(language)
                    if writer is None:
                        folder = partition_dir(staging / "articles", "language", language)
                        folder.mkdir(parents=True, exist_ok=True)
                        writer = RowGroupWriter(folder / part, file_schema, **_PARQUET)
                        article_writers[language] = writer
                    writes.append((writer, table))
                    languages[language] += len(table)
                for done in [pool.submit(_write, job) for job in writes]:
                    done.result()
                written["articles"] += sum(len(table) for _, table in articles)
                written["duplicates"] += len(duplicates)
                written["removed_lines"] += len(removed_lines)
                written["rejects"] += len(frame.rejects)
                pause_point("version-writing")
        if not article_writers and not any((staging / "articles").rglob("*.parquet")):
            # Readers (DuckDB, polars) fail on a dataset without files: publish an empty one.
            folder = partition_dir(staging / "articles", "language", _UNDETERMINED)
            folder.mkdir(parents=True, exist_ok=True)
            pq.write_table(file_schema.empty_table(), folder / part, **_PARQUET)
    finally:  # each writer's last row group written, the files closed, in parallel
        with ThreadPoolExecutor(workers) as pool:
            closing = [pool.submit(w.close) for w in [*article_writers.values(), *simple.values()]]
        for done in closing:
            done.result()
    return {**written, "languages": dict(sorted(languages.items()))}, removed


def _write(job: tuple[RowGroupWriter, pa.Table]) -> None:
    writer, table = job
    writer.write_table(table)


@dataclass(frozen=True, slots=True)
class _RunRows:
    """What splitting a frame into kept articles and duplicates reads, by run row: the
    decisions, every row's source, which rows are kept (a mask, their rows) and the kept
    rows' story ids."""

    dedup: dedup_run.RunDedup
    sources: pa.ChunkedArray
    kept: np.ndarray
    kept_rows: np.ndarray
    story_ids: pa.Array

    def split(self, candidates: pa.Table, lo: int) -> tuple[pa.Table, pa.Table]:
        """``candidates`` (run rows ``lo`` on) as kept articles, with their cluster size and
        story id, and as rows of ``duplicates``: array work, a Python value per duplicate."""
        decisions = self.dedup.decisions
        n, hi = len(decisions), lo + len(candidates)
        kept_mask = self.kept[lo:hi]
        a, b = np.searchsorted(self.kept_rows, [lo, hi]).tolist()
        kept = (
            candidates.filter(pa.array(kept_mask, type=pa.bool_()))
            .append_column(
                "cluster_size",
                pa.array(decisions.cluster_size[lo:hi][kept_mask], type=pa.int32()),
            )
            .append_column("story_id", self.story_ids.slice(a, b - a))
        )
        dropped = np.flatnonzero(~kept_mask)
        rows = candidates.take(pa.array(dropped, type=pa.int64()))
        targets = decisions.keep[lo + dropped]
        in_run = targets < n
        of_source = np.empty(dropped.size, dtype=object)
        of_source[in_run] = self.sources.take(pa.array(targets[in_run])).to_pylist()
        of_source[~in_run] = [
            self.dedup.earlier_sources[decisions.kept_id(t)] for t in targets[~in_run].tolist()
        ]
        columns = {
            "doc_id": rows.column("doc_id"),
            "source": rows.column("source"),
            "duplicate_of": pa.array([decisions.kept_id(t) for t in targets.tolist()], pa.string()),
            "duplicate_of_source": pa.array(of_source.tolist(), pa.string()),
            "similarity": pa.array(
                [round(s, 6) for s in decisions.similarity[lo + dropped].tolist()], pa.float64()
            ),
            "method": pa.array(
                ["exact" if e else "near" for e in decisions.exact[lo + dropped].tolist()],
                pa.string(),
            ),
            "title": rows.column("title"),
            "language": rows.column("language"),
            "url": rows.column("url"),
        }
        duplicates = pa.Table.from_arrays(
            [columns[name] for name in schema.DUPLICATES.names], schema=schema.DUPLICATES
        )
        return kept, duplicates


def _by_language(table: pa.Table) -> list[tuple[str, pa.Table]]:
    """The rows of each language (sorted), in input order: one stable sort, then a take per
    language (a filter per language cost ~0.6 ms each, 10,000 of them at 1M articles). Takes,
    not slices of one sorted copy: a writer holds a language's rows until its row group is
    full, and a slice would keep the whole shard's texts alive with them (2 GB at 1M)."""
    if not len(table):
        return []
    order = pc.sort_indices(table.column("language"))  # stable: input order within a language
    languages = table.column("language").take(order).to_pylist()
    groups, start = [], 0
    for language, rows in itertools.groupby(languages):
        size = sum(1 for _ in rows)
        groups.append((language, table.take(order.slice(start, size))))
        start += size
    return groups


def _top_clusters(frames: list[_ShardFrame], decisions: Decisions, n: int = 10):
    sizes = decisions.cluster_size
    rows = np.flatnonzero(decisions.kept & (sizes > 1)).tolist()
    rows.sort(key=lambda r: (-int(sizes[r]), decisions.doc_ids[r]))
    top = [(decisions.doc_ids[r], int(sizes[r])) for r in rows[:n]]
    wanted = pa.array([doc_id for doc_id, _ in top], type=pa.string())
    titles: dict[str, tuple[str, str | None]] = {}
    for frame in frames:
        found = frame.candidates.select(["doc_id", "source", "title"])
        for row in found.filter(pc.is_in(found.column("doc_id"), wanted)).to_pylist():
            titles[row["doc_id"]] = (row["source"], row["title"])
    return [
        {
            "doc_id": doc_id,
            "source": titles[doc_id][0],
            "title": titles[doc_id][1],
            "cluster_size": size,
        }
        for doc_id, size in top
    ]


def _removed_counts(removed_lines: pa.Table) -> Counter[tuple[str, str]]:
    """How often each removed line (its first 200 characters) was removed by each rule."""
    columns = removed_lines.select(["line", "rule"]).to_pydict()
    return Counter(
        (line[:200], rule) for line, rule in zip(columns["line"], columns["rule"], strict=True)
    )


def _top_removed(lines: Counter[tuple[str, str]], n: int = 10) -> list[dict[str, Any]]:
    top = sorted(lines.items(), key=lambda item: (-item[1], item[0]))[:n]
    return [{"line": line, "rule": rule, "count": count} for (line, rule), count in top]
