"""Shared fixtures: an isolated instance folder, and the default city built once per session."""

import dataclasses
import os
from pathlib import Path

import pytest

from bench.common import instance_at
from geo import paths

os.environ["PATROL_LANG"] = "en"  # the command line's messages in English whatever the machine's locale (tests of
# the Chinese set PATROL_LANG=zh themselves)


def point_instance(monkeypatch, folder) -> None:
    """For one test: the instance folder of direct calls (``geo.paths``) and of the command line and
    child processes (``PATROL_INSTANCE_DIR``)."""
    monkeypatch.setenv("PATROL_INSTANCE_DIR", str(folder))
    monkeypatch.setattr(paths, "_current", dataclasses.replace(paths.locations(), instance=Path(folder)))


@pytest.fixture(scope="session")
def session_instance(tmp_path_factory):
    """An instance folder for the whole session (built cities are reused across tests)."""
    return tmp_path_factory.mktemp("instance")


@pytest.fixture(autouse=True)
def _isolated_instance(monkeypatch, session_instance):
    point_instance(monkeypatch, session_instance)


@pytest.fixture
def fresh_instance(monkeypatch, tmp_path):
    """An empty instance folder for one test."""
    folder = tmp_path / "instance"
    point_instance(monkeypatch, folder)
    return folder


@pytest.fixture(scope="session")
def chengdu(session_instance):
    """The embedded default city (central Chengdu), built from the shared OSM extract."""
    from geo.city import build_city

    source = paths.shared_dir() / "osm" / "chengdu-center-2018.osm.pbf"
    if not source.is_file():
        pytest.fail(f"the shared Chengdu extract is missing: {source}")
    with instance_at(session_instance):
        return build_city("chengdu")


@pytest.fixture
def built_instance(chengdu, fresh_instance, session_instance):
    """An empty instance folder for one test, holding a copy of the built default city."""
    import shutil

    shutil.copytree(session_instance / "cities", fresh_instance / "cities")
    return fresh_instance


def postgres_url() -> str | None:
    """The PostgreSQL (with PostGIS) for the shared-store tests: ``PATROL_TEST_POSTGRES_URL``
    (``.ci/postgres`` starts one and prints it). Under CI its absence is a failure, not a skip."""
    import os

    url = os.environ.get("PATROL_TEST_POSTGRES_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("PATROL_TEST_POSTGRES_URL is not set (.ci/run starts PostgreSQL with .ci/postgres)")
        pytest.skip("no PostgreSQL: set PATROL_TEST_POSTGRES_URL (bash .ci/postgres starts one and prints it)")
    return url


def redis_url() -> str:
    """The Redis for the job-queue tests: ``PATROL_TEST_REDIS_URL`` (``.ci/redis`` starts one and prints it).
    Under CI its absence is a failure, not a skip."""
    url = os.environ.get("PATROL_TEST_REDIS_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("PATROL_TEST_REDIS_URL is not set (.ci/run starts Redis with .ci/redis)")
        pytest.skip("no Redis: set PATROL_TEST_REDIS_URL (bash .ci/redis starts one and prints it)")
    return _per_worker(url)


def _per_worker(url: str) -> str:
    """Each pytest-xdist worker its own Redis database (gw0 -> 1, gw1 -> 2, ...): a test that empties its
    queue never touches another worker's."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker.startswith("gw"):
        return url
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{int(worker[2:]) % 15 + 1}"))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """A fresh, empty database per test: a SQLite file, or a new schema in the test PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.sqlite'}"
        return
    import uuid

    from sqlalchemy import create_engine, text

    base = postgres_url()
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    yield f"{base}?options=-csearch_path%3D{schema},postgis"
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


def strict_loads(text: str):
    """Parse JSON as strict parsers do (browsers, jq): NaN and Infinity are errors, not numbers."""
    import json

    def refuse(word):
        raise AssertionError(f"not strict JSON: {word} in {text[:200]!r}")

    return json.loads(text, parse_constant=refuse)


def on_duty_all_day(city: str = "chengdu") -> None:
    """Put every stored patrol of ``city`` on duty round the clock (the demo roster has day and night shifts),
    so that tests about dispatching do not depend on the hour at which the suite runs."""
    from dataclasses import asdict

    from planner.patrols import list_patrols, upsert_patrols
    from web.settings import current_settings

    store = current_settings().store()
    keep = ("id", "call_sign", "mode", "base_lon", "base_lat", "zone", "squadron", "status")
    rows = [{k: v for k, v in asdict(p).items() if k in keep} | {"shift_start": "00:00", "shift_end": "24:00"}
            for p in list_patrols(store, city)]
    upsert_patrols(store, city, rows)


def stderr_of(result) -> str:
    """What a ``CliRunner`` run wrote to stderr (click < 8.2 mixes the streams: then all of it)."""
    try:
        return result.stderr
    except ValueError:
        return result.output
