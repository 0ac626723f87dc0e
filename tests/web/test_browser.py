"""The pages in a real browser: headless Chromium (Debian's) driven by Playwright, offline."""

import threading

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.web.browsing import ARTIFACTS, open_page, wait_until

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(web_instance):
    import os

    from waitress import create_server

    os.environ["PATROL_INSTANCE_DIR"] = str(web_instance)
    from web.app import create_app
    from web.resources import get_resources

    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": True})
    res = get_resources(app)
    _ = res.city, res.store, res.blocks, res.streets  # loaded now, from this instance
    from planner.jobs import EmbeddedWorker

    worker = EmbeddedWorker(res.jobs, idle_s=0.1).start()  # as ``patrol serve`` does on the embedded queue
    served = create_server(app, host="127.0.0.1", port=0, threads=16)  # each open page holds one for its live feed
    thread = threading.Thread(target=served.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{served.effective_port}"
    served.close()
    worker.close()


def layer_size(page, name):
    return page.evaluate(f"window.patrolLayers[{name!r}].getLayers().length")


def open_incident_count(server_page):
    return server_page.evaluate("fetch('/api/incidents').then(r => r.json()).then(d => d.features.length)")


FREE_POINT_JS = """([lat, lon]) => {
    // the map zoomed at the point; then the nearest spot (12 px steps) where no marker or route lies on top:
    // patrols move with the clock and reports come and go, so the exact point may be under a dot today
    var m = window.patrolMap, box = m.getContainer().getBoundingClientRect();
    m.setView([lat, lon], 16, {animate: false});
    var p = m.latLngToContainerPoint([lat, lon]);
    for (var r = 0; r <= 6; r++) {
        for (var dx = -r; dx <= r; dx++) {
            for (var dy = -r; dy <= r; dy++) {
                if (Math.max(Math.abs(dx), Math.abs(dy)) !== r) { continue; }
                var x = p.x + 12 * dx, y = p.y + 12 * dy;
                var on = document.elementFromPoint(box.left + x, box.top + y);
                if (on && !on.classList.contains("leaflet-interactive") && !on.closest(".leaflet-marker-pane")) {
                    var at = m.containerPointToLatLng([x, y]);
                    return [box.left + x, box.top + y, at.lat, at.lng];
                }
            }
        }
    }
    return null;
}"""


def click_free_map_point(page, lat, lon):
    """Click the map near a WGS-84 point where nothing interactive lies on top; returns the (lat, lon) clicked."""
    x, y, at_lat, at_lon = page.evaluate(FREE_POINT_JS, [lat, lon])
    page.mouse.click(x, y)
    return at_lat, at_lon


def test_dispatcher_completes_a_dispatch_by_clicking(server, browser):
    page, errors, outside = open_page(browser, f"{server}/dispatcher?lang=en")
    page.evaluate("window.sameDocument = true")  # gone if anything reloads the page
    assert page.evaluate("typeof L !== 'undefined'")
    assert layer_size(page, "patrols") == 20 and page.locator("path.patrol").count() == 20
    assert layer_size(page, "incidents") == open_incident_count(page) > 100
    wait_until(page, "window.patrolStreets && window.patrolStreets.getLayers().length > 1000")
    # a click on the map asks first: "New report here"; the report goes in at that point (WGS-84)
    for _ in range(3):  # a click while the live console redrew its dots asks nothing: once more
        clicked = click_free_map_point(page, 30.6943, 104.0810)
        try:
            page.wait_for_selector("#new-report-here", timeout=5_000)
            break
        except PlaywrightTimeout:
            continue
    page.wait_for_selector("#new-report-here")
    assert page.locator("tr.candidate").count() == 0
    page.click("#new-report-here")
    page.wait_for_selector("tr.candidate", timeout=30_000)
    assert page.locator("tr.candidate").count() >= 5 and page.input_value("#datum") == "wgs84"
    lon, lat = (float(v) for v in page.input_value("#location").split(","))
    assert abs(lon - clicked[1]) < 0.00002 and abs(lat - clicked[0]) < 0.00002
    assert abs(lon - 104.0810) < 0.002 and abs(lat - 30.6943) < 0.002
    recommended = page.inner_text("#recommended-line").split(":")[1].split("(")[0].strip()
    first_row = page.locator("tr.candidate").first
    assert first_row.get_attribute("data-patrol") == recommended and "recommended" in first_row.get_attribute("class")
    assert page.locator("tr.candidate.recommended").count() == 1 and "Report at" in page.inner_text("#report-place")
    assert layer_size(page, "recommendation") >= 2  # the report and its routes
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dispatcher-ranking.png"))
    # a click on a patrol dot selects it and creates nothing
    dot = page.locator("path.patrol").first
    patrol = next(c[7:] for c in dot.get_attribute("class").split() if c.startswith("patrol-"))
    page.evaluate(f"window.patrolMap.setView(window.patrolLayers.patrols.getLayers().find(m => "
                  f"m.options.className.split(' ').includes('patrol-{patrol}')).getLatLng(), 16, {{animate: false}}) && null")
    page.locator(f"path.patrol-{patrol}").click(force=True)
    page.wait_for_selector("#selected-patrol:not([hidden])")
    assert patrol in page.inner_text("#selected-patrol") and page.locator("#new-report-here").count() == 0
    page.locator("button.assign").first.click()
    page.wait_for_selector("li.dispatch", timeout=30_000)
    assert f"{recommended} assigned" in page.inner_text("#message")
    item = page.inner_text("li.dispatch")
    assert recommended in item and "assigned" in item and "left" in item and "min" in item
    assert page.locator("path.dispatch-place").count() == 1 and page.locator("path.assigned-route").count() == 1
    page.locator("li.dispatch button.arrive").first.click()
    page.wait_for_selector("li.dispatch button.close", timeout=30_000)
    page.locator("li.dispatch button.close").first.click()
    wait_until(page, "document.querySelectorAll('li.dispatch').length === 0")
    assert page.locator("path.dispatch-place").count() == 0
    # a point far outside the city says so
    page.fill("#location", "116.39,39.9")
    page.select_option("#datum", "wgs84")
    page.click("#go")
    page.wait_for_selector("#message .error")
    assert "outside the city" in page.inner_text("#message") and "1,512 km" in page.inner_text("#message")
    assert page.evaluate("window.sameDocument") is True  # all of it without a reload
    page.screenshot(path=str(ARTIFACTS / "dispatcher.png"))
    page.click("#lang")
    page.wait_for_load_state("load")
    assert "调度台" in page.inner_text("#panel")
    assert errors == ["Failed to load resource: the server responded with a status of 400 (BAD REQUEST)"]  # outside
    assert outside == []


def test_the_console_on_a_phone_in_chinese(server, browser):
    """390 x 844, Chinese: a long-press (right-click) on the part of the map the panel leaves visible places the
    report there; the ranking, assign, arrive and close work without a reload, all in Chinese."""
    page, errors, outside = open_page(browser, f"{server}/dispatcher?lang=zh", mobile=True)
    page.evaluate("window.sameDocument = true")
    wait_until(page, "window.patrolStreets && window.patrolStreets.getLayers().length > 1000")
    for _ in range(3):  # the view set, then the right-click: once more if the map moved in between
        x, y = page.evaluate("""(() => {
            var m = window.patrolMap, h = m.getSize().y, target = L.latLng(30.6943, 104.0810);
            m.setView(target, 16, {animate: false});
            m.panBy([0, -(h / 2 - 70)], {animate: false});
            var p = m.latLngToContainerPoint(target); return [p.x, p.y]; })()""")
        box = page.locator(".folium-map").first.bounding_box()
        assert y > page.locator("#panel").bounding_box()["height"] + 10  # the point is on the visible map
        page.evaluate("document.getElementById('location').value = ''")
        page.mouse.click(box["x"] + x, box["y"] + y, button="right")
        wait_until(page, "document.getElementById('location').value !== ''", timeout_s=5)
        lon, lat = (float(v) for v in page.input_value("#location").split(","))
        if abs(lon - 104.0810) < 0.0005 and abs(lat - 30.6943) < 0.0005:
            break
        print(f"the right-click landed at {lon},{lat}; zoom {page.evaluate('window.patrolMap.getZoom()')}: again")
        page.wait_for_timeout(2000)
        errors.clear()  # the misplaced report's refusal (outside the city), not the page's fault
    assert abs(lon - 104.0810) < 0.0005 and abs(lat - 30.6943) < 0.0005
    page.wait_for_selector("tr.candidate", timeout=30_000)
    assert "recommended" in page.locator("tr.candidate").first.get_attribute("class")
    assert "推荐" in page.inner_text("#recommended-line") and "报告位置" in page.inner_text("#report-place")
    page.screenshot(path=str(ARTIFACTS / "console-phone.png"))
    page.locator("button.assign").first.click()
    page.wait_for_selector("li.dispatch", timeout=30_000)
    assert "剩余" in page.inner_text("li.dispatch") and "已派遣" in page.inner_text("#message")
    page.locator("li.dispatch button.arrive").first.click()
    page.wait_for_selector("li.dispatch button.close", timeout=30_000)
    page.locator("li.dispatch button.close").first.click()
    wait_until(page, "document.querySelectorAll('li.dispatch').length === 0")
    assert page.evaluate("window.sameDocument") is True
    assert errors == [] and outside == []


def test_two_dispatchers_choosing_one_patrol_the_second_is_told_who_was_first(server, browser):
    first, errors, outside = open_page(browser, f"{server}/dispatcher?lang=en&location=104.0700,30.6600&datum=wgs84")
    second, errors2, outside2 = open_page(browser, f"{server}/dispatcher?lang=zh&location=104.0700,30.6600&datum=wgs84",
                                          user="dispatcher")
    patrol = first.locator("button.assign").first.get_attribute("data-patrol")
    assert second.locator(f"button.assign[data-patrol='{patrol}']").count() == 1
    first.locator(f"button.assign[data-patrol='{patrol}']").click()
    first.wait_for_selector("li.dispatch")
    second.locator(f"button.assign[data-patrol='{patrol}']").click()
    second.wait_for_selector("#message .error")
    said = second.inner_text("#message")
    assert f"{patrol} 刚被 admin 派往报告 #" in said, said
    # the dispatcher's own language everywhere: reason, modes, the excluded patrols' reasons
    second.reload()
    panel = second.text_content("#panel")  # the folded lists too
    assert "fastest" not in panel and "busy" not in panel and "off duty" not in panel and "car" not in panel
    assert f"{patrol}: 忙碌" in second.text_content("#recommendation details")
    first.locator("li.dispatch button.arrive").first.click()
    first.wait_for_selector("li.dispatch button.close")
    first.locator("li.dispatch button.close").first.click()
    wait_until(first, "document.querySelectorAll('li.dispatch').length === 0")
    assert errors == [] and errors2 == ["Failed to load resource: the server responded with a status of 409 (CONFLICT)"]
    assert outside == outside2 == []


def test_planner_draws_a_zone_and_sees_it_saved(server, browser, web_instance, chengdu):
    from planner.standby import store_solution
    from planner.store import Store

    # Standby points once broke the page offline (a CDN plugin): keep one on the map for this whole test.
    store_solution(Store(f"sqlite:///{web_instance / 'patrol.sqlite'}"), chengdu,
                   {"mode": "ebike", "count": 1, "status": "Optimal", "points": [{"lon": 104.0666, "lat": 30.6777}]})
    page, errors, outside = open_page(browser, f"{server}/planner?lang=en")
    assert page.evaluate("typeof L !== 'undefined'") and "all zones covered" in page.inner_text("#panel")
    assert layer_size(page, "zones") == 20 and layer_size(page, "key_blocks") == 125
    assert layer_size(page, "standby") == 1
    page.screenshot(path=str(ARTIFACTS / "planner.png"))
    before = page.evaluate("fetch('/api/zones/versions').then(r => r.json()).then(d => d.versions.length)")
    page.select_option("#edit", "Z05")
    page.click("#edit-go")
    page.wait_for_selector(".leaflet-draw-draw-rectangle", timeout=30_000)
    assert layer_size(page, "drawn") >= 1
    # draw a rectangle from the zone's east edge into its neighbours; it joins the zone's outline
    centre = page.evaluate("(() => { var b = window.patrolLayers.drawn.getBounds(); "
                           "var c = L.latLng(b.getCenter().lat, b.getEast() - 0.002); "
                           "window.patrolMap.setView(c, 15, {animate: false}); "
                           "var p = window.patrolMap.latLngToContainerPoint(c); return [p.x, p.y]; })()")
    box = page.locator(".folium-map").first.bounding_box()
    x, y = box["x"] + centre[0], box["y"] + centre[1]
    page.click(".leaflet-draw-draw-rectangle")
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 60, y + 40, steps=5)
    page.mouse.move(x + 120, y + 90, steps=5)
    page.mouse.up()
    assert layer_size(page, "drawn") >= 2
    page.fill("input[name=comment]", "browser test")
    page.click("#save")
    page.wait_for_selector("#summary", timeout=60_000)
    assert "saved as version" in page.inner_text("#panel") and "id=\"diff\"" in page.content()
    after = page.evaluate("fetch('/api/zones/versions').then(r => r.json()).then(d => d.versions)")
    assert len(after) == before + 1 and after[-1]["source"] == "drawn" and after[-1]["comment"] == "browser test"
    assert layer_size(page, "moved") > 0
    page.screenshot(path=str(ARTIFACTS / "planner-redrawn.png"))
    assert errors == [] and outside == []


