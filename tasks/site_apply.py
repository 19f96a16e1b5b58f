"""Remove site boilerplate from the shard results of one assembly, before deduplication.

Site statistics need the whole run's documents, so this runs in the assembly step, between
loading the shards and deduplicating them. Removing lines changes a text, so everything derived
from it is recomputed for the changed documents: ``text``, ``n_words``, ``content_hash``,
``n_removed_lines``, language, and the MinHash signature used by dedup. A document left empty,
too short or without a detectable language becomes a reject with the usual reason code; its
``raw`` bytes are read again from its source (the shard keeps texts, not inputs). Counts are
updated in place so the manifest still adds up.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol, Self, TypeVar

import numpy as np
import pyarrow as pa

from tasks import reasons, schema
from tasks.config import PipelineConfig
from tasks.counts import Counts
from tasks.dedup import Signatures, compute_signatures
from tasks.documents import Reject
from tasks.ingest import read_path
from tasks.ingest.options import ReadOptions
from tasks.language import LanguageDetector
from tasks.normalize import comparison_key
from tasks.site_boilerplate import (
    CATEGORY,
    PARAGRAPH_SEPARATOR,
    RULE,
    SiteLine,
    paragraphs,
    site_findings,
    site_of,
)
from tasks.textspill import SpilledTexts
from tasks.threads import ordered_map

_WORD = re.compile(r"\w+")
_RECORD_SUFFIX = re.compile(r"#\d+$")


class Frame(Protocol):
    """What assembly holds per shard (``tasks.assemble._ShardFrame``).

    ``candidates`` may lack the ``text`` column (assembly keeps texts on disk); ``texts()``
    gives them either way. A frame this pass changes gets its new texts in ``candidates``,
    then :meth:`park` moves them, and its new signatures, to files under the given folder.
    """

    candidates: pa.Table
    rejects: pa.Table

    @property
    def signatures(self) -> Signatures: ...

    def texts(self) -> pa.ChunkedArray: ...

    def park(self, folder: Path, signatures: Signatures, added_lines: pa.Table) -> Self: ...


F = TypeVar("F", bound=Frame)


@dataclass(slots=True)
class _Outcome:
    """A changed document: its new text and language, or why it is now a reject."""

    text: str
    line_nos: list[int] | None
    removed: list[SiteLine]
    language: str | None = None
    language_prob: float = 0.0
    reject: tuple[str, str] | None = None


@dataclass(frozen=True, slots=True)
class SiteRows:
    """Who each candidate row of some frames is, in frame order: what the statistics count."""

    doc_ids: list[str]
    sources: list[str]
    sites: list[str]  # site_of each row


def site_rows(frames: Sequence[Frame]) -> SiteRows:
    """The frames' :class:`SiteRows` (Python work per document: the caller may run it in a
    thread while the texts are spilled)."""
    rows = SiteRows([], [], [])
    for frame in frames:
        columns = frame.candidates.select(["doc_id", "source", "site", "url"]).to_pydict()
        rows.doc_ids.extend(columns["doc_id"])
        rows.sources.extend(columns["source"])
        rows.sites.extend(map(site_of, columns["site"], columns["url"], columns["source"]))
    return rows


def strip_site_boilerplate(
    frames: Sequence[F],
    config: PipelineConfig,
    counts: Counts,
    scratch: Path,
    texts: SpilledTexts,
    candidates: SiteRows | None = None,
) -> tuple[list[F], SpilledTexts]:
    """``frames`` with site boilerplate removed, and their candidates' texts after it;
    ``counts`` updated to match.

    ``texts`` are the candidates' texts of ``frames`` in frame order, spilled by the caller
    (the run's texts are spilled once): the statistics read them once in order, then only the
    rows a decision needs. A changed frame's new texts are parked under ``scratch`` and its
    rewritten ones appended to the spill file; the texts returned are ``texts`` when nothing
    changed, else a :meth:`~SpilledTexts.select` of it (the caller closes both).
    ``candidates``: the frames' :func:`site_rows`, if the caller has them.
    """
    frames = list(frames)
    parts = [n for n, frame in enumerate(frames) if len(frame.candidates)]
    if not config.site.enabled or not parts:
        return frames, texts
    candidates = candidates or site_rows(frames)
    doc_ids, sources, sites = candidates.doc_ids, candidates.sources, candidates.sites
    starts = np.cumsum([0] + [len(frames[n].candidates) for n in parts])
    if not len(texts) == len(doc_ids) == starts[-1]:
        raise ValueError(f"{len(texts)} texts, {len(doc_ids)} rows for {starts[-1]} candidates")
    workers = os.cpu_count() or 1
    signatures = _Stacked([frames[n] for n in parts], starts, workers)
    findings = site_findings(
        doc_ids, sources, sites, texts, signatures, config.dedup, config.site, workers
    )
    del doc_ids, sources, sites
    if not len(findings):
        return frames, texts
    detector = config.make_detector()
    part_of = np.searchsorted(starts, findings.doc, side="right") - 1
    rows = [np.arange(starts[k], starts[k + 1]) for k in range(len(parts))]
    for k in np.unique(part_of).tolist():
        n = parts[k]
        here = part_of == k
        outcomes = _frame_outcomes(
            frames[n],
            findings.doc[here] - starts[k],
            findings.paragraph[here],
            [findings.details[d] for d in findings.detail[here].tolist()],
            config,
            detector,
        )
        ids = frames[n].candidates.column("doc_id")
        sources = frames[n].candidates.column("source")
        raw = _raw_inputs(
            [(sources[r].as_py(), ids[r].as_py()) for r, o in outcomes.items() if o.reject],
            config.read,
        )
        frames[n], kept, rewritten = _apply(frames[n], outcomes, config, counts, raw, scratch)
        rows[k] = rows[k][kept]
        if rewritten:  # rows in order (dicts keep insertion order)
            rows[k][np.searchsorted(kept, list(rewritten))] = texts.extend(list(rewritten.values()))
    return frames, texts.select(np.concatenate(rows))


class _Stacked:
    """The signatures of several frames as one sequence of rows, read from the frames only
    for the rows asked for (the statistics need those of the sites with candidate lines);
    ``workers`` threads read the frames' files (numpy's reads run without the GIL)."""

    def __init__(self, frames: Sequence[Frame], starts: np.ndarray, workers: int = 1) -> None:
        self.frames, self.starts, self.workers = frames, starts, workers

    def take(self, rows: np.ndarray) -> Signatures:
        rows = np.asarray(rows, dtype=np.int64)
        part = np.searchsorted(self.starts, rows, side="right") - 1
        order = np.argsort(part, kind="stable")
        owners, bounds = np.unique(part[order], return_index=True)
        bounds = [*bounds.tolist(), rows.size]

        def piece(job: tuple[int, int, int]) -> tuple[np.ndarray, Signatures]:
            k, lo, hi = job
            at = order[lo:hi]
            return at, self.frames[k].signatures.take(rows[at] - self.starts[k])

        jobs = zip(owners.tolist(), bounds, bounds[1:], strict=False)
        return Signatures.scatter(ordered_map(piece, jobs, self.workers), rows.size)


def _frame_outcomes(
    frame: Frame,
    rows: np.ndarray,
    paragraph_nos: np.ndarray,
    details: list[str],
    config: PipelineConfig,
    detector: LanguageDetector,
) -> dict[int, _Outcome]:
    """The new text (or reject) of each frame row with site lines (``rows``, with the
    paragraph and evidence of each line)."""
    changed = np.unique(rows)
    texts = frame.texts().take(pa.array(changed)).to_pylist()
    lines: dict[int, list[SiteLine]] = defaultdict(list)
    for row, paragraph, detail in zip(rows.tolist(), paragraph_nos.tolist(), details, strict=True):
        lines[row].append(SiteLine(row, paragraph, "", detail))
    outcomes: dict[int, _Outcome] = {}
    for row, text in zip(changed.tolist(), texts, strict=True):
        parts = paragraphs(text)
        found = [replace(line, line=parts[line.paragraph]) for line in lines[row]]
        outcome = _outcome(text, _line_nos(frame.candidates, row), found, config.min_words)
        if outcome.reject is None:
            guess = detector.detect("\n".join(paragraphs(outcome.text)))
            outcome.language, outcome.language_prob = guess.language, guess.probability
            if guess.language is None:
                outcome.reject = (reasons.UNKNOWN_LANGUAGE, "langdetect found no language features")
        outcomes[row] = outcome
    return outcomes


def conform(table: pa.Table, target: pa.Schema) -> pa.Table:
    """``table`` with ``target``'s columns; missing nullable ones (added later) as nulls."""
    if table.schema.names == target.names:
        return table
    columns = [
        table.column(f.name) if f.name in table.schema.names else pa.nulls(len(table), f.type)
        for f in target
    ]
    return pa.Table.from_arrays(columns, schema=target)


