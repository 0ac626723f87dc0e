"""Staffing per hour: the fewest patrols on duty, hour by hour, that keep the dog-report promise at the
forecast report rate, recommended analytically and checked by the simulation on the same report stream.

- Forecast: each hour of the day's report rate (all categories: they all keep patrols busy) and dog-report
  rate from the stored history, times ``scale`` (growth); shifts and rates repeat every day.
- Analytic model (Daskin's expected covering, the hypercube approximation with independent busy patrols):
  a patrol is busy a fraction ``rho = rate x service time / patrols`` of the hour (an Erlang-type load
  split evenly; service = mean travel to the report + mean handling); a past dog report reached within
  target by ``n`` of the chosen patrols is reached in time with probability ``1 - rho^n``. The share is the
  mean over the hour's past dog reports (all dog reports when the hour has none).
- Recommendation: patrols are taken one at a time from the roster's pool (its patrols with their modes
  and bases, whatever their shifts), each the one that raises the analytic share most, until the share meets
  the target (at least one patrol every hour: the promise holds day and night).
- Check: the simulation (``planner.simulation``) runs the recommended roster (each patrol on duty in the
  hours that chose it) over whole days on a Poisson stream with the history's rates (same seed), and
  reports the share of dog reports reached within target per hour beside the analytic figure.
"""

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from planner.coverage import StreetSamples, response_times
from planner.patrols import list_patrols
from planner.simulation import PatrolTimeline, generate_reports, mean_handling_s, simulate

__all__ = ["HOURS", "StaffingError", "StaffingModel", "expected_share", "forecast_rates", "recommend_staffing", "roster_rows",
           "roster_tables", "roster_xlsx", "simulate_roster", "staffing_model"]

HOURS = range(24)
EXTRA_PER_BASE = 2  # extra patrols a recommendation may put at each roster base


class StaffingError(ValueError):
    """Staffing cannot be recommended from these inputs (no history, no roster, a bad target)."""


@dataclass
class HourRates:
    """Reports per hour by hour of the day (local): all categories and dog reports."""

    all_per_h: np.ndarray
    dog_per_h: np.ndarray
    days: float


def forecast_rates(history: pd.DataFrame, timezone: str, *, scale: float = 1.0) -> HourRates:
    """Reports per hour for each hour of the day, from the history's span (days) times ``scale``."""
    if history.empty:
        raise StaffingError("no incident history to forecast from (try: patrol incidents generate)")
    local = pd.to_datetime(history["reported_at"]).dt.tz_localize("UTC").dt.tz_convert(ZoneInfo(timezone))
    days = max(1.0, (local.max() - local.min()).total_seconds() / 86400.0)
    hours = local.dt.hour.to_numpy()
    dogs = (history["category"] == "stray_dog").to_numpy()
    return HourRates(scale * np.bincount(hours, minlength=24) / days,
                     scale * np.bincount(hours[dogs], minlength=24) / days, days)


def expected_share(reach: np.ndarray, chosen: list[int], rho: float) -> float:
    """Mean over reports (columns of ``reach``, patrol x report within target) of 1 - rho^n, n = chosen
    patrols that reach the report in time (Daskin's expected covering)."""
    if reach.shape[1] == 0:
        return 1.0
    n = reach[chosen].sum(axis=0) if chosen else np.zeros(reach.shape[1])
    return float(np.mean(1.0 - np.power(rho, n)))


def _busy(rate_per_h: float, service_s: float, patrols: int) -> float:
    """The busy fraction of each of ``patrols`` patrols (capped below 1: a saturated hour)."""
    return float(min(0.999, rate_per_h * service_s / 3600.0 / max(patrols, 1)))


