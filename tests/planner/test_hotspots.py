"""Congestion points: planted hot spots recovered, DBSCAN equivalence, streets vs straight lines, Gi*."""

import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Geod
from sklearn.cluster import DBSCAN
from sklearn.metrics import adjusted_rand_score

from geo.blocks.store import derive_city_blocks
from geo.crs import utm_crs_for
from geo.routing import Router
from planner.demo_incidents import generate_incidents
from planner.hotspots import dbscan_labels, find_hotspots, hot_segments
from planner.incidents import IncidentPlacer

GEOD = Geod(ellps="WGS84")


def matched(planted, spots, within_m=100.0):
    return [any(GEOD.inv(h.lon, h.lat, s.lon, s.lat)[2] <= within_m for s in spots) for h in planted]


@pytest.fixture(scope="module")
def generated(chengdu):
    blocks = derive_city_blocks(chengdu)
    placer = IncidentPlacer(chengdu, blocks)
    runs = []
    for seed in (11, 12):
        records, planted = generate_incidents(chengdu, blocks, days=30, seed=seed, hotspot_per_day=2)
        ready, problems = placer.validate(records, default_datum="wgs84")
        assert problems == []
        frame = pd.DataFrame(ready)
        frame["id"] = np.arange(len(frame))
        runs.append((frame, planted))
    return runs


@pytest.mark.slow
@pytest.mark.parametrize("method", ["planar", "network"])
def test_planted_hotspots_are_recovered(chengdu, generated, method):
    found = spurious = total_spots = 0
    planted_total = 0
    for frame, planted in generated:
        spots = find_hotspots(frame, crs=chengdu.crs, timezone="Asia/Shanghai", method=method,
                              router=chengdu.router("foot"))
        found += sum(matched(planted, spots))
        planted_total += len(planted)
        spurious += sum(not any(matched([s], planted)) for s in spots)
        total_spots += len(spots)
    assert found / planted_total >= 0.9
    assert spurious <= 0.1 * total_spots


@pytest.mark.slow
def test_hotspot_description(chengdu, generated):
    frame, planted = generated[0]
    spots = find_hotspots(frame, crs=chengdu.crs, timezone="Asia/Shanghai")
    assert [s.rank for s in spots] == list(range(1, len(spots) + 1))
    assert all(a.score >= b.score for a, b in zip(spots, spots[1:], strict=False))
    for spot in spots:
        hot = next(h for h in planted if GEOD.inv(h.lon, h.lat, spot.lon, spot.lat)[2] <= 100)
        assert max(spot.counts_by_category, key=spot.counts_by_category.get) == hot.category
        assert set(spot.busy_hours) <= set(hot.busy_hours)
        assert spot.hull.contains(shapely.Point(spot.lon, spot.lat)) or spot.hull.distance(shapely.Point(spot.lon, spot.lat)) < 1e-4
        members = frame[frame["id"].isin(spot.member_ids)]
        assert len(members) == spot.count and spot.count == sum(spot.counts_by_category.values())


def test_dbscan_with_duplicates_merged_equals_plain_dbscan():
    rng = np.random.default_rng(3)
    centres = rng.uniform(0, 2000, (8, 2))
    points = np.vstack([c + rng.normal(0, 15, (60, 2)) for c in centres] + [rng.uniform(0, 2000, (400, 2))])
    points = np.vstack([points, points[:150]])  # exact duplicates, as repeated reports of one address give
    ours = dbscan_labels(points, radius_m=40, min_incidents=12)
    plain = DBSCAN(eps=40, min_samples=12).fit_predict(points)
    assert adjusted_rand_score(plain, ours) == 1.0


def _two_banks_router():
    """Two parallel east-west streets 30 m apart, joined only 1.5 km away (a river between them)."""
    graph = nx.MultiDiGraph(crs="epsg:4326", mode="foot")
    dlat = 30 / 111_320
    xs = [104.0 + i * 0.0025 for i in range(7)]  # about 240 m apart
    for bank, y in enumerate((30.6, 30.6 + dlat)):
        for i, x in enumerate(xs):
            graph.add_node(bank * 100 + i, x=x, y=y)
        for i in range(len(xs) - 1):
            for a, b in ((bank * 100 + i, bank * 100 + i + 1), (bank * 100 + i + 1, bank * 100 + i)):
                line = shapely.LineString([(graph.nodes[a]["x"], y), (graph.nodes[b]["x"], y)])
                graph.add_edge(a, b, length=240.0, travel_time=240.0 / (5 / 3.6), geometry=line)
    for a, b in ((6, 106), (106, 6)):  # the bridge, far east
        line = shapely.LineString([(graph.nodes[a]["x"], graph.nodes[a]["y"]), (graph.nodes[b]["x"], graph.nodes[b]["y"])])
        graph.add_edge(a, b, length=30.0, travel_time=30.0 / (5 / 3.6), geometry=line)
    return Router(graph, utm_crs_for(104.0, 30.6))


def test_network_distance_keeps_the_banks_apart():
    router = _two_banks_router()
    rng = np.random.default_rng(5)
    dlat = 30 / 111_320
    lons = 104.0025 + rng.uniform(-0.0002, 0.0002, 40)
    lats = np.where(np.arange(40) < 20, 30.6, 30.6 + dlat)
    frame = pd.DataFrame({"id": range(40), "lon": lons, "lat": lats, "category": "street_vending",
                          "reported_at": pd.Timestamp("2026-11-01 11:00"), "block_id": None})
    crs = router.segments.crs
    planar = find_hotspots(frame, crs=crs, timezone="Asia/Shanghai", method="planar", radius_m=50, min_incidents=10)
    network = find_hotspots(frame, crs=crs, timezone="Asia/Shanghai", method="network", radius_m=50,
                            min_incidents=10, router=router)
    assert len(planar) == 1 and planar[0].count == 40
    assert sorted(s.count for s in network) == [20, 20]


