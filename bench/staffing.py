"""Round-the-clock benchmark: the 168-hour coverage strip (``zones check --all-hours``) and the staffing
recommendation (``plan staffing``: analytic search, checked and corrected by the simulation) on the
benchmark's city, against a simulation-only search as the baseline.

The baseline knows the same pool and travel times but no queueing model: it starts with the one patrol per
hour that reaches most past dog reports in time, simulates the week, gives every hour the simulation finds
short the patrol that reaches most of that hour's reports not yet reached by two, and simulates again, until
no hour is short or the pool is spent. Both use the same report stream (seed). Figures: seconds (wall and
CPU), simulations run, patrol-hours per day and the simulated share; the ratio is baseline over ours. These
machines are shared: trust the CPU seconds and the ratio more than one wall-clock figure.
"""

import time

import numpy as np

from bench.common import bench_main, peak_rss_mb

__all__ = ["report_text", "run", "simulation_only_search"]


def _timed(work):
    wall, cpu = time.perf_counter(), time.process_time()
    value = work()
    return value, round(time.perf_counter() - wall, 2), round(time.process_time() - cpu, 2)


def simulation_only_search(store, city, model, *, target: float, scale: float, days: int, seed: int, max_rounds: int = 40,
                           progress=lambda message: None) -> dict:
    """The baseline (see the module): (roster rows, simulations, last simulation)."""
    from planner.staffing import HOURS, roster_rows, simulate_roster

    def most_reached(hour: int, chosen: list[int]) -> int | None:
        columns = model.columns(hour)
        reach = model.reach[:, columns]
        counted = reach[chosen].sum(axis=0) if chosen else np.zeros(reach.shape[1])
        open_reports = counted < 2
        rest = [j for j in range(len(model.pool)) if j not in chosen]
        return max(rest, key=lambda j: (int(reach[j, open_reports].sum()), -j)) if rest else None

    chosen_by_hour = {hour: [most_reached(hour, [])] for hour in HOURS}
    plan = {"target": target, "scale": scale, "hours": roster_rows(model, chosen_by_hour, target)}
    sim, simulations = simulate_roster(store, city, plan, days=days, seed=seed, pool=model.pool), 1
    for round_number in range(max_rounds):
        short = [h for h in HOURS if sim["by_hour"][h] is not None and sim["by_hour"][h] < target]
        progress(f"  baseline round {round_number + 1}: short hours {short}")
        grown = False
        for hour in short:
            best = most_reached(hour, chosen_by_hour[hour])
            if best is not None:
                chosen_by_hour[hour].append(best)
                grown = True
        if not grown:
            break
        plan["hours"] = roster_rows(model, chosen_by_hour, target)
        sim, simulations = simulate_roster(store, city, plan, days=days, seed=seed, pool=model.pool), simulations + 1
    return {"hours": plan["hours"], "simulations": simulations, "simulation": sim}


def run(*, target: float = 0.95, scale: float = 1.0, days: int = 7, seed: int = 0, progress=lambda message: None) -> dict:
    """Time the hourly strip, our staffing recommendation and the simulation-only baseline on the bench city."""
    from bench.common import demo_world
    from planner.hourly import hourly_coverage
    from planner.staffing import recommend_staffing, staffing_model
    from planner.zone_check import samples_for

    city, store, _ = demo_world(progress)
    samples = samples_for(city)
    progress("the 168-hour coverage strip ...")
    strip, strip_s, strip_cpu = _timed(lambda: hourly_coverage(store, city, samples))
    progress(f"staffing at target {target}, scale {scale} ...")
    ours, ours_s, ours_cpu = _timed(lambda: recommend_staffing(store, city, target=target, scale=scale, check_days=days,
                                                               seed=seed, progress=progress))
    progress("baseline: simulation-only search ...")
    model = staffing_model(store, city, scale)
    base, base_s, base_cpu = _timed(lambda: simulation_only_search(store, city, model, target=target, scale=scale, days=days,
                                                                   seed=seed, progress=progress))

    def summary(hours, share, seconds, cpu, simulations):
        return {"seconds": seconds, "cpu_s": cpu, "simulations": simulations, "simulated_share": share,
                "patrol_hours_per_day": int(sum(row["patrols"] for row in hours)),
                "max_patrols_in_an_hour": int(max(row["patrols"] for row in hours))}

    rows = strip["hours"]
    return {
        "benchmark": "staffing", "city": city.slug, "target": target, "scale": scale, "days": days, "seed": seed,
        "street_samples": int(len(samples.length_m)), "pool": len(model.pool), "dog_reports": int(model.reach.shape[1]),
        "hourly_strip": {"hours": len(rows), "seconds": strip_s, "cpu_s": strip_cpu},
        "ours": summary(ours["hours"], ours["simulation"]["share"], ours_s, ours_cpu, ours["simulations"]),
        "baseline": summary(base["hours"], base["simulation"]["share"], base_s, base_cpu, base["simulations"]),
        "ratio_cpu": round(base_cpu / ours_cpu, 2) if ours_cpu else None,
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "note": "ratio = baseline CPU s / ours; both simulate the same report stream (seed)",
    }


def report_text(result: dict) -> str:
    lines = [f"Round-the-clock benchmark on {result['city']}: {result['street_samples']} street samples, "
             f"{result['dog_reports']} past dog reports, pool of {result['pool']} patrols; target {result['target']}, "
             f"scale {result['scale']}, {result['days']} simulated days (seed {result['seed']}).",
             f"  168-hour coverage strip: {result['hourly_strip']['seconds']} s ({result['hourly_strip']['cpu_s']} CPU s)"]
    for name in ("ours", "baseline"):
        row = result[name]
        lines.append(f"  {name:8s}: {row['seconds']} s ({row['cpu_s']} CPU s), {row['simulations']} simulations, "
                     f"{row['patrol_hours_per_day']} patrol-hours a day (at most {row['max_patrols_in_an_hour']} at once), "
                     f"simulated share {row['simulated_share']}")
    lines.append(f"  ratio (baseline / ours, CPU): {result['ratio_cpu']}; peak RSS {result['peak_rss_mb']} MB")
    return "\n".join(lines)


if __name__ == "__main__":
    bench_main(__doc__, run, report_text)
