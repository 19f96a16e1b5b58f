"""One configuration object for the pure pipeline, with a fingerprint for caching."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tasks import minhash
from tasks.boilerplate import RuleSet
from tasks.cleaning import CleanConfig
from tasks.dedup import DedupConfig
from tasks.ingest.options import ReadOptions
from tasks.language import DEFAULT_SEED, LanguageDetector
from tasks.stories import StoryConfig

PIPELINE_VERSION = "1"


@dataclass(frozen=True, slots=True)
class PipelineConfig:
    """Everything that changes what a shard produces (and so its cache key)."""

    read: ReadOptions = field(default_factory=ReadOptions)
    clean: CleanConfig = field(default_factory=CleanConfig)
    dedup: DedupConfig = field(default_factory=DedupConfig)
    stories: StoryConfig = field(default_factory=StoryConfig)
    min_words: int = 5
    language_seed: int = DEFAULT_SEED
    rules_paths: tuple[str, ...] | None = None

    def load_rules(self) -> RuleSet:
        paths = [Path(p) for p in self.rules_paths] if self.rules_paths else None
        return RuleSet.load(paths)

    def make_detector(self) -> LanguageDetector:
        return LanguageDetector(seed=self.language_seed)

    def fingerprint(self) -> str:
        """Changes whenever settings, rules or pipeline version change."""
        rules = self.load_rules()
        payload = {
            "version": PIPELINE_VERSION,
            "signatures": minhash.ALGORITHM,  # cached shards' signatures must stay comparable
            "config": asdict(self),
            "rules": [(r.id, r.pattern, r.max_words) for r in rules.rules],
        }
        encoded = json.dumps(payload, sort_keys=True, default=str).encode()
        return hashlib.blake2b(encoded, digest_size=16).hexdigest()
