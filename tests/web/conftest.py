"""A served city for the web tests: demo roster, zones and a week of incidents, in its own instance."""

import os
import shutil

import pytest
from click.testing import CliRunner

from cli.main import _register, cli

_register()


@pytest.fixture(scope="module")
def web_instance(chengdu, session_instance, tmp_path_factory):
    folder = tmp_path_factory.mktemp("web-instance")
    shutil.copytree(session_instance / "cities", folder / "cities")
    saved = os.environ.get("PATROL_INSTANCE_DIR")
    os.environ["PATROL_INSTANCE_DIR"] = str(folder)
    runner = CliRunner()
    for args in (["patrols", "demo"], ["zones", "generate"], ["incidents", "generate", "--days", "7"]):
        assert runner.invoke(cli, args).exit_code == 0
    yield folder
    if saved is None:
        os.environ.pop("PATROL_INSTANCE_DIR", None)
    else:
        os.environ["PATROL_INSTANCE_DIR"] = saved


@pytest.fixture
def app(web_instance, monkeypatch):
    monkeypatch.setenv("PATROL_INSTANCE_DIR", str(web_instance))
    from web.app import create_app

    return create_app({"TESTING": True})


@pytest.fixture
def client(app):
    return app.test_client()
