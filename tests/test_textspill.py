"""Spilled texts: the run's texts on disk, read back one by one in any order."""

from __future__ import annotations

import random

import pyarrow as pa
import pytest

from tasks.dedup import DedupConfig, compute_signatures, deduplicate
from tasks.textspill import spilled_texts


def _batches(texts: list[str], size: int) -> list[pa.Array]:
    return [pa.array(texts[i : i + size], type=pa.string()) for i in range(0, len(texts), size)]


def test_random_access_in_any_order_matches_the_input(tmp_path):
    texts = [f"text {i} " + "é" * (i % 7) + "中" * (i % 3) for i in range(2500)]
    with spilled_texts(_batches(texts, 300), tmp_path) as spilled:
        assert len(spilled) == len(texts)
        order = list(range(len(texts)))
        random.Random(1).shuffle(order)
        assert [spilled[i] for i in order] == [texts[i] for i in order]
        assert spilled[-1] == texts[-1]
        assert spilled[10:13] == texts[10:13]
        assert list(spilled) == texts
        assert spilled.take([]).to_pylist() == []
        with pytest.raises(IndexError):
            spilled[len(texts)]


def test_chunked_batches_and_empty_shards_are_fine(tmp_path):
    chunked = pa.chunked_array([["a", "b"], [], ["c"]], type=pa.string())
    with spilled_texts([chunked, pa.array([], type=pa.string()), pa.array(["d"])], tmp_path) as s:
        assert list(s) == ["a", "b", "c", "d"]


def test_file_is_removed_after_the_block(tmp_path):
    with spilled_texts([pa.array(["x"])], tmp_path, prefix=".staging-texts-"):
        assert any(p.name.startswith(".staging-texts-") for p in tmp_path.iterdir())
    assert list(tmp_path.iterdir()) == []


def test_dedup_verifies_exactly_from_spilled_texts(tmp_path):
    base = " ".join(f"word{i}" for i in range(200))
    texts = [base, base.replace("word10 ", "changed "), "something else entirely " * 20]
    cfg = DedupConfig()
    signatures = compute_signatures(texts, cfg)
    ids, sources = ["a", "b", "c"], ["s1", "s2", "s3"]
    in_memory = deduplicate(ids, sources, signatures, cfg, texts=texts)
    with spilled_texts(_batches(texts, 2), tmp_path) as spilled:
        from_disk = deduplicate(ids, sources, signatures, cfg, texts=spilled)
    assert from_disk == in_memory
    assert [d.kept for d in from_disk].count(False) == 1


def test_extend_and_select_give_other_rows_of_the_same_file(tmp_path):
    texts = [f"text {i} " + "é" * (i % 5) for i in range(50)]
    with spilled_texts(_batches(texts, 7), tmp_path) as spilled:
        size = (next(tmp_path.iterdir()) / "texts.utf8").stat().st_size
        assert spilled.extend(["new one", "", "中文 two"]).tolist() == [50, 51, 52]
        assert spilled.extend(["third"]).tolist() == [53]
        assert len(spilled) == 54
        assert spilled[51] == "" and spilled[53] == "third"
        rows = [3, 50, 4, 53, 52, 0, 3]
        selected = spilled.select(rows)
        try:
            want = [spilled[r] for r in rows]
            assert [selected[i] for i in range(len(rows))] == want
            assert selected.take([6, 1, 0]).to_pylist() == [want[6], want[1], want[0]]
            assert list(selected) == want
        finally:
            selected.close()
        assert list(spilled)[:50] == texts  # the rows written first are unchanged
        grown = (next(tmp_path.iterdir()) / "texts.utf8").stat().st_size
        assert grown == size + len("new one中文 twothird".encode())
        with pytest.raises(IndexError):
            spilled.select([54])
