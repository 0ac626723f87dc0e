"""The `patrol city` and `patrol demo` commands: JSON keys, exit codes, clear errors."""

import json

import pytest
from click.testing import CliRunner

from cli.main import _register, cli
from tests.conftest import strict_loads
from tests.osm_files import small_town

_register()


@pytest.fixture
def runner():
    return CliRunner()


def test_city_build_and_info_json(runner, fresh_instance, tmp_path):
    path = small_town(tmp_path / "town.osm")
    result = runner.invoke(cli, ["city", "build", str(path), "--name", "town", "--json"])
    assert result.exit_code == 0, result.output
    built = strict_loads(result.stdout)
    result = runner.invoke(cli, ["city", "info", "--city", "town", "--json"])
    assert result.exit_code == 0, result.output
    info = strict_loads(result.stdout)
    assert info == built
    for mode in ("foot", "ebike", "car"):
        assert {"nodes", "edges", "street_km", "bbox", "crs"} <= set(info["modes"][mode])
        assert info["modes"][mode]["crs"] == "EPSG:4326"
    assert "[" in result.stderr or result.stderr == ""  # progress only ever on stderr


def test_progress_goes_to_stderr(runner, fresh_instance, tmp_path):
    path = small_town(tmp_path / "town.osm")
    result = runner.invoke(cli, ["city", "build", str(path), "--name", "town"])
    assert result.exit_code == 0
    assert "building the car graph" in result.stderr
    assert "car" in result.stdout and "street km" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["city", "build", "/no/such/file.osm.pbf"], "does not exist"),
        (["city", "build", "notes.txt"], "not an OSM file name"),
        (["city", "info", "--city", "atlantis"], "unknown city 'atlantis'"),
        (["city", "build", "--name", "haining"], "no OSM source file"),
    ],
)
def test_errors_are_one_clear_line(runner, fresh_instance, args, message):
    result = runner.invoke(cli, args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_errors_as_json(runner, fresh_instance):
    result = runner.invoke(cli, ["city", "build", "/no/such/file.osm", "--json"])
    assert result.exit_code == 2
    assert "does not exist" in strict_loads(result.stdout)["error"]


@pytest.mark.slow
def test_demo_on_the_default_city(runner, built_instance):
    result = runner.invoke(cli, ["demo", "--json"])
    assert result.exit_code == 0, result.output
    summary = strict_loads(result.stdout)
    assert summary["city"] == "chengdu"
    assert summary["attribution"] == "© OpenStreetMap contributors"
    assert summary["key_blocks"] > 50 and summary["incidents"] > 3000
    assert len(summary["top_hotspots"]) == 5
    again = json.loads(runner.invoke(cli, ["demo", "--json"]).stdout)
    assert again["incidents"] == summary["incidents"]  # generated once, not on every run
