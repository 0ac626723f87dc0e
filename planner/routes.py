"""Closed patrol routes that keep the whole zone within the target, and officers' route files.

Stops: the zone's key blocks, each as often as it must be visited per shift (visit k of n in the
k-th n-th of the shift), and its top congestion points within their busy hours where the shift
allows. Ordering: OR-Tools routing with time windows and a time limit on the patrol mode's
travel-time matrix from the routing core; the route starts and ends at the base within the shift.

The guarantee is checked for every node of the route: from there the patrol must reach every street
sample of its zone within the target (as ``planner.coverage`` defines it). Stops whose street
position breaks it are named; the route is re-planned without them and the fix is proposed (a
standby point, or splitting the zone) instead of returning an unsafe route silently.
"""

import itertools
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import shapely

from planner.coverage import StreetSamples

__all__ = ["PatrolRoute", "Stop", "brute_force_order", "nearest_neighbour_order", "plan_route", "route_to_gpx",
           "solve_order", "zone_stops"]

BLOCK_DWELL_S = 600.0
HOTSPOT_DWELL_S = 900.0
PATROL_DWELL_S = 900.0  # a patrol stop that fills an idle stretch of the shift
IDLE_FILL_S = 1800.0  # idle stretches at least this long are filled


@dataclass
class Stop:
    """A place to visit: kind (block or hotspot), id, name, WGS-84 point, dwell (s), window (s from shift start)."""

    kind: str
    ref: str
    name: str
    lon: float
    lat: float
    dwell_s: float
    window: tuple[float, float] | None = None
    arrival_s: float | None = None  # planned, from the shift start

    def as_dict(self, shift_start: datetime | None = None) -> dict:
        """JSON-ready; planned arrival as seconds from the shift start and as local time."""
        data = {"kind": self.kind, "id": self.ref, "name": self.name, "lon": round(self.lon, 7),
                "lat": round(self.lat, 7), "dwell_s": self.dwell_s,
                "arrival_s": None if self.arrival_s is None else round(self.arrival_s, 1)}
        if shift_start is not None and self.arrival_s is not None:
            data["arrival"] = (shift_start + timedelta(seconds=self.arrival_s)).isoformat(timespec="minutes")
        return data


@dataclass
class PatrolRoute:
    """A planned closed route with its guarantee check."""

    patrol_id: str
    mode: str
    stops: list[Stop]
    duration_s: float
    length_m: float
    shift_s: float
    worst_case_s: float
    guarantee_holds: bool
    geometry: shapely.LineString | None
    shift_start: datetime | None = None
    dropped: list[dict] = field(default_factory=list)
    proposal: str | None = None
    ordering: dict | None = None  # the solver's report on the stop order (OrderResult.as_dict)

    @property
    def slack_s(self) -> float:
        """Shift time left after the route (s)."""
        return self.shift_s - self.duration_s

    def as_dict(self) -> dict:
        """JSON-ready, with the keys of ``patrol routes plan``."""
        return {"patrol_id": self.patrol_id, "mode": self.mode,
                "stops": [s.as_dict(self.shift_start) for s in self.stops],
                "duration_s": round(self.duration_s, 1), "length_m": round(self.length_m, 1),
                "slack_s": round(self.slack_s, 1), "worst_case_s": round(self.worst_case_s, 1),
                "guarantee_holds": self.guarantee_holds, "dropped": self.dropped, "proposal": self.proposal,
                "ordering": self.ordering,
                "geometry": None if self.geometry is None else shapely.geometry.mapping(self.geometry)}


# -- ordering --------------------------------------------------------------------------------------

@dataclass
class OrderResult:
    """An ordered tour: stop indices (1-based) and what the solver can say about it."""

    order: list[int] | None  # None: no tour fits the windows and the horizon
    cost_s: float | None  # the solver's objective: travel plus dwell seconds of the closed tour (and penalties)
    status: str  # OR-Tools' routing status, e.g. "ROUTING_SUCCESS", "ROUTING_OPTIMAL"
    time_limit_s: float
    time_limited: bool  # the search ran until the time limit (a longer one may find a shorter tour)
    dropped: list[int] = field(default_factory=list)  # optional stops left out (they did not fit the horizon)

    def as_dict(self) -> dict:
        return {"status": self.status, "cost_s": None if self.cost_s is None else round(self.cost_s, 1),
                "time_limit_s": round(self.time_limit_s, 2), "time_limited": self.time_limited,
                "dropped": len(self.dropped)}


