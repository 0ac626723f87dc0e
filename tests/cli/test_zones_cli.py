"""`patrol zones`: generate, check (public JSON keys), versions, export/import, diff, standby."""


import pytest
from click.testing import CliRunner

from cli.main import _register, cli
from tests.conftest import strict_loads

_register()
pytestmark = pytest.mark.slow


@pytest.fixture
def runner(built_instance):
    runner = CliRunner()
    assert runner.invoke(cli, ["patrols", "demo"]).exit_code == 0
    return runner


def run(runner, *args):
    result = runner.invoke(cli, list(args))
    return result, (strict_loads(result.stdout) if "--json" in args and result.stdout.strip() else None)


def test_generate_check_export_import_diff(runner, tmp_path):
    result, generated = run(runner, "zones", "generate", "--json")
    assert result.exit_code == 0, result.output
    assert len(generated["zones"]) == 20 and generated["version"] == 1
    result, check = run(runner, "zones", "check", "--json")
    assert result.exit_code == 0, result.output
    assert check["all_covered"] is True
    for zone in check["zones"]:
        assert {"zone_id", "worst_case_s", "covered_km_share", "covered_reports_share", "uncovered_km"} <= set(zone)
    path = tmp_path / "zones.gpkg"
    assert run(runner, "zones", "export", str(path))[0].exit_code == 0
    result, imported = run(runner, "zones", "import", str(path), "--author", "李四", "--json")
    assert result.exit_code == 0 and imported["version"] == 2 and imported["gaps_km"] == 0
    result, versions = run(runner, "zones", "versions", "--json")
    assert [v["version"] for v in versions] == [1, 2] and versions[1]["author"] == "李四"
    result, diff = run(runner, "zones", "diff", "1", "2", "--json")
    assert diff["km_moved"] < 1.0  # a round trip through a file changes (almost) nothing: under 0.2 % of 740 km
    result, _ = run(runner, "zones", "check", "--version", "9", "--json")
    assert result.exit_code == 2 and "no zone version 9" in result.stdout
