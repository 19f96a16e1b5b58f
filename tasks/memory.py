"""Hand freed heap memory back to the operating system between a run's big phases.

glibc keeps freed blocks for reuse, and its threshold for giving large blocks their own
mapping grows to 32 MiB after the first large free: numpy arrays freed after a phase then stay
in the heap, and a process that once held gigabytes keeps them (at 1M articles the dedup
process stayed ~1.5 GB above what it held). ``malloc_trim`` returns the free pages; where it
does not exist (not glibc) :func:`release_free_memory` does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Callable


def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):
        return None


_TRIM = _malloc_trim()


def release_free_memory() -> bool:
    """Return the heap's free pages to the system; True if the C library could."""
    return bool(_TRIM is not None and _TRIM(0))
