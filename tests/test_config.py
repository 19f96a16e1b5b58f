"""PipelineConfig: rules compiled once per process, reloaded when a rule file changes."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict
from pathlib import Path

from tasks import minhash
from tasks.config import PIPELINE_VERSION, PipelineConfig

RULE = """
[[rule]]
id = "{id}"
category = "share"
pattern = '^share this$'
languages = ["en"]
description = "A share prompt."
must_match = ["Share this"]
must_not_match = ["Share this story with care, the minister said."]
"""


def test_rules_are_compiled_once_per_process() -> None:
    assert PipelineConfig().load_rules() is PipelineConfig(min_words=9).load_rules()


def test_an_edited_rule_file_is_read_again(tmp_path: Path) -> None:
    path = tmp_path / "custom.toml"
    path.write_text(RULE.format(id="share_a"))
    config = PipelineConfig(rules_paths=(str(path),))
    before, fingerprint = config.load_rules(), config.fingerprint()
    assert [r.id for r in before.rules] == ["share_a"]
    path.write_text(RULE.format(id="share_bb"))
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1))
    after = config.load_rules()
    assert [r.id for r in after.rules] == ["share_bb"]
    assert config.fingerprint() != fingerprint


def test_the_fingerprint_hashes_the_compiled_rules_definitions(tmp_path: Path) -> None:
    """Read without compiling (the assembly's process never matches a line), the same value
    as from the rules the workers compile."""
    path = tmp_path / "custom.toml"
    path.write_text(RULE.format(id="share_a"))
    for config in (PipelineConfig(), PipelineConfig(rules_paths=(str(path),), min_words=7)):
        payload = {
            "version": PIPELINE_VERSION,
            "signatures": minhash.ALGORITHM,
            "config": asdict(config),
            "rules": [(r.id, r.pattern, r.max_words) for r in config.load_rules().rules],
        }
        encoded = json.dumps(payload, sort_keys=True, default=str).encode()
        assert config.fingerprint() == hashlib.blake2b(encoded, digest_size=16).hexdigest()
