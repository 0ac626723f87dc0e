"""The local search for unicost set covering (``planner.cover_search``): against brute force on small instances
and against the known optima of the Steiner triple covering problems (Fulkerson, Nemhauser and Trotter 1974: the
smallest set of points meeting every line of the affine space AG(n, 3) is 3^n less its largest cap, 4 in the plane,
9 in AG(3, 3) and 20 in AG(4, 3) (Pellegrino 1970): 5, 18 and 61)."""

import itertools
import time

import numpy as np
import pytest
import scipy.sparse as sp

from planner.cover_search import improve_cover
from planner.location import greedy_set_cover


def _brute_force(dense: np.ndarray) -> int:
    for size in range(1, dense.shape[1] + 1):
        if any(dense[:, list(combo)].any(axis=1).all() for combo in itertools.combinations(range(dense.shape[1]), size)):
            return size
    raise AssertionError("no cover")


def _covers(matrix, chosen) -> bool:
    return bool((np.asarray(sp.csr_matrix(matrix)[:, chosen].sum(axis=1)).ravel() > 0).all())


def test_the_search_finds_the_brute_force_optimum_of_small_instances():
    rng = np.random.default_rng(3)
    for _ in range(30):
        rows, columns = int(rng.integers(8, 30)), int(rng.integers(5, 13))
        dense = rng.random((rows, columns)) < 0.25
        dense[np.arange(rows), rng.integers(0, columns, rows)] = True  # every row coverable
        found = improve_cover(sp.csr_matrix(dense), np.arange(columns), time.perf_counter() + 60, max_steps=3000)
        assert _covers(dense, found) and len(found) == _brute_force(dense)


def _affine_lines(dimension: int) -> sp.csr_matrix:
    """Every line of AG(dimension, 3) (rows) x its points (columns): the Steiner triple covering problem."""
    points = np.array(list(itertools.product(range(3), repeat=dimension)))
    index = {tuple(point): k for k, point in enumerate(points.tolist())}
    lines = set()
    for a, b in itertools.combinations(range(len(points)), 2):
        third = tuple(((-points[a] - points[b]) % 3).tolist())  # x + y + z = 0 (mod 3) on every line
        lines.add(tuple(sorted((a, b, index[third]))))
    rows = np.repeat(np.arange(len(lines)), 3)
    return sp.csr_matrix((np.ones(len(rows), dtype=bool), (rows, np.array(sorted(lines)).ravel())),
                         shape=(len(lines), len(points)))


@pytest.mark.parametrize("dimension,lines,optimum", [(2, 12, 5), (3, 117, 18), (4, 1080, 61)])
def test_the_search_meets_the_known_optima_of_steiner_triple_coverings(dimension, lines, optimum):
    matrix = _affine_lines(dimension)
    assert matrix.shape == (lines, 3 ** dimension)
    start = greedy_set_cover(matrix, np.ones(matrix.shape[1]))
    found = improve_cover(matrix, start, time.perf_counter() + 120, max_steps=20_000)
    assert _covers(matrix, found) and len(found) == optimum <= len(start)
    again = improve_cover(matrix, found, time.perf_counter() + 60, max_steps=2_000)
    assert _covers(matrix, again) and len(again) == optimum  # none below


def test_the_search_stops_at_its_target_and_keeps_its_start_when_nothing_is_better():
    matrix = _affine_lines(3)
    start = greedy_set_cover(matrix, np.ones(27))
    assert len(improve_cover(matrix, start, time.perf_counter() + 60, target=len(start))) == len(start)
    assert np.array_equal(improve_cover(matrix, start, time.perf_counter() + 60, max_steps=0), np.sort(start))


def test_the_search_refuses_a_start_that_is_not_a_cover_and_a_row_nothing_covers():
    matrix = _affine_lines(2)
    with pytest.raises(ValueError, match="not a cover"):
        improve_cover(matrix, [0], time.perf_counter() + 1)
    with pytest.raises(ValueError, match="every row needs a column"):
        improve_cover(sp.csr_matrix(np.array([[True, False], [False, False]])), [0], time.perf_counter() + 1)


def test_the_kept_scores_equal_scores_computed_afresh_after_every_move():
    """The search's state is kept up to date move by move; after each of 300 random moves and weight rises it equals
    the state computed from scratch: coverage counts, and each column's score (in: the weight of the rows only it
    covers; out: the weight of the uncovered rows it covers)."""
    from planner.cover_search import _Search

    rng = np.random.default_rng(7)
    dense = rng.random((60, 15)) < 0.2
    dense[np.arange(60), rng.integers(0, 15, 60)] = True
    search = _Search(sp.csr_matrix(dense), np.arange(15))
    for step in range(1, 301):
        search.flip(int(rng.integers(15)), step)
        if search.uncovered and step % 3 == 0:
            search.weigh_uncovered()
        count = dense[:, search.chosen].sum(axis=1)
        assert np.array_equal(search.count, count)
        assert search.uncovered_rows == set(np.flatnonzero(count == 0).tolist())
        once = dense & (count == 1)[:, None] & search.chosen[None, :]
        bare = dense & (count == 0)[:, None]
        expected = np.where(search.chosen, search.weights @ once, search.weights @ bare)
        assert np.allclose(search.score, expected)
