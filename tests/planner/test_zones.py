"""Zones and the coverage guarantee on the default city, checked against networkx brute force."""

import json

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely

from planner.coverage import StreetSamples, evaluate_zone, response_times
from planner.patrols import demo_roster, list_patrols, upsert_patrols
from planner.standby import city_set_cover
from planner.store import Store
from planner.zone_check import check_version
from planner.zones import (
    ZoneError,
    assign_segments,
    diff_versions,
    export_zones,
    generate_zones,
    list_versions,
    load_version,
    read_zone_file,
    save_version,
)
from tests.geo.test_routing import with_points

pytestmark = pytest.mark.slow
TARGET = 1800.0


@pytest.fixture(scope="module")
def samples(chengdu):
    return StreetSamples.for_city(chengdu)


@pytest.fixture(scope="module")
def roster_store(tmp_path_factory, chengdu):
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('zones') / 'zones.sqlite'}")
    upsert_patrols(store, chengdu.slug, demo_roster(chengdu))
    return store


@pytest.fixture(scope="module")
def generated(chengdu, samples, roster_store):
    plan = generate_zones(chengdu, list_patrols(roster_store, chengdu.slug), samples, target_s=TARGET)
    version = save_version(roster_store, chengdu, plan, author="test", comment="generated")
    return version, plan


@pytest.mark.parametrize("mode", ["foot", "ebike", "car"])
def test_response_times_equal_networkx(chengdu, samples, mode):
    """Reference: for each sample, its up to 3 nearest segments within 40 m (brute force over every
    segment), each inserted into the graph; networkx from the patrol; plus the walk; the best one."""
    from types import SimpleNamespace

    router = chengdu.router(mode)
    seg = router.segments
    patrol = (104.0810, 30.6943)
    near = np.flatnonzero(np.hypot(samples.lon - patrol[0], samples.lat - patrol[1]) < 0.01)[::7][:40]
    ours = response_times(chengdu, samples, [(mode, *patrol)], near)
    origin = router.snap(*patrol, max_distance_m=np.inf)
    xs, ys = seg.metric_transformer.transform(samples.lon[near], samples.lat[near])
    candidates, owner, walk_m = [], [], []
    for j, (x, y) in enumerate(zip(xs, ys, strict=True)):
        point = shapely.Point(x, y)
        distances = shapely.distance(seg.geometry_m, point)
        chosen = [i for i in np.argsort(distances, kind="stable") if distances[i] <= 40.0][:3] or [int(np.argmin(distances))]
        for i in chosen:
            fraction = float(seg.geometry_m[i].project(point, normalized=True))
            candidates.append(SimpleNamespace(segment=int(i), fraction=fraction))
            owner.append(j)
            walk_m.append(float(distances[i]))
    graph = with_points(router, [origin, *candidates])
    reference = nx.single_source_dijkstra_path_length(graph, ("p", 0), weight="travel_time")
    walk_mps = chengdu.profile.mode("foot").speed_kph / 3.6
    expected = np.full(len(near), np.inf)
    for c, (j, metres) in enumerate(zip(owner, walk_m, strict=True)):
        expected[j] = min(expected[j], reference.get(("p", c + 1), np.inf) + metres / walk_mps)
    expected += chengdu.profile.turnout_s
    assert np.abs(ours - expected).max() < 1e-6


def test_evaluate_zone_against_brute_force(chengdu, samples):
    segments = np.flatnonzero(np.isin(np.arange(len(samples.length_m)), samples.segment[
        np.hypot(samples.lon - 104.07, samples.lat - 30.68) < 0.006]))
    patrol = ("foot", 104.07, 30.68)
    coverage = evaluate_zone(chengdu, samples, "T", segments, [patrol], target_s=600.0)
    in_zone = np.flatnonzero(np.isin(samples.segment, segments))
    times = response_times(chengdu, samples, [patrol], in_zone)
    worst = {}
    for s, t in zip(samples.segment[in_zone], times, strict=True):
        worst[s] = max(worst.get(s, 0), t)
    assert coverage.worst_case_s == pytest.approx(max(worst.values()))
    late = [s for s, t in worst.items() if t > 600.0]
    assert sorted(coverage.uncovered_segments) == sorted(late)
    assert coverage.uncovered_km == pytest.approx(samples.length_m[late].sum() / 1000.0)


