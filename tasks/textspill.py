"""Texts of a whole run, on disk, readable in any order: memory bounded by batch, not corpus.

Exact duplicate verification reads the texts of candidate pairs only, in an order nobody can
predict (copies of one story sit in any shard). Holding every text in memory costs several GB
at a million articles; re-reading compressed shard files per pair costs minutes. Instead the
text column is written once, shard by shard, to an uncompressed Arrow IPC file, and read
back memory-mapped: any row is a slice of the mapped file. :meth:`SpilledTexts.take` copies
a batch of rows out as one Arrow array (what :mod:`tasks.kernels` reads, no Python string)
and then tells the OS the mapped pages are not needed (``MADV_DONTNEED``): they stay in the
page cache, shared and reclaimable, but leave this process's resident memory, which so holds
a batch of texts, never the corpus.
"""

from __future__ import annotations

import contextlib
import mmap
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import overload

import numpy as np
import pyarrow as pa

_SCHEMA = pa.schema([pa.field("text", pa.large_string())])
_RELEASE_EVERY = 4096  # single-row reads between two releases of the mapped pages


class SpilledTexts(Sequence[str]):
    """A read-only sequence of strings backed by a memory-mapped Arrow file."""

    def __init__(self, path: Path) -> None:
        self._file = open(path, "rb")  # noqa: SIM115 - closed by close()
        self._map = mmap.mmap(self._file.fileno(), 0, access=mmap.ACCESS_READ)
        reader = pa.ipc.open_file(pa.BufferReader(pa.py_buffer(self._map)))
        self._column = reader.read_all().column("text")
        sizes = [len(chunk) for chunk in self._column.chunks]
        self._starts = np.concatenate(([0], np.cumsum(sizes)[:-1])).astype(np.int64)
        self._reads = 0

    def __len__(self) -> int:
        return len(self._column)

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> list[str]: ...

    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return self.take(np.arange(len(self))[index]).to_pylist()
        if index < 0:
            index += len(self._column)
        if not 0 <= index < len(self._column):
            raise IndexError(index)
        self._reads += 1
        if self._reads % _RELEASE_EVERY == 0:
            self.release()
        return self._column[index].as_py()

    def __iter__(self) -> Iterator[str]:
        for chunk in self._column.chunks:
            yield from chunk.to_pylist()
            self.release()

    def take(self, rows: np.ndarray | Sequence[int]) -> pa.Array:
        """The given rows (in that order) as one ``large_string`` array held in memory."""
        _return_freed_memory()  # what earlier batches used: Arrow's allocator keeps it
        rows = np.asarray(rows, dtype=np.int64)
        rows = np.where(rows < 0, rows + len(self), rows)
        if rows.size and (rows.min() < 0 or rows.max() >= len(self)):
            raise IndexError("row out of range")
        # Chunk by chunk: Arrow's take on a chunked column first concatenates every chunk,
        # i.e. copies (and pages in) the whole corpus.
        chunk_of = np.searchsorted(self._starts, rows, side="right") - 1
        order = np.argsort(chunk_of, kind="stable")
        grouped = chunk_of[order]
        bounds = np.flatnonzero(np.diff(grouped, prepend=-1, append=-2))
        pieces = [
            self._column.chunk(int(grouped[lo])).take(
                rows[order[lo:hi]] - self._starts[grouped[lo]]
            )
            for lo, hi in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True)
        ]
        taken = pa.concat_arrays(pieces) if pieces else pa.array([], type=pa.large_string())
        if not np.all(order[1:] > order[:-1]):
            taken = taken.take(np.argsort(order))
        self.release()
        return taken

    def release(self) -> None:
        """Drop the mapped pages from this process's memory (the page cache keeps them)."""
        if not self._map.closed:
            self._map.madvise(mmap.MADV_DONTNEED)

    def close(self) -> None:
        self._column = pa.chunked_array([], type=pa.large_string())
        with contextlib.suppress(BufferError):  # an uncopied array is still alive: unmapped at exit
            self._map.close()
        self._file.close()


class Rows(Sequence[str]):
    """Some rows of a text sequence, in a given order, without copying them; slices come back
    as Arrow arrays when the base can :func:`take` them."""

    def __init__(self, base: Sequence[str], rows: np.ndarray) -> None:
        self.base, self.rows = base, np.asarray(rows, dtype=np.int64)

    def __len__(self) -> int:
        return int(self.rows.size)

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...

    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        if isinstance(index, slice):
            return take(self.base, self.rows[index])
        return self.base[int(self.rows[index])]

    def take(self, rows: np.ndarray | Sequence[int]) -> Sequence[str] | pa.Array:
        return take(self.base, self.rows[np.asarray(rows, dtype=np.int64)])


def take(texts: Sequence[str], rows: np.ndarray | Sequence[int]) -> Sequence[str] | pa.Array:
    """Rows of any text sequence: an Arrow array when it can give one (no Python strings),
    else a list."""
    if hasattr(texts, "take"):  # SpilledTexts, Rows, Arrow arrays
        return texts.take(np.asarray(rows, dtype=np.int64))
    return [texts[int(i)] for i in np.asarray(rows).tolist()]


def _return_freed_memory() -> None:
    """Give memory Arrow freed back to the OS (its allocator otherwise keeps it for reuse, and
    a process that read a few GB of shards would look, and be counted, that big)."""
    pa.default_memory_pool().release_unused()


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
            del batch, column, chunks
            _return_freed_memory()
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
