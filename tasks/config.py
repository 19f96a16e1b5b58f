"""One configuration object for the pure pipeline, with a fingerprint for caching."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tasks import minhash
from tasks.boilerplate import RULES_DIR, RuleSet, read_rules
from tasks.cleaning import CleanConfig
from tasks.dedup import DedupConfig
from tasks.ingest.options import ReadOptions
from tasks.language import DEFAULT_SEED, LanguageDetector
from tasks.site_boilerplate import SiteBoilerplateConfig
from tasks.stories import StoryConfig

# Bump when code changes what a shard produces, so cached shards are not reused.
PIPELINE_VERSION = "5"  # 2: encoding detection, normalisation order, teaser fixpoint;
# 3: site boilerplate, byline rules, title affixes, repeats only when rendered twice;
# 4: language detected on the surviving lines, headline line included;
# 5: split article bodies continued, embedded tweets kept
# (config, rule files' stamps) -> fingerprint: every shard task asks (twice), so it is computed
# once per process and rule-file state.
_FINGERPRINTS: dict[tuple, str] = {}
# (rules paths, rule files' stamps) -> RuleSet; a RuleSet is not changed after it is built.
_RULESETS: dict[tuple, RuleSet] = {}


@dataclass(frozen=True, slots=True)
class PipelineConfig:
    """Everything that changes what a shard produces (and so its cache key)."""

    read: ReadOptions = field(default_factory=ReadOptions)
    clean: CleanConfig = field(default_factory=CleanConfig)
    dedup: DedupConfig = field(default_factory=DedupConfig)
    site: SiteBoilerplateConfig = field(default_factory=SiteBoilerplateConfig)
    stories: StoryConfig = field(default_factory=StoryConfig)
    min_words: int = 5
    language_seed: int = DEFAULT_SEED
    rules_paths: tuple[str, ...] | None = None

    def load_rules(self) -> RuleSet:
        """The compiled rules, loaded once per process and rule-file state (a worker asks
        twice: for the fingerprint and for its cleaner; compiling costs ~0.25 s)."""
        try:
            key = (self.rules_paths, _rules_stamp(self.rules_paths))
        except OSError:
            return self._read_rules()
        if key not in _RULESETS:
            _RULESETS.clear()  # one configuration per worker process in practice
            _RULESETS[key] = self._read_rules()
        return _RULESETS[key]

    def _read_rules(self) -> RuleSet:
        paths = [Path(p) for p in self.rules_paths] if self.rules_paths else None
        return RuleSet.load(paths)

    def make_detector(self) -> LanguageDetector:
        return LanguageDetector(seed=self.language_seed)

    def fingerprint(self) -> str:
        """Changes whenever settings, rules or pipeline version change."""
        try:
            key = (self, _rules_stamp(self.rules_paths))
            hash(key)
        except (OSError, TypeError):
            return self._fingerprint()
        if key not in _FINGERPRINTS:
            _FINGERPRINTS[key] = self._fingerprint()
        return _FINGERPRINTS[key]

    def _fingerprint(self) -> str:
        # The rules' definitions, not compiled ones: the assembly's process asks once and never
        # matches a line (compiling cost it ~0.4 s); the shard workers compile them anyway.
        paths = [Path(p) for p in self.rules_paths] if self.rules_paths else None
        rules = read_rules(paths, check_patterns=False)
        payload = {
            "version": PIPELINE_VERSION,
            "signatures": minhash.ALGORITHM,  # cached shards' signatures must stay comparable
            "config": asdict(self),
            "rules": [(r.id, r.pattern, r.max_words) for r in rules],
        }
        encoded = json.dumps(payload, sort_keys=True, default=str).encode()
        return hashlib.blake2b(encoded, digest_size=16).hexdigest()


def _rules_stamp(paths: tuple[str, ...] | None) -> tuple[tuple[str, int, int], ...]:
    """Path, mtime and size of every rule file ``load_rules`` would read."""
    files: list[Path] = []
    for path in [Path(p) for p in paths] if paths else [RULES_DIR]:
        files.extend(sorted(path.glob("*.toml")) if path.is_dir() else [path])
    stamps = []
    for file in files:
        stat = file.stat()
        stamps.append((str(file), stat.st_mtime_ns, stat.st_size))
    return tuple(stamps)
