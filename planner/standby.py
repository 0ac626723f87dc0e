"""Standby points (location-allocation), solved exactly as integer programs with HiGHS.

- Set covering: the fewest standby points (candidates: the mode graph's nodes) so that every street
  (its ends and midpoint, on the mode's graph) is within the target of one of them.
- Maximal covering: the best K standby points for the most past stray-dog reports within target.

Both also run a greedy heuristic for comparison; results report the optimality gap of the greedy
answer and of the solver (HiGHS' own MIP gap). Streets no candidate can reach in time are named.
"""

import contextlib
import os
import sys
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

__all__ = ["CoverSolution", "candidate_nodes", "city_max_cover", "city_set_cover", "coverage_from", "coverage_matrix", "greedy_max_cover", "greedy_set_cover",
           "max_cover", "set_cover", "store_solution", "stored_solutions"]


@dataclass
class CoverSolution:
    """A solved covering problem: chosen candidate indices, objective, greedy comparison, status."""

    chosen: list[int]
    objective: float
    greedy_chosen: list[int]
    greedy_objective: float
    status: str
    mip_gap: float
    seconds: float
    uncoverable: list[int]

    @property
    def greedy_gap(self) -> float:
        """Relative distance of the greedy objective from the optimum."""
        if self.objective == 0:
            return 0.0
        return abs(self.greedy_objective - self.objective) / abs(self.objective)


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


def _highs(time_limit_s: float):
    import highspy

    with _banner_to_stderr():
        highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("time_limit", float(time_limit_s))
    highs.setOptionValue("mip_rel_gap", 0.0)
    return highs


def coverage_matrix(times_s: np.ndarray, limit_s: float) -> sp.csr_matrix:
    """Boolean (demand x candidate) matrix: True where the candidate reaches the demand in time."""
    return sp.csr_matrix(np.asarray(times_s) <= limit_s)


def greedy_set_cover(cover: sp.csr_matrix) -> list[int]:
    """Repeatedly take the candidate covering the most uncovered demand points."""
    cover_csc = cover.tocsc().astype(np.int64)
    uncovered = np.asarray(cover.sum(axis=1)).ravel() > 0
    chosen = []
    while uncovered.any():
        gains = cover_csc.T @ uncovered.astype(np.int64)
        best = int(np.argmax(gains))
        if gains[best] == 0:
            break
        chosen.append(best)
        uncovered &= ~(cover_csc[:, best].toarray().ravel() > 0)
    return chosen


def set_cover(cover: sp.csr_matrix, *, time_limit_s: float = 120.0) -> CoverSolution:
    """Fewest candidates covering every coverable demand point (binary IP, HiGHS)."""
    import time

    import highspy

    started = time.perf_counter()
    cover = cover.tocsr().astype(bool)
    coverable = np.asarray(cover.sum(axis=1)).ravel() > 0
    uncoverable = np.flatnonzero(~coverable).tolist()
    rows = cover[coverable]
    # Identical rows say the same thing: keep one of each.
    keys = {}
    for i in range(rows.shape[0]):
        keys.setdefault(tuple(rows.indices[rows.indptr[i]:rows.indptr[i + 1]]), i)
    rows = rows[sorted(keys.values())].tocsr()
    greedy = greedy_set_cover(rows)
    n = rows.shape[1]
    highs = _highs(time_limit_s)
    inf = highspy.kHighsInf
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n, rows.shape[0]
    lp.col_cost_ = np.ones(n)
    lp.col_lower_, lp.col_upper_ = np.zeros(n), np.ones(n)
    lp.row_lower_, lp.row_upper_ = np.ones(rows.shape[0]), np.full(rows.shape[0], inf)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = rows.indptr.astype(np.int32)
    lp.a_matrix_.index_ = rows.indices.astype(np.int32)
    lp.a_matrix_.value_ = np.ones(rows.nnz)
    lp.integrality_ = [highspy.HighsVarType.kInteger] * n
    highs.passModel(lp)
    highs.run()
    status = highs.modelStatusToString(highs.getModelStatus())
    values = np.asarray(highs.getSolution().col_value)
    chosen = np.flatnonzero(values > 0.5).tolist() if len(values) else []
    info = highs.getInfo()
    return CoverSolution(chosen, float(len(chosen)), greedy, float(len(greedy)), status,
                         float(info.mip_gap), time.perf_counter() - started, uncoverable)


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


