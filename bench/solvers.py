"""Solver benchmark: the product's location models (greedy start, better of two, honest report) against
plain HiGHS on the same model without the start, on generated instances of growing size.

Set covering instances are random 0/1 matrices (rows = demand points, columns = candidates, density
0.3 %, the kind on which HiGHS alone was seen returning nothing or worse than greedy); p-median
instances are random points in a 10 km square (Euclidean metres). For each: objective, bound, status
and seconds of both, and the time each needs to reach the same gap (the larger of their two final gaps,
``mip_rel_gap`` set to it, up to three times the limit): the ratio of time to the same gap.
Seeds are fixed; wall-clock seconds on a shared machine are noisy, so trust the ratios and objectives.
"""

import math
import time

import numpy as np
import scipy.sparse as sp

from bench.common import bench_main, peak_rss_mb

__all__ = ["report_text", "run"]

COVER_SIZES = ((100, 1000), (200, 2000), (300, 3000), (400, 4000))
MEDIAN_SIZES = ((100, 20, 4), (200, 40, 6), (400, 60, 8))


def cover_instance(rows: int, cols: int, seed: int) -> sp.csr_matrix:
    """A random set covering instance; every row coverable."""
    rng = np.random.default_rng(seed)
    cover = rng.random((rows, cols)) < 0.003
    empty = np.flatnonzero(~cover.any(axis=1))
    cover[empty, rng.integers(0, cols, len(empty))] = True
    return sp.csr_matrix(cover)


def median_instance(demand: int, candidates: int, seed: int):
    """Random demand and candidate points in a 10 km square: Euclidean metres and demand weights."""
    rng = np.random.default_rng(seed)
    d, c = rng.random((demand, 2)) * 10_000, rng.random((candidates, 2)) * 10_000
    return np.hypot(d[:, None, 0] - c[None, :, 0], d[:, None, 1] - c[None, :, 1]), rng.integers(1, 20, demand).astype(float)


def _row(solution) -> dict:
    report = solution.report()
    return {key: report[key] for key in ("objective", "bound", "gap", "status", "source")} | {
        "seconds": round(solution.seconds, 2)}


def _time_to_gap(solve, gap, limit_s: float) -> float | None:
    """Seconds ``solve`` needs to reach ``gap`` (None when it does not within ``limit_s``)."""
    if gap is None:
        return None
    started = time.perf_counter()
    solution = solve(rel_gap=max(gap, 1e-9), time_limit_s=limit_s)
    if solution.gap is None or solution.gap > gap + 1e-9 or not math.isfinite(solution.objective):
        return None
    return time.perf_counter() - started


def run(*, time_limit_s: float = 10.0, quick: bool = False, progress=lambda message: None) -> dict:
    from planner.location import p_center, p_median, set_cover

    rows = []
    for m, n in COVER_SIZES[:2] if quick else COVER_SIZES:
        cover = cover_instance(m, n, seed=m)
        progress(f"set covering {m} x {n} ...")
        ours = set_cover(cover, time_limit_s=time_limit_s)
        plain = set_cover(cover, time_limit_s=time_limit_s, greedy_start=False)
        # The same gap for both: the larger of the two final gaps (both reached it within the limit).
        gaps = [g for g in (ours.gap, plain.gap) if g is not None]
        target = max(gaps) if len(gaps) == 2 else None
        ours_s = _time_to_gap(lambda cover=cover, **kw: set_cover(cover, **kw), target, 3 * time_limit_s)
        plain_s = _time_to_gap(lambda cover=cover, **kw: set_cover(cover, greedy_start=False, **kw), target,
                               3 * time_limit_s)
        rows.append({"model": "set_cover", "size": f"{m} x {n}", "ours": _row(ours), "plain_highs": _row(plain),
                     "greedy_objective": ours.greedy_objective, "same_gap": target,
                     "ours_seconds_to_gap": None if ours_s is None else round(ours_s, 2),
                     "plain_seconds_to_gap": None if plain_s is None else round(plain_s, 2),
                     "time_ratio_to_same_gap": None if not (ours_s and plain_s) else round(plain_s / max(ours_s, 1e-3), 2)})
    for m, n, k in MEDIAN_SIZES[:2] if quick else MEDIAN_SIZES:
        times, weights = median_instance(m, n, seed=m)
        progress(f"p-median {m} x {n}, k = {k} ...")
        ours = p_median(times, weights, k, time_limit_s=time_limit_s)
        plain = p_median(times, weights, k, time_limit_s=time_limit_s, greedy_start=False)
        center = p_center(times, k, time_limit_s=time_limit_s)
        rows.append({"model": "p_median", "size": f"{m} x {n}, k={k}", "ours": _row(ours), "plain_highs": _row(plain),
                     "greedy_objective": ours.greedy_objective})
        rows.append({"model": "p_center", "size": f"{m} x {n}, k={k}", "ours": _row(center), "plain_highs": None,
                     "greedy_objective": center.greedy_objective})
    return {"benchmark": "solvers", "time_limit_s": time_limit_s, "rows": rows, "peak_rss_mb": round(peak_rss_mb(), 1)}


def _cell(value, digits: int = 1) -> str:
    if value is None:
        return "-"
    return f"{value:.{digits}%}" if digits < 0 else f"{value:,.{digits}f}"


def report_text(result: dict) -> str:
    lines = [f"solvers (time limit {result['time_limit_s']:g} s each; seconds include everything; wall clock on a shared "
             "machine: trust objectives and ratios)",
             f"{'model':10} {'size':18} {'ours: obj / bound / gap / s':42} {'plain HiGHS: obj / bound / gap / s':42} "
             f"{'greedy':>10}  time to the same gap"]
    for row in result["rows"]:
        def side(r):
            if r is None:
                return "(radius search; no plain model)"
            gap = "-" if r["gap"] is None else f"{r['gap']:.2%}"
            return f"{_cell(r['objective'])} / {_cell(r['bound'])} / {gap} / {r['seconds']:.1f} s ({r['status']})"

        to_gap = ""
        if "same_gap" in row and row["same_gap"] is not None:
            def took(value):
                return "not reached" if value is None else f"{value:.1f} s"
            to_gap = (f"{row['same_gap']:.2%}: ours {took(row['ours_seconds_to_gap'])}, plain {took(row['plain_seconds_to_gap'])}"
                      + (f" ({row['time_ratio_to_same_gap']:.1f}x)" if row["time_ratio_to_same_gap"] else ""))
        lines.append(f"{row['model']:10} {row['size']:18} {side(row['ours']):42} {side(row['plain_highs']):42} "
                     f"{_cell(row['greedy_objective']):>10}  {to_gap}")
    lines.append(f"peak memory {result['peak_rss_mb']:.0f} MB")
    return "\n".join(lines)


if __name__ == "__main__":
    bench_main(__doc__, run, report_text)
