"""Live operations in the store: the audit log (append-only on both backends), the dispatch steps an officer
takes, the plausibility of phone positions (against pyproj's geodesic distance), the live feed and the
officer's current assignment (its ETA against networkx)."""

from datetime import datetime, timedelta

import pytest
from pyproj import Geod
from sqlalchemy import text

from geo.errors import CoordinateError, PatrolError
from planner.assignment import current_assignment
from planner.audit import Actor, acting_as, list_entries
from planner.dispatch import Dispatcher, DispatchStateError, accept, arrive, assign, close
from planner.events import Cursor, events_after, latest_cursor
from planner.incidents import recent_open_reports
from planner.patrols import (
    ImplausibleFixError,
    demo_roster,
    get_patrol,
    list_patrols,
    top_speed_mps,
    update_position,
    upsert_patrols,
)
from planner.store import Store
from tests.planner.test_dispatch import networkx_eta

pytestmark = pytest.mark.slow
GEOD = Geod(ellps="WGS84")
REPORT = (104.0810, 30.6943)


@pytest.fixture
def store(database_url, chengdu):
    store = Store(database_url)  # the demo roster on duty round the clock: the tests run at any hour
    upsert_patrols(store, chengdu.slug, [row | {"shift_start": "00:00", "shift_end": "24:00"}
                                         for row in demo_roster(chengdu)])
    yield store
    store.close()


def _now():
    from planner.clock import utc_now

    return utc_now().replace(microsecond=0)


def _assign(store, chengdu, patrol_id=None):
    recommendation = Dispatcher(chengdu, None).recommend(list_patrols(store, chengdu.slug), *REPORT, now=_now())
    return assign(store, chengdu, recommendation, patrol_id=patrol_id, assigned_by="disp1")


def test_every_step_is_in_the_audit_log_which_cannot_be_edited(store, chengdu):
    token = acting_as(Actor("disp1", "10.0.0.7"))
    try:
        dispatch = _assign(store, chengdu)
        acting_as(Actor("officer-e01", "10.0.0.9"))
        accept(store, chengdu, dispatch.id)
        arrive(store, chengdu, dispatch.id)
        done = close(store, chengdu, dispatch.id, outcome="not_found", note="dog gone when we came")
    finally:
        from planner.audit import _ACTOR

        _ACTOR.reset(token)
    assert (done.status, done.outcome, done.close_note) == ("closed", "not_found", "dog gone when we came")
    assert done.accepted_at <= done.arrived_at <= done.closed_at
    lines = list_entries(store, chengdu.slug, action="dispatch.", newest_first=False)
    assert [(x.action, x.actor, x.origin) for x in lines] == [
        ("dispatch.assign", "disp1", "10.0.0.7"), ("dispatch.accept", "officer-e01", "10.0.0.9"),
        ("dispatch.arrive", "officer-e01", "10.0.0.9"), ("dispatch.close", "officer-e01", "10.0.0.9")]
    assert all(x.detail["dispatch_id"] == dispatch.id and x.detail["patrol_id"] == dispatch.patrol_id for x in lines)
    assert lines[-1].detail["outcome"] == "not_found"
    for statement in ("UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log"):
        with pytest.raises(Exception, match="append-only"), store.engine.begin() as connection:
            connection.execute(text(statement))
    assert len(list_entries(store, chengdu.slug, action="dispatch.")) == 4
    with pytest.raises(PatrolError, match="unknown audit action"):
        list_entries(store, chengdu.slug, action="dispatch.delete")


def test_steps_follow_their_order_and_closing_takes_a_known_outcome(store, chengdu):
    dispatch = _assign(store, chengdu)
    with pytest.raises(DispatchStateError, match="cannot mark it closed"):
        close(store, chengdu, dispatch.id)
    arrive(store, chengdu, dispatch.id)  # arriving without accepting first is allowed (a radio call)
    with pytest.raises(DispatchStateError, match="cannot mark it accepted"):
        accept(store, chengdu, dispatch.id)
    with pytest.raises(DispatchStateError, match="outcome must be one of resolved, not_found, referred"):
        close(store, chengdu, dispatch.id, outcome="shrug")
    with pytest.raises(DispatchStateError, match="under 500"):
        close(store, chengdu, dispatch.id, note="x" * 501)
    assert close(store, chengdu, dispatch.id).outcome == "resolved"
    assert get_patrol(store, chengdu.slug, dispatch.patrol_id).status == "available"


