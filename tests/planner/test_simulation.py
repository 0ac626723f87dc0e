"""Shift simulation: ETAs equal the routing core's, reproducible, and fewer patrols do worse."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from geo.blocks.store import derive_city_blocks
from planner.demo_incidents import generate_incidents
from planner.incidents import IncidentPlacer
from planner.patrols import demo_roster, list_patrols, upsert_patrols
from planner.sim_plans import PlanSpecError, build_plan, parse_plan
from planner.simulation import generate_reports, late_reports_geojson, response_chart, simulate
from planner.store import Store

pytestmark = pytest.mark.slow
DAY = datetime(2026, 11, 27)
START = datetime(2026, 11, 27, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(scope="module")
def world(chengdu, tmp_path_factory):
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('sim') / 'sim.sqlite'}")
    upsert_patrols(store, chengdu.slug, demo_roster(chengdu))
    blocks = derive_city_blocks(chengdu)
    records, _ = generate_incidents(chengdu, blocks, days=30, seed=5)
    ready, _ = IncidentPlacer(chengdu, blocks).validate(records, default_datum="wgs84")
    import pandas as pd

    history = pd.DataFrame(ready)
    return store, blocks, history[history["category"] == "stray_dog"]


def test_responses_equal_the_routing_core(chengdu, world):
    store, blocks, history = world
    _, timelines, _ = build_plan(store, chengdu, blocks, "bases", day=DAY)
    reports = generate_reports(chengdu, history, hours=24, seed=3, categories=["stray_dog"])
    result = simulate(chengdu, timelines, reports, start=START, blocks_gdf=blocks, seed=3)
    modes = {p.id: p.mode for p in list_patrols(store, chengdu.slug)}
    checked = 0
    for report in result.reports:
        if report.dispatched_s is None or report.dispatched_s > report.t_s:
            continue  # waited for a free patrol: the wait is added on top
        router = chengdu.router(modes[report.patrol_id])
        travel = router.travel_time(router.snap(*report.position, max_distance_m=500.0),
                                    router.snap(report.lon, report.lat, max_distance_m=500.0))
        assert report.response_s == pytest.approx(travel + chengdu.profile.turnout_s, abs=1e-6)
        checked += 1
    assert checked >= 10


def test_same_seed_same_day(chengdu, world):
    store, blocks, history = world
    _, timelines, _ = build_plan(store, chengdu, blocks, "bases", day=DAY)
    a = generate_reports(chengdu, history, hours=12, seed=8, categories=["stray_dog"])
    b = generate_reports(chengdu, history, hours=12, seed=8, categories=["stray_dog"])
    c = generate_reports(chengdu, history, hours=12, seed=9, categories=["stray_dog"])
    assert [(r.t_s, r.lon) for r in a] == [(r.t_s, r.lon) for r in b] != [(r.t_s, r.lon) for r in c]
    first = simulate(chengdu, timelines, a, start=START, blocks_gdf=blocks, seed=8, hours=12).figures
    second = simulate(chengdu, timelines, b, start=START, blocks_gdf=blocks, seed=8, hours=12).figures
    assert first == second


def test_removing_a_patrol_lowers_the_share(chengdu, world, tmp_path):
    store, blocks, history = world
    reports = generate_reports(chengdu, history, hours=24, seed=4, categories=["stray_dog"], scale=4.0)
    _, everyone, _ = build_plan(store, chengdu, blocks, "bases", day=DAY)
    full = simulate(chengdu, everyone, reports, start=START, blocks_gdf=blocks, seed=4, name="all")
    served = {}
    for report in full.reports:
        if report.response_s is not None and report.response_s <= report.target_s:
            served[report.patrol_id] = served.get(report.patrol_id, 0) + 1
    busiest = max(served, key=served.get)
    _, fewer, _ = build_plan(store, chengdu, blocks, f"bases:without={busiest}", day=DAY)
    reduced = simulate(chengdu, fewer, reports, start=START, blocks_gdf=blocks, seed=4, name=f"without {busiest}")
    assert reduced.figures["reports"] == full.figures["reports"]
    assert reduced.figures["within_target_share"] < full.figures["within_target_share"]
    response_chart([full, reduced], tmp_path / "chart.png")
    assert (tmp_path / "chart.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    late = late_reports_geojson(reduced)
    assert len(late["features"]) == sum(1 for r in reduced.reports if r.response_s is None or r.response_s > r.target_s)
    assert set(full.figures) >= {"reports", "within_target_share", "p50_s", "p95_s", "never_reached", "by_hour",
                                 "by_category", "utilisation"}


def test_plan_specifications():
    assert parse_plan("bases") == ("bases", set())
    assert parse_plan("v3:without=F01,E02") == (3, {"F01", "E02"})
    with pytest.raises(PlanSpecError, match="without=ID"):
        parse_plan("3:minus=F01")
    with pytest.raises(PlanSpecError, match="zone version number"):
        parse_plan("tomorrow")
