"""Location models on a demand x candidate matrix, solved exactly with HiGHS from a greedy start.

- ``set_cover``: the fewest candidates (or the cheapest, with a cost per candidate) reaching every
  coverable demand point (``times=2``: twice, backup coverage for when the nearest is busy);
- ``max_cover``: K candidates reaching the most demand weight;
- ``p_median``: K candidates minimising the weighted sum of each demand point's time to its nearest
  chosen candidate (the mean response time);
- ``p_center``: K candidates minimising the worst time of any demand point (a worst-case promise).

Every model first builds a greedy answer, hands it to HiGHS as a start (``setSolution``) and returns
the better of the two. What is known is reported honestly (``LocationSolution``): HiGHS' status, the
objective, the best bound and the relative gap between them (``None`` without a finite bound), which
answer was returned, whether the time limit cut the search, and the seconds of all of it. Times are in
whatever unit the caller's matrix holds (seconds for the city, metres for published test cases).
"""

import contextlib
import math
import os
import sys
import time
from dataclasses import dataclass, field, replace

import numpy as np
import scipy.sparse as sp

from planner.cover_reach import alike_rows
from planner.cover_reduce import covering_core, dominated_columns

__all__ = ["LocationSolution", "greedy_max_cover", "greedy_p_center", "greedy_p_median", "greedy_set_cover",
           "max_cover", "p_center", "p_median", "quiet_highs", "set_cover", "solve_with_highs"]

SWAP_WORK_LIMIT = 50_000_000  # demand x candidates x K: above it the greedy answer skips the improving swaps
MAX_SWAP_PASSES = 10


@dataclass
class LocationSolution:
    """A solved location model. ``objective`` belongs to ``chosen`` (candidate indices); ``bound`` is
    the solver's proven bound (a lower bound when minimising, upper when maximising)."""

    model: str
    sense: str  # "min" or "max"
    chosen: list[int]
    objective: float
    bound: float | None
    status: str  # HiGHS' model status, e.g. "Optimal", "Time limit reached"
    source: str  # "solver" (it beat the greedy answer) or "greedy" (the greedy answer was as good)
    greedy_chosen: list[int]
    greedy_objective: float
    solver_objective: float | None  # HiGHS' own incumbent (None: it found none in time)
    time_limited: bool
    seconds: float
    uncoverable: list[int] = field(default_factory=list)

    @property
    def optimal(self) -> bool:
        """Proven optimal: the returned objective meets the bound."""
        return self.gap == 0.0

    @property
    def gap(self) -> float | None:
        """Relative distance from the returned objective to the bound (0 = proven optimal); None
        when no finite bound is known."""
        if self.bound is None or not math.isfinite(self.bound):
            return None
        distance = self.objective - self.bound if self.sense == "min" else self.bound - self.objective
        if abs(distance) <= 1e-9 * max(1.0, abs(self.objective)):
            return 0.0
        return max(0.0, distance) / max(abs(self.objective), 1e-12)

    @property
    def greedy_gap(self) -> float:
        """Signed relative distance of the greedy answer from the returned one: positive when the greedy
        answer is worse, 0 when it is the one returned."""
        worse_by = self.greedy_objective - self.objective if self.sense == "min" else self.objective - self.greedy_objective
        if self.objective == 0:
            return 0.0 if worse_by == 0 else (math.copysign(1.0, worse_by))
        return worse_by / abs(self.objective)

    def report(self) -> dict:
        """JSON-ready numbers (strict JSON: no NaN or Infinity)."""
        return {"model": self.model, "status": self.status, "optimal": self.optimal, "objective": _finite(self.objective),
                "bound": _finite(self.bound), "gap": _rounded(self.gap), "source": self.source,
                "solver_objective": _finite(self.solver_objective), "greedy_objective": _finite(self.greedy_objective),
                "greedy_gap": _rounded(self.greedy_gap), "time_limited": self.time_limited,
                "solve_seconds": round(self.seconds, 3), "count": len(self.chosen)}


def _finite(value):
    return None if value is None or not math.isfinite(value) else float(value)


def _rounded(value, digits: int = 6):
    return None if value is None or not math.isfinite(value) else round(float(value), digits)


