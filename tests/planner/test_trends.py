"""Space-time trends of congestion points, and the congestion threshold that scales with the data.

Planted patterns at four places in two cities (Chengdu, Andorra la Vella; their own metric CRS): a
place reported evenly through the window is persistent, one reported only in the last weeks is new,
one with rising counts intensifying, one that went quiet fading. Independent reference: the planted
pattern itself, and Kendall's tau recomputed by brute force over all pairs.
"""

import itertools

import numpy as np
import pandas as pd
import pyproj
import pytest

from planner.hotspots import default_min_incidents, find_hotspots, threshold_rule
from planner.trends import period_count, trend_of

CITIES = {"chengdu": ((104.07, 30.66), "EPSG:32648", "Asia/Shanghai"),
          "andorra": ((1.5218, 42.5078), "EPSG:32631", "Europe/Andorra")}
START = pd.Timestamp("2026-01-05")
WEEKS = 12


def planted(centre, rng) -> tuple[pd.DataFrame, dict]:
    """Incidents at four places 500 m apart, each with its own weekly pattern; (frame, place -> pattern)."""
    patterns = {"persistent": [6] * WEEKS, "new": [0] * 10 + [9, 9], "intensifying": list(range(1, WEEKS + 1)),
                "fading": [10, 10, 9, 9, 8, 6, 0, 0, 0, 0, 0, 0]}
    rows = []
    for index, (name, weekly) in enumerate(patterns.items()):
        lon = centre[0] + index * 0.005
        for week, count in enumerate(weekly):
            for _ in range(count):
                when = START + pd.Timedelta(days=7 * week + float(rng.uniform(0, 7)))
                rows.append({"lon": lon + rng.normal(0, 0.00005), "lat": centre[1] + rng.normal(0, 0.00005),
                             "category": "stray_dog", "reported_at": when, "block_id": None, "place": name})
    frame = pd.DataFrame(rows)
    frame.loc[0, "reported_at"] = START  # the window: exactly twelve weeks
    frame.loc[len(frame) - 1, "reported_at"] = START + pd.Timedelta(days=7 * WEEKS) - pd.Timedelta(seconds=1)
    frame["id"] = range(len(frame))
    return frame, patterns


@pytest.mark.parametrize("city", sorted(CITIES))
def test_planted_trends_are_recognised(city):
    centre, crs, timezone = CITIES[city]
    frame, patterns = planted(centre, np.random.default_rng(7))
    spots = find_hotspots(frame, crs=pyproj.CRS(crs), timezone=timezone, radius_m=50, min_incidents=5)
    assert len(spots) == 4
    for spot in spots:
        names = frame.set_index("id").loc[spot.member_ids, "place"]
        assert names.nunique() == 1
        assert spot.trend["trend"] == names.iloc[0], (names.iloc[0], spot.trend)
        assert sum(spot.trend["counts"]) == spot.count
        assert spot.as_dict()["trend"] == spot.trend["trend"]


def test_kendall_tau_equals_brute_force():
    counts = np.array([1, 3, 2, 5, 4, 6, 6, 8])
    times = pd.Series([START + pd.Timedelta(days=7 * week + 1) for week, c in enumerate(counts) for _ in range(c)])
    trend = trend_of(times, START, START + pd.Timedelta(days=7 * len(counts)), len(counts))
    assert trend["counts"] == counts.tolist()
    pairs = list(itertools.combinations(range(len(counts)), 2))
    concordant = sum(np.sign(counts[j] - counts[i]) > 0 for i, j in pairs)
    discordant = sum(np.sign(counts[j] - counts[i]) < 0 for i, j in pairs)
    ties = sum(counts[j] == counts[i] for i, j in pairs)
    tau_b = (concordant - discordant) / np.sqrt(len(pairs) * (len(pairs) - ties))
    assert trend["tau"] == pytest.approx(tau_b, abs=1e-3) and trend["trend"] == "intensifying"


def test_period_count_scales_with_the_window():
    assert [period_count(d) for d in (3, 30, 84, 365, 5000)] == [4, 4, 12, 12, 12]


def test_sparse_records_get_a_threshold_that_can_find_their_concentration():
    """188 cases over 14 years (one-a-day would ask for 5,110): a corner with 8 of them is found."""
    rng = np.random.default_rng(3)
    n = 180
    lons = 104.0 + rng.uniform(0, 0.1, n)
    lats = 30.6 + rng.uniform(0, 0.1, n)
    lons = np.concatenate([lons, 104.05 + rng.normal(0, 0.0001, 8)])
    lats = np.concatenate([lats, 30.65 + rng.normal(0, 0.0001, 8)])
    times = START - pd.to_timedelta(rng.uniform(0, 14 * 365, n + 8), unit="D")
    frame = pd.DataFrame({"id": range(n + 8), "lon": lons, "lat": lats, "category": "stray_dog",
                          "reported_at": times, "block_id": None})
    threshold, rule = threshold_rule(frame, radius_m=50)
    assert 3 <= threshold <= 8 and "sparse" in rule
    spots = find_hotspots(frame, crs=pyproj.CRS("EPSG:32648"), timezone="Asia/Shanghai", radius_m=50)
    assert len(spots) >= 1 and spots[0].count >= 8
    # Uniform sparse records alone: nothing.
    uniform = frame.iloc[:n]
    assert find_hotspots(uniform, crs=pyproj.CRS("EPSG:32648"), timezone="Asia/Shanghai", radius_m=50) == []


def test_dense_records_keep_one_a_day():
    rng = np.random.default_rng(4)
    n = 4000
    frame = pd.DataFrame({"lon": 104.0 + rng.uniform(0, 0.1, n), "lat": 30.6 + rng.uniform(0, 0.1, n),
                          "reported_at": START + pd.to_timedelta(rng.uniform(0, 30, n), unit="D")})
    assert default_min_incidents(frame) == 30
    assert threshold_rule(frame)[1].startswith("1 a day")


@pytest.mark.parametrize("crs, words", [(None, "needs the city's metric CRS"), ("EPSG:4326", "not projected"),
                                        ("no such crs", "not a CRS pyproj knows")])
def test_clustering_without_a_usable_crs_is_the_products_own_error(crs, words):
    from geo.errors import PatrolError

    frame, _ = planted(CITIES["chengdu"][0], np.random.default_rng(1))
    with pytest.raises(PatrolError, match=words):
        find_hotspots(frame, crs=crs, timezone="Asia/Shanghai")
