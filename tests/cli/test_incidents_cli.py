"""`patrol incidents` and `patrol hotspots`: JSON keys, per-row reports, exit codes."""

import csv

import pytest
from click.testing import CliRunner

from cli.main import _register, cli
from tests.conftest import strict_loads

_register()
pytestmark = pytest.mark.slow


@pytest.fixture
def runner(built_instance):
    return CliRunner()


def run(runner, *args):
    result = runner.invoke(cli, list(args))
    data = strict_loads(result.stdout) if "--json" in args and result.stdout.strip() else None
    return result, data


def test_generate_list_and_hotspots(runner):
    result, generated = run(runner, "incidents", "generate", "--days", "14", "--seed", "3", "--json")
    assert result.exit_code == 0, result.output
    assert generated["stored"] == generated["generated"] > 1000 and len(generated["planted_hotspots"]) == 6
    result, again = run(runner, "incidents", "generate", "--days", "14", "--seed", "3", "--json")
    assert again["stored"] == 0 and again["duplicates"] == generated["generated"]
    result, rows = run(runner, "incidents", "list", "--category", "stray_dog", "--limit", "5", "--json")
    assert result.exit_code == 0 and len(rows) == 5
    assert all(r["category"] == "stray_dog" and r["reported_at"].endswith("+08:00") for r in rows)
    result, spots = run(runner, "hotspots", "--json")
    assert result.exit_code == 0, result.output
    assert spots["method"] == "planar" and spots["min_incidents"] == 14
    assert len(spots["hotspots"]) >= 5
    first = spots["hotspots"][0]
    assert {"rank", "lon", "lat", "street", "hull", "count", "counts_by_category", "busy_hours", "block_id",
            "score"} <= set(first)
    result, window = run(runner, "hotspots", "--since", "2026-10-03", "--until", "2026-10-05", "--json")
    assert window["incidents"] < spots["incidents"]
    result, gi = run(runner, "hotspots", "--method", "gi", "--json")
    assert result.exit_code == 0 and "hot_segments" in gi


def test_import_reports_rows(runner, tmp_path):
    path = tmp_path / "in.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "category", "reported_at", "lon", "lat"])
        writer.writerow(["X1", "stray_dog", "2026-11-01 07:00", "104.0657", "30.6598"])
        writer.writerow(["X2", "unicorn", "2026-11-01 07:00", "104.0657", "30.6598"])
    result, report = run(runner, "incidents", "import", str(path), "--datum", "wgs84", "--json")
    assert result.exit_code == 0, result.output
    assert report["stored"] == 1 and report["invalid"] == 1
    assert report["problems"] == [{"row": 3, "field": "category", "reason": report["problems"][0]["reason"]}]
    assert "unicorn" in report["problems"][0]["reason"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["incidents", "import", "/no/file.csv"], "does not exist"),
        (["hotspots", "--since", "last tuesday"], "Invalid value for --since"),
        (["incidents", "list", "--until", "2026-13-45"], "Invalid value for --until"),
    ],
)
def test_bad_input_is_a_clear_error(runner, args, message):
    result = runner.invoke(cli, args)
    assert result.exit_code == 2
    assert message in result.output + result.stderr
    assert "Traceback" not in result.output
