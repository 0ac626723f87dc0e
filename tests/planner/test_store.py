"""The database: a real SQLite file or a shared PostgreSQL (with PostGIS), migrated by Alembic to
the newest revision; the same behaviour on both."""

import numpy as np
import pytest
import shapely
from sqlalchemy import text

from planner.store import Store
from tests.conftest import postgres_url


def newest_migration() -> str:
    """The revision of the highest-numbered migration file (0001_..., 0002_..., ...)."""
    from planner.store import MIGRATIONS

    return max(path.stem for path in (MIGRATIONS / "versions").glob("[0-9][0-9][0-9][0-9]_*.py"))


def test_migrations_create_the_schema(database_url):
    store = Store(database_url)
    assert store.revision() == newest_migration() == "0015_live_operations"
    assert {"alembic_version", "incidents", "patrols", "dispatches", "zones", "zone_versions", "users", "key_blocks",
            "standby_solutions", "planned_routes", "jobs", "api_tokens", "audit_log"} <= set(store.tables())
    store.close()
    again = Store(database_url)  # opening twice is harmless
    assert again.revision() == newest_migration()
    if again.engine.dialect.name == "sqlite":
        with again.engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    again.close()


def test_default_url_is_in_the_instance_folder(fresh_instance):
    store = Store()
    assert store.url.endswith("patrol.sqlite") and str(fresh_instance) in store.url
    assert (fresh_instance / "patrol.sqlite").is_file()


def _halves(city):
    from planner.zones import PlanZone, assign_segments

    minx, miny, maxx, maxy = city.jurisdiction.bounds
    middle = (minx + maxx) / 2
    return assign_segments(city, [
        PlanZone("W", "西区", ["F01"], np.empty(0, np.int64), shapely.box(minx - 0.01, miny - 0.01, middle, maxy + 0.01)),
        PlanZone("E", "东区", ["F02"], np.empty(0, np.int64), shapely.box(middle, miny - 0.01, maxx + 0.01, maxy + 0.01))])


def test_zone_versions_and_users_on_each_backend(database_url, chengdu):
    from planner.users import add_user, authenticate
    from planner.zones import diff_versions, list_versions, load_version, save_version

    store = Store(database_url)
    plan = _halves(chengdu)
    assert save_version(store, chengdu, plan, author="规划员") == 1
    assert save_version(store, chengdu, plan, author="planner", comment="again") == 2
    assert [v["version"] for v in list_versions(store, chengdu)] == [1, 2]
    number, loaded = load_version(store, chengdu, 1)
    assert number == 1 and [z.name for z in loaded.zones] == ["东区", "西区"]
    assert {z.zone_id: set(z.segments.tolist()) for z in loaded.zones} == {z.zone_id: set(z.segments.tolist()) for z in plan.zones}
    assert diff_versions(store, chengdu, 1, 2)["segments_moved"] == 0
    add_user(store, chengdu.slug, "调度员", "dispatcher", password="correct horse 42")
    assert authenticate(store, chengdu.slug, "调度员", "correct horse 42").role == "dispatcher"
    assert authenticate(store, chengdu.slug, "调度员", "wrong") is None
    store.close()


def test_postgis_reads_what_the_store_keeps(chengdu):
    """On PostgreSQL, PostGIS reads the stored zones and positions as valid geometries inside the city
    (so QGIS can show them from the shared database)."""
    import uuid

    from sqlalchemy import create_engine

    from planner.patrols import demo_roster, update_position, upsert_patrols
    from planner.zones import save_version

    base = postgres_url()
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        store = Store(f"{base}?options=-csearch_path%3D{schema},postgis")
        save_version(store, chengdu, _halves(chengdu), author="test")
        upsert_patrols(store, chengdu.slug, demo_roster(chengdu))
        update_position(store, chengdu.slug, "F01", 104.075, 30.69)
        with store.engine.connect() as connection:
            assert connection.execute(text("SELECT postgis_lib_version()")).scalar()
            city = chengdu.jurisdiction.wkt
            zones = connection.execute(text(
                "SELECT count(*), bool_and(ST_IsValid(ST_GeomFromText(polygon_wkt, 4326))), "
                "sum(ST_Area(ST_Intersection(ST_GeomFromText(polygon_wkt, 4326), ST_GeomFromText(:city, 4326))::geography)) "
                "FROM zones"), {"city": city}).one()
            assert zones[0] == 2 and zones[1]
            city_m2 = shapely.area(shapely.transform(chengdu.jurisdiction, chengdu.router("foot").segments.to_metric))
            assert zones[2] == pytest.approx(city_m2, rel=0.01)  # the two halves tile the city
            inside = connection.execute(text(
                "SELECT ST_Within(ST_SetSRID(ST_MakePoint(lon, lat), 4326), ST_GeomFromText(:city, 4326)) "
                "FROM positions WHERE patrol_id = 'F01'"), {"city": city}).scalar()
            assert inside is True
        store.close()
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def test_processes_opening_a_new_database_at_once_all_get_the_schema(database_url):
    """A server and its workers start together on a new database: every one ends at the newest revision."""
    import subprocess
    import sys

    code = "import sys; from planner.store import Store; print(Store(sys.argv[1]).revision())"
    processes = [subprocess.Popen([sys.executable, "-c", code, database_url], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(4)]
    results = [process.communicate(timeout=120) for process in processes]
    assert [out.strip() for out, _ in results] == [newest_migration()] * 4, [err[-300:] for _, err in results]


def test_the_database_file_is_for_its_owner_only(tmp_path):
    import stat

    loose = tmp_path / "old.sqlite"
    loose.touch(mode=0o644)
    loose.chmod(0o644)
    for path in (tmp_path / "new.sqlite", loose):
        store = Store(f"sqlite:///{path}")
        store.close()
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
