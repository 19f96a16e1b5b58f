"""Nothing in the inputs or parameters can make a run write outside its output folder.

Paths under DIR are built from: shard keys (content hashes), version numbers, dataset names
(constants) and one value from the data, the language partition. The language comes from the
detector, never from an input's ``language`` field; and whatever its origin, a partition value
must be a plain lowercase code.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tasks.config import PipelineConfig
from tasks.pipeline import run_pipeline
from tasks.shard import shard_key
from tasks.store import OutputError, OutputStore, partition_dir

STORY = (
    "The city council approved a budget on Monday that doubles spending on road repairs and "
    "adds two new bus lines to the harbour district, officials said after the vote."
)


def all_files(root: Path) -> set[str]:
    found = set()
    for folder, dirs, files in os.walk(root):
        for name in files + [d for d in dirs if os.path.islink(os.path.join(folder, d))]:
            found.add(os.path.relpath(os.path.join(folder, name), root))
    return found


@pytest.mark.parametrize("value", ["en", "zh", "und", "zh-tw", "pt-br"])
def test_plain_language_codes_are_partitions(tmp_path, value):
    assert partition_dir(tmp_path, "language", value) == tmp_path / f"language={value}"


@pytest.mark.parametrize(
    "value", ["", "..", "../../etc", "en/../../x", "/tmp/x", "en/x", "EN", "e n", "en\0", "é"]
)
def test_other_partition_values_are_refused(tmp_path, value):
    with pytest.raises(OutputError, match="refusing partition"):
        partition_dir(tmp_path, "language", value)


def test_shard_folders_are_named_by_content_hash_only(tmp_path):
    store = OutputStore(tmp_path)
    key = shard_key([str(tmp_path / "x.txt")], PipelineConfig())
    assert store.shard_dir(key).parent == tmp_path / ".newsclean" / "shards"
    for bad in ("../../escape", "/tmp/x", "a" * 32 + "/..", ""):
        with pytest.raises(OutputError, match="not a shard key"):
            store.shard_dir(bad)


def test_hostile_inputs_write_only_inside_the_output_folder(tmp_path):
    inputs = tmp_path / "in" / "language=fr"  # a folder named like a partition
    inputs.mkdir(parents=True)
    hostile = {
        "text": STORY,
        "language": "../../../escape",
        "lang": "/tmp/escape",
        "title": "../../title",
        "url": "file:///etc/passwd",
        "source_domain": "../../../site",
        "author": "..",
    }
    (inputs / "feed.jsonl").write_text(json.dumps(hostile) + "\n")
    (inputs / "x..dots...txt").write_text(STORY.replace("Monday", "Tuesday"))
    (inputs / "name=with#hash.txt").write_text(STORY.replace("Monday", "Friday"))
    (tmp_path / "sibling").mkdir()
    before = all_files(tmp_path)

    out = tmp_path / "out"
    result = run_pipeline([str(tmp_path / "in")], out)

    assert result.summary["accounted"] and result.summary["inputs"] == 3
    created = all_files(tmp_path) - before
    assert created and all(path.startswith("out/") for path in created), sorted(created)
    partitions = {p.name for p in (out / "articles").iterdir()}
    assert partitions == {"language=en"}  # detected, not taken from the record's field