def test_generated_zones_partition_the_streets_and_hold_the_target(chengdu, samples, generated, roster_store):
    version, plan = generated
    everything = np.concatenate([z.segments for z in plan.zones])
    assert len(everything) == len(np.unique(everything)) == len(samples.length_m)  # no gap, no overlap
    assert plan.notes["workload_max_over_mean_after"] <= plan.notes["workload_max_over_mean_before"]
    for a in plan.zones:
        for b in plan.zones:
            if a.zone_id < b.zone_id:
                assert a.polygon.intersection(b.polygon).area < 1e-12  # polygons never overlap
    report = check_version(roster_store, chengdu, version, samples=samples)
    assert report["all_covered"] and report["unassigned_km"] == 0
    assert {"zone_id", "worst_case_s", "covered_km_share", "covered_reports_share", "uncovered_km"} <= set(report["zones"][0])
    assert max(z["worst_case_s"] for z in report["zones"]) <= TARGET


def test_versions_import_gaps_overlaps_and_diff(chengdu, samples, generated, roster_store, tmp_path):
    version, plan = generated
    path = export_zones(chengdu, plan, tmp_path / "zones.geojson", version=version)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert len(data["features"]) == len(plan.zones)
    # A planner deletes one zone (a gap) and grows another over its neighbour (an overlap).
    frame = gpd.read_file(path)
    frame = frame[frame["zone_id"] != plan.zones[-1].zone_id].copy()
    frame.loc[frame.index[0], "geometry"] = frame.geometry.iloc[0].buffer(0.003)
    edited = tmp_path / "edited.geojson"
    frame.to_file(edited)
    drawn = read_zone_file(chengdu, edited)
    assert drawn.gaps_km > 0 and len(drawn.gap_segments) > 0
    assert drawn.overlaps and all(o["km"] > 0 for o in drawn.overlaps)
    new_version = save_version(roster_store, chengdu, drawn, author="张三", comment="drawn", source="imported")
    assert new_version == version + 1
    assert [v["version"] for v in list_versions(roster_store, chengdu)][-2:] == [version, new_version]
    _, again = load_version(roster_store, chengdu, version)  # the old version is untouched
    assert [len(z.segments) for z in again.zones] == [len(z.segments) for z in plan.zones]
    diff = diff_versions(roster_store, chengdu, version, new_version)
    lengths = samples.length_m
    assert diff["segments_moved"] > 0
    assert diff["km_moved"] == pytest.approx(sum(m["km"] for m in diff["moves"]), abs=0.01)
    removed = plan.zones[-1]
    gone = next(m for m in diff["moves"] if m["from_zone"] == removed.zone_id and m["to_zone"] is None)
    assert gone["km"] <= lengths[removed.segments].sum() / 1000.0 + 1e-9


def test_bad_zone_files_name_the_feature(chengdu, tmp_path):
    bow_tie = shapely.Polygon([(104.06, 30.66), (104.07, 30.67), (104.07, 30.66), (104.06, 30.67)])
    frame = gpd.GeoDataFrame({"zone_id": ["A", "A", None]},
                             geometry=[shapely.box(104.06, 30.66, 104.07, 30.67), bow_tie,
                                       shapely.box(105.0, 31.0, 105.1, 31.1)], crs="EPSG:4326")
    frame.to_file(tmp_path / "bad.geojson")
    with pytest.raises(ZoneError) as info:
        read_zone_file(chengdu, tmp_path / "bad.geojson")
    found = {(p["feature"], p["field"]) for p in info.value.problems}
    assert found == {(2, "zone_id"), (2, "geometry"), (3, "zone_id"), (3, "geometry")}


def test_assign_segments_measures_overlap_by_street_km(chengdu):
    from planner.zones import PlanZone

    a = PlanZone("A", "A", [], np.empty(0, dtype=np.int64), shapely.box(104.06, 30.66, 104.08, 30.68))
    b = PlanZone("B", "B", [], np.empty(0, dtype=np.int64), shapely.box(104.07, 30.66, 104.09, 30.68))
    plan = assign_segments(chengdu, [a, b])
    (overlap,) = plan.overlaps
    assert overlap["zones"] == ["A", "B"] and overlap["km"] > 1.0
    assert not set(a.segments) & set(b.segments)  # every segment has one zone


