"""Reductions of a set-covering matrix that keep its optimum (Beasley 1987, "An algorithm for set covering
problem", EJOR 31): a candidate whose demand rows another candidate, no dearer, also covers is never needed
(dominated column), and a demand row whose candidates include all of another row's is covered whenever that
row is (redundant row). Both keep the optimum of the integer program and of its linear relaxation.

Covering every row ``times`` times (backup covering; a row fewer candidates reach needs all of them), a column
is dropped only when ``times`` others dominate it, and a row is redundant only by a row that needs as much.

Matrices are boolean (demand rows x candidate columns); rows and columns are compared as bit sets.
"""

import numpy as np
import scipy.sparse as sp

from planner.cover_reach import alike_rows

__all__ = ["MAX_COMPARED_BITS", "covering_core", "dominated_columns", "redundant_rows"]

MAX_COMPARED_BITS = 400_000_000  # rows x columns compared at most (50 MB of bit sets; the big city's centre in the
# last program, 19,161 rows x 2,313 candidates, is 44 million); a bigger matrix is left as it is


def dominated_columns(matrix: sp.spmatrix, costs: np.ndarray | None = None, *, times: int = 1) -> np.ndarray:
    """Indices (ascending) of the columns to keep: each dropped column's rows are all covered by ``times`` other
    columns that cost no more (of identical columns the ``times`` cheapest, then first, stay). Some cheapest cover
    of every row ``times`` times uses no dropped column (swap it for an unused dominator, or drop it if all are
    used), and every row keeps ``times`` columns, or all it had."""
    csc = sp.csc_matrix(matrix, dtype=bool)
    n_rows, n_cols = csc.shape
    costs = np.ones(n_cols) if costs is None else np.asarray(costs, dtype=float)
    if n_rows * n_cols > MAX_COMPARED_BITS or n_cols < 2:
        return np.arange(n_cols)
    order = np.lexsort((np.arange(n_cols), costs))  # cheapest first: the ones kept of identical columns
    first, kind = alike_rows(csc.T.tocsr()[order])
    by_kind = np.argsort(kind, kind="stable")  # positions in ``order``, kind by kind, cheapest first
    starts = np.searchsorted(kind[by_kind], np.arange(len(first)))
    dominators = np.empty(n_cols)  # per position in ``order``: the identical columns before it, then supersets
    dominators[by_kind] = np.arange(n_cols) - starts[kind[by_kind]]
    sets = csc[:, order[first]].T.tocsr()
    position_costs = costs[order]
    for j, supersets in _strict_supersets(sets):
        if times == 1:  # one superset no dearer than the kind's cheapest is enough (the rest of the kind goes anyway)
            dominators[first[j]] += bool(np.any(position_costs[first[supersets]] <= position_costs[first[j]]))
        else:  # each column of the kind counts the columns of the supersets that cost no more than it
            mine = np.flatnonzero(kind == j)
            holders = position_costs[np.isin(kind, supersets)]
            dominators[mine] += (holders[None, :] <= position_costs[mine][:, None]).sum(axis=1)
    dominators[np.diff(sets.indptr)[kind] == 0] = np.inf  # an empty column covers nothing
    return np.sort(order[dominators < times])


def redundant_rows(matrix: sp.spmatrix, *, times: int = 1) -> np.ndarray:
    """Indices (ascending) of the rows to keep: each dropped row has among its columns every column of a kept
    row that needs as many (``times``, or all its columns if fewer), so any cover of the kept rows covers it;
    of identical rows the first stays."""
    csr = sp.csr_matrix(matrix, dtype=bool)
    n_rows, n_cols = csr.shape
    if n_rows * n_cols > MAX_COMPARED_BITS or n_rows < 2:
        return np.arange(n_rows)
    kinds, _ = alike_rows(csr)
    return np.sort(kinds[_not_containing(csr[kinds], smallest=times)])


def covering_core(matrix: sp.spmatrix, costs: np.ndarray | None = None, *,
                  times: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """(rows kept, columns kept) of ``matrix`` after dominated columns, then redundant rows, then the columns
    those rows leave dominated, are dropped: a cover of the kept rows by the kept columns (each ``times``, or
    as often as its columns allow) covers every row so, and the cheapest such cover is a cheapest one of the
    whole matrix."""
    csr = sp.csr_matrix(matrix, dtype=bool)
    costs = np.ones(csr.shape[1]) if costs is None else np.asarray(costs, dtype=float)
    columns = dominated_columns(csr, costs, times=times)
    rows = redundant_rows(csr[:, columns], times=times)
    columns = columns[dominated_columns(csr[rows][:, columns], costs[columns], times=times)]
    return rows, columns


def _bit_sets(rows_of: sp.csr_matrix) -> np.ndarray:
    """Each row of ``rows_of`` as a bit set over its columns (uint64 words)."""
    words = (rows_of.shape[1] + 63) // 64
    bits = np.zeros((rows_of.shape[0], max(1, words)), dtype=np.uint64)
    owner = np.repeat(np.arange(rows_of.shape[0]), np.diff(rows_of.indptr))
    np.bitwise_or.at(bits, (owner, rows_of.indices // 64), np.left_shift(np.uint64(1),
                                                                          (rows_of.indices % 64).astype(np.uint64)))
    return bits


def _strict_supersets(sets: sp.csr_matrix):
    """For each non-empty distinct set (row of ``sets``): (its position, the positions of the sets holding it)."""
    bits, members = _bit_sets(sets), sets.T.tocsr()
    size = np.diff(sets.indptr)
    holders = np.diff(members.indptr)
    for j in np.flatnonzero(size > 0):
        own = sets.indices[sets.indptr[j]:sets.indptr[j + 1]]
        rare = own[np.argmin(holders[own])]  # a superset of j holds j's rarest element too
        others = members.indices[members.indptr[rare]:members.indptr[rare + 1]]
        others = others[size[others] > size[j]]
        if len(others):
            yield j, others[((bits[others] & bits[j]) == bits[j]).all(axis=1)]


def _not_containing(sets: sp.csr_matrix, *, smallest: int = 1) -> np.ndarray:
    """Positions of the distinct sets (rows of ``sets``) that contain no other of them of at least ``smallest``
    elements."""
    bits, members = _bit_sets(sets), sets.T.tocsr()
    size = np.diff(sets.indptr)
    holders = np.diff(members.indptr)
    containing = np.zeros(sets.shape[0], dtype=bool)
    for q in np.argsort(size, kind="stable"):
        own = sets.indices[sets.indptr[q]:sets.indptr[q + 1]]
        if containing[q] or len(own) < max(1, smallest):
            continue
        rare = own[np.argmin(holders[own])]  # every superset of q holds q's rarest element
        others = members.indices[members.indptr[rare]:members.indptr[rare + 1]]
        others = others[(size[others] > size[q]) & ~containing[others]]
        if len(others):
            containing[others[((bits[others] & bits[q]) == bits[q]).all(axis=1)]] = True
    return np.flatnonzero(~containing)
