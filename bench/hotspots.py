"""Congestion-point benchmark: our DBSCAN (duplicates merged, weighted) against plain scikit-learn
DBSCAN, measured in the same run, each size in a fresh process so peak memory is its own.

Incidents are generated along the default city's streets (background weighted by street length,
planted clusters, and repeated reports of the same address as exact duplicates).

Usage: python -m bench.hotspots [--json] [--quick]   (or: patrol bench hotspots)
"""

import argparse
import json
import math
import subprocess
import sys
import time

import numpy as np

from bench.common import peak_rss_mb

__all__ = ["TARGETS", "run"]

TARGETS = {"seconds_1m": 60.0, "peak_mb_1m": 4096.0, "ari_50k": 0.99}
RADIUS_M = 50.0
AREA_KM2 = 70.0
DUPLICATE_SHARE = 0.3  # reports of an address already reported


def incidents_xy(n: int, *, seed: int = 0) -> np.ndarray:
    """``n`` incident positions (local metres) along the default city's streets."""
    import shapely

    from bench.common import bench_city_name
    from geo.city import get_city

    rng = np.random.default_rng(seed)
    router = get_city(bench_city_name()).router("foot")
    segments = router.segments
    n_unique = n - int(DUPLICATE_SHARE * n)
    n_hot = n_unique // 10
    picks = rng.choice(len(segments), size=n_unique - n_hot, p=segments.length_m / segments.length_m.sum())
    points = shapely.line_interpolate_point(segments.geometry_m[picks], rng.random(len(picks)), normalized=True)
    background = np.column_stack([shapely.get_x(points), shapely.get_y(points)])
    centres = background[rng.choice(len(background), size=max(1, n_hot // 500))]
    hot = centres[rng.integers(0, len(centres), n_hot)] + rng.normal(0, 15, (n_hot, 2))
    unique = np.vstack([background, hot])
    repeats = unique[rng.integers(0, len(unique), n - n_unique)]
    return np.vstack([unique, repeats])


def min_incidents_for(n: int) -> int:
    """Density-scaled threshold: four times the background count expected within the radius."""
    expected = n / (AREA_KM2 * 1e6) * math.pi * RADIUS_M**2
    return max(10, int(math.ceil(4 * expected)))


def _one(n: int, method: str, seed: int) -> dict:
    """Run one method on one size in this process; report time, clusters and peak memory."""
    xy = incidents_xy(n, seed=seed)
    min_samples = min_incidents_for(n)
    baseline_rss = peak_rss_mb()
    started = time.perf_counter()
    if method == "ours":
        from planner.hotspots import dbscan_labels

        labels = dbscan_labels(xy, radius_m=RADIUS_M, min_incidents=min_samples)
    else:
        from sklearn.cluster import DBSCAN

        labels = DBSCAN(eps=RADIUS_M, min_samples=min_samples).fit_predict(xy)
    seconds = time.perf_counter() - started
    return {"n": n, "method": method, "seconds": round(seconds, 3), "clusters": int(labels.max() + 1),
            "noise_share": round(float(np.mean(labels == -1)), 4), "min_samples": min_samples,
            "peak_rss_mb": round(peak_rss_mb(), 1), "rss_before_mb": round(baseline_rss, 1)}


def _in_child(n: int, method: str, seed: int, timeout_s: float) -> dict:
    command = [sys.executable, "-m", "bench.hotspots", "--one", str(n), method, "--seed", str(seed)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s, check=False)
    except subprocess.TimeoutExpired:
        return {"n": n, "method": method, "error": f"timed out after {timeout_s:.0f} s"}
    if done.returncode != 0:
        return {"n": n, "method": method, "error": (done.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(done.stdout)


def _agreement(n: int, seed: int) -> float:
    """Adjusted Rand index between our labels and plain scikit-learn DBSCAN on the same points."""
    from sklearn.cluster import DBSCAN
    from sklearn.metrics import adjusted_rand_score

    from planner.hotspots import dbscan_labels

    xy = incidents_xy(n, seed=seed)
    min_samples = min_incidents_for(n)
    ours = dbscan_labels(xy, radius_m=RADIUS_M, min_incidents=min_samples)
    plain = DBSCAN(eps=RADIUS_M, min_samples=min_samples).fit_predict(xy)
    return float(adjusted_rand_score(plain, ours))


def run(*, quick: bool = False, progress=lambda message: None, seed: int = 0) -> dict:
    """Run the benchmark; sizes 10k, 100k and 1M (quick: 10k and 100k)."""
    sizes = [10_000, 100_000] if quick else [10_000, 100_000, 1_000_000]
    rows = []
    for n in sizes:
        for method in ("ours", "sklearn"):
            progress(f"{method} on {n:,} incidents ...")
            rows.append(_in_child(n, method, seed, timeout_s=900))
    progress("agreement with plain DBSCAN on 50,000 incidents ...")
    ari = _agreement(50_000, seed)
    biggest = next((r for r in rows if r["n"] == 1_000_000 and r["method"] == "ours"), None)
    result = {"benchmark": "hotspots", "radius_m": RADIUS_M, "duplicate_share": DUPLICATE_SHARE, "runs": rows,
              "ari_50k": round(ari, 6), "targets": TARGETS}
    for n in sizes:
        ours = next(r for r in rows if r["n"] == n and r["method"] == "ours")
        base = next(r for r in rows if r["n"] == n and r["method"] == "sklearn")
        if "seconds" in ours and "seconds" in base:  # the baseline can fail (memory, time): then no ratio
            result[f"speedup_{n // 1000}k"] = round(base["seconds"] / max(ours["seconds"], 1e-9), 2)
            result[f"memory_ratio_{n // 1000}k"] = round(ours["peak_rss_mb"] / base["peak_rss_mb"], 2)
    result["meets_targets"] = {
        "seconds_1m": None if not biggest or "seconds" not in biggest else biggest["seconds"] <= TARGETS["seconds_1m"],
        "peak_mb_1m": None if not biggest or "peak_rss_mb" not in biggest else biggest["peak_rss_mb"] <= TARGETS["peak_mb_1m"],
        "ari_50k": ari >= TARGETS["ari_50k"],
    }
    return result


def report_text(result: dict) -> str:
    """People-readable table of a hotspot benchmark result."""
    lines = [f"congestion points: DBSCAN, radius {result['radius_m']} m, {result['duplicate_share']:.0%} repeated addresses"]
    for row in result["runs"]:
        if "seconds" in row:
            lines.append(f"  {row['n']:>9,} {row['method']:8s} {row['seconds']:8.2f} s  peak {row['peak_rss_mb']:8.1f} MB  "
                         f"{row['clusters']} clusters (min_samples {row['min_samples']})")
        else:
            lines.append(f"  {row['n']:>9,} {row['method']:8s} {row.get('skipped') or row.get('error')}")
    for key in [k for k in result if k.startswith(("speedup_", "memory_ratio_"))]:
        lines.append(f"  {key}: {result[key]}x")
    lines.append(f"  adjusted Rand index vs plain DBSCAN on 50k: {result['ari_50k']}")
    for key, ok in result["meets_targets"].items():
        lines.append(f"  target {key} {result['targets'][key]}: {'not measured' if ok is None else ('met' if ok else 'NOT met')}")
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--quick", action="store_true", help="skip the 1-million-incident run")
    parser.add_argument("--one", nargs=2, metavar=("N", "METHOD"), help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(_one(int(args.one[0]), args.one[1], args.seed)))
        return
    result = run(quick=args.quick, seed=args.seed, progress=lambda m: print(m, file=sys.stderr))
    print(json.dumps(result, indent=2) if args.json else report_text(result))


if __name__ == "__main__":
    main()
