"""Dispatch benchmark: recommendations for random reports with 100 patrols of mixed modes.

Ours: one reverse tree per mode, snapping, ranking, coverage-aware choice and the route geometry
of the top 3, in-process. Baseline, in the same run: networkx, one shortest-path search per patrol
(node to node) plus its path for the top 3.

Usage: python -m bench.dispatch [--json] [--incidents N]   (or: patrol bench dispatch)
"""

import argparse
import json
import statistics
import sys
import time
from datetime import datetime

import networkx as nx
import numpy as np

from bench.common import open_store, peak_rss_mb, target_lines
from geo.errors import CoordinateError

__all__ = ["TARGETS", "run"]

TARGETS = {"median_ms": 5.0, "p95_ms": 20.0}
NOON_UTC = datetime(2026, 11, 27, 4, 0)  # 12:00 in Chengdu


def _patrols(city, count: int):
    from planner.models import Patrol
    from planner.patrols import demo_roster

    foot, car = int(0.4 * count), int(0.2 * count)
    roster = demo_roster(city, foot=foot, ebike=count - foot - car, car=car, seed=1)
    return [Patrol(city=city.slug, version=1, last_lon=None, last_lat=None, last_seen_at=None, **row) for row in roster]


def _random_reports(city, count: int, seed: int):
    router = city.router("foot")
    rng = np.random.default_rng(seed)
    segments = rng.choice(len(router.segments), count, p=router.segments.length_m / router.segments.length_m.sum())
    points = [router.segments.geometry_wgs84[s].interpolate(rng.random(), normalized=True) for s in segments]
    return [(p.x, p.y) for p in points]


def _networkx_recommend(city, patrols, lon, lat, snaps_by_mode):
    """Baseline: a networkx search per patrol from its nearest node, then paths for the top 3."""
    etas = []
    for patrol in patrols:
        router = city.router(patrol.mode)
        start = snaps_by_mode[(patrol.mode, patrol.id)]
        try:
            end = router.snap(lon, lat)
        except CoordinateError:  # no street of this mode near the report: the patrol cannot reach it
            continue
        source = router.network.node_ids[start.leave[0][0]]
        target = router.network.node_ids[end.arrive[0][0]]
        try:
            etas.append((nx.shortest_path_length(router.graph, source, target, weight="travel_time"), patrol, source, target))
        except nx.NetworkXNoPath:
            continue
    etas.sort(key=lambda item: item[0])
    for _, patrol, source, target in etas[:3]:
        nx.shortest_path(city.router(patrol.mode).graph, source, target, weight="travel_time")
    return etas


def run(*, incidents: int = 1000, patrols: int = 100, baseline_incidents: int = 20, seed: int = 0,
        progress=lambda message: None, city=None) -> dict:
    """Run the benchmark; times in milliseconds."""
    from planner.dispatch import Dispatcher
    from planner.key_blocks import load_blocks

    if city is None:
        from bench.common import bench_city_name
        from geo.city import get_city

        city = get_city(bench_city_name(), progress=progress)
    if city.router("foot").network.size > 20_000:  # networkx takes about 20 s a report on a Haining-sized city
        baseline_incidents = min(baseline_incidents, 3)
    roster = _patrols(city, patrols)
    dispatcher = Dispatcher(city, load_blocks(open_store(), city, progress=progress))
    reports = _random_reports(city, incidents, seed)
    progress("warming up (routers, all-pairs tables, patrol snaps) ...")
    started = time.perf_counter()
    dispatcher.recommend(roster, *reports[0], now=NOON_UTC)
    warm_s = time.perf_counter() - started
    progress(f"{incidents} recommendations with {patrols} patrols ...")
    times = []
    for lon, lat in reports:
        started = time.perf_counter()
        dispatcher.recommend(roster, lon, lat, now=NOON_UTC)
        times.append(time.perf_counter() - started)
    times_ms = np.array(times) * 1e3
    progress(f"networkx baseline on {baseline_incidents} reports ...")
    snaps = {(p.mode, p.id): city.router(p.mode).snap(p.base_lon, p.base_lat) for p in roster}
    available = [p for p in roster if p.shift_start == "08:00"]
    base = []
    for lon, lat in reports[:baseline_incidents]:
        started = time.perf_counter()
        _networkx_recommend(city, available, lon, lat, snaps)
        base.append(time.perf_counter() - started)
    ours_median = float(np.median(times_ms))
    base_median = statistics.median(base) * 1e3
    result = {
        "benchmark": "dispatch", "city": city.slug, "patrols": patrols, "incidents": incidents,
        "modes": {m: sum(p.mode == m for p in roster) for m in ("foot", "ebike", "car")},
        "median_ms": round(ours_median, 3), "p95_ms": round(float(np.percentile(times_ms, 95)), 3),
        "max_ms": round(float(times_ms.max()), 3), "warm_up_s": round(warm_s, 3),
        "networkx_median_ms": round(base_median, 1), "networkx_incidents": baseline_incidents,
        "speedup": round(base_median / ours_median, 1), "peak_rss_mb": round(peak_rss_mb(), 1), "targets": TARGETS,
    }
    result["meets_targets"] = {k: result[k] <= v for k, v in TARGETS.items()}
    return result


def report_text(result: dict) -> str:
    """People-readable summary."""
    lines = [
        f"dispatch on {result['city']}: {result['patrols']} patrols {result['modes']}, {result['incidents']} reports",
        f"  ours: median {result['median_ms']} ms, p95 {result['p95_ms']} ms, max {result['max_ms']} ms "
        f"(first call {result['warm_up_s']} s builds routers and tables)",
        f"  networkx per patrol: median {result['networkx_median_ms']} ms over {result['networkx_incidents']} reports "
        f"-> speedup {result['speedup']}x; peak RSS {result['peak_rss_mb']} MB",
    ]
    return "\n".join(lines + target_lines(result))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--incidents", type=int, default=1000)
    args = parser.parse_args(argv)
    result = run(incidents=args.incidents, progress=lambda m: print(m, file=sys.stderr))
    print(json.dumps(result, indent=2) if args.json else report_text(result))


if __name__ == "__main__":
    main()