@dataclass
class StaffingModel:
    """What the hour-by-hour search needs: the pool, travel times to past dog reports, rates."""

    pool: list
    times: np.ndarray  # patrol x dog report, seconds (with turnout)
    reach: np.ndarray  # within target
    local_hour: np.ndarray  # of each dog report
    rates: HourRates

    def columns(self, hour: int) -> np.ndarray:
        mine = self.local_hour == hour
        return mine if mine.any() else np.ones(len(self.local_hour), dtype=bool)

    def share(self, hour: int, chosen: list[int]) -> tuple[float, float]:
        """(analytic share, busy fraction) of ``chosen`` pool indices in ``hour``."""
        columns = self.columns(hour)
        travel = float(np.mean(np.min(self.times[chosen][:, columns], axis=0))) if columns.any() else 0.0
        rho = _busy(self.rates.all_per_h[hour], mean_handling_s() + min(travel, 3600.0), len(chosen))
        return expected_share(self.reach[:, columns], chosen, rho), rho

    def next_best(self, hour: int, chosen: list[int]) -> int | None:
        rest = [j for j in range(len(self.pool)) if j not in chosen]
        if not rest:
            return None
        return max(rest, key=lambda j: (self.share(hour, chosen + [j])[0], -j))


def staffing_model(store, city, scale: float, progress=lambda message: None) -> StaffingModel:
    """The pool (roster and extra patrols at its bases), their travel times to past dog reports, the rates."""
    from planner.incidents import incidents_frame

    roster = list_patrols(store, city.slug)
    if not roster:
        raise StaffingError("no patrols in the store to staff from (try: patrol patrols demo)")
    # The pool: the roster, then extra patrols of the same modes at the same bases (a recommendation may
    # need more patrols than the roster has; they are named <id>+1, <id>+2).
    pool = roster + [replace(p, id=f"{p.id}+{n}", call_sign=f"{p.call_sign}+{n}") for n in range(1, EXTRA_PER_BASE + 1)
                     for p in roster]
    history = incidents_frame(store, city.slug)
    rates = forecast_rates(history, city.profile.timezone, scale=scale)
    dogs = history[history["category"] == "stray_dog"]
    if dogs.empty:
        raise StaffingError("no stray-dog reports in the history (try: patrol incidents generate)")
    points = StreetSamples.for_points(dogs["lon"], dogs["lat"])
    progress(f"travel times from {len(pool)} patrol bases to {len(dogs)} past dog reports ...")
    times = np.array([response_times(city, points, [(p.mode, p.base_lon, p.base_lat)]) for p in pool])
    local_hour = pd.to_datetime(dogs["reported_at"]).dt.tz_localize("UTC").dt.tz_convert(
        ZoneInfo(city.profile.timezone)).dt.hour.to_numpy()
    return StaffingModel(pool, times, times <= city.profile.target_s("stray_dog"), local_hour, rates)


def roster_rows(model: StaffingModel, chosen_by_hour: dict[int, list[int]], target: float) -> list[dict]:
    """One row per hour of the day: the chosen pool patrols (ids, by mode) and the analytic figures."""
    rows = []
    for hour in HOURS:
        chosen = chosen_by_hour[hour]
        share, rho = model.share(hour, chosen)
        rows.append({"hour": hour, "patrol_ids": sorted(model.pool[j].id for j in chosen), "patrols": len(chosen),
                     "patrols_by_mode": {m: sum(1 for j in chosen if model.pool[j].mode == m) for m in ("foot", "ebike", "car")},
                     "analytic_share": round(share, 4), "busy_fraction": round(rho, 4),
                     "reports_per_h": round(float(model.rates.all_per_h[hour]), 3),
                     "dog_reports_per_h": round(float(model.rates.dog_per_h[hour]), 3),
                     "analytic_meets_target": share >= target})
    return rows