def test_planner_starts_a_standby_job_and_sees_the_points_without_reloading(server, browser):
    page, errors, outside = open_page(browser, f"{server}/planner?lang=en")
    page.evaluate("window.notReloaded = true")
    page.select_option("#jobs form[data-kind=standby] select[name=mode]", "car")
    page.click("#job-standby")
    page.wait_for_selector("#job-list li.job[data-kind=standby]", timeout=10_000)
    bars = []
    for _ in range(600):  # up to a minute
        state = page.evaluate("(() => { var li = document.querySelector('#job-list li.job[data-kind=standby]');"
                              " return [li.dataset.state, li.querySelector('progress').value]; })()")
        bars.append(state)
        if state[0] in ("done", "failed", "cancelled"):
            break
        page.wait_for_timeout(100)
    assert bars[-1] == ["done", 100], bars[-5:]
    assert any(0 < value < 100 for _, value in bars), bars[:10]  # the bar moved before the end
    drawn = page.evaluate("window.patrolLayers['standby-car'].getLayers().length")
    shown = page.inner_text("#job-list li.job[data-kind=standby] .job-result")
    assert drawn >= 1 and f"{drawn} standby points drawn on the map" in shown
    assert page.evaluate("window.notReloaded === true")  # the same page all along
    assert not errors and not outside, (errors, outside)
    page.context.close()


