"""The run's dedup step reads signatures part by part where it can; same rows as in memory."""

from __future__ import annotations

import numpy as np
import pytest

from tasks.dedup import Decisions, Signatures, compute_signatures
from tasks.dedup_run import RunDedup, _kept_signatures
from tasks.threads import in_thread


@pytest.mark.parametrize("size", [1, 3, 7, 100])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_kept_signatures_come_in_groups_of_the_kept_rows(size: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    texts = [f"story {i} " + " ".join(f"w{rng.integers(50)}" for _ in range(12)) for i in range(40)]
    cuts = np.sort(rng.choice(np.arange(1, 40), 4, replace=False)).tolist()
    parts = [compute_signatures(texts[a:b]) for a, b in zip([0, *cuts], [*cuts, 40], strict=True)]
    kept = np.flatnonzero(rng.random(40) < 0.6)
    expected = compute_signatures(texts).take(kept)
    groups = list(_kept_signatures(iter(parts), kept, size))
    assert [len(g) for g in groups[:-1]] == [size] * (len(groups) - 1)
    assert 0 < len(groups[-1]) <= size
    joined = Signatures.concat(groups)
    for field in ("matrix", "shingle_counts", "char_lengths", "exact_hashes"):
        assert np.array_equal(getattr(joined, field), getattr(expected, field)), field


def test_no_kept_rows_give_no_groups() -> None:
    parts = [compute_signatures(["a b c d e", "f g h i j"])]
    assert list(_kept_signatures(iter(parts), np.empty(0, dtype=np.int64), 4)) == []


def test_the_index_part_is_waited_for_and_its_error_reported(tmp_path) -> None:
    written = tmp_path / "part.parquet"
    done = RunDedup(
        decisions=Decisions.empty(), story_ids=[], index_part=in_thread(lambda: written)
    )
    assert done.index_written() == written

    def fail() -> None:
        raise OSError("disk full")

    failed = RunDedup(decisions=Decisions.empty(), story_ids=[], index_part=in_thread(fail))
    failed.settle()  # waits, whatever happened: the caller's own error is the one reported
    assert failed.index_part.done()
    with pytest.raises(OSError, match="disk full"):
        failed.index_written()
    assert RunDedup(decisions=Decisions.empty(), story_ids=[]).index_written() is None
