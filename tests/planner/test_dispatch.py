"""Dispatch: ETAs against networkx, ranking, exclusions, coverage-aware choice, lifecycle, concurrency."""

import threading
from datetime import datetime, timedelta

import networkx as nx
import pytest

from geo.blocks.store import derive_city_blocks
from planner.dispatch import (
    DispatchConflictError,
    Dispatcher,
    DispatchStateError,
    arrive,
    assign,
    close,
    compliance_report,
    list_dispatches,
)
from planner.patrols import (
    UnknownPatrolError,
    demo_roster,
    get_patrol,
    list_patrols,
    set_status,
    update_position,
    upsert_patrols,
)
from planner.store import Store
from tests.geo.test_routing import with_points

pytestmark = pytest.mark.slow
NOON = datetime(2026, 11, 27, 4, 0)  # 12:00 in Chengdu (UTC+8)
REPORT = (104.0810, 30.6943)


@pytest.fixture(scope="module")
def blocks(chengdu):
    return derive_city_blocks(chengdu)


@pytest.fixture
def store(database_url, chengdu):
    """The demo roster in a fresh store, on SQLite and on PostgreSQL."""
    store = Store(database_url)
    upsert_patrols(store, chengdu.slug, demo_roster(chengdu))
    yield store
    store.close()


def networkx_eta(chengdu, mode, start, end):
    """Reference: networkx on the mode's graph with both points inserted on their segments."""
    router = chengdu.router(mode)
    a, b = router.snap(*start), router.snap(*end)
    graph = with_points(router, [a, b])
    seconds = nx.shortest_path_length(graph, ("p", 0), ("p", 1), weight="travel_time")
    return seconds + chengdu.profile.turnout_s


def test_etas_equal_networkx(chengdu, blocks, store):
    patrols = list_patrols(store, chengdu.slug)
    recommendation = Dispatcher(chengdu, blocks).recommend(patrols, *REPORT, now=NOON)
    by_id = {p.id: p for p in patrols}
    assert len(recommendation.candidates) >= 10
    for candidate in recommendation.candidates:
        patrol = by_id[candidate.patrol_id]
        expected = networkx_eta(chengdu, patrol.mode, (patrol.base_lon, patrol.base_lat), REPORT)
        assert candidate.eta_s == pytest.approx(expected, abs=1e-6)
        assert candidate.within_target == (candidate.eta_s <= 1800)
    etas = [c.eta_s for c in recommendation.candidates]
    assert etas == sorted(etas)
    assert all(c.route is not None for c in recommendation.candidates[:3])
    assert all(c.route is None for c in recommendation.candidates[3:])
    best = recommendation.candidates[0]
    route = chengdu.router(best.mode).route(chengdu.router(best.mode).snap(by_id[best.patrol_id].base_lon,
                                                                           by_id[best.patrol_id].base_lat),
                                            chengdu.router(best.mode).snap(*REPORT))
    assert best.distance_m == pytest.approx(route.distance_m, rel=1e-9)
    assert best.route.equals_exact(route.geometry, 1e-9)


def test_exclusions_name_the_reason(chengdu, blocks, store):
    set_status(store, chengdu.slug, "F01", "busy")
    set_status(store, chengdu.slug, "F02", "off_duty")
    update_position(store, chengdu.slug, "E01", 104.07, 30.68, at=NOON - timedelta(minutes=25))
    update_position(store, chengdu.slug, "E02", 104.07, 30.68, at=NOON - timedelta(minutes=2))
    recommendation = Dispatcher(chengdu, blocks).recommend(list_patrols(store, chengdu.slug), *REPORT, now=NOON)
    reasons = {e["patrol_id"]: e["reason"] for e in recommendation.excluded}
    assert reasons["F01"] == "busy" and reasons["F02"] == "off duty"
    assert reasons["E01"].startswith("stale position (last seen 25 min ago)")
    assert reasons["C04"] == "off duty"  # the night car at noon
    assert "E02" not in reasons
    e02 = next(c for c in recommendation.candidates if c.patrol_id == "E02")
    assert e02.eta_s == pytest.approx(networkx_eta(chengdu, "ebike", (104.07, 30.68), REPORT), abs=1e-6)
    listed = {c.patrol_id for c in recommendation.candidates} | set(reasons)
    assert listed == {p.id for p in list_patrols(store, chengdu.slug)}  # nobody silently left out


def test_report_off_the_streets_of_a_mode_is_unreachable_for_it(chengdu, blocks, store):
    with pytest.raises(Exception):  # noqa: B017 - sanity: the point is far from every street
        chengdu.router("car").snap(104.30, 30.69)
    recommendation = Dispatcher(chengdu, blocks).recommend(list_patrols(store, chengdu.slug), 104.30, 30.69, now=NOON)
    assert recommendation.candidates == [] and recommendation.recommended is None
    assert all(e["reason"].startswith(("unreachable", "off duty")) for e in recommendation.excluded)


def test_coverage_aware_choice_prefers_keeping_blocks_covered(chengdu, blocks, store):
    # Put two e-bikes next to each other by the report: one of them is the only cover of its area.
    update_position(store, chengdu.slug, "E03", 104.0805, 30.6940, at=NOON)
    update_position(store, chengdu.slug, "E04", 104.0812, 30.6946, at=NOON)
    recommendation = Dispatcher(chengdu, blocks).recommend(list_patrols(store, chengdu.slug), *REPORT, now=NOON)
    within = [c for c in recommendation.candidates if c.within_target][:5]
    chosen = next(c for c in recommendation.candidates if c.patrol_id == recommendation.recommended)
    assert chosen.blocks_left_uncovered == min(c.blocks_left_uncovered for c in within)
    assert "blocks beyond 30 min" in recommendation.reason
    plain = Dispatcher(chengdu, blocks, coverage_aware=False).recommend(list_patrols(store, chengdu.slug), *REPORT, now=NOON)
    assert plain.recommended == plain.candidates[0].patrol_id and plain.reason == "fastest"


