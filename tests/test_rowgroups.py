"""Row groups of a fixed size, whatever batches feed the writer: same rows, same bytes."""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tasks.rowgroups import RowGroupWriter, group_ends, row_sizes

SCHEMA = pa.schema([("doc_id", pa.string()), ("text", pa.string()), ("n", pa.int32())])


def rows(n: int) -> pa.Table:
    rng = random.Random(n)
    return pa.table(
        {
            "doc_id": [f"d{i:05d}" for i in range(n)],
            "text": [
                " ".join(rng.choice(["wire", "story", "port", "é"]) for _ in range(30))
                for _ in range(n)
            ],
            "n": pa.array(range(n), pa.int32()),
        },
        schema=SCHEMA,
    )


def write(
    path: Path, table: pa.Table, cuts: list[int], group: int, max_bytes: int = 1 << 30
) -> str:
    writer = RowGroupWriter(path, SCHEMA, group, max_bytes, compression="zstd")
    for lo, hi in zip([0, *cuts], [*cuts, len(table)], strict=True):
        writer.write_table(table.slice(lo, hi - lo))
    writer.close()
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("group", [1, 7, 64, 5000])
def test_groups_hold_a_fixed_number_of_rows_whatever_the_batches(tmp_path, group):
    table = rows(1000)
    digests = set()
    for k in range(4):
        rng = random.Random(k)
        cuts = sorted(rng.sample(range(1, 1000), rng.randrange(0, 40)))
        digests.add(write(tmp_path / f"{k}.parquet", table, cuts, group))
        handle = pq.ParquetFile(tmp_path / f"{k}.parquet")
        sizes = [handle.metadata.row_group(g).num_rows for g in range(handle.num_row_groups)]
        assert sizes == [group] * (1000 // group) + ([1000 % group] if 1000 % group else [])
        assert handle.read().equals(table)
    assert len(digests) == 1  # the same bytes for every way of cutting the input


def test_empty_tables_add_nothing_and_an_unfed_file_is_empty(tmp_path):
    writer = RowGroupWriter(tmp_path / "a.parquet", SCHEMA, 10)
    writer.write_table(rows(0))
    writer.close()
    assert pq.read_table(tmp_path / "a.parquet").num_rows == 0
    assert pq.read_schema(tmp_path / "a.parquet").names == SCHEMA.names
    with pytest.raises(ValueError, match="rows"):
        RowGroupWriter(tmp_path / "b.parquet", SCHEMA, 0)


def reference_ends(sizes: list[int], rows: int, max_bytes: int) -> list[int]:
    ends, count, held = [], 0, 0
    for i, size in enumerate(sizes):
        count, held = count + 1, held + size
        if count == rows or held >= max_bytes:
            ends.append(i + 1)
            count, held = 0, 0
    if count:
        ends.append(len(sizes))
    return ends


@pytest.mark.parametrize("seed", range(20))
def test_groups_close_at_the_row_or_byte_limit_row_by_row(seed):
    rng = random.Random(seed)
    sizes = [rng.choice([0, 1, 5, 40, 300]) for _ in range(rng.randrange(0, 300))]
    rows, max_bytes = rng.randrange(1, 50), rng.randrange(1, 2000)
    got = group_ends(np.array(sizes, dtype=np.int64), rows, max_bytes)
    assert got == reference_ends(sizes, rows, max_bytes)


def test_byte_limited_groups_are_the_same_bytes_whatever_the_batches(tmp_path):
    table = rows(600)
    sizes = row_sizes(table)
    assert sizes[0] == len(table["doc_id"][0].as_py()) + len(table["text"][0].as_py().encode()) + 8
    digests = set()
    for k in range(4):
        rng = random.Random(k)
        cuts = sorted(rng.sample(range(1, 600), rng.randrange(0, 30)))
        digests.add(write(tmp_path / f"{k}.parquet", table, cuts, 1000, max_bytes=20_000))
        handle = pq.ParquetFile(tmp_path / f"{k}.parquet")
        groups = [handle.metadata.row_group(g).num_rows for g in range(handle.num_row_groups)]
        assert np.cumsum(groups).tolist() == group_ends(sizes, 1000, 20_000)
        assert handle.read().equals(table)
    assert len(digests) == 1
