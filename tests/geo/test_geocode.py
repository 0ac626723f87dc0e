"""The offline geocoder: a hand-written test set of the default city's addresses, checked against
positions read independently from the OSM file, plus parsing and error cases."""

import re

import osmium
import pytest
import shapely
from pyproj import Geod

from geo.geocode import GeocodeError, Geocoder, normalize_name
from tests.geo.chengdu_addresses import ADDRESSES

pytestmark = pytest.mark.slow
GEOD = Geod(ellps="WGS84")
PREFIXES = ["四川省", "成都市", "锦江区", "青羊区", "金牛区", "武侯区", "成华区"]


@pytest.fixture(scope="module")
def geocoder(chengdu):
    return Geocoder(chengdu.report["source"], chengdu.jurisdiction, chengdu.crs, prefixes=PREFIXES)


@pytest.fixture(scope="module")
def osm_reference(chengdu):
    """Street lines by name, places by name and addresses, read straight from the OSM file."""
    streets, places, addresses = [], {}, {}
    factory = osmium.geom.WKBFactory()
    for obj in osmium.FileProcessor(chengdu.report["source"]).with_locations().with_areas():
        tags = obj.tags
        try:
            if obj.is_way() and "highway" in tags and tags.get("name"):
                streets.append((tags.get("name"), shapely.from_wkb(factory.create_linestring(obj))))
                continue
            if obj.is_node():
                geom = shapely.Point(obj.location.lon, obj.location.lat)
            elif obj.is_area():
                geom = shapely.from_wkb(factory.create_multipolygon(obj))
            else:
                continue
        except (osmium.InvalidLocationError, RuntimeError):
            continue
        if tags.get("name"):
            places.setdefault(tags.get("name"), []).append(geom)
        if tags.get("addr:street") and tags.get("addr:housenumber"):
            addresses.setdefault((tags.get("addr:street"), tags.get("addr:housenumber")), []).append(geom)
    return streets, places, addresses


def reference_geometries(reference, osm_reference):
    streets, places, addresses = osm_reference
    kind, *args = reference
    if kind == "intersection":
        a = shapely.union_all([line for name, line in streets if args[0] in name])
        b = shapely.union_all([line for name, line in streets if args[1] in name])
        crossing = a.intersection(b)
        return [] if crossing.is_empty else [crossing]
    if kind == "place":
        return places.get(args[0], [])
    street, number = args
    return [g for (s, hn), geoms in addresses.items() if s == street and re.match(r"\d+", hn)
            and re.match(r"\d+", hn).group(0) == re.match(r"\d+", number).group(0) for g in geoms]


def distance_m(lon, lat, geometry) -> float:
    point = shapely.Point(lon, lat)
    if geometry.covers(point):
        return 0.0
    nearest = shapely.ops.nearest_points(geometry, point)[0]
    return GEOD.inv(lon, lat, nearest.x, nearest.y)[2]


def test_hand_written_addresses_resolve_within_100_m(geocoder, osm_reference):
    assert len(ADDRESSES) >= 50
    misses = []
    for query, reference in ADDRESSES:
        geometries = reference_geometries(reference, osm_reference)
        assert geometries, f"bad test entry, no OSM reference for {reference}"
        try:
            result = geocoder.geocode(query)
        except GeocodeError as exc:
            misses.append(f"{query}: {exc}")
            continue
        error = min(distance_m(result.lon, result.lat, g) for g in geometries)
        if error > 100:
            misses.append(f"{query}: {error:.0f} m off ({result.match})")
    share = 1 - len(misses) / len(ADDRESSES)
    assert share >= 0.9, "\n".join(misses)


def test_result_carries_confidence_and_match(geocoder):
    exact = geocoder.geocode("解放路农贸市场")
    typo = geocoder.geocode("解放路农贸市常")
    assert exact.confidence == 1.0 and exact.kind == "place" and exact.match == "解放路农贸市场"
    assert 0.5 < typo.confidence < exact.confidence and typo.match == "解放路农贸市场"
    crossing = geocoder.geocode("提督街与太升南路交叉口")
    assert crossing.kind == "intersection" and "提督街" in crossing.match and "太升南路" in crossing.match


def test_unresolvable_address_lists_candidates(geocoder):
    with pytest.raises(GeocodeError, match="best candidates: .+%"):
        geocoder.geocode("火星基地一号")
    with pytest.raises(GeocodeError, match="empty address"):
        geocoder.geocode("  ")


def test_prefixes_are_stripped(geocoder):
    assert geocoder.strip_prefixes(normalize_name("四川省成都市金牛区解放路农贸市场")) == "解放路农贸市场"
    assert geocoder.strip_prefixes(normalize_name("解放路农贸市场")) == "解放路农贸市场"  # 市场 is no city


def test_reverse_nearest_street(geocoder, chengdu):
    router = chengdu.router("foot")
    seg = next(i for i, name in enumerate(router.segments.names) if name == "提督街")
    point = router.segments.geometry_wgs84[seg].interpolate(0.5, normalized=True)
    name, distance = geocoder.nearest_street(point.x, point.y)
    assert name == "提督街" and distance < 1.0