def _line_nos(candidates: pa.Table, row: int) -> list[int] | None:
    if "line_nos" not in candidates.schema.names:
        return None
    return candidates.column("line_nos")[row].as_py()


def _outcome(
    text: str, line_nos: list[int] | None, lines: list[SiteLine], min_words: int
) -> _Outcome:
    drop = {line.paragraph for line in lines}
    parts = paragraphs(text)
    kept = [p for i, p in enumerate(parts) if i not in drop]
    kept_nos = [n for i, n in enumerate(line_nos) if i not in drop] if line_nos else None
    outcome = _Outcome(PARAGRAPH_SEPARATOR.join(kept), kept_nos, lines)
    words = len(_WORD.findall(outcome.text))
    if not kept:
        outcome.reject = (
            reasons.ALL_BOILERPLATE,
            f"all lines recur across the site ({len(lines)})",
        )
    elif words < min_words:
        outcome.reject = (
            reasons.TOO_SHORT,
            f"{words} words after removing site boilerplate (min_words={min_words})",
        )
    return outcome


def _apply(
    frame: F,
    outcomes: dict[int, _Outcome],
    config: PipelineConfig,
    counts: Counts,
    raw: dict[str, bytes],
    scratch: Path,
) -> tuple[F, np.ndarray, dict[int, str]]:
    """The frame with ``outcomes`` applied (parked under ``scratch``), which of its rows it
    keeps, and the new text of each kept row that changed (by row before the change)."""
    table = frame.candidates
    if "text" not in table.schema.names:
        table = table.append_column(schema.CANDIDATES.field("text"), frame.texts())
    columns = {
        name: table.column(name).to_pylist()
        for name in (
            "text",
            "n_words",
            "n_removed_lines",
            "content_hash",
            "language",
            "language_prob",
        )
    }
    has_line_nos = "line_nos" in table.schema.names
    line_nos = table.column("line_nos").to_pylist() if has_line_nos else None
    ids, sources = table.column("doc_id").to_pylist(), table.column("source").to_pylist()
    keep = np.ones(len(table), dtype=bool)
    removed_rows: list[dict[str, object]] = []
    reject_rows: list[dict[str, object]] = []
    resigned: list[int] = []
    for row in sorted(outcomes):
        outcome = outcomes[row]
        for line in outcome.removed:
            removed_rows.append(
                {
                    "doc_id": ids[row],
                    "source": sources[row],
                    "line_no": line_nos[row][line.paragraph] if line_nos else 0,
                    "line": line.line,
                    "rule": RULE,
                    "category": CATEGORY,
                    "detail": line.detail,
                }
            )
        counts.removed_lines += len(outcome.removed)
        counts.removed_by_category[CATEGORY] += len(outcome.removed)
        counts.removed_by_rule[RULE] += len(outcome.removed)
        old_language = columns["language"][row]
        if outcome.reject is not None:
            reason, detail = outcome.reject
            keep[row] = False
            reject_rows.append(
                {
                    "doc_id": ids[row],
                    "source": sources[row],
                    "reason": reason,
                    "detail": detail,
                    "raw": raw.get(ids[row], columns["text"][row].encode()),
                }
            )
            counts.candidates -= 1
            counts.languages[old_language or ""] -= 1
            counts.rejects += 1
            counts.reject_reasons[reason] += 1
            continue
        columns["text"][row] = outcome.text
        columns["n_words"][row] = len(_WORD.findall(outcome.text))
        columns["n_removed_lines"][row] += len(outcome.removed)
        columns["content_hash"][row] = hashlib.blake2b(
            comparison_key(outcome.text).encode(), digest_size=16
        ).hexdigest()
        columns["language"][row] = outcome.language
        columns["language_prob"][row] = outcome.language_prob
        if line_nos is not None:
            line_nos[row] = outcome.line_nos
        counts.languages[old_language or ""] -= 1
        counts.languages[outcome.language or ""] += 1
        resigned.append(row)
    counts.languages = +counts.languages  # drop languages no article has any more

    for name, values in columns.items():
        index = table.schema.get_field_index(name)
        table = table.set_column(
            index, table.schema.field(index), pa.array(values, table.schema.field(index).type)
        )
    if line_nos is not None:
        index = table.schema.get_field_index("line_nos")
        table = table.set_column(
            index, table.schema.field(index), pa.array(line_nos, table.schema.field(index).type)
        )
    rewritten = {r: columns["text"][r] for r in resigned}
    signatures = _resign(frame.signatures, resigned, list(rewritten.values()), config)
    mask = pa.array(keep, type=pa.bool_())
    changed = replace(
        frame,
        candidates=table.filter(mask),
        rejects=pa.concat_tables(
            [
                conform(frame.rejects, schema.REJECTS),
                pa.Table.from_pylist(reject_rows, schema=schema.REJECTS),
            ]
        ),
    )
    parked = changed.park(
        scratch,
        signatures.take(keep) if not keep.all() else signatures,
        pa.Table.from_pylist(removed_rows, schema=schema.REMOVED_LINES),
    )
    return parked, np.flatnonzero(keep), rewritten


