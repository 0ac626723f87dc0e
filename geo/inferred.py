"""Settings inferred from where a city lies, for cities nobody configured.

- **time zone**: the IANA zone at the city's centre, from timezonefinder's offline polygons
  (timezone-boundary-builder, which follows national borders);
- **default input datum**: GCJ-02 inside mainland China, WGS-84 elsewhere. Mainland China is
  the union of the time-zone polygons ``Asia/Shanghai`` and ``Asia/Urumqi`` (and their old
  aliases): a polygon test that leaves out Hong Kong, Macau and Taiwan, not a lon/lat box;
- **local metric CRS**: the UTM zone of the centre (WGS-84 / UTM, EPSG:326xx north, 327xx south);
- **language** of the pages: Chinese in mainland China, Hong Kong, Macau and Taiwan, else English;
- **name keys**: which OSM name tags label streets and blocks, in order of preference.

A profile file overrides any of these (the fields it sets win).
"""

import functools
from typing import Final

__all__ = ["CHINESE_ZONES", "MAINLAND_CHINA_ZONES", "infer_settings", "timezone_at"]

MAINLAND_CHINA_ZONES: Final = frozenset(
    {"Asia/Shanghai", "Asia/Urumqi", "Asia/Chongqing", "Asia/Chungking", "Asia/Harbin", "Asia/Kashgar", "PRC"}
)
CHINESE_ZONES: Final = MAINLAND_CHINA_ZONES | {"Asia/Hong_Kong", "Asia/Macau", "Asia/Taipei"}


@functools.lru_cache(maxsize=1)
def _finder():
    from timezonefinder import TimezoneFinder

    return TimezoneFinder()


def timezone_at(lon: float, lat: float) -> str:
    """Return the IANA time zone at a WGS-84 point (``Etc/GMT±N`` at sea, ``UTC`` if none)."""
    zone = _finder().timezone_at(lng=float(lon), lat=float(lat))
    return zone or "UTC"


def _utm_epsg(lon: float, lat: float) -> int:
    zone = min(60, max(1, int((lon + 180.0) // 6.0) + 1))
    return (32600 if lat >= 0 else 32700) + zone


def infer_settings(lon: float, lat: float) -> dict:
    """Return the settings inferred at a city's centre (WGS-84 lon/lat, degrees).

    Keys: ``timezone``, ``default_datum`` (``gcj02`` or ``wgs84``), ``in_mainland_china``,
    ``crs`` (``EPSG:326xx``/``EPSG:327xx``), ``language`` (``zh-CN`` or ``en``) and
    ``name_keys`` (OSM tags tried in order for a name).
    """
    zone = timezone_at(lon, lat)
    mainland = zone in MAINLAND_CHINA_ZONES
    chinese = zone in CHINESE_ZONES
    return {
        "timezone": zone,
        "default_datum": "gcj02" if mainland else "wgs84",
        "in_mainland_china": mainland,
        "crs": f"EPSG:{_utm_epsg(lon, lat)}",
        "language": "zh-CN" if chinese else "en",
        "name_keys": ["name:zh", "name", "name:en"] if chinese else ["name", "name:en", "name:zh"],
    }
