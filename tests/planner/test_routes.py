"""Patrol routes: solver vs brute force, the guarantee (holding and not), timing, files."""

from datetime import datetime

import gpxpy
import numpy as np
import pytest
import shapely
from pyproj import Geod

from planner.coverage import StreetSamples
from planner.models import Patrol
from planner.routes import (
    Stop,
    brute_force_order,
    nearest_neighbour_order,
    plan_route,
    route_to_gpx,
    solve_order,
    tour_time,
    worst_from_nodes,
)
from planner.zones import PlanZone

pytestmark = pytest.mark.slow
DAY = datetime(2026, 11, 27)
GEOD = Geod(ellps="WGS84")


@pytest.fixture(scope="module")
def samples(chengdu):
    return StreetSamples.for_city(chengdu)


def random_places(router, count, seed):
    rng = np.random.default_rng(seed)
    seg = router.segments
    picks = rng.choice(len(seg), count, replace=False, p=seg.length_m / seg.length_m.sum())
    points = [seg.geometry_wgs84[s].interpolate(0.5, normalized=True) for s in picks]
    return router.snap_many([p.x for p in points], [p.y for p in points])


@pytest.mark.parametrize("seed", range(6))
def test_small_tours_are_within_2_percent_of_brute_force(chengdu, seed):
    router = chengdu.router("ebike")
    places = random_places(router, 9, seed)  # depot + 8 stops
    times = router.matrix(places, places)
    solved = solve_order(times, np.zeros(9), [None] * 9, 86400.0, time_limit_s=1.0)
    order = solved.order
    assert solved.cost_s == pytest.approx(tour_time(times, order), abs=0.1 * len(order) + 0.1)  # deciseconds
    _, best = brute_force_order(times)
    assert sorted(order) == list(range(1, 9))
    assert tour_time(times, order) <= 1.02 * best
    assert tour_time(times, nearest_neighbour_order(times)) >= best - 1e-9


def zone_around(chengdu, samples, lon, lat, radius_deg, *, mode=None, within_s=None):
    """The segments lying wholly within ``radius_deg`` of a point (and, with ``mode``, reached from
    it within ``within_s``: gated compounds make some near streets far on foot)."""
    from planner.coverage import response_times

    far = np.hypot(samples.lon - lon, samples.lat - lat) >= radius_deg
    outside = np.unique(samples.segment[far])
    inside = np.setdiff1d(np.unique(samples.segment), outside)
    if mode is not None:
        index = np.flatnonzero(np.isin(samples.segment, inside))
        slow = samples.segment[index[response_times(chengdu, samples, [(mode, lon, lat)], index) > within_s]]
        inside = np.setdiff1d(inside, slow)
    return PlanZone("T", "test zone", ["T1"], inside)


def patrol(mode, lon, lat):
    return Patrol(city="chengdu", id="T1", call_sign="测试", mode=mode, base_lon=lon, base_lat=lat,
                  shift_start="08:00", shift_end="20:00", status="available", version=1)


def test_route_that_holds_the_guarantee(chengdu, samples):
    base = (104.0810, 30.6943)
    zone = zone_around(chengdu, samples, *base, 0.006, mode="foot", within_s=600.0)
    router = chengdu.router("foot")
    zone_samples = np.flatnonzero(np.isin(samples.segment, zone.segments))
    picks = np.random.default_rng(3).choice(zone_samples, 4, replace=False)
    inside = [router.snap(samples.lon[i], samples.lat[i]) for i in picks]
    stops = [Stop("block", f"B{i}", f"街区{i}", p.lon, p.lat, 600.0) for i, p in enumerate(inside)]
    stops.append(Stop("hotspot", "H1", "热点", inside[0].lon, inside[0].lat, 900.0, (4 * 3600.0, 5 * 3600.0)))
    route = plan_route(chengdu, patrol("foot", *base), zone, stops, samples, day=DAY, target_s=1800.0, time_limit_s=1.0)
    assert route.guarantee_holds and route.dropped == [] and route.proposal is None
    visits = [s for s in route.stops if s.kind != "patrol"]
    assert visits and sorted(s.ref for s in visits) == sorted(s.ref for s in stops)
    # An hour of visits in a 12-hour shift: the idle stretches are patrol stops at the zone's places, never the
    # same place twice in a row, and the route comes back within the last half hour of the shift.
    fillers = [s for s in route.stops if s.kind == "patrol"]
    assert len(fillers) >= 10 and {s.ref for s in fillers} <= {s.ref for s in stops}
    places = [s.ref for s in route.stops]  # one ref per place here (B0-B3, H1)
    assert all(a != b for a, b in zip(places, places[1:], strict=False)), places
    assert route.slack_s < 1800.0
    arrivals = [s.arrival_s for s in route.stops]
    assert arrivals == sorted(arrivals)
    hotspot = next(s for s in route.stops if s.kind == "hotspot")
    assert 4 * 3600.0 <= hotspot.arrival_s <= 5 * 3600.0  # inside its busy hour
    assert route.duration_s <= route.shift_s and route.slack_s >= 0
    # The route is closed, drawn along the streets, and its reported length is its geometry's length.
    start, end = route.geometry.coords[0], route.geometry.coords[-1]
    assert GEOD.inv(*start, *end)[2] < 1.0
    assert GEOD.geometry_length(route.geometry) == pytest.approx(route.length_m, rel=0.01)
    # Independent check of the guarantee at every node of the route.
    nodes = {router.network.index[n] for n in _route_nodes(router, route)}
    assert worst_from_nodes(chengdu, "foot", samples, zone_samples, np.array(sorted(nodes))).max() <= 1800.0
    gpx = gpxpy.parse(route_to_gpx(route, name="T1"))
    assert len(gpx.waypoints) == len(route.stops) and len(gpx.tracks[0].segments[0].points) > 10
    assert gpx.waypoints[0].time.tzinfo is not None


