"""Rows alike (``planner.cover_reach.alike_rows``), the one place the set-covering programs take equal rows
once: against grouping the rows' entries by hand."""

import numpy as np
import pytest
import scipy.sparse as sp

from planner.cover_reach import alike_rows


@pytest.mark.parametrize("seed", range(10))
def test_alike_rows_group_equal_rows_and_only_those(seed):
    rng = np.random.default_rng(seed)
    kinds = rng.random((int(rng.integers(1, 12)), int(rng.integers(1, 30)))) < 0.3
    dense = kinds[rng.integers(0, len(kinds), int(rng.integers(1, 80)))]  # rows repeated at random
    first, kind = alike_rows(sp.csr_matrix(dense))
    by_hand = {}
    for row, entries in enumerate(map(tuple, dense)):
        by_hand.setdefault(entries, row)
    assert first.tolist() == sorted(by_hand.values())
    assert [first[k] for k in kind] == [by_hand[tuple(entries)] for entries in dense]


def test_alike_rows_of_an_empty_matrix():
    first, kind = alike_rows(sp.csr_matrix((0, 4), dtype=bool))
    assert len(first) == 0 and len(kind) == 0