def test_officer_route_on_a_phone(server, browser):
    phone, errors, outside = open_page(browser, f"{server}/officer/E02", mobile=True, user="officer-e02")
    stops = phone.locator("#panel li").count()
    assert stops >= 1 and layer_size(phone, "stops") == stops == phone.locator("path.stop").count()
    assert layer_size(phone, "route") == 1 and phone.locator(".arrow").count() >= 1
    assert phone.locator("a.nav").first.get_attribute("href").startswith("geo:")
    assert phone.locator("#next-stop").count() == 1 and ":" in phone.inner_text("#next-stop")
    # the route map is the main view: the stop sheet folds, and open it leaves the upper part of the map visible
    for opened in (False, True):
        if opened:
            phone.click("#stops-sheet summary")
        panel = phone.locator("#panel").bounding_box()
        assert panel["y"] + panel["height"] >= 844 - 30 and panel["height"] <= 0.45 * 844, (opened, panel)
        assert "OpenStreetMap" in phone.evaluate("""(() => {  // the attribution stays readable, not under the sheet
            var b = document.querySelector('.osm-attribution').getBoundingClientRect();
            return document.elementFromPoint(b.left + 10, b.top + b.height / 2).textContent; })()""")
        on_top = phone.evaluate("document.elementFromPoint(195, 200).closest('.folium-map') !== null")
        assert on_top and phone.evaluate("document.getElementById('stops-sheet').open") is opened
    phone.screenshot(path=str(ARTIFACTS / "officer-phone.png"))
    assert errors == [] and outside == []


