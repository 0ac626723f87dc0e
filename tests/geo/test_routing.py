"""The routing core against networkx (the independent reference) and brute force."""

import networkx as nx
import numpy as np
import pytest
import shapely
from pyproj import Geod

from geo.errors import CoordinateError
from geo.network import CompiledNetwork
from geo.routing import Router, UnreachableError
from geo.snapping import SnapError

MODES = ("foot", "ebike", "car")
GEOD = Geod(ellps="WGS84")
TOLERANCE_S = 1e-6


@pytest.fixture(scope="module")
def routers(chengdu):
    return {mode: chengdu.router(mode) for mode in MODES}


def random_points(router, count, seed):
    """Random WGS-84 points near streets of the router's graph (seeded)."""
    rng = np.random.default_rng(seed)
    xs = np.array([d["x"] for _, d in router.graph.nodes(data=True)])
    ys = np.array([d["y"] for _, d in router.graph.nodes(data=True)])
    picks = rng.integers(0, len(xs), count)
    return xs[picks] + rng.normal(0, 0.0007, count), ys[picks] + rng.normal(0, 0.0007, count)


def with_points(router, snaps):
    """A copy of the graph with each snapped point inserted as node ('p', i) on its segment."""
    graph = nx.MultiDiGraph(router.graph)
    seg = router.segments
    by_segment = {}
    for i, snap in enumerate(snaps):
        by_segment.setdefault(snap.segment, []).append((snap.fraction, ("p", i)))
    for s, points in by_segment.items():
        points.sort()
        u, v = int(router.network.node_ids[seg.u[s]]), int(router.network.node_ids[seg.v[s]])
        for edge, chain in ((seg.forward_edge[s], [(0.0, u), *points, (1.0, v)]),
                            (seg.backward_edge[s], [(1.0, v), *points[::-1], (0.0, u)])):
            if edge < 0:
                continue
            time = router.network.edge_time_s[edge]
            graph.remove_edge(*router.edge_keys[edge])
            for (fa, a), (fb, b) in zip(chain[:-1], chain[1:], strict=True):
                graph.add_edge(a, b, travel_time=abs(fb - fa) * time)
    return graph


@pytest.mark.parametrize("mode", MODES)
def test_node_to_node_times_equal_networkx(routers, mode):
    router = routers[mode]
    rng = np.random.default_rng(1)
    nodes = list(router.graph.nodes)
    origins = [nodes[i] for i in rng.choice(len(nodes), 25, replace=False)]
    targets = [nodes[i] for i in rng.choice(len(nodes), 20, replace=False)]  # 25 x 20 = 500 pairs
    ours = router.matrix(origins, targets)
    worst = 0.0
    for i, origin in enumerate(origins):
        reference = nx.single_source_dijkstra_path_length(router.graph, origin, weight="travel_time")
        worst = max(worst, max(abs(ours[i, j] - reference[t]) for j, t in enumerate(targets)))
        one_to_all = router.node_times(router.times_from(origin))
        assert one_to_all.keys() == reference.keys()
        worst = max(worst, max(abs(one_to_all[n] - reference[n]) for n in reference))
    assert worst < TOLERANCE_S


@pytest.mark.parametrize("mode", MODES)
def test_point_to_point_times_equal_networkx(routers, mode):
    router = routers[mode]
    lons, lats = random_points(router, 60, seed=2)
    snaps = router.snap_many(lons, lats)
    graph = with_points(router, snaps)
    ours = router.matrix(snaps[:25], snaps[25:])  # 25 x 35 = 875 pairs
    worst = 0.0
    for i in range(25):
        reference = nx.single_source_dijkstra_path_length(graph, ("p", i), weight="travel_time")
        for j in range(25, 60):
            worst = max(worst, abs(ours[i, j - 25] - reference[("p", j)]))
    assert worst < TOLERANCE_S


@pytest.mark.parametrize("mode", MODES)
def test_many_to_one_equals_networkx(routers, mode):
    router = routers[mode]
    lons, lats = random_points(router, 1, seed=3)
    target = router.snap(lons[0], lats[0])
    graph = with_points(router, [target])
    reference = nx.single_source_dijkstra_path_length(graph.reverse(copy=False), ("p", 0), weight="travel_time")
    ours = router.node_times(router.times_to(target))
    assert ours.keys() == {n for n in reference if n != ("p", 0)}
    assert max(abs(ours[n] - reference[n]) for n in ours) < TOLERANCE_S


