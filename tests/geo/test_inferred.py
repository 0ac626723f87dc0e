"""Settings inferred from a city's location; a profile file wins over them."""

import pytest

from geo.inferred import infer_settings
from geo.profile import default_profile, load_profile, with_inferred


@pytest.mark.parametrize(("lon", "lat", "zone", "datum", "language", "epsg"), [
    (104.08, 30.69, "Asia/Shanghai", "gcj02", "zh-CN", "EPSG:32648"),   # Chengdu
    (120.68, 30.51, "Asia/Shanghai", "gcj02", "zh-CN", "EPSG:32651"),   # Haining
    (87.60, 43.80, "Asia/Urumqi", "gcj02", "zh-CN", "EPSG:32645"),      # Urumqi: still mainland China
    (126.63, 45.75, "Asia/Shanghai", "gcj02", "zh-CN", "EPSG:32652"),   # Harbin
    (114.17, 22.32, "Asia/Hong_Kong", "wgs84", "zh-CN", "EPSG:32650"),  # Hong Kong: no GCJ-02 offset
    (113.55, 22.19, "Asia/Macau", "wgs84", "zh-CN", "EPSG:32649"),
    (121.50, 25.03, "Asia/Taipei", "wgs84", "zh-CN", "EPSG:32651"),
    (1.52, 42.51, "Europe/Andorra", "wgs84", "en", "EPSG:32631"),
    (11.57, 49.96, "Europe/Berlin", "wgs84", "en", "EPSG:32632"),
    (24.94, 60.17, "Europe/Helsinki", "wgs84", "en", "EPSG:32635"),
    (-58.38, -34.60, "America/Argentina/Buenos_Aires", "wgs84", "en", "EPSG:32721"),  # south: 327xx
])
def test_inferred_settings(lon, lat, zone, datum, language, epsg):
    inferred = infer_settings(lon, lat)
    assert (inferred["timezone"], inferred["default_datum"], inferred["language"], inferred["crs"]) == (
        zone, datum, language, epsg)


def test_china_is_a_polygon_not_a_box():
    # Inside a lon/lat box around China but outside the country: Hanoi, Ulaanbaatar, Seoul.
    for lon, lat in ((105.85, 21.03), (106.92, 47.92), (126.98, 37.57)):
        assert infer_settings(lon, lat)["default_datum"] == "wgs84"


def test_profile_file_wins_over_inferred():
    inferred = infer_settings(11.57, 49.96)
    plain = with_inferred(default_profile("x"), inferred)
    assert (plain.timezone, plain.default_datum, plain.local_crs) == ("Europe/Berlin", "wgs84", "EPSG:32632")
    chengdu = load_profile("chengdu")
    kept = with_inferred(chengdu, inferred)
    assert (kept.timezone, kept.default_datum, kept.language) == ("Asia/Shanghai", "gcj02", "zh-CN")
    assert kept.fingerprint() == chengdu.fingerprint()
