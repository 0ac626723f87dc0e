"""A served city for the web tests: demo roster, zones and a week of incidents, in its own instance."""

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import _register, cli
from tests.conftest import instance_at, on_duty_all_day, point_instance

_register()
PASSWORD = "correct horse 42"
USERS = [("admin", "admin", None), ("dispatcher", "dispatcher", None), ("planner", "planner", None),
         ("officer-e02", "officer", "E02")]


@pytest.fixture(scope="session")
def web_template(chengdu, session_instance, tmp_path_factory):
    """The served instance, built once per session; each test module works on its own copy."""
    folder = tmp_path_factory.mktemp("web-template")
    shutil.copytree(session_instance / "cities", folder / "cities")
    runner = CliRunner()
    with instance_at(folder):
        for args in (["patrols", "demo"], ["zones", "generate"], ["incidents", "generate", "--days", "7"]):
            assert runner.invoke(cli, args).exit_code == 0
        on_duty_all_day()  # the pages' tests must not depend on the hour the suite runs
        for username, role, patrol in USERS:
            args = ["users", "add", username, "--role", role, "--password", PASSWORD]
            assert runner.invoke(cli, args + (["--patrol", patrol] if patrol else [])).exit_code == 0
    return folder


@pytest.fixture(scope="module")
def web_instance(web_template, tmp_path_factory):
    """A copy of the served instance; its SQLite files copied through SQLite's backup (the template's store
    may still be open in this process: a copied WAL index would be another database's)."""
    import sqlite3

    folder = tmp_path_factory.mktemp("web-instance") / "instance"
    shutil.copytree(web_template, folder, ignore=shutil.ignore_patterns("*.sqlite", "*.sqlite-wal", "*.sqlite-shm"))
    for database in web_template.glob("*.sqlite"):
        source, target = sqlite3.connect(database), sqlite3.connect(folder / database.name)
        with target:
            source.backup(target)
        source.close()
        target.close()
        (folder / database.name).chmod(database.stat().st_mode)
    return folder


@pytest.fixture
def app(web_instance, monkeypatch):
    point_instance(monkeypatch, web_instance)
    from web.app import create_app

    return create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})


@pytest.fixture
def anonymous(app):
    return app.test_client()


def signed_in(app, username: str):
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return client


@pytest.fixture
def client(app):
    """An admin's session (may open everything)."""
    return signed_in(app, "admin")


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium (Debian's), driven by Playwright, offline; one per test module."""
    from tests.web.browsing import CHROMIUM

    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is not installed (.ci/run installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run", "--disable-sync"])
        yield browser
        browser.close()
