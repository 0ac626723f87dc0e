"""Page benchmark: the three pages with 10 thousand open incidents in the store, in headless Chromium.

Ours: the served pages (waitress on loopback) — incidents as one clustered array, simplified
geometries. Baseline, in the same run and through the same server: the dispatcher map with one
folium CircleMarker per incident (the plain way). Printed: HTML size, load time (navigation to the
load event, server time included), the server's share, and the incidents the page holds. Runs in a temporary instance folder (the city cache is copied), so the
user's store is not touched.

Usage: python -m bench.pages [--json]   (or: patrol bench pages)
"""

import shutil
import statistics
import threading
import time
from pathlib import Path

from bench.common import bench_main, peak_rss_mb, target_lines, temporary_instance

__all__ = ["TARGETS", "run"]

TARGETS = {"html_mb": 3.0, "load_s": 3.0}
INCIDENTS = 10_000
PAGES = ["/dispatcher", "/planner", "/officer/E02"]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def _fill(progress, incidents: int) -> None:
    """Roster, zones and ``incidents`` open demo incidents in the current instance; a bench user."""
    from bench.common import demo_world
    from planner.demo_incidents import days_before_today, generate_incidents
    from planner.incidents import IncidentPlacer, store_incidents
    from planner.users import add_user

    city, store, blocks = demo_world(progress, incidents=False)
    progress(f"placing {incidents} demo incidents ...")
    days = incidents // 120 + 1
    records, _ = generate_incidents(city, blocks, days=days, seed=7, start=days_before_today(city, days))
    records = records[:incidents]
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


def _load(browser, url: str, repeats: int) -> tuple[float, int]:
    """Median seconds from navigation to the load event, and the incidents layer size (or -1)."""
    times, held = [], -1
    context = browser.new_context()
    page = context.new_page()
    base = url.split("/", 3)[:3]
    page.goto("/".join(base) + "/login")
    page.fill("input[name=username]", "bench")
    page.fill("input[name=password]", "orange kite 417")
    page.click("#signin")
    page.wait_for_load_state("load")
    for _ in range(repeats):
        started = time.perf_counter()
        page.goto(url, wait_until="load", timeout=120_000)
        times.append(time.perf_counter() - started)
    held = page.evaluate("window.patrolLayers && window.patrolLayers.incidents ? "
                         "window.patrolLayers.incidents.getLayers().length : -1")
    context.close()
    return statistics.median(times), held


def run(progress=lambda message: None, *, incidents: int = INCIDENTS, repeats: int = 3) -> dict:
    """Sizes and load times of the pages (ours and the plain baseline)."""
    from playwright.sync_api import sync_playwright
    from waitress import create_server

    if not Path(CHROMIUM).exists():
        raise RuntimeError("chromium is not installed (apt-get install chromium)")
    with temporary_instance("bench-pages-"):
        _fill(progress, incidents)
        from web.app import create_app
        from web.resources import get_resources

        app = create_app()
        res = get_resources(app)
        app.add_url_rule("/bench/plain-dispatcher", "plain", lambda: _plain_dispatcher_html(res))
        with app.app_context():
            _ = res.city, res.store, res.blocks, res.streets
        served = create_server(app, host="127.0.0.1", port=0, threads=4)
        threading.Thread(target=served.run, daemon=True).start()
        base = f"http://127.0.0.1:{served.effective_port}"
        pages = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
            client = app.test_client()
            token = client.get("/login").get_data(as_text=True).split("name=csrf_token value='")[1].split("'")[0]
            client.post("/login", data={"username": "bench", "password": "orange kite 417", "csrf_token": token})
            for path in PAGES + ["/bench/plain-dispatcher"]:
                progress(f"loading {path} ...")
                started = time.perf_counter()
                size = len(client.get(path).data)
                server_s = time.perf_counter() - started
                load_s, held = _load(browser, base + path, repeats)
                pages.append({"page": path, "html_mb": round(size / 1e6, 3), "server_s": round(server_s, 3),
                              "load_s": round(load_s, 3), "incidents_held": held})
            browser.close()
        served.close()
    plain = pages.pop()
    dispatcher = pages[0]
    worst_size = max(p["html_mb"] for p in pages)
    worst_load = max(p["load_s"] for p in pages)
    return {
        "incidents": incidents, "pages": pages, "repeats": repeats,
        "baseline": plain | {"page": "dispatcher map, one CircleMarker per incident"},
        "size_ratio": round(plain["html_mb"] / dispatcher["html_mb"], 2),
        "load_ratio": round(plain["load_s"] / dispatcher["load_s"], 2),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "targets": TARGETS,
        "meets_targets": {"html_mb": worst_size < TARGETS["html_mb"], "load_s": worst_load < TARGETS["load_s"]},
    }


def report_text(result: dict) -> str:
    lines = [f"pages with {result['incidents']} open incidents (median of {result['repeats']} loads in headless Chromium):"]
    for p in result["pages"]:
        held = f", incidents held {p['incidents_held']}" if p["incidents_held"] >= 0 else ""
        lines.append(f"  {p['page']:14s} {p['html_mb']:6.2f} MB  load {p['load_s']:5.2f} s (server {p['server_s']:.2f} s){held}")
    b = result["baseline"]
    lines.append(f"  baseline ({b['page']}): {b['html_mb']:.2f} MB, load {b['load_s']:.2f} s (server {b['server_s']:.2f} s)"
                 f" -> ours is "
                 f"{result['size_ratio']}x smaller, {result['load_ratio']}x faster to load")
    lines.append(f"  peak RSS {result['peak_rss_mb']} MB")
    return "\n".join(lines + target_lines(result))


if __name__ == "__main__":
    bench_main(__doc__, run, report_text)
