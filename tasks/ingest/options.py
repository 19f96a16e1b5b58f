"""Options every reader understands."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_MAX_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """How inputs are read.

    ``max_bytes`` bounds one file for whole-file formats (``.txt``, ``.html``) and one record
    in a container (a JSONL line, a CSV row, a Parquet row, a WARC payload): larger inputs become
    ``input_too_large`` rejects holding their first ``max_bytes`` bytes, so a stray dump cannot
    exhaust memory. The ``*_field`` options name the columns of structured records when the
    common names (see :mod:`tasks.ingest.fields`) do not fit.
    """

    max_bytes: int = DEFAULT_MAX_BYTES
    text_field: str | None = None
    html_field: str | None = None
    url_field: str | None = None
    title_field: str | None = None
    date_field: str | None = None
