"""Live operations in a real browser: a dispatcher's console and an officer's phone (headless Chromium, its own
geolocation override and offline switch), with a report coming in by API token."""

import threading
import time

import pytest
import requests

from tests.web.browsing import ARTIFACTS, open_page, wait_until

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def live(web_instance):
    """The app served by waitress (threads enough for two open event streams) with its resources."""
    import os

    from waitress import create_server

    os.environ["PATROL_INSTANCE_DIR"] = str(web_instance)
    from web.app import create_app
    from web.resources import get_resources

    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": True})
    res = get_resources(app)
    _ = res.city, res.store, res.blocks, res.streets
    served = create_server(app, host="127.0.0.1", port=0, threads=12)
    threading.Thread(target=served.run, daemon=True).start()
    yield f"http://127.0.0.1:{served.effective_port}", res
    served.close()


def _phone(browser, base, lon, lat):
    """The officer of E02 on a phone: geolocation granted and set by the browser's own override."""
    return open_page(browser, f"{base}/officer/E02?every=2&lang=zh", mobile=True, user="officer-e02",
                     geolocation={"longitude": lon, "latitude": lat, "accuracy": 8})


def _offset(lon, lat, east_m, north_m):
    from pyproj import Geod

    geod = Geod(ellps="WGS84")
    lon, lat, _ = geod.fwd(lon, lat, 90.0, east_m)
    lon, lat, _ = geod.fwd(lon, lat, 0.0, north_m)
    return lon, lat


def _marker(page, patrol_id):
    return page.evaluate(f"""(() => {{ var found = null; window.patrolLayers.patrols.eachLayer(function (m) {{
        if ((m.options.className || '').split(' ').indexOf('patrol-{patrol_id}') >= 0) {{
            var p = m.getLatLng(); found = [p.lng, p.lat]; }} }}); return found; }})()""")


def test_a_report_by_api_reaches_the_officer_and_every_step_reaches_the_dispatcher(live, browser):
    from planner.audit import list_entries
    from planner.patrols import get_patrol
    from planner.tokens import add_token

    base, res = live
    e02 = get_patrol(res.store, res.city.slug, "E02")
    start = (e02.base_lon, e02.base_lat)
    console, console_errors, console_outside = open_page(browser, f"{base}/dispatcher?lang=en")
    console.evaluate("window.sameDocument = true")  # gone if anything reloads the console
    wait_until(console, "document.getElementById('live-status').className === 'on'")
    phone, phone_errors, phone_outside = _phone(browser, base, *start)
    wait_until(phone, "document.getElementById('position-status').className === 'on'")
    # the dispatcher sees the patrol where the phone is, then sees it move, without reloading
    for east in (0.0, 12.0, 24.0):
        lon, lat = _offset(*start, east, 0.0)
        phone.context.set_geolocation({"longitude": lon, "latitude": lat, "accuracy": 8})
        deadline = time.monotonic() + 10
        while True:
            shown = _marker(console, "E02")
            if shown and abs(shown[0] - lon) < 1e-6 and abs(shown[1] - lat) < 1e-6:
                break
            assert time.monotonic() < deadline, (east, shown, (lon, lat))
            console.wait_for_timeout(100)
    stored = get_patrol(res.store, res.city.slug, "E02")
    assert abs(stored.last_lon - lon) < 1e-9 and abs(stored.last_lat - lat) < 1e-9
    assert "s ago" in console.text_content("#patrol-table tr[data-patrol='E02'] td.age")
    # a report from the hotline's integration, by token: the console lists it, with a cue for a stray dog
    token = add_token(res.store, res.city.slug, "hotline-live", "intake")
    report_lon, report_lat = _offset(*start, 120.0, 80.0)
    answer = requests.post(f"{base}/api/incidents", headers={"Authorization": f"Bearer {token}"}, timeout=10, json={
        "external_id": "12345-live-1", "lon": report_lon, "lat": report_lat, "category": "stray_dog"})
    assert answer.status_code == 201, answer.text
    incident_id = answer.json()["id"]
    console.wait_for_selector(f"#open-reports li[data-incident='{incident_id}']", timeout=10_000)
    assert "New stray-dog report" in console.inner_text("#cue") and console.is_visible("#cue")
    # the dispatcher dispatches it to E02; the officer's phone shows the assignment within 5 s
    console.click(f"#open-reports button[data-incident='{incident_id}']")
    console.wait_for_selector("button.assign[data-patrol='E02']", timeout=30_000)
    clicked = time.monotonic()
    console.click("button.assign[data-patrol='E02']")
    phone.wait_for_selector("#assignment:not([hidden]) button.accept", timeout=5_000)
    assert time.monotonic() - clicked < 5.0
    dispatch_id = int(phone.get_attribute("#assignment", "data-dispatch"))
    assert "流浪狗" in phone.inner_text("#assignment") and phone.evaluate(
        "document.querySelectorAll('path.assignment-route').length") == 1
    phone.wait_for_timeout(800)  # the map's zoom animation ends
    wait_until(phone, """(() => {  // the report's place is shown on the map above the sheet
        var place = document.querySelector('path.assignment-place'), sheet = document.getElementById('panel');
        if (!place) { return false; }
        var b = place.getBoundingClientRect();
        return b.top > 0 && b.bottom < sheet.getBoundingClientRect().top; })()""", 5)
    phone.wait_for_timeout(800)  # the map's zoom animation ends
    phone.screenshot(path=str(ARTIFACTS / "officer-assignment-phone.png"))
    item = f"#dispatch-list li[data-dispatch='{dispatch_id}']"
    console.wait_for_selector(item, timeout=10_000)
    assert console.locator(f"#open-reports li[data-incident='{incident_id}']").count() == 0
    # accept, arrive, close on the phone: the console shows each step
    for step, shown in (("accept", "accepted"), ("arrive", "arrived")):
        phone.click(f"#assignment button.{step}")
        wait_until(console, f"(document.querySelector(\"{item}\") || {{}}).textContent.indexOf('({shown})') >= 0", 10)
        wait_until(phone, f"document.getElementById('assignment').dataset.status === '{shown}'", 10)
    phone.select_option("#outcome", "not_found")
    phone.fill("#close-note", "狗已离开")
    # the feed reconnects every 25 s and the card is drawn again: what the officer chose and typed stays
    phone.evaluate("window.patrolFeed.onopen()")
    phone.wait_for_timeout(500)
    assert phone.input_value("#outcome") == "not_found" and phone.input_value("#close-note") == "狗已离开"
    phone.click("#assignment button.close")
    wait_until(console, f"document.querySelector(\"{item}\") === null", 10)
    wait_until(phone, "document.getElementById('assignment').hidden === true", 10)
    assert console.evaluate("window.sameDocument") is True
    steps = list_entries(res.store, res.city.slug, action="dispatch.", newest_first=False)
    mine = [(x.action, x.actor) for x in steps if x.detail["dispatch_id"] == dispatch_id]
    assert mine == [("dispatch.assign", "admin"), ("dispatch.accept", "officer-e02"),
                    ("dispatch.arrive", "officer-e02"), ("dispatch.close", "officer-e02")]
    assert steps[-1].detail["outcome"] == "not_found" and steps[-1].detail["close_note"] == "狗已离开"
    assert [x.actor for x in list_entries(res.store, res.city.slug, action="token.use")][:1] == ["token:hotline-live"]
    assert console_errors == [] and phone_errors == [] and console_outside == [] and phone_outside == []


