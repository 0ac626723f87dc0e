"""`patrol blocks`: derive, list, import (all or nothing), export — on the default city."""


import geopandas as gpd
import pytest
from click.testing import CliRunner

from cli.main import _register, cli
from tests.conftest import strict_loads
from tests.geo.blocks import catalogue

_register()
pytestmark = pytest.mark.slow


@pytest.fixture
def runner(built_instance):
    # Blocks live in the instance folder: give each test its own copy of the built city.
    return CliRunner()


def invoke(runner, *args):
    result = runner.invoke(cli, list(args))
    return result, (strict_loads(result.stdout) if "--json" in args and result.stdout.strip() else None)


def test_derive_then_list_json(runner):
    result, derived = invoke(runner, "blocks", "derive", "--json")
    assert result.exit_code == 0, result.output
    assert derived["count"] == len(derived["blocks"]) > 50
    result, rows = invoke(runner, "blocks", "list", "--json")
    assert result.exit_code == 0
    assert [r["id"] for r in rows] == [b["id"] for b in derived["blocks"]]
    for row in rows:
        assert {"id", "name", "kind", "area_m2", "street_km"} <= set(row)
        assert row["area_m2"] > 0 and row["street_km"] >= 0


def test_import_adds_and_updates_by_id_and_export_round_trips(runner, tmp_path):
    frame = gpd.GeoDataFrame(
        {"id": ["NEW-1", "MKT-001"], "name": ["天府广场周边", "改名市场"], "kind": ["other", "market"]},
        geometry=[catalogue.SQUARE, catalogue.SPIKE], crs="EPSG:4326")
    frame.to_file(tmp_path / "mine.geojson")
    before = len(invoke(runner, "blocks", "list", "--json")[1])
    result, report = invoke(runner, "blocks", "import", str(tmp_path / "mine.geojson"), "--json")
    assert result.exit_code == 0, result.output
    assert report["count"] == before + 1
    assert report["repaired"][0]["id"] == "MKT-001"
    rows = {r["id"]: r for r in invoke(runner, "blocks", "list", "--json")[1]}
    assert rows["MKT-001"]["name"] == "改名市场" and rows["NEW-1"]["kind"] == "other"
    result, _ = invoke(runner, "blocks", "export", str(tmp_path / "out.gpkg"), "--json")
    assert result.exit_code == 0
    exported = gpd.read_file(tmp_path / "out.gpkg", layer="key_blocks")
    assert len(exported) == before + 1 and {"area_m2", "street_km"} <= set(exported.columns)
    assert exported.crs.to_epsg() == 4326


def test_a_file_with_errors_imports_nothing(runner, tmp_path):
    before = invoke(runner, "blocks", "list", "--json")[1]
    frame = gpd.GeoDataFrame(
        {"id": ["OK-1", "BAD-1", "BAD-2"], "name": ["好", "坏", "坏"], "kind": ["market", "market", "bakery"]},
        geometry=[catalogue.SQUARE, catalogue.BOW_TIE, catalogue.SQUARE], crs="EPSG:4326")
    frame.to_file(tmp_path / "bad.geojson")
    result, error = invoke(runner, "blocks", "import", str(tmp_path / "bad.geojson"), "--json")
    assert result.exit_code == 2
    assert {(p["id"], p["field"]) for p in error["problems"]} == {("BAD-1", "geometry"), ("BAD-2", "kind")}
    assert invoke(runner, "blocks", "list", "--json")[1] == before