@contextlib.contextmanager
def _banner_to_stderr():
    """HiGHS prints a banner on stdout when created: keep stdout clean for --json."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


@dataclass
class MipResult:
    """What HiGHS returned: the incumbent's column values (None: none found), its objective, the bound."""

    values: np.ndarray | None
    objective: float | None
    bound: float | None
    status: str
    time_limited: bool


def solve_with_highs(cost, matrix: sp.csr_matrix, row_lower, row_upper, *, integer: np.ndarray, sense: str,
                     start: np.ndarray | None, time_limit_s: float, col_upper=None, rel_gap: float = 0.0) -> MipResult:
    """Solve ``sense`` cost.x subject to row_lower <= matrix.x <= row_upper, 0 <= x <= col_upper (1 by
    default), integrality where ``integer``; ``start`` is a feasible column vector handed to HiGHS;
    the search stops at the relative gap ``rel_gap`` (0: proven optimal).

    HiGHS 1.16's presolve can lose track of a start (seen on set covering: "Optimal" 106 for the 135-point
    start itself, where the optimum is 115), so a start goes in with presolve off. Every answer is checked:
    one whose reported objective is not its solution's is replaced by plain HiGHS (presolve, no start) in
    the time left."""
    started = time.perf_counter()
    attempts = [(start, False), (None, True)] if start is not None else [(None, True), (None, False)]
    result = None
    for attempt_start, presolve in attempts:
        left = time_limit_s - (time.perf_counter() - started)
        if result is not None and left <= 0:
            break
        result = _run_highs(cost, matrix, row_lower, row_upper, integer, sense, attempt_start, max(left, 0.001),
                            col_upper, rel_gap, presolve=presolve)
        if result.values is None or _consistent(cost, result):
            return result
    # Every attempt reported an objective that is not its solution's: keep the solution, trust no bound.
    return MipResult(result.values, float(np.dot(cost, result.values)), None, "Inconsistent answer", result.time_limited)


def _consistent(cost, result: MipResult) -> bool:
    """Is HiGHS' reported objective that of the solution it returned?"""
    true_objective = float(np.dot(cost, result.values))
    return abs(true_objective - result.objective) <= 1e-6 * max(1.0, abs(true_objective))


def quiet_highs():
    """A HiGHS instance that prints nothing (its banner goes to stderr, its log off)."""
    import highspy

    with _banner_to_stderr():
        highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    return highs


def _run_highs(cost, matrix, row_lower, row_upper, integer, sense, start, time_limit_s, col_upper, rel_gap, *,
               presolve: bool) -> MipResult:
    import highspy

    highs = quiet_highs()
    highs.setOptionValue("time_limit", max(0.001, float(time_limit_s)))
    highs.setOptionValue("mip_rel_gap", float(rel_gap))
    if not presolve:
        highs.setOptionValue("presolve", "off")
    inf = highspy.kHighsInf
    n = len(cost)
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n, matrix.shape[0]
    lp.sense_ = highspy.ObjSense.kMaximize if sense == "max" else highspy.ObjSense.kMinimize
    lp.col_cost_ = np.asarray(cost, dtype=float)
    lp.col_lower_ = np.zeros(n)
    lp.col_upper_ = np.ones(n) if col_upper is None else np.asarray(col_upper, dtype=float)
    lp.row_lower_ = np.where(np.isfinite(row_lower), row_lower, -inf).astype(float)
    lp.row_upper_ = np.where(np.isfinite(row_upper), row_upper, inf).astype(float)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = matrix.indptr.astype(np.int32)
    lp.a_matrix_.index_ = matrix.indices.astype(np.int32)
    lp.a_matrix_.value_ = matrix.data.astype(float)
    lp.integrality_ = [highspy.HighsVarType.kInteger if flag else highspy.HighsVarType.kContinuous for flag in integer]
    highs.passModel(lp)
    if start is not None:
        solution = highspy.HighsSolution()
        solution.col_value = np.asarray(start, dtype=float).tolist()
        highs.setSolution(solution)
    highs.run()
    model_status = highs.getModelStatus()
    info = highs.getInfo()
    has_incumbent = info.primal_solution_status == 2  # kSolutionStatusFeasible
    values = np.asarray(highs.getSolution().col_value) if has_incumbent else None
    if values is not None and len(values) != n:
        values = None
    bound = float(info.mip_dual_bound)
    return MipResult(values, float(info.objective_function_value) if values is not None else None,
                     bound if math.isfinite(bound) else None, highs.modelStatusToString(model_status),
                     model_status == highspy.HighsModelStatus.kTimeLimit)


