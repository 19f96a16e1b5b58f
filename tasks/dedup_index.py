"""The dedup index: what later runs need to know about published articles, without texts.

One Parquet part file per run under each dataset version (``.newsclean/versions/N/
dedup_index/part-N.parquet``), so the index is published atomically with the articles it
describes and older versions keep theirs. A row per published article:

* ``doc_id``, ``source``, ``origin`` (source, url and site, for ``source_priority``),
  ``published``, ``char_length``: what the canonical-copy policy compares;
* ``shingle_count``, ``exact_hash`` (16 bytes), ``signature`` (``num_perm`` uint32): what
  verification by estimate needs;
* ``band_00`` ... one uint64 column per LSH band: a run reads **one band column at a time**
  to find the earlier articles its documents collide with, so finding candidates costs 8 bytes
  per earlier article of memory, not a whole signature;
* ``story_id`` and ``anchors`` (the article's winnowed passage anchors, :mod:`tasks.stories`).

About 1.3 KB per article on disk before compression (192 permutations, 64 bands). The index is
derived data: when it is missing (output written before it existed) or was computed with other
parameters, it is rebuilt from the published articles' texts.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from tasks import lsh, minhash
from tasks.dedup import DedupConfig, Earlier, Signatures, compute_signatures
from tasks.stories import EarlierStories, StoryConfig, anchors

FOLDER = "dedup_index"
_META_KEY = b"newsclean.dedup_index"
ROW_GROUP = 16_384
_REBUILD_BATCH = 8192


def params(cfg: DedupConfig, story: StoryConfig) -> dict:
    """Everything that must agree for stored rows to be comparable with this run's."""
    return {
        "algorithm": minhash.ALGORITHM,
        "shingle_size": cfg.shingle_size,
        "num_perm": cfg.num_perm,
        "seed": cfg.seed,
        "bands": cfg.bands,
        "anchor_words": story.anchor_words,
        "passage_words": story.passage_words,
    }


def schema(cfg: DedupConfig, story: StoryConfig) -> pa.Schema:
    fields = [
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("origin", pa.string(), nullable=False),
        pa.field("published", pa.string()),
        pa.field("char_length", pa.int64(), nullable=False),
        pa.field("shingle_count", pa.int64(), nullable=False),
        pa.field("exact_hash", pa.binary(16), nullable=False),
        pa.field("signature", pa.list_(pa.uint32(), cfg.num_perm), nullable=False),
        *(pa.field(band_column(b), pa.uint64(), nullable=False) for b in range(cfg.bands)),
        pa.field("story_id", pa.string(), nullable=False),
        pa.field("anchors", pa.list_(pa.uint64()), nullable=False),
    ]
    meta = {_META_KEY: json.dumps(params(cfg, story), sort_keys=True).encode()}
    return pa.schema(fields, metadata=meta)


def band_column(band: int) -> str:
    return f"band_{band:02d}"


@dataclass(frozen=True, eq=False)
class Rows:
    """Index rows for some articles, before they are written."""

    doc_ids: Sequence[str]
    sources: Sequence[str]
    origins: Sequence[str]
    published: Sequence[str | None]
    signatures: Signatures
    story_ids: Sequence[str]
    anchor_flat: np.ndarray
    anchor_offsets: np.ndarray

    def table(self, cfg: DedupConfig, story: StoryConfig) -> pa.Table:
        sig = self.signatures
        n = len(self.doc_ids)
        bands = lsh.all_band_keys(sig.matrix, cfg.bands)
        columns = {
            "doc_id": pa.array(self.doc_ids, pa.string()),
            "source": pa.array(self.sources, pa.string()),
            "origin": pa.array(self.origins, pa.string()),
            "published": pa.array(self.published, pa.string()),
            "char_length": pa.array(sig.char_lengths, pa.int64()),
            "shingle_count": pa.array(sig.shingle_counts, pa.int64()),
            "exact_hash": pa.FixedSizeBinaryArray.from_buffers(
                pa.binary(16), n, [None, pa.py_buffer(sig.exact_hashes.astype("<u8").tobytes())]
            ),
            "signature": pa.FixedSizeListArray.from_arrays(
                pa.array(sig.matrix.reshape(-1), pa.uint32()), cfg.num_perm
            ),
            **{band_column(b): pa.array(bands[:, b], pa.uint64()) for b in range(cfg.bands)},
            "story_id": pa.array(self.story_ids, pa.string()),
            "anchors": pa.ListArray.from_arrays(
                pa.array(self.anchor_offsets.astype(np.int32), pa.int32()),
                pa.array(self.anchor_flat, pa.uint64()),
            ),
        }
        return pa.table(columns, schema=schema(cfg, story))