def test_an_officer_sees_only_their_route(server, browser):
    page, _, _ = open_page(browser, f"{server}/officer/E01", mobile=True, user="officer-e02")
    assert "only their own route" in page.content()


def test_amap_tiles_draw_wgs84_overlays_through_gcj02(web_instance, browser):
    """With PATROL_TILES=amap the browser converts every overlay to GCJ-02 with the same formula as
    geo.crs (checked on random points), and tile requests go to Amap only."""
    import os

    import numpy as np
    from waitress import create_server

    from geo.crs import wgs84_to_gcj02
    from web.app import create_app
    from web.resources import get_resources

    os.environ["PATROL_INSTANCE_DIR"] = str(web_instance)
    app = create_app({"TESTING": True, "TILES": "amap"})
    res = get_resources(app)
    _ = res.city, res.store, res.blocks, res.streets
    served = create_server(app, host="127.0.0.1", port=0, threads=2)
    threading.Thread(target=served.run, daemon=True).start()
    try:
        page, errors, outside = open_page(browser, f"http://127.0.0.1:{served.effective_port}/dispatcher")
        rng = np.random.default_rng(5)
        points = np.column_stack([rng.uniform(74, 134, 50), rng.uniform(19, 53, 50)])
        browser_gcj = np.array(page.evaluate(
            "pts => pts.map(p => { var g = window.patrolToGcj(L.latLng(p[1], p[0])); return [g.lng, g.lat]; })",
            points.tolist()))
        expected = np.column_stack(wgs84_to_gcj02(points[:, 0], points[:, 1]))
        assert np.abs(browser_gcj - expected).max() < 1e-9
        back = np.array(page.evaluate(
            "pts => pts.map(p => { var w = window.patrolToWgs(L.latLng(p[1], p[0])); return [w.lng, w.lat]; })",
            expected.tolist()))
        assert np.abs(back - points).max() < 1e-7  # about 1 cm
        assert outside and all("autonavi.com/appmaptile" in url for url in outside)  # tiles, and nothing else
        assert [e for e in errors if "ERR_FAILED" not in e and "Failed to load resource" not in e] == []
    finally:
        served.close()


