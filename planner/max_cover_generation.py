"""Maximal covering over every node of a big mode graph, with an honest upper bound over every node.

The ``k`` standby points reaching the most report weight within the target, with every node a candidate and no
node x report matrix built (as ``planner.cover_generation`` does for set covering):

1. **Column generation** on the relaxation ``max w.z, z_i <= sum of the chosen columns reaching i, sum x <= k,
   0 <= x, z <= 1`` (HiGHS) over the columns so far. Its duals ``u`` (one per report place) and ``lam`` (the
   budget's) price *every node* of the graph: one backward search, bounded at the target, from each place with
   ``u > 0`` gives each node the weight ``u`` it reaches; a node enters when that exceeds ``lam``.
2. **A bound over every node, every round**: for any ``u >= 0``, ``sum max(0, w - u) + the k largest reached
   sums`` bounds every choice of ``k`` nodes from above (the Lagrangian of the coverage rows).
3. **Fixing**: taking node j costs the bound at least ``(k-th largest sum - j's sum)``; a node whose bound so
   lowered is not above the incumbent cannot be in a better answer. The integer program over the others (and the
   incumbent's) is then optimal over every node.

Identical report places (the same arrival options) are one row with their weights summed: exact. Times in
seconds on the mode's graph.
"""

import math
import time
from dataclasses import replace

import numpy as np
import scipy.sparse as sp

from planner.cover_generation import ADD_PER_ROUND, MAX_FIXED_CANDIDATES, START_SAMPLE
from planner.cover_reach import (
    ArrivalIndex,
    alike_rows,
    coverage_columns,
    grid_cells,
    own_node,
    reach_scores,
    spread_out,
)
from planner.location import greedy_max_cover, max_cover, quiet_highs

__all__ = ["max_cover_every_node"]

PRICING_SHARE = 0.7  # of the time limit, at most, for the rounds of column generation (the rest: the integer program,
# over the undominated candidates it ends in seconds: on the big city 0.4 gave 15,007 reports, gap 3.2 %, in 153 s;
# 0.7 gave 15,051, gap 1.6 %, in 210 s of 280)
LP_GROWTH = 3.0  # a round's relaxation may take this much longer than the last one


def max_cover_every_node(router, places: list, weights, k: int, limit_s: float, *, time_limit_s: float = 120.0,
                         progress=lambda message: None):
    """The ``k`` nodes of ``router``'s graph reaching the most ``weights`` of ``places`` (snapped points or node
    ids) within ``limit_s`` seconds, over every node, in about ``time_limit_s`` seconds. Returns ``(solution,
    candidates, facts)``: ``solution`` (a ``LocationSolution``, sense max) indexes ``candidates`` (node indices);
    its bound holds for every node; ``facts`` says how it was reached."""
    started = time.perf_counter()
    n = router.network.size
    rows, w = _distinct_places([router.arrival_options(place) for place in places], weights, limit_s)
    integral = bool(np.all(w == np.round(w)))
    arrivals = ArrivalIndex(rows, n)
    cells = grid_cells(router)

    def coverage_of(nodes):
        return coverage_columns(router.network, nodes, arrivals, limit_s)

    heaviest = np.argsort(-w, kind="stable")[:START_SAMPLE]
    columns = np.union1d(np.random.default_rng(0).choice(n, size=min(n, START_SAMPLE), replace=False),
                         [own_node(rows[i]) for i in heaviest]).astype(np.int64)
    cover = coverage_of(columns)
    facts = {"rounds": 0, "columns_generated": 0, "converged": False, "report_places": len(rows),
             "candidates_priced": n}
    upper, useful = math.inf, set(columns.tolist())
    deadline = started + PRICING_SHARE * time_limit_s
    while True:
        clock = time.perf_counter()
        value, u, lam, used = _solve_relaxation(cover, w, k)
        useful.update(columns[used].tolist())
        lp_s = time.perf_counter() - clock
        scores = reach_scores(router, [rows[i] for i in np.flatnonzero(u > 0)], u[u > 0], limit_s)
        top = np.sort(np.maximum(scores, 0.0))[::-1][:k]
        lagrangian = float(np.maximum(w - u, 0.0).sum() + top.sum())  # an upper bound over every node
        upper = min(upper, lagrangian)
        kth = float(top[-1]) if len(top) == k else 0.0
        facts["rounds"] += 1
        in_columns = np.zeros(n, dtype=bool)
        in_columns[columns] = True
        entering = np.flatnonzero(~in_columns & (scores > lam + 1e-9))
        if not len(entering):
            facts["converged"] = True
            upper = min(upper, value)  # the relaxation over every node
        progress(f"  round {facts['rounds']}: relaxation {value:.2f} over {len(columns)} candidates, bound over "
                 f"every node {upper:.2f}, {len(entering)} nodes priced in ({lp_s:.1f} s)")
        if not len(entering) or time.perf_counter() + LP_GROWTH * lp_s > deadline:
            break
        entering = spread_out(entering[np.argsort(-scores[entering], kind="stable")], cells)[:ADD_PER_ROUND]
        columns = np.concatenate([columns, entering])
        cover = sp.hstack([cover, coverage_of(entering)]).tocsc()
        facts["columns_generated"] += len(entering)
    known = _Columns(columns, cover, coverage_of)
    keep = np.union1d(np.array(sorted(useful), dtype=np.int64), columns[greedy_max_cover(cover.tocsr(), w, k)])
    progress(f"  integer program over {len(keep)} candidates (bound over every node {upper:.2f})")
    share = 0.5 if facts["converged"] else 1.0  # converged: half of what is left is kept for the fixed candidates
    solution = max_cover(known.matrix(keep), w, k, time_limit_s=max(1.0, share * _left(started, time_limit_s) - 1.0))
    bound = math.floor(upper + 1e-6) if integral else upper
    better_by = 1.0 if integral else 1e-9  # a better answer reaches at least this much more weight
    possible = np.flatnonzero(lagrangian - np.maximum(kth - scores, 0.0) >= solution.objective + better_by - 1e-6)
    fixing_proves = solution.objective >= bound or len(possible) <= MAX_FIXED_CANDIDATES
    if solution.objective < bound and fixing_proves and len(np.setdiff1d(possible, keep)):
        first_keep, keep = keep, np.union1d(keep, possible)  # any better answer takes only these
        progress(f"  {len(possible)} nodes can be in a better answer: integer program over {len(keep)}")
        again = max_cover(known.matrix(keep), w, k, time_limit_s=_left(started, time_limit_s))
        at = {node: i for i, node in enumerate(keep.tolist())}
        chosen = again.chosen if again.objective >= solution.objective else [
            at[int(node)] for node in first_keep[solution.chosen]]
        solution = replace(again, chosen=sorted(chosen), objective=max(again.objective, solution.objective))
    if fixing_proves and solution.bound is not None:  # a better answer uses only these candidates
        bound = min(bound, max(solution.bound, solution.objective))
    facts.update(candidates_solved=len(keep), fixing_proves=fixing_proves, bound_every_node=round(upper, 4),
                 bound_over_candidates=solution.bound, gap_over_candidates=solution.gap)
    solution = replace(solution, bound=float(max(bound, solution.objective)), seconds=time.perf_counter() - started)
    return solution, keep, facts


