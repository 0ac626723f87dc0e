"""Set covering and maximal covering against brute force on small instances."""

import itertools

import numpy as np
import pytest
import scipy.sparse as sp

from planner.standby import greedy_set_cover, max_cover, set_cover


def brute_set_cover(cover: np.ndarray) -> int:
    coverable = cover.any(axis=1)
    for size in range(0, cover.shape[1] + 1):
        for subset in itertools.combinations(range(cover.shape[1]), size):
            if np.all(cover[coverable][:, list(subset)].any(axis=1)) if subset else not coverable.any():
                return size
    raise AssertionError("unreachable")


def brute_max_cover(cover: np.ndarray, weights: np.ndarray, k: int) -> float:
    return max(weights[cover[:, list(subset)].any(axis=1)].sum()
               for subset in itertools.combinations(range(cover.shape[1]), k))


@pytest.mark.parametrize("seed", range(12))
def test_set_cover_is_optimal(seed):
    rng = np.random.default_rng(seed)
    cover = rng.random((14, 9)) < 0.25
    solution = set_cover(sp.csr_matrix(cover))
    assert solution.status == "Optimal"
    assert solution.objective == brute_set_cover(cover)
    chosen = cover[:, solution.chosen].any(axis=1) if solution.chosen else np.zeros(14, bool)
    assert np.all(chosen[cover.any(axis=1)])
    assert solution.uncoverable == np.flatnonzero(~cover.any(axis=1)).tolist()
    assert len(greedy_set_cover(sp.csr_matrix(cover))) >= solution.objective


@pytest.mark.parametrize("seed", range(12))
def test_max_cover_is_optimal(seed):
    rng = np.random.default_rng(100 + seed)
    cover = rng.random((15, 9)) < 0.2
    weights = rng.integers(1, 6, 15).astype(float)
    for k in (1, 2, 3):
        solution = max_cover(sp.csr_matrix(cover), weights, k)
        assert solution.objective == pytest.approx(brute_max_cover(cover, weights, k))
        assert len(solution.chosen) <= k
        assert solution.greedy_objective <= solution.objective + 1e-9


def test_highs_banner_stays_off_stdout(capfd):
    set_cover(sp.csr_matrix(np.eye(3, dtype=bool)))
    out, _ = capfd.readouterr()
    assert "HiGHS" not in out