HOSTILE = "${window.pwned=1}`+(window.pwned=2)+`</script><img src=x onerror=window.pwned=3>\\"


def test_hostile_names_stay_text_on_every_page(web_instance, browser, chengdu):
    """A call sign, a zone name and a key-block name holding ${...}, backticks and </script> show as text on
    the dispatcher, planner and officer pages; no script of theirs runs. (Its own server: the names are
    written before the app loads them.)"""
    import os

    from waitress import create_server

    from planner.key_blocks import load_blocks, save_blocks
    from planner.patrols import list_patrols, upsert_patrols
    from planner.store import Store
    from planner.zones import load_version, save_version
    from web.app import create_app

    os.environ["PATROL_INSTANCE_DIR"] = str(web_instance)
    store = Store(f"sqlite:///{web_instance / 'patrol.sqlite'}")
    first = next(p for p in list_patrols(store, "chengdu") if p.id == "E02")
    upsert_patrols(store, "chengdu", [{"id": "X99", "call_sign": HOSTILE, "mode": "foot", "base_lon": first.base_lon,
                                       "base_lat": first.base_lat, "zone": first.zone}])
    _, plan = load_version(store, chengdu)
    for zone in plan.zones:
        zone.name = HOSTILE
    save_version(store, chengdu, plan, author="test", comment=HOSTILE, source="imported")
    blocks = load_blocks(store, chengdu)
    blocks.loc[blocks.index[:5], "name"] = HOSTILE
    save_blocks(store, chengdu, blocks)
    app = create_app({"TESTING": True})
    served = create_server(app, host="127.0.0.1", port=0, threads=2)
    threading.Thread(target=served.run, daemon=True).start()
    try:
        for url, user in (("/dispatcher", "dispatcher"), ("/planner", "planner"), ("/officer/E02", "officer-e02")):
            page, errors, outside = open_page(browser, f"http://127.0.0.1:{served.effective_port}{url}", user=user)
            page.mouse.move(640, 450)  # folium writes tooltips as template strings at load: a ${...} would run now
            assert page.evaluate("typeof window.pwned") == "undefined", url
            assert page.evaluate("typeof L") == "object" and not outside, url
            assert not [e for e in errors if "pwned" in e or "SyntaxError" in e], (url, errors)
            page.context.close()
    finally:
        served.close()
        store.close()