def recommend_staffing(store, city, *, target: float = 0.95, scale: float = 1.0, check_days: int = 7, seed: int = 0,
                       rounds: int = 6, progress=lambda message: None) -> dict:
    """Per hour of the day: the recommended patrols (ids, by mode), the analytic share and busy fraction, and
    the simulated share (``check_days`` days, ``seed``). The analytic roster is checked by the simulation;
    an hour the simulation finds short gets the next-best patrols (up to ``rounds`` rounds). In the binding
    hour (the most patrols) one patrol fewer is simulated too (``one_fewer``): dropped while still enough."""
    if not 0 < target < 1:
        raise StaffingError(f"target must be a share between 0 and 1 (e.g. 0.95); got {target}")
    model = staffing_model(store, city, scale, progress)
    chosen_by_hour: dict[int, list[int]] = {}
    for hour in HOURS:  # analytic: add the best patrol until the share meets the target (at least one)
        chosen: list[int] = []
        while not chosen or model.share(hour, chosen)[0] < target:
            best = model.next_best(hour, chosen)
            if best is None:
                break
            chosen.append(best)
        chosen_by_hour[hour] = chosen
    plan = {"target": target, "scale": scale, "hours": roster_rows(model, chosen_by_hour, target)}
    sim = simulate_roster(store, city, plan, days=check_days, seed=seed, pool=model.pool)
    simulations = 1
    for round_number in range(rounds):  # the simulation's short hours get the next-best patrols
        short = [h for h in HOURS if sim["by_hour"][h] is not None and sim["by_hour"][h] < target]
        progress(f"simulation round {round_number + 1}: {sim['share']} of dog reports in time; short hours {short}")
        grown = False
        for hour in short:
            for _ in range(1 if sim["by_hour"][hour] >= target - 0.1 else 3):
                best = model.next_best(hour, chosen_by_hour[hour])
                if best is not None:
                    chosen_by_hour[hour].append(best)
                    grown = True
        if not grown:
            break
        plan["hours"] = roster_rows(model, chosen_by_hour, target)
        sim = simulate_roster(store, city, plan, days=check_days, seed=seed, pool=model.pool)
        simulations += 1
    # The binding hour (the most patrols): is one patrol fewer still enough? Then drop it (up to 3 times).
    binding = max(HOURS, key=lambda h: (len(chosen_by_hour[h]), h))
    one_fewer = None
    for _ in range(3):
        if len(chosen_by_hour[binding]) <= 1 or (sim["by_hour"][binding] or 0) < target:
            break
        last = chosen_by_hour[binding][-1]
        trial = simulate_roster(store, city, plan, days=check_days, seed=seed, pool=model.pool,
                                drop=(binding, model.pool[last].id))
        simulations += 1
        one_fewer = {"patrol_id": model.pool[last].id, "share": trial["by_hour"][binding]}
        if trial["by_hour"][binding] is None or trial["by_hour"][binding] < target:
            break
        chosen_by_hour[binding].pop()
        plan["hours"] = roster_rows(model, chosen_by_hour, target)
        sim, one_fewer = trial, None
    for row in plan["hours"]:
        row["simulated_share"] = sim["by_hour"][row["hour"]]
        row["meets_target"] = row["simulated_share"] is None or row["simulated_share"] >= target
    extra = sorted({pid for row in plan["hours"] for pid in row["patrol_ids"] if "+" in pid})
    return plan | {"history_days": round(model.rates.days, 1),
                   "simulation": {k: sim[k] for k in ("days", "seed", "dog_reports", "share")}, "simulations": simulations,
                   "binding_hour": binding, "one_fewer": one_fewer, "roster_size": len(model.pool) // (EXTRA_PER_BASE + 1),
                   "extra_patrols": extra,
                   "short_hours": [r["hour"] for r in plan["hours"] if not r["meets_target"]],
                   "positions": [{"patrol_id": p.id, "mode": p.mode, "lon": p.base_lon, "lat": p.base_lat}
                                 for p in model.pool if any(p.id in r["patrol_ids"] for r in plan["hours"])]}