def _route_nodes(router, route):
    coords = np.array(route.geometry.coords)
    node_xy = {n: (d["x"], d["y"]) for n, d in router.graph.nodes(data=True)}
    on_line = [n for n, xy in node_xy.items() if shapely.Point(xy).distance(route.geometry) < 1e-7]
    assert len(coords) > 2
    return on_line


def test_a_stop_that_breaks_the_guarantee_is_named_and_dropped(chengdu, samples):
    base = (104.0810, 30.6943)
    zone = zone_around(chengdu, samples, *base, 0.006, mode="foot", within_s=600.0)
    near = Stop("block", "NEAR", "近处街区", 104.0815, 30.6945, 600.0)
    far = Stop("block", "FAR", "远处街区", 104.1250, 30.7250, 600.0)  # about 5 km away on foot
    route = plan_route(chengdu, patrol("foot", *base), zone, [near, far], samples, day=DAY, target_s=1800.0,
                       time_limit_s=1.0)
    assert [d["id"] for d in route.dropped] == ["FAR"]
    assert route.dropped[0]["worst_case_s"] > 1800.0 and "min away" in route.dropped[0]["reason"]
    assert [s.ref for s in route.stops] == ["NEAR"]
    assert route.guarantee_holds and "standby point" in route.proposal


def test_a_zone_too_big_for_its_patrol_is_not_called_safe(chengdu, samples):
    base = (104.0810, 30.6943)
    zone = zone_around(chengdu, samples, *base, 0.05)  # most of the city, for one walker
    route = plan_route(chengdu, patrol("foot", *base), zone, [], samples, day=DAY, target_s=1800.0, time_limit_s=1.0)
    assert not route.guarantee_holds and route.worst_case_s > 1800.0
    assert route.proposal.startswith("split the zone")


def test_ordering_reports_its_cost_status_and_cut(chengdu):
    """OR-Tools' answer comes with its objective (travel + dwell seconds of the closed tour), its status
    and whether the time limit cut the search; the default limit grows with the stops."""
    from planner.routes import order_time_limit

    router = chengdu.router("car")
    places = random_places(router, 41, 5)
    times = router.matrix(places, places)
    dwell = np.full(41, 30.0)
    dwell[0] = 0.0
    solved = solve_order(times, dwell, [None] * 41, 86400.0, time_limit_s=1.0)
    assert sorted(solved.order) == list(range(1, 41))
    assert solved.cost_s == pytest.approx(tour_time(times, solved.order) + dwell.sum(), abs=0.1 * 41 + 1)
    assert solved.time_limited and solved.time_limit_s == 1.0 and solved.status.startswith("ROUTING_")
    assert solved.as_dict()["time_limited"] is True
    assert [order_time_limit(n) for n in (5, 40, 280, 2000)] == [2.0, 5.0, 29.0, 60.0]
    small = solve_order(times[:6, :6], dwell[:6], [None] * 6, 86400.0)
    assert small.time_limit_s == 2.0 and sorted(small.order) == [1, 2, 3, 4, 5]


def test_route_solver_time_is_shared_out_when_many_routes_would_take_too_long():
    from planner.route_plans import solver_limits
    from planner.routes import order_time_limit

    assert solver_limits([5, 40], None) == [None, None]  # few routes: each its default
    many = solver_limits([48] * 60, None, budget_s=60.0)
    assert all(1.0 <= x < order_time_limit(48) for x in many) and sum(many) <= 60.0 + 1e-9
    assert solver_limits([3, 4], 7.5) == [7.5, 7.5]


def test_worst_from_route_nodes_by_the_hierarchy_equals_the_table(chengdu):
    """On a big graph the guarantee along a route comes from the contraction hierarchy: the same worst cases
    as the all-pairs table, within its millisecond rounding."""
    import dataclasses

    from geo.routing import Router
    from planner.coverage import StreetSamples
    from planner.routes import worst_from_nodes

    samples = StreetSamples.for_city(chengdu)
    searching = Router(chengdu.graph("ebike"), chengdu.crs, mode="ebike")
    searching.network.__dict__["table"] = None
    big = dataclasses.replace(chengdu, _routers={"ebike": searching})
    zone_samples = np.flatnonzero(samples.segment < len(samples.length_m) // 3)
    nodes = np.random.default_rng(2).choice(searching.network.size, 70, replace=False)
    exact = worst_from_nodes(chengdu, "ebike", samples, zone_samples, nodes)
    by_hierarchy = worst_from_nodes(big, "ebike", samples, zone_samples, nodes)
    assert big.router("ebike").hierarchy is not None and chengdu.router("ebike").hierarchy is None
    assert np.abs(by_hierarchy - exact).max() < 0.1  # 0.5 ms per edge of paths of at most a few hundred edges