def _remaining(started: float, time_limit_s: float) -> float:
    return time_limit_s - (time.perf_counter() - started)


def _better(sense: str, a: float, b: float) -> bool:
    """Is ``a`` strictly better than ``b``?"""
    return a < b - 1e-9 if sense == "min" else a > b + 1e-9


def _finish(model, sense, started, greedy, greedy_value, mip: MipResult, solver_chosen, solver_value,
            uncoverable=(), *, solver_only: bool = False) -> LocationSolution:
    """The better of the greedy answer and HiGHS' incumbent, with the honest report. ``solver_only``
    (the benchmark's plain HiGHS): HiGHS' incumbent alone, NaN objective when it found none."""
    use_solver = solver_chosen is not None and (solver_only or _better(sense, solver_value, greedy_value))
    chosen, value = (sorted(solver_chosen), solver_value) if use_solver else (sorted(greedy), greedy_value)
    if solver_only and not use_solver:
        chosen, value = [], math.nan
    bound = mip.bound
    if bound is not None and mip.status == "Optimal" and solver_value is not None:
        bound = min(solver_value, value) if sense == "min" else max(solver_value, value)  # proven (no rounding noise)
    return LocationSolution(model, sense, chosen, float(value), bound, mip.status, "solver" if use_solver else "greedy",
                            sorted(greedy), float(greedy_value), None if solver_value is None else float(solver_value),
                            mip.time_limited, time.perf_counter() - started, list(uncoverable))


# Set covering -------------------------------------------------------------------------------------

def _needed(cover: sp.csr_matrix, times: int) -> np.ndarray:
    """How many chosen candidates each demand point needs: ``times``, or all that reach it if fewer."""
    return np.minimum(times, np.asarray(cover.sum(axis=1)).ravel())


def _covers(cover: sp.csr_matrix, chosen, needed: np.ndarray) -> bool:
    reached = np.asarray(cover[:, list(chosen)].sum(axis=1)).ravel() if len(chosen) else np.zeros(cover.shape[0])
    return bool(np.all(reached >= needed))


def greedy_set_cover(cover: sp.csr_matrix, costs: np.ndarray | None = None, *, times: int = 1) -> list[int]:
    """Repeatedly take the candidate with the most still-needed coverings per unit of cost (each demand
    point needs ``times`` candidates, or all that reach it), then drop those made redundant."""
    cover_csc = cover.tocsc().astype(np.int64)
    costs = np.ones(cover.shape[1]) if costs is None else np.asarray(costs, dtype=float)
    needed = _needed(cover, times)
    still = needed.copy()
    chosen: list[int] = []
    taken = np.zeros(cover.shape[1], dtype=bool)
    while still.any():
        gains = cover_csc.T @ (still > 0).astype(np.int64)
        ratio = np.where((gains > 0) & ~taken, gains / costs, -1.0)
        best = int(np.argmax(ratio))
        if ratio[best] <= 0:
            break
        chosen.append(best)
        taken[best] = True
        still = np.maximum(0, still - cover_csc[:, best].toarray().ravel())
    # Drop points made redundant by later ones (dearest first).
    for j in sorted(chosen, key=lambda c: -costs[c]):
        rest = [c for c in chosen if c != j]
        if rest and _covers(cover, rest, needed):
            chosen = rest
    return chosen


