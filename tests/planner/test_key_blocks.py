"""Key blocks and standby points live in the store: two servers on one database see the same ones
(SQLite and PostgreSQL), and an older instance's files are imported once."""

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geo.blocks.io import write_blocks_file
from geo.blocks.store import legacy_blocks_path
from planner.key_blocks import import_blocks, load_blocks, save_blocks
from planner.standby import store_solution, stored_solutions
from planner.store import Store


def two_blocks() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({
        "id": ["MKT-001", "SCH-001"], "name": ["荷花池市场", "Primary School"], "kind": ["market", "school_surroundings"],
        "priority": [2.0, 3.0], "squadron": ["一中队", None], "visits_per_shift": [2, 1], "source": ["test", None],
    }, geometry=[shapely.box(104.070, 30.680, 104.072, 30.682), shapely.box(104.080, 30.690, 104.081, 30.691)],
        crs="EPSG:4326")


def test_two_servers_see_the_same_blocks_and_standby_points(chengdu, database_url):
    first, second = Store(database_url), Store(database_url)
    assert save_blocks(first, chengdu, two_blocks()) == 2
    seen = load_blocks(second, chengdu)
    assert list(seen["id"]) == ["MKT-001", "SCH-001"] and seen.crs.to_epsg() == 4326
    assert seen.geometry.iloc[0].equals(two_blocks().geometry.iloc[0]) and seen["squadron"].isna().iloc[1]
    assert seen["name"].iloc[0] == "荷花池市场" and seen["visits_per_shift"].tolist() == [2, 1]
    store_solution(first, chengdu, {"mode": "ebike", "count": 2, "points": [{"lon": 104.07, "lat": 30.68}]})
    store_solution(first, chengdu, {"mode": "ebike", "count": 3, "points": []})  # the newest wins
    assert stored_solutions(second, chengdu) == {"ebike": {"mode": "ebike", "count": 3, "points": []}}
    first.close()
    second.close()


def test_import_merges_by_id_all_or_nothing(chengdu, database_url, tmp_path):
    store = Store(database_url)
    save_blocks(store, chengdu, two_blocks())
    changed = two_blocks().iloc[[0]].copy()
    changed["name"] = ["新市场"]
    path = write_blocks_file(changed, tmp_path / "changed.geojson")
    merged, _ = import_blocks(store, chengdu, path)
    assert sorted(merged["id"]) == ["MKT-001", "SCH-001"]
    assert load_blocks(store, chengdu).set_index("id").loc["MKT-001", "name"] == "新市场"
    store.close()


def test_an_older_instance_file_is_imported_once(chengdu, built_instance, tmp_path):
    legacy = legacy_blocks_path(chengdu)
    legacy.parent.mkdir(parents=True, exist_ok=True)
    write_blocks_file(two_blocks(), legacy)
    store = Store(f"sqlite:///{tmp_path / 'old.sqlite'}")
    assert list(load_blocks(store, chengdu)["id"]) == ["MKT-001", "SCH-001"]
    legacy.unlink()
    assert len(load_blocks(store, chengdu)) == 2  # now from the store



@pytest.mark.slow
def test_two_servers_show_the_same_route_of_the_day(chengdu, database_url, monkeypatch):
    from planner import route_plans
    from planner.patrols import demo_roster, list_patrols, upsert_patrols
    from planner.zone_check import samples_for
    from planner.zones import generate_zones, save_version

    first, second = Store(database_url), Store(database_url)
    upsert_patrols(first, chengdu.slug, demo_roster(chengdu))
    plan = generate_zones(chengdu, list_patrols(first, chengdu.slug), samples_for(chengdu), target_s=1800.0)
    save_version(first, chengdu, plan, author="test")
    zone, route = route_plans.todays_route(first, chengdu, two_blocks(), "E02", cache={})

    def no_planning(*_args, **_kwargs):
        raise AssertionError("the second server planned again instead of reading the store")

    monkeypatch.setattr(route_plans, "plan_routes", no_planning)
    zone2, route2 = route_plans.todays_route(second, chengdu, two_blocks(), "E02", cache={})
    assert route2.as_dict() == route.as_dict() and zone2.zone_id == zone.zone_id
    assert np.array_equal(zone2.segments, zone.segments) and zone2.polygon.equals(zone.polygon)
    first.close()
    second.close()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_postgis_reads_blocks_and_zones_as_geometry(chengdu, database_url):
    """On PostgreSQL the stored blocks and zones are PostGIS geometries (EPSG:4326) too: the areas
    PostGIS measures match shapely's in the city's metric CRS."""
    import pyproj
    from sqlalchemy import text

    from planner.zones import PlanZone, ZonePlan, save_version

    store = Store(database_url)
    save_blocks(store, chengdu, two_blocks())
    zone = PlanZone("Z01", "test", ["E01"], np.array([0], dtype=np.int64), shapely.box(104.06, 30.67, 104.09, 30.70))
    save_version(store, chengdu, ZonePlan([zone]), author="test")
    with store.engine.connect() as connection:
        blocks = dict(connection.execute(text(
            "SELECT block_id, ST_Area(geom::geography) FROM key_blocks WHERE ST_SRID(geom) = 4326")).all())
        zone_area = connection.execute(text("SELECT ST_Area(geom::geography) FROM zones")).scalar()
        inside = connection.execute(text(
            "SELECT k.block_id FROM key_blocks k JOIN zones z ON ST_Within(k.geom, z.geom) ORDER BY 1")).scalars().all()
    transformer = pyproj.Transformer.from_crs("EPSG:4326", chengdu.crs, always_xy=True)
    metric_area = lambda g: shapely.transform(g, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))).area  # noqa: E731
    for block_id, polygon in zip(two_blocks()["id"], two_blocks().geometry, strict=True):
        assert blocks[block_id] == pytest.approx(metric_area(polygon), rel=0.005)
    assert zone_area == pytest.approx(metric_area(zone.polygon), rel=0.005)
    assert inside == ["MKT-001", "SCH-001"]
    store.close()
