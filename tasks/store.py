"""The output folder: versioned datasets published atomically.

Layout under DIR::

    articles -> .newsclean/current/articles       (stable symlinks users read through)
    duplicates, removed_lines, rejects, manifest.json  (likewise)
    .newsclean/current -> versions/000003          (swapped in one rename: the publish step)
    .newsclean/versions/000003/articles/language=en/part-000003-00000.parquet ...
    .newsclean/shards/<key>/                        (per-shard results, reused when unchanged)

A run builds the next version in a hidden staging folder (hard links to the previous version's
files plus its own new part files), then renames a new ``current`` symlink over the old one.
Readers see the old version or the new one, never a mixture; a run killed at any point leaves
the previous version intact and only a staging folder behind, which the next run removes.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pyarrow.dataset as ds

from tasks.pause import pause_point
from tasks.schema import DATASETS

META = ".newsclean"
MANIFEST = "manifest.json"
_KEEP_VERSIONS = 2
# Names built from data must stay one plain path component inside the output folder.
_SHARD_KEY = re.compile(r"[0-9a-f]{32}")
_PARTITION_VALUE = re.compile(r"[a-z]{2,3}(?:-[a-z0-9]{2,8})*")


class OutputError(RuntimeError):
    """The output folder cannot be used (not writable, or holds something else)."""


class OutputStore:
    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self.meta = self.root / META
        self.versions = self.meta / "versions"
        self.current_link = self.meta / "current"

    # --- setup -------------------------------------------------------------------------

    def prepare(self) -> None:
        """Create the layout, or explain in one line why it cannot be used."""
        if self.root.exists() and not self.root.is_dir():
            raise OutputError(f"output is not a folder: {self.root}")
        for name in [*DATASETS, MANIFEST]:
            entry = self.root / name
            if entry.exists() and not entry.is_symlink():
                raise OutputError(f"output folder holds a '{name}' not written by newsclean")
        try:
            self.versions.mkdir(parents=True, exist_ok=True)
            probe = self.meta / ".write-probe"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise OutputError(
                f"output folder is not writable: {self.root} ({exc.strerror})"
            ) from exc
        self._remove_unpublished()
        if self.current_version():
            self._ensure_user_links()  # a run killed right after its first publish

    def _remove_unpublished(self) -> None:
        """What a killed run left behind is garbage: none of it was ever published.

        Staging folders, a version folder renamed into place but never made ``current`` (it
        would block the next publish of that number), half-made links, half-written shards.
        """
        current = self.current_version()
        for entry in self.versions.iterdir():
            unpublished = entry.name.isdigit() and int(entry.name) > current
            if entry.name.startswith(".staging-") or unpublished:
                shutil.rmtree(entry, ignore_errors=True)
        for entry in self.meta.iterdir():
            if entry.name.startswith(".current-"):
                entry.unlink(missing_ok=True)
        shards = self.meta / "shards"
        if shards.is_dir():
            for entry in shards.iterdir():
                if entry.name.startswith(".tmp-"):
                    shutil.rmtree(entry, ignore_errors=True)

    # --- reading -----------------------------------------------------------------------

    def current_version(self) -> int:
        if not self.current_link.is_symlink():
            return 0
        return int(os.readlink(self.current_link).rsplit("/", 1)[-1])

    def version_dir(self, version: int) -> Path:
        return self.versions / f"{version:06d}"

    def published(self, dataset: str) -> ds.Dataset | None:
        """The current version of one dataset, or None before the first run."""
        version = self.current_version()
        if not version:
            return None
        folder = self.version_dir(version) / dataset
        files = sorted(str(p) for p in folder.rglob("*.parquet"))
        if not files:
            return None
        return ds.dataset(
            files, schema=DATASETS[dataset], partitioning="hive", partition_base_dir=str(folder)
        )

    # --- writing -----------------------------------------------------------------------

    def begin(self) -> tuple[int, Path]:
        """A staging folder for the next version, pre-filled with the current version's files."""
        version = self.current_version() + 1
        staging = self.versions / f".staging-{version:06d}"
        if staging.exists():
            shutil.rmtree(staging)
        previous = self.version_dir(version - 1)
        if version > 1 and previous.is_dir():
            shutil.copytree(previous, staging, copy_function=_link_or_copy)
        else:
            staging.mkdir(parents=True)
        for name in DATASETS:
            (staging / name).mkdir(exist_ok=True)
        return version, staging

    def publish(self, version: int, staging: Path) -> Path:
        """Make ``staging`` the current version in one atomic rename, then tidy up."""
        final = self.version_dir(version)
        _fsync_tree(staging)
        pause_point("publish-staged")
        os.replace(staging, final)
        pause_point("publish-renamed")
        new_link = self.meta / f".current-{version:06d}"
        new_link.unlink(missing_ok=True)
        os.symlink(f"versions/{final.name}", new_link)
        os.replace(new_link, self.current_link)
        _fsync_dir(self.meta)
        pause_point("published")
        self._ensure_user_links()
        self._drop_old_versions(version)
        return final

    def _ensure_user_links(self) -> None:
        for name in [*DATASETS, MANIFEST]:
            link = self.root / name
            if not link.is_symlink():
                os.symlink(f"{META}/current/{name}", link)

    def _drop_old_versions(self, version: int) -> None:
        for entry in sorted(self.versions.iterdir()):
            if entry.name.isdigit() and int(entry.name) <= version - _KEEP_VERSIONS:
                shutil.rmtree(entry, ignore_errors=True)

    def shard_dir(self, key: str) -> Path:
        if not _SHARD_KEY.fullmatch(key):
            raise OutputError(f"not a shard key: {key!r}")
        return self.meta / "shards" / key

    def iter_shard_dirs(self) -> Iterator[Path]:
        folder = self.meta / "shards"
        if folder.is_dir():
            yield from sorted(p for p in folder.iterdir() if not p.name.startswith("."))


def partition_dir(base: Path, column: str, value: str) -> Path:
    """``base/column=value`` for a hive partition; refuses a value that is not a plain code.

    Partition values come from the data (a language code today): one that could hold ``/``
    or ``..`` would let the data choose where files are written.
    """
    if not _PARTITION_VALUE.fullmatch(value):
        raise OutputError(f"refusing partition {column}={value!r}: not a lowercase code")
    return base / f"{column}={value}"


def _link_or_copy(src: str, dst: str) -> str:
    """Published files are immutable, so a hard link is a safe, free copy."""
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)
    return dst


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _fsync_tree(root: Path) -> None:
    """Data reaches the disk before the rename that publishes it."""
    for folder, _dirs, files in os.walk(root):
        for name in files:
            with contextlib.suppress(OSError):
                fd = os.open(os.path.join(folder, name), os.O_RDONLY)
                try:
                    os.fsync(fd)
                finally:
                    os.close(fd)
        _fsync_dir(Path(folder))