def test_lifecycle_and_compliance_report(chengdu, blocks, store):
    dispatcher = Dispatcher(chengdu, blocks)
    first = dispatcher.recommend(list_patrols(store, chengdu.slug), *REPORT, now=NOON)
    logged = assign(store, chengdu, first, now=NOON)
    assert get_patrol(store, chengdu.slug, logged.patrol_id).status == "busy"
    with pytest.raises(DispatchStateError, match="cannot mark it closed"):
        close(store, chengdu, logged.id, at=NOON)
    arrive(store, chengdu, logged.id, at=NOON + timedelta(seconds=first.candidates[0].eta_s))
    close(store, chengdu, logged.id, at=NOON + timedelta(minutes=40))
    assert get_patrol(store, chengdu.slug, logged.patrol_id).status == "available"
    second = dispatcher.recommend(list_patrols(store, chengdu.slug), 104.06, 30.70, category="street_vending", now=NOON)
    late = assign(store, chengdu, second, now=NOON)
    arrive(store, chengdu, late.id, at=NOON + timedelta(hours=2))  # beyond the 60-minute vending target
    third = dispatcher.recommend(list_patrols(store, chengdu.slug), 104.10, 30.68, now=NOON)
    assign(store, chengdu, third, now=NOON)  # still on its way
    report = compliance_report(store, chengdu)
    assert report["dispatches"] == 3 and report["arrived"] == 2 and report["pending"] == 1
    assert report["within_target_share"] == 0.5
    assert report["by_category"]["stray_dog"]["within_target"] == 1
    assert report["by_category"]["street_vending"]["within_target_share"] == 0.0
    assert list(report["by_day"]) == ["2026-11-27"]
    steps = list_dispatches(store, chengdu.slug)
    assert steps[0].status == "closed" and steps[0].arrived_at and steps[0].closed_at
    assert steps[0].predicted_eta_s == pytest.approx(first.candidates[0].eta_s)


def test_two_dispatchers_assigning_one_patrol_exactly_one_wins(chengdu, blocks, store):
    recommendation = Dispatcher(chengdu, blocks).recommend(list_patrols(store, chengdu.slug), *REPORT, now=NOON)
    patrol = recommendation.recommended
    barrier = threading.Barrier(2)
    outcomes = []

    def dispatcher():
        barrier.wait()
        try:
            outcomes.append(assign(store, chengdu, recommendation, patrol_id=patrol, now=NOON).id)
        except DispatchConflictError as exc:
            outcomes.append(str(exc))

    threads = [threading.Thread(target=dispatcher) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wins = [o for o in outcomes if isinstance(o, int)]
    conflicts = [o for o in outcomes if isinstance(o, str)]
    assert len(wins) == 1 and len(conflicts) == 1 and f"{patrol} was just sent to report #" in conflicts[0]
    assert len(list_dispatches(store, chengdu.slug)) == 1


def test_unknown_patrol_and_bad_positions(chengdu, store):
    with pytest.raises(UnknownPatrolError, match="no patrol 'X99' in chengdu; see the roster") as refused:
        get_patrol(store, chengdu.slug, "X99")
    assert "C01" not in str(refused.value)  # no other patrol is named to whoever asked
    with pytest.raises(Exception, match="outside the city"):
        update_position(store, chengdu.slug, "F01", 121.47, 31.23, jurisdiction=chengdu.jurisdiction)
    with pytest.raises(Exception, match="swapped"):
        update_position(store, chengdu.slug, "F01", 30.66, 104.06)


def test_roster_import_is_all_or_nothing(tmp_path, chengdu):
    from planner.patrols import PatrolFileError, import_patrols

    store = Store(f"sqlite:///{tmp_path / 'roster.sqlite'}")
    good = tmp_path / "roster.csv"
    good.write_text("id,call_sign,mode,base_lon,base_lat,shift_start,shift_end\n"
                    "A1,一中队步巡A1,foot,104.0657,30.6598,08:00,20:00\n"
                    "A2,一中队电巡A2,ebike,104.0810,30.6943,20:00,08:00\n", encoding="utf-8")
    assert import_patrols(store, chengdu, good)[0] == 2
    assert [p.call_sign for p in list_patrols(store, chengdu.slug)] == ["一中队步巡A1", "一中队电巡A2"]
    bad = tmp_path / "bad.csv"
    bad.write_text("id,call_sign,mode,base_lon,base_lat,shift_start\n"
                   "B1,x,foot,104.0657,30.6598,08:00\n"
                   "B2,x,bus,104.0657,30.6598,08:00\n"
                   "B3,x,car,121.47,31.23,08:00\n"
                   "B1,x,car,104.0657,30.6598,8am\n"
                   "../../x,x,car,104.0657,30.6598,08:00\n", encoding="utf-8")
    with pytest.raises(PatrolFileError) as info:
        import_patrols(store, chengdu, bad)
    assert {(p["row"], p["field"]) for p in info.value.problems} == {(3, "mode"), (4, "base"), (5, "id"), (5, "shift_start"),
                                                                     (6, "id")}
    assert {p.id for p in list_patrols(store, chengdu.slug)} == {"A1", "A2"}
