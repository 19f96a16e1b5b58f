"""Same input, fresh output folder: byte-identical Parquet data files.

A mixed corpus (text, HTML, JSONL, CSV, a legacy encoding, exact and near duplicates, rejects)
is run in separate processes with different hash seeds, sequentially and through the real CLI
with two worker processes; every published data file must hash the same. (``manifest.json``
records start and finish times, so it is not a data file.)
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from datafiles import data_files

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
RUNNER = (
    "import sys; from tasks.pipeline import run_pipeline; "
    "run_pipeline([sys.argv[1]], sys.argv[2], shard_files=3)"
)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("mixed") / "in"
    shutil.copytree(ROOT / "seeds", folder / "seeds")
    shutil.copytree(FIXTURES / "inputs", folder / "formats")
    shutil.copytree(FIXTURES / "syndicated", folder / "syndicated")
    first = sorted((folder / "seeds").glob("*.txt"))[0]
    (folder / "copies").mkdir()
    (folder / "copies" / "exact.txt").write_bytes(first.read_bytes())
    text = first.read_text()
    (folder / "copies" / "near.txt").write_text(text.replace("Saturday", "Sunday", 1) + "\nAP")
    (folder / "copies" / "legacy_cp1252.txt").write_bytes(
        "Café owners in Zürich say the new rules will cost them €300 a month, "
        "according to the association of shopkeepers in the old town.".encode("cp1252")
    )
    (folder / "bad").mkdir()
    (folder / "bad" / "binary.txt").write_bytes(bytes(range(256)) * 8)
    (folder / "bad" / "empty.txt").write_bytes(b"")
    (folder / "bad" / "boilerplate.txt").write_text("Share this article\nComments 0\n")
    (folder / "bad" / "broken.jsonl").write_text('{"text": "fine but short"}\n{oops\n')
    return folder


def run_in_child(inputs: Path, out: Path, hash_seed: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": hash_seed}
    done = subprocess.run(
        [sys.executable, "-c", RUNNER, str(inputs), str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]


def test_two_runs_give_byte_identical_data_files(corpus, tmp_path):
    run_in_child(corpus, tmp_path / "a", hash_seed="1")
    run_in_child(corpus, tmp_path / "b", hash_seed="2")
    first, second = data_files(tmp_path / "a"), data_files(tmp_path / "b")
    assert first == second
    # The corpus exercises what it claims: rows in every dataset, both kinds of duplicates.
    with duckdb.connect() as con:
        counts = {
            name: con.execute(
                f"select count(*) from read_parquet('{tmp_path / 'a' / name}/**/*.parquet')"
            ).fetchone()[0]
            for name in ("articles", "duplicates", "removed_lines", "rejects")
        }
        methods = {
            m
            for (m,) in con.execute(
                f"select distinct method from '{tmp_path / 'a' / 'duplicates'}/*.parquet'"
            ).fetchall()
        }
    assert all(counts.values()), counts
    assert methods == {"exact", "near"}


@pytest.mark.slow
def test_cli_with_worker_processes_writes_the_same_bytes(corpus, tmp_path):
    """Shards finishing in any order in a process pool must not change a byte."""
    run_in_child(corpus, tmp_path / "sequential", hash_seed="3")
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "PYTHONHASHSEED": "4",
        "PREFECT_HOME": str(tmp_path / "prefect"),
    }
    cli = [sys.executable, "-m", "flows.cli", "run", str(corpus), "--out", str(tmp_path / "cli")]
    done = subprocess.run(
        [*cli, "--shard-files", "3", "--workers", "2"],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert data_files(tmp_path / "cli") == data_files(tmp_path / "sequential")
