"""Parquet files whose row groups are cut by the rows alone, whatever batches feed them.

A version is written shard by shard; writing each shard's rows as they came made one row
group per shard and language (a few hundred rows at 1,000 files a shard: at 1M articles a
thousand small groups a file, slow for DuckDB and polars to plan and scan), and the files'
bytes depended on the shard plan. Here rows wait until a group is complete: it closes at
``rows`` rows or once its rows hold ``max_bytes`` of data, whichever comes first, counted
row by row, so where groups end depends only on the sequence of rows. Each group is written
from contiguous arrays (page boundaries then depend on the rows only): a file is the same
bytes for any plan that gives the same rows in the same order. Memory: one open group (at
most ``max_bytes`` plus a row) and one incoming table per writer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

ROWS = 65_536
MAX_BYTES = 16 * 1024 * 1024  # ~5,000 articles of 3 KB; one reject's raw bytes if larger


class RowGroupWriter:
    """A :class:`pyarrow.parquet.ParquetWriter` whose row groups close at ``rows`` rows or
    ``max_bytes`` of row data. Tables handed to it are held until their group is complete:
    hand it tables that own their buffers, not slices of big ones (a slice keeps its parent
    alive)."""

    def __init__(
        self,
        path: Path,
        schema: pa.Schema,
        rows: int = ROWS,
        max_bytes: int = MAX_BYTES,
        **options: Any,
    ) -> None:
        if rows < 1 or max_bytes < 1:
            raise ValueError(f"rows and max_bytes must be >= 1, got {rows}, {max_bytes}")
        self.rows, self.max_bytes = rows, max_bytes
        self._writer = pq.ParquetWriter(path, schema, **options)
        self._pending: list[pa.Table] = []
        self._sizes: list[np.ndarray] = []
        self._held_rows = 0
        self._held_bytes = 0

    def write_table(self, table: pa.Table) -> None:
        if not len(table):
            return
        sizes = row_sizes(table)
        self._pending.append(table)
        self._sizes.append(sizes)
        self._held_rows += len(table)
        self._held_bytes += int(sizes.sum())
        if self._held_rows >= self.rows or self._held_bytes >= self.max_bytes:
            self._flush(final=False)

    def close(self) -> None:
        """Write the rows still waiting and close the file (a file given no rows has none)."""
        try:
            if self._held_rows:
                self._flush(final=True)
        finally:
            self._pending, self._sizes = [], []
            self._writer.close()

    def _flush(self, final: bool) -> None:
        joined = pa.concat_tables(self._pending)
        sizes = np.concatenate(self._sizes)
        ends = group_ends(sizes, self.rows, self.max_bytes)
        if (
            not final
            and ends
            and ends[-1] == sizes.size
            and not _complete(sizes, ends, self.rows, self.max_bytes)
        ):
            ends = ends[:-1]  # the last group may still grow
        start = 0
        for end in ends:
            self._writer.write_table(joined.slice(start, end - start).combine_chunks())
            start = end
        rest, rest_sizes = joined.slice(start), sizes[start:]
        self._pending = [rest] if len(rest) else []
        self._sizes = [rest_sizes] if rest_sizes.size else []
        self._held_rows, self._held_bytes = int(rest_sizes.size), int(rest_sizes.sum())


def group_ends(sizes: np.ndarray, rows: int, max_bytes: int) -> list[int]:
    """Where each group ends (exclusive row positions, the last one ``sizes.size``): a group
    takes rows until it holds ``rows`` rows or its sizes reach ``max_bytes``."""
    total = np.concatenate(([0], np.cumsum(sizes, dtype=np.int64)))
    ends, start = [], 0
    while start < sizes.size:
        by_bytes = int(np.searchsorted(total, total[start] + max_bytes, side="left"))
        end = min(start + rows, max(by_bytes, start + 1), sizes.size)
        ends.append(end)
        start = end
    return ends


def _complete(sizes: np.ndarray, ends: list[int], rows: int, max_bytes: int) -> bool:
    start = ends[-2] if len(ends) > 1 else 0
    return ends[-1] - start >= rows or int(sizes[start : ends[-1]].sum()) >= max_bytes


def row_sizes(table: pa.Table) -> np.ndarray:
    """Bytes of data in each row: strings' and binaries' lengths, 8 a value otherwise."""
    sizes = np.zeros(len(table), dtype=np.int64)
    for column in table.columns:
        kind = column.type
        if (
            pa.types.is_string(kind)
            or pa.types.is_large_string(kind)
            or pa.types.is_binary(kind)
            or pa.types.is_large_binary(kind)
        ):
            lengths = pc.binary_length(column).fill_null(0)
            sizes += lengths.to_numpy().astype(np.int64)
        elif pa.types.is_list(kind) or pa.types.is_large_list(kind):
            sizes += 8 * pc.list_value_length(column).fill_null(0).to_numpy().astype(np.int64)
        else:
            sizes += 8
    return sizes
