"""LSH banding (tasks.lsh): exactly the pairs that agree on a whole band, vectorised."""

from __future__ import annotations

import itertools

import numpy as np

from tasks import lsh


def brute_force(matrix: np.ndarray, rows_of: np.ndarray, bands: int) -> set[tuple[int, int]]:
    rows = matrix.shape[1] // bands
    found = set()
    for x, y in itertools.combinations(sorted(rows_of.tolist()), 2):
        for band in range(bands):
            cut = slice(band * rows, (band + 1) * rows)
            if np.array_equal(matrix[x, cut], matrix[y, cut]):
                found.add((x, y))
                break
    return found


def random_matrix(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    matrix = rng.integers(0, 4, size=(120, 12), dtype=np.uint32)  # small values: many collisions
    matrix[50:80] = matrix[50]  # one big group of identical rows
    return matrix


def test_candidate_pairs_are_the_brute_force_pairs() -> None:
    for seed in range(3):
        matrix = random_matrix(seed)
        rows_of = np.arange(0, 120, dtype=np.int64)[::1]
        a, b, big = lsh.candidate_pairs(matrix, rows_of, bands=4, big_group=1000)
        assert big == []
        assert set(zip(a.tolist(), b.tolist(), strict=True)) == brute_force(matrix, rows_of, 4)
        assert np.all(a < b)
        keys = a * 1000 + b
        assert np.all(np.diff(keys) > 0)  # sorted, unique


def test_big_groups_come_back_as_groups() -> None:
    matrix = random_matrix(0)
    rows_of = np.arange(120, dtype=np.int64)
    a, b, big = lsh.candidate_pairs(matrix, rows_of, bands=4, big_group=10)
    expanded = set(zip(a.tolist(), b.tolist(), strict=True))
    for group in big:
        assert len(group) > 10
        expanded |= set(itertools.combinations(group, 2))
    assert expanded == brute_force(matrix, rows_of, 4)
    assert any(set(range(50, 80)) <= set(g) for g in big)


def test_only_the_given_rows_take_part() -> None:
    matrix = random_matrix(1)
    rows_of = np.arange(0, 120, 3, dtype=np.int64)
    a, b, _ = lsh.candidate_pairs(matrix, rows_of, bands=4, big_group=1000)
    assert set(zip(a.tolist(), b.tolist(), strict=True)) == brute_force(matrix, rows_of, 4)


def test_bands_grouped_in_threads_give_the_same_pairs() -> None:
    matrix = random_matrix(2)
    rows_of = np.arange(120, dtype=np.int64)
    one = lsh.candidate_pairs(matrix, rows_of, bands=6, big_group=10)
    for workers in (2, 3):
        a, b, big = lsh.candidate_pairs(matrix, rows_of, bands=6, big_group=10, workers=workers)
        assert a.tolist() == one[0].tolist() and b.tolist() == one[1].tolist()
        assert big == one[2] and big


def test_matches_joins_new_keys_with_stored_keys() -> None:
    new = np.array([5, 7, 9, 7], dtype=np.uint64)
    old = np.array([7, 1, 7, 9, 3], dtype=np.uint64)
    i, j = lsh.matches(new, old)
    assert sorted(zip(i.tolist(), j.tolist(), strict=True)) == [
        (1, 0),
        (1, 2),
        (2, 3),
        (3, 0),
        (3, 2),
    ]


def test_band_keys_are_what_the_index_stores() -> None:
    matrix = random_matrix(2)
    keys = lsh.all_band_keys(matrix, 4)
    assert keys.shape == (120, 4) and keys.dtype == np.uint64
    assert np.array_equal(keys[:, 1], lsh.band_keys(matrix[:, 3:6]))


def test_pair_set_merges_sorted_runs_and_plain_pairs(monkeypatch) -> None:
    monkeypatch.setattr(lsh, "_DEDUP_EVERY", 50)  # compact often, runs and plain mixed
    rng = np.random.default_rng(4)
    pairs, expected = lsh.PairSet(40), set()
    for step in range(30):
        a = rng.integers(0, 30, 20)
        b = a + rng.integers(1, 10, 20)
        expected |= set(zip(a.tolist(), b.tolist(), strict=True))
        if step % 3:
            pairs.add_sorted(lsh.sorted_unique(pairs.encode(a, b)))
        else:
            pairs.add(a, b)
    pairs.add_sorted(np.empty(0, np.uint64))
    x, y = pairs.pairs()
    assert list(zip(x.tolist(), y.tolist(), strict=True)) == sorted(expected)
    empty = lsh.PairSet(5)
    empty.add_sorted(np.empty(0, np.uint64))
    assert empty.pairs()[0].size == 0
