"""A bureau's own street layer (GeoPackage, shapefile) builds the three mode graphs like an OSM extract.

Independent references: the OSM extract's own highway ways read with pyosmium (a different reader than
the builder's), the same lines in metres and in US survey feet (a CRS without metres is converted, never
assumed: the graphs must be the same), and a small planted layer whose one-ways and speeds are known.
Cities: Andorra (real OSM lines), and a generated grid near Haining in CGCS2000 Gauss-Kruger (EPSG:4549),
with Chinese class names.
"""

import geopandas as gpd
import numpy as np
import osmium
import pytest
import shapely
from click.testing import CliRunner

from cli.main import _register, cli
from geo import paths
from geo.city import build_city
from geo.errors import OsmFileError
from geo.layers import layer_to_osm
from tests.conftest import strict_loads

_register()
pytestmark = pytest.mark.slow

FEET = "+proj=tmerc +lat_0=0 +lon_0=1.5 +k=0.9996 +x_0=1640416.667 +y_0=0 +ellps=WGS84 +units=us-ft +no_defs"


def osm_highway_lines(path) -> gpd.GeoDataFrame:
    """Every highway way of an OSM file as a WGS-84 line with its tags (pyosmium's WKB factory)."""
    factory = osmium.geom.WKBFactory()
    rows = []
    for way in osmium.FileProcessor(str(path)).with_locations().with_filter(osmium.filter.KeyFilter("highway")):
        if not way.is_way() or len(way.nodes) < 2:
            continue
        try:
            line = shapely.from_wkb(factory.create_linestring(way))
        except RuntimeError:  # a way with missing node locations
            continue
        oneway = way.tags.get("oneway")
        if oneway is None and (way.tags.get("junction") in ("roundabout", "circular") or way.tags.get("highway") == "motorway"):
            oneway = "yes"  # implied in OSM; a bureau's layer says it outright
        rows.append({"highway": way.tags.get("highway"), "maxspeed": way.tags.get("maxspeed"),
                     "oneway": oneway, "name": way.tags.get("name"), "geometry": line})
    return gpd.GeoDataFrame(rows, crs="EPSG:4326")


@pytest.fixture(scope="module")
def andorra_builds(tmp_path_factory):
    from bench.common import instance_at

    folder = tmp_path_factory.mktemp("layers")
    source = paths.shared_dir() / "osm" / "andorra.osm.pbf"
    # The OSM build is clipped to the extract's header box; clip the layer to it too (a layer has no header).
    reader = osmium.io.Reader(str(source), osmium.osm.osm_entity_bits.NOTHING)
    box = reader.header().box()
    reader.close()
    lines = osm_highway_lines(source).clip(shapely.box(box.bottom_left.lon, box.bottom_left.lat,
                                                       box.top_right.lon, box.top_right.lat))
    lines = lines[lines.geom_type == "LineString"].reset_index(drop=True)
    metres = folder / "andorra-streets.gpkg"
    lines.to_crs("EPSG:32631").to_file(metres, layer="streets")
    feet = folder / "andorra-streets-ft.shp"
    lines.to_crs(FEET).to_file(feet)
    with instance_at(folder / "instance"):
        built = {"osm": build_city("andorra", str(source)), "metres": build_city("andorra-gpkg", str(metres)),
                 "feet": build_city("andorra-shp", str(feet))}
        yield built, lines


def street_km(city, mode) -> float:
    return city.report["modes"][mode]["street_km"]


def test_a_layer_in_metres_builds_the_streets_of_the_osm_extract(andorra_builds):
    built, lines = andorra_builds
    layer_city = built["metres"]
    in_metres = lines.to_crs("EPSG:32631")
    for mode in ("foot", "ebike", "car"):
        report = layer_city.report["modes"][mode]
        # Every line of the mode's classes is in the graph, or in a piece dropped as disconnected.
        km = in_metres[in_metres["highway"].isin(layer_city.profile.mode(mode).highways)].length.sum() / 1000
        assert report["street_km"] <= km * 1.01 and km <= (report["street_km"] + report["km_dropped_disconnected"]) * 1.01
        # A layer carries no access tags (private roads, foot=no): at least the OSM build's streets.
        assert report["street_km"] >= 0.98 * street_km(built["osm"], mode), mode
    info = built["metres"].report["layer"]
    assert info["layer_unit"] == "metre" and info["fields"]["class"] == "highway" and info["ways"] == len(lines)


def test_a_layer_in_feet_is_converted_not_read_as_metres(andorra_builds):
    built, _ = andorra_builds
    assert built["feet"].report["layer"]["layer_unit"] == "US survey foot"
    for mode in ("foot", "car"):
        assert street_km(built["feet"], mode) == pytest.approx(street_km(built["metres"], mode), rel=1e-4)
        assert built["feet"].report["modes"][mode]["nodes"] == built["metres"].report["modes"][mode]["nodes"]


