"""Expand the user's INPUT arguments into a sorted list of files."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path


class InputError(ValueError):
    """An INPUT argument that cannot be used (missing path, nothing readable)."""


def discover(inputs: Sequence[str]) -> list[str]:
    """Files named directly, plus every non-hidden file under named folders, recursively.

    Paths keep the spelling the user gave (``seeds/001.txt`` stays relative) because the
    ``source`` column and ``doc_id`` are built from them. The result is sorted and free of
    repeats so the same arguments always give the same run.
    """
    if not inputs:
        raise InputError("no input given")
    found: list[str] = []
    for given in inputs:
        path = Path(given)
        if path.is_file():
            found.append(given)
        elif path.is_dir():
            found.extend(_walk(given))
        elif not path.exists():
            raise InputError(f"input not found: {given}")
        else:
            raise InputError(f"input is neither a file nor a folder: {given}")
    return sorted(dict.fromkeys(found))


def _walk(folder: str) -> list[str]:
    files: list[str] = []
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        files.extend(os.path.join(root, n) for n in sorted(names) if not n.startswith("."))
    return files