def origin(source: str, url: str | None, site: str | None) -> str:
    """What ``source_priority`` entries are matched against: source, url and site."""
    return " ".join(part for part in (source, url, site) if part)


class DedupIndex:
    """Read access to the index part files of one version (or a rebuilt one)."""

    def __init__(self, files: Sequence[Path], cfg: DedupConfig, story: StoryConfig) -> None:
        self.files = list(files)
        self.cfg, self.story = cfg, story
        self.sizes = [pq.ParquetFile(f).metadata.num_rows for f in self.files]
        self.starts = np.concatenate(([0], np.cumsum(self.sizes))).astype(np.int64)

    def __len__(self) -> int:
        return int(self.starts[-1])

    @staticmethod
    def compatible(files: Sequence[Path], cfg: DedupConfig, story: StoryConfig) -> bool:
        expected = params(cfg, story)
        for path in files:
            meta = pq.read_schema(path).metadata or {}
            if json.loads(meta.get(_META_KEY, b"{}")) != expected:
                return False
        return True

    def _column(self, name: str) -> np.ndarray:
        parts = [pq.read_table(f, columns=[name]).column(name).to_numpy() for f in self.files]
        return np.concatenate(parts) if parts else np.empty(0)

    def band_matches(self, signatures: Signatures) -> tuple[np.ndarray, np.ndarray]:
        """Unique ``(new_row, index_row)`` pairs that agree on some band, one band at a time."""
        cfg = self.cfg
        found = lsh.PairSet(len(self))
        usable = np.flatnonzero(signatures.shingle_counts > 0)
        if not len(self) or not usable.size:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        for band in range(cfg.bands):
            cells = signatures.matrix[usable, band * cfg.rows : (band + 1) * cfg.rows]
            i, j = lsh.matches(lsh.band_keys(cells), self._column(band_column(band)))
            found.add(usable[i], j)
        return found.pairs()

    def _iter_groups(self, columns: list[str]) -> Iterator[tuple[int, pa.Table]]:
        """(first global row, table) per row group, in index order."""
        for path, start in zip(self.files, self.starts[:-1].tolist(), strict=True):
            handle = pq.ParquetFile(path)
            offset = start
            for g in range(handle.num_row_groups):
                table = handle.read_row_group(g, columns=columns)
                yield offset, table
                offset += table.num_rows

    def take(self, rows: np.ndarray, columns: list[str]) -> pa.Table:
        """The given global rows (sorted, unique), reading only row groups that hold some."""
        parts = []
        for offset, table in self._iter_groups(columns):
            lo, hi = np.searchsorted(rows, [offset, offset + table.num_rows])
            if hi > lo:
                parts.append(table.take(pa.array(rows[lo:hi] - offset)))
        if not parts:
            return pa.table({c: pa.array([]) for c in columns})
        return pa.concat_tables(parts)

    def earlier(self, signatures: Signatures) -> Earlier | None:
        """The earlier articles this run's documents collide with, ready for deduplicate()."""
        new_rows, index_rows = self.band_matches(signatures)
        if not new_rows.size:
            return None
        wanted, local = np.unique(index_rows, return_inverse=True)
        table = self.take(
            wanted,
            [
                "doc_id",
                "source",
                "origin",
                "published",
                "char_length",
                "shingle_count",
                "exact_hash",
                "signature",
            ],
        )
        m = table.num_rows
        matrix = table.column("signature").combine_chunks().flatten().to_numpy()
        hashes = np.frombuffer(
            b"".join(table.column("exact_hash").to_pylist()), dtype="<u8"
        ).reshape(m, 2)
        sig = Signatures(
            matrix=matrix.reshape(m, self.cfg.num_perm).astype(np.uint32),
            shingle_counts=table.column("shingle_count").to_numpy(),
            char_lengths=table.column("char_length").to_numpy(),
            exact_hashes=hashes.astype(np.uint64),
            shingle_size=self.cfg.shingle_size,
            num_perm=self.cfg.num_perm,
            seed=self.cfg.seed,
        )
        return Earlier(
            doc_ids=table.column("doc_id").to_pylist(),
            sources=table.column("source").to_pylist(),
            published=table.column("published").to_pylist(),
            origins=table.column("origin").to_pylist(),
            signatures=sig,
            new_rows=new_rows,
            earlier_rows=local.reshape(-1).astype(np.int64),
        )

    def stories(self, anchor_values: np.ndarray) -> EarlierStories | None:
        """Earlier articles holding any of these anchors (sorted unique), with their story ids."""
        if not len(self) or not anchor_values.size:
            return None
        rows, values, ids, story_ids = [], [], [], []
        for _, table in self._iter_groups(["doc_id", "story_id", "anchors"]):
            column = table.column("anchors").combine_chunks()
            flat = column.flatten().to_numpy()
            hit = np.isin(flat, anchor_values)
            if not hit.any():
                continue
            owner = np.repeat(np.arange(len(column)), np.diff(column.offsets.to_numpy()))
            held = owner[hit]
            local_rows, local = np.unique(held, return_inverse=True)
            base = len(ids)
            ids.extend(table.column("doc_id").take(pa.array(local_rows)).to_pylist())
            story_ids.extend(table.column("story_id").take(pa.array(local_rows)).to_pylist())
            rows.append(base + local.reshape(-1))
            values.append(flat[hit])
        if not ids:
            return None
        return EarlierStories(
            doc_ids=ids,
            story_ids=story_ids,
            anchor_rows=np.concatenate(rows).astype(np.int64),
            anchor_values=np.concatenate(values).astype(np.uint64),
        )