def _resign(
    signatures: Signatures, rows: list[int], texts: list[str], config: PipelineConfig
) -> Signatures:
    """``signatures`` with the given rows recomputed from their new texts."""
    if not rows:
        return signatures
    fresh = compute_signatures(texts, config.dedup)
    arrays = {}
    for name in ("matrix", "shingle_counts", "char_lengths", "exact_hashes"):
        array = getattr(signatures, name).copy()
        array[rows] = getattr(fresh, name)
        arrays[name] = array
    return replace(signatures, **arrays)


def _raw_inputs(wanted: list[tuple[str, str]], options: ReadOptions) -> dict[str, bytes]:
    """The input bytes of the given ``(source, doc_id)`` documents, read again from their files.

    A file that is gone or changed since its shard was processed leaves the doc_id out; the
    caller then stores the text it had instead.
    """
    by_path: dict[str, set[str]] = defaultdict(set)
    for source, doc_id in wanted:
        by_path[_RECORD_SUFFIX.sub("", source)].add(doc_id)
    found: dict[str, bytes] = {}
    for path in sorted(by_path):
        ids = by_path[path]
        try:
            for item in read_path(path, options):
                if not isinstance(item, Reject) and item.doc_id in ids:
                    found[item.doc_id] = item.raw
        except OSError:
            continue
    return found
