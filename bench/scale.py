"""Scale benchmark: every planning and dispatch step on a Haining-sized generated city and on Chengdu.

The generated city (``bench.synthetic_osm.scale_city_towns``: about 900 km2, a dense centre and eight towns, over
60,000 foot nodes, reproducible from its seed) is written as a real OSM file and goes through the same city build
as any extract; it is kept in ``<instance>/bench-scale/`` with its store (demo roster: 60 patrols, a year of demo
incidents), so a second run starts at once. ``--quick`` runs a small generated city in a throw-away folder.

Each step runs in its own Python process (so its peak memory is its own, and a step that fails or runs past its
time limit is reported, not fatal). Per step: seconds, peak resident MB, a baseline measured in the same run where
the issue names one (networkx for routing and dispatch; the product's own brute force, one full search per patrol
without any cache, for the coverage proof), the ratio and the goal. These machines are shared and noisy: trust
the ratios and the CPU-bound figures over one wall-clock second.

Usage: patrol bench scale [--city NAME] [--quick] [--json]
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

__all__ = ["GOALS", "STEPS", "report_text", "run"]

GENERATED = "scale-generated"  # the Haining-sized city
GENERATED_QUICK = "scale-quick"  # a small generated city for --quick
STEPS = ["dispatch", "matrix", "coverage", "zones_generate", "standby_cover", "standby_max_cover", "routes_plan",
         "simulate", "planner_page", "serve_memory"]
GOALS = {  # step -> (goal text, test on the step's figures)
    "dispatch_p95": ("p95 <= 20 ms, >= 100x networkx", lambda r: r["seconds"] <= 0.020 and (r["ratio"] or 0) >= 100),
    "matrix_1000": ("<= 2 s", lambda r: r["seconds"] <= 2.0),
    "coverage_cold": ("<= 60 s", lambda r: r["seconds"] <= 60.0),
    "coverage_warm": ("<= 5 s", lambda r: r["seconds"] <= 5.0),
    "coverage_one_zone": ("<= 5 s", lambda r: r["seconds"] <= 5.0),
    "zones_generate": ("<= 120 s", lambda r: r["seconds"] <= 120.0),
    "standby_cover_foot": ("optimal, or gap <= 1 % within 300 s",
                           lambda r: r["seconds"] <= 300.0 and r.get("gap") is not None and r["gap"] <= 0.01),
    "standby_max_cover_foot": ("bound over every node reported (no goal set)", lambda r: r.get("gap") is not None),
    "routes_plan": ("<= 120 s", lambda r: r["seconds"] <= 120.0),
    "simulate_24h": ("<= 60 s", lambda r: r["seconds"] <= 60.0),
    "planner_page": ("HTML <= 3 MB, loaded <= 3 s", lambda r: r["html_mb"] <= 3.0 and r["seconds"] <= 3.0),
    "dispatcher_page": ("HTML <= 3 MB, loaded <= 3 s", lambda r: r["html_mb"] <= 3.0 and r["seconds"] <= 3.0),
    "serve_memory": ("<= 4 GB resident", lambda r: r["rss_mb"] <= 4096.0),
}
MAX_COVER_K = 20  # standby points of the maximal covering step (a squadron's foot posts)
STEP_LIMIT_S = 900.0  # a step still running after this is stopped and reported as not met


# -- the parent: cities, children, the table -------------------------------------------------------------

def _generated_source(folder: Path, quick: bool) -> Path:
    """The generated city's OSM file (written once, reproducible from seed 0)."""
    from bench.synthetic_osm import grid_city_towns, scale_city_towns, write_city

    path = folder / (f"{GENERATED_QUICK if quick else GENERATED}.osm.pbf")
    if not path.is_file():
        towns = grid_city_towns(2500) if quick else scale_city_towns()
        write_city(path, towns, seed=0)
    return path


def _prepare(name: str, source: Path | None, *, quick: bool, progress) -> dict:
    """Build (or load) city ``name`` and fill its store; its nodes and edges per mode."""
    from bench.common import demo_world
    from geo.city import build_city
    from planner.users import add_user, authenticate

    os.environ["PATROL_CITY"] = name
    if source is not None:
        build_city(name, str(source), progress=progress)  # the cache's build when the file is unchanged
    city, store, _ = demo_world(progress, days=30 if quick else 365, per_day=40 if quick else 400)
    if authenticate(store, city.slug, "bench", PAGE_PASSWORD) is None:
        add_user(store, city.slug, "bench", "admin", password=PAGE_PASSWORD)
    return {mode: {"nodes": city.router(mode).network.size, "edges": int(len(city.router(mode).network.edge_u))}
            for mode in ("foot", "ebike", "car")}


