"""``newsclean run``: the command-line contract."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow.dataset as ds

from flows.cli import build_parser, main

ROOT = Path(__file__).resolve().parent.parent


def newsclean(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "flows.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )


def test_default_run_cleans_seeds_into_data(tmp_path, seeds_copy):
    # Run from a folder holding seeds/, as a user does from the repository root.
    done = newsclean("run", "--json", cwd=seeds_copy.parent)
    assert done.returncode == 0, done.stderr[-2000:]
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["articles"] == 5
    assert ds.dataset(tmp_path / "data" / "articles", partitioning="hive").count_rows() == 5


def test_missing_input_is_a_one_line_error(tmp_path, capsys):
    code = main(["run", str(tmp_path / "nope"), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "input not found" in err


def test_unwritable_output_is_a_one_line_error(tmp_path, seeds_copy, capsys):
    blocker = tmp_path / "blocker"
    blocker.write_text("a file, not a folder")
    code = main(["run", str(seeds_copy), "--out", str(blocker)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "not a folder" in err


def test_invalid_option_value_is_a_one_line_error(tmp_path, seeds_copy, capsys):
    code = main(["run", str(seeds_copy), "--out", str(tmp_path / "o"), "--jaccard-threshold", "3"])
    assert code == 2
    assert "jaccard_threshold" in capsys.readouterr().err


def test_every_option_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    for name, command in build_parser()._subparsers._group_actions[0].choices.items():
        assert f"newsclean {name}" in readme, f"command {name} missing from README"
        for action in command._actions:
            for flag in action.option_strings:
                if flag.startswith("--") and flag != "--help":
                    assert flag in readme, f"{name} {flag} missing from README"
