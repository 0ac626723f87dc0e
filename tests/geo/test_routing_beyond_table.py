"""Routing without the all-pairs table (the path every city over 6,000 nodes takes) against networkx, on the real
extracts: Chengdu, Andorra and North Bayreuth; snapped points, one-way streets, bounded searches, the dispatch tree."""

import networkx as nx
import numpy as np
import pytest

from geo import paths
from geo.routing import Router
from tests.geo.test_routing import TOLERANCE_S, random_points, with_points

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
    worst, finite = 0.0, 0
    for i in range(15):
        reference = nx.single_source_dijkstra_path_length(graph, ("p", i), weight="travel_time")
        for j in range(15, 40):
            expected = reference.get(("p", j), np.inf)
            if np.isfinite(expected):
                finite += 1
                worst = max(worst, abs(ours[i, j - 15] - expected))
            else:
                assert ours[i, j - 15] == np.inf
    assert finite > 100 and worst < TOLERANCE_S


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
        reference = nx.single_source_dijkstra_path_length(router.graph, a, weight="travel_time")
        for j, b in enumerate(nodes):
            assert abs(there[i, j] - reference.get(b, np.inf)) < TOLERANCE_S or there[i, j] == reference.get(b, np.inf)
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
def test_dispatch_tree_equals_networkx(cities, name):
    """Every patrol's ETA to a report from the reverse tree (what a recommendation ranks by)."""
    router = searching_router(cities[name], "ebike")
    lons, lats = random_points(router, 21, seed=7)
    snaps = router.snap_many(lons, lats, max_distance_m=2000)
    target, origins = snaps[0], snaps[1:]
    graph = with_points(router, snaps)
    reference = nx.single_source_dijkstra_path_length(graph.reverse(copy=False), ("p", 0), weight="travel_time")
    tree = router.tree_to(target)
    for k, origin in enumerate(origins, start=1):
        seconds, _, _ = router.via_tree(origin, tree)
        expected = reference.get(("p", k), np.inf)
        assert seconds == expected if not np.isfinite(expected) else abs(seconds - expected) < TOLERANCE_S
