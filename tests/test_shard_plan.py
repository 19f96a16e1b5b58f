"""plan_shards: reproducible consecutive groups, spread over several shards when mid-sized."""

from __future__ import annotations

from pathlib import Path

import pytest

from tasks.shard import plan_shards


def files(tmp_path: Path, n: int, size: int) -> list[str]:
    paths = []
    for i in range(n):
        path = tmp_path / f"{i:05d}.html"
        path.write_bytes(b"x" * size)
        paths.append(str(path))
    return paths


def test_order_is_kept_and_every_file_is_in_one_shard(tmp_path: Path) -> None:
    paths = files(tmp_path, 137, 10)
    shards = plan_shards(paths, 1000, 64 << 20, min_files=10)
    assert [p for shard in shards for p in shard] == paths


def test_mid_sized_input_is_spread_so_no_worker_idles(tmp_path: Path) -> None:
    """500 pages of 166 KB: one 64 MiB shard and a small one before; now about eight full
    shards' worth, the last two of them cut smaller."""
    paths = files(tmp_path, 500, 166_000)
    sizes = [len(s) for s in plan_shards(paths, 1000, 64 << 20)]
    assert sum(sizes) == 500 and 8 <= len(sizes) <= 11
    full = sizes[: len(sizes) - 2]
    assert max(full) - min(full) <= 5
    assert max(sizes[-2:]) < min(full)  # tapered, down to the 4 MiB floor


def test_the_plan_tapers_at_its_end(tmp_path: Path) -> None:
    """Shards start in plan order; small ones at the end let the workers finish together."""
    paths = files(tmp_path, 1600, 10)
    assert [len(s) for s in plan_shards(paths, 100, 64 << 20, min_files=1)] == [100] * 14 + [
        100,
        50,
        25,
        25,
    ]


def test_a_crumb_joins_the_last_shard(tmp_path: Path) -> None:
    paths = files(tmp_path, 1010, 10)
    sizes = [len(s) for s in plan_shards(paths, 100, 64 << 20, min_files=1)]
    assert sizes[-1] >= 25 and sum(sizes) == 1010


@pytest.mark.parametrize("n", [1, 49, 51, 137, 999, 2345])
def test_every_file_once_in_order_and_deterministic(tmp_path: Path, n: int) -> None:
    paths = files(tmp_path, n, 1000)
    plan = plan_shards(paths, 1000, 64 << 20)
    assert [p for shard in plan for p in shard] == paths
    assert all(plan) and plan == plan_shards(list(paths), 1000, 64 << 20)


def test_small_input_stays_one_shard(tmp_path: Path) -> None:
    """Splitting a handful of files would only start worker processes for nothing."""
    assert len(plan_shards(files(tmp_path, 40, 1000), 1000, 64 << 20)) == 1


def test_large_input_keeps_full_shards(tmp_path: Path) -> None:
    """Full shards up to the tapered end (never below min_files there)."""
    paths = files(tmp_path, 2000, 10)
    assert [len(s) for s in plan_shards(paths, 100, 64 << 20)] == [100] * 19 + [50, 50]


def test_explicit_limits_still_cap(tmp_path: Path) -> None:
    paths = files(tmp_path, 7, 10)
    assert [len(s) for s in plan_shards(paths, 2, 64 << 20)] == [2, 2, 2, 1]
    assert [len(s) for s in plan_shards(paths, 1000, 25)] == [2, 2, 2, 1]
