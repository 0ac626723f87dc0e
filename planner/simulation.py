"""Shift simulation: what share of reports is reached within target under a plan.

A discrete-event simulation (event queue in simulated seconds) of ``hours`` hours:

- Reports arrive as a Poisson process per category and hour of day, with rates from the stored
  history; each lands on a street segment drawn in proportion to that category's past reports on
  it (plus a little everywhere, by street length), at a random point of the segment.
- Patrols ride their planned routes (position = the last route node passed, or the stop they are
  at), or stand at their base when the plan has no routes; a patrol off shift cannot be sent.
- Each report is dispatched with the product's own recommendation (coverage-aware by default) to an
  available patrol; the response is the wait for a free patrol plus its ETA (travel + turnout).
  A report no patrol can reach waits in a queue for the next free patrol; unserved at the end, it
  is "never reached".
- Handling takes a lognormal time (median 15 min); the patrol then rides back to its route (the
  ride takes the travel time back, from the incident to where its route is by then).

The same seed gives the same report stream, so two plans are compared on identical reports.
"""

import heapq
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import shapely

from planner.dispatch import Dispatcher
from planner.patrols import PatrolUnit

__all__ = ["HANDLING_MEDIAN_S", "HANDLING_SIGMA", "PatrolTimeline", "SimReport", "SimulationResult", "generate_reports",
           "late_reports_geojson", "mean_handling_s", "response_chart", "simulate", "timeline_from_route"]

HANDLING_MEDIAN_S = 900.0  # a report's handling on site (s): lognormal with this median ...
HANDLING_SIGMA = 0.5  # ... and this sigma of its logarithm


def mean_handling_s(median_s: float = HANDLING_MEDIAN_S, sigma: float = HANDLING_SIGMA) -> float:
    """The mean handling time (s) of the lognormal handling the simulation draws."""
    return float(median_s * np.exp(sigma**2 / 2))


@dataclass
class SimReport:
    """A simulated report and what happened to it (times in seconds from the simulation start)."""

    id: int
    category: str
    lon: float
    lat: float
    t_s: float
    segment: int
    patrol_id: str | None = None
    dispatched_s: float | None = None
    eta_s: float | None = None
    response_s: float | None = None
    target_s: float = 1800.0
    position: tuple[float, float] | None = None  # the patrol's position when dispatched


@dataclass
class PatrolTimeline:
    """Where a patrol is along its route: (seconds from shift start, lon, lat) points, and its shift."""

    patrol: PatrolUnit
    times_s: np.ndarray
    lons: np.ndarray
    lats: np.ndarray
    shift_start_s: float  # from the simulation start
    shift_s: float

    def position(self, t_s: float) -> tuple[float, float]:
        """WGS-84 position at simulation time ``t_s`` (the route repeats if the shift is longer)."""
        if len(self.times_s) == 0:
            return self.patrol.base_lon, self.patrol.base_lat
        local = (t_s - self.shift_start_s) % max(self.times_s[-1], 1.0)
        i = max(0, int(np.searchsorted(self.times_s, local, side="right")) - 1)
        return float(self.lons[i]), float(self.lats[i])

    def on_shift(self, t_s: float) -> bool:
        """True while the patrol is on shift."""
        return (t_s - self.shift_start_s) % 86400.0 < self.shift_s

    def shift_starts(self, horizon_s: float) -> list[float]:
        """Simulation seconds (0..``horizon_s``) at which the patrol comes on duty."""
        starts = (self.shift_start_s + day * 86400.0 for day in range(int(np.ceil(horizon_s / 86400.0)) + 1))
        return [s for s in starts if 0.0 <= s <= horizon_s]


@dataclass
class SimulationResult:
    """Figures of one simulated plan."""

    name: str
    reports: list[SimReport]
    utilisation: dict[str, float]
    hours: float
    timezone: str
    figures: dict = field(default_factory=dict)

    def frame(self) -> pd.DataFrame:
        """One row per report."""
        return pd.DataFrame([r.__dict__ for r in self.reports])