VISIT_PENALTY_S = {1: 3.0e5, 2: 1.0e6, 3: 3.0e6}  # dropping a visit costs far more than any travel
PRIORITY_NAMES = {1: "a congestion point, the least important visit", 2: "a later visit of a key block",
                  3: "a key block's first visit"}


def stop_priority(stop: "Stop") -> int:
    """3: a key block's first (or only) visit; 2: its later visits; 1: a congestion point."""
    if stop.kind != "block":
        return 1
    return 2 if stop.window is not None and stop.window[0] > 0 else 3


def order_time_limit(stops: int) -> float:
    """The default search time for ordering ``stops`` stops (s): 1 s plus 0.1 s a stop, 2-60 s; a 280-stop
    tour was 21 % above the optimum after 5 s and 4.7 % after 30 s."""
    return float(min(60.0, max(2.0, 1.0 + 0.1 * stops)))


def solve_order(times: np.ndarray, dwell: np.ndarray, windows: list, horizon_s: float, *,
                time_limit_s: float | None = None, penalties: np.ndarray | None = None,
                places: np.ndarray | None = None) -> OrderResult:
    """Order stops 1..n of a closed tour from node 0 with OR-Tools (time windows, dwell times), ending
    within ``horizon_s``.

    ``times`` (n+1 x n+1, s) between depot and stops; ``time_limit_s`` None: ``order_time_limit``.
    ``penalties`` (seconds, per node; index 0 unused): stops may be left out at that cost when the tour
    cannot hold them all (the dropped ones are listed). ``places`` (a label per node): two stops at the
    same place are never visited one right after the other unless nothing else is possible (a one-hour
    penalty). Small tours (up to 10 stops) stop after at most 2 s.
    """
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    n = times.shape[0]
    if time_limit_s is None:
        time_limit_s = order_time_limit(n - 1)
    if n <= 10:  # small: let guided local search settle quickly
        time_limit_s = min(time_limit_s, 2.0)
    scale = 10  # deciseconds: OR-Tools works in integers
    cost = np.rint(np.where(np.isfinite(times), times, 1e7) * scale).astype(np.int64)
    service = np.rint(np.asarray(dwell) * scale).astype(np.int64)
    manager = pywrapcp.RoutingIndexManager(n, 1, 0)
    routing = pywrapcp.RoutingModel(manager)

    def transit(from_index, to_index):
        a, b = manager.IndexToNode(from_index), manager.IndexToNode(to_index)
        return int(cost[a, b] + service[a])

    callback = routing.RegisterTransitCallback(transit)
    if places is not None:
        labels = list(places)

        def cost_of(from_index, to_index):
            a, b = manager.IndexToNode(from_index), manager.IndexToNode(to_index)
            repeat = a and b and a != b and labels[a] == labels[b]
            return int(cost[a, b] + service[a] + (36000 if repeat else 0))

        routing.SetArcCostEvaluatorOfAllVehicles(routing.RegisterTransitCallback(cost_of))
    else:
        routing.SetArcCostEvaluatorOfAllVehicles(callback)
    if penalties is not None:
        for node in range(1, n):
            routing.AddDisjunction([manager.NodeToIndex(node)], int(penalties[node] * scale))
    horizon = int(horizon_s * scale)
    routing.AddDimension(callback, horizon, horizon, True, "time")
    dimension = routing.GetDimensionOrDie("time")
    for node, window in enumerate(windows):
        if node and window is not None:
            dimension.CumulVar(manager.NodeToIndex(node)).SetRange(int(window[0] * scale), int(window[1] * scale))
    parameters = pywrapcp.DefaultRoutingSearchParameters()
    parameters.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    parameters.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    parameters.time_limit.FromMilliseconds(max(1, int(time_limit_s * 1000)))
    started = time.perf_counter()
    solution = routing.SolveWithParameters(parameters)
    elapsed = time.perf_counter() - started
    status = _routing_status(routing.status())
    # Guided local search ends only at the limit; an optimal status or an early end means it was not cut.
    time_limited = status != "ROUTING_OPTIMAL" and elapsed >= 0.9 * time_limit_s
    if solution is None:
        return OrderResult(None, None, status, time_limit_s, time_limited)
    order, index = [], routing.Start(0)
    while not routing.IsEnd(index):
        node = manager.IndexToNode(index)
        if node:
            order.append(node)
        index = solution.Value(routing.NextVar(index))
    dropped = sorted(set(range(1, n)) - set(order))
    return OrderResult(order, solution.ObjectiveValue() / scale, status, time_limit_s, time_limited, dropped)


