"""Run counters that merge with ``+`` (one per shard, summed by the flow)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Counts:
    """What happened to the inputs of a shard or a run."""

    inputs: int = 0
    files: int = 0
    candidates: int = 0
    rejects: int = 0
    removed_lines: int = 0
    skipped_records: Counter[str] = field(default_factory=Counter)
    reject_reasons: Counter[str] = field(default_factory=Counter)
    removed_by_category: Counter[str] = field(default_factory=Counter)
    removed_by_rule: Counter[str] = field(default_factory=Counter)
    languages: Counter[str] = field(default_factory=Counter)

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            inputs=self.inputs + other.inputs,
            files=self.files + other.files,
            candidates=self.candidates + other.candidates,
            rejects=self.rejects + other.rejects,
            removed_lines=self.removed_lines + other.removed_lines,
            skipped_records=self.skipped_records + other.skipped_records,
            reject_reasons=self.reject_reasons + other.reject_reasons,
            removed_by_category=self.removed_by_category + other.removed_by_category,
            removed_by_rule=self.removed_by_rule + other.removed_by_rule,
            languages=self.languages + other.languages,
        )

    def describe(self, top: int = 4) -> str:
        """One log line a person can read: what came in and where it went."""

        def most(counter: Counter[str]) -> str:
            ranked = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
            shown = ", ".join(f"{k or 'und'} {v}" for k, v in ranked[:top])
            return shown + (", ..." if len(ranked) > top else "")

        text = (
            f"{self.files} files, {self.inputs} inputs -> {self.candidates} clean articles, "
            f"{self.rejects} rejects"
        )
        if self.reject_reasons:
            text += f" ({most(self.reject_reasons)})"
        text += f"; {self.removed_lines} boilerplate lines removed"
        if self.removed_by_category:
            text += f" ({most(self.removed_by_category)})"
        if self.languages:
            text += f"; languages: {most(self.languages)}"
        return text

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, keys sorted so manifests are byte-stable."""
        return {
            "inputs": self.inputs,
            "files": self.files,
            "candidates": self.candidates,
            "rejects": self.rejects,
            "removed_lines": self.removed_lines,
            "skipped_records": dict(sorted(self.skipped_records.items())),
            "reject_reasons": dict(sorted(self.reject_reasons.items())),
            "removed_by_category": dict(sorted(self.removed_by_category.items())),
            "removed_by_rule": dict(sorted(self.removed_by_rule.items())),
            "languages": dict(sorted(self.languages.items())),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Counts:
        counters = (
            "skipped_records",
            "reject_reasons",
            "removed_by_category",
            "removed_by_rule",
            "languages",
        )
        plain = {k: v for k, v in data.items() if k not in counters}
        return cls(**plain, **{k: Counter(data.get(k, {})) for k in counters})
