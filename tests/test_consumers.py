"""The published datasets read back with the tools users query them with."""

from __future__ import annotations

import duckdb
import polars as pl
import pyarrow.parquet as pq
import pytest

from tasks.pipeline import run_pipeline


@pytest.fixture
def published(seeds_copy, tmp_path):
    out = tmp_path / "out"
    run_pipeline([str(seeds_copy)], out)
    return out


def test_duckdb_reads_articles_and_joins_removed_lines(published):
    con = duckdb.connect()
    rows = con.execute(
        f"""
        select a.language, count(distinct a.doc_id), count(r.line)
        from read_parquet('{published}/articles/**/*.parquet', hive_partitioning=true) a
        left join read_parquet('{published}/removed_lines/*.parquet') r using (doc_id)
        group by a.language
        """
    ).fetchall()
    assert rows == [("en", 5, 7)]


def test_polars_reads_every_dataset(published):
    articles = pl.read_parquet(f"{published}/articles/**/*.parquet", hive_partitioning=True)
    assert articles.height == 5
    assert {
        "doc_id",
        "source",
        "title",
        "text",
        "language",
        "language_prob",
        "n_removed_lines",
        "cluster_size",
    } <= set(articles.columns)
    for name in ("duplicates", "removed_lines", "rejects"):
        frame = pl.read_parquet(f"{published}/{name}/*.parquet")
        assert frame.columns  # schema present even when empty


def test_files_are_zstd_compressed(published):
    for path in published.glob("*/**/*.parquet"):
        metadata = pq.ParquetFile(path).metadata
        for group in range(metadata.num_row_groups):
            for column in range(metadata.num_columns):
                assert metadata.row_group(group).column(column).compression == "ZSTD"
