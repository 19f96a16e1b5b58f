"""The records that flow through the pipeline.

An input becomes an :class:`InputRecord` (text or HTML still to extract) or a :class:`Reject`.
Readers never raise on bad content: they yield a ``Reject`` so that nothing is lost silently.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class InputRecord:
    """One article as read from an input, before cleaning.

    ``raw`` is the exact bytes the record came from (the file, the JSONL line, the WARC
    payload); it feeds ``doc_id`` and is what a reject row preserves.
    """

    source: str
    raw: bytes
    text: str | None = None
    html: str | None = None
    meta: dict[str, str | None] = field(default_factory=dict)

    @property
    def doc_id(self) -> str:
        return make_doc_id(self.source, self.raw)


@dataclass(frozen=True, slots=True)
class Reject:
    """An input that could not become an article, with a stable reason code."""

    source: str
    reason: str
    detail: str
    raw: bytes = b""

    @property
    def doc_id(self) -> str:
        return make_doc_id(self.source, self.raw)


@dataclass(frozen=True, slots=True)
class RemovedLine:
    """A line taken out of an article and the rule that took it."""

    line_no: int
    line: str
    rule: str
    category: str


def make_doc_id(source: str, raw: bytes) -> str:
    """Stable id: the same source with the same bytes always gives the same id."""
    digest = hashlib.blake2b(digest_size=10)
    digest.update(source.encode("utf-8", "surrogatepass"))
    digest.update(b"\0")
    digest.update(raw)
    return digest.hexdigest()
