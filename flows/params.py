"""Flow parameters: one pydantic model, validated by Prefect and shown in its UI."""

from __future__ import annotations

import os
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tasks.cleaning import CleanConfig
from tasks.config import PipelineConfig
from tasks.dedup import DedupConfig
from tasks.ingest.options import ReadOptions


class CleanNewsParams(BaseModel):
    """What to read, where to write, and the knobs users actually turn."""

    model_config = ConfigDict(extra="forbid")

    inputs: list[str] = Field(
        default_factory=lambda: ["seeds"],
        min_length=1,
        description="Files or folders (read recursively) holding the articles.",
    )
    out: str = Field("data", min_length=1, description="Output folder for the Parquet datasets.")
    min_words: int = Field(5, ge=1, le=10_000, description="Shorter cleaned articles are rejected.")
    max_input_mb: float = Field(
        20.0, gt=0, le=4096, description="Largest file (or container record) read, in MiB."
    )
    text_field: str | None = Field(None, description="Record column holding the text.")
    html_field: str | None = Field(None, description="Record column holding the HTML.")
    url_field: str | None = Field(None, description="Record column holding the URL.")
    title_field: str | None = Field(None, description="Record column holding the title.")
    date_field: str | None = Field(None, description="Record column holding the date.")
    jaccard_threshold: float = Field(
        0.8, ge=0.5, le=1.0, description="Near-duplicate when shingle Jaccard reaches this."
    )
    containment_threshold: float = Field(
        0.9, ge=0.5, le=1.0, description="...or when one copy contains this share of the other."
    )
    keep: Literal["longest", "earliest", "source_priority"] = Field(
        "longest",
        description=(
            "Which copy of a duplicate cluster is kept: the longest text, the earliest "
            "published date, or the best source_priority match (implied by source_priority)."
        ),
    )
    source_priority: list[str] = Field(
        default_factory=list,
        description=(
            "Preferred sources, best first: a copy whose source, url or site contains an entry "
            "(case-insensitive) is kept over copies matching later entries or none."
        ),
    )
    shard_files: int = Field(4000, ge=1, le=1_000_000, description="Files per shard (task).")
    shard_mb: int = Field(64, ge=1, le=65_536, description="Input MiB per shard (task).")
    workers: int = Field(
        default_factory=lambda: os.cpu_count() or 1,
        ge=1,
        le=512,
        description="Worker processes for shard processing (default: every core).",
    )
    language_seed: int = Field(0, description="Seed for langdetect (determinism).")
    dask_address: str | None = Field(
        None,
        description="Dask scheduler (tcp://host:8786) to run shard tasks on; none: local "
        "worker processes.",
    )
    shard_timeout_s: float = Field(
        3600.0,
        gt=0,
        le=7 * 86400,
        description="A shard task still running after this many seconds fails (TimeoutError).",
    )

    @model_validator(mode="after")
    def _policy_matches_priority(self) -> CleanNewsParams:
        if self.keep == "source_priority" and not self.source_priority:
            raise ValueError("keep='source_priority' needs a non-empty source_priority list")
        if self.keep == "earliest" and self.source_priority:
            raise ValueError("keep='earliest' and source_priority exclude each other: pick one")
        return self

    @property
    def policy(self) -> str:
        """The DedupConfig policy: a priority list always means ``source_priority``."""
        return "source_priority" if self.source_priority else self.keep

    def pipeline_config(self) -> PipelineConfig:
        return PipelineConfig(
            read=ReadOptions(
                max_bytes=int(self.max_input_mb * 1024 * 1024),
                text_field=self.text_field,
                html_field=self.html_field,
                url_field=self.url_field,
                title_field=self.title_field,
                date_field=self.date_field,
            ),
            clean=CleanConfig(),
            dedup=DedupConfig(
                jaccard_threshold=self.jaccard_threshold,
                containment_threshold=self.containment_threshold,
                policy=self.policy,  # type: ignore[arg-type]
                source_priority=tuple(self.source_priority),
            ),
            min_words=self.min_words,
            language_seed=self.language_seed,
        )
