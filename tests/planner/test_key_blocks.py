"""Key blocks and standby points live in the store: two servers on one database see the same ones
(SQLite and PostgreSQL), and an older instance's files are imported once."""

import geopandas as gpd
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