def test_set_cover_on_the_city_covers_every_street(chengdu, samples):
    result = city_set_cover(chengdu, "car", target_s=TARGET)  # (e-bike: the same, but 12 M nonzeros and ~50 s)
    assert result["status"] == "Optimal" and result["count"] >= 1 and result["uncoverable_points"] == 0
    router = chengdu.router("car")
    # Independent check: every node of the car graph is reached in time.
    # (from the chosen nodes themselves: snapping a node's coordinates may land on a one-way street beside it)
    times = router.matrix([p["node"] for p in result["points"]], list(router.network.node_ids.tolist()))
    assert (times.min(axis=0) + chengdu.profile.turnout_s <= TARGET + 1e-6).all()
    assert result["greedy_count"] >= result["count"]


def test_editing_outlines_are_few_parts_and_vertices_and_an_unchanged_save_moves_nothing(chengdu, generated):
    """Generated zones follow their streets (thousands of vertices, dozens of parts); the outline offered for
    editing is small, covers the zone's streets, and saving it unchanged keeps every street where it was,
    while the plain rule (streets half inside the drawing) would move some."""
    import shapely

    from planner.zones.outline import editing_outline
    from planner.zones.redraw import redraw_zone

    _, plan = generated
    segments = chengdu.router("foot").segments
    moved_by_plain_rule = 0
    for zone in plan.zones:
        outline = editing_outline(zone.polygon, segments)
        parts = len(getattr(outline, "geoms", [outline]))
        exact = shapely.get_num_coordinates(zone.polygon)
        assert outline.is_valid and parts <= 3 and shapely.get_num_coordinates(outline) <= max(60, exact // 3), zone.zone_id
        local = shapely.transform(outline, segments.to_metric)
        inside = shapely.length(shapely.intersection(segments.geometry_m[zone.segments], local)).sum()
        assert inside >= 0.9 * segments.length_m[zone.segments].sum(), zone.zone_id
        same = redraw_zone(chengdu, plan, zone.zone_id, outline, offered=outline)
        for before, after in zip(plan.zones, same.zones, strict=True):
            assert np.array_equal(np.sort(before.segments), np.sort(after.segments)), (zone.zone_id, before.zone_id)
        try:
            plain = redraw_zone(chengdu, plan, zone.zone_id, outline)
        except ZoneError:  # the plain rule may even leave streets in no zone
            moved_by_plain_rule += 1
            continue
        moved_by_plain_rule += any(not np.array_equal(np.sort(b.segments), np.sort(a.segments))
                                   for b, a in zip(plan.zones, plain.zones, strict=True))
    assert moved_by_plain_rule > 0


def test_an_edit_moves_only_the_streets_of_the_area_it_changed(chengdu, generated):
    """A square added at the edge of a zone's outline takes the neighbours' streets mostly inside the added
    area, and nothing else moves (the zone keeps its exact streets elsewhere)."""
    import shapely

    from planner.zones.outline import editing_outline
    from planner.zones.redraw import redraw_zone

    _, plan = generated
    segments = chengdu.router("foot").segments
    zone = max(plan.zones, key=lambda z: len(z.segments))
    outline = editing_outline(zone.polygon, segments)
    local = shapely.transform(outline, segments.to_metric)
    edge = local.exterior.interpolate(0.25, normalized=True) if local.geom_type == "Polygon" else \
        max(local.geoms, key=lambda p: p.area).exterior.interpolate(0.25, normalized=True)
    square = shapely.box(edge.x - 300, edge.y - 300, edge.x + 300, edge.y + 300)
    drawing = shapely.transform(local.union(square), segments.to_wgs84)
    after = redraw_zone(chengdu, plan, zone.zone_id, drawing, offered=outline)
    mine = next(z for z in after.zones if z.zone_id == zone.zone_id)
    gained = np.setdiff1d(mine.segments, zone.segments)
    # independent reference: other zones' streets at least half inside the added area (less the 2 m slack)
    region = shapely.transform(drawing, segments.to_metric).difference(local.buffer(2.0))
    others = np.setdiff1d(np.arange(len(segments.length_m)), zone.segments)
    share = shapely.length(shapely.intersection(segments.geometry_m[others], region)) / segments.length_m[others]
    assert len(gained) > 0 and set(gained) == set(others[share >= 0.5])
    assert set(np.setdiff1d(zone.segments, mine.segments)) == set()  # the zone lost nothing
    for before in plan.zones:
        if before.zone_id != zone.zone_id:
            now = next(z for z in after.zones if z.zone_id == before.zone_id)
            assert set(before.segments) - set(now.segments) <= set(gained) and set(now.segments) <= set(before.segments)
