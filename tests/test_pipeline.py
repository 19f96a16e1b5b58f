"""End to end without Prefect: nothing lost, determinism, reruns, the output contract."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pyarrow.dataset as ds
import pytest
from datafiles import data_files

from tasks.pipeline import run_pipeline


def table(out: Path, name: str):
    return ds.dataset(out / name, partitioning="hive").to_table()


def test_seeds_become_five_articles(seeds_copy, tmp_path):
    out = tmp_path / "out"
    result = run_pipeline([str(seeds_copy)], out)
    articles = table(out, "articles")
    assert articles.num_rows == 5
    assert result.summary["duplicates"] == 0
    assert result.summary["rejects"] == 0
    assert set(articles.column("language").to_pylist()) == {"en"}
    assert articles.column("cluster_size").to_pylist() == [1] * 5
    removed = table(out, "removed_lines")
    assert removed.num_rows == 7
    per_doc = dict(
        zip(
            articles.column("source").to_pylist(),
            articles.column("n_removed_lines").to_pylist(),
            strict=True,
        )
    )
    assert sorted(per_doc.values()) == [1, 1, 1, 2, 2]
    # The report's most removed lines count the published removed_lines (first 200 chars).
    counts = Counter(
        (line[:200], rule)
        for line, rule in zip(
            removed.column("line").to_pylist(), removed.column("rule").to_pylist(), strict=True
        )
    )
    top = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:10]
    assert result.top_removed_lines == [
        {"line": line, "rule": rule, "count": count} for (line, rule), count in top
    ]


def test_every_input_is_accounted_for_exactly_once(tmp_path, seeds_copy):
    folder = seeds_copy
    (folder / "copy_of_000.txt").write_bytes(next(folder.glob("000_*.txt")).read_bytes())
    (folder / "empty.txt").write_text("   \n\n ")
    (folder / "boilerplate.txt").write_text("Comments 0\nShare this article\n")
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02PK\x03\x04" * 50)
    out = tmp_path / "out"
    result = run_pipeline([str(folder)], out)
    articles, dups, rejects = (table(out, n) for n in ("articles", "duplicates", "rejects"))
    ids = [
        *articles.column("doc_id").to_pylist(),
        *dups.column("doc_id").to_pylist(),
        *rejects.column("doc_id").to_pylist(),
    ]
    assert len(ids) == len(set(ids)) == result.summary["inputs"] == 9
    assert result.summary["accounted"]
    assert sorted(rejects.column("reason").to_pylist()) == [
        "clean_all_boilerplate",
        "input_binary",
        "input_empty",
    ]
    assert rejects.column("raw").to_pylist()[0]  # the raw content is preserved
    assert dups.num_rows == 1
    dup = dups.to_pylist()[0]
    assert dup["method"] == "exact"
    assert dup["duplicate_of"] in articles.column("doc_id").to_pylist()


def test_same_input_gives_byte_identical_data(seeds_copy, tmp_path):
    run_pipeline([str(seeds_copy)], tmp_path / "a")
    run_pipeline([str(seeds_copy)], tmp_path / "b")
    first, second = data_files(tmp_path / "a"), data_files(tmp_path / "b")
    assert first and first == second


def test_rerun_into_same_folder_adds_nothing(seeds_copy, tmp_path):
    out = tmp_path / "out"
    run_pipeline([str(seeds_copy)], out)
    before = {n: table(out, n).num_rows for n in ("articles", "duplicates", "removed_lines")}
    again = run_pipeline([str(seeds_copy)], out)
    after = {n: table(out, n).num_rows for n in ("articles", "duplicates", "removed_lines")}
    assert before == after
    assert again.summary["already_published"] == 5
    assert again.summary["articles"] == 0
    assert again.summary["accounted"]


def test_doc_ids_are_stable_across_runs(seeds_copy, tmp_path):
    run_pipeline([str(seeds_copy)], tmp_path / "a")
    run_pipeline([str(seeds_copy)], tmp_path / "b")
    ids = [sorted(table(tmp_path / d, "articles").column("doc_id").to_pylist()) for d in "ab"]
    assert ids[0] == ids[1]


def test_manifest_has_parameters_and_counts(seeds_copy, tmp_path):
    out = tmp_path / "out"
    run_pipeline([str(seeds_copy)], out, parameters={"inputs": [str(seeds_copy)], "out": "x"})
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["parameters"]["inputs"] == [str(seeds_copy)]
    assert manifest["summary"]["articles"] == 5
    assert manifest["counts"]["removed_by_category"]
    assert manifest["version"] == 1


def test_unwritable_output_is_a_clear_error(seeds_copy, tmp_path):
    from tasks.store import OutputError

    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(OutputError, match="not a folder"):
        run_pipeline([str(seeds_copy)], blocker)


SYNDICATED = Path(__file__).resolve().parent / "fixtures" / "syndicated"


def test_syndicated_copies_collapse_through_the_whole_pipeline(tmp_path):
    """Wire copies with other boilerplate and headlines, plus an updated story, end as clusters;
    two stories sharing a quotation stay apart."""
    folder = tmp_path / "in"
    folder.mkdir()
    for path in SYNDICATED.glob("*.txt"):
        (folder / path.name).write_bytes(path.read_bytes())
    out = tmp_path / "out"
    result = run_pipeline([str(folder)], out)
    kept = {Path(a["source"]).name: a["cluster_size"] for a in table(out, "articles").to_pylist()}
    dropped = {
        Path(d["source"]).name: (Path(d["duplicate_of_source"]).name, d["method"], d["similarity"])
        for d in table(out, "duplicates").to_pylist()
    }
    # The longest clean copy of the wire story is kept: the original (the courier's copy is
    # as long only with its byline, advertisement and copyright lines, which cleaning removes).
    assert kept == {
        "wire_original.txt": 4,
        "update_v2.txt": 2,
        "quote_story_markets.txt": 1,
        "quote_story_workers.txt": 1,
    }
    assert {name: d[0] for name, d in dropped.items()} == {
        "wire_copy_courier.txt": "wire_original.txt",
        "wire_copy_aggregator.txt": "wire_original.txt",
        "wire_copy_intl.txt": "wire_original.txt",
        "update_v1.txt": "update_v2.txt",
    }
    assert all(method == "near" for _, method, _ in dropped.values())
    # The update adds a paragraph to a short story: Jaccard < 0.8, caught by containment.
    assert dropped["update_v1.txt"][2] < 0.8
    assert result.summary["accounted"]
