"""Counts of what a reader passed over on purpose, so every input is accounted for.

Readers yield :class:`~tasks.documents.InputRecord` and :class:`~tasks.documents.Reject` only;
entries that are not articles by design (a WARC ``request`` record, a blank JSONL line) are
neither, and would vanish silently. ``read_path(..., stats=ReadStats())`` counts them instead.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass(slots=True)
class ReadStats:
    """Skipped entries by kind (``warc:request``, ``warc:response:non_html``, ``jsonl:blank``).

    Stats from several files or workers add up with ``+=``.
    """

    skipped: Counter[str] = field(default_factory=Counter)

    def skip(self, kind: str, count: int = 1) -> None:
        self.skipped[kind] += count

    @property
    def total_skipped(self) -> int:
        return sum(self.skipped.values())

    def __iadd__(self, other: ReadStats) -> ReadStats:
        self.skipped.update(other.skipped)
        return self
