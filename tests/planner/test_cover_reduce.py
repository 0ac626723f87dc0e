"""Reductions of a set-covering matrix (``planner.cover_reduce``): against their definitions checked pair by pair,
the optimum kept against brute force on small instances (with costs), and against HiGHS on the candidates x
demand matrices of Chengdu and Andorra (integer optimum and linear relaxation)."""

import itertools

import numpy as np
import pytest
import scipy.sparse as sp

from planner.cover_reduce import covering_core, dominated_columns, redundant_rows


def _random_instance(rng, rows=None, columns=None):
    rows, columns = rows or int(rng.integers(6, 16)), columns or int(rng.integers(4, 11))
    dense = rng.random((rows, columns)) < rng.uniform(0.15, 0.5)
    dense[:, rng.integers(0, columns)] = dense[:, rng.integers(0, columns)]  # a column alike
    dense[np.arange(rows), rng.integers(0, columns, rows)] = True  # every row coverable
    dense[rng.integers(0, rows, 2)] = dense[rng.integers(0, rows, 2)]  # some rows alike
    return dense, rng.integers(1, 4, columns).astype(float)


def _covers(dense: np.ndarray, combo, needed: np.ndarray) -> bool:
    return bool(np.all(dense[:, list(combo)].sum(axis=1) >= needed))


def _cheapest(dense: np.ndarray, costs: np.ndarray, times: int = 1) -> float:
    """Brute force: the cheapest set of columns covering each row ``times`` times (or by all its columns)."""
    needed = np.minimum(times, dense.sum(axis=1))
    best = np.inf
    for size in range(1, dense.shape[1] + 1):
        for combo in itertools.combinations(range(dense.shape[1]), size):
            if _covers(dense, combo, needed):
                best = min(best, costs[list(combo)].sum())
    return best


def _within(a: np.ndarray, b: np.ndarray) -> bool:
    return bool(np.all(b[a]))


def test_dropped_columns_have_a_kept_superset_no_dearer_and_kept_ones_none():
    rng = np.random.default_rng(5)
    for _ in range(200):
        dense, costs = _random_instance(rng)
        kept = dominated_columns(sp.csr_matrix(dense), costs)
        assert np.all(np.diff(kept) > 0)
        for j in range(dense.shape[1]):
            others = [k for k in kept if k != j and costs[k] <= costs[j] and _within(dense[:, j], dense[:, k])]
            if j in kept:  # nothing no dearer covers it all, unless identical and after it (or it is empty)
                assert dense[:, j].any()
                assert all(np.array_equal(dense[:, j], dense[:, k]) and (costs[k], k) > (costs[j], j) for k in others)
            else:
                assert others or not dense[:, j].any()


def test_dropped_rows_hold_a_kept_row_and_kept_ones_none():
    rng = np.random.default_rng(6)
    for _ in range(200):
        dense, _ = _random_instance(rng)
        kept = redundant_rows(sp.csr_matrix(dense))
        assert np.all(np.diff(kept) > 0)
        for r in range(dense.shape[0]):
            inside = [q for q in kept if q != r and _within(dense[q], dense[r])]
            if r in kept:
                assert all(np.array_equal(dense[q], dense[r]) and q > r for q in inside)
            else:
                assert inside


def test_the_core_keeps_the_cheapest_cover_of_small_instances():
    rng = np.random.default_rng(7)
    for _ in range(60):
        dense, costs = _random_instance(rng)
        rows, columns = covering_core(sp.csr_matrix(dense), costs)
        core = dense[np.ix_(rows, columns)]
        assert _cheapest(core, costs[columns]) == _cheapest(dense, costs)
        for size in range(1, len(columns) + 1):  # every cover of the core covers the whole
            for combo in itertools.combinations(range(len(columns)), size):
                if core[:, list(combo)].any(axis=1).all():
                    assert dense[:, columns[list(combo)]].any(axis=1).all()