PAGE_PASSWORD = "orange kite 417"


def _child(step: str, city: str, quick: bool, limit_s: float) -> list[dict]:
    """Run one step in its own process; its rows (or one row saying why it has none)."""
    command = [sys.executable, "-c", "import sys; from bench.scale import child_main; child_main(sys.argv[1:])",
               step, city] + (["--quick"] if quick else [])
    started = time.perf_counter()
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=limit_s, env=os.environ | {
            "PATROL_CITY": city})
    except subprocess.TimeoutExpired:
        return [{"step": step, "city": city, "seconds": round(time.perf_counter() - started, 1), "peak_mb": None,
                 "error": f"still running after {limit_s:.0f} s: stopped"}]
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return [{"step": step, "city": city, "seconds": None, "peak_mb": None, "error": last[:300]}]
    return json.loads(lines[-1])["rows"]


def _judge(row: dict) -> dict:
    goal = GOALS.get(row["step"])
    row.setdefault("baseline_seconds", None)
    row.setdefault("ratio", None)
    row["goal"] = goal[0] if goal else None
    row["met"] = None if goal is None else (False if row.get("error") or row.get("seconds") is None else bool(goal[1](row)))
    return row


def run(*, city: str | None = None, quick: bool = False, steps=None, progress=lambda message: None) -> dict:
    """The scale table: ``city`` (a built city) or the generated city and Chengdu; every step of ``steps``."""
    import contextlib

    from bench.common import instance_at, temporary_instance
    from geo import paths

    steps = list(steps or STEPS)
    unknown = set(steps) - set(STEPS)
    if unknown:
        raise ValueError(f"unknown step(s) {', '.join(sorted(unknown))}; steps: {', '.join(STEPS)}")
    if quick or city:  # a built city of the user's: a copy of its build, the user's store untouched
        place = temporary_instance("bench-scale-")
    else:
        folder = paths.instance_dir() / "bench-scale"
        folder.mkdir(parents=True, exist_ok=True)
        place = instance_at(folder)
    saved_city = os.environ.get("PATROL_CITY")
    result = {"benchmark": "scale", "quick": quick, "cities": {}, "steps": []}
    try:
        with place as folder, contextlib.ExitStack():
            folder = Path(folder)
            cities = [(city, None)] if city else [(GENERATED_QUICK if quick else GENERATED,
                                                   _generated_source(folder, quick)), ("chengdu", None)]
            for name, source in cities:
                progress(f"{name}: preparing the city and its store ...")
                result["cities"][name] = {"nodes": _prepare(name, source, quick=quick, progress=progress)}
                for step in steps:
                    progress(f"{name}: {step} ...")
                    for row in _child(step, name, quick, STEP_LIMIT_S):
                        result["steps"].append(_judge(row))
                        progress(f"  {_line(result['steps'][-1])}")
    finally:
        if saved_city is None:
            os.environ.pop("PATROL_CITY", None)
        else:
            os.environ["PATROL_CITY"] = saved_city
    return result


def _figure(value, digits=3) -> str:
    return "-" if value is None else f"{value:.{digits}g}" if isinstance(value, float) else str(value)


def _line(row: dict) -> str:
    verdict = {True: "met", False: "NOT met", None: ""}[row.get("met")]
    extra = f"  ({row['error']})" if row.get("error") else ""
    return (f"{row['step']:<20} {row['city']:<16} {_figure(row.get('seconds'), 4):>9} s {_figure(row.get('peak_mb'), 5):>7} MB "
            f"base {_figure(row.get('baseline_seconds'), 4):>8} s  x{_figure(row.get('ratio'), 4):<7} "
            f"{row.get('goal') or '':<38} {verdict}{extra}")


