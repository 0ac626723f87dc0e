"""Graphs built straight from arrays equal osmnx's graphs of the same ways (the reference).

The reference is the osmnx pipeline the product used before: the mode's ways written as OSM XML,
``osmnx.graph_from_xml``, clipped, largest strongly connected component, speeds, then
``osmnx.simplify_graph``. Both must give the same nodes, the same edge count, the same street
length and the same fastest times (networkx Dijkstra on each).
"""

import networkx as nx
import numpy as np
import osmnx as ox
import pytest
import shapely

from geo import paths
from geo.graph import build_mode_graph, street_km
from geo.osm import read_streets, write_mode_xml
from geo.profile import MODES, default_profile
from geo.speeds import edge_speed_kph

pytestmark = pytest.mark.slow
EXTRACTS = ["andorra.osm.pbf", "north-bayreuth.osm.gz", "chengdu-center-2018.osm.pbf"]


def osmnx_reference(extract, mode, polygon, tmp_path):
    xml = tmp_path / f"{mode.name}.osm"
    write_mode_xml(extract, mode, xml)
    ox.settings.useful_tags_way = sorted(set(ox.settings.useful_tags_way) | {"name:en", "junction"})
    raw = ox.graph_from_xml(xml, bidirectional=not mode.respect_oneway, simplify=False, retain_all=True)
    inside = [n for n, d in raw.nodes(data=True) if polygon.covers(shapely.Point(d["x"], d["y"]))]
    connected = ox.truncate.largest_component(raw.subgraph(inside).copy(), strongly=True)
    for _, _, data in connected.edges(data=True):
        data["travel_time"] = data["length"] / (edge_speed_kph(data, mode) / 3.6)
    return ox.simplify_graph(connected, edge_attrs_differ=["name", "highway"],
                             edge_attr_aggs={"length": sum, "travel_time": sum})


@pytest.mark.parametrize("name", EXTRACTS)
def test_graphs_equal_osmnx(name, tmp_path):
    path = paths.shared_dir() / "osm" / name
    profile = default_profile("t")
    extract = read_streets(path, sorted({h for m in profile.modes.values() for h in m.highways}))
    polygon = extract.bounding_polygon()
    rng = np.random.default_rng(0)
    for mode_name in MODES:
        mode = profile.mode(mode_name)
        ours, report = build_mode_graph(extract, mode, polygon)
        reference = osmnx_reference(extract, mode, polygon, tmp_path)
        assert set(ours.nodes) == set(reference.nodes), mode_name
        assert ours.number_of_edges() == reference.number_of_edges(), mode_name
        reference_km = sum(d["length"] for _, _, d in ox.convert.to_undirected(reference).edges(data=True)) / 1000
        assert street_km(ours) == pytest.approx(reference_km, rel=0.01)
        assert report.street_km == pytest.approx(street_km(ours), abs=0.01)
        for _, _, data in ours.edges(data=True):
            assert data["geometry"].length > 0 and data["length"] > 0 and data["travel_time"] > 0
            assert data["speed_kph"] == pytest.approx(data["length"] / data["travel_time"] * 3.6)
        for source in rng.choice(list(ours.nodes), size=5, replace=False):
            a = nx.single_source_dijkstra_path_length(ours, source, weight="travel_time")
            b = nx.single_source_dijkstra_path_length(reference, source, weight="travel_time")
            assert a.keys() == b.keys()
            assert max(abs(a[n] - b[n]) for n in a) < 1e-6


def test_loaded_graph_keeps_geometries(chengdu):
    from geo.city import load_city

    loaded = load_city("chengdu")
    for mode in MODES:
        built, again = chengdu.graph(mode), loaded.graph(mode)
        assert built.number_of_edges() == again.number_of_edges()
        for (u, v, k, data), (u2, v2, k2, data2) in zip(built.edges(keys=True, data=True),
                                                        again.edges(keys=True, data=True), strict=True):
            assert (u, v, k) == (u2, v2, k2) and data["geometry"].equals(data2["geometry"])