def max_cover(cover: sp.csr_matrix, weights: np.ndarray, k: int, *, time_limit_s: float = 120.0) -> CoverSolution:
    """K candidates covering the most demand weight (binary IP, HiGHS): max sum w_i y_i,
    y_i <= sum of the chosen candidates covering i, sum x_j = K."""
    import time

    import highspy

    started = time.perf_counter()
    cover = cover.tocsr().astype(bool)
    weights = np.asarray(weights, dtype=float)
    keep = np.flatnonzero((weights > 0) & (np.asarray(cover.sum(axis=1)).ravel() > 0))
    rows = cover[keep].tocsr()
    w = weights[keep]
    m, n = rows.shape
    greedy = greedy_max_cover(rows, w, k)
    greedy_value = float(w[np.asarray(rows[:, greedy].sum(axis=1)).ravel() > 0].sum()) if greedy else 0.0
    highs = _highs(time_limit_s)
    inf = highspy.kHighsInf
    # Columns: x_0..x_{n-1} (candidates), y_0..y_{m-1} (demand covered).
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n + m, m + 1
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.col_cost_ = np.concatenate([np.zeros(n), w])
    lp.col_lower_, lp.col_upper_ = np.zeros(n + m), np.ones(n + m)
    # Rows 0..m-1: y_i - sum_j a_ij x_j <= 0; row m: sum_j x_j = K.
    cover_rows = sp.hstack([-rows.astype(float), sp.identity(m, format="csr")]).tocsr()
    budget = sp.csr_matrix(np.concatenate([np.ones(n), np.zeros(m)])[None, :])
    matrix = sp.vstack([cover_rows, budget]).tocsr()
    lp.row_lower_ = np.concatenate([np.full(m, -inf), [k]])
    lp.row_upper_ = np.concatenate([np.zeros(m), [k]])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = matrix.indptr.astype(np.int32)
    lp.a_matrix_.index_ = matrix.indices.astype(np.int32)
    lp.a_matrix_.value_ = matrix.data.astype(float)
    lp.integrality_ = [highspy.HighsVarType.kInteger] * n + [highspy.HighsVarType.kContinuous] * m
    highs.passModel(lp)
    highs.run()
    status = highs.modelStatusToString(highs.getModelStatus())
    values = np.asarray(highs.getSolution().col_value)
    chosen = np.flatnonzero(values[:n] > 0.5).tolist() if len(values) else []
    covered = float(w[np.asarray(rows[:, chosen].sum(axis=1)).ravel() > 0].sum()) if chosen else 0.0
    info = highs.getInfo()
    return CoverSolution(chosen, covered, greedy, greedy_value, status, float(info.mip_gap),
                         time.perf_counter() - started, [])


def coverage_from(router, candidates: np.ndarray, places, limit_s: float, *, chunk: int = 128) -> sp.csr_matrix:
    """Sparse boolean (place x candidate) matrix: True where the candidate node reaches the place within
    ``limit_s`` seconds. Candidates are searched ``chunk`` at a time, so memory stays bounded by
    ``chunk`` x places instead of candidates x places (a dense table of a 30,000-node city is 20 GB)."""
    blocks = []
    for start in range(0, len(candidates), chunk):
        ids = [int(router.network.node_ids[c]) for c in candidates[start:start + chunk]]
        blocks.append(sp.csr_matrix(router.matrix(ids, places) <= limit_s))
    if not blocks:
        return sp.csr_matrix((len(places), 0), dtype=bool)
    return sp.vstack(blocks).T.tocsr()


def street_demand(router):
    """Demand points of a mode's streets: every node and every segment midpoint (as snaps or ids)."""
    segments = router.segments
    midpoints = [segments.geometry_wgs84[s].interpolate(0.5, normalized=True) for s in range(len(segments))]
    snaps = router.snap_many([p.x for p in midpoints], [p.y for p in midpoints], max_distance_m=np.inf)
    return list(router.network.node_ids.tolist()) + snaps, len(router.network.node_ids)


MAX_COVERAGE_PAIRS = 40_000_000  # candidates x demand points searched; beyond it candidates are sampled
MIN_CANDIDATES = 500