def set_cover(cover: sp.csr_matrix, *, costs: np.ndarray | None = None, time_limit_s: float = 120.0,
              greedy_start: bool = True, rel_gap: float = 0.0, times: int = 1) -> LocationSolution:
    """Fewest (or, with ``costs`` > 0 per candidate, cheapest) candidates covering every coverable demand
    point of the boolean (demand x candidate) matrix ``times`` times (2: backup coverage, a second point
    within reach when the first is busy; a point reached by fewer candidates needs all of them). Demand
    no candidate covers is in ``uncoverable``. ``greedy_start=False`` is plain HiGHS (the benchmark's
    baseline): no start, its own answer only; ``rel_gap`` stops the search at that relative gap."""
    started = time.perf_counter()
    model = "set_cover" if times == 1 else "backup_cover"
    cover = cover.tocsr().astype(bool)
    n = cover.shape[1]
    costs = np.ones(n) if costs is None else np.asarray(costs, dtype=float)
    if costs.shape != (n,) or not np.all(np.isfinite(costs)) or np.any(costs <= 0):
        raise ValueError("every candidate needs a cost above 0")
    if times < 1:
        raise ValueError("times must be 1 or more")
    coverable = np.asarray(cover.sum(axis=1)).ravel() > 0
    uncoverable = np.flatnonzero(~coverable).tolist()
    rows = cover[coverable].tocsr()
    rows = rows[alike_rows(rows)[0]].tocsr()  # identical rows say the same thing: keep one of each
    needed = _needed(rows, times)
    if rows.shape[0] == 0:
        mip = MipResult(None, None, 0.0, "Optimal", False)
        return _finish(model, "min", started, [], 0.0, mip, [], 0.0, uncoverable)
    if greedy_start:  # dominated candidates and redundant rows out: the same optimum, less to solve
        core_rows, columns = covering_core(rows, costs, times=times)
    else:  # (plain HiGHS, the baseline, gets the whole matrix)
        core_rows, columns = np.arange(rows.shape[0]), np.arange(n)
    program = rows[core_rows][:, columns].tocsr()
    program_greedy = greedy_set_cover(program, costs[columns], times=times)  # (a cover of the core covers all)
    greedy = columns[program_greedy].tolist()
    greedy_value = float(costs[greedy].sum())
    start = np.zeros(len(columns))
    start[program_greedy] = 1.0
    matrix = sp.csr_matrix((np.ones(program.nnz), program.indices, program.indptr), shape=program.shape)
    mip = solve_with_highs(costs[columns], matrix, needed[core_rows].astype(float), np.full(program.shape[0], np.inf),
                           integer=np.ones(len(columns), bool), sense="min", start=start if greedy_start else None,
                           time_limit_s=_remaining(started, time_limit_s), rel_gap=rel_gap)
    if mip.bound is not None:  # any cover pays at least the cheapest candidate of each row
        row_cheapest = np.minimum.reduceat(costs[rows.indices], rows.indptr[:-1])
        mip = replace(mip, bound=max(mip.bound, float(row_cheapest.max())))
    solver_chosen = solver_value = None
    if mip.values is not None:
        picked = columns[np.flatnonzero(mip.values > 0.5)]
        if _covers(rows, picked, needed):  # a cover indeed
            solver_chosen, solver_value = picked.tolist(), float(costs[picked].sum())
    return _finish(model, "min", started, greedy, greedy_value, mip, solver_chosen, solver_value, uncoverable,
                   solver_only=not greedy_start)


# Maximal covering ---------------------------------------------------------------------------------

def greedy_max_cover(cover: sp.csr_matrix, weights: np.ndarray, k: int) -> list[int]:
    """Take K candidates one at a time, each adding the most uncovered weight."""
    cover_csc = cover.tocsc().astype(np.float64)
    remaining = np.asarray(weights, dtype=float).copy()
    chosen = []
    for _ in range(k):
        gains = cover_csc.T @ remaining
        gains[chosen] = -1
        best = int(np.argmax(gains))
        if gains[best] <= 0:
            break
        chosen.append(best)
        remaining[cover_csc[:, best].toarray().ravel() > 0] = 0.0
    return chosen


def _covered_weight(rows: sp.csr_matrix, weights: np.ndarray, chosen) -> float:
    if len(chosen) == 0:
        return 0.0
    return float(weights[np.asarray(rows[:, list(chosen)].sum(axis=1)).ravel() > 0].sum())