def timeline_from_route(city, patrol: PatrolUnit, route, shift_start_s: float) -> PatrolTimeline:
    """Positions along a planned route: every node of every leg with its time, and the stops."""
    router = city.router(route.mode)
    base = router.snap(patrol.base_lon, patrol.base_lat)
    places = [base] + [router.snap(s.lon, s.lat) for s in route.stops] + [base]
    departures = [0.0] + [s.arrival_s + s.dwell_s for s in route.stops]
    times, lons, lats = [], [], []
    for k in range(len(places) - 1):
        leg = router.route(places[k], places[k + 1])
        clock = departures[k]
        xs, ys = [], []
        previous = None
        for node in leg.nodes:
            data = router.graph.nodes[node]
            if previous is not None:
                edge = router.network.fastest_edge(router.network.index[previous], router.network.index[node])
                clock += router.network.edge_time_s[edge]
            xs.append(data["x"])
            ys.append(data["y"])
            times.append(clock)
            previous = node
        lons.extend(xs)
        lats.extend(ys)
        if k < len(route.stops):
            stop = route.stops[k]
            times.append(stop.arrival_s)
            lons.append(stop.lon)
            lats.append(stop.lat)
    order = np.argsort(times, kind="stable")
    return PatrolTimeline(patrol, np.asarray(times)[order], np.asarray(lons)[order], np.asarray(lats)[order],
                          shift_start_s, route.shift_s)


def static_timeline(patrol: PatrolUnit, shift_start_s: float, shift_s: float) -> PatrolTimeline:
    """A patrol standing at its base all shift."""
    return PatrolTimeline(patrol, np.array([0.0]), np.array([patrol.base_lon]), np.array([patrol.base_lat]),
                          shift_start_s, shift_s)


def generate_reports(city, history: pd.DataFrame, *, hours: float, seed: int, categories=None,
                     scale: float = 1.0, background_share: float = 0.1) -> list[SimReport]:
    """A Poisson stream of reports with the history's rates per category and hour (see the module)."""
    rng = np.random.default_rng(seed)
    segments = city.router("foot").segments
    if history.empty:
        raise ValueError("no incident history to take rates from (try: patrol incidents generate)")
    tz = ZoneInfo(city.profile.timezone)
    local = pd.to_datetime(history["reported_at"]).dt.tz_localize("UTC").dt.tz_convert(tz)
    days = max(1.0, (local.max() - local.min()).total_seconds() / 86400.0)
    located = segments.locate(history["lon"].to_numpy(), history["lat"].to_numpy())
    history = history.assign(hour=local.dt.hour.to_numpy(), segment=located["segment"])
    categories = categories or sorted(history["category"].unique())
    by_length = segments.length_m / segments.length_m.sum()
    reports = []
    for hour_index in range(int(np.ceil(hours))):
        hour = hour_index % 24
        for category in categories:
            past = history[(history["category"] == category) & (history["hour"] == hour)]
            rate = scale * len(past) / days
            count = rng.poisson(rate * min(1.0, hours - hour_index))
            if count == 0:
                continue
            weights = np.bincount(past["segment"], minlength=len(segments)).astype(float)
            weights = (1 - background_share) * weights / max(weights.sum(), 1.0) + background_share * by_length
            chosen = rng.choice(len(segments), size=count, p=weights / weights.sum())
            fractions = rng.random(count)
            points = shapely.line_interpolate_point(segments.geometry_wgs84[chosen], fractions, normalized=True)
            times = hour_index * 3600.0 + np.sort(rng.random(count)) * 3600.0
            for seg, point, t in zip(chosen, points, times, strict=True):
                reports.append(SimReport(0, category, point.x, point.y, float(t), int(seg),
                                         target_s=city.profile.target_s(category)))
    reports.sort(key=lambda r: r.t_s)
    for i, report in enumerate(reports):
        report.id = i
    return reports


