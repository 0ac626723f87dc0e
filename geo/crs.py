"""Coordinate reference systems and the Chinese datums GCJ-02 and BD-09.

Everything is stored in WGS-84 lon/lat (EPSG:4326), x then y. GCJ-02 (Amap/Gaode, Tencent)
and BD-09 (Baidu) are input datums only: they are converted to WGS-84 on input.

The GCJ-02 forward transform is the published standard algorithm (Krasovsky ellipsoid); points
outside China's rough bounding box pass through unchanged, as that algorithm does. The inverse
is iterated until the forward transform reproduces the input to under 0.5 m (typically 1e-3 m).
"""

import functools
import math
from typing import Final

import numpy as np
import pyproj
from pyproj.aoi import AreaOfInterest
from pyproj.database import query_utm_crs_info

from geo.errors import CoordinateError, DatumError

__all__ = [
    "DATUMS",
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "check_datum",
    "from_wgs84",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "is_crs_code",
    "local_crs",
    "out_of_china",
    "parse_lonlat",
    "parse_xy",
    "to_wgs84",
    "utm_crs_for",
    "validate_lonlat",
    "wgs84_to_gcj02",
]

DATUMS: Final = ("wgs84", "gcj02", "bd09")

_KRASOVSKY_A: Final = 6378245.0
_KRASOVSKY_EE: Final = 0.00669342162296594323
_X_PI: Final = math.pi * 3000.0 / 180.0
_INVERSE_TOLERANCE_DEG: Final = 1e-9  # about 0.1 mm
_INVERSE_MAX_ITERATIONS: Final = 30


def out_of_china(lon, lat):
    """Return True where a WGS-84 point lies outside the box in which GCJ-02 applies an offset."""
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    return (lon < 72.004) | (lon > 137.8347) | (lat < 0.8293) | (lat > 55.8271)


