"""Routing without the all-pairs table (the path every city over 6,000 nodes takes: the contraction hierarchy for
matrices, many-to-one times and routes; Dijkstra searches for one-to-all and bounded searches) against networkx, on
the real extracts: Chengdu, Andorra and North Bayreuth; snapped points, one-way streets.

The hierarchy counts whole milliseconds per edge, so its times may differ from the exact ones by at most 0.5 ms per
edge of the paths compared (ours and networkx's); routes sum the exact edge times along the hierarchy's path."""

import os

import networkx as nx
import numpy as np
import pytest

from geo import paths
from geo.routing import Router
from tests.geo.test_routing import TOLERANCE_S, random_points, with_points

MS_PER_EDGE = 0.0005  # seconds: the hierarchy's rounding per edge


def hierarchy_tolerance(path_nodes: int) -> float:
    """The bound on |hierarchy - exact| for a path of ``path_nodes`` nodes (ours may use as many edges again)."""
    return 2 * MS_PER_EDGE * max(1, path_nodes) + TOLERANCE_S

pytestmark = pytest.mark.slow
MODES = ("foot", "ebike", "car")
EXTRACTS = {"andorra": "andorra.osm.pbf", "north-bayreuth": "north-bayreuth.osm.gz"}


@pytest.fixture(scope="module")
def cities(chengdu, tmp_path_factory):
    from bench.common import instance_at
    from geo.city import build_city

    built = {"chengdu": chengdu}
    with instance_at(tmp_path_factory.mktemp("beyond-table")):
        for name, extract in EXTRACTS.items():
            built[name] = build_city(name, str(paths.shared_dir() / "osm" / extract))
        yield built


def searching_router(city, mode: str) -> Router:
    """A router of ``mode`` that never uses the all-pairs table (as on a city over TABLE_MAX_NODES nodes)."""
    router = Router(city.graph(mode), city.crs, mode=mode)
    router.network.__dict__["table"] = None  # the cached property, settled to "no table"
    assert router.hierarchy is not None
    return router


@pytest.mark.parametrize("name", ["chengdu", "andorra", "north-bayreuth"])
@pytest.mark.parametrize("mode", MODES)
def test_matrix_of_snapped_points_equals_networkx(cities, name, mode):
    router = searching_router(cities[name], mode)
    assert router.network.table is None
    lons, lats = random_points(router, 40, seed=11)
    snaps = router.snap_many(lons, lats, max_distance_m=2000)
    graph = with_points(router, snaps)
    ours = router.matrix(snaps[:15], snaps[15:])  # 15 x 25 pairs
    finite = 0
    for i in range(15):
        reference, paths_ = nx.single_source_dijkstra(graph, ("p", i), weight="travel_time")
        for j in range(15, 40):
            expected = reference.get(("p", j), np.inf)
            if np.isfinite(expected):
                finite += 1
                assert abs(ours[i, j - 15] - expected) <= hierarchy_tolerance(len(paths_[("p", j)])), (i, j)
            else:
                assert ours[i, j - 15] == np.inf
    # routes: the exact edge times along the hierarchy's path, never faster than the optimum
    for i, j in ((0, 20), (3, 30), (7, 39)):
        expected = nx.shortest_path_length(graph, ("p", i), ("p", j), weight="travel_time") \
            if nx.has_path(graph, ("p", i), ("p", j)) else np.inf
        if np.isfinite(expected):
            route = router.route(snaps[i], snaps[j])
            nodes = len(nx.shortest_path(graph, ("p", i), ("p", j), weight="travel_time"))
            assert expected - TOLERANCE_S <= route.travel_time_s <= expected + hierarchy_tolerance(nodes)
    assert finite > 100


@pytest.mark.parametrize("name", ["chengdu", "andorra", "north-bayreuth"])
def test_one_way_streets_are_respected_without_the_table(cities, name):
    """Car times over one-way streets: ours equals networkx both ways, and some pairs differ by direction."""
    router = searching_router(cities[name], "car")
    segments = router.segments
    one_way = np.flatnonzero((segments.forward_edge < 0) ^ (segments.backward_edge < 0))
    assert len(one_way) > 0, f"{name}: no one-way street to test"
    rng = np.random.default_rng(5)
    picked = rng.choice(one_way, min(12, len(one_way)), replace=False)
    nodes = [int(router.network.node_ids[segments.u[s]]) for s in picked]
    there = router.matrix(nodes, nodes)
    for i, a in enumerate(nodes):
        reference, paths_ = nx.single_source_dijkstra(router.graph, a, weight="travel_time")
        for j, b in enumerate(nodes):
            if b in reference:
                assert abs(there[i, j] - reference[b]) <= hierarchy_tolerance(len(paths_[b]))
            else:
                assert there[i, j] == np.inf
    assert np.any(np.abs(there - there.T)[np.isfinite(there) & np.isfinite(there.T)] > 1.0)


