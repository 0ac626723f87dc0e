"""Default key blocks derived from OSM: rules on a small file, and the real default city."""

import math

import geopandas as gpd
import pyproj
import pytest
from shapely.geometry import box

from geo.blocks.derive import derive_blocks
from geo.blocks.model import KINDS
from geo.blocks.store import derive_city_blocks
from geo.blocks.validate import find_overlaps
from tests.osm_files import write_osm

UTM = pyproj.CRS.from_epsg(32648)
CITY = box(104.0, 30.6, 104.1, 30.7)


def test_rules_on_a_small_file(tmp_path):
    nodes = [
        (1, 104.050, 30.650, {"amenity": "school", "name": "第一小学"}),
        (2, 104.020, 30.650, {"railway": "station", "name": "地铁站"}),
        (3, 104.0205, 30.650, {"public_transport": "station", "name": "地铁站"}),  # the same station, 50 m away
        # two touching marketplaces (closed ways)
        (10, 104.030, 30.630), (11, 104.031, 30.630), (12, 104.031, 30.631), (13, 104.030, 30.631),
        (14, 104.032, 30.630), (15, 104.032, 30.631),
        # a pedestrian street
        (20, 104.070, 30.670), (21, 104.073, 30.670),
        # a school far outside the city
        (30, 105.0, 31.0, {"amenity": "school", "name": "远方学校"}),
    ]
    ways = [
        (100, [10, 11, 12, 13, 10], {"amenity": "marketplace", "name": "小市场"}),
        (101, [11, 14, 15, 12, 11], {"amenity": "marketplace", "name": "大市场大市场"}),
        (102, [20, 21], {"highway": "pedestrian", "name": "步行街"}),
    ]
    blocks_gdf = derive_blocks(write_osm(tmp_path / "t.osm", nodes, ways), CITY, UTM)
    by_kind = {k: g for k, g in blocks_gdf.groupby("kind")}
    assert sorted(by_kind) == ["commercial_street", "market", "school_surroundings", "transit_hub"]
    school = by_kind["school_surroundings"].iloc[0]
    assert school["name"] == "第一小学" and school["id"] == "SCH-001"
    area = blocks_gdf[blocks_gdf["id"] == "SCH-001"].to_crs(UTM).area.iloc[0]
    assert area == pytest.approx(math.pi * 150**2, rel=0.05)  # a 150 m buffer around a school point
    assert len(by_kind["transit_hub"]) == 1  # both station points merged
    (market,) = by_kind["market"].itertuples()
    assert market.source.startswith("osm way/100,way/101")
    street = blocks_gdf[blocks_gdf["kind"] == "commercial_street"].to_crs(UTM).geometry.iloc[0]
    assert street.area == pytest.approx(290 * 50 + math.pi * 25**2, rel=0.1)  # 25 m each side of a 290 m street
    assert "远方学校" not in set(blocks_gdf["name"])


def test_derivation_is_reproducible(tmp_path):
    nodes = [(1, 104.050, 30.650, {"amenity": "school", "name": "A"}), (2, 104.060, 30.650, {"amenity": "school", "name": "B"})]
    path = write_osm(tmp_path / "t.osm", nodes, [])
    first, second = derive_blocks(path, CITY, UTM), derive_blocks(path, CITY, UTM)
    assert first.to_json() == second.to_json()


@pytest.mark.slow
def test_default_city_blocks(chengdu):
    blocks_gdf = derive_city_blocks(chengdu)
    counts = blocks_gdf["kind"].value_counts().to_dict()
    assert set(counts) <= set(KINDS)
    assert counts["market"] >= 8 and counts["school_surroundings"] >= 30 and counts["transit_hub"] >= 20
    assert counts["commercial_street"] >= 20
    names = set(blocks_gdf["name"])
    assert {"解放路农贸市场", "火车北站"} <= names
    assert blocks_gdf["id"].is_unique
    local = blocks_gdf.to_crs(chengdu.crs)
    city = chengdu.jurisdiction
    outside_m2 = local.geometry.difference(gpd.GeoSeries([city], crs="EPSG:4326").to_crs(chengdu.crs).iloc[0]).area
    assert outside_m2.max() < 1.0  # clipped to the jurisdiction (reprojection leaves under a square metre)
    assert (local.area >= 1000).all()
    # Pieces of one kind that touched were merged: no two blocks of one kind overlap.
    for _, group in blocks_gdf.groupby("kind"):
        assert find_overlaps(group, chengdu.crs) == []