def test_positions_faster_than_the_mode_from_the_future_or_outside_are_refused(store, chengdu):
    profile, t0 = chengdu.profile, _now() - timedelta(hours=3)
    start = (104.0700, 30.6800)
    update_position(store, chengdu.slug, "F01", *start, at=t0, accuracy_m=5, profile=profile)
    limit = top_speed_mps(profile, "foot")
    # 60 s later: just under the limit (beyond both fixes' accuracy) is taken, just over is refused.
    for factor, allowed in ((0.9, True), (1.1, False)):
        lon, lat, _ = GEOD.fwd(*start, 90.0, limit * 60 * factor + 10)  # +10 m: the two fixes' accuracy
        kwargs = dict(at=t0 + timedelta(seconds=60), accuracy_m=5, profile=profile)
        if allowed:
            update_position(store, chengdu.slug, "F01", lon, lat, **kwargs)
            update_position(store, chengdu.slug, "F01", *start, at=t0 + timedelta(seconds=60 + 3600), profile=profile)
        else:
            with pytest.raises(ImplausibleFixError, match="faster than a foot patrol can go"):
                update_position(store, chengdu.slug, "F01", lon, lat, **kwargs)
    with pytest.raises(ImplausibleFixError, match="from the future"):
        update_position(store, chengdu.slug, "F01", *start, at=_now() + timedelta(minutes=10), profile=profile)
    with pytest.raises(ImplausibleFixError, match="only fixes from the last 24 h"):  # from a phone
        update_position(store, chengdu.slug, "F01", *start, at=_now() - timedelta(days=2), profile=profile,
                         max_age_s=24 * 3600)
    with pytest.raises(CoordinateError, match="outside the city"):
        update_position(store, chengdu.slug, "F01", 121.47, 31.23, jurisdiction=chengdu.jurisdiction, profile=profile)
    # A car may cover in a minute what a foot patrol may not.
    update_position(store, chengdu.slug, "C01", *start, at=t0, profile=profile)
    lon, lat, _ = GEOD.fwd(*start, 0.0, 1000.0)
    update_position(store, chengdu.slug, "C01", lon, lat, at=t0 + timedelta(seconds=60), profile=profile)
    # A fix sent late from the phone's queue joins the track without moving the patrol back.
    latest = get_patrol(store, chengdu.slug, "C01")
    update_position(store, chengdu.slug, "C01", *start, at=t0 + timedelta(seconds=30), profile=profile)
    again = get_patrol(store, chengdu.slug, "C01")
    assert (again.last_lon, again.last_lat, again.last_seen_at) == (latest.last_lon, latest.last_lat, latest.last_seen_at)


def test_the_feed_brings_positions_and_dispatch_steps_after_a_cursor(store, chengdu):
    start = latest_cursor(store, chengdu.slug)
    assert Cursor.parse(str(start)) == start
    with pytest.raises(PatrolError, match="12-340"):
        Cursor.parse("12;340")
    update_position(store, chengdu.slug, "E01", 104.07, 30.68, accuracy_m=12.5)
    dispatch = _assign(store, chengdu, "E01")
    accept(store, chengdu, dispatch.id)
    events = events_after(store, chengdu.slug, start)
    assert [(e.type, e.data.get("status")) for e in events] == [("position", None), ("dispatch", "assigned"),
                                                              ("dispatch", "accepted")]
    assert events[0].data["accuracy_m"] == 12.5 and events[0].patrol_id == "E01"
    assert events[1].data["by"] == "cli:" + events[1].data["by"][4:] and events[1].data["dispatch_id"] == dispatch.id
    cursor = start
    for event in events:
        cursor = cursor.after(event)
    assert events_after(store, chengdu.slug, cursor) == [] and cursor == latest_cursor(store, chengdu.slug)


def test_the_officer_sees_the_place_and_the_route_from_the_latest_position(store, chengdu):
    assert current_assignment(store, chengdu, "E02") is None
    update_position(store, chengdu.slug, "E02", 104.07, 30.68)
    dispatch = _assign(store, chengdu, "E02")
    shown = current_assignment(store, chengdu, "E02")
    assert (shown["dispatch_id"], shown["status"], shown["category"]) == (dispatch.id, "assigned", "stray_dog")
    expected = networkx_eta(chengdu, "ebike", (104.07, 30.68), REPORT) - chengdu.profile.turnout_s
    assert shown["eta_s"] == pytest.approx(expected, abs=0.1)
    assert shown["route"]["type"] == "LineString" and len(shown["route"]["coordinates"]) > 2
    assert 0 < shown["seconds_left"] <= 1800


def test_open_reports_most_urgent_first(store, chengdu):
    from planner.incidents import store_incidents

    now = _now()
    rows = [{"city": chengdu.slug, "category": category, "source": "hotline", "lon": 104.07, "lat": 30.68,
             "input_datum": "wgs84", "status": "open", "reported_at": now - timedelta(minutes=minutes)}
            for category, minutes in (("stray_dog", 5), ("stray_dog", 25), ("garbage_sorting", 40), ("stray_dog", 300))]
    store_incidents(store, rows)
    shown = recent_open_reports(store, chengdu, hours=2, now=now)
    assert [(r["category"], r["seconds_left"]) for r in shown] == sorted(
        [(r["category"], chengdu.profile.target_s(r["category"]) - (now - r["reported_at"]).total_seconds())
         for r in rows[:3]], key=lambda pair: pair[1])
    assert isinstance(shown[0]["id"], int) and datetime.fromisoformat(shown[0]["reported_at"][:-1])


def test_one_new_report_sent_by_many_clients_at_once_is_stored_once(store, chengdu):
    import threading

    from planner.incidents import store_incident
    from planner.models import Incident

    report = {"city": chengdu.slug, "external_id": "12345-race", "category": "stray_dog", "source": "hotline",
              "lon": 104.07, "lat": 30.68, "input_datum": "wgs84", "status": "open", "reported_at": _now()}
    results, start = [], threading.Barrier(8)

    def send():
        start.wait()
        results.append(store_incident(store, dict(report)))

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(new for _, new in results) == [False] * 7 + [True]
    assert len({stored["id"] for stored, _ in results}) == 1
    with store.session() as session:
        assert session.query(Incident).filter_by(external_id="12345-race").count() == 1
    assert len(list_entries(store, chengdu.slug, action="incident.report")) == 1
