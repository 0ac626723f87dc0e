"""Speeds from OSM maxspeed values and highway classes."""

import pytest

from geo.profile import default_profile
from geo.speeds import edge_speed_kph, parse_maxspeed

ZONES = {"CN:urban": 50.0, "walk": 5.0}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("50", 50.0),
        ("60 km/h", 60.0),
        ("30 mph", 30 * 1.609344),
        ("40;60", 40.0),
        (["60", "40"], 40.0),
        ("CN:urban", 50.0),
        ("walk", 5.0),
        ("none", None),
        ("signals", None),
        (None, None),
        (float("nan"), None),
        ("0", None),
    ],
)
def test_parse_maxspeed(value, expected):
    assert parse_maxspeed(value, ZONES) == (pytest.approx(expected) if expected else None)


def test_edge_speeds_per_mode():
    profile = default_profile("test")
    car, foot = profile.mode("car"), profile.mode("foot")
    assert edge_speed_kph({"highway": "primary", "maxspeed": "60"}, car) == 60.0
    assert edge_speed_kph({"highway": "primary"}, car) == car.highway_speeds_kph["primary"]
    assert edge_speed_kph({"highway": ["residential", "service"]}, car) == car.highway_speeds_kph["residential"]
    assert edge_speed_kph({"highway": "made_up"}, car) == car.speed_kph
    assert edge_speed_kph({"highway": "primary", "maxspeed": "60"}, foot) == foot.speed_kph
