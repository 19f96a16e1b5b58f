"""Texts of a whole run, on disk, readable in any order: memory bounded by batch, not corpus.

Exact duplicate verification reads the texts of candidate pairs only, in an order nobody can
predict (copies of one story sit in any shard). Holding every text in memory costs several GB
at a million articles; re-reading compressed shard files per pair costs minutes. Instead the
texts are written once, shard by shard, as one file of UTF-8 bytes; their byte offsets (8
bytes a text) stay in memory. :meth:`SpilledTexts.take` reads a batch of rows with ``pread``
(adjacent rows in one call) into one Arrow array, which :mod:`tasks.kernels` reads in place
(no Python string). Nothing is memory-mapped: mapping the file made every row read fault in
its neighbourhood too (read-around), and a batch of a few thousand scattered rows then held
most of the file in the process's resident memory.
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import overload

import numpy as np
import pyarrow as pa

from tasks import words


class SpilledTexts(Sequence[str]):
    """A sequence of strings backed by a spill file (see :func:`write_texts`).

    Row ``i`` is the file's bytes ``starts[i]:ends[i]`` (by default the rows as written);
    :meth:`extend` appends texts and :meth:`select` gives other rows of the same file.
    """

    def __init__(self, path: Path, spans: tuple[np.ndarray, np.ndarray] | None = None) -> None:
        if spans is None:
            offsets = np.fromfile(_offsets_path(path), dtype=np.int64)
            spans = (offsets[:-1], offsets[1:])
        self._path = Path(path)
        self._starts, self._ends = spans
        self._added: list[tuple[np.ndarray, np.ndarray]] = []  # joined on the next read
        self._lock = threading.Lock()
        self._size = int(self._starts.size)
        self._fd = os.open(path, os.O_RDONLY)

    def __len__(self) -> int:
        return self._size

    def _spans(self) -> tuple[np.ndarray, np.ndarray]:
        with self._lock:  # batches are read from several threads
            if self._added:
                starts, ends = zip(*self._added, strict=True)
                self._starts = np.concatenate((self._starts, *starts))
                self._ends = np.concatenate((self._ends, *ends))
                self._added = []
            return self._starts, self._ends

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> list[str]: ...

    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return self.take(np.arange(len(self))[index]).to_pylist()
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        starts, ends = self._spans()
        lo, hi = int(starts[index]), int(ends[index])
        return os.pread(self._fd, hi - lo, lo).decode("utf-8")

    def __iter__(self) -> Iterator[str]:
        for lo in range(0, len(self), 8192):
            yield from self.take(np.arange(lo, min(len(self), lo + 8192))).to_pylist()

    def take(self, rows: np.ndarray | Sequence[int]) -> pa.Array:
        """The given rows (in that order) as one ``large_string`` array held in memory."""
        _return_freed_memory()  # what earlier batches used: Arrow's allocator keeps it
        rows = np.asarray(rows, dtype=np.int64)
        rows = np.where(rows < 0, rows + len(self), rows)
        if rows.size and (rows.min() < 0 or rows.max() >= len(self)):
            raise IndexError("row out of range")
        if not rows.size:
            return pa.array([], type=pa.large_string())
        order = np.argsort(rows, kind="stable")
        ordered = rows[order]
        every_start, every_end = self._spans()
        starts, ends = every_start[ordered], every_end[ordered]
        offsets = np.zeros(rows.size + 1, dtype=np.int64)
        np.cumsum(ends - starts, out=offsets[1:])
        data = bytearray(int(offsets[-1]))
        view = memoryview(data)
        # One read per run of rows that are adjacent in the file (copies of a story often are).
        breaks = np.flatnonzero(starts[1:] != ends[:-1]) + 1
        first = np.concatenate(([0], breaks)).tolist()
        last = np.concatenate((breaks, [rows.size])).tolist()
        for a, b in zip(first, last, strict=True):
            lo, hi, at = int(starts[a]), int(ends[b - 1]), int(offsets[a])
            if hi > lo and os.preadv(self._fd, [view[at : at + hi - lo]], lo) != hi - lo:
                raise OSError("the spill file is shorter than its offsets say")
        taken = pa.LargeStringArray.from_buffers(
            rows.size, pa.py_buffer(offsets), pa.py_buffer(data)
        )
        if not np.all(order[1:] > order[:-1]):
            taken = taken.take(np.argsort(order))
        return taken

    def extend(self, texts: Sequence[str]) -> np.ndarray:
        """Append ``texts`` to the file and to this sequence; returns their rows. (Texts
        rewritten after the spill: the file only grows, no row already given changes.)"""
        data, bounds = words.encode(texts)
        with self._lock, open(self._path, "ab") as sink:
            base = sink.tell()
            sink.write(memoryview(data[bounds[0] : bounds[-1]]))
            rows = np.arange(self._size, self._size + len(texts), dtype=np.int64)
            self._added.append((base + bounds[:-1] - bounds[0], base + bounds[1:] - bounds[0]))
            self._size += len(texts)
        return rows

    def select(self, rows: np.ndarray | Sequence[int]) -> SpilledTexts:
        """The given rows (in that order) as a sequence over the same file: no text is read
        or copied. It has its own handle: close it too."""
        rows = np.asarray(rows, dtype=np.int64)
        if rows.size and (rows.min() < 0 or rows.max() >= len(self)):
            raise IndexError("row out of range")
        starts, ends = self._spans()
        return SpilledTexts(self._path, (starts[rows], ends[rows]))

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


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


def _offsets_path(path: Path) -> Path:
    return Path(f"{path}.offsets")


def write_texts(path: Path, batches: Iterable[pa.Array | pa.ChunkedArray]) -> int:
    """Append each batch of texts (one shard at a time) to a new spill file (UTF-8 bytes, and
    next to it the int64 byte offsets); returns rows. A null is written as ""."""
    offsets = [np.zeros(1, dtype=np.int64)]
    written = 0
    with open(path, "wb") as sink:
        for batch in batches:
            chunks = batch.chunks if isinstance(batch, pa.ChunkedArray) else [batch]
            for chunk in chunks:
                data, bounds = words.encode(chunk.cast(pa.large_string()))
                sink.write(memoryview(data[bounds[0] : bounds[-1]]))
                offsets.append(bounds[1:] - bounds[0] + written)
                written += int(bounds[-1] - bounds[0])
            del batch, chunks
            _return_freed_memory()
    every = np.concatenate(offsets)
    every.tofile(_offsets_path(path))
    return int(every.size - 1)


@contextmanager
def spilled_texts(
    batches: Iterable[pa.Array | pa.ChunkedArray], folder: Path, prefix: str = ".spill-"
) -> Iterator[SpilledTexts]:
    """Spill ``batches`` under ``folder`` for the duration of the block, then delete them."""
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=prefix, dir=folder) as tmp:
        path = Path(tmp) / "texts.utf8"
        write_texts(path, batches)
        texts = SpilledTexts(path)
        try:
            yield texts
        finally:
            texts.close()