def max_cover(cover: sp.csr_matrix, weights: np.ndarray, k: int, *, time_limit_s: float = 120.0,
              greedy_start: bool = True) -> LocationSolution:
    """K candidates covering the most demand weight: max sum w_i y_i, y_i <= sum of the chosen
    candidates covering i, sum x_j <= K (binary x, y relaxed to [0, 1])."""
    started = time.perf_counter()
    cover = cover.tocsr().astype(bool)
    weights = np.asarray(weights, dtype=float)
    keep = np.flatnonzero((weights > 0) & (np.asarray(cover.sum(axis=1)).ravel() > 0))
    rows, w = cover[keep].tocsr(), weights[keep]
    m, n = rows.shape
    greedy = greedy_max_cover(rows, w, k)
    greedy_value = _covered_weight(rows, w, greedy)
    if m == 0:
        return _finish("max_cover", "max", started, greedy, 0.0, MipResult(None, None, 0.0, "Optimal", False), [], 0.0)
    if greedy_start:  # dominated candidates out (a superset does at least as well), rows alike one (weights summed)
        columns = dominated_columns(rows)
        first, kind = alike_rows(rows[:, columns])
        program, program_w = rows[first][:, columns].tocsr(), np.bincount(kind, weights=w, minlength=len(first))
    else:  # (plain HiGHS, the baseline, gets the whole matrix)
        columns, program, program_w = np.arange(n), rows, w
    m, n = program.shape
    program_greedy = greedy_max_cover(program, program_w, k)
    cover_rows = sp.hstack([-program.astype(float), sp.identity(m, format="csr")]).tocsr()
    budget = sp.csr_matrix(np.concatenate([np.ones(n), np.zeros(m)])[None, :])
    matrix = sp.vstack([cover_rows, budget]).tocsr()
    start = np.zeros(n + m)
    start[program_greedy] = 1.0
    start[n:] = (np.asarray(program[:, program_greedy].sum(axis=1)).ravel() > 0) if program_greedy else 0.0
    mip = solve_with_highs(np.concatenate([np.zeros(n), program_w]), matrix, np.concatenate([np.full(m, -np.inf), [0]]),
                           np.concatenate([np.zeros(m), [k]]), integer=np.arange(n + m) < n, sense="max",
                           start=start if greedy_start else None, time_limit_s=_remaining(started, time_limit_s))
    solver_chosen = solver_value = None
    if mip.values is not None:
        picked = columns[np.flatnonzero(mip.values[:n] > 0.5)].tolist()
        if len(picked) <= k:
            solver_chosen, solver_value = picked, _covered_weight(rows, w, picked)
    return _finish("max_cover", "max", started, greedy, greedy_value, mip, solver_chosen, solver_value,
                   solver_only=not greedy_start)


# p-median and p-center ----------------------------------------------------------------------------

def _check_times(times: np.ndarray, k: int) -> np.ndarray:
    times = np.asarray(times, dtype=float)
    if times.ndim != 2 or times.shape[1] == 0:
        raise ValueError("a p-median or p-center needs a (demand x candidate) matrix with candidates")
    if not 1 <= k <= times.shape[1]:
        raise ValueError(f"k must be between 1 and the {times.shape[1]} candidates")
    if np.any(np.isnan(times)) or np.any(times < 0):
        raise ValueError("times must be 0 or more (use inf for unreachable pairs)")
    return times


def _median_value(times, weights, chosen) -> float:
    return float(np.dot(weights, times[:, list(chosen)].min(axis=1)))


def _center_value(times, chosen) -> float:
    return float(times[:, list(chosen)].min(axis=1).max())


def _greedy_then_swap(times: np.ndarray, k: int, score) -> list[int]:
    """Add the candidate that improves the objective most, K times; then improving swaps (Teitz-Bart,
    at most ``MAX_SWAP_PASSES`` passes) while the work stays within ``SWAP_WORK_LIMIT``. ``score`` maps
    a (demand x options) matrix of each point's time to its nearest chosen candidate to one value per
    option (the objective if that column were the nearest times)."""
    m, n = times.shape
    finite = times[np.isfinite(times)]
    # Unreachable pairs cost far more than any reachable one, so that reaching everyone comes first.
    times = np.where(np.isfinite(times), times, 1e6 * (float(finite.max()) + 1.0) if finite.size else 1.0)
    chosen: list[int] = []
    nearest = np.full(m, np.inf)
    for _ in range(k):
        values = score(np.minimum(nearest[:, None], times))
        values[chosen] = np.inf
        best = int(np.argmin(values))
        chosen.append(best)
        nearest = np.minimum(nearest, times[:, best])
    if m * n * k > SWAP_WORK_LIMIT:
        return chosen
    current = float(score(nearest[:, None])[0])
    for _ in range(MAX_SWAP_PASSES):
        improved = False
        for position in range(k):
            others = chosen[:position] + chosen[position + 1:]
            base = times[:, others].min(axis=1) if others else np.full(m, np.inf)
            values = score(np.minimum(base[:, None], times))
            values[chosen] = np.inf
            best = int(np.argmin(values))
            if values[best] < current - 1e-9 * max(1.0, abs(current)):
                chosen[position], current, improved = best, float(values[best]), True
        if not improved:
            break
    return chosen


