"""Texts of a whole run, on disk, readable one by one: memory bounded by batch, not corpus.

Exact duplicate verification reads the texts of candidate pairs only, in an order nobody can
predict (copies of one story sit in any shard). Holding every text in memory costs several GB
at a million articles; re-reading compressed shard files per pair costs minutes. Instead the
text column is written once, shard by shard, to an uncompressed Arrow IPC file, and read
back memory-mapped: any row is a slice of the mapped file, and only the pages of texts actually
verified are ever touched (the OS may drop them again at will).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import overload

import pyarrow as pa

_SCHEMA = pa.schema([pa.field("text", pa.large_string())])


class SpilledTexts(Sequence[str]):
    """A read-only sequence of strings backed by a memory-mapped Arrow file."""

    def __init__(self, path: Path) -> None:
        self._source = pa.memory_map(str(path), "r")
        self._column = pa.ipc.open_file(self._source).read_all().column("text")

    def __len__(self) -> int:
        return len(self._column)

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> list[str]: ...

    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return self._column[index].to_pylist()
        if index < 0:
            index += len(self._column)
        if not 0 <= index < len(self._column):
            raise IndexError(index)
        return self._column[index].as_py()

    def __iter__(self) -> Iterator[str]:
        for chunk in self._column.chunks:
            yield from chunk.to_pylist()

    def close(self) -> None:
        self._column = pa.chunked_array([], type=pa.large_string())
        self._source.close()


def write_texts(path: Path, batches: Iterable[pa.Array | pa.ChunkedArray]) -> int:
    """Append each batch of texts (one shard at a time) to a new Arrow file; returns rows."""
    rows = 0
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, _SCHEMA) as writer:
        for batch in batches:
            column = batch.cast(pa.large_string())
            chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
            for chunk in chunks:
                writer.write_batch(pa.record_batch([chunk], schema=_SCHEMA))
                rows += len(chunk)
    return rows


@contextmanager
def spilled_texts(
    batches: Iterable[pa.Array | pa.ChunkedArray], folder: Path, prefix: str = ".spill-"
) -> Iterator[SpilledTexts]:
    """Spill ``batches`` under ``folder`` for the duration of the block, then delete them."""
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=prefix, dir=folder) as tmp:
        path = Path(tmp) / "texts.arrow"
        write_texts(path, batches)
        texts = SpilledTexts(path)
        try:
            yield texts
        finally:
            texts.close()