def _routing_status(code: int) -> str:
    names = {0: "ROUTING_NOT_SOLVED", 1: "ROUTING_SUCCESS", 2: "ROUTING_PARTIAL_SUCCESS_LOCAL_OPTIMUM_NOT_REACHED",
             3: "ROUTING_FAIL", 4: "ROUTING_FAIL_TIMEOUT", 5: "ROUTING_INVALID", 6: "ROUTING_INFEASIBLE",
             7: "ROUTING_OPTIMAL"}
    return names.get(int(code), f"ROUTING_STATUS_{int(code)}")


def tour_time(times: np.ndarray, order: list[int]) -> float:
    """Travel seconds of the closed tour 0 -> order -> 0."""
    path = [0, *order, 0]
    return float(sum(times[a, b] for a, b in zip(path[:-1], path[1:], strict=True)))


def brute_force_order(times: np.ndarray) -> tuple[list[int], float]:
    """The optimal closed tour by trying every order (small instances only)."""
    best = (None, np.inf)
    for perm in itertools.permutations(range(1, times.shape[0])):
        cost = tour_time(times, list(perm))
        if cost < best[1]:
            best = (list(perm), cost)
    return best


def nearest_neighbour_order(times: np.ndarray) -> list[int]:
    """The tour that always goes to the nearest unvisited stop next."""
    left, at, order = set(range(1, times.shape[0])), 0, []
    while left:
        at = min(left, key=lambda j: (times[at, j], j))
        order.append(at)
        left.discard(at)
    return order


# -- stops -----------------------------------------------------------------------------------------

def zone_stops(city, zone, blocks_gdf, hotspots, *, shift_s: float, shift_start_local: datetime,
               top_hotspots: int = 3) -> list[Stop]:
    """The key blocks (visits spread over the shift) and top congestion points of a zone."""
    segments = city.router("foot").segments
    zone_set = set(zone.segments.tolist())
    stops = []
    if blocks_gdf is not None and len(blocks_gdf):
        points = blocks_gdf.geometry.representative_point()
        located = segments.locate(points.x.to_numpy(), points.y.to_numpy())
        for (_, block), seg, point in zip(blocks_gdf.iterrows(), located["segment"], points, strict=True):
            if int(seg) not in zone_set:
                continue
            visits = max(1, int(block["visits_per_shift"]))
            for k in range(visits):
                window = (k * shift_s / visits, (k + 1) * shift_s / visits) if visits > 1 else None
                stops.append(Stop("block", str(block["id"]), str(block["name"]), point.x, point.y, BLOCK_DWELL_S, window))
    chosen = 0
    for spot in hotspots:
        if chosen >= top_hotspots:
            break
        seg = int(segments.locate([spot.lon], [spot.lat])["segment"][0])
        if seg not in zone_set:
            continue
        chosen += 1
        stops.append(Stop("hotspot", f"H{spot.rank}", spot.street or f"congestion point {spot.rank}", spot.lon,
                          spot.lat, HOTSPOT_DWELL_S, _busy_window(spot.busy_hours, shift_start_local, shift_s)))
    return stops


def _busy_window(hours: list[int], shift_start_local: datetime, shift_s: float):
    """The first busy hour inside the shift, as seconds from the shift start (None if none)."""
    for hour in sorted(hours):
        start = shift_start_local.replace(hour=hour, minute=0)
        if start < shift_start_local:
            start += timedelta(days=1)
        offset = (start - shift_start_local).total_seconds()
        if 0 <= offset <= shift_s - 3600:
            return (offset, offset + 3600.0)
    return None


