"""Standby points (location-allocation) on a city's mode graph, solved with ``planner.location``.

- Set covering: the fewest standby points (candidates: the mode graph's nodes) so that every street
  (its ends and midpoint, on the mode's graph) is within the target of one of them; weighted, the
  cheapest such set when posts at existing sites cost less than new ones.
- Maximal covering: the best K standby points for the most past stray-dog reports within target.
- p-median: the K points with the least mean response time to past reports.
- p-center: the K points with the least worst response time to any street (a worst-case promise).

Every answer reports the solver's status, bound and gap, the greedy answer it started from, and the
seconds of everything (street sampling, travel times, solving). Streets no candidate can reach are named.
"""
import math
import time

import numpy as np
import scipy.sparse as sp

from geo import strict_json
from geo.errors import PatrolError
from planner.cover_generation import set_cover_every_node
from planner.cover_reach import ArrivalIndex, coverage_columns, grid_cells, spread_out
from planner.location import LocationSolution, max_cover, p_center, p_median, set_cover
from planner.max_cover_generation import max_cover_every_node

__all__ = ["candidate_nodes", "city_max_cover", "city_p_center", "city_p_median", "city_set_cover", "coverage_from",
           "check_site", "coverage_matrix", "model_name", "read_sites", "site_costs", "solve_standby", "spread_candidates", "store_solution", "stored_solutions",
           "street_demand"]


def coverage_matrix(times_s: np.ndarray, limit_s: float) -> sp.csr_matrix:
    """Boolean (demand x candidate) matrix: True where the candidate reaches the demand in time."""
    return sp.csr_matrix(np.asarray(times_s) <= limit_s)


def coverage_from(router, candidates: np.ndarray, places, limit_s: float, *, chunk: int = 128) -> sp.csr_matrix:
    """Sparse boolean (place x candidate) matrix: True where the candidate node reaches the place within
    ``limit_s`` seconds. Bounded searches ``chunk`` candidates at a time, reading only the places at the nodes
    each reached (``planner.cover_reach.coverage_columns``), so memory stays bounded by ``chunk`` x nodes."""
    arrivals = ArrivalIndex([router.arrival_options(place) for place in places], router.network.size)
    return coverage_columns(router.network, np.asarray(candidates, dtype=np.int64), arrivals, limit_s,
                            chunk=chunk).tocsr()


def street_demand(router):
    """Demand points of a mode's streets: every node and every segment midpoint (as snaps or ids)."""
    segments = router.segments
    midpoints = [segments.geometry_wgs84[s].interpolate(0.5, normalized=True) for s in range(len(segments))]
    snaps = router.snap_many([p.x for p in midpoints], [p.y for p in midpoints], max_distance_m=np.inf)
    return list(router.network.node_ids.tolist()) + snaps, len(router.network.node_ids)


MAX_COVERAGE_PAIRS = 40_000_000  # candidates x demand points searched; beyond it candidates are sampled
MIN_CANDIDATES = 500
MIN_SPREAD_CANDIDATES = 800  # backup covering on a big graph: on the generated city (foot) 739 nodes, one per 838 m
# cell, give 137 points, optimal over them, in 10.3 s (500 random nodes: 149; 1,394 spread: 133, no proof in 200 s)


