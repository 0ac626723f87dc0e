"""The database: a real SQLite file, migrated by Alembic to the newest revision."""

from sqlalchemy import text

from planner.store import Store


def test_migrations_create_the_schema(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'p.sqlite'}")
    assert store.revision() == "0005_users"
    assert {"alembic_version", "incidents", "patrols", "dispatches", "zones", "zone_versions"} <= set(store.tables())
    store.close()
    again = Store(f"sqlite:///{tmp_path / 'p.sqlite'}")  # opening twice is harmless
    assert again.revision() == "0005_users"
    with again.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_default_url_is_in_the_instance_folder(fresh_instance):
    store = Store()
    assert store.url.endswith("patrol.sqlite") and str(fresh_instance) in store.url
    assert (fresh_instance / "patrol.sqlite").is_file()