def greedy_p_median(times: np.ndarray, weights: np.ndarray, k: int) -> list[int]:
    """Greedy addition then improving swaps for the p-median."""
    weights = np.asarray(weights, dtype=float)
    return _greedy_then_swap(times, k, lambda nearest: weights @ nearest)


def greedy_p_center(times: np.ndarray, k: int) -> list[int]:
    """Greedy addition then improving swaps for the p-center."""
    return _greedy_then_swap(times, k, lambda nearest: nearest.max(axis=0))


def _assignment_model(times: np.ndarray, k: int):
    """Rows and columns shared by the p-median and p-center: x_ij (demand i served by j, finite pairs
    only), y_j (j chosen); sum_j x_ij = 1, x_ij <= y_j, sum_j y_j = K."""
    m, n = times.shape
    pair_i, pair_j = np.nonzero(np.isfinite(times))
    p = len(pair_i)
    one_each = sp.csr_matrix((np.ones(p), (pair_i, np.arange(p))), shape=(m, p + n))
    open_only = sp.csr_matrix((np.concatenate([np.ones(p), -np.ones(p)]),
                               (np.concatenate([np.arange(p), np.arange(p)]), np.concatenate([np.arange(p), p + pair_j]))),
                              shape=(p, p + n))
    count = sp.csr_matrix(np.concatenate([np.zeros(p), np.ones(n)])[None, :])
    rows = [one_each, open_only, count]
    lower = [np.ones(m), np.full(p, -np.inf), [k]]
    upper = [np.ones(m), np.zeros(p), [k]]
    return pair_i, pair_j, rows, lower, upper


def _assignment_start(times, pair_i, pair_j, chosen) -> np.ndarray:
    n = times.shape[1]
    chosen = list(chosen)
    nearest = np.asarray(chosen)[np.argmin(times[:, chosen], axis=1)]
    x = (pair_j == nearest[pair_i]).astype(float)
    y = np.zeros(n)
    y[chosen] = 1.0
    return np.concatenate([x, y])


def p_median(times: np.ndarray, weights: np.ndarray, k: int, *, time_limit_s: float = 120.0,
             greedy_start: bool = True) -> LocationSolution:
    """K candidates minimising sum_i w_i * (time from i to its nearest chosen candidate); ``times`` is
    (demand x candidate) with inf for unreachable pairs (every demand point needs one finite time)."""
    started = time.perf_counter()
    times = _check_times(times, k)
    weights = np.asarray(weights, dtype=float)
    if weights.shape != (times.shape[0],) or np.any(weights < 0) or not np.all(np.isfinite(weights)):
        raise ValueError("one weight of 0 or more per demand point")
    unreachable = np.flatnonzero(~np.isfinite(times).any(axis=1) & (weights > 0))
    if len(unreachable):
        raise ValueError(f"demand point {int(unreachable[0])} cannot be reached from any candidate")
    weighted = weights > 0  # demand without weight changes nothing
    times, weights = times[weighted], weights[weighted]
    if not weighted.any():
        mip = MipResult(None, None, 0.0, "Optimal", False)
        return _finish("p_median", "min", started, list(range(k)), 0.0, mip, None, None)
    greedy = greedy_p_median(times, weights, k)
    if not math.isfinite(_median_value(times, weights, greedy)):
        greedy = _reaching_start(times, k, _remaining(started, time_limit_s))
    pair_i, pair_j, rows, lower, upper = _assignment_model(times, k)
    cost = np.concatenate([weights[pair_i] * times[pair_i, pair_j], np.zeros(times.shape[1])])
    p = len(pair_i)
    mip = solve_with_highs(cost, sp.vstack(rows).tocsr(), np.concatenate(lower), np.concatenate(upper),
                           integer=np.arange(p + times.shape[1]) >= p, sense="min",
                           start=_assignment_start(times, pair_i, pair_j, greedy) if greedy_start else None,
                           time_limit_s=_remaining(started, time_limit_s))
    solver_chosen = solver_value = None
    if mip.values is not None:
        picked = np.flatnonzero(mip.values[p:] > 0.5).tolist()
        if len(picked) == k and np.isfinite(times[:, picked].min(axis=1)).all():
            solver_chosen, solver_value = picked, _median_value(times, weights, picked)
    return _finish("p_median", "min", started, greedy, _median_value(times, weights, greedy), mip, solver_chosen,
                   solver_value, solver_only=not greedy_start)


