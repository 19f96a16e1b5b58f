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
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Protocol, TypeVar

import numpy as np
import pyarrow as pa

from tasks import reasons, schema
from tasks.config import PipelineConfig
from tasks.counts import Counts
from tasks.dedup import Signatures, compute_signatures
from tasks.documents import Reject
from tasks.ingest import read_path
from tasks.ingest.options import ReadOptions
from tasks.normalize import comparison_key
from tasks.site_boilerplate import (
    CATEGORY,
    PARAGRAPH_SEPARATOR,
    RULE,
    SiteDocument,
    SiteLine,
    find_site_boilerplate,
    paragraphs,
)

_WORD = re.compile(r"\w+")
_RECORD_SUFFIX = re.compile(r"#\d+$")


class Frame(Protocol):
    """What assembly holds per shard (``tasks.assemble._ShardFrame``).

    ``candidates`` may lack the ``text`` column (assembly keeps texts on disk); ``texts()``
    gives them either way. A frame this pass changes gets its new texts in ``candidates``.
    """

    candidates: pa.Table
    removed_lines: pa.Table
    rejects: pa.Table
    signatures: Signatures

    def texts(self) -> pa.ChunkedArray: ...


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


def strip_site_boilerplate(frames: Sequence[F], config: PipelineConfig, counts: Counts) -> list[F]:
    """``frames`` with site boilerplate removed; ``counts`` updated to match."""
    frames = [
        replace(frame, removed_lines=conform(frame.removed_lines, schema.REMOVED_LINES))
        for frame in frames
    ]
    parts = [(n, frame) for n, frame in enumerate(frames) if len(frame.candidates)]
    if not config.site.enabled or not parts:
        return frames
    docs: list[SiteDocument] = []
    where: list[tuple[int, int]] = []
    for n, frame in parts:
        columns = frame.candidates.select(["doc_id", "source", "site", "url"]).to_pydict()
        texts = frame.texts().to_pylist()
        rows = zip(columns["doc_id"], columns["source"], texts, columns["site"], columns["url"],
                   strict=True)
        for row, values in enumerate(rows):
            docs.append(SiteDocument(*values))
            where.append((n, row))
    signatures = Signatures.concat([frame.signatures for _, frame in parts])
    found = find_site_boilerplate(docs, signatures, config.dedup, config.site)
    if not found:
        return frames

    by_doc: dict[int, list[SiteLine]] = defaultdict(list)
    for line in found:
        by_doc[line.doc].append(line)
    detector = config.make_detector()
    changed: dict[int, dict[int, _Outcome]] = defaultdict(dict)
    for doc, lines in by_doc.items():
        n, row = where[doc]
        line_nos = _line_nos(frames[n].candidates, row)
        outcome = _outcome(docs[doc].text, line_nos, lines, config.min_words)
        if outcome.reject is None:
            guess = detector.detect("\n".join(paragraphs(outcome.text)))
            outcome.language, outcome.language_prob = guess.language, guess.probability
            if guess.language is None:
                outcome.reject = (reasons.UNKNOWN_LANGUAGE, "langdetect found no language features")
        changed[n][row] = outcome
    raw = _raw_inputs(
        [
            (docs[d].source, docs[d].doc_id)
            for d in by_doc
            if changed[where[d][0]][where[d][1]].reject
        ],
        config.read,
    )
    return [
        _apply(frame, changed[n], config, counts, raw) if n in changed else frame
        for n, frame in enumerate(frames)
    ]


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
) -> F:
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
    signatures = _resign(frame.signatures, resigned, [columns["text"][r] for r in resigned], config)
    mask = pa.array(keep, type=pa.bool_())
    return replace(
        frame,
        candidates=table.filter(mask),
        signatures=signatures.take(keep) if not keep.all() else signatures,
        removed_lines=pa.concat_tables(
            [frame.removed_lines, pa.Table.from_pylist(removed_rows, schema=schema.REMOVED_LINES)]
        ),
        rejects=pa.concat_tables(
            [
                conform(frame.rejects, schema.REJECTS),
                pa.Table.from_pylist(reject_rows, schema=schema.REJECTS),
            ]
        ),
    )


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
