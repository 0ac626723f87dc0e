"""Reductions of a set-covering matrix that keep its optimum (Beasley 1987, "An algorithm for set covering
problem", EJOR 31): a candidate whose demand rows another candidate, no dearer, also covers is never needed
(dominated column), and a demand row whose candidates include all of another row's is covered whenever that
row is (redundant row). Both keep the optimum of the integer program and of its linear relaxation.

Matrices are boolean (demand rows x candidate columns); rows and columns are compared as bit sets.
"""

import numpy as np
import scipy.sparse as sp

from planner.cover_reach import alike_rows

__all__ = ["MAX_COMPARED_BITS", "covering_core", "dominated_columns", "redundant_rows"]

MAX_COMPARED_BITS = 400_000_000  # rows x columns compared at most (50 MB of bit sets; the big city's centre in the
# last program, 19,161 rows x 2,313 candidates, is 44 million); a bigger matrix is left as it is


def dominated_columns(matrix: sp.spmatrix, costs: np.ndarray | None = None) -> np.ndarray:
    """Indices (ascending) of the columns to keep: each dropped column's rows are all covered by a kept column
    that costs no more (of identical columns the cheapest, then the first, stays)."""
    csc = sp.csc_matrix(matrix, dtype=bool)
    n_rows, n_cols = csc.shape
    costs = np.ones(n_cols) if costs is None else np.asarray(costs, dtype=float)
    if n_rows * n_cols > MAX_COMPARED_BITS or n_cols < 2:
        return np.arange(n_cols)
    order = np.lexsort((np.arange(n_cols), costs))  # cheapest first: the one kept of identical columns
    kinds = order[alike_rows(csc.T.tocsr()[order])[0]]
    kept = _not_within(csc[:, kinds].T.tocsr(), costs[kinds])
    return np.sort(kinds[kept])


def redundant_rows(matrix: sp.spmatrix) -> np.ndarray:
    """Indices (ascending) of the rows to keep: each dropped row has among its columns every column of a kept
    row (so any cover of the kept rows covers it); of identical rows the first stays."""
    csr = sp.csr_matrix(matrix, dtype=bool)
    n_rows, n_cols = csr.shape
    if n_rows * n_cols > MAX_COMPARED_BITS or n_rows < 2:
        return np.arange(n_rows)
    kinds, _ = alike_rows(csr)
    return np.sort(kinds[_not_containing(csr[kinds])])


def covering_core(matrix: sp.spmatrix, costs: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(rows kept, columns kept) of ``matrix`` after dominated columns, then redundant rows, then the columns
    those rows leave dominated, are dropped: a cover of the kept rows by the kept columns covers every row,
    and the cheapest such cover is a cheapest cover of the whole matrix."""
    csr = sp.csr_matrix(matrix, dtype=bool)
    costs = np.ones(csr.shape[1]) if costs is None else np.asarray(costs, dtype=float)
    columns = dominated_columns(csr, costs)
    rows = redundant_rows(csr[:, columns])
    columns = columns[dominated_columns(csr[rows][:, columns], costs[columns])]
    return rows, columns


def _bit_sets(rows_of: sp.csr_matrix) -> np.ndarray:
    """Each row of ``rows_of`` as a bit set over its columns (uint64 words)."""
    words = (rows_of.shape[1] + 63) // 64
    bits = np.zeros((rows_of.shape[0], max(1, words)), dtype=np.uint64)
    owner = np.repeat(np.arange(rows_of.shape[0]), np.diff(rows_of.indptr))
    np.bitwise_or.at(bits, (owner, rows_of.indices // 64), np.left_shift(np.uint64(1),
                                                                          (rows_of.indices % 64).astype(np.uint64)))
    return bits


def _not_within(sets: sp.csr_matrix, costs: np.ndarray) -> np.ndarray:
    """Positions of the distinct sets (rows of ``sets``) not inside another set that costs no more."""
    bits, members = _bit_sets(sets), sets.T.tocsr()
    size = np.diff(sets.indptr)
    holders = np.diff(members.indptr)
    inside = np.zeros(sets.shape[0], dtype=bool)
    for j in np.flatnonzero(size > 0):
        own = sets.indices[sets.indptr[j]:sets.indptr[j + 1]]
        rare = own[np.argmin(holders[own])]  # a superset of j holds j's rarest element too
        others = members.indices[members.indptr[rare]:members.indptr[rare + 1]]
        others = others[(size[others] > size[j]) & (costs[others] <= costs[j])]
        if len(others) and ((bits[others] & bits[j]) == bits[j]).all(axis=1).any():
            inside[j] = True
    inside[size == 0] = True  # an empty column covers nothing
    return np.flatnonzero(~inside)


def _not_containing(sets: sp.csr_matrix) -> np.ndarray:
    """Positions of the distinct sets (rows of ``sets``) that contain no other of them."""
    bits, members = _bit_sets(sets), sets.T.tocsr()
    size = np.diff(sets.indptr)
    holders = np.diff(members.indptr)
    containing = np.zeros(sets.shape[0], dtype=bool)
    for q in np.argsort(size, kind="stable"):
        own = sets.indices[sets.indptr[q]:sets.indptr[q + 1]]
        if containing[q] or not len(own):
            continue
        rare = own[np.argmin(holders[own])]  # every superset of q holds q's rarest element
        others = members.indices[members.indptr[rare]:members.indptr[rare + 1]]
        others = others[(size[others] > size[q]) & ~containing[others]]
        if len(others):
            containing[others[((bits[others] & bits[q]) == bits[q]).all(axis=1)]] = True
    return np.flatnonzero(~containing)
