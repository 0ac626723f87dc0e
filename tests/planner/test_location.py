"""Location models against brute force, published values and forced time limits.

Published values: the San Francisco case of spopt (205 census tracts, 16 candidate stores, network
distances in metres; BSD-3 data in tests/data/spopt_sf): with 4 sites, p-median 2,848,268,129.7 and
p-center 7,403.06 m (spopt's facility-location notebook).
"""

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from geo import strict_json
from planner.location import greedy_set_cover, max_cover, p_center, p_median, set_cover
from tests.conftest import strict_loads

SF = Path(__file__).parents[1] / "data" / "spopt_sf" / "SF_network_distance_candidateStore_16_censusTract_205_new.csv"


def sf_case():
    rows = pd.read_csv(SF)
    table = rows.pivot_table(values="distance", index="DestinationName", columns="name")
    weights = rows.groupby("DestinationName")["demand"].first().reindex(table.index).to_numpy(dtype=float)
    return table.to_numpy(), weights


def test_san_francisco_p_median_matches_the_published_value():
    times, weights = sf_case()
    assert times.shape == (205, 16)
    solution = p_median(times, weights, 4)
    assert solution.optimal and solution.status == "Optimal" and solution.gap == 0.0
    assert solution.objective == pytest.approx(2_848_268_129.7, abs=0.1)
    assert len(solution.chosen) == 4


def test_san_francisco_p_center_matches_the_published_value():
    times, _ = sf_case()
    solution = p_center(times, 4)
    assert solution.optimal and solution.gap == 0.0
    assert round(solution.objective, 2) == 7403.06
    assert times[:, solution.chosen].min(axis=1).max() == pytest.approx(solution.objective)


def brute(times, k, value):
    return min(value(list(c)) for c in itertools.combinations(range(times.shape[1]), k))


@pytest.mark.parametrize("seed", range(8))
def test_p_median_and_p_center_equal_brute_force(seed):
    rng = np.random.default_rng(seed)
    times = rng.integers(1, 60, (25, 9)).astype(float)  # ties on purpose
    times[rng.random(times.shape) < 0.15] = np.inf  # some pairs unreachable
    times[:, 0] = np.where(np.isinf(times).all(axis=1), 30.0, times[:, 0])
    weights = rng.integers(0, 5, 25).astype(float)
    for k in (1, 2, 3, 4):
        def median(chosen):
            return float(weights @ np.where(weights > 0, times[:, chosen].min(axis=1), 0.0))

        def center(chosen):
            return float(times[:, chosen].min(axis=1).max())

        if not np.isfinite(brute(times, k, center)):  # no k candidates reach every point
            with pytest.raises(ValueError, match="raise k"):
                p_center(times, k)
            continue
        m = p_median(times, weights, k)
        c = p_center(times, k)
        assert m.objective == pytest.approx(brute(times, k, median)) and m.optimal, (k, m)
        assert c.objective == pytest.approx(brute(times, k, center)) and c.optimal, (k, c)
        assert m.greedy_objective >= m.objective - 1e-9 and c.greedy_objective >= c.objective - 1e-9
        assert len(m.chosen) == len(c.chosen) == k


def brute_weighted_cover(cover: np.ndarray, costs: np.ndarray) -> float:
    coverable = cover.any(axis=1)
    best = np.inf
    for size in range(cover.shape[1] + 1):
        for subset in itertools.combinations(range(cover.shape[1]), size):
            if np.all(cover[coverable][:, list(subset)].any(axis=1)):
                best = min(best, costs[list(subset)].sum())
    return best


@pytest.mark.parametrize("seed", range(8))
def test_weighted_set_cover_equals_brute_force(seed):
    rng = np.random.default_rng(50 + seed)
    cover = rng.random((14, 8)) < 0.3
    costs = rng.choice([0.2, 1.0, 1.0, 2.5], 8)  # existing sites cheap, new ones not
    solution = set_cover(sp.csr_matrix(cover), costs=costs)
    assert solution.optimal
    assert solution.objective == pytest.approx(brute_weighted_cover(cover, costs))
    assert solution.objective == pytest.approx(costs[solution.chosen].sum())
    picked = cover[:, solution.chosen].any(axis=1) if solution.chosen else np.zeros(14, bool)
    assert np.all(picked[cover.any(axis=1)])


def test_bad_costs_are_refused():
    with pytest.raises(ValueError, match="cost above 0"):
        set_cover(sp.csr_matrix(np.eye(3, dtype=bool)), costs=np.array([1.0, 0.0, 1.0]))
    with pytest.raises(ValueError, match="k must be"):
        p_center(np.ones((3, 2)), 3)


