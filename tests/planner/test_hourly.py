"""The guarantee hour by hour, on a two-shift roster whose night patrol cannot cover the city.

Day (08:00-20:00): the demo roster's e-bikes. Night (20:00-08:00): one foot patrol in the centre. The
base-only check (every zone's patrols at their bases, whatever the hour) says all covered; the hourly check
names the night hours and their streets. Independent reference: networkx's Dijkstra on the foot graph from
the night patrol's base node, measuring the street length whose ends are both within reach.
"""

import networkx as nx
import numpy as np
import pytest

from planner.hourly import hourly_coverage, on_duty_at
from planner.patrols import demo_roster, list_patrols, upsert_patrols

pytestmark = pytest.mark.slow
CENTRE = (104.0655, 30.6597)


@pytest.fixture
def two_shifts(built_instance, chengdu, tmp_path):
    from web.settings import current_settings

    store = current_settings().store()
    day = [dict(row, shift_start="08:00", shift_end="20:00") for row in demo_roster(chengdu) if row["mode"] == "ebike"]
    router = chengdu.router("foot")
    snap = router.snap(*CENTRE)
    night = {"id": "N01", "call_sign": "夜班步巡01", "mode": "foot", "base_lon": snap.lon, "base_lat": snap.lat,
             "zone": None, "squadron": "一中队", "status": "available", "shift_start": "20:00", "shift_end": "08:00"}
    upsert_patrols(store, chengdu.slug, day + [night])
    return store


def test_the_night_hours_fail_and_are_named(two_shifts, chengdu):
    from planner.zone_check import check_version, samples_for
    from planner.zones import generate_zones, save_version

    store = two_shifts
    samples = samples_for(chengdu)
    patrols = list_patrols(store, chengdu.slug)
    plan = generate_zones(chengdu, patrols, samples, target_s=chengdu.profile.target_s("stray_dog"))
    save_version(store, chengdu, plan, author="test", comment="two shifts", source="generated")
    base_only = check_version(store, chengdu)
    hourly = hourly_coverage(store, chengdu, samples)
    assert len(hourly["hours"]) == 168
    night = [h for h in range(24) if h >= 20 or h < 8]
    assert hourly["failing_hours"] == night
    assert base_only["all_covered"]  # every zone's patrol at its base, whatever the hour: it misses the night
    for row in hourly["hours"]:
        if row["hour"] in night:
            assert row["patrol_ids"] == ["N01"] and row["uncovered_km"] > 0 and row["uncovered_streets"]
            assert row["backup_km_share"] == 0.0  # one patrol: no second one anywhere
        else:
            assert "N01" not in row["patrol_ids"] and row["patrols_on_duty"] >= 2
            assert row["backup_km_share"] <= row["covered_km_share"]
    # Independent: street length whose both ends the night patrol reaches in time, by networkx.
    router = chengdu.router("foot")
    graph = chengdu.graph("foot")
    base = router.snap(*CENTRE)
    start = int(router.network.node_ids[base.leave[0][0]])
    limit = chengdu.profile.target_s("stray_dog") - chengdu.profile.turnout_s
    reached = nx.single_source_dijkstra_path_length(graph, start, cutoff=limit, weight="travel_time")
    segments = router.segments
    ends = np.array([int(router.network.node_ids[u]) in reached and int(router.network.node_ids[v]) in reached
                     for u, v in zip(segments.u, segments.v, strict=True)])
    share = float(segments.length_m[ends].sum() / segments.length_m.sum())
    three_am = next(r for r in hourly["hours"] if r["hour"] == 3 and r["weekday"] == 2)
    assert three_am["covered_km_share"] == pytest.approx(share, abs=0.03)
    assert three_am["covered_km_share"] < 0.5
    names = set(segments.names)
    assert all(s["street"] in names or s["street"] == "unnamed street" for s in three_am["uncovered_streets"])


def test_on_duty_follows_shifts_across_midnight(chengdu):
    from planner.patrols import PatrolUnit

    def unit(pid, start, end, status="available"):
        return PatrolUnit(city="chengdu", id=pid, call_sign=pid, mode="foot", base_lon=0, base_lat=0,
                          shift_start=start, shift_end=end, status=status)

    roster = [unit("D", "08:00", "20:00"), unit("N", "20:00", "08:00"), unit("A", "00:00", "24:00"),
              unit("X", "00:00", "24:00", "off_duty")]
    tz = chengdu.profile.timezone
    assert [p.id for p in on_duty_at(roster, 3, tz)] == ["N", "A"]
    assert [p.id for p in on_duty_at(roster, 12, tz)] == ["D", "A"]
    assert [p.id for p in on_duty_at(roster, 20, tz)] == ["N", "A"]
    assert [p.id for p in on_duty_at(roster, 7, tz)] == ["N", "A"]


