"""Live operations through the API: phone positions (refused with a reason when impossible, nothing stored),
the event feed (an officer sees only their own patrol), dispatching a stored report, the steps an officer
takes, open reports, and the audit log on the command line and the admin page."""

from datetime import timedelta

import pytest
from click.testing import CliRunner

from cli.main import cli
from tests.conftest import instance_at, strict_loads
from tests.web.conftest import signed_in

pytestmark = pytest.mark.slow


def _fixes(app, patrol_id):
    from sqlalchemy import func, select

    from planner.models import PositionFix
    from web.resources import get_resources

    with get_resources(app).store.session() as session:
        return session.scalar(select(func.count()).select_from(PositionFix).where(PositionFix.patrol_id == patrol_id))


def _iso(at):
    return at.isoformat(timespec="seconds") + "Z"


def test_positions_from_a_phone_impossible_ones_refused_with_the_reason(app):
    from planner.clock import utc_now

    officer = signed_in(app, "officer-e02")
    now = utc_now().replace(microsecond=0)
    first = officer.post("/api/patrols/E02/position", json={"lon": 104.0700, "lat": 30.6800, "accuracy_m": 6,
                                                            "at": _iso(now - timedelta(seconds=60))})
    assert first.status_code == 200 and first.get_json()["seen_at"] == _iso(now - timedelta(seconds=60))
    stored = _fixes(app, "E02")
    refused = {
        "faster than a ebike patrol can go": {"lon": 104.0900, "lat": 30.6800, "at": _iso(now)},  # 1.9 km in 60 s
        "from the future": {"lon": 104.0700, "lat": 30.6800, "at": _iso(now + timedelta(hours=1))},
        "only fixes from the last 24 h": {"lon": 104.0700, "lat": 30.6800, "at": _iso(now - timedelta(days=3))},
    }
    for words, body in refused.items():
        answer = officer.post("/api/patrols/E02/position", json=body, headers={"Accept-Language": "en"})
        assert answer.status_code == 422 and words in answer.get_json()["error"], (words, answer.get_json())
        assert answer.get_json()["field"] == "position"
    for body, status in (({"lon": 121.47, "lat": 31.23}, 400), ({"lon": 104.07, "lat": 30.68, "accuracy_m": -3}, 400),
                         ({"lon": 104.07, "lat": 30.68, "at": "soon"}, 400), ({"lon": True, "lat": 30.68}, 400)):
        assert officer.post("/api/patrols/E02/position", json=body).status_code == status, body
    assert _fixes(app, "E02") == stored  # nothing refused was stored
    walked = officer.post("/api/patrols/E02/position", json={"lon": 104.0705, "lat": 30.6800, "at": _iso(now)})
    assert walked.status_code == 200 and _fixes(app, "E02") == stored + 1
    zh = officer.post("/api/patrols/E02/position", json=refused["from the future"], headers={"Accept-Language": "zh"})
    assert zh.status_code == 422 and zh.get_json()["message"] != zh.get_json()["error"]


def test_the_feed_shows_an_officer_only_their_patrol(app):
    dispatcher, officer = signed_in(app, "dispatcher"), signed_in(app, "officer-e02")
    start = {who: c.get("/api/events/poll").get_json()["cursor"] for who, c in (("d", dispatcher), ("o", officer))}
    assert dispatcher.post("/api/patrols/E03/position", json={"lon": 104.0710, "lat": 30.6810}).status_code == 200
    assert dispatcher.post("/api/patrols/E02/position", json={"lon": 104.0705, "lat": 30.6800}).status_code == 200
    seen = dispatcher.get(f"/api/events/poll?after={start['d']}").get_json()
    assert [(e["type"], e["data"]["patrol_id"]) for e in seen["events"]] == [("position", "E03"), ("position", "E02")]
    mine = officer.get(f"/api/events/poll?after={start['o']}").get_json()
    assert [(e["type"], e["data"]["patrol_id"]) for e in mine["events"]] == [("position", "E02")]
    assert mine["cursor"] == seen["cursor"]
    stream = dispatcher.get(f"/api/events?after={start['d']}&max_s=0")
    assert stream.status_code == 200 and stream.mimetype == "text/event-stream"
    body = stream.get_data(as_text=True)
    assert body.count("event: position") == 2 and "retry: 1000" in body and f"id: {seen['cursor']}" in body
    for bad in ("/api/events/poll?after=1;2", "/api/events?after=x&max_s=0", "/api/events?max_s=soon"):
        assert dispatcher.get(bad).status_code == 400, bad