@pytest.mark.parametrize("times", [2, 3])
def test_covering_times_over_drops_a_column_only_with_that_many_dominators(times):
    """Backup covering: a column goes only when ``times`` others, no dearer, hold all its rows (an identical one
    earlier in (cost, index) counts); a row goes only for a kept row inside it that needs as many."""
    rng = np.random.default_rng(9 + times)
    for _ in range(150):
        dense, costs = _random_instance(rng)
        kept = dominated_columns(sp.csr_matrix(dense), costs, times=times)
        for j in range(dense.shape[1]):
            dominators = [k for k in range(dense.shape[1]) if k != j and costs[k] <= costs[j]
                          and _within(dense[:, j], dense[:, k])
                          and (not np.array_equal(dense[:, j], dense[:, k]) or (costs[k], k) < (costs[j], j))]
            assert (j in kept) == (len(dominators) < times and bool(dense[:, j].any()))
        needed = np.minimum(times, dense.sum(axis=1))
        rows = redundant_rows(sp.csr_matrix(dense), times=times)
        for r in range(dense.shape[0]):
            inside = [q for q in rows if q != r and _within(dense[q], dense[r]) and needed[q] >= needed[r]]
            if r in rows:
                assert all(np.array_equal(dense[q], dense[r]) and q > r for q in inside)
            else:
                assert inside


@pytest.mark.parametrize("times", [2, 3])
def test_the_core_keeps_the_cheapest_backup_cover_and_its_relaxation(times):
    """Covering every row ``times`` times (a row with fewer columns: by all): the core's cheapest cover costs what
    the whole matrix's does (brute force), each cover of the core covers the whole so, and SciPy's ``linprog``
    relaxation has the same value over both."""
    from scipy.optimize import linprog

    def relaxation(m, c, need):
        return linprog(c, A_ub=-m.astype(float), b_ub=-need.astype(float), bounds=(0, 1), method="highs").fun

    rng = np.random.default_rng(20 + times)
    for _ in range(50):
        dense, costs = _random_instance(rng)
        needed = np.minimum(times, dense.sum(axis=1))
        rows, columns = covering_core(sp.csr_matrix(dense), costs, times=times)
        core = dense[np.ix_(rows, columns)]
        assert np.array_equal(np.minimum(times, core.sum(axis=1)), needed[rows])  # every row keeps what it needs
        assert _cheapest(core, costs[columns], times) == _cheapest(dense, costs, times)
        for size in range(1, len(columns) + 1):
            for combo in itertools.combinations(range(len(columns)), size):
                if _covers(core, combo, needed[rows]):
                    assert _covers(dense, columns[list(combo)], needed)
        assert relaxation(core, costs[columns], needed[rows]) == pytest.approx(relaxation(dense, costs, needed))


def test_max_cover_over_the_undominated_candidates_meets_brute_force():
    """Maximal covering (``location.max_cover``) solves over the undominated candidates, with rows alike merged
    (weights summed): the weight it covers is the brute-force best of any K candidates of the whole matrix."""
    from planner.location import max_cover

    rng = np.random.default_rng(8)
    for _ in range(40):
        dense, _ = _random_instance(rng)
        weights = rng.integers(1, 5, dense.shape[0]).astype(float)
        k = int(rng.integers(1, 4))
        best = max(weights[dense[:, list(combo)].any(axis=1)].sum()
                   for combo in itertools.combinations(range(dense.shape[1]), min(k, dense.shape[1])))
        solution = max_cover(sp.csr_matrix(dense), weights, k, time_limit_s=30)
        assert solution.optimal and len(solution.chosen) <= k
        assert solution.objective == pytest.approx(best)
        assert weights[dense[:, solution.chosen].any(axis=1)].sum() == pytest.approx(best)


def test_equal_costs_by_default_and_empty_columns_dropped():
    dense = np.array([[1, 1, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1]], dtype=bool)
    assert dominated_columns(sp.csr_matrix(dense)).tolist() == [1, 3]
    assert dominated_columns(sp.csr_matrix(dense), np.array([1.0, 5.0, 1.0, 1.0])).tolist() == [0, 1, 3]
    assert redundant_rows(sp.csr_matrix(dense)).tolist() == [1, 2]