@pytest.mark.slow
def test_gi_star_finds_hot_areas_and_nothing_in_uniform_counts(chengdu):
    # Gi* looks for streets whose neighbourhood is hot too (conditional permutations keep each
    # segment's own count fixed): plant hot *areas*, about 100 m across.
    blocks = derive_city_blocks(chengdu)
    records, planted = generate_incidents(chengdu, blocks, days=30, seed=11, hotspot_per_day=4, spread_m=100)
    ready, _ = IncidentPlacer(chengdu, blocks).validate(records, default_datum="wgs84")
    frame = pd.DataFrame(ready)
    router = chengdu.router("foot")
    table = hot_segments(frame, router, permutations=999, seed=1, inference="permutation")
    hot = table[table["hot"]]
    assert len(hot) > 0 and (hot["z"] > 0).all()
    centres = [shapely.line_interpolate_point(g, 0.5, normalized=True) for g in hot["geometry"]]
    near = [min(GEOD.inv(h.lon, h.lat, c.x, c.y)[2] for c in centres) <= 150 for h in planted]
    assert sum(near) >= 4
    # Hot segments are where the incidents are: far more than their share of the counts.
    assert hot["count"].sum() > 5 * len(hot) * table["count"].mean()
    # Uniform counts: (almost) nothing is significantly hot.
    seg = router.segments
    picks = np.random.default_rng(2).integers(0, len(seg), len(frame))
    uniform = frame.copy()
    uniform["lon"] = [seg.geometry_wgs84[p].interpolate(0.5, normalized=True).x for p in picks]
    uniform["lat"] = [seg.geometry_wgs84[p].interpolate(0.5, normalized=True).y for p in picks]
    assert hot_segments(uniform, router, permutations=999, seed=1, inference="permutation")["hot"].sum() <= 0.01 * len(seg)
    assert hot_segments(uniform, router, permutations=999, seed=1, inference="analytic")["hot"].sum() <= 0.01 * len(seg)


def check_point_like_concentration(router, seed: int = 0) -> None:
    """Plant 37 incidents on one street segment and 250 scattered (zero-inflated counts, as in real crime
    data with point-like concentrations): the default inference is analytic, it flags the segment, and its
    z and p-value equal the textbook Gi* computed here independently (scipy KD-tree neighbours, the
    Ord-Getis formula, the normal tail)."""
    from scipy import stats
    from scipy.spatial import cKDTree

    seg = router.segments
    rng = np.random.default_rng(seed)
    target = int(np.argmax(seg.length_m > 20) if seed == 0 else rng.integers(len(seg)))
    mids = shapely.line_interpolate_point(seg.geometry_m, 0.5, normalized=True)
    picks = np.concatenate([rng.integers(0, len(seg), 250), np.full(37, target)])
    lon, lat = seg.to_wgs84(np.column_stack([shapely.get_x(mids[picks]), shapely.get_y(mids[picks])])).T
    table = hot_segments(pd.DataFrame({"lon": lon, "lat": lat}), router, seed=1)
    assert table.attrs["inference"] == "analytic" and "no incident" in table.attrs["inference_reason"]
    assert table.loc[target, "count"] >= 37 and bool(table.loc[target, "hot"])
    assert table["hot"].sum() <= 30 and (table.loc[table["hot"], "z"] > 0).all()
    x = table["count"].to_numpy(float)
    n, w = len(x), 9  # 8 nearest midpoints and the segment itself, binary weights
    _, near = cKDTree(np.column_stack([shapely.get_x(mids), shapely.get_y(mids)])).query(
        [shapely.get_x(mids[target]), shapely.get_y(mids[target])], k=w)
    spread = np.sqrt((x ** 2).mean() - x.mean() ** 2)
    z = (x[near].sum() - x.mean() * w) / (spread * np.sqrt((n * w - w ** 2) / (n - 1)))
    assert table.loc[target, "z"] == pytest.approx(z, rel=1e-9)
    assert table.loc[target, "p_norm"] == pytest.approx(stats.norm.sf(z), abs=1e-12)
    # Why not permutations here: the smallest permutation p-values go to cold segments (ties on zeros).
    permuted = hot_segments(pd.DataFrame({"lon": lon, "lat": lat}), router, seed=1, inference="permutation")
    assert permuted.attrs["inference"] == "permutation"
    smallest = permuted[permuted["p_sim"] == permuted["p_sim"].min()]
    assert (smallest["z"] < 0).mean() > 0.5  # mostly cold segments tie at the smallest p-value


@pytest.mark.slow
def test_a_point_like_concentration_is_hot(chengdu):
    check_point_like_concentration(chengdu.router("foot"))
    check_point_like_concentration(chengdu.router("foot"), seed=3)


def test_inference_choice_follows_the_counts():
    from planner.hotspots import choose_inference

    assert choose_inference(np.array([0, 0, 0, 5]))[0] == "analytic"
    assert choose_inference(np.array([1, 2, 0, 5]))[0] == "permutation"
    assert choose_inference(np.array([0, 0, 0, 5]), "permutation")[0] == "permutation"
    with pytest.raises(ValueError, match="inference must be"):
        choose_inference(np.array([1]), "bayes")