@pytest.mark.parametrize("mode", MODES)
def test_nearest_origin_equals_networkx_multi_source(routers, mode):
    router = routers[mode]
    rng = np.random.default_rng(4)
    nodes = list(router.graph.nodes)
    origins = [nodes[i] for i in rng.choice(len(nodes), 12, replace=False)]
    times, owner = router.nearest_origin(origins)
    reference = nx.multi_source_dijkstra_path_length(router.graph, set(origins), weight="travel_time")
    for index, node in enumerate(router.network.node_ids.tolist()):
        assert abs(times[index] - reference[node]) < TOLERANCE_S
        own = router.node_times(router.times_from(origins[owner[index]]))
        assert abs(own[node] - reference[node]) < TOLERANCE_S  # the owner really is a fastest origin


def test_nearest_origin_with_snapped_origins_and_a_limit(routers):
    router = routers["ebike"]
    lons, lats = random_points(router, 5, seed=5)
    snaps = router.snap_many(lons, lats)
    times, owner = router.nearest_origin(snaps, limit_s=600)
    each = np.vstack([router.times_from(s, limit_s=600) for s in snaps])
    assert np.allclose(times, each.min(axis=0), atol=TOLERANCE_S, equal_nan=False)
    unreached = ~np.isfinite(each.min(axis=0))
    assert unreached.any() and np.all(owner[unreached] == -1)
    assert np.all(times[~unreached] <= 600)


def test_snapping_matches_brute_force(routers):
    router = routers["car"]
    lons, lats = random_points(router, 300, seed=6)
    snaps = router.snap_many(lons, lats)
    seg = router.segments
    xs, ys = seg.metric_transformer.transform(lons, lats)
    for snap, x, y in zip(snaps, xs, ys, strict=True):
        distances = shapely.distance(seg.geometry_m, shapely.Point(x, y))
        assert snap.distance_m == pytest.approx(distances.min(), abs=1e-6)
        assert distances[snap.segment] == pytest.approx(distances.min(), abs=1e-6)
        assert 0.0 <= snap.fraction <= 1.0


def test_snapping_is_to_the_segment_not_the_node(routers):
    router = routers["foot"]
    s = int(np.argmax(router.segments.length_m))
    middle = router.segments.geometry_wgs84[s].interpolate(0.5, normalized=True)
    snap = router.snap(middle.x, middle.y)
    assert snap.segment == s or router.segments.length_m[snap.segment] > 0
    assert snap.distance_m < 1.0
    assert 0.05 < snap.fraction < 0.95


def test_one_way_street_snaps_have_one_direction(routers):
    router = routers["car"]
    seg = router.segments
    one_way = np.flatnonzero((seg.forward_edge >= 0) & (seg.backward_edge < 0))
    s = int(one_way[np.argmax(seg.length_m[one_way])])
    point = seg.geometry_wgs84[s].interpolate(0.5, normalized=True)
    snap = router.snap(point.x, point.y)
    assert snap.segment == s
    assert len(snap.leave) == 1 and snap.leave[0][0] == seg.v[s]
    assert len(snap.arrive) == 1 and snap.arrive[0][0] == seg.u[s]


def test_far_point_is_an_error_with_the_distance(routers):
    with pytest.raises(SnapError, match=r"is \d+ m from the nearest car street \(limit 500 m\)"):
        routers["car"].snap(104.30, 30.69)
    with pytest.raises(CoordinateError, match="latitude"):
        routers["car"].snap(104.06, 130.0)


@pytest.mark.parametrize("mode", MODES)
def test_route_geometry_length_and_time(routers, mode):
    router = routers[mode]
    lons, lats = random_points(router, 40, seed=7)
    snaps = router.snap_many(lons, lats)
    for a, b in zip(snaps[:20], snaps[20:], strict=True):
        route = router.route(a, b)
        assert route.travel_time_s == pytest.approx(router.travel_time(a, b), abs=TOLERANCE_S)
        # osmnx lengths are great-circle (sphere); the geodesic length differs by well under 0.5 %.
        assert GEOD.geometry_length(route.geometry) == pytest.approx(route.distance_m, rel=5e-3, abs=0.5)
        start, end = route.geometry.coords[0], route.geometry.coords[-1]
        assert GEOD.inv(*start, a.lon, a.lat)[2] < 0.5 and GEOD.inv(*end, b.lon, b.lat)[2] < 0.5
        times = [router.graph.edges[u, v, k]["travel_time"] for u, v in zip(route.nodes[:-1], route.nodes[1:], strict=True)
                 for k in [min(router.graph[u][v], key=lambda k, u=u, v=v: router.graph[u][v][k]["travel_time"])]]
        assert sum(times) <= route.travel_time_s + TOLERANCE_S


