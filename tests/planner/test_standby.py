"""Set covering and maximal covering against brute force on small instances."""

import itertools

import numpy as np
import pytest
import scipy.sparse as sp

from planner.location import greedy_set_cover, max_cover, set_cover


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


def test_chunked_sparse_coverage_equals_the_dense_table(chengdu):
    from planner.standby import coverage_from, street_demand

    router = chengdu.router("ebike")
    demand, _ = street_demand(router)
    places = demand[::25]
    candidates = np.arange(0, router.network.size, 9)
    dense = router.matrix([int(router.network.node_ids[c]) for c in candidates], places) <= 600.0
    sparse = coverage_from(router, candidates, places, 600.0, chunk=7)
    assert sparse.shape == (len(places), len(candidates))
    assert np.array_equal(sparse.toarray(), dense.T) and 0 < sparse.nnz < dense.size


def test_candidates_are_sampled_only_on_big_graphs():
    from planner.standby import MIN_CANDIDATES, candidate_nodes

    assert np.array_equal(candidate_nodes(3000, 9000), np.arange(3000))  # Chengdu: every node
    sample = candidate_nodes(30_000, 90_000, max_pairs=40_000_000)
    assert len(sample) == 444 or len(sample) == MIN_CANDIDATES
    assert len(np.unique(sample)) == len(sample) and sample.max() < 30_000
    assert np.array_equal(sample, candidate_nodes(30_000, 90_000, max_pairs=40_000_000))  # seeded