def index_files(version_dir: Path) -> list[Path]:
    return sorted((version_dir / FOLDER).glob("*.parquet"))


def write_rows(chunks: Iterable[Rows], cfg: DedupConfig, story: StoryConfig, path: Path) -> Path:
    """Index rows written chunk by chunk: only one chunk's signatures and band keys are ever
    in memory (at 1M articles the whole part as a table was ~1.2 GB)."""
    with pq.ParquetWriter(path, schema(cfg, story), compression="zstd") as writer:
        for rows in chunks:
            writer.write_table(rows.table(cfg, story), row_group_size=ROW_GROUP)
    return path


def rebuild(articles: ds.Dataset, cfg: DedupConfig, story: StoryConfig, target: Path) -> Path:
    """An index of every published article, computed from their texts, written to ``target``.

    Articles published before story ids existed get their own doc_id as story id.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    columns = ["doc_id", "source", "url", "site", "published", "text", "story_id"]

    def chunks() -> Iterator[Rows]:
        for batch in articles.to_batches(columns=columns, batch_size=_REBUILD_BATCH):
            rows = batch.to_pydict()
            texts = rows["text"]
            flat, offsets = anchors(texts, story)
            yield Rows(
                doc_ids=rows["doc_id"],
                sources=rows["source"],
                origins=[
                    origin(s, u, t)
                    for s, u, t in zip(rows["source"], rows["url"], rows["site"], strict=True)
                ],
                published=rows["published"],
                signatures=compute_signatures(texts, cfg),
                story_ids=[s or d for s, d in zip(rows["story_id"], rows["doc_id"], strict=True)],
                anchor_flat=flat,
                anchor_offsets=offsets,
            )

    return write_rows(chunks(), cfg, story, target)


def published_texts(articles: ds.Dataset | None, doc_ids: Sequence[str]) -> list[str]:
    """Texts of some published articles, in the order asked (read by filtering on doc_id)."""
    if not doc_ids:
        return []
    if articles is None:
        raise KeyError(f"no published articles to read {len(doc_ids)} texts from")
    table = articles.to_table(
        columns=["doc_id", "text"], filter=pc.field("doc_id").isin(list(set(doc_ids)))
    )
    by_id = dict(
        zip(table.column("doc_id").to_pylist(), table.column("text").to_pylist(), strict=True)
    )
    return [by_id[d] for d in doc_ids]


def scratch_dir(meta: Path) -> Path:
    """A private folder under the output's metadata folder (same filesystem: rename works)."""
    meta.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=".index-", dir=meta))


def install(staging: Path, part: Path | None, version: int, rebuilt: Path | None) -> None:
    """Move this run's index part file (and a rebuilt index replacing the old parts) into
    staging; both were written under :func:`scratch_dir` (same filesystem)."""
    folder = staging / FOLDER
    if rebuilt is not None:
        shutil.rmtree(folder, ignore_errors=True)  # hard links: the published version keeps its
        folder.mkdir(parents=True)
        os.replace(rebuilt, folder / f"part-{version:06d}-rebuilt.parquet")
    if part is not None:
        folder.mkdir(parents=True, exist_ok=True)
        os.replace(part, folder / f"part-{version:06d}.parquet")
