"""`patrol routes plan|export`: public JSON keys and files."""


import gpxpy
import pytest
from click.testing import CliRunner

from cli.main import _register, cli
from tests.conftest import strict_loads

_register()
pytestmark = pytest.mark.slow


@pytest.fixture
def runner(built_instance):
    runner = CliRunner()
    for args in (["patrols", "demo"], ["zones", "generate"]):
        assert runner.invoke(cli, args).exit_code == 0
    return runner


def test_plan_and_export(runner, tmp_path):
    result = runner.invoke(cli, ["routes", "plan", "--patrol", "E02", "--day", "2026-11-27", "--time-limit", "1", "--json"])
    assert result.exit_code == 0, result.output
    data = strict_loads(result.stdout)
    (route,) = data["routes"]
    assert {"patrol_id", "stops", "duration_s", "length_m", "worst_case_s", "guarantee_holds"} <= set(route)
    assert route["patrol_id"] == "E02" and route["stops"] and route["length_m"] > 0
    assert all("arrival" in stop and stop["arrival"].startswith("2026-11-27T") for stop in route["stops"])
    gpx_path = tmp_path / "e02.gpx"
    result = runner.invoke(cli, ["routes", "export", "E02", "--format", "gpx", "--output", str(gpx_path),
                                 "--day", "2026-11-27", "--time-limit", "1"])
    assert result.exit_code == 0, result.output
    gpx = gpxpy.parse(gpx_path.read_text(encoding="utf-8"))
    assert len(gpx.waypoints) == len(route["stops"])
    result = runner.invoke(cli, ["routes", "export", "E02", "--format", "geojson", "--day", "2026-11-27",
                                 "--time-limit", "1"])
    features = strict_loads(result.stdout)["features"]
    assert features[0]["geometry"]["type"] == "LineString" and len(features) == len(route["stops"]) + 1
    result = runner.invoke(cli, ["routes", "plan", "--patrol", "X99"])
    assert result.exit_code == 2 and "no zone" in result.output + result.stderr


def test_every_route_of_generated_zones_fits_its_shift(runner):
    """Visits that do not fit are left out (the least important first) and named; never the same place twice
    in a row when the route has another place to go; no idle hour (patrol stops fill the stretches); every
    route ends within its patrol's shift."""
    result = runner.invoke(cli, ["routes", "plan", "--day", "2026-11-27", "--time-limit", "0.5", "--json"])
    assert result.exit_code == 0, result.output
    routes = strict_loads(result.stdout)["routes"]
    assert len(routes) == 20
    for route in routes:
        shift_s = route["duration_s"] + route["slack_s"]
        assert route["duration_s"] <= shift_s + 1.0, (route["patrol_id"], route["duration_s"], shift_s)
        places = [stop["id"] for stop in route["stops"]]
        if len(set(places)) > 1:
            assert all(a != b for a, b in zip(places, places[1:], strict=False)), (route["patrol_id"], places)
        for gone in route["dropped"]:
            assert gone["reason"]
        arrivals = [stop["arrival_s"] for stop in route["stops"]]
        assert arrivals == sorted(arrivals) and (not arrivals or arrivals[-1] <= shift_s)
        if len(set(places)) > 1 and not route["ordering"].get("idle"):  # idle stretches are patrolled
            leaves = [stop["arrival_s"] + stop["dwell_s"] for stop in route["stops"]]
            gaps = [b - a for a, b in zip([0.0, *leaves], [*arrivals, shift_s], strict=True)]
            assert max(gaps) < 3600.0, (route["patrol_id"], [round(g) for g in gaps])  # at most 30 min idle + travel
