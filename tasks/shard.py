"""Process one shard of input files: read, extract, clean, detect language, sign.

A shard is the unit of parallel work (thousands of documents, never one). Its result is a
folder of Parquet tables plus a signature matrix, written atomically under a key derived from
the shard's file contents and the configuration, so an unchanged shard is never redone: the
same mechanism gives caching across scheduled runs and resumption after a crash.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from tasks import reasons, schema
from tasks.cleaning import Cleaner, CleanResult
from tasks.config import PipelineConfig
from tasks.counts import Counts
from tasks.dedup import Signatures, compute_signatures
from tasks.documents import InputRecord, Reject
from tasks.extract import record_text
from tasks.ingest import read_path
from tasks.ingest.stats import ReadStats
from tasks.pause import pause_point

_DONE = "_SUCCESS"
#: Shards a mid-sized input is cut into (see :func:`plan_shards`), and their floor.
SPREAD = 8
MIN_SPREAD_FILES = 50
MIN_SPREAD_BYTES = 4 << 20


@dataclass(slots=True)
class ShardResult:
    """Tables of one shard, rows in input order."""

    candidates: pa.Table
    removed_lines: pa.Table
    rejects: pa.Table
    signatures: Signatures
    counts: Counts


class ShardProcessor:
    """Turns files into a :class:`ShardResult`; build once per worker process."""

    def __init__(self, config: PipelineConfig) -> None:
        self.config = config
        self.cleaner = Cleaner(config.load_rules(), config.make_detector(), config.clean)

    def process(self, files: Sequence[str]) -> ShardResult:
        builder = _TableBuilder()
        counts = Counts(files=len(files))
        stats = ReadStats()
        for path in files:
            for item in read_path(path, self.config.read, stats=stats):
                counts.inputs += 1
                if isinstance(item, Reject):
                    builder.reject(item, counts)
                else:
                    self._process_record(item, builder, counts)
        counts.skipped_records.update(stats.skipped)
        texts = builder.candidate_column("text")
        signatures = compute_signatures(texts, self.config.dedup)
        builder.set_column("candidates", "content_hash", content_hashes(signatures))
        return ShardResult(
            candidates=builder.table("candidates", schema.CANDIDATES),
            removed_lines=builder.table("removed_lines", schema.REMOVED_LINES),
            rejects=builder.table("rejects", schema.REJECTS),
            signatures=signatures,
            counts=counts,
        )

    def _process_record(self, record: InputRecord, builder: _TableBuilder, counts: Counts) -> None:
        extracted = record_text(record)
        if isinstance(extracted, Reject):
            builder.reject(extracted, counts)
            return
        text, meta = extracted
        result = self.cleaner.clean(text, title=meta.get("title"))
        doc_id = record.doc_id
        for line in result.removed:
            builder.add(
                "removed_lines",
                doc_id=doc_id,
                source=record.source,
                line_no=line.line_no,
                line=line.line,
                rule=line.rule,
                category=line.category,
            )
            counts.removed_by_category[line.category] += 1
            counts.removed_by_rule[line.rule] += 1
        counts.removed_lines += len(result.removed)
        words = result.word_count
        reject = self._reject_reason(result, words)
        if reject is not None:
            reason, detail = reject
            builder.reject(Reject(record.source, reason, detail, record.raw), counts)
            return
        counts.candidates += 1
        counts.languages[result.language or ""] += 1
        body = result.text
        builder.add(
            "candidates",
            doc_id=doc_id,
            source=record.source,
            title=result.title,
            text=body,
            language=result.language,
            language_prob=result.language_prob,
            n_words=words,
            n_removed_lines=len(result.removed),
            url=meta.get("url"),
            published=meta.get("published"),
            site=meta.get("site"),
            author=meta.get("author"),
            line_nos=[p.line_no for p in result.paragraphs],
        )

    def _reject_reason(self, result: CleanResult, words: int) -> tuple[str, str] | None:
        """Why a cleaned article cannot be published, or None when it can."""
        if not result.paragraphs:
            if result.removed:
                return reasons.ALL_BOILERPLATE, f"all {len(result.removed)} lines are boilerplate"
            return reasons.EMPTY, "no text after extraction"
        if result.script and result.script not in self.cleaner.detector.supported_scripts:
            detail = f"text is in {result.script} script, which no language profile covers"
            return reasons.UNSUPPORTED_SCRIPT, detail
        minimum = self.config.min_words
        if words < minimum:
            return reasons.TOO_SHORT, f"{words} words after cleaning (min_words={minimum})"
        if result.language is None:
            return reasons.UNKNOWN_LANGUAGE, "langdetect found no language features"
        return None


class _TableBuilder:
    """Column-wise row accumulation; cheaper than lists of dicts for large shards."""

    def __init__(self) -> None:
        self._columns: dict[str, dict[str, list]] = {}

    def add(self, table: str, **row: object) -> None:
        columns = self._columns.setdefault(table, {})
        for name, value in row.items():
            columns.setdefault(name, []).append(value)

    def reject(self, reject: Reject, counts: Counts) -> None:
        counts.rejects += 1
        counts.reject_reasons[reject.reason] += 1
        self.add(
            "rejects",
            doc_id=reject.doc_id,
            source=reject.source,
            reason=reject.reason,
            detail=reject.detail,
            raw=reject.raw,
        )

    def set_column(self, table: str, name: str, values: list) -> None:
        self._columns.setdefault(table, {})[name] = values

    def candidate_column(self, name: str) -> list:
        return self._columns.get("candidates", {}).get(name, [])

    def table(self, name: str, table_schema: pa.Schema) -> pa.Table:
        columns = self._columns.get(name, {})
        rows = max((len(values) for values in columns.values()), default=0)
        arrays = [pa.array(columns.get(f.name, [None] * rows), type=f.type) for f in table_schema]
        return pa.Table.from_arrays(arrays, schema=table_schema)


def content_hashes(signatures: Signatures) -> list[str]:
    """Hex 128-bit BLAKE2b of each text's :func:`~tasks.normalize.comparison_key`.

    That is what the signatures' exact hashes already are (:func:`tasks.minhash.exact_hash`
    keys a text by the same casefolded, whitespace-collapsed form), so the texts are not keyed
    and hashed a second time.
    """
    digests = signatures.exact_hashes.astype("<u8").tobytes()
    return [digests[i : i + 16].hex() for i in range(0, len(digests), 16)]


# --- shard cache on disk --------------------------------------------------------------


def shard_key(files: Sequence[str], config: PipelineConfig) -> str:
    """Content key: the config fingerprint plus every file's path and bytes."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(config.fingerprint().encode())
    for path in files:
        digest.update(path.encode("utf-8", "surrogateescape") + b"\0")
        _hash_file(digest, path)
        digest.update(b"\1")
    return digest.hexdigest()