def candidate_nodes(node_count: int, demand_count: int, *, max_pairs: int = MAX_COVERAGE_PAIRS,
                    seed: int = 0, minimum: int = MIN_CANDIDATES) -> np.ndarray:
    """Candidate node indices: every node, or on a big graph a seeded random sample, so that
    candidates x demand stays within ``max_pairs`` (at least MIN_CANDIDATES). A sampled answer is
    still a valid cover; it may need a few more points than the best over every node.
    ``minimum`` candidates are kept whatever the demand (the sample never gets smaller)."""
    limit = max(minimum, max_pairs // max(1, demand_count))
    if node_count <= limit:
        return np.arange(node_count)
    return np.sort(np.random.default_rng(seed).choice(node_count, size=limit, replace=False))


def spread_candidates(router, count: int, *, seed: int = 0) -> tuple[np.ndarray, float]:
    """About ``count`` candidate nodes spread over the whole city (ascending): one node (seeded random) per square
    grid cell, the cell side in metres chosen so that about ``count`` cells hold a node; every node and 0.0 on a
    graph of at most ``count`` nodes. Returns (nodes, cell side m)."""
    size = router.network.size
    if size <= count:
        return np.arange(size), 0.0
    ranked = np.random.default_rng(seed).permutation(size)
    cell_m = 1000.0
    for step in range(12):  # the occupied cells grow as the side shrinks; a few steps bring them within 10 %
        chosen = spread_out(ranked, grid_cells(router, cell_m))
        if abs(len(chosen) - count) <= 0.1 * count or step == 11:
            break
        cell_m *= math.sqrt(len(chosen) / count)
    return np.sort(chosen), cell_m


def site_costs(router, candidates: np.ndarray, sites: list[tuple[float, float, float]] | None, *,
               other_cost: float = 1.0) -> np.ndarray:
    """A cost per candidate node: ``other_cost`` for a new post, and for each listed site (WGS-84 lon,
    lat, cost; e.g. an existing police box) its cost on the candidate nearest to it (by travel)."""
    costs = np.full(len(candidates), float(other_cost))
    if not sites:
        return costs
    node_ids = router.network.node_ids
    places = [int(node_ids[c]) for c in candidates]
    snaps = router.snap_many([s[0] for s in sites], [s[1] for s in sites], max_distance_m=np.inf)
    times = router.matrix(snaps, places)  # site x candidate
    for row, (_, _, cost) in enumerate(sites):
        costs[int(np.argmin(times[row]))] = float(cost)
    return costs


def city_set_cover(city, mode: str, *, target_s: float, time_limit_s: float = 120.0, sites=None,
                   other_cost: float = 1.0, times: int = 1, progress=lambda message: None) -> dict:
    """Fewest standby points on ``mode``'s graph putting every street within ``target_s`` (with turnout);
    with ``sites`` [(lon, lat, cost)], the cheapest such set (weighted set covering; other nodes cost
    ``other_cost``); ``times=2``: every street within target of two points (backup coverage).
    ``time_limit_s`` bounds the whole computation's solver part; ``seconds`` is all of it. On a graph too big for
    a node x demand matrix (a set covering, ``times=1``) every node is still a candidate: column generation and
    reduced-cost fixing (``planner.cover_generation``) keep only those that can be in a better cover, and the
    bound holds for every node (``candidate_reduction`` says how); a backup covering there takes about
    MIN_SPREAD_CANDIDATES nodes (more if MAX_COVERAGE_PAIRS allows) spread over the city, one per grid cell of
    ``candidate_cell_m`` metres, and its bound is over those."""
    router = city.router(mode)
    started = time.perf_counter()
    demand, node_count = street_demand(router)
    limit_s = target_s - city.profile.turnout_s
    facts, cell_m = None, 0.0
    if times == 1 and router.network.size * len(demand) > MAX_COVERAGE_PAIRS:  # every node, never a full matrix
        all_costs = site_costs(router, np.arange(router.network.size), sites, other_cost=other_cost) if sites else None
        left = max(1.0, time_limit_s - (time.perf_counter() - started))  # the demand points' snapping counts too
        solution, candidates, facts = set_cover_every_node(router, demand, limit_s, costs=all_costs,
                                                           time_limit_s=left, progress=progress)
        costs = None if all_costs is None else all_costs[candidates]
    else:  # a backup covering on a big graph: candidates spread over the city (a random sample bunches in the centre)
        big = router.network.size * len(demand) > MAX_COVERAGE_PAIRS
        candidates, cell_m = (spread_candidates(router, max(MIN_SPREAD_CANDIDATES, MAX_COVERAGE_PAIRS // len(demand)))
                              if big else (np.arange(router.network.size), 0.0))
        cover = coverage_from(router, candidates, demand, limit_s)  # demand x candidate
        costs = site_costs(router, candidates, sites, other_cost=other_cost) if sites else None
        solution = set_cover(cover, costs=costs, time_limit_s=time_limit_s, times=times)
    result = _describe(router, solution, candidates, demand, node_count, started, mode, target_s)
    if facts is not None:
        result.update(candidates_sampled=False, candidate_reduction=facts)
    elif cell_m:
        result["candidate_cell_m"] = round(cell_m, 1)  # one candidate per grid cell of about this side
    result["times"] = times
    if costs is not None:
        result.update(model="weighted_set_cover" if times == 1 else "weighted_backup_cover",
                      cost=round(float(costs[solution.chosen].sum()), 4),
                      sites=len(sites), sites_chosen=int(np.sum(costs[solution.chosen] != other_cost)))
    return result


def city_max_cover(city, mode: str, k: int, report_lons, report_lats, *, target_s: float,
                   time_limit_s: float = 120.0, progress=lambda message: None) -> dict:
    """The best ``k`` standby points on ``mode``'s graph for the most past reports within ``target_s``. On a graph
    too big for a node x report matrix every node is still a candidate (``planner.max_cover_generation``: column
    generation and fixing; the bound holds for every node, ``candidate_reduction`` says how)."""
    router = city.router(mode)
    started = time.perf_counter()
    snaps = router.snap_many(report_lons, report_lats, max_distance_m=np.inf)
    limit_s = target_s - city.profile.turnout_s
    facts = None
    if router.network.size * len(snaps) > MAX_COVERAGE_PAIRS:  # every node, never a full matrix
        left = max(1.0, time_limit_s - (time.perf_counter() - started))
        solution, candidates, facts = max_cover_every_node(router, snaps, np.ones(len(snaps)), k, limit_s,
                                                           time_limit_s=left, progress=progress)
    else:
        candidates = candidate_nodes(router.network.size, len(snaps))
        cover = coverage_from(router, candidates, snaps, limit_s)
        solution = max_cover(cover, np.ones(len(snaps)), k, time_limit_s=time_limit_s)
    result = _describe(router, solution, candidates, snaps, 0, started, mode, target_s)
    if facts is not None:
        result.update(candidates_sampled=False, candidate_reduction=facts)
    result.update(reports=len(snaps), covered_reports=int(solution.objective),
                  covered_share=round(solution.objective / len(snaps), 4) if len(snaps) else None,
                  greedy_covered_reports=int(solution.greedy_objective), k=k)
    return result


MAX_TIME_PAIRS = 1_000_000  # demand x candidates kept as a dense time table for the p-center
MIN_CENTER_CANDIDATES = 100  # p-center on a big graph (where MAX_TIME_PAIRS would leave about K): candidates spread
# over the city; generated city, foot, K = 20: 20 random nodes 14,788 s worst response, 22 spread 8,432 s, 113 spread
# 7,197 s (a 184,000 x 113 table, 166 MB, 15.6 s in all)
MAX_MEDIAN_PAIRS = 150_000  # assignment variables of the p-median's integer program


def _time_table(router, candidates, places, chunk: int = 128) -> np.ndarray:
    """Seconds (place x candidate) from each candidate node to each place; inf where unreachable."""
    ids = [int(router.network.node_ids[c]) for c in candidates]
    return np.vstack([router.matrix(ids[start:start + chunk], places) for start in range(0, len(ids), chunk)]).T


def _grouped_reports(router, lons, lats, limit: int):
    """Past reports placed on the graph and grouped by street segment (weights = counts); at most
    ``limit`` groups, the busiest kept and the rest counted in ``left_out``."""
    snaps = router.snap_many(lons, lats, max_distance_m=np.inf)
    groups: dict[int, list] = {}
    for snap in snaps:
        groups.setdefault(snap.segment, []).append(snap)
    ordered = sorted(groups.values(), key=len, reverse=True)
    kept = ordered[:limit]
    places = [members[len(members) // 2] for members in kept]
    return places, np.array([len(m) for m in kept], dtype=float), sum(len(m) for m in ordered[limit:])


def city_p_median(city, mode: str, k: int, report_lons, report_lats, *, time_limit_s: float = 120.0) -> dict:
    """``k`` standby points on ``mode``'s graph minimising the mean response time (seconds, with turnout)
    to past reports (grouped by street segment, weighted by count); candidates are a seeded sample."""
    router = city.router(mode)
    started = time.perf_counter()
    candidate_count = max(k, min(router.network.size, 150))
    places, weights, left_out = _grouped_reports(router, report_lons, report_lats, MAX_MEDIAN_PAIRS // candidate_count)
    candidates = candidate_nodes(router.network.size, len(places), max_pairs=len(places) * candidate_count, minimum=k)
    times = _time_table(router, candidates, places)
    reachable = np.isfinite(times).any(axis=1)
    solution = p_median(times[reachable], weights[reachable], k, time_limit_s=time_limit_s)
    result = _describe(router, solution, candidates, places, 0, started, mode, None)
    total = float(weights[reachable].sum())
    turnout = city.profile.turnout_s
    result.update(k=k, reports=int(weights.sum()) + left_out, reports_used=int(total), reports_left_out=left_out,
                  unreachable_reports=int(weights[~reachable].sum()),
                  mean_response_s=round(solution.objective / total + turnout, 1) if total else None,
                  greedy_mean_response_s=round(solution.greedy_objective / total + turnout, 1) if total else None)
    return result


def city_p_center(city, mode: str, k: int, *, time_limit_s: float = 120.0) -> dict:
    """``k`` standby points on ``mode``'s graph minimising the worst response time (seconds, with
    turnout) to any street (nodes and segment midpoints); candidates are a seeded sample, on a big graph about
    MIN_CENTER_CANDIDATES (or twice ``k``) spread over the city (one per grid cell of ``candidate_cell_m`` metres)."""
    router = city.router(mode)
    started = time.perf_counter()
    demand, node_count = street_demand(router)
    cell_m = 0.0
    if router.network.size * len(demand) > MAX_COVERAGE_PAIRS:  # a random few would leave whole towns far away
        count = max(2 * k, MIN_CENTER_CANDIDATES, MAX_TIME_PAIRS // len(demand))  # (the grid's count is within 10 %)
        candidates, cell_m = spread_candidates(router, count)
    else:
        candidates = candidate_nodes(router.network.size, len(demand), max_pairs=MAX_TIME_PAIRS, minimum=k)
    times = _time_table(router, candidates, demand)
    reachable = np.isfinite(times).any(axis=1)
    solution = p_center(times[reachable], k, time_limit_s=time_limit_s)
    solution.uncoverable = np.flatnonzero(~reachable).tolist()
    result = _describe(router, solution, candidates, demand, node_count, started, mode, None)
    turnout = city.profile.turnout_s
    used = np.flatnonzero(reachable)
    worst = int(used[np.argmax(times[used][:, solution.chosen].min(axis=1))])
    result.update(k=k, worst_response_s=round(solution.objective + turnout, 1),
                  greedy_worst_response_s=round(solution.greedy_objective + turnout, 1),
                  bound_response_s=None if result["bound"] is None else round(result["bound"] + turnout, 1),
                  worst_street=_demand_name(router, demand[worst], worst, node_count))
    if cell_m:
        result["candidate_cell_m"] = round(cell_m, 1)
    return result


def _demand_name(router, place, index: int, node_count: int) -> dict:
    """Where a demand point is: its street name (a node: the first named street at it) and WGS-84 position."""
    if index >= node_count:
        return {"name": place.name or "unnamed street", "lon": round(place.lon, 7), "lat": round(place.lat, 7)}
    node = router.graph.nodes[int(place)]
    names = [data.get("name") for _, _, data in router.graph.edges(int(place), data=True) if data.get("name")]
    name = names[0] if names and isinstance(names[0], str) else (names[0][0] if names else "unnamed street")
    return {"name": name, "lon": round(node["x"], 7), "lat": round(node["y"], 7)}


def _describe(router, solution: LocationSolution, candidates, demand, node_count, started, mode, target_s) -> dict:
    """The JSON answer of every standby model (strict JSON: no NaN or Infinity)."""
    node_ids = router.network.node_ids
    graph = router.graph

    def point(candidate):
        node = graph.nodes[int(node_ids[candidates[candidate]])]
        return {"node": int(node_ids[candidates[candidate]]), "lon": round(node["x"], 7), "lat": round(node["y"], 7)}

    streets = set()
    for i in solution.uncoverable:
        if i >= node_count and hasattr(demand[i], "name"):
            streets.add(demand[i].name or "unnamed street")
    report = solution.report()
    return report | {
        "mode": mode, "target_s": target_s, "mip_gap": report["gap"], "greedy_count": len(solution.greedy_chosen),
        "seconds": round(time.perf_counter() - started, 2),
        "candidates": int(len(candidates)), "candidates_sampled": bool(len(candidates) < router.network.size),
        "graph_nodes": int(router.network.size), "demand_points": len(demand),
        "uncoverable_points": len(solution.uncoverable), "uncoverable_streets": sorted(streets),
        "points": [point(c) for c in solution.chosen],
    }


MODELS = ("cover", "backup", "max-cover", "p-median", "p-center")
MODEL_ALIASES = {"pcenter": "p-center", "pmedian": "p-median", "maxcover": "max-cover", "set-cover": "cover",
                 "backup-cover": "backup"}


def model_name(model: str | None, k: int | None) -> str:
    """The canonical model name (aliases such as ``pcenter`` accepted); default: cover, or max-cover with K."""
    if model is None:
        return "cover" if k is None else "max-cover"
    name = MODEL_ALIASES.get(str(model).strip().lower(), str(model).strip().lower())
    if name not in MODELS:
        raise StandbyInputError(f"unknown standby model {model!r}; use one of {', '.join(MODELS)}")
    return name


class StandbyInputError(PatrolError):
    """A standby model's inputs are missing or do not fit (no reports, no K, a bad site row)."""


def check_site(values, where: str) -> tuple[float, float, float]:
    """One existing site (lon, lat, cost): WGS-84 degrees and a cost above 0; ``where`` names it in the error."""
    try:
        lon, lat, cost = (float(x) for x in values)
    except (TypeError, ValueError):
        raise StandbyInputError(f"{where}: needs numbers lon, lat, cost; got {values!r}"[:200]) from None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90) or not (0 < cost < 1e9):
        raise StandbyInputError(f"{where}: lon/lat must be WGS-84 degrees and cost above 0")
    return lon, lat, cost


def read_sites(path) -> list[tuple[float, float, float]]:
    """Existing sites with their cost from a CSV file with columns lon, lat, cost (WGS-84; cost > 0)."""
    import csv
    from pathlib import Path

    path = Path(path)
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError) as exc:
        raise StandbyInputError(f"cannot read the sites file {path}: {exc}; give a UTF-8 CSV with lon,lat,cost") from None
    sites = [check_site((row.get("lon"), row.get("lat"), row.get("cost")), f"{path.name} row {number}")
             for number, row in enumerate(rows, start=2)]
    if not sites:
        raise StandbyInputError(f"{path.name} has no rows; give lon,lat,cost per existing site")
    return sites


def solve_standby(city, store, *, mode: str, model: str = "cover", k: int | None = None, time_limit_s: float = 120.0,
                  sites=None, other_cost: float = 1.0, progress=None) -> dict:
    """Run one standby model on the city (the use case behind ``zones standby`` and its job); a set
    covering is kept in the store (shown on every planner map). Returns the JSON answer."""
    try:
        return _solve_standby(city, store, mode=mode, model=model, k=k, time_limit_s=time_limit_s, sites=sites,
                              other_cost=other_cost, say=progress or (lambda message: None))
    except ValueError as exc:  # the models' own input checks (k too small to reach every street, ...)
        raise StandbyInputError(f"{model} on the {mode} graph: {exc}") from None


def _solve_standby(city, store, *, mode, model, k, time_limit_s, sites, other_cost, say) -> dict:
    target = city.profile.target_s("stray_dog")
    model = model_name(model, k)
    if model in ("max-cover", "p-median", "p-center") and k is None:
        raise StandbyInputError(f"the {model} model needs --k (how many standby points)")
    if sites and model not in ("cover", "backup"):
        raise StandbyInputError("site costs apply to set covering only: leave out --sites or use --model cover or backup")
    if model == "backup":
        say(f"backup covering on the {mode} graph: every street within target of two points")
        return city_set_cover(city, mode, target_s=target, time_limit_s=time_limit_s, sites=sites, other_cost=other_cost,
                              times=2)
    if model == "cover":
        say(f"{'weighted ' if sites else ''}set covering on the {mode} graph (HiGHS, up to {time_limit_s:g} s)")
        data = city_set_cover(city, mode, target_s=target, time_limit_s=time_limit_s, sites=sites, other_cost=other_cost,
                              progress=say)
        store_solution(store, city, data)
        return data
    if model == "p-center":
        say(f"p-center: the worst response to any street with {k} points on the {mode} graph")
        return city_p_center(city, mode, k, time_limit_s=time_limit_s)
    from planner.incidents import incidents_frame

    reports = incidents_frame(store, city.slug, category="stray_dog")
    if reports.empty:
        raise StandbyInputError("no stray-dog reports in the store (try: patrol incidents generate)")
    if model == "p-median":
        say(f"p-median: the mean response to {len(reports)} dog reports with {k} points on the {mode} graph")
        return city_p_median(city, mode, k, reports["lon"], reports["lat"], time_limit_s=time_limit_s)
    say(f"maximal covering of {len(reports)} dog reports with {k} points on the {mode} graph")
    return city_max_cover(city, mode, k, reports["lon"], reports["lat"], target_s=target, time_limit_s=time_limit_s,
                          progress=say)


def _legacy_solution_path(city, mode: str):
    """Where an older instance kept a standby solution (a JSON file), imported from there once."""
    from geo import paths

    return paths.instance_dir() / f"standby-{city.slug}-{mode}.json"


def store_solution(store, city, data: dict) -> None:
    """Keep a city's set-covering result (``city_set_cover``) in the store: the newest per mode."""

    from sqlalchemy import delete

    from planner.clock import utc_now
    from planner.models import StandbySolution

    with store.session() as session, session.begin():
        session.execute(delete(StandbySolution).where(StandbySolution.city == city.slug,
                                                      StandbySolution.mode == data["mode"]))
        session.add(StandbySolution(city=city.slug, mode=data["mode"], created_at=utc_now(),
                                    payload_json=strict_json.dumps(data, ensure_ascii=False)))


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