def _offset_deg(lon, lat):
    """GCJ-02 offset (degrees of longitude, latitude) at a WGS-84 point."""
    x = lon - 105.0
    y = lat - 35.0
    sqrt_abs_x = np.sqrt(np.abs(x))
    d_lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt_abs_x
    d_lon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt_abs_x
    common = (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    d_lat = d_lat + common
    d_lon = d_lon + common
    d_lat = d_lat + (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    d_lon = d_lon + (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    d_lat = d_lat + (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    d_lon = d_lon + (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    rad_lat = lat / 180.0 * np.pi
    magic = 1.0 - _KRASOVSKY_EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_KRASOVSKY_A * (1.0 - _KRASOVSKY_EE)) / (magic * sqrt_magic) * np.pi)
    d_lon = (d_lon * 180.0) / (_KRASOVSKY_A / sqrt_magic * np.cos(rad_lat) * np.pi)
    outside = out_of_china(lon, lat)
    return np.where(outside, 0.0, d_lon), np.where(outside, 0.0, d_lat)


def _result(lon, lat, scalar):
    return (float(lon), float(lat)) if scalar else (lon, lat)


def _as_arrays(lon, lat):
    scalar = np.ndim(lon) == 0 and np.ndim(lat) == 0
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float), scalar


def wgs84_to_gcj02(lon, lat):
    """Convert WGS-84 lon/lat (degrees, scalars or arrays) to GCJ-02."""
    lon, lat, scalar = _as_arrays(lon, lat)
    d_lon, d_lat = _offset_deg(lon, lat)
    return _result(lon + d_lon, lat + d_lat, scalar)


def gcj02_to_wgs84(lon, lat):
    """Convert GCJ-02 lon/lat (degrees) to WGS-84 by fixed-point iteration (error well under 0.5 m)."""
    lon, lat, scalar = _as_arrays(lon, lat)
    wgs_lon, wgs_lat = lon.copy(), lat.copy()
    for _ in range(_INVERSE_MAX_ITERATIONS):
        fwd_lon, fwd_lat = wgs84_to_gcj02(wgs_lon, wgs_lat)
        err_lon, err_lat = np.asarray(fwd_lon) - lon, np.asarray(fwd_lat) - lat
        wgs_lon = wgs_lon - err_lon
        wgs_lat = wgs_lat - err_lat
        if np.all(np.abs(err_lon) < _INVERSE_TOLERANCE_DEG) and np.all(np.abs(err_lat) < _INVERSE_TOLERANCE_DEG):
            break
    return _result(wgs_lon, wgs_lat, scalar)


def gcj02_to_bd09(lon, lat):
    """Convert GCJ-02 lon/lat (degrees) to Baidu's BD-09."""
    lon, lat, scalar = _as_arrays(lon, lat)
    z = np.sqrt(lon * lon + lat * lat) + 0.00002 * np.sin(lat * _X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _X_PI)
    return _result(z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006, scalar)


def bd09_to_gcj02(lon, lat):
    """Convert BD-09 lon/lat (degrees) to GCJ-02 (the standard closed-form inverse)."""
    lon, lat, scalar = _as_arrays(lon, lat)
    x = lon - 0.0065
    y = lat - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return _result(z * np.cos(theta), z * np.sin(theta), scalar)


def bd09_to_wgs84(lon, lat):
    """Convert BD-09 lon/lat (degrees) to WGS-84."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def to_wgs84(lon, lat, datum: str):
    """Convert lon/lat given in ``datum`` ('wgs84', 'gcj02' or 'bd09') to WGS-84; with a CRS code such as
    'EPSG:4549' (e.g. a bureau's projected layer), x/y in that CRS's own units become WGS-84 lon/lat."""
    datum = check_datum(datum)
    if datum == "gcj02":
        return gcj02_to_wgs84(lon, lat)
    if datum == "bd09":
        return bd09_to_wgs84(lon, lat)
    if is_crs_code(datum):
        x, y, scalar = _as_arrays(lon, lat)
        lon, lat = _transformer_to_wgs84(datum).transform(x, y)
        lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
        if not (np.all(np.isfinite(lon)) and np.all(np.isfinite(lat))):
            raise CoordinateError(f"the point(s) cannot be placed on the earth in {datum}: are they x,y in its units?")
        return _result(lon, lat, scalar)
    lon, lat, scalar = _as_arrays(lon, lat)
    return _result(lon, lat, scalar)


def is_crs_code(datum: str) -> bool:
    """Is ``datum`` (as ``check_datum`` returns it) a CRS code rather than a lon/lat datum?"""
    return str(datum).upper().startswith("EPSG:")


@functools.lru_cache(maxsize=16)
def _transformer_to_wgs84(code: str) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(pyproj.CRS(code), "EPSG:4326", always_xy=True)


def from_wgs84(lon, lat, datum: str):
    """Convert WGS-84 lon/lat to ``datum`` (for display on GCJ-02 or BD-09 base maps only)."""
    datum = check_datum(datum)
    if is_crs_code(datum):
        x, y, scalar = _as_arrays(lon, lat)
        back = pyproj.Transformer.from_crs("EPSG:4326", pyproj.CRS(datum), always_xy=True)
        x, y = back.transform(x, y)
        return _result(np.asarray(x, dtype=float), np.asarray(y, dtype=float), scalar)
    if datum == "gcj02":
        return wgs84_to_gcj02(lon, lat)
    if datum == "bd09":
        return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))
    lon, lat, scalar = _as_arrays(lon, lat)
    return _result(lon, lat, scalar)


def check_datum(datum: str) -> str:
    """The canonical name of a datum: 'wgs84', 'gcj02', 'bd09', or 'EPSG:<code>' for another CRS that
    pyproj knows and can take to WGS-84 (projected x/y, in its own units; or geographic lon/lat)."""
    normalized = str(datum).strip().lower().replace("-", "").replace("_", "")
    aliases = {"wgs84": "wgs84", "epsg4326": "wgs84", "epsg:4326": "wgs84", "gcj02": "gcj02", "bd09": "bd09"}
    if normalized in aliases:
        return aliases[normalized]
    text = str(datum).strip()
    if text.upper().startswith("EPSG:") and text[5:].isdigit() and len(text) <= 12:
        try:
            crs = pyproj.CRS.from_epsg(int(text[5:]))
        except pyproj.exceptions.CRSError:
            raise DatumError(f"`datum` {text!r}: no such EPSG code.") from None
        if not (crs.is_projected or crs.is_geographic):
            raise DatumError(f"`datum` {text!r} ({crs.name}) cannot be measured on the earth; use a projected or "
                             "geographic CRS.")
        return f"EPSG:{int(text[5:])}"
    raise DatumError(f"`datum` must be one of {', '.join(DATUMS)} or a CRS code such as EPSG:4549; got {datum!r}.")




def validate_lonlat(lon: float, lat: float, *, what: str = "point") -> tuple[float, float]:
    """Check a lon/lat pair (degrees) is finite and in range; name the problem if not."""
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise CoordinateError(f"{what}: coordinates must be finite numbers; got lon={lon}, lat={lat}.")
    if not -90.0 <= lat <= 90.0:
        hint = " (lon and lat look swapped: give lon first)" if -90.0 <= lon <= 90.0 else ""
        raise CoordinateError(f"{what}: latitude must be within -90..90; got {lat}{hint}.")
    if not -180.0 <= lon <= 180.0:
        raise CoordinateError(f"{what}: longitude must be within -180..180; got {lon}.")
    return float(lon), float(lat)


def parse_xy(text: str, *, what: str = "point", names: str = "x,y") -> tuple[float, float]:
    """Parse two finite numbers separated by a comma (``names`` says which, for the message)."""
    parts = [p.strip() for p in str(text).replace(";", ",").split(",")]
    if len(parts) != 2:
        raise CoordinateError(f"{what}: expected '{names}' (two numbers separated by a comma); got {text!r}.")
    try:
        a, b = float(parts[0]), float(parts[1])
    except ValueError:
        raise CoordinateError(f"{what}: expected '{names}' as numbers; got {text!r}.") from None
    if not (math.isfinite(a) and math.isfinite(b)):
        raise CoordinateError(f"{what}: '{names}' must be finite numbers; got {text!r}.")
    return a, b


def parse_lonlat(text: str, *, what: str = "point") -> tuple[float, float]:
    """Parse ``"lon,lat"`` (degrees) into a range-checked pair, naming the problem if malformed."""
    lon, lat = parse_xy(text, what=what, names="lon,lat")
    return validate_lonlat(lon, lat, what=what)


def utm_crs_for(lon: float, lat: float) -> pyproj.CRS:
    """Return the WGS-84 UTM zone CRS (metres) that contains a lon/lat point."""
    infos = query_utm_crs_info(
        datum_name="WGS 84",
        area_of_interest=AreaOfInterest(lon, lat, lon, lat),
    )
    if not infos:
        raise CoordinateError(f"no UTM zone found for lon={lon}, lat={lat}.")
    return pyproj.CRS.from_epsg(int(infos[0].code))


def local_crs(setting: str | int | None, lon: float, lat: float) -> pyproj.CRS:
    """Return a city's local metric CRS.

    ``setting`` is ``"utm"`` or None (the UTM zone at lon/lat, WGS-84 degrees), or anything
    pyproj understands, such as ``"EPSG:4549"`` (CGCS2000 3-degree Gauss-Kruger, CM 120E).
    """
    if setting is None or str(setting).lower() == "utm":
        return utm_crs_for(lon, lat)
    try:
        crs = pyproj.CRS.from_user_input(setting)
    except pyproj.exceptions.CRSError as exc:
        raise CoordinateError(f"`local_crs` is not a CRS pyproj knows: {setting!r} ({exc}).") from None
    if crs.is_geographic:
        raise CoordinateError(f"`local_crs` must be projected (metres); {setting!r} is geographic.")
    return crs