def _hash_file(digest: Any, path: str) -> None:
    """The file's bytes into ``digest``, or why it cannot be read.

    Plain ``os`` calls: a buffered file object cost more than the hashing of a 3 KB article.
    The reason is worded as ``open`` words it (a directory only fails at ``read`` here), so
    keys do not change with the way the file is read.
    """
    try:
        fd = os.open(path, os.O_RDONLY)
        try:
            while block := os.read(fd, 1 << 20):
                digest.update(block)
        finally:
            os.close(fd)
    except OSError as exc:
        if exc.filename is None:
            exc = OSError(exc.errno, exc.strerror, path)
        digest.update(f"unreadable:{exc}".encode())


def is_done(folder: Path) -> bool:
    return (folder / _DONE).exists()


def write_shard(result: ShardResult, folder: Path) -> None:
    """Write all tables, then rename into place: a half-written shard is never visible."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".tmp-", dir=folder.parent))
    try:
        for name in ("candidates", "removed_lines", "rejects"):
            pq.write_table(getattr(result, name), staging / f"{name}.parquet", compression="zstd")
        save_signatures(result.signatures, staging / "signatures.npz")
        (staging / "counts.json").write_text(json.dumps(result.counts.to_dict(), sort_keys=True))
        (staging / _DONE).touch()
        pause_point("shard-staged")
        if folder.exists():
            shutil.rmtree(folder)
        os.replace(staging, folder)
        pause_point("shard-written")
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def read_counts(folder: Path) -> Counts:
    return Counts.from_dict(json.loads((folder / "counts.json").read_text()))


def read_table(folder: Path, name: str, columns: Iterable[str] | None = None) -> pa.Table:
    return pq.read_table(folder / f"{name}.parquet", columns=list(columns) if columns else None)


_SIGNATURE_ARRAYS = ("matrix", "shingle_counts", "char_lengths", "exact_hashes")


def save_signatures(signatures: Signatures, path: Path) -> None:
    """Arrays plus the parameters that make two signature sets comparable."""
    params = np.array(json.dumps(signatures.params))
    with open(path, "wb") as handle:
        np.savez(
            handle, params=params, **{name: getattr(signatures, name) for name in _SIGNATURE_ARRAYS}
        )


def load_signatures(folder: Path) -> Signatures:
    with np.load(folder / "signatures.npz") as data:
        algorithm, shingle_size, num_perm, seed = json.loads(str(data["params"]))
        arrays = {name: data[name] for name in _SIGNATURE_ARRAYS}
    return Signatures(
        **arrays, shingle_size=shingle_size, num_perm=num_perm, seed=seed, algorithm=algorithm
    )


def shard_file_limit(
    n_files: int, max_files: int, *, spread: int = SPREAD, min_files: int = MIN_SPREAD_FILES
) -> int:
    """Most files :func:`plan_shards` puts in one shard of an input of ``n_files`` files."""
    return min(max_files, max(-(-n_files // spread), min_files))


def plan_shards(
    files: Sequence[str],
    max_files: int,
    max_bytes: int,
    *,
    spread: int = SPREAD,
    min_files: int = MIN_SPREAD_FILES,
    min_bytes: int = MIN_SPREAD_BYTES,
) -> list[list[str]]:
    """Consecutive files grouped by count and size; order kept so plans are reproducible.

    A mid-sized input is cut into about ``spread`` shards rather than a few full ones, so that
    one big last shard does not leave the other workers idle (500 pages of 166 KB made one
    64 MiB shard and one of 19 MiB: half a worker wasted). Shards never go below ``min_files``
    files or ``min_bytes`` for that, and a large input keeps the ``max_*`` sizes, so the plan of
    a growing folder only changes at its end once it holds ``spread`` full shards.
    """
    sizes = []
    for path in files:
        try:
            sizes.append(os.path.getsize(path))
        except OSError:
            sizes.append(0)
    max_files = shard_file_limit(len(files), max_files, spread=spread, min_files=min_files)
    max_bytes = min(max_bytes, max(-(-sum(sizes) // spread), min_bytes))
    shards: list[list[str]] = []
    current: list[str] = []
    size = 0
    for path, length in zip(files, sizes, strict=True):
        if current and (len(current) >= max_files or size + length > max_bytes):
            shards.append(current)
            current, size = [], 0
        current.append(path)
        size += length
    if current:
        shards.append(current)
    return shards