def test_layer_routes_are_shortest_paths_and_never_longer_than_osm(andorra_builds):
    """On the layer's car graph a route is networkx's shortest path; with no access restrictions in a
    layer it is never longer than the OSM build's route between the same points."""
    import networkx as nx

    built, _ = andorra_builds
    layer_router, osm_router = built["metres"].router("car"), built["osm"].router("car")
    graph = built["metres"].graph("car")
    node_ids = list(layer_router.network.node_ids)
    rng = np.random.default_rng(2)
    for a, b in rng.choice(len(node_ids), (5, 2), replace=False):
        source, target = int(node_ids[a]), int(node_ids[b])
        try:
            expected = nx.shortest_path_length(graph, source, target, weight="travel_time")
        except nx.NetworkXNoPath:
            continue
        route = layer_router.route(source, target)
        assert route.travel_time_s == pytest.approx(expected, rel=1e-6, abs=0.01)
        start, end = graph.nodes[source], graph.nodes[target]
        osm = osm_router.route(osm_router.snap(start["x"], start["y"]), osm_router.snap(end["x"], end["y"]))
        assert route.travel_time_s <= osm.travel_time_s * 1.02 + 5.0


def haining_grid(crs: str = "EPSG:4549") -> gpd.GeoDataFrame:
    """A 6 x 6 street grid near Haining (120.68 E, 30.51 N), 150 m apart, drawn in ``crs``: a 主干路 row at
    50 km/h, the rest 支路; one street one-way (FT) along its drawing direction."""
    origin = gpd.GeoSeries([shapely.Point(120.68, 30.51)], crs="EPSG:4326").to_crs(crs).iloc[0]
    rows = []
    for i in range(6):
        for j in range(5):
            x0, y0 = origin.x + j * 150, origin.y + i * 150
            rows.append({"class": "主干路" if i == 0 else "支路", "speed": 50 if i == 0 else None,
                         "dir": "FT" if (i, j) == (3, 2) else None, "road_name": f"东{i}路",
                         "geometry": shapely.LineString([(x0, y0), (x0 + 150, y0)])})
            x0, y0 = origin.x + i * 150, origin.y + j * 150
            rows.append({"class": "支路", "speed": None, "dir": None, "road_name": f"南{i}路",
                         "geometry": shapely.LineString([(x0, y0), (x0, y0 + 150)])})
    return gpd.GeoDataFrame(rows, crs=crs)


def test_a_chinese_layer_with_its_own_fields(fresh_instance, tmp_path):
    path = tmp_path / "haining.gpkg"
    haining_grid().to_file(path)
    result = CliRunner().invoke(cli, ["city", "build", str(path), "--name", "haining-grid", "--json"])
    assert result.exit_code == 0, result.output
    summary = strict_loads(result.stdout)
    assert summary["modes"]["car"]["nodes"] == 36
    from geo.city import load_city

    city = load_city("haining-grid")
    info = city.report["layer"]
    assert info["classes"] == {"primary": 5, "residential": 55} and info["fields"]["oneway"] == "dir"
    graph = city.graph("car")
    names = {(d.get("name"), d.get("highway")) for _, _, d in graph.edges(data=True)}
    assert ("东0路", "primary") in names and ("南3路", "residential") in names
    pieces = {(round(graph.nodes[u]["x"], 4), round(graph.nodes[v]["x"], 4))
              for u, v, d in graph.edges(data=True) if d.get("name") == "东3路"}
    assert len(pieces) == 9  # 5 pieces both ways, but the FT one (the third, drawn west to east) only eastward
    one_way = [(a, b) for a, b in pieces if (b, a) not in pieces]
    assert len(one_way) == 1 and one_way[0][0] < one_way[0][1]
    assert {d["speed_kph"] for _, _, d in graph.edges(data=True) if d["highway"] == "primary"} == {50.0}


def test_bad_layers_are_refused_in_one_line(fresh_instance, tmp_path):
    no_crs = tmp_path / "no_crs.shp"
    haining_grid().set_crs(None, allow_override=True).to_file(no_crs)
    (tmp_path / "no_crs.prj").unlink(missing_ok=True)
    points = tmp_path / "points.gpkg"
    gpd.GeoDataFrame({"geometry": [shapely.Point(120.68, 30.51)]}, crs="EPSG:4326").to_file(points)
    engineering = tmp_path / "engineering.gpkg"
    local = 'ENGCRS["site",EDATUM["site"],CS[Cartesian,2],AXIS["x",east,LENGTHUNIT["metre",1]],AXIS["y",north,LENGTHUNIT["metre",1]]]'
    gpd.GeoDataFrame({"geometry": [shapely.LineString([(0, 0), (100, 0)])]}, crs=local).to_file(engineering)
    for path, words in ((no_crs, "has no CRS"), (points, "has no lines"), (engineering, "cannot be measured"),
                        (tmp_path / "missing.gpkg", "does not exist")):
        result = CliRunner().invoke(cli, ["city", "build", str(path), "--name", "bad-layer"])
        errors = [line for line in result.output.splitlines() if line.startswith("error")]
        assert result.exit_code == 2 and len(errors) == 1 and words in result.output, (path, result.output)
        with pytest.raises(OsmFileError):
            layer_to_osm(path, tmp_path / "out.osm")