def report_text(result: dict) -> str:
    """The table, one line per step and city."""
    lines = ["cities (nodes/edges per mode):"]
    for name, figures in result["cities"].items():
        lines.append(f"  {name}: " + ", ".join(f"{m} {v['nodes']:,}/{v['edges']:,}" for m, v in figures["nodes"].items()))
    lines.append(f"{'step':<20} {'city':<16} {'seconds':>11} {'peak':>10} {'baseline':>15}  {'ratio':<8} goal")
    lines += [_line(row) for row in result["steps"]]
    return "\n".join(lines)


# -- the child: one step ---------------------------------------------------------------------------------

def child_main(argv: list[str]) -> None:
    """``python -c 'from bench.scale import child_main; ...' STEP CITY [--quick]``: prints {"rows": [...]}."""
    step, city_name = argv[0], argv[1]
    quick = "--quick" in argv
    from geo.city import get_city
    from web.settings import current_settings

    current_settings()  # this process's instance folder and store, from PATROL_* (set by the parent)

    city = get_city(city_name)
    rows = globals()[f"_step_{step}"](city, quick)
    peak = _high_water_mb()
    for row in rows:
        row.setdefault("peak_mb", round(peak, 1))
        row["city"] = city.slug
    print(json.dumps({"rows": rows}))