@pytest.mark.parametrize("name", ["andorra", "north-bayreuth"])
@pytest.mark.parametrize("mode", MODES)
def test_bounded_search_equals_networkx_cutoff(cities, name, mode):
    router = searching_router(cities[name], mode)
    node = list(router.graph.nodes)[len(router.graph) // 3]
    limit = 600.0
    reference = nx.single_source_dijkstra_path_length(router.graph, node, cutoff=limit, weight="travel_time")
    ours = router.node_times(router.times_from(node, limit_s=limit))
    assert ours.keys() == reference.keys()
    assert max(abs(ours[n] - reference[n]) for n in ours) < TOLERANCE_S


@pytest.mark.parametrize("name", ["chengdu", "andorra", "north-bayreuth"])
@pytest.mark.parametrize("mode", MODES)
def test_many_to_one_times_equal_networkx(cities, name, mode):
    """Every patrol's time to a report (what a recommendation ranks by): one many-to-one query."""
    router = searching_router(cities[name], mode)
    lons, lats = random_points(router, 41, seed=7)
    snaps = router.snap_many(lons, lats, max_distance_m=2000)
    target, origins = snaps[0], snaps[1:]
    graph = with_points(router, snaps)
    reference, paths_ = nx.single_source_dijkstra(graph.reverse(copy=False), ("p", 0), weight="travel_time")
    ours = router.times_to_place(origins, target)
    for k, seconds in enumerate(ours, start=1):
        expected = reference.get(("p", k), np.inf)
        if np.isfinite(expected):
            assert abs(seconds - expected) <= hierarchy_tolerance(len(paths_[("p", k)])), k
        else:
            assert seconds == np.inf


@pytest.mark.parametrize("name", ["andorra", "north-bayreuth"])
def test_matrix_with_a_limit_searches_bounded_and_equals_networkx(cities, name, monkeypatch):
    """Coverage matrices (many targets, a time limit) come from bounded searches: exact within the limit."""
    import geo.routing

    monkeypatch.setattr(geo.routing, "BOUNDED_FROM_SINKS", 10)
    router = searching_router(cities[name], "foot")
    lons, lats = random_points(router, 60, seed=13)
    snaps = router.snap_many(lons, lats, max_distance_m=2000)
    graph = with_points(router, snaps)
    limit = 900.0
    ours = router.matrix(snaps[:8], snaps[8:], limit_s=limit)
    within = 0
    for i in range(8):
        reference = nx.single_source_dijkstra_path_length(graph, ("p", i), cutoff=limit, weight="travel_time")
        for j in range(8, 60):
            expected = reference.get(("p", j), np.inf)
            within += bool(np.isfinite(expected))
            assert (ours[i, j - 8] == np.inf) if not np.isfinite(expected) else abs(ours[i, j - 8] - expected) < TOLERANCE_S
    assert within > 0


@pytest.mark.parametrize("name,mode", [("chengdu", "foot"), ("andorra", "car")])
def test_matrix_shared_with_a_helper_process_equals_networkx(cities, name, mode, monkeypatch):
    """A matrix with many origins: a helper process answers half of them from its own copy of the hierarchy.
    Its rows equal the same matrix answered in this process alone, and networkx on the helper's origins; a
    helper killed meanwhile costs nothing but time (its share is answered here)."""
    import os
    import signal

    from geo import query_helpers

    monkeypatch.setattr(query_helpers, "_configured", 1)
    router = searching_router(cities[name], mode)
    lons, lats = random_points(router, 260, seed=17)
    snaps = router.snap_many(lons, lats, max_distance_m=2000)
    origins, targets = snaps[:240], snaps[240:]
    assert query_helpers.shares(len(origins), 2) == [(0, 120), (120, 240)]
    assert router.hierarchy.warm_helpers() == 1
    shared = router.matrix(origins, targets)
    alone = router.matrix(origins, targets, helpers=False)
    assert np.array_equal(shared, alone)
    graph = with_points(router, snaps)
    for i in (120, 181, 239):  # origins of the helper's share
        reference, paths_ = nx.single_source_dijkstra(graph, ("p", i), weight="travel_time")
        for j in range(20):
            expected = reference.get(("p", 240 + j), np.inf)
            if np.isfinite(expected):
                assert abs(shared[i, j] - expected) <= hierarchy_tolerance(len(paths_[("p", 240 + j)])), (i, j)
            else:
                assert shared[i, j] == np.inf
    helper = query_helpers._helpers[0]
    for pid in list(helper.executor._processes):
        os.kill(pid, signal.SIGKILL)
    assert np.array_equal(router.matrix(origins, targets), alone)
    assert helper not in query_helpers._helpers  # dropped; the next big matrix starts a fresh one


def test_the_helper_count_comes_from_the_settings():
    """``PATROL_QUERY_HELPERS`` is read by ``web.settings`` (geo reads no environment) and applied to the helpers."""
    from geo import query_helpers
    from web.settings import Settings

    try:
        Settings.from_environ({"PATROL_QUERY_HELPERS": "0"}).apply()
        assert query_helpers.helper_count() == 0
        assert query_helpers.answer_in_helpers("k", None, dict, [[(0, 0)]] * 500, [1], lambda s, t: s) is None
        Settings.from_environ({"PATROL_QUERY_HELPERS": "2"}).apply()
        assert query_helpers.helper_count() == 2
        Settings.from_environ({"PATROL_QUERY_HELPERS": "many"}).apply()  # not a number: from the cores
        assert query_helpers.helper_count() == max(0, min(len(os.sched_getaffinity(0)) - 1, 3))
    finally:
        query_helpers.configure(None)
