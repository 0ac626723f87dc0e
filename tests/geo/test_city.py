"""The city pipeline: small files made here, the default city, the cache and failures."""

import dataclasses
import json
import pickle

import networkx as nx
import pytest
from shapely.geometry import Point, box

from geo import city as city_module
from geo import paths
from geo.city import build_city, city_summary, get_city, load_city, resolve_source
from geo.errors import CityNotBuiltError, NoStreetsError, UnknownCityError
from geo.profile import MODES, load_profile
from tests.osm_files import ORIGIN_LAT, ORIGIN_LON, grid_node, small_town, write_osm


def edge_set(graph):
    return {(u, v) for u, v in graph.edges()}


def test_small_town_graphs_follow_the_mode_rules(fresh_instance, tmp_path):
    town = build_city("town", str(small_town(tmp_path / "town.osm")))
    foot, ebike, car = (town.graph(m) for m in MODES)
    one_way = (grid_node(0, 1)[0], grid_node(1, 1)[0])  # north along the one-way street
    footway = (grid_node(0, 2)[0], grid_node(1, 2)[0])
    assert one_way in edge_set(car) and one_way[::-1] not in edge_set(car)
    assert one_way in edge_set(ebike) and one_way[::-1] not in edge_set(ebike)
    assert one_way in edge_set(foot) and one_way[::-1] in edge_set(foot)
    assert footway in edge_set(foot) and footway not in edge_set(car) and footway not in edge_set(ebike)
    assert all(n < 900 for n in foot.nodes)  # the building never became a street
    for graph in (foot, ebike, car):
        assert nx.is_strongly_connected(graph)
        for _, _, data in graph.edges(data=True):
            assert data["travel_time"] == pytest.approx(data["length"] / (data["speed_kph"] / 3.6))
            assert data["geometry"].geom_type == "LineString"
    west = [d for u, v, d in car.edges(data=True) if d["osmid"] == 200]
    assert west and all(d["speed_kph"] == 40.0 for d in west)  # maxspeed=40
    assert all(d["speed_kph"] == 5.0 for *_, d in foot.edges(data=True))
    summary = city_summary(town)
    assert summary["modes"]["foot"]["street_km"] > summary["modes"]["car"]["street_km"]


def test_small_town_with_missing_nodes_is_counted(fresh_instance, tmp_path):
    path = small_town(tmp_path / "town.osm")
    text = path.read_text(encoding="utf-8").replace('<nd ref="3"/>', '<nd ref="3"/><nd ref="777"/>', 1)
    path.write_text(text, encoding="utf-8")
    town = build_city("town", str(path))
    assert town.report["ways_cut_for_missing_nodes"] == 1
    assert town.report["missing_node_refs"] == 1


def test_clipping_to_the_file_bounds_drops_the_tail(fresh_instance, tmp_path):
    # A street running 2 km east, outside the file's box, must not be planned on.
    path = small_town(tmp_path / "town.osm", bounds=(ORIGIN_LON - 0.0005, ORIGIN_LAT - 0.0005,
                                                      ORIGIN_LON + 0.0035, ORIGIN_LAT + 0.0025))
    text = path.read_text(encoding="utf-8").replace(
        "</osm>",
        f'<node id="500" lat="{ORIGIN_LAT:.7f}" lon="{ORIGIN_LON + 0.02:.7f}"/>'
        '<way id="501"><nd ref="4"/><nd ref="500"/><tag k="highway" v="primary"/></way></osm>',
    )
    path.write_text(text, encoding="utf-8")
    town = build_city("town", str(path))
    for mode in MODES:
        assert 500 not in town.graph(mode)
        assert town.report["modes"][mode]["nodes_outside_jurisdiction"] >= 1


def test_file_without_streets_fails_and_leaves_no_cache(fresh_instance, tmp_path):
    nodes = [grid_node(0, c) for c in range(3)]
    path = write_osm(tmp_path / "field.osm", nodes, [(1, [1, 2, 3], {"landuse": "meadow"})])
    with pytest.raises(NoStreetsError):
        build_city("field", str(path))
    assert not (fresh_instance / "cities" / "field").exists() or not any(
        (fresh_instance / "cities" / "field").iterdir()
    )