# -- planning --------------------------------------------------------------------------------------

def shift_window(patrol, day: datetime, timezone: str) -> tuple[datetime, float]:
    """The start (aware, in ``timezone``) and length (s) of ``patrol``'s shift that begins on ``day``."""
    tz = ZoneInfo(timezone)
    start_h, start_m = (int(x) for x in patrol.shift_start.split(":"))
    end_text = "23:59" if patrol.shift_end == "24:00" else patrol.shift_end
    end_h, end_m = (int(x) for x in end_text.split(":"))
    start = datetime(day.year, day.month, day.day, start_h, start_m, tzinfo=tz)
    end = datetime(day.year, day.month, day.day, end_h, end_m, tzinfo=tz)
    if end <= start:
        end += timedelta(days=1)
    return start, (end - start).total_seconds()


def worst_from_nodes(city, mode: str, samples: StreetSamples, zone_samples: np.ndarray, nodes: np.ndarray) -> np.ndarray:
    """Worst response time (s) to the zone's street samples from each of ``nodes`` (mode node indices); on a big
    graph from the contraction hierarchy (within 0.5 ms per edge of the exact times)."""
    router = city.router(mode)
    arrive_nodes, costs, walk, _, _ = samples.on_mode(city, mode)
    a = arrive_nodes[zone_samples]
    c = costs[zone_samples]
    if router.hierarchy is None:  # a city-sized graph: rows of the all-pairs table
        columns, table = np.maximum(a, 0), router.network.search(nodes)
        rows_of = [(slice(None), table)]
    else:  # a big graph: the hierarchy, from each node to the zone's arrival nodes only (in chunks)
        targets = np.unique(a[a >= 0])
        columns = np.searchsorted(targets, np.maximum(a, 0))
        rows_of = ((slice(start, start + 64), router.hierarchy.pair_times(nodes[start:start + 64], targets))
                   for start in range(0, len(nodes), 64))  # one chunk in memory at a time
    worst = np.empty(len(nodes))
    for part, table in rows_of:
        reach = np.where(a[None, :, :] >= 0, table[:, columns] + c[None, :, :], np.inf).min(axis=2)
        worst[part] = (reach + walk[zone_samples][None, :]).max(axis=1) if len(zone_samples) else -np.inf
    return worst + city.profile.turnout_s