def hard_cover(seed: int, rows: int = 400, cols: int = 4000) -> sp.csr_matrix:
    rng = np.random.default_rng(seed)
    return sp.csr_matrix(rng.random((rows, cols)) < 0.003)


@pytest.mark.parametrize("limit", [0.001, 0.01])
def test_a_cut_search_still_returns_a_valid_cover(limit):
    cover = hard_cover(3)
    solution = set_cover(cover, time_limit_s=limit)
    coverable = np.asarray(cover.sum(axis=1)).ravel() > 0
    assert solution.chosen, "an empty answer is never a cover"
    assert np.all(np.asarray(cover[:, solution.chosen].sum(axis=1)).ravel()[coverable] > 0)
    assert solution.time_limited and not solution.optimal
    assert solution.objective <= solution.greedy_objective
    assert solution.gap is None or 0 < solution.gap < 1
    report = solution.report()
    strict_loads(strict_json.dumps(report))  # no NaN, no Infinity
    assert report["status"] == "Time limit reached" and report["count"] == len(solution.chosen)


def test_max_cover_under_a_cut_search_is_never_worse_than_greedy():
    cover = hard_cover(4)
    weights = np.random.default_rng(4).integers(1, 9, cover.shape[0]).astype(float)
    solution = max_cover(cover, weights, 40, time_limit_s=0.01)
    assert len(solution.chosen) == 40 and solution.objective >= solution.greedy_objective > 0
    covered = np.asarray(cover[:, solution.chosen].sum(axis=1)).ravel() > 0
    assert solution.objective == pytest.approx(weights[covered].sum())


def test_seconds_include_everything():
    import time

    cover = hard_cover(5)
    started = time.perf_counter()
    solution = set_cover(cover, time_limit_s=1.0)
    elapsed = time.perf_counter() - started
    assert solution.seconds <= elapsed and solution.seconds >= 0.9 * elapsed


def test_greedy_cover_drops_points_made_redundant():
    # Candidate 0 covers rows 0-1, candidate 1 rows 1-2, candidate 2 rows 0-2: greedy takes 2 alone.
    cover = np.array([[1, 0, 1, 0], [1, 1, 1, 0], [0, 1, 1, 1], [0, 0, 0, 1]], dtype=bool)
    assert sorted(greedy_set_cover(sp.csr_matrix(cover))) == [2, 3]


def test_a_start_never_makes_the_answer_worse_than_plain_highs():
    """HiGHS 1.16 with presolve and a start once reported 'Optimal' for the start itself (135 points) on
    this instance; the true optimum (scipy's milp, an independent call) is 115."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    rng = np.random.default_rng(300)
    cover = rng.random((300, 3000)) < 0.003
    empty = np.flatnonzero(~cover.any(axis=1))
    cover[empty, rng.integers(0, 3000, len(empty))] = True
    reference = milp(np.ones(3000), constraints=LinearConstraint(cover.astype(float), lb=1), integrality=np.ones(3000),
                     bounds=Bounds(0, 1), options={"time_limit": 60})
    solution = set_cover(sp.csr_matrix(cover), time_limit_s=60)
    assert solution.optimal and solution.objective == pytest.approx(reference.fun) == 115
    assert solution.greedy_objective > solution.objective and solution.source == "solver"


def brute_backup_cover(cover: np.ndarray) -> int:
    needed = np.minimum(2, cover.sum(axis=1))
    for size in range(cover.shape[1] + 1):
        for subset in itertools.combinations(range(cover.shape[1]), size):
            if np.all(cover[:, list(subset)].sum(axis=1) >= needed):
                return size
    raise AssertionError("unreachable")


@pytest.mark.parametrize("seed", range(8))
def test_backup_cover_equals_brute_force(seed):
    """Every demand point within reach of two chosen candidates (or of all that reach it, if fewer)."""
    rng = np.random.default_rng(200 + seed)
    cover = rng.random((12, 8)) < 0.35
    solution = set_cover(sp.csr_matrix(cover), times=2)
    assert solution.model == "backup_cover" and solution.optimal
    assert solution.objective == brute_backup_cover(cover)
    assert np.all(cover[:, solution.chosen].sum(axis=1) >= np.minimum(2, cover.sum(axis=1)))
    greedy = greedy_set_cover(sp.csr_matrix(cover), times=2)
    assert np.all(cover[:, greedy].sum(axis=1) >= np.minimum(2, cover.sum(axis=1)))
    assert solution.objective <= len(greedy)
