"""`patrol patrols` and `patrol dispatch`: the public JSON keys, the lifecycle and clear errors."""


import pytest
from click.testing import CliRunner

from cli.main import _register, cli
from tests.conftest import strict_loads

_register()
pytestmark = pytest.mark.slow


@pytest.fixture
def runner(built_instance, monkeypatch):
    # Noon in Chengdu, so the day shift is on duty whenever the test runs.
    from datetime import datetime

    import planner.clock
    import planner.dispatch
    import planner.patrols

    noon = datetime(2026, 11, 27, 4, 0)
    monkeypatch.setattr(planner.patrols, "utc_now", lambda: noon)
    monkeypatch.setattr(planner.dispatch, "utc_now", lambda: noon)
    monkeypatch.setattr(planner.clock, "utc_now", lambda: noon)  # the commands read the clock here
    runner = CliRunner()
    assert runner.invoke(cli, ["patrols", "demo"]).exit_code == 0
    return runner


def run(runner, *args):
    result = runner.invoke(cli, list(args))
    return result, (strict_loads(result.stdout) if "--json" in args and result.stdout.strip() else None)


def test_dispatch_json_keys(runner):
    result, data = run(runner, "dispatch", "104.0810,30.6943", "--datum", "wgs84", "--json")
    assert result.exit_code == 0, result.output
    assert {"incident", "candidates", "excluded", "recommended"} <= set(data)
    for candidate in data["candidates"]:
        assert {"patrol_id", "mode", "eta_s", "distance_m", "within_target"} <= set(candidate)
    assert data["recommended"] == data["candidates"][0]["patrol_id"] or "coverage-aware" in data["reason"]
    assert {e["reason"] for e in data["excluded"]} == {"off duty"}


def test_dispatch_by_address_and_lifecycle(runner):
    result, data = run(runner, "dispatch", "解放路农贸市场", "--assign", "--json")
    assert result.exit_code == 0, result.output
    assert data["incident"]["match"] == "解放路农贸市场" and data["assigned"] == data["recommended"]
    dispatch_id = data["dispatch_id"]
    result, patrols = run(runner, "patrols", "list", "--json")
    assert next(p for p in patrols if p["id"] == data["assigned"])["status"] == "busy"
    result, again = run(runner, "dispatch", "解放路农贸市场", "--json")
    assert data["assigned"] in {e["patrol_id"] for e in again["excluded"] if e["reason"] == "busy"}
    assert run(runner, "dispatches", "close", str(dispatch_id))[0].exit_code == 2  # must arrive first
    assert run(runner, "dispatches", "arrive", str(dispatch_id), "--json")[1]["status"] == "arrived"
    assert run(runner, "dispatches", "close", str(dispatch_id), "--json")[1]["status"] == "closed"
    report = run(runner, "dispatches", "report", "--json")[1]
    assert report["dispatches"] == 1 and report["arrived"] == 1


def test_positions_and_stale_flag(runner):
    result, patrol = run(runner, "patrols", "position", "E01", "104.07,30.68", "--datum", "wgs84",
                         "--at", "2026-11-27 11:30", "--json")
    assert result.exit_code == 0, result.output
    assert patrol["stale"] and patrol["reason"].startswith("stale position")
    result, patrol = run(runner, "patrols", "position", "E01", "104.07,30.68", "--datum", "wgs84", "--json")
    assert not patrol["stale"] and patrol["available"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["dispatch", "火星基地一号"], "cannot resolve address"),
        (["dispatch", "104.60,30.90", "--datum", "wgs84"], "outside the city: 49 km from any street"),
        (["dispatch", "104.08,30.69", "--category", "aliens"], "unknown category"),
        (["patrols", "position", "X99", "104.07,30.68"], "no patrol 'X99'"),
        (["patrols", "position", "E01", "30.68,104.07"], "swapped"),
        (["dispatches", "arrive", "999"], "no dispatch 999"),
    ],
)
def test_errors_are_clear(runner, args, message):
    result = runner.invoke(cli, args)
    assert message in result.output + result.stderr
    assert "Traceback" not in result.output