def _left(started: float, time_limit_s: float) -> float:
    return max(1.0, time_limit_s - (time.perf_counter() - started))


class _Columns:
    """Coverage columns computed so far, by node; more computed when asked for."""

    def __init__(self, columns, cover, coverage_of):
        self.columns, self.cover, self.coverage_of = columns, cover, coverage_of

    def matrix(self, nodes: np.ndarray) -> sp.csr_matrix:
        """(report place x node) for these nodes, in their order."""
        extra = np.setdiff1d(nodes, self.columns)
        if len(extra):
            self.cover = sp.hstack([self.cover, self.coverage_of(extra)]).tocsc()
            self.columns = np.concatenate([self.columns, extra])
        position = {node: i for i, node in enumerate(self.columns.tolist())}
        return self.cover[:, [position[node] for node in nodes.tolist()]].tocsr()


def _distinct_places(arrive: list, weights, limit_s: float) -> tuple[list, np.ndarray]:
    """The places some node can reach within ``limit_s`` (their arrival options), identical ones merged, and
    each one's summed weight."""
    merged: dict[tuple, int] = {}
    totals: list[float] = []
    for options, weight in zip(arrive, np.asarray(weights, dtype=float), strict=True):
        if weight <= 0 or min(cost for _, cost in options) > limit_s:
            continue
        key = tuple(sorted((int(node), float(cost)) for node, cost in options))
        if key not in merged:
            merged[key] = len(totals)
            totals.append(0.0)
        totals[merged[key]] += weight
    return [list(key) for key in merged], np.array(totals)


def _solve_relaxation(cover: sp.csc_matrix, w: np.ndarray, k: int):
    """The relaxation over these columns (HiGHS, as a minimisation of -w.z): its value, the coverage rows' duals
    u >= 0, the budget's dual lam >= 0 and the columns it uses (x > 0). Rows alike over these columns are solved
    as one (their weights summed; its dual shared back by weight: still a dual solution of the whole)."""
    import highspy

    every_row = cover.tocsr()
    first, group = alike_rows(every_row)
    merged_w = np.bincount(group, weights=w, minlength=len(first))  # rows alike over these columns: one row
    cover, w_all, w = every_row[first].tocsc(), w, merged_w
    m, c = cover.shape
    rows = sp.vstack([sp.hstack([-cover.astype(float), sp.identity(m)]),
                      sp.hstack([sp.csr_matrix(np.ones((1, c))), sp.csr_matrix((1, m))])]).tocsr()
    highs = quiet_highs()
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = c + m, m + 1
    lp.col_cost_ = np.concatenate([np.zeros(c), -w])
    lp.col_lower_, lp.col_upper_ = np.zeros(c + m), np.ones(c + m)
    lp.row_lower_ = np.full(m + 1, -highspy.kHighsInf)
    lp.row_upper_ = np.concatenate([np.zeros(m), [float(k)]])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = rows.indptr.astype(np.int32)
    lp.a_matrix_.index_ = rows.indices.astype(np.int32)
    lp.a_matrix_.value_ = rows.data.astype(float)
    highs.passModel(lp)
    highs.run()
    solution = highs.getSolution()
    duals = -np.asarray(solution.row_dual)
    share = np.clip(duals[:m], 0.0, w) / np.maximum(w, 1e-300)  # a merged row's dual, shared by weight
    return (-float(highs.getInfo().objective_function_value), share[group] * w_all, max(0.0, float(duals[m])),
            np.flatnonzero(np.asarray(solution.col_value)[:c] > 1e-6))
