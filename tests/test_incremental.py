"""Runs into the same folder: earlier articles are fixed canonicals, found through the index."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pyarrow.dataset as ds
import pyarrow.parquet as pq

from tasks.config import PipelineConfig
from tasks.dedup import DedupConfig
from tasks.pipeline import run_pipeline
from tasks.store import OutputStore

ROOT = Path(__file__).resolve().parent.parent
SYNDICATED = ROOT / "tests" / "fixtures" / "syndicated"


def table(out: Path, name: str) -> list[dict]:
    return ds.dataset(out / name, partitioning="hive").to_table().to_pylist()


def folder(tmp_path: Path, name: str, files: list[Path]) -> Path:
    target = tmp_path / name
    target.mkdir()
    for path in files:
        shutil.copyfile(path, target / path.name)
    return target


def seed(prefix: str) -> Path:
    return next((ROOT / "seeds").glob(f"{prefix}_*.txt"))


def published_files(out: Path) -> dict[str, str]:
    version = OutputStore(out).current_version()
    base = out / ".newsclean" / "versions" / f"{version:06d}"
    return {
        str(p.relative_to(base)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(base.rglob("*.parquet"))
    }


def first_run(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """Run 1: four seeds and the wire original. Returns the output and doc_id by file name."""
    one = folder(
        tmp_path,
        "day1",
        [seed("000"), seed("001"), seed("002"), seed("003"), SYNDICATED / "wire_original.txt"],
    )
    out = tmp_path / "out"
    result = run_pipeline([str(one)], out)
    assert result.summary["articles"] == 5
    ids = {Path(a["source"]).name: a["doc_id"] for a in table(out, "articles")}
    return out, ids


def test_a_copy_of_an_earlier_article_points_at_it_and_a_new_one_is_appended(tmp_path):
    out, day1 = first_run(tmp_path)
    before = published_files(out)
    two = folder(
        tmp_path, "day2", [SYNDICATED / "wire_copy_courier.txt", SYNDICATED / "update_v1.txt"]
    )
    result = run_pipeline([str(two)], out)
    assert result.summary["articles"] == 1 and result.summary["duplicates"] == 1
    assert result.summary["duplicates_of_earlier"] == 1 and result.summary["accounted"]

    articles = {Path(a["source"]).name: a for a in table(out, "articles")}
    assert set(articles) == {*day1, "update_v1.txt"}
    # Earlier articles are neither dropped nor replaced: run 1's files are still published as is.
    after = published_files(out)
    assert all(
        after[name] == digest for name, digest in before.items() if "dedup_index" not in name
    )
    [dup] = table(out, "duplicates")
    assert Path(dup["source"]).name == "wire_copy_courier.txt"
    assert dup["duplicate_of"] == day1["wire_original.txt"]
    assert Path(dup["duplicate_of_source"]).name == "wire_original.txt"
    assert dup["method"] == "near" and 0.8 <= dup["similarity"] <= 1.0
    # The index now holds both runs' articles: signatures and band hashes, never texts.
    index_files = sorted((out / ".newsclean" / "current" / "dedup_index").glob("*.parquet"))
    assert len(index_files) == 2
    names = pq.read_schema(index_files[0]).names
    assert "signature" in names and "band_00" in names and "band_63" in names
    assert "text" not in names
    assert sum(pq.read_metadata(f).num_rows for f in index_files) == 6


def test_rerunning_the_same_input_adds_nothing(tmp_path):
    out, _ = first_run(tmp_path)
    two = folder(
        tmp_path, "day2", [SYNDICATED / "wire_copy_courier.txt", SYNDICATED / "update_v1.txt"]
    )
    run_pipeline([str(two)], out)
    rows = {n: len(table(out, n)) for n in ("articles", "duplicates", "rejects")}
    index_rows = sum(
        pq.read_metadata(f).num_rows
        for f in (out / ".newsclean" / "current" / "dedup_index").glob("*.parquet")
    )
    again = run_pipeline([str(two)], out)
    assert again.summary["already_published"] == 2
    assert again.summary["articles"] == again.summary["duplicates"] == 0
    assert {n: len(table(out, n)) for n in rows} == rows
    assert index_rows == sum(
        pq.read_metadata(f).num_rows
        for f in (out / ".newsclean" / "current" / "dedup_index").glob("*.parquet")
    )


def test_an_exact_copy_under_another_name_is_an_exact_duplicate_of_the_earlier_article(tmp_path):
    out, day1 = first_run(tmp_path)
    two = tmp_path / "day2"
    two.mkdir()
    shutil.copyfile(seed("002"), two / "republished.txt")
    result = run_pipeline([str(two)], out)
    assert result.summary["duplicates_of_earlier"] == 1
    [dup] = table(out, "duplicates")
    assert dup["duplicate_of"] == day1[seed("002").name]
    assert dup["method"] == "exact" and dup["similarity"] == 1.0


def test_a_later_article_joins_an_earlier_story(tmp_path):
    out, day1 = first_run(tmp_path)
    articles = {Path(a["source"]).name: a for a in table(out, "articles")}
    assert all(a["story_id"] == a["doc_id"] for a in articles.values())  # no shared passage yet
    two = folder(tmp_path, "day2", [seed("004")])
    result = run_pipeline([str(two)], out)
    articles = {Path(a["source"]).name: a for a in table(out, "articles")}
    assert articles[seed("004").name]["story_id"] == day1[seed("001").name]
    assert articles[seed("001").name]["story_id"] == day1[seed("001").name]
    assert result.summary["articles_in_stories"] == 1


def test_a_missing_index_is_rebuilt_from_the_published_articles(tmp_path):
    out, day1 = first_run(tmp_path)
    shutil.rmtree(out / ".newsclean" / "current" / "dedup_index")  # e.g. an older newsclean
    two = folder(tmp_path, "day2", [SYNDICATED / "wire_copy_intl.txt"])
    run_pipeline([str(two)], out)
    [dup] = table(out, "duplicates")
    assert dup["duplicate_of"] == day1["wire_original.txt"]
    index = ds.dataset(out / ".newsclean" / "current" / "dedup_index").to_table(columns=["doc_id"])
    assert sorted(index.column("doc_id").to_pylist()) == sorted(day1.values())


def test_an_index_computed_with_other_parameters_is_rebuilt(tmp_path):
    out, day1 = first_run(tmp_path)
    other = PipelineConfig(dedup=DedupConfig(num_perm=128, bands=32))
    two = folder(tmp_path, "day2", [SYNDICATED / "wire_copy_aggregator.txt", seed("004")])
    result = run_pipeline([str(two)], out, other)
    [dup] = table(out, "duplicates")
    assert dup["duplicate_of"] == day1["wire_original.txt"]
    assert result.summary["articles_in_stories"] == 1
    files = sorted((out / ".newsclean" / "current" / "dedup_index").glob("*.parquet"))
    assert [f.name for f in files] == ["part-000002-rebuilt.parquet", "part-000002.parquet"]
    assert all(pq.read_schema(f).field("signature").type.list_size == 128 for f in files)