def p_center(times: np.ndarray, k: int, *, time_limit_s: float = 120.0) -> LocationSolution:
    """K candidates minimising the largest time from any demand point to its nearest chosen candidate.

    Exact by a search over the radius: the optimum is one of the matrix's times, and K candidates reach
    every demand point within radius r exactly when the set covering at r needs at most K of them.
    A bisection over the distinct times between the lower bound (each point's own nearest candidate)
    and the greedy answer solves one exact set covering (HiGHS) per step; a step the time limit leaves
    undecided stops the search, and the bound is the smallest radius not proven too small."""
    started = time.perf_counter()
    times = _check_times(times, k)
    unreachable = np.flatnonzero(~np.isfinite(times).any(axis=1))
    if len(unreachable):
        raise ValueError(f"demand point {int(unreachable[0])} cannot be reached from any candidate")
    greedy = greedy_p_center(times, k)
    if not math.isfinite(_center_value(times, greedy)):
        greedy = _reaching_start(times, k, _remaining(started, time_limit_s))
    greedy_value = _center_value(times, greedy)
    floor = float(times.min(axis=1).max())  # no choice beats each point's own nearest candidate
    radii = np.unique(times[np.isfinite(times) & (times >= floor) & (times <= greedy_value)])
    low, high = 0, len(radii) - 1  # radii[high] is reachable with K (the greedy answer)
    best_chosen, best_value = list(greedy), greedy_value
    status, limited, steps = "Optimal", False, 0
    while low < high:
        middle = (low + high) // 2
        remaining = _remaining(started, time_limit_s)
        if remaining <= 0:
            status, limited = "Time limit reached", True
            break
        reach = sp.csr_matrix(times <= radii[middle])
        quick = greedy_set_cover(reach)  # often enough to show the radius is reachable with K
        steps += 1
        if len(quick) <= k:
            best_chosen = _fill_to_k(times, quick, k)
            best_value = _center_value(times, best_chosen)
            high = int(np.searchsorted(radii, best_value))
            continue
        cover = set_cover(reach, time_limit_s=remaining, greedy_start=False)  # a decision: no use for a start
        if len(cover.uncoverable) == 0 and cover.chosen and cover.objective <= k:
            best_chosen = _fill_to_k(times, cover.chosen, k)
            best_value = _center_value(times, best_chosen)
            high = int(np.searchsorted(radii, best_value))  # the chosen points may do better than the radius
        elif cover.optimal or (cover.bound is not None and cover.bound > k + 1e-9) or cover.uncoverable:
            low = middle + 1  # proven: K points cannot reach every point within this radius
        else:
            status, limited = "Time limit reached", cover.time_limited
            break
    mip = MipResult(None, best_value, float(radii[low]) if len(radii) else greedy_value, status, limited)
    solver_chosen = best_chosen if steps else None
    return _finish("p_center", "min", started, greedy, greedy_value, mip, solver_chosen,
                   best_value if steps else None)


def _reaching_start(times: np.ndarray, k: int, time_limit_s: float) -> list[int]:
    """K candidates that reach every demand point at all (some pairs are unreachable), found by an exact
    set covering when the greedy answer left a point unreached; ValueError when K cannot do it."""
    reach = set_cover(sp.csr_matrix(np.isfinite(times)), time_limit_s=max(0.01, time_limit_s))
    if reach.objective <= k:
        return _fill_to_k(times, reach.chosen, k)
    needed = f"at least {math.ceil(reach.bound - 1e-9)}" if reach.optimal or (reach.bound or 0) > k else "more"
    raise ValueError(f"no {k} candidates reach every demand point ({needed} needed); raise k")


def _fill_to_k(times: np.ndarray, chosen: list[int], k: int) -> list[int]:
    """A cover with fewer than K points, completed to K by greedy addition (never worse)."""
    chosen = list(chosen)
    while len(chosen) < k:
        rest = [j for j in range(times.shape[1]) if j not in chosen]
        chosen.append(min(rest, key=lambda j: (_center_value(times, chosen + [j]), j)))
    return chosen