def plan_route(city, patrol, zone, stops: list[Stop], samples: StreetSamples, *, day: datetime,
               target_s: float, time_limit_s: float | None = None) -> PatrolRoute:
    """Plan the patrol's closed route through ``stops`` and check the guarantee on every node."""
    router = city.router(patrol.mode)
    shift_start, shift_s = shift_window(patrol, day, city.profile.timezone)
    zone_samples = np.flatnonzero(np.isin(samples.segment, zone.segments))
    base = router.snap(patrol.base_lon, patrol.base_lat, max_distance_m=np.inf)
    base_worst = float(worst_from_nodes(city, patrol.mode, samples, zone_samples,
                                        np.array([n for n, _, _ in base.leave]))[0]) if len(zone_samples) else 0.0
    places = [base] + [router.snap(s.lon, s.lat, max_distance_m=np.inf) for s in stops]
    # The guarantee at each stop's street position: a stop from which the zone is out of reach breaks it.
    dropped = []
    if len(zone_samples) and stops:
        stop_nodes = np.array([p.arrive[0][0] for p in places[1:]])
        worst_at = worst_from_nodes(city, patrol.mode, samples, zone_samples, stop_nodes)
        keep = []
        for stop, worst in zip(stops, worst_at, strict=True):
            if worst > target_s:
                dropped.append({"kind": stop.kind, "id": stop.ref, "name": stop.name, "worst_case_s": round(float(worst), 1),
                                "reason": f"from there the zone's farthest street is {worst / 60:.1f} min away"})
            else:
                keep.append(stop)
        if dropped:
            stops = keep
            places = [base] + [router.snap(s.lon, s.lat, max_distance_m=np.inf) for s in stops]
    times = router.matrix(places, places)
    dwell = np.array([0.0] + [s.dwell_s for s in stops])
    windows = [None] + [s.window for s in stops]
    # Visits that do not fit the shift are left out, the least important first (a congestion point, then a
    # key block's later visits; first visits last), never the same place twice in a row.
    penalties = np.array([0.0] + [VISIT_PENALTY_S[stop_priority(s)] for s in stops])
    labels = np.array(["base"] + [f"{s.kind}:{s.ref}" for s in stops])
    solved = solve_order(times, dwell, windows, shift_s, time_limit_s=time_limit_s, penalties=penalties,
                         places=labels) if stops else None
    if solved is not None and solved.order is None:  # the windows cannot all be met: plan without them
        solved = solve_order(times, dwell, [None] * len(windows), shift_s, time_limit_s=time_limit_s,
                             penalties=penalties, places=labels)
    order = [] if solved is None else (solved.order if solved.order is not None else list(range(1, len(places))))
    for i in [] if solved is None else solved.dropped:
        stop = stops[i - 1]
        dropped.append({"kind": stop.kind, "id": stop.ref, "name": stop.name, "worst_case_s": None,
                        "reason": f"did not fit the {shift_s / 3600:.0f} h shift ({PRIORITY_NAMES[stop_priority(stop)]})"})
    ordered = [stops[i - 1] for i in order]
    clock, previous = 0.0, 0
    for i, stop in zip(order, ordered, strict=True):
        clock += times[previous, i] + (dwell[previous] if previous else 0.0)
        if stop.window is not None and clock < stop.window[0]:
            clock = stop.window[0]  # wait for the window to open
        stop.arrival_s = clock
        previous = i
    order, ordered, idle_note = fill_idle(order, ordered, stops, times, shift_s)
    previous = order[-1] if order else 0
    clock = ordered[-1].arrival_s if ordered else 0.0
    duration = clock + (dwell[previous] if previous else 0.0) + times[previous, 0]
    pieces, length, nodes = [], 0.0, []
    path = [0, *order, 0]
    for a, b in zip(path[:-1], path[1:], strict=True):
        if a == b:
            continue
        leg = router.route(places[a], places[b])
        pieces.append(leg.geometry)
        length += leg.distance_m
        nodes.extend(leg.nodes)
    node_index = np.array(sorted({router.network.index[n] for n in nodes}), dtype=np.int64)
    if len(node_index) and len(zone_samples):
        worst = float(worst_from_nodes(city, patrol.mode, samples, zone_samples, node_index).max())
    else:
        worst = base_worst
    geometry = _chain(pieces)
    holds = bool(worst <= target_s and duration <= shift_s)
    proposal = None
    if base_worst > target_s:
        proposal = (f"split the zone: even from the base its farthest street is {base_worst / 60:.1f} min away "
                    f"(target {target_s / 60:.0f} min); or add a standby point ('patrol zones standby')")
    elif any(d["worst_case_s"] is None for d in dropped):
        proposal = (f"{sum(d['worst_case_s'] is None for d in dropped)} visits did not fit the shift: give some key blocks "
                    "to a neighbouring zone's patrol, or add a patrol to this zone")
    elif dropped:
        proposal = ("give the dropped stops to a neighbouring zone's patrol, or add a standby point near them "
                    "('patrol zones standby'): visiting them from here would leave streets beyond the target")
    elif not holds:
        proposal = "split the zone or shorten the visits: the route does not fit the shift" if duration > shift_s else \
            "add a standby point: some route positions leave streets beyond the target"
    ordering = None if solved is None else solved.as_dict()
    if ordering is not None and idle_note:
        ordering["idle"] = idle_note
    return PatrolRoute(patrol.id, patrol.mode, ordered, float(duration), float(length), shift_s, worst, holds,
                       geometry, shift_start, dropped, proposal, ordering)