def test_a_stored_report_is_dispatched_and_the_officer_steps_it_through(app):
    dispatcher, officer = signed_in(app, "dispatcher"), signed_in(app, "officer-e02")
    report = dispatcher.post("/api/incidents", json={"lon": 104.0750, "lat": 30.6900, "category": "stray_dog",
                                                     "external_id": "live-api-1"}).get_json()
    listed = dispatcher.get("/api/open-reports").get_json()["reports"]
    shown = next(r for r in listed if r["id"] == report["id"])
    assert 0 < shown["seconds_left"] <= shown["target_s"] == 1800
    assert [r["seconds_left"] for r in listed] == sorted(r["seconds_left"] for r in listed)
    made = dispatcher.post("/api/dispatches", json={"incident_id": report["id"], "patrol_id": "E02"})
    assert made.status_code == 201 and made.get_json()["incident_id"] == report["id"]
    dispatch_id = made.get_json()["dispatch_id"]
    assert report["id"] not in {r["id"] for r in dispatcher.get("/api/open-reports").get_json()["reports"]}
    again = dispatcher.post("/api/dispatches", json={"incident_id": report["id"]})
    assert again.status_code == 409 and "assigned" in again.get_json()["error"]
    for body, status in (({"incident_id": 99999999}, 404), ({"incident_id": "7"}, 400), ({"incident_id": True}, 400)):
        assert dispatcher.post("/api/dispatches", json=body).status_code == status, body
    shown = officer.get("/api/patrols/E02/assignment").get_json()["assignment"]
    assert (shown["dispatch_id"], shown["status"], shown["incident_id"]) == (dispatch_id, "assigned", report["id"])
    assert officer.post(f"/api/dispatches/{dispatch_id}/close").status_code == 400  # not arrived yet
    assert officer.post(f"/api/dispatches/{dispatch_id}/accept").get_json()["status"] == "accepted"
    assert officer.post(f"/api/dispatches/{dispatch_id}/arrive").get_json()["status"] == "arrived"
    assert officer.post(f"/api/dispatches/{dispatch_id}/close", json={"outcome": "lost"}).status_code == 400
    assert officer.post(f"/api/dispatches/{dispatch_id}/close", json={"note": ["x"]}).status_code == 400
    closed = officer.post(f"/api/dispatches/{dispatch_id}/close", json={"outcome": "referred", "note": "交给畜牧站"})
    assert closed.get_json()["status"] == "closed"
    assert officer.get("/api/patrols/E02/assignment").get_json() == {"assignment": None}
    for bad in ("0", "100", "x"):
        assert dispatcher.get(f"/api/open-reports?hours={bad}").status_code == 400


def test_the_audit_log_on_the_command_line_and_the_admin_page(app, web_instance):
    machine = app.test_client()
    assert machine.post("/api/incidents", json={}, headers={"Authorization": "Bearer wrong"}).status_code == 401
    dispatcher = signed_in(app, "dispatcher")
    assert dispatcher.post("/api/dispatches", json={"location": "104.0750,30.6900", "patrol_id": "F03"}).status_code == 201
    runner = CliRunner()
    with instance_at(web_instance):
        listed = runner.invoke(cli, ["audit", "list", "--json", "--limit", "500"])
        bad = runner.invoke(cli, ["audit", "list", "--action", "dispatch.delete"])
    assert listed.exit_code == 0
    lines = strict_loads(listed.stdout)["lines"]
    actions = {x["action"] for x in lines}
    assert {"token.refused", "dispatch.assign"} <= actions
    assign = next(x for x in lines if x["action"] == "dispatch.assign")
    assert assign["actor"] == "dispatcher" and assign["origin"] == "127.0.0.1" and assign["detail"]["patrol_id"] == "F03"
    assert bad.exit_code == 2 and "unknown audit action" in bad.output and "Traceback" not in bad.output
    page = signed_in(app, "admin").get("/admin/audit?action=dispatch.&lang=en")
    text = page.get_data(as_text=True).split("<table id=audit>")[1]
    assert page.status_code == 200 and "data-action='dispatch.assign'>dispatch assigned<" in text
    assert "data-action='token.refused'" not in text
    zh = signed_in(app, "admin").get("/admin/audit?lang=zh").get_data(as_text=True)
    assert "审计日志" in zh and ">派遣<" in zh and ">拒绝令牌<" in zh
    assert signed_in(app, "admin").get("/admin/audit?action=nonsense").status_code == 400
    assert signed_in(app, "dispatcher").get("/admin/audit").status_code == 403
