"""Datum conversions against published reference coordinates, and coordinate parsing."""

import math

import numpy as np
import pytest
from pyproj import Geod

from geo.crs import (
    bd09_to_gcj02,
    from_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    local_crs,
    out_of_china,
    parse_lonlat,
    to_wgs84,
    wgs84_to_gcj02,
)
from geo.errors import CoordinateError, DatumError

GEOD = Geod(ellps="WGS84")

# (WGS-84 lon, lat) -> (GCJ-02 lon, lat), published with the eviltransform project's tests.
WGS_TO_GCJ = [
    ((121.5272106, 31.1774276), (121.531541859215, 31.17530398364597)),  # Shanghai
    ((113.912316, 22.543847), (113.9171764808363, 22.540796131694766)),  # Shenzhen
    ((116.377817, 39.911954), (116.38404722455657, 39.91334545536069)),  # Beijing
]


def metres(a, b) -> float:
    return GEOD.inv(a[0], a[1], b[0], b[1])[2]


@pytest.mark.parametrize(("wgs", "gcj"), WGS_TO_GCJ)
def test_wgs84_to_gcj02_matches_published_values(wgs, gcj):
    assert wgs84_to_gcj02(*wgs) == pytest.approx(gcj, abs=1e-9)


@pytest.mark.parametrize(("wgs", "gcj"), WGS_TO_GCJ)
def test_gcj02_to_wgs84_inverse_is_under_half_a_metre(wgs, gcj):
    assert metres(gcj02_to_wgs84(*gcj), wgs) < 0.5


def test_tiananmen_matches_amap_api_within_a_metre():
    # WGS-84 (116.39089, 39.90734): Amap's own conversion API returned (116.39713623, 39.90874539).
    assert metres(wgs84_to_gcj02(116.39089, 39.90734), (116.39713623, 39.90874539)) < 1.0


def test_gcj02_bd09_published_values():
    # gcoord's unit tests: GCJ-02 (123, 45) -> BD-09 (123.00636499, 45.00636899).
    assert gcj02_to_bd09(123.0, 45.0) == pytest.approx((123.00636499, 45.00636899), abs=1e-8)
    # ... and GCJ-02 (123, 45) -> WGS-84 (122.99395597, 44.99804071), to 5 decimals.
    assert gcj02_to_wgs84(123.0, 45.0) == pytest.approx((122.99395597, 44.99804071), abs=1e-5)


def test_inverse_round_trip_over_china_is_under_half_a_metre():
    rng = np.random.default_rng(7)
    lon = rng.uniform(74.0, 134.0, 2000)
    lat = rng.uniform(18.0, 53.0, 2000)
    back_lon, back_lat = gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))
    _, _, dist = GEOD.inv(lon, lat, back_lon, back_lat)
    assert dist.max() < 0.5
    bd_lon, bd_lat = from_wgs84(lon, lat, "bd09")
    back_lon, back_lat = to_wgs84(bd_lon, bd_lat, "bd09")
    _, _, dist = GEOD.inv(lon, lat, back_lon, back_lat)
    assert dist.max() < 0.5


def test_offsets_in_chengdu_are_hundreds_of_metres():
    wgs = (104.0657, 30.6598)  # Tianfu Square
    assert 100 < metres(wgs, wgs84_to_gcj02(*wgs)) < 700
    assert metres(wgs84_to_gcj02(*wgs), gcj02_to_bd09(*wgs84_to_gcj02(*wgs))) > 500


@pytest.mark.parametrize("point", [(2.35, 48.85), (-74.0, 40.7), (151.2, -33.9), (183.0, 45.0)])
def test_points_outside_china_pass_through(point):
    assert bool(out_of_china(*point))
    assert wgs84_to_gcj02(*point) == point
    assert gcj02_to_wgs84(*point) == pytest.approx(point)


def test_bd09_to_gcj02_inverts_gcj02_to_bd09_closely():
    gcj = (104.07, 30.67)
    assert metres(bd09_to_gcj02(*gcj02_to_bd09(*gcj)), gcj) < 1.0


def test_unknown_datum_is_named():
    with pytest.raises(DatumError, match="'wgs48'"):
        to_wgs84(104.0, 30.0, "wgs48")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("104.06", "expected 'lon,lat'"),
        ("abc,30", "as numbers"),
        ("30.66,104.06", "swapped"),
        ("104.06,95", "latitude"),
        ("200,30", "longitude"),
        ("nan,30", "finite"),
    ],
)
def test_parse_lonlat_names_the_problem(text, message):
    with pytest.raises(CoordinateError, match=message):
        parse_lonlat(text, what="FROM")


def test_parse_lonlat_accepts_spaces():
    assert parse_lonlat(" 104.06 , 30.66 ") == (104.06, 30.66)


def test_local_crs():
    assert local_crs("utm", 104.06, 30.66).to_epsg() == 32648
    assert local_crs(None, 120.6, 30.4).to_epsg() == 32651
    assert local_crs("EPSG:4549", 0, 0).to_epsg() == 4549
    with pytest.raises(CoordinateError, match="geographic"):
        local_crs("EPSG:4326", 0, 0)
    with pytest.raises(CoordinateError, match="not a CRS"):
        local_crs("EPSG:999999", 0, 0)
    assert math.isclose(local_crs("utm", 104.06, 30.66).axis_info[0].unit_conversion_factor, 1.0)


def test_points_in_a_projected_crs_are_converted_with_its_units():
    """x/y in a bureau's projected CRS (CGCS2000 Gauss-Kruger, metres; a CRS in US feet) become WGS-84 as
    pyproj says; a CRS code is never read as lon/lat."""
    import pyproj

    from geo.crs import check_datum, is_crs_code, to_wgs84

    lon, lat = 120.68, 30.51  # Haining
    for code in ("EPSG:4549", "EPSG:32651", "EPSG:2249"):
        x, y = pyproj.Transformer.from_crs("EPSG:4326", code, always_xy=True).transform(lon, lat)
        assert check_datum(code.lower()) == code and is_crs_code(code)
        back = to_wgs84(x, y, code)
        assert back == pytest.approx((lon, lat), abs=1e-7)
    assert check_datum("EPSG:4326") == "wgs84" and not is_crs_code("gcj02")


@pytest.mark.parametrize("datum, words", [("EPSG:999999", "no such EPSG code"), ("EPSG:abc", "or a CRS code"),
                                           ("utm", "or a CRS code")])
def test_unknown_crs_codes_are_refused_in_one_line(datum, words):
    from geo.crs import check_datum
    from geo.errors import DatumError

    with pytest.raises(DatumError, match=words):
        check_datum(datum)