def _high_water_mb() -> float:
    """This process's peak resident MB since it started (VmHWM: unlike ru_maxrss, not inherited from the parent
    that forked it)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def _store():
    from bench.common import open_store

    return open_store()


def _row(step: str, seconds: float, baseline_s: float | None = None, **extra) -> dict:
    ratio = None if baseline_s is None or seconds <= 0 else round(baseline_s / seconds, 1)
    return {"step": step, "seconds": round(seconds, 4), "baseline_seconds": None if baseline_s is None else round(baseline_s, 3),
            "ratio": ratio, **extra}


def _step_dispatch(city, quick: bool) -> list[dict]:
    from bench.dispatch import run as dispatch_run

    r = dispatch_run(incidents=100 if quick else 500, patrols=100, baseline_incidents=3, city=city)
    return [_row("dispatch_p95", r["p95_ms"] / 1e3, r["networkx_median_ms"] / 1e3, median_s=r["median_ms"] / 1e3,
                 patrols=r["patrols"])]


def _step_matrix(city, quick: bool) -> list[dict]:
    import networkx as nx
    import numpy as np

    from geo.query_helpers import helper_count

    router = city.router("foot")
    size = 200 if quick else 1000
    rng = np.random.default_rng(1)
    nodes = router.network.node_ids[rng.choice(router.network.size, size, replace=False)]
    lons = [router.graph.nodes[n]["x"] for n in nodes]
    lats = [router.graph.nodes[n]["y"] for n in nodes]
    places = router.snap_many(lons, lats)
    router.warm(helpers=True)  # the table or the hierarchy (and its helper processes), built once, not timed
    started = time.perf_counter()
    times = router.matrix(places, places)
    ours = time.perf_counter() - started
    rows = 3  # networkx: one search per origin (to all nodes), timed on a few and scaled to all origins
    started = time.perf_counter()
    for node in nodes[:rows]:
        nx.single_source_dijkstra_path_length(router.graph, int(node), weight="travel_time")
    baseline = (time.perf_counter() - started) * size / rows
    started = time.perf_counter()
    alone = router.matrix(places, places, helpers=False)  # the same in this process only: what the helpers add
    alone_s = time.perf_counter() - started
    return [_row("matrix_1000", ours, baseline, size=f"{size}x{size}", finite_share=round(float(np.isfinite(times).mean()), 3),
                 helpers=helper_count() if router.hierarchy is not None else 0, one_process_seconds=round(alone_s, 3),
                 same_as_one_process=bool(np.array_equal(times, alone)))]


def _step_coverage(city, quick: bool) -> list[dict]:
    """Cold (a fresh process), warm (again), one redrawn zone; baseline: the uncached per-zone proof."""
    import numpy as np

    from planner.zone_check import check_version
    from planner.zones import ZonePlan, load_version, save_version

    store = _store()
    started = time.perf_counter()
    cold = check_version(store, city)
    cold_s = time.perf_counter() - started
    started = time.perf_counter()
    warm = check_version(store, city)
    warm_s = time.perf_counter() - started
    number, plan = load_version(store, city)
    # a planner redraws one zone: a tenth of Z01's streets go to the zone of the next patrol
    first, second = plan.zones[0], plan.zones[1]
    moved = first.segments[: max(1, len(first.segments) // 10)]
    changed = [z.__class__(z.zone_id, z.name, list(z.patrol_ids),
                           np.setdiff1d(z.segments, moved) if z is first else
                           np.union1d(z.segments, moved) if z is second else z.segments, z.polygon)
               for z in plan.zones]
    version = save_version(store, city, ZonePlan(changed, notes={}), author="bench", comment="one zone redrawn")
    started = time.perf_counter()
    redrawn = check_version(store, city, version)
    one_s = time.perf_counter() - started
    started = time.perf_counter()
    full = check_version(store, city, version, incremental=False)
    full_s = time.perf_counter() - started
    same = redrawn["zones"] == full["zones"]
    zones = len(cold["zones"])
    brute_s = _networkx_coverage_s(city, store, plan)
    return [_row("coverage_cold", cold_s, None, zones=zones, from_version=number),
            _row("coverage_full", full_s, brute_s, zones=zones, note="every zone computed again in a warm process "
                 "(streets and past reports), against networkx brute force over the streets only (3 zones, scaled)"),
            _row("coverage_warm", warm_s, full_s, zones=zones, same_as_cold=warm["zones"] == cold["zones"]),
            _row("coverage_one_zone", one_s, full_s, zones_recomputed=redrawn.get("zones_recomputed"),
                 same_as_full=same)]


def _networkx_coverage_s(city, store, plan, timed: int = 3) -> float:
    """Baseline: the proof done by brute force with networkx (one search from each zone patrol's base over its
    mode's graph, then every sample of the zone looked up), timed on ``timed`` zones, scaled to all zones."""
    import networkx as nx
    import numpy as np

    from planner.patrols import list_patrols
    from planner.zone_check import samples_for

    samples = samples_for(city)
    patrols = {p.id: p for p in list_patrols(store, city.slug)}
    started = time.perf_counter()
    for zone in plan.zones[:timed]:
        in_zone = np.flatnonzero(np.isin(samples.segment, zone.segments))
        for patrol_id in zone.patrol_ids:
            patrol = patrols[patrol_id]
            router = city.router(patrol.mode)
            origin = router.snap(patrol.base_lon, patrol.base_lat, max_distance_m=np.inf)
            reached = nx.single_source_dijkstra_path_length(router.graph, int(router.network.node_ids[origin.leave[0][0]]),
                                                            weight="travel_time")
            nodes, costs, _, _, _ = samples.on_mode(city, patrol.mode)
            ids = router.network.node_ids
            for k in in_zone:
                min(reached.get(int(ids[n]), np.inf) + c for n, c in zip(nodes[k], costs[k], strict=True) if n >= 0)
    return (time.perf_counter() - started) * len(plan.zones) / max(1, min(timed, len(plan.zones)))


def _job(kind: str, city, params: dict):
    from planner.jobs.kinds import KINDS, check_params

    params = check_params(kind, params) | {"job_id": f"bench-{time.time_ns()}"}  # never an earlier run's result
    return KINDS[kind].run(city, _store(), params, lambda percent, message: None).result


def _step_zones_generate(city, quick: bool) -> list[dict]:
    started = time.perf_counter()
    result = _job("zones_generate", city, {"author": "bench"})
    return [_row("zones_generate", time.perf_counter() - started, zones=len(result["zones"]))]


def _step_standby_cover(city, quick: bool) -> list[dict]:
    started = time.perf_counter()
    # the goal's 300 s hold the city's loading and the demand points too: the solver is given 280 of them
    result = _job("standby", city, {"mode": "foot", "model": "cover", "time_limit_s": 60 if quick else 280})
    solution = result.get("solution", result)
    reduction = solution.get("candidate_reduction") or {}
    return [_row("standby_cover_foot", time.perf_counter() - started, gap=solution.get("gap"), bound=solution.get("bound"),
                 objective=solution.get("objective"), status=solution.get("status"), candidates=solution.get("candidates"),
                 graph_nodes=solution.get("graph_nodes"), candidates_sampled=solution.get("candidates_sampled"),
                 gap_over_candidates=reduction.get("gap_over_candidates", solution.get("gap")),
                 bound_over_candidates=reduction.get("bound_over_candidates", solution.get("bound")))]


def _step_standby_max_cover(city, quick: bool) -> list[dict]:
    started = time.perf_counter()
    params = {"mode": "foot", "model": "max-cover", "k": MAX_COVER_K, "time_limit_s": 60 if quick else 280}
    solution = _job("standby", city, params)
    reduction = solution.get("candidate_reduction") or {}
    return [_row("standby_max_cover_foot", time.perf_counter() - started, gap=solution.get("gap"),
                 bound=solution.get("bound"), objective=solution.get("objective"), reports=solution.get("reports"),
                 k=MAX_COVER_K, candidates=solution.get("candidates"), graph_nodes=solution.get("graph_nodes"),
                 candidates_sampled=solution.get("candidates_sampled"), report_places=reduction.get("report_places"),
                 gap_over_candidates=reduction.get("gap_over_candidates", solution.get("gap")))]


def _step_routes_plan(city, quick: bool) -> list[dict]:
    started = time.perf_counter()
    result = _job("routes_plan", city, {})
    return [_row("routes_plan", time.perf_counter() - started, routes=len(result["routes"]))]


def _step_simulate(city, quick: bool) -> list[dict]:
    from datetime import date

    started = time.perf_counter()
    result = _job("simulate", city, {"hours": 24.0, "day": date.today().isoformat()})
    return [_row("simulate_24h", time.perf_counter() - started, reports=result["reports"],
                 within_target_share=result["within_target_share"])]


def _step_planner_page(city, quick: bool) -> list[dict]:
    import threading

    from playwright.sync_api import sync_playwright
    from sqlalchemy import text
    from waitress import create_server

    from bench.pages import CHROMIUM, _load_s
    from planner.patrols import list_patrols
    from web.app import create_app
    from web.resources import get_resources, warm

    app = create_app()
    res = get_resources(app)
    with app.app_context():
        warm(res)
    served = create_server(app, host="127.0.0.1", port=0, threads=8)
    threading.Thread(target=served.run, daemon=True).start()
    base = f"http://127.0.0.1:{served.effective_port}"
    client = app.test_client()
    token = client.get("/login").get_data(as_text=True).split("name=csrf_token value='")[1].split("'")[0]
    client.post("/login", data={"username": "bench", "password": PAGE_PASSWORD, "csrf_token": token})
    size = len(client.get("/planner").data)
    console_size = len(client.get("/dispatcher").data)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
        page = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
        page.goto(base + "/login")
        page.fill("input[name=username]", "bench")
        page.fill("input[name=password]", PAGE_PASSWORD)
        page.click("#signin")
        page.wait_for_load_state("load")
        load_s = _load_s(page, base + "/planner", 3)
        console_s = _load_s(page, base + "/dispatcher", 3)
        browser.close()
    served.close()
    with res.store.engine.connect() as connection:
        incidents = int(connection.execute(text("select count(*) from incidents where city = :city"),
                                           {"city": city.slug}).scalar())
    patrols = len(list_patrols(res.store, city.slug))
    return [_row("planner_page", load_s, html_mb=round(size / 1e6, 3), incidents=incidents),
            _row("dispatcher_page", console_s, html_mb=round(console_size / 1e6, 3), patrols=patrols)]


def _step_serve_memory(city, quick: bool) -> list[dict]:
    """`patrol serve` started, warmed, a recommendation and every page asked once: its resident MB."""
    import socket

    from bench.http import serve_bench_city, signed_in
    from bench.live import _rss_mb

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.perf_counter()
    server = serve_bench_city(port, threads=8)
    try:
        base = f"http://127.0.0.1:{port}"
        session = signed_in(base, "bench", PAGE_PASSWORD, wait_s=STEP_LIMIT_S)  # a big city takes a minute to warm
        node = city.router("foot").graph.nodes[int(city.router("foot").network.node_ids[0])]
        for path in ("/dispatcher", "/planner", "/officer/E01"):
            session.get(base + path, timeout=300)
        session.get(f"{base}/api/recommend", params={"location": f"{node['x']},{node['y']}", "datum": "wgs84"},
                    timeout=300)
        ready_s = time.perf_counter() - started
        rss = _rss_mb(server.pid)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    return [_row("serve_memory", ready_s, rss_mb=round(rss, 1), peak_mb=round(rss, 1))]