def test_foot_times_are_symmetric(routers):
    router = routers["foot"]
    lons, lats = random_points(router, 30, seed=8)
    snaps = router.snap_many(lons, lats)
    forward = router.matrix(snaps, snaps)
    assert np.allclose(forward, forward.T, atol=TOLERANCE_S)


def test_same_segment_route_goes_straight_along_it(routers):
    router = routers["foot"]
    s = int(np.argmax(router.segments.length_m))
    line = router.segments.geometry_wgs84[s]
    a = router.snap(*line.interpolate(0.3, normalized=True).coords[0])
    b = router.snap(*line.interpolate(0.6, normalized=True).coords[0])
    route = router.route(a, b)
    edge_time = router.network.edge_time_s[router.segments.forward_edge[s]]
    assert route.travel_time_s == pytest.approx((b.fraction - a.fraction) * edge_time, abs=TOLERANCE_S)


@pytest.mark.parametrize("mode", ["foot", "car"])
def test_isochrone_equals_networkx_cutoff(routers, mode):
    router = routers[mode]
    origin = list(router.graph.nodes)[17]
    limit = 600.0
    reference = nx.single_source_dijkstra_path_length(router.graph, origin, cutoff=limit, weight="travel_time")
    iso = router.isochrone(origin, limit)
    assert set(iso.nodes) == set(reference)
    polygon = iso.polygon
    assert polygon.is_valid and not polygon.is_empty
    assert all(polygon.covers(shapely.Point(router.graph.nodes[n]["x"], router.graph.nodes[n]["y"])) for n in reference)
    limited = router.times_from(origin, limit_s=limit)
    assert np.isinf(limited).sum() == router.network.size - len(reference)


def test_unreachable_is_reported_not_a_big_number():
    graph = nx.MultiDiGraph(crs="epsg:4326", mode="car")
    for node, x in ((1, 104.0), (2, 104.001), (3, 104.01), (4, 104.011)):
        graph.add_node(node, x=x, y=30.0)
    for u, v in ((1, 2), (2, 1), (3, 4)):
        line = shapely.LineString([(graph.nodes[u]["x"], 30.0), (graph.nodes[v]["x"], 30.0)])
        graph.add_edge(u, v, travel_time=10.0, length=96.0, geometry=line)
    from geo.crs import utm_crs_for

    router = Router(graph, utm_crs_for(104.0, 30.0))
    assert np.isinf(router.matrix([1], [3])[0, 0])
    assert np.isinf(router.times_from(1)[router.network.index[4]])
    with pytest.raises(UnreachableError, match="no car route"):
        router.route(1, 4)
    times, owner = router.nearest_origin([1])
    assert owner[router.network.index[3]] == -1


def test_parallel_edges_the_fastest_counts():
    network = CompiledNetwork.from_arrays([10, 20], [0, 0, 0], [1, 1, 1], [30.0, 5.0, 12.0], [100.0, 90.0, 80.0])
    assert network.search([0])[0, 1] == 5.0
    assert network.fastest_edge(0, 1) == 1


@pytest.mark.parametrize("mode", MODES)
def test_all_pairs_table_equals_dijkstra(routers, mode):
    network = routers[mode].network
    assert network.table is not None and network.table.shape == (network.size, network.size)
    rng = np.random.default_rng(9)
    sources = rng.choice(network.size, 40, replace=False)
    # Same paths; sums may differ in the last bits (another order of additions).
    assert np.allclose(network.search(sources), network.dijkstra(sources), rtol=0, atol=1e-9)
    assert np.allclose(network.search(sources, reverse=True), network.dijkstra(sources, reverse=True), rtol=0, atol=1e-9)
    limited, searched = network.search(sources, limit_s=300.0), network.dijkstra(sources, limit_s=300.0)
    assert np.array_equal(np.isinf(limited), np.isinf(searched))
    assert np.allclose(limited[np.isfinite(limited)], searched[np.isfinite(searched)], rtol=0, atol=1e-9)


def test_big_graphs_search_without_a_table():
    from geo.network import TABLE_MAX_NODES
    from geo.synthetic import grid_network

    side = int(TABLE_MAX_NODES**0.5) + 2
    network = grid_network(side, side, seed=4)
    assert network.size > TABLE_MAX_NODES and network.table is None
    row = network.search([0])[0]
    assert np.isfinite(row).all() and row[0] == 0.0