def simulate(city, timelines: list[PatrolTimeline], reports: list[SimReport], *, start: datetime, blocks_gdf=None,
             coverage_aware: bool = True, handling_median_s: float = HANDLING_MEDIAN_S, handling_sigma: float = HANDLING_SIGMA,
             seed: int = 0, name: str = "plan", hours: float = 24.0,
             zone_of_segment: np.ndarray | None = None) -> SimulationResult:
    """Run the event loop over ``reports`` (copied) with the patrols' ``timelines``."""
    rng = np.random.default_rng(seed + 7919)
    reports = [SimReport(**{k: v for k, v in r.__dict__.items()}) for r in reports]
    dispatcher = Dispatcher(city, blocks_gdf, coverage_aware=coverage_aware, routes_for=0)
    by_id = {t.patrol.id: t for t in timelines}
    free_at = dict.fromkeys(by_id, 0.0)  # simulated second from which the patrol is free again
    back_at = dict.fromkeys(by_id, 0.0)  # ... and back on its route
    parked: dict[str, tuple[float, float]] = {}  # where a returning patrol is (incident position)
    busy_s = dict.fromkeys(by_id, 0.0)
    events = [(r.t_s, 0, r.id) for r in reports]  # (time, kind 0 = report / 1 = a patrol may go, id)
    for timeline in timelines:  # shift starts: queued reports may go then
        events.extend((start_s, 1, -1) for start_s in timeline.shift_starts(hours * 3600.0))
    heapq.heapify(events)
    queue: list[int] = []
    start_utc = start.astimezone(UTC).replace(tzinfo=None) if start.tzinfo else start

    def patrols_at(t_s: float) -> list[PatrolUnit]:
        now = start_utc + timedelta(seconds=t_s)
        out = []
        for pid, timeline in by_id.items():
            if free_at[pid] > t_s + 1e-9:
                status = "busy"
            elif not timeline.on_shift(t_s):
                status = "off_duty"
            else:
                status = "available"
            lon, lat = parked[pid] if t_s < back_at[pid] and pid in parked else timeline.position(t_s)
            p = timeline.patrol
            out.append(PatrolUnit(city=p.city, id=pid, call_sign=p.call_sign, mode=p.mode, base_lon=p.base_lon,
                                  base_lat=p.base_lat, zone=p.zone, squadron=p.squadron, shift_start="00:00",
                                  shift_end="24:00", status=status, last_lon=lon, last_lat=lat, last_seen_at=now))
        return out

    def try_dispatch(report: SimReport, t_s: float) -> bool:
        recommendation = dispatcher.recommend(patrols_at(t_s), report.lon, report.lat, category=report.category,
                                              now=start_utc + timedelta(seconds=t_s))
        if recommendation.recommended is None:
            return False
        chosen = next(c for c in recommendation.candidates if c.patrol_id == recommendation.recommended)
        report.patrol_id = chosen.patrol_id
        report.dispatched_s = t_s
        report.eta_s = chosen.eta_s
        report.response_s = t_s - report.t_s + chosen.eta_s
        timeline = by_id[chosen.patrol_id]
        report.position = parked[chosen.patrol_id] if t_s < back_at[chosen.patrol_id] and chosen.patrol_id in parked \
            else timeline.position(t_s)
        handling = float(rng.lognormal(np.log(handling_median_s), handling_sigma))
        done = t_s + chosen.eta_s + handling
        router = city.router(chosen.mode)
        route_lon, route_lat = timeline.position(done)
        back = router.travel_time(router.snap(report.lon, report.lat, max_distance_m=np.inf),
                                  router.snap(route_lon, route_lat, max_distance_m=np.inf))
        free_at[chosen.patrol_id] = done
        back_at[chosen.patrol_id] = done + (back if np.isfinite(back) else 0.0)
        parked[chosen.patrol_id] = (report.lon, report.lat)
        busy_s[chosen.patrol_id] += done - t_s
        heapq.heappush(events, (done, 1, -1))
        return True

    while events:
        t_s, kind, report_id = heapq.heappop(events)
        if kind == 0:
            queue.append(report_id)
        while queue and try_dispatch(reports[queue[0]], t_s):  # first come, first served
            queue.pop(0)
    utilisation = {pid: round(min(1.0, busy / (hours * 3600.0)), 4) for pid, busy in busy_s.items()}
    result = SimulationResult(name, reports, utilisation, hours, city.profile.timezone)
    result.figures = figures(result, start, zone_of_segment)
    return result


