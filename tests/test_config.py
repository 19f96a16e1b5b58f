"""PipelineConfig: rules compiled once per process, reloaded when a rule file changes."""

from __future__ import annotations

import os
from pathlib import Path

from tasks.config import PipelineConfig

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
