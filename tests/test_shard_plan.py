"""plan_shards: reproducible consecutive groups, spread over several shards when mid-sized."""

from __future__ import annotations

from pathlib import Path

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
    """500 pages of 166 KB: one 64 MiB shard and a small one before; now about eight."""
    paths = files(tmp_path, 500, 166_000)
    sizes = [len(s) for s in plan_shards(paths, 1000, 64 << 20)]
    assert len(sizes) in (8, 9) and max(sizes) - min(sizes[:-1]) <= 5


def test_small_input_stays_one_shard(tmp_path: Path) -> None:
    """Splitting a handful of files would only start worker processes for nothing."""
    assert len(plan_shards(files(tmp_path, 40, 1000), 1000, 64 << 20)) == 1


def test_large_input_keeps_full_shards(tmp_path: Path) -> None:
    paths = files(tmp_path, 2000, 10)
    assert [len(s) for s in plan_shards(paths, 100, 64 << 20)] == [100] * 20


def test_explicit_limits_still_cap(tmp_path: Path) -> None:
    paths = files(tmp_path, 7, 10)
    assert [len(s) for s in plan_shards(paths, 2, 64 << 20)] == [2, 2, 2, 1]
    assert [len(s) for s in plan_shards(paths, 1000, 25)] == [2, 2, 2, 1]
