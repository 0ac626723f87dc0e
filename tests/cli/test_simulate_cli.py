"""`patrol simulate`: the public JSON keys, two plans on one stream, chart and late reports."""

import json

import pytest
from click.testing import CliRunner

from cli.main import _register, cli
from tests.conftest import strict_loads

_register()
pytestmark = pytest.mark.slow


def test_simulate_and_compare(built_instance, tmp_path):
    runner = CliRunner()
    for args in (["patrols", "demo"], ["incidents", "generate", "--days", "14", "--seed", "2"]):
        assert runner.invoke(cli, args).exit_code == 0
    chart, late = tmp_path / "chart.png", tmp_path / "late.geojson"
    result = runner.invoke(cli, ["simulate", "--hours", "12", "--seed", "3", "--plan", "bases", "--compare",
                                 "bases:without=E01,E02", "--chart", str(chart), "--late", str(late), "--json"])
    assert result.exit_code == 0, result.output
    data = strict_loads(result.stdout)
    assert {"reports", "within_target_share", "p50_s", "p95_s", "never_reached"} <= set(data)
    assert data["compare"]["reports"] == data["reports"] > 0
    assert chart.stat().st_size > 1000 and json.loads(late.read_text(encoding="utf-8"))["type"] == "FeatureCollection"
    result = runner.invoke(cli, ["simulate", "--plan", "bases:without=X99"])
    assert result.exit_code == 2 and "no patrol X99" in result.output + result.stderr