def _wait_for_job(page, kind: str, seconds: int = 240) -> str:
    for _ in range(seconds * 5):
        state = page.evaluate(f"(() => {{ var li = document.querySelector('#job-list li.job[data-kind={kind}]');"
                              " return li ? li.dataset.state : null; })()")
        if state in ("done", "failed", "cancelled"):
            return state
        page.wait_for_timeout(200)
    return state


def test_planner_sees_the_week_hour_by_hour_and_the_staffing_it_takes(server, browser, web_instance):
    """The 7 x 24 strip and the staffing per hour, started as jobs, drawn without reloading, kept after it,
    in Chinese; the roster downloads as XLSX with the hours the job recommended."""
    import io

    import openpyxl

    from planner.patrols import list_patrols
    from planner.store import Store

    on_duty = len(list_patrols(Store(f"sqlite:///{web_instance / 'patrol.sqlite'}"), "chengdu"))  # all, all day
    page, errors, outside = open_page(browser, f"{server}/planner?lang=zh")
    page.click("#job-hourly")
    page.wait_for_selector("#job-list li.job[data-kind=hourly_check]", timeout=10_000)
    assert _wait_for_job(page, "hourly_check") == "done"
    cells = page.locator("#strip-table td")
    assert cells.count() == 168
    assert "在岗巡逻组 " + str(on_duty) in cells.nth(3 * 24 + 3).get_attribute("title")  # Thursday 03:00
    assert page.inner_text("#strip-table tr:nth-child(2) th") == "周一"
    page.fill("#jobs form[data-kind=staffing] input[name=target]", "0.9")
    page.click("#job-staffing")
    page.wait_for_selector("#job-list li.job[data-kind=staffing]", timeout=10_000)
    assert _wait_for_job(page, "staffing") == "done", page.inner_text("#job-list li.job[data-kind=staffing]")
    counts = [int(page.inner_text(f"#staffing-table td[data-hour='{h}']")) for h in range(24)]
    assert all(n >= 1 for n in counts)  # at least one patrol every hour, day and night
    href = page.get_attribute("#staffing-download", "href")
    sheet = page.evaluate("url => fetch(url).then(r => r.arrayBuffer()).then(b => Array.from(new Uint8Array(b)))", href)
    hours = openpyxl.load_workbook(io.BytesIO(bytes(sheet)))["hours"]
    assert [row[1] for row in hours.iter_rows(min_row=2, values_only=True)] == counts
    page.reload()
    assert page.locator("#strip-table td").count() == 168 and page.locator("#staffing-table td[data-hour]").count() == 24
    page.screenshot(path=str(ARTIFACTS / "planner-hours.png"), full_page=True)
    assert not errors and not outside, (errors, outside)
    page.context.close()


