"""Property-based tests (Hypothesis) of coordinate and datum parsing: any input gives a range-checked
pair or a CoordinateError naming the problem — never another exception, never a silent wrong value."""

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from geo.crs import DATUMS, from_wgs84, parse_lonlat, to_wgs84, validate_lonlat
from geo.errors import CoordinateError, PatrolError

numbers = st.floats(allow_nan=True, allow_infinity=True)
number_text = st.one_of(numbers.map(repr), st.integers(-10**6, 10**6).map(str), st.text(max_size=12))


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(max_size=40), st.tuples(number_text, number_text).map(",".join),
                 st.tuples(number_text, number_text).map(";".join)))
def test_parse_lonlat_returns_a_checked_pair_or_names_the_problem(text):
    try:
        lon, lat = parse_lonlat(text, what="report")
    except CoordinateError as error:
        assert str(error).startswith("report:")
        return
    assert math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90
    first, second = (float(p.strip()) for p in text.replace(";", ",").split(","))
    assert (lon, lat) == (first, second)  # exactly what was written, never reordered


@settings(max_examples=500, deadline=None)
@given(numbers, numbers)
def test_validate_lonlat_accepts_exactly_the_valid_range(lon, lat):
    valid = math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90
    try:
        assert validate_lonlat(lon, lat) == (lon, lat) and valid
    except CoordinateError as error:
        assert not valid and ("finite" in str(error) or "within" in str(error))


china = st.tuples(st.floats(73.7, 134.7), st.floats(18.2, 53.5))


@settings(max_examples=300, deadline=None)
@given(china, st.sampled_from([d for d in DATUMS if d != "wgs84"]))
def test_datum_round_trip_within_half_a_metre(point, datum):
    lon, lat = point
    back = to_wgs84(*from_wgs84(lon, lat, datum), datum)
    metres = math.hypot((back[0] - lon) * 111_320 * math.cos(math.radians(lat)), (back[1] - lat) * 110_540)
    assert metres < 0.5


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=12))
def test_unknown_datums_are_named(datum):
    normalized = datum.strip().lower().replace("-", "").replace("_", "")
    try:
        to_wgs84(104.07, 30.67, datum)
    except PatrolError as error:
        assert "datum" in str(error)
    else:
        assert normalized in ("wgs84", "epsg4326", "gcj02", "bd09")