@pytest.mark.slow
@pytest.mark.parametrize("name,mode,limit_s", [("chengdu", "foot", 180.0), ("andorra", "ebike", 240.0)])
def test_the_core_of_a_city_matrix_keeps_highs_optimum_and_relaxation(cities, name, mode, limit_s):
    """A city's candidates x demand matrix: HiGHS' proven optimum and the linear relaxation's value (SciPy's
    ``linprog``) are the same over the core, which is smaller, and the core's cover covers every demand row."""
    from scipy.optimize import linprog

    from planner.location import set_cover
    from planner.standby import coverage_from, street_demand

    router = cities[name].router(mode)
    demand, _ = street_demand(router)
    cover = coverage_from(router, np.arange(0, router.network.size, 3), demand[::4], limit_s).tocsr()
    matrix = cover[np.flatnonzero(np.asarray(cover.sum(axis=1)).ravel() > 0)]
    rows, columns = covering_core(matrix)
    core = matrix[rows][:, columns]
    assert len(columns) < matrix.shape[1] and len(rows) < matrix.shape[0]
    whole, reduced = set_cover(matrix, time_limit_s=120), set_cover(core, time_limit_s=120)
    assert whole.optimal and reduced.optimal and whole.objective == reduced.objective
    assert (np.asarray(matrix[:, columns[reduced.chosen]].sum(axis=1)).ravel() > 0).all()

    def relaxation(m):
        return linprog(np.ones(m.shape[1]), A_ub=-m.astype(float), b_ub=-np.ones(m.shape[0]), bounds=(0, 1),
                       method="highs").fun

    assert relaxation(core) == pytest.approx(relaxation(matrix), abs=1e-6)


@pytest.mark.slow
@pytest.mark.parametrize("name,mode,limit_s,k", [("chengdu", "foot", 180.0, 8), ("andorra", "ebike", 240.0, 5)])
def test_max_cover_over_the_core_meets_plain_highs_on_a_city(cities, name, mode, limit_s, k):
    """Maximal covering of a city's candidates x demand matrix: over the undominated candidates and rows alike
    merged, the same proven optimum as plain HiGHS over the whole matrix."""
    from planner.location import max_cover
    from planner.standby import coverage_from, street_demand

    router = cities[name].router(mode)
    demand, _ = street_demand(router)
    cover = coverage_from(router, np.arange(0, router.network.size, 3), demand[::4], limit_s).tocsr()
    weights = np.random.default_rng(2).integers(1, 4, cover.shape[0]).astype(float)
    ours, plain = (max_cover(cover, weights, k, time_limit_s=120, greedy_start=start) for start in (True, False))
    assert ours.optimal and plain.optimal and ours.objective == pytest.approx(plain.objective)
    assert weights[np.asarray(cover[:, ours.chosen].sum(axis=1)).ravel() > 0].sum() == pytest.approx(ours.objective)


@pytest.mark.slow
@pytest.mark.parametrize("name,mode,limit_s", [("chengdu", "foot", 180.0), ("andorra", "ebike", 240.0)])
def test_backup_covering_over_the_core_meets_plain_highs_on_a_city(cities, name, mode, limit_s):
    """Backup covering (every row twice) of a city's candidates x demand matrix: over the core, the same proven
    optimum as plain HiGHS over the whole matrix, and the answer reaches every row twice (or by all its columns)."""
    from planner.location import set_cover
    from planner.standby import coverage_from, street_demand

    router = cities[name].router(mode)
    demand, _ = street_demand(router)
    cover = coverage_from(router, np.arange(0, router.network.size, 3), demand[::4], limit_s).tocsr()
    rows, columns = covering_core(cover, times=2)
    assert len(columns) < cover.shape[1]
    ours, plain = (set_cover(cover, times=2, time_limit_s=240, greedy_start=start) for start in (True, False))
    assert ours.optimal and plain.optimal and ours.objective == plain.objective
    reach = np.asarray(cover.sum(axis=1)).ravel()
    assert np.all(np.asarray(cover[:, ours.chosen].sum(axis=1)).ravel() >= np.minimum(2, reach))
