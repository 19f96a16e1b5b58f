"""Freed heap memory goes back to the system between a run's phases (glibc)."""

from __future__ import annotations

import ctypes.util
import os
import subprocess
import sys

import pytest

_CHILD = """
import numpy as np
from tasks.memory import release_free_memory

def rss_mb():
    return int(open('/proc/self/statm').read().split()[1]) * 4096 >> 20

big = np.ones(1_250_000)  # a 10 MB block freed: glibc now keeps blocks up to 10 MB in the heap
del big
blocks = [np.ones(100_000) for _ in range(2000)]  # 1.6 GB of 800 KB arrays, in the heap
del blocks[::2]  # free every other one: the heap cannot shrink from its top
before = rss_mb()
print(release_free_memory(), before, rss_mb())
"""


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or not ctypes.util.find_library("c"),
    reason="malloc_trim is glibc's",
)
def test_freed_arrays_are_handed_back_to_the_system() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    out = subprocess.run(
        [sys.executable, "-c", _CHILD], capture_output=True, text=True, check=True, env=env
    ).stdout.split()
    released, before, after = out[0] == "True", int(out[1]), int(out[2])
    assert released
    assert before > 1200  # the freed half is still counted
    assert after < before - 600  # ~800 MB returned