def test_failure_while_writing_leaves_nothing_half_written(fresh_instance, tmp_path, monkeypatch):
    path = small_town(tmp_path / "town.osm")

    def broken_dump(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(pickle, "dump", broken_dump)
    with pytest.raises(OSError, match="disk full"):
        build_city("town", str(path))
    folder = fresh_instance / "cities" / "town"
    assert [p.name for p in folder.iterdir()] == []
    with pytest.raises(CityNotBuiltError, match="patrol city build"):
        load_city("town")


def test_second_build_is_skipped(fresh_instance, tmp_path):
    path = small_town(tmp_path / "town.osm")
    build_city("town", str(path))
    messages = []
    again = build_city("town", str(path), progress=messages.append)
    assert any("skipped" in m for m in messages)
    assert not any("building" in m for m in messages)
    assert again.graph("car").number_of_edges() > 0


def test_unknown_city_without_profile_or_build():
    with pytest.raises(UnknownCityError, match="known profiles"):
        get_city("atlantis")


def test_fallback_source_when_the_shared_file_is_missing(monkeypatch, tmp_path):
    monkeypatch.setattr(paths, "_current", dataclasses.replace(paths.locations(), shared=tmp_path / "nowhere"))
    notices = []
    source = resolve_source(load_profile("chengdu"), None, notices.append)
    assert source.endswith("Helsinki.osm.pbf")
    assert notices and "NOTICE" in notices[0] and "fallback" in notices[0]


def test_haining_boundary_clips_a_haining_extract(fresh_instance, tmp_path):
    # Streets just inside and outside Haining's boundary near Xiashi (WGS-84).
    inside = (120.67, 30.53)
    nodes = [(1, inside[0], inside[1]), (2, inside[0] + 0.002, inside[1]), (3, inside[0] + 0.002, inside[1] + 0.002),
             (4, 120.95, 30.53), (5, 120.952, 30.53)]
    ways = [(10, [1, 2, 3], {"highway": "residential"}), (11, [3, 4, 5], {"highway": "primary"})]
    built = build_city("haining", str(write_osm(tmp_path / "haining.osm", nodes, ways)))
    assert built.report["clipped_to"] == "boundary"
    assert {1, 3} <= set(built.graph("foot").nodes) and not {4, 5} & set(built.graph("foot").nodes)
    assert built.jurisdiction.contains(Point(inside))
    assert 800 < built.report["jurisdiction_km2"] < 950  # Haining: 863 km2 officially


@pytest.mark.slow
def test_default_city(chengdu):
    summary = city_summary(chengdu)
    assert summary["local_crs"] == "EPSG:32648"
    area = box(104.0421, 30.6528, 104.1296, 30.7279).buffer(1e-6)
    for mode in MODES:
        graph = chengdu.graph(mode)
        info = summary["modes"][mode]
        assert 2000 < info["nodes"] < 4000
        assert 500 < info["street_km"] < 900
        assert nx.is_strongly_connected(graph)
        assert all(area.covers(Point(d["x"], d["y"])) for _, d in graph.nodes(data=True))
    foot, car = chengdu.graph("foot"), chengdu.graph("car")
    assert all(foot.has_edge(v, u) for u, v in foot.edges())
    one_way = [(u, v) for u, v, d in car.edges(data=True) if d["oneway"] and not car.has_edge(v, u)]
    assert len(one_way) > 100
    names = {d.get("name") for *_, d in car.edges(data=True)}
    assert "东御街" in names  # Chinese street names survive
    # Across the area a car needs under about 20 minutes, a walker well over an hour.
    car_times = nx.single_source_dijkstra_path_length(car, next(iter(car.nodes)), weight="travel_time")
    foot_times = nx.single_source_dijkstra_path_length(foot, next(iter(foot.nodes)), weight="travel_time")
    assert max(car_times.values()) < 30 * 60
    assert max(foot_times.values()) > 60 * 60


@pytest.mark.slow
def test_default_city_loads_from_the_cache(chengdu):
    loaded = load_city("chengdu")
    assert loaded.key == chengdu.key
    assert json.loads((loaded.folder / "report.json").read_text(encoding="utf-8"))["city"] == "chengdu"
    assert loaded.graph("car").number_of_edges() == chengdu.graph("car").number_of_edges()


def test_fresh_check_rebuilds_when_the_source_changes(fresh_instance, tmp_path):
    path = small_town(tmp_path / "town.osm")
    first = build_city("town", str(path))
    path.write_text(path.read_text(encoding="utf-8").replace("测试0路", "新路"), encoding="utf-8")
    assert not city_module._is_fresh("town", first.profile)
    again = get_city("town")
    assert again.key != first.key