def roster_tables(result: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A recommendation as tables a squadron can print: hours (patrols by mode, shares) and patrols (mode,
    WGS-84 base, hours on duty; ``new`` for patrols beyond the roster)."""
    from planner.lists import export_frame

    hours = export_frame([{"hour": f"{r['hour']:02d}:00-{r['hour'] + 1:02d}:00", "patrols": r["patrols"],
                           **dict(r["patrols_by_mode"]), "patrol_ids": " ".join(r["patrol_ids"]),
                           "analytic_share": r["analytic_share"], "simulated_share": r["simulated_share"],
                           "reports_per_h": r["reports_per_h"]} for r in result["hours"]])
    on_duty: dict[str, list[int]] = {}
    for row in result["hours"]:
        for pid in row["patrol_ids"]:
            on_duty.setdefault(pid, []).append(row["hour"])
    where = {p["patrol_id"]: p for p in result["positions"]}
    patrols = export_frame([{"patrol_id": pid, "mode": where[pid]["mode"], "lon": where[pid]["lon"], "lat": where[pid]["lat"],
                             "hours_on_duty": len(hs), "hours": " ".join(f"{h:02d}" for h in sorted(hs)),
                             "new": "+" in pid} for pid, hs in sorted(on_duty.items())])
    return hours, patrols


def roster_xlsx(result: dict, target) -> None:
    """Write the recommendation's two tables (sheets ``hours`` and ``patrols``) to ``target`` (path or file)."""
    hours, patrols = roster_tables(result)
    with pd.ExcelWriter(target, engine="openpyxl") as writer:
        hours.to_excel(writer, sheet_name="hours", index=False)
        patrols.to_excel(writer, sheet_name="patrols", index=False)


class HoursTimeline(PatrolTimeline):
    """A patrol standing at its base and on duty in the given local hours of each day."""

    def __init__(self, patrol, hours: set[int]):
        super().__init__(patrol, np.array([0.0]), np.array([patrol.base_lon]), np.array([patrol.base_lat]), 0.0, 86400.0)
        self.hours = hours

    def on_shift(self, t_s: float) -> bool:
        return int((t_s % 86400.0) // 3600.0) in self.hours

    def shift_starts(self, horizon_s: float) -> list[float]:
        return [day * 86400.0 + hour * 3600.0 for day in range(int(horizon_s // 86400.0) + 1) for hour in sorted(self.hours)
                if day * 86400.0 + hour * 3600.0 <= horizon_s]


def simulate_roster(store, city, plan: dict, *, days: int = 7, seed: int = 0, drop: tuple[int, str] | None = None,
                    pool=None) -> dict:
    """The simulated share of dog reports within target per hour for a roster from ``recommend_staffing``
    (``drop``: (hour, patrol id) left out, to test one patrol fewer). Same ``seed``, same report stream."""
    from planner.incidents import incidents_frame

    pool = {p.id: p for p in (pool or list_patrols(store, city.slug))}
    hours_of: dict[str, set[int]] = {}
    for row in plan["hours"]:
        for pid in row["patrol_ids"]:
            if drop is None or (row["hour"], pid) != drop:
                hours_of.setdefault(pid, set()).add(row["hour"])
    timelines = [HoursTimeline(pool[pid], hours) for pid, hours in hours_of.items() if pid in pool]
    history = incidents_frame(store, city.slug)
    reports = generate_reports(city, history, hours=24.0 * days, seed=seed, scale=plan["scale"])
    tz = ZoneInfo(city.profile.timezone)
    start = datetime(2026, 1, 5, tzinfo=tz)  # a Monday midnight: hours of the simulation are local hours
    result = simulate(city, timelines, reports, start=start, seed=seed, hours=24.0 * days)
    frame = result.frame()
    dogs = frame[frame["category"] == "stray_dog"]
    local_hours = np.array([(start + timedelta(seconds=float(t))).hour for t in dogs["t_s"]], dtype=int)
    within = (dogs["response_s"].notna() & (dogs["response_s"] <= dogs["target_s"])).to_numpy()
    by_hour = {hour: (round(float(within[local_hours == hour].mean()), 4) if (local_hours == hour).any() else None)
               for hour in HOURS}
    return {"days": days, "seed": seed, "dog_reports": int(len(dogs)),
            "share": round(float(within.mean()), 4) if len(dogs) else None, "by_hour": by_hour}
