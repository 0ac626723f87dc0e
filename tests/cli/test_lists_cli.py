"""`patrol lists`: the three lists on the demo city, as JSON and as CSV/XLSX tables."""


import openpyxl
import pytest
from click.testing import CliRunner

from cli.main import _register, cli
from tests.conftest import strict_loads

_register()
pytestmark = pytest.mark.slow


def test_three_lists_on_the_demo_city(built_instance, tmp_path):
    runner = CliRunner()
    for args in (["patrols", "demo"], ["zones", "generate"], ["incidents", "generate", "--days", "7"]):
        assert runner.invoke(cli, args).exit_code == 0
    result = runner.invoke(cli, ["lists", "tasks", "--json", "--output", str(tmp_path / "tasks.xlsx")])
    assert result.exit_code == 0, result.output
    tasks = strict_loads(result.stdout)
    assert {t["squadron"] for t in tasks} == {"一中队", "二中队"}
    assert {"key_block", "open_incidents"} <= {t["item"] for t in tasks}
    sheet = openpyxl.load_workbook(tmp_path / "tasks.xlsx").active
    assert sheet.max_row == len(tasks) + 1
    result = runner.invoke(cli, ["lists", "responsibility", "--point", "104.0810,30.6943", "--json"])
    who = strict_loads(result.stdout)
    assert who["squadron"] in {"一中队", "二中队"} and who["zone"] and who["patrols"]
    result = runner.invoke(cli, ["lists", "responsibility", "--block", "MKT-001", "--output", str(tmp_path / "r.csv")])
    assert result.exit_code == 0 and "MKT-001" in (tmp_path / "r.csv").read_text(encoding="utf-8-sig")
    result = runner.invoke(cli, ["lists", "assessment", "--json"])
    rows = strict_loads(result.stdout)
    assert len(rows) == 2 and all(r["missing_tracks"] for r in rows)  # no patrol reported a position yet
    result = runner.invoke(cli, ["lists", "responsibility", "--block", "NOPE"])
    assert result.exit_code == 2 and "no key block" in result.output + result.stderr