def figures(result: SimulationResult, start: datetime, zone_of_segment=None) -> dict:
    """Shares within target (overall, per category, zone, hour), p50/p95 response, never reached."""
    frame = result.frame()
    if frame.empty:
        return {"reports": 0, "within_target_share": None, "p50_s": None, "p95_s": None, "never_reached": 0,
                "mean_utilisation": None}
    reached = frame["response_s"].notna()
    within = reached & (frame["response_s"] <= frame["target_s"])
    tz = ZoneInfo(result.timezone)
    start_utc = start.astimezone(UTC) if start.tzinfo else start.replace(tzinfo=UTC)
    frame = frame.assign(within=within, hour=[(start_utc + timedelta(seconds=t)).astimezone(tz).hour for t in frame["t_s"]])
    if zone_of_segment is not None:
        frame["zone"] = [zone_of_segment[s] if s >= 0 else None for s in frame["segment"]]

    def share(part):
        return round(float(part["within"].mean()), 4) if len(part) else None

    responses = frame.loc[reached, "response_s"]
    return {
        "reports": int(len(frame)),
        "within_target_share": share(frame),
        "p50_s": round(float(np.percentile(responses, 50)), 1) if len(responses) else None,
        "p95_s": round(float(np.percentile(responses, 95)), 1) if len(responses) else None,
        "max_s": round(float(responses.max()), 1) if len(responses) else None,
        "never_reached": int((~reached).sum()),
        "by_category": {c: share(p) for c, p in frame.groupby("category")},
        "by_hour": {int(h): share(p) for h, p in frame.groupby("hour")},
        "by_zone": {str(z): share(p) for z, p in frame.groupby("zone")} if "zone" in frame else {},
        "utilisation": result.utilisation,
        "mean_utilisation": round(float(np.mean(list(result.utilisation.values()))), 4) if result.utilisation else None,
    }


def response_chart(results: list[SimulationResult], path, *, target_s: float = 1800.0) -> None:
    """Cumulative share of reports reached by response time, one line per plan (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(7, 4), dpi=110)
    for result in results:
        frame = result.frame()
        minutes = np.sort(frame["response_s"].dropna().to_numpy() / 60.0)
        if len(minutes):
            axes.step(minutes, np.arange(1, len(minutes) + 1) / len(frame), where="post",
                      label=f"{result.name}: {result.figures['within_target_share']:.0%} within target")
    axes.axvline(target_s / 60.0, color="red", linestyle="--", label=f"target {target_s / 60:.0f} min")
    axes.set_xlabel("response time (min)")
    axes.set_ylabel("share of reports reached")
    axes.set_ylim(0, 1)
    axes.grid(alpha=0.3)
    axes.legend(loc="lower right", fontsize=8)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def late_reports_geojson(result: SimulationResult) -> dict:
    """The reports reached late or never, as GeoJSON points (for a map)."""
    features = []
    for report in result.reports:
        late = report.response_s is None or report.response_s > report.target_s
        if late:
            features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [report.lon, report.lat]},
                             "properties": {"id": report.id, "category": report.category, "t_s": round(report.t_s, 1),
                                            "response_s": None if report.response_s is None else round(report.response_s, 1),
                                            "patrol_id": report.patrol_id, "plan": result.name}})
    return {"type": "FeatureCollection", "features": features}