def fill_idle(order: list[int], ordered: list[Stop], stops: list[Stop], times: np.ndarray, shift_s: float):
    """Fill idle stretches of at least ``IDLE_FILL_S`` (waiting for a visit's window, or the end of the shift
    after the last visit) with patrol stops of ``PATROL_DWELL_S`` at the zone's places (congestion points
    first, then key blocks), never the same place twice in a row, without moving any planned arrival; the
    route then comes back to the base by the end of the shift. ``times`` is the (base + stops) matrix (s).
    Returns (order, ordered stops, a note on the idle time left, or None)."""
    if not stops:
        return order, ordered, ("no key block or congestion point in the zone to patrol while idle"
                                if shift_s >= IDLE_FILL_S else None)
    label = ["base"] + [f"{s.kind}:{s.ref}" for s in stops]
    places: dict[str, int] = {}  # one matrix index per distinct place, congestion points first
    for i in sorted(range(1, len(label)), key=lambda i: (stops[i - 1].kind != "hotspot", i)):
        places.setdefault(label[i], i)
    used = dict.fromkeys(places, 0)
    new_order, new_ordered, left = [], [], 0.0
    previous, depart = 0, 0.0
    for i, stop in [*zip(order, ordered, strict=True), (0, None)]:
        arrive_by = stop.arrival_s if stop is not None else shift_s
        while arrive_by - depart - times[previous, i] >= IDLE_FILL_S:
            fits = [j for key, j in places.items() if key not in (label[previous], label[i])
                    and depart + times[previous, j] + PATROL_DWELL_S + times[j, i] <= arrive_by]
            if not fits:
                break
            j = min(fits, key=lambda j: (used[label[j]], times[previous, j]))
            used[label[j]] += 1
            place = stops[j - 1]
            filler = Stop("patrol", place.ref, place.name, place.lon, place.lat, PATROL_DWELL_S, None,
                          depart + times[previous, j])
            new_order.append(j)
            new_ordered.append(filler)
            previous, depart = j, filler.arrival_s + PATROL_DWELL_S
        left = max(left, arrive_by - depart - times[previous, i])
        if stop is not None:
            new_order.append(i)
            new_ordered.append(stop)
            previous, depart = i, stop.arrival_s + stop.dwell_s
    note = None if left < IDLE_FILL_S else (f"{left / 60:.0f} min idle remain: the zone has "
                                            f"{len(places)} place(s) to patrol and none fits the stretch")
    return new_order, new_ordered, note


def route_to_gpx(route: PatrolRoute, *, name: str, kind_names: dict | None = None, minutes: str = "min",
                 stop_name=str) -> str:
    """The route as GPX 1.1: a track of its streets and a waypoint per stop with its planned time; the
    stops' kinds (``kind_names``), the unit of minutes and ``stop_name(name)`` in the reader's language."""
    import gpxpy.gpx

    gpx = gpxpy.gpx.GPX()
    gpx.creator = "patrol-planner (map data (c) OpenStreetMap contributors)"
    track = gpxpy.gpx.GPXTrack(name=name)
    segment = gpxpy.gpx.GPXTrackSegment()
    if route.geometry is not None:
        segment.points.extend(gpxpy.gpx.GPXTrackPoint(lat, lon) for lon, lat in route.geometry.coords)
    track.segments.append(segment)
    gpx.tracks.append(track)
    for number, stop in enumerate(route.stops, start=1):
        when = None
        if route.shift_start is not None and stop.arrival_s is not None:
            when = (route.shift_start + timedelta(seconds=stop.arrival_s)).astimezone(UTC).replace(microsecond=0)
        kind = (kind_names or {}).get(stop.kind, stop.kind)
        gpx.waypoints.append(gpxpy.gpx.GPXWaypoint(stop.lat, stop.lon, time=when, name=f"{number}. {stop_name(stop.name)}",
                                                   description=f"{kind} {stop.ref}, {stop.dwell_s / 60:.0f} {minutes}"))
    return gpx.to_xml()


def _chain(pieces: list) -> shapely.LineString | None:
    """The legs joined in riding order (a merge could start the line elsewhere on a loop), WGS-84."""
    coords: list = []
    for piece in pieces:
        if piece is None or piece.is_empty:
            continue
        points = list(piece.coords)
        coords.extend(points[1:] if coords and coords[-1] == points[0] else points)
    return shapely.LineString(coords) if len(coords) >= 2 else None