def test_positions_taken_offline_arrive_in_order(live, browser):
    from sqlalchemy import select

    from planner.models import PositionFix
    from planner.patrols import get_patrol

    base, res = live
    e02 = get_patrol(res.store, res.city.slug, "E02")
    start = (e02.last_lon or e02.base_lon, e02.last_lat or e02.base_lat)
    phone, errors, outside = _phone(browser, base, *start)
    wait_until(phone, "document.getElementById('position-status').className === 'on'")
    phone.context.set_offline(True)
    with res.store.session() as session:
        before = max(session.scalars(select(PositionFix.id)).all() or [0])
    expected = []
    for step in range(1, 4):
        lon, lat = _offset(*start, 0.0, 10.0 * step)
        phone.context.set_geolocation({"longitude": lon, "latitude": lat, "accuracy": 8})
        expected.append((lon, lat))
        phone.wait_for_timeout(2600)
    waiting = phone.evaluate("window.patrolOfficer.queue()")
    assert len(waiting) >= 3 and "待发送" in phone.inner_text("#position-status")
    queued = [(q["lon"], q["lat"]) for q in waiting]
    assert [p for p in queued if p in expected] == expected  # each new place queued, in order
    phone.context.set_offline(False)
    wait_until(phone, "window.patrolOfficer.queue().length === 0", 20)
    with res.store.session() as session:
        fixes = session.scalars(select(PositionFix).where(PositionFix.patrol_id == "E02", PositionFix.id > before)
                                .order_by(PositionFix.id)).all()
    assert [(f.lon, f.lat) for f in fixes][:len(queued)] == queued  # stored in the order they were taken
    times = [f.at for f in fixes]
    assert times == sorted(times) and all(f.accuracy_m == 8 for f in fixes)
    assert [e for e in errors if "ERR_INTERNET_DISCONNECTED" not in e] == [] and outside == []  # offline: said
