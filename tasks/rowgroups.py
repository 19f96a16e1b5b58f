"""Parquet files whose row groups hold a fixed number of rows, whatever batches feed them.

A version is written shard by shard; writing each shard's rows as they come made one row
group per shard and language (a few hundred rows at 1,000 files a shard: at 1M articles a
thousand small groups a file, slow for DuckDB and polars to plan and scan), and the files'
bytes depended on the shard plan. Here rows wait until a full group is there, and each group
is written from contiguous arrays (page boundaries then depend on the rows only), so a file is
the same bytes for any plan that gives the same rows in the same order.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

#: Rows per row group: ~50 MB of article text at 3 KB an article, a few MB of the other tables.
ROWS = 16_384


class RowGroupWriter:
    """A :class:`pyarrow.parquet.ParquetWriter` writing groups of exactly ``rows`` rows (the
    last one of the file fewer)."""

    def __init__(self, path: Path, schema: pa.Schema, rows: int = ROWS, **options: Any) -> None:
        if rows < 1:
            raise ValueError(f"rows must be >= 1, got {rows}")
        self.rows = rows
        self._writer = pq.ParquetWriter(path, schema, **options)
        self._pending: list[pa.Table] = []
        self._held = 0

    def write_table(self, table: pa.Table) -> None:
        if not len(table):
            return
        self._pending.append(table)
        self._held += len(table)
        if self._held >= self.rows:
            full = self._held // self.rows * self.rows
            joined = pa.concat_tables(self._pending)
            self._write(joined.slice(0, full))
            rest = joined.slice(full)
            self._pending, self._held = ([rest] if len(rest) else []), len(rest)

    def close(self) -> None:
        """Write the rows still waiting and close the file (a file given no rows has none)."""
        try:
            if self._held:
                self._write(pa.concat_tables(self._pending))
        finally:
            self._pending, self._held = [], 0
            self._writer.close()

    def _write(self, table: pa.Table) -> None:
        self._writer.write_table(table.combine_chunks(), row_group_size=self.rows)
