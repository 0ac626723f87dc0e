"""Zones benchmark: the coverage check of every zone, and set covering for all streets.

Coverage check: the newest zone version of the default city (generated from the demo roster if
there is none), timed cold (first check in the process: street samples, routers and their tables
are built) and warm (as a running server does). Set covering: every street of the foot and e-bike
graphs within 30 minutes, solved to optimality by HiGHS, against the greedy heuristic.

Usage: python -m bench.zones [--json]   (or: patrol bench zones)
"""

import time

from bench.common import bench_main, demo_world, peak_rss_mb, target_lines

__all__ = ["TARGETS", "run"]

TARGETS = {"check_warm_s": 2.0, "set_cover_s": 60.0}


def run(*, progress=lambda message: None, modes=("foot", "ebike")) -> dict:
    """Run the benchmark (seconds)."""
    from planner.coverage import StreetSamples
    from planner.standby import city_set_cover
    from planner.zone_check import check_version

    city, store, _ = demo_world(progress)  # zones made here are not in the cold timing below
    progress("coverage check, cold ...")
    started = time.perf_counter()
    samples = StreetSamples.for_city(city)
    cold = check_version(store, city, samples=samples)
    cold_s = time.perf_counter() - started
    progress("coverage check, warm ...")
    started = time.perf_counter()
    warm = check_version(store, city, samples=samples)
    warm_s = time.perf_counter() - started
    covers = {}
    for mode in modes:
        progress(f"set covering on the {mode} graph ...")
        result = city_set_cover(city, mode, target_s=city.profile.target_s("stray_dog"))
        covers[mode] = {k: result[k] for k in ("status", "count", "greedy_count", "greedy_gap", "mip_gap",
                                               "seconds", "solve_seconds", "candidates", "demand_points",
                                               "uncoverable_points")}
    result = {
        "benchmark": "zones", "city": city.slug, "zones": len(warm["zones"]), "all_covered": warm["all_covered"],
        "worst_case_s": max(z["worst_case_s"] for z in warm["zones"]),
        "check_cold_s": round(cold_s, 3), "check_warm_s": round(warm_s, 3), "samples": int(len(samples.segment)),
        "set_cover": covers, "peak_rss_mb": round(peak_rss_mb(), 1), "targets": TARGETS,
    }
    assert cold["zones"] == warm["zones"]
    result["meets_targets"] = {
        "check_warm_s": warm_s <= TARGETS["check_warm_s"],
        "set_cover_s": all(c["seconds"] <= TARGETS["set_cover_s"] and c["status"] == "Optimal" for c in covers.values()),
    }
    return result


def report_text(result: dict) -> str:
    """People-readable summary."""
    lines = [f"zones on {result['city']}: {result['zones']} zones, all covered: {result['all_covered']}, "
             f"worst case {result['worst_case_s'] / 60:.1f} min",
             f"  coverage check of every zone ({result['samples']} street samples): cold {result['check_cold_s']} s "
             f"(builds samples, routers, tables), warm {result['check_warm_s']} s"]
    for mode, c in result["set_cover"].items():
        lines.append(f"  set covering {mode}: {c['count']} standby points ({c['status']}, {c['solve_seconds']} s solve, "
                     f"{c['seconds']} s in all; {c['candidates']} candidates x {c['demand_points']} demand points); "
                     f"greedy {c['greedy_count']} (gap {c['greedy_gap']:.0%})")
    return "\n".join(lines + target_lines(result))


def main(argv=None) -> None:
    bench_main(__doc__, run, report_text, argv)


if __name__ == "__main__":
    main()
