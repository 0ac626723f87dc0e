"""Page benchmark: the pages' server time and browser load time, and a recommendation in the console,
for the demo data (30 days of incidents) and for a year of incidents, against the goals of issue 22.

Served as ``patrol serve`` serves them (waitress on loopback, warmed first) in a temporary instance folder
(the city cache is copied, the user's store is not touched). Per page: HTML size, server time (median of
``repeats`` warm requests), browser load time (navigation to the load event, median of ``repeats``) in
headless Chromium, and the end-to-end time of a recommendation in the dispatcher console (typing a place
and pressing the button until the ranked patrols are drawn, without reloading). Baseline, in the same run
and through the same server: the dispatcher map with one folium CircleMarker per open incident and the
streets inside the page (the plain way). The machines are shared: trust the ratios more than one figure.

Usage: python -m bench.pages [--json]   (or: patrol bench pages)
"""

import shutil
import statistics
import threading
import time
from pathlib import Path

from bench.common import bench_main, peak_rss_mb, target_lines, temporary_instance

__all__ = ["TARGETS", "run"]

TARGETS = {"server_s": 0.3, "planner_load_s": 2.0, "recommend_s": 0.5}
DATASETS = {"demo": 30, "year": 365}  # days of demo incidents
PAGES = ["/dispatcher", "/planner", "/officer/E02", "/dispatcher?location=104.0810,30.6943&datum=wgs84"]
PLACES = ["104.0810,30.6943", "104.0700,30.6600", "104.0500,30.6700", "104.0900,30.6500", "104.0600,30.6900"]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def _fill(progress, days: int) -> None:
    """Roster, zones and ``days`` days of demo incidents ending today in the current instance; a bench user."""
    from bench.common import demo_world
    from planner.demo_incidents import days_before_today, generate_incidents
    from planner.incidents import IncidentPlacer, store_incidents
    from planner.users import add_user

    city, store, blocks = demo_world(progress, incidents=False)
    progress(f"placing {days} days of demo incidents ...")
    records, _ = generate_incidents(city, blocks, days=days, seed=7, start=days_before_today(city, days))
    store_incidents(store, IncidentPlacer(city, blocks).validate(records, default_datum="wgs84")[0])
    add_user(store, city.slug, "bench", "admin", password="orange kite 417")


def _plain_dispatcher_html(res) -> str:
    """Baseline: the dispatcher map with one CircleMarker per incident (no clustering)."""
    import folium

    from web.geojson import incident_rows
    from web.maps import base_map

    m = base_map(res.city.report["bbox"], res.streets, attribution=res.city.profile.attribution)
    for i in incident_rows(res):
        folium.CircleMarker([i["lat"], i["lon"]], radius=4, fill=True, tooltip=f"{i['category']} #{i['id']}",
                            class_name="incident").add_to(m)
    return m.get_root().render()


def _signed_in(browser, base: str):
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.goto(base + "/login")
    page.fill("input[name=username]", "bench")
    page.fill("input[name=password]", "orange kite 417")
    page.click("#signin")
    page.wait_for_load_state("load")
    return context, page


def _load_s(page, url: str, repeats: int) -> float:
    """Median seconds from navigation to the load event."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        page.goto(url, wait_until="load", timeout=120_000)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _recommend_s(page, base: str, repeats: int) -> float:
    """Median seconds from pressing the console's button to the ranked patrols drawn (no reload)."""
    page.goto(base + "/dispatcher", wait_until="load")
    times = []
    for k in range(repeats):
        page.fill("#location", PLACES[k % len(PLACES)])
        page.select_option("#datum", "wgs84")
        page.evaluate("document.getElementById('recommendation').textContent = ''")
        started = time.perf_counter()
        page.click("#go")
        page.wait_for_selector("tr.candidate", timeout=60_000)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _server_s(client, path: str, repeats: int) -> tuple[float, int]:
    """Median seconds of warm requests in the server process, and the HTML size (bytes)."""
    times, size = [], 0
    for _ in range(repeats):
        started = time.perf_counter()
        size = len(client.get(path).data)
        times.append(time.perf_counter() - started)
    return statistics.median(times), size