def candidate_nodes(node_count: int, demand_count: int, *, max_pairs: int = MAX_COVERAGE_PAIRS,
                    seed: int = 0) -> np.ndarray:
    """Candidate node indices: every node, or on a big graph a seeded random sample, so that
    candidates x demand stays within ``max_pairs`` (at least MIN_CANDIDATES). A sampled answer is
    still a valid cover; it may need a few more points than the best over every node."""
    limit = max(MIN_CANDIDATES, max_pairs // max(1, demand_count))
    if node_count <= limit:
        return np.arange(node_count)
    return np.sort(np.random.default_rng(seed).choice(node_count, size=limit, replace=False))


def city_set_cover(city, mode: str, *, target_s: float, time_limit_s: float = 120.0) -> dict:
    """Fewest standby points on ``mode``'s graph putting every street within ``target_s`` (with turnout)."""
    import time

    router = city.router(mode)
    started = time.perf_counter()
    demand, node_count = street_demand(router)
    candidates = candidate_nodes(router.network.size, len(demand))
    cover = coverage_from(router, candidates, demand, target_s - city.profile.turnout_s)  # demand x candidate
    build_s = time.perf_counter() - started
    solution = set_cover(cover, time_limit_s=time_limit_s)
    return _describe(router, solution, candidates, demand, node_count, build_s, mode, target_s)


def city_max_cover(city, mode: str, k: int, report_lons, report_lats, *, target_s: float,
                   time_limit_s: float = 120.0) -> dict:
    """The best ``k`` standby points on ``mode``'s graph for the most past reports within ``target_s``."""
    import time

    router = city.router(mode)
    started = time.perf_counter()
    snaps = router.snap_many(report_lons, report_lats, max_distance_m=np.inf)
    candidates = candidate_nodes(router.network.size, len(snaps))
    cover = coverage_from(router, candidates, snaps, target_s - city.profile.turnout_s)
    build_s = time.perf_counter() - started
    solution = max_cover(cover, np.ones(len(snaps)), k, time_limit_s=time_limit_s)
    result = _describe(router, solution, candidates, snaps, 0, build_s, mode, target_s)
    result.update(reports=len(snaps), covered_reports=int(solution.objective),
                  covered_share=round(solution.objective / len(snaps), 4) if len(snaps) else None,
                  greedy_covered_reports=int(solution.greedy_objective), k=k)
    return result


def _describe(router, solution: CoverSolution, candidates, demand, node_count, build_s, mode, target_s) -> dict:
    node_ids = router.network.node_ids
    graph = router.graph

    def point(candidate):
        node = graph.nodes[int(node_ids[candidates[candidate]])]
        return {"node": int(node_ids[candidates[candidate]]), "lon": round(node["x"], 7), "lat": round(node["y"], 7)}

    streets = set()
    for i in solution.uncoverable:
        if i >= node_count and hasattr(demand[i], "name"):
            streets.add(demand[i].name or "unnamed street")
    return {
        "mode": mode, "target_s": target_s, "status": solution.status, "count": len(solution.chosen),
        "objective": solution.objective, "mip_gap": solution.mip_gap, "greedy_count": len(solution.greedy_chosen),
        "greedy_objective": solution.greedy_objective, "greedy_gap": round(solution.greedy_gap, 4),
        "seconds": round(solution.seconds + build_s, 2), "solve_seconds": round(solution.seconds, 2),
        "candidates": int(len(candidates)), "candidates_sampled": bool(len(candidates) < router.network.size),
        "graph_nodes": int(router.network.size), "demand_points": len(demand),
        "uncoverable_points": len(solution.uncoverable), "uncoverable_streets": sorted(streets),
        "points": [point(c) for c in solution.chosen],
    }


def _legacy_solution_path(city, mode: str):
    """Where an older instance kept a standby solution (a JSON file), imported from there once."""
    from geo import paths

    return paths.instance_dir() / f"standby-{city.slug}-{mode}.json"


def store_solution(store, city, data: dict) -> None:
    """Keep a city's set-covering result (``city_set_cover``) in the store: the newest per mode."""
    import json

    from sqlalchemy import delete

    from planner.clock import utc_now
    from planner.models import StandbySolution

    with store.session() as session, session.begin():
        session.execute(delete(StandbySolution).where(StandbySolution.city == city.slug,
                                                      StandbySolution.mode == data["mode"]))
        session.add(StandbySolution(city=city.slug, mode=data["mode"], created_at=utc_now(),
                                    payload_json=json.dumps(data, ensure_ascii=False)))


def stored_solutions(store, city) -> dict[str, dict]:
    """The kept set-covering results by mode (those computed so far); an older instance's files are
    imported on first use."""
    import json

    from sqlalchemy import select

    from geo.profile import MODES
    from planner.models import StandbySolution

    with store.session() as session:
        rows = session.scalars(select(StandbySolution).where(StandbySolution.city == city.slug)).all()
    found = {row.mode: json.loads(row.payload_json) for row in rows}
    for mode in MODES:
        legacy = _legacy_solution_path(city, mode)
        if mode not in found and legacy.is_file():
            try:
                found[mode] = json.loads(legacy.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            store_solution(store, city, found[mode])
    return found
