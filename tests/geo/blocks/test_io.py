"""Key-block files: GeoJSON and GeoPackage round trips, CRS and datum handling, bad files."""

import geopandas as gpd
import pyproj
import pytest
import shapely
from shapely.geometry import box

from geo.blocks.io import write_blocks_file
from geo.blocks.validate import BlockValidationError, blocks_from_records, validate_blocks
from geo.crs import wgs84_to_gcj02
from geo.polygons import PolygonFileError, read_polygon_file
from tests.geo.blocks import catalogue

CITY = box(104.0421, 30.6528, 104.1296, 30.7279)
UTM = pyproj.CRS.from_epsg(32648)


def sample_blocks():
    records = [
        {"id": "MKT-001", "name": "解放路农贸市场", "kind": "market", "priority": 2.5, "squadron": "一中队",
         "visits_per_shift": 3, "source": "planner", "geometry": catalogue.WITH_HOLE},
        {"id": "COM-001", "name": "春熙路 Chunxi Road", "kind": "commercial_street", "squadron": None,
         "geometry": catalogue.MULTIPART},
    ]
    blocks_gdf, _ = validate_blocks(blocks_from_records(records), CITY, UTM)
    return blocks_gdf


@pytest.mark.parametrize("suffix", [".geojson", ".gpkg"])
def test_round_trip_keeps_geometry_and_attributes(tmp_path, suffix):
    original = sample_blocks()
    path = write_blocks_file(original, tmp_path / f"blocks{suffix}")
    back = read_polygon_file(path)
    assert back.crs.to_epsg() == 4326
    again, _ = validate_blocks(back, CITY, UTM)
    for column in ("id", "name", "kind", "priority", "squadron", "visits_per_shift", "source"):
        assert again[column].tolist() == original[column].tolist(), column
    for a, b in zip(original.geometry, again.geometry, strict=True):
        assert a.geom_type == b.geom_type
        assert shapely.equals_exact(a, b, tolerance=1e-9)


def test_geopackage_opens_with_its_crs_and_layer(tmp_path):
    path = write_blocks_file(sample_blocks(), tmp_path / "blocks.gpkg")
    import pyogrio

    info = pyogrio.read_info(path, layer="key_blocks")
    assert "4326" in info["crs"] and info["features"] == 2 and info["geometry_type"] in ("Polygon", "MultiPolygon", "Unknown")


def test_gcj02_datum_is_converted(tmp_path):
    gcj = shapely.transform(catalogue.SQUARE, lambda xy: __import__("numpy").column_stack(wgs84_to_gcj02(xy[:, 0], xy[:, 1])))
    frame = gpd.GeoDataFrame({"id": ["A"], "name": ["x"], "kind": ["market"]}, geometry=[gcj], crs="EPSG:4326")
    frame.to_file(tmp_path / "amap.geojson")
    plain = read_polygon_file(tmp_path / "amap.geojson")
    converted = read_polygon_file(tmp_path / "amap.geojson", datum="gcj02")
    assert shapely.equals_exact(converted.geometry.iloc[0], catalogue.SQUARE, tolerance=1e-7)
    assert plain.geometry.iloc[0].centroid.distance(catalogue.SQUARE.centroid) > 0.002  # hundreds of metres off


def test_projected_file_is_reprojected(tmp_path):
    frame = gpd.GeoDataFrame({"id": ["A"], "name": ["x"], "kind": ["market"]}, geometry=[catalogue.SQUARE], crs="EPSG:4326")
    frame.to_crs(UTM).to_file(tmp_path / "utm.gpkg")
    back = read_polygon_file(tmp_path / "utm.gpkg")
    assert shapely.equals_exact(back.geometry.iloc[0].normalize(), catalogue.SQUARE.normalize(), tolerance=1e-8)


def test_wrong_crs_ends_outside_the_city(tmp_path):
    # lon/lat written into a file that says UTM 48N: after reprojection the block is nowhere near Chengdu.
    frame = gpd.GeoDataFrame({"id": ["A"], "name": ["x"], "kind": ["market"]}, geometry=[catalogue.SQUARE], crs=UTM)
    frame.to_file(tmp_path / "wrong.gpkg")
    with pytest.raises(BlockValidationError, match="block 'A'.*outside the city"):
        validate_blocks(read_polygon_file(tmp_path / "wrong.gpkg"), CITY, UTM)


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_geopackage_without_crs_is_an_error(tmp_path):
    frame = gpd.GeoDataFrame({"id": ["A"], "name": ["x"], "kind": ["market"]}, geometry=[catalogue.SQUARE])
    frame.to_file(tmp_path / "nocrs.gpkg")
    with pytest.raises(PolygonFileError, match="has no CRS"):
        read_polygon_file(tmp_path / "nocrs.gpkg")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("blocks.shp", b"", "unsupported format"),
        ("missing.geojson", None, "does not exist"),
        ("broken.geojson", b'{"type": "FeatureCollection", "features": [', "cannot read it"),
    ],
)
def test_bad_files(tmp_path, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(PolygonFileError, match=message):
        read_polygon_file(path)


def test_failed_write_leaves_no_file(tmp_path):
    bad = sample_blocks().drop(columns=["name"])
    with pytest.raises(KeyError):
        write_blocks_file(bad, tmp_path / "out.gpkg")
    assert list(tmp_path.iterdir()) == []