def _measure(progress, days: int, repeats: int, browser) -> dict:
    from waitress import create_server

    from web.app import create_app
    from web.resources import get_resources, warm

    _fill(progress, days)
    app = create_app()
    res = get_resources(app)
    app.add_url_rule("/bench/plain-dispatcher", "plain", lambda: _plain_dispatcher_html(res))
    started = time.perf_counter()
    with app.app_context():
        warm(res, progress)
    warm_s = time.perf_counter() - started
    served = create_server(app, host="127.0.0.1", port=0, threads=4)
    threading.Thread(target=served.run, daemon=True).start()
    base = f"http://127.0.0.1:{served.effective_port}"
    client = app.test_client()
    token = client.get("/login").get_data(as_text=True).split("name=csrf_token value='")[1].split("'")[0]
    client.post("/login", data={"username": "bench", "password": "orange kite 417", "csrf_token": token})
    context, page = _signed_in(browser, base)
    pages = []
    for path in PAGES + ["/bench/plain-dispatcher"]:
        progress(f"{days} days: {path} ...")
        server_s, size = _server_s(client, path, repeats)
        pages.append({"page": path, "html_mb": round(size / 1e6, 3), "server_s": round(server_s, 3),
                      "load_s": round(_load_s(page, base + path, repeats), 3)})
    progress(f"{days} days: recommendations in the console ...")
    recommend_s = _recommend_s(page, base, repeats)
    context.close()
    served.close()
    with res.store.engine.connect() as connection:
        incidents = int(connection.exec_driver_sql("select count(*) from incidents").scalar())
    plain = pages.pop()
    return {"days": days, "incidents": incidents, "warm_s": round(warm_s, 1), "pages": pages,
            "recommend_s": round(recommend_s, 3), "baseline": plain | {"page": "dispatcher, one CircleMarker per incident"},
            "load_ratio": round(plain["load_s"] / pages[0]["load_s"], 2),
            "size_ratio": round(plain["html_mb"] / pages[0]["html_mb"], 2)}


def run(progress=lambda message: None, *, repeats: int = 5, datasets: dict | None = None) -> dict:
    """Server and load times of the pages and of a console recommendation, per dataset."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise RuntimeError("chromium is not installed (apt-get install chromium)")
    results = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
        for name, days in (datasets or DATASETS).items():
            with temporary_instance(f"bench-pages-{name}-"):
                results.append({"dataset": name} | _measure(progress, days, repeats, browser))
        browser.close()
    worst_server = max(p["server_s"] for r in results for p in r["pages"])
    planner_load = max(p["load_s"] for r in results for p in r["pages"] if p["page"] == "/planner")
    recommend = max(r["recommend_s"] for r in results)
    return {"datasets": results, "repeats": repeats, "peak_rss_mb": round(peak_rss_mb(), 1), "targets": TARGETS,
            "meets_targets": {"server_s": worst_server < TARGETS["server_s"],
                              "planner_load_s": planner_load < TARGETS["planner_load_s"],
                              "recommend_s": recommend < TARGETS["recommend_s"]}}


def report_text(result: dict) -> str:
    lines = [f"pages, median of {result['repeats']} (server: warm requests in the server process; load: headless "
             f"Chromium, navigation to the load event):"]
    for r in result["datasets"]:
        lines.append(f"  {r['dataset']}: {r['days']} days, {r['incidents']} incidents (warm-up at start {r['warm_s']} s)")
        for p in r["pages"]:
            lines.append(f"    {p['page'][:44]:44s} {p['html_mb']:5.2f} MB  server {p['server_s']:5.3f} s  "
                         f"load {p['load_s']:5.2f} s")
        b = r["baseline"]
        lines.append(f"    baseline ({b['page']}): {b['html_mb']:.2f} MB, server {b['server_s']:.3f} s, load {b['load_s']:.2f} s"
                     f" -> ours {r['size_ratio']}x smaller, {r['load_ratio']}x faster to load")
        lines.append(f"    recommendation in the console (no reload): {r['recommend_s']:.3f} s")
    lines.append(f"  peak RSS {result['peak_rss_mb']} MB")
    return "\n".join(lines + target_lines(result))


if __name__ == "__main__":
    bench_main(__doc__, run, report_text)