# Pages walked in Chinese, each in both viewports (screenshots kept in test-artifacts/): (name, URL, user).
ZH_PAGES = [("index", "/", "admin"), ("login", "/login", None), ("dispatcher", "/dispatcher", "dispatcher"),
            ("dispatcher-ranking", "/dispatcher?location=104.0810,30.6943&datum=wgs84", "dispatcher"),
            ("dispatcher-outside", "/dispatcher?location=116.39,39.9&datum=wgs84", "dispatcher"),
            ("planner", "/planner", "planner"), ("planner-edit", "/planner?edit=Z05", "planner"),
            ("planner-bad-filter", "/planner?days=abc", "planner"), ("officer", "/officer/E02", "officer-e02"),
            ("not-found", "/no-such-page", "admin"), ("forbidden", "/planner", "officer-e02"),
            ("bad-request", "/planner?version=abc", "planner")]
# Words that stay as they are in a Chinese page: units, formats, names of standards, of the city and of users.
LATIN_ALLOWED = {"eta", "min", "km", "gpx", "geojson", "geopackage", "english", "openstreetmap", "contributors", "osm",
                 "leaflet", "utc", "wgs", "gcj", "bd", "api", "xlsx", "central", "chengdu", "admin", "dispatcher",
                 "planner", "officer", "csv"}


def visible_words(page, data_words: set[str]) -> set[str]:
    """Latin words a user can read on the page (its text, titles, placeholders and map tooltips) that are
    neither allowed nor in the data (names of streets and key blocks), nor values the user typed (quoted)."""
    import re

    text = page.evaluate("""(() => {
        var parts = [document.body.innerText, document.title];
        document.querySelectorAll('[title],[placeholder]').forEach(function (e) {
            parts.push(e.getAttribute('title') || ''); parts.push(e.getAttribute('placeholder') || ''); });
        Object.values(window.patrolLayers || {}).forEach(function (group) {
            if (!group.eachLayer) { return; }
            group.eachLayer(function (layer) {
                var tip = layer.getTooltip && layer.getTooltip();
                if (tip) { var c = tip.getContent(); parts.push(typeof c === 'string' ? c.replace(/<[^>]*>/g, ' ') : ''); }
            });
        });
        return parts.join(' ');
    })()""")
    text = re.sub(r"'[^']*'|‘[^’]*’", " ", text)
    return {w for w in re.findall(r"[A-Za-z]{3,}", text) if w.lower() not in LATIN_ALLOWED and w not in data_words}


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_every_page_reads_in_chinese(server, browser, viewport, web_instance, chengdu):
    import re

    from planner.key_blocks import load_blocks
    from planner.store import Store

    store = Store(f"sqlite:///{web_instance / 'patrol.sqlite'}")
    names = [*load_blocks(store, chengdu)["name"].astype(str), *(n or "" for n in chengdu.router("foot").segments.names)]
    store.close()
    data_words = set(re.findall(r"[A-Za-z]{3,}", " ".join(names)))
    ARTIFACTS.mkdir(exist_ok=True)
    size = {"width": 1440, "height": 900} if viewport == "desktop" else {"width": 390, "height": 844}
    found = {}
    for name, url, user in ZH_PAGES:
        context = browser.new_context(viewport=size, locale="zh-CN")
        page = context.new_page()
        if user:
            page.goto(f"{server}/login?lang=zh")
            page.fill("input[name=username]", user)
            page.fill("input[name=password]", "correct horse 42")
            page.click("#signin")
            page.wait_for_load_state("load")
        page.goto(f"{server}{url}{'&' if '?' in url else '?'}lang=zh", wait_until="load")
        if name == "planner-edit":
            page.wait_for_selector(".leaflet-draw-draw-rectangle")
        words = visible_words(page, data_words)
        if words:
            found[name] = sorted(words)
        page.screenshot(path=str(ARTIFACTS / f"zh-{name}-{viewport}.png"))
        context.close()
    assert found == {}, "\n".join(f"{k}: {v}" for k, v in found.items())
