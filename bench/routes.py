"""Route benchmark: OR-Tools against a nearest-neighbour tour on the same stops, per patrol.

Stops are those `patrol routes plan` uses (key-block visits and top congestion points of each
patrol's zone); both tours are compared on travel time without time windows, as ordering quality.

Usage: python -m bench.routes [--json]   (or: patrol bench routes)
"""

import time
from datetime import datetime

import numpy as np

from bench.common import bench_main, demo_world, peak_rss_mb

__all__ = ["run"]


def run(*, time_limit_s: float = 3.0, progress=lambda message: None) -> dict:
    """Per patrol: stops, OR-Tools and nearest-neighbour tour seconds, improvement, solve time."""
    from planner.hotspots import find_hotspots
    from planner.incidents import incidents_frame
    from planner.patrols import list_patrols
    from planner.routes import nearest_neighbour_order, shift_window, solve_order, tour_time, zone_stops
    from planner.zones import load_version

    city, store, blocks = demo_world(progress)
    patrols = {p.id: p for p in list_patrols(store, city.slug)}
    _, plan = load_version(store, city)
    frame = incidents_frame(store, city.slug)
    hotspots = find_hotspots(frame, crs=city.crs, timezone=city.profile.timezone) if len(frame) else []
    day = datetime(2026, 11, 27)
    rows = []
    for zone in plan.zones:
        patrol = patrols.get(zone.patrol_ids[0]) if zone.patrol_ids else None
        if patrol is None:
            continue
        start, shift_s = shift_window(patrol, day, city.profile.timezone)
        stops = zone_stops(city, zone, blocks, hotspots, shift_s=shift_s, shift_start_local=start)
        unique = list({(s.lon, s.lat): s for s in stops}.values())
        if len(unique) < 3:
            continue
        router = city.router(patrol.mode)
        places = [router.snap(patrol.base_lon, patrol.base_lat)] + [router.snap(s.lon, s.lat) for s in unique]
        times = router.matrix(places, places)
        progress(f"{patrol.id}: {len(unique)} stops ...")
        started = time.perf_counter()
        order = solve_order(times, np.zeros(len(places)), [None] * len(places), 7 * 86400.0, time_limit_s=time_limit_s).order
        solve_s = time.perf_counter() - started
        ours, nearest = tour_time(times, order), tour_time(times, nearest_neighbour_order(times))
        rows.append({"patrol_id": patrol.id, "mode": patrol.mode, "stops": len(unique),
                     "ortools_s": round(ours, 1), "nearest_neighbour_s": round(nearest, 1),
                     "improvement": round(1 - ours / nearest, 4) if nearest else 0.0, "solve_s": round(solve_s, 2)})
    total_ours = sum(r["ortools_s"] for r in rows)
    total_nn = sum(r["nearest_neighbour_s"] for r in rows)
    return {"benchmark": "routes", "city": city.slug, "routes": rows, "ortools_total_s": round(total_ours, 1),
            "nearest_neighbour_total_s": round(total_nn, 1),
            "improvement": round(1 - total_ours / total_nn, 4) if total_nn else 0.0,
            "time_limit_s": time_limit_s, "peak_rss_mb": round(peak_rss_mb(), 1)}


def report_text(result: dict) -> str:
    """People-readable table."""
    lines = [f"route ordering on {result['city']}: OR-Tools ({result['time_limit_s']} s limit) vs nearest neighbour"]
    for r in result["routes"]:
        lines.append(f"  {r['patrol_id']:4s} {r['mode']:5s} {r['stops']:3d} stops: {r['ortools_s'] / 60:6.1f} vs "
                     f"{r['nearest_neighbour_s'] / 60:6.1f} min travel ({r['improvement']:.1%} shorter)")
    lines.append(f"  total: {result['ortools_total_s'] / 60:.1f} vs {result['nearest_neighbour_total_s'] / 60:.1f} min "
                 f"({result['improvement']:.1%} shorter); peak RSS {result['peak_rss_mb']} MB")
    return "\n".join(lines)


def main(argv=None) -> None:
    bench_main(__doc__, run, report_text, argv)


if __name__ == "__main__":
    main()
