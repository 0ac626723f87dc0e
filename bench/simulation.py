"""Simulation benchmark: 24 hours of the default city, 20 patrols on their routes, about 500 reports.

Prints the time of the event loop (dispatching every report with the product's recommendation) and,
apart, the time to prepare the patrols' day (routes planned by OR-Tools, 0.5 s each).

Usage: python -m bench.simulation [--json]   (or: patrol bench simulation)
"""

import time
from datetime import datetime
from zoneinfo import ZoneInfo

from bench.common import bench_main, demo_world, peak_rss_mb

__all__ = ["TARGETS", "run"]

TARGETS = {"simulation_s": 30.0}


def run(*, reports: int = 500, progress=lambda message: None) -> dict:
    """Run the benchmark (seconds)."""
    from planner.incidents import incidents_frame
    from planner.sim_plans import build_plan
    from planner.simulation import generate_reports, simulate
    from planner.zones import list_versions

    city, store, blocks = demo_world(progress)
    version = list_versions(store, city)[-1]["version"]
    day = datetime(2026, 11, 27)
    progress("planning the patrols' routes ...")
    started = time.perf_counter()
    _, timelines, zones = build_plan(store, city, blocks, str(version), day=day)
    prepare_s = time.perf_counter() - started
    history = incidents_frame(store, city.slug, category="stray_dog")
    daily = len(history) / 30.0
    stream = generate_reports(city, history, hours=24, seed=1, categories=["stray_dog"], scale=reports / daily)
    progress(f"simulating 24 h with {len(timelines)} patrols and {len(stream)} reports ...")
    started = time.perf_counter()
    result = simulate(city, timelines, stream, start=datetime(2026, 11, 27, tzinfo=ZoneInfo(city.profile.timezone)),
                      blocks_gdf=blocks, seed=1, zone_of_segment=zones)
    simulation_s = time.perf_counter() - started
    figures = {k: result.figures[k] for k in ("reports", "within_target_share", "p50_s", "p95_s", "never_reached",
                                              "mean_utilisation")}
    out = {"benchmark": "simulation", "city": city.slug, "patrols": len(timelines), "hours": 24,
           "simulation_s": round(simulation_s, 2), "prepare_routes_s": round(prepare_s, 2),
           "per_report_ms": round(simulation_s * 1e3 / max(1, len(stream)), 2), **figures,
           "peak_rss_mb": round(peak_rss_mb(), 1), "targets": TARGETS}
    out["meets_targets"] = {"simulation_s": simulation_s <= TARGETS["simulation_s"]}
    return out


def report_text(result: dict) -> str:
    """People-readable summary."""
    return "\n".join([
        f"simulation on {result['city']}: {result['hours']} h, {result['patrols']} patrols, {result['reports']} reports",
        f"  event loop {result['simulation_s']} s ({result['per_report_ms']} ms a report); routes prepared in "
        f"{result['prepare_routes_s']} s",
        f"  within target {result['within_target_share']}, p50 {result['p50_s']} s, p95 {result['p95_s']} s, "
        f"never reached {result['never_reached']}, mean utilisation {result['mean_utilisation']}",
        f"  target simulation_s {result['targets']['simulation_s']}: "
        f"{'met' if result['meets_targets']['simulation_s'] else 'NOT met'}",
    ])


def main(argv=None) -> None:
    bench_main(__doc__, run, report_text, argv)


if __name__ == "__main__":
    main()
