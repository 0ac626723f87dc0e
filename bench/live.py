"""Live benchmark: officers' phones posting positions and dispatcher consoles on the event feed, over loopback.

The app runs as ``patrol serve`` (waitress) in its own process on 127.0.0.1, in a temporary instance folder
(the city cache copied; the demo world made there, plus ``--phones`` patrols on duty with one officer each).
Each phone is a signed-in officer: it posts a fix every ``--every`` seconds (a few metres further each time,
random phase) and holds the event stream open, as the phone page does. Each console is a signed-in
dispatcher holding the event stream. A dispatcher assigns a report next to a free patrol every few seconds;
that officer's phone, on hearing of it, loads its assignment (as the page does), then arrives and closes it.
Baseline, in the same run: one console on the polling fallback (``/api/events/poll`` every 2 s).

Printed: positions stored per second, position post -> console (median, p95), assignment -> officer's page
(median, p95), errors, the server's resident memory growth over the run (MB), and the baseline's latency.

Usage: python -m bench.live [--json] [--phones 60] [--consoles 5] [--seconds 60]   (or: patrol bench live)
"""

import json
import random
import socket
import statistics
import threading
import time

from bench.common import peak_rss_mb, target_lines, temporary_instance
from bench.http import serve_bench_city, signed_in

__all__ = ["TARGETS", "run"]

TARGETS = {"position_to_console_p95_ms": 1000.0, "assignment_to_officer_p95_ms": 2000.0, "errors": 0}
PASSWORD = "amber kite 58"
POLL_S = 2.0  # the baseline console's polling period


def _prepare(phones: int, consoles: int, progress) -> list[dict]:
    """The demo world, ``phones`` patrols on duty all day with an officer each, ``consoles`` dispatchers."""
    import numpy as np

    from bench.common import demo_world
    from planner.models import User
    from planner.patrols import upsert_patrols
    from planner.users import add_user

    city, store, _ = demo_world(progress, incidents=False, zones=False)
    router = city.router("foot")
    rng = np.random.default_rng(7)
    picks = rng.choice(len(router.segments), phones, p=router.segments.length_m / router.segments.length_m.sum())
    rows = []
    for k, segment in enumerate(picks):
        point = router.segments.geometry_wgs84[segment].interpolate(0.5, normalized=True)
        rows.append({"id": f"L{k + 1:03d}", "call_sign": f"Live {k + 1}", "mode": ("foot", "ebike", "car")[k % 3],
                     "base_lon": round(point.x, 7), "base_lat": round(point.y, 7), "shift_start": "00:00",
                     "shift_end": "24:00", "status": "available"})
    upsert_patrols(store, city.slug, rows)
    progress(f"{phones} officers and {consoles} dispatchers signing up ...")
    first, _ = add_user(store, city.slug, "console-0", "dispatcher", password=PASSWORD)
    people = [(f"officer-{row['id'].lower()}", "officer", row["id"]) for row in rows]
    people += [(f"console-{k + 1}", "dispatcher", None) for k in range(consoles)]
    with store.session() as session, session.begin():  # one password hash for all (hashing each costs ~1 s)
        session.add_all([User(city=city.slug, username=name, password_hash=first.password_hash, role=role,
                              patrol_id=patrol_id, must_change_password=0) for name, role, patrol_id in people])
    return rows


def _rss_mb(pid: int) -> float:
    """Resident memory of process ``pid`` (MB), from /proc."""
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


class _Run:
    """What the clients share: the clock, the posts awaiting their arrival, the measurements."""

    def __init__(self, seconds: float):
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.deadline = time.perf_counter() + seconds
        self.posted: dict = {}  # (patrol, lon, lat) -> perf_counter before the POST
        self.assigned: dict = {}  # dispatch id -> perf_counter before the POST
        self.to_console: list[float] = []
        self.to_poller: list[float] = []
        self.to_officer: list[float] = []
        self.stored = 0
        self.post_s: list[float] = []  # how long a position post took
        self.threads: list[threading.Thread] = []  # every client thread, joined before the server stops

    def start(self, target, *args) -> None:
        """Run ``target(*args)`` in a client thread of this run."""
        thread = threading.Thread(target=target, args=args, daemon=True)
        with self.lock:
            self.threads.append(thread)
        thread.start()

    def join(self, timeout_s: float) -> None:
        """Wait for every client thread (the feeds end within one heartbeat of ``stop``)."""
        deadline = time.perf_counter() + timeout_s
        for thread in list(self.threads):
            thread.join(max(0.0, deadline - time.perf_counter()))
        self.errors: list[str] = []

    def error(self, what: str) -> None:
        with self.lock:
            self.errors.append(what)


def _events(session, url: str, run: _Run, handle) -> None:
    """Read a server-sent event stream (reconnecting with the last id as EventSource does) until the end."""
    import requests

    last = None
    while not run.stop.is_set():
        headers = {"Accept": "text/event-stream"} | ({"Last-Event-ID": last} if last else {})
        try:
            with session.get(url, headers=headers, stream=True, timeout=(5, 30)) as response:
                if response.status_code != 200:
                    run.error(f"events {response.status_code}")
                    time.sleep(1)
                    continue
                kind, pending = None, ""
                for chunk in response.iter_content(chunk_size=None, decode_unicode=True):  # as it arrives
                    if run.stop.is_set():
                        return
                    *lines, pending = (pending + chunk).split("\n")
                    for raw in lines:
                        if raw.startswith("id: "):
                            last = raw[4:]
                        elif raw.startswith("event: "):
                            kind = raw[7:]
                        elif raw.startswith("data: ") and kind:
                            handle(kind, json.loads(raw[6:]), time.perf_counter())
                            kind = None
        except requests.RequestException as exc:
            if not run.stop.is_set():
                run.error(f"events: {type(exc).__name__}")
                time.sleep(0.5)


def _phone(base: str, patrol: dict, session, every_s: float, run: _Run) -> None:
    """One officer's phone: a fix every ``every_s`` s, a few metres further each time; its feed in a thread."""
    feed = session

    def on_event(kind, data, at):
        if kind != "dispatch" or data.get("status") != "assigned":
            return
        shown = feed.get(f"{base}/api/patrols/{patrol['id']}/assignment", timeout=30)  # what the page loads
        arrived = time.perf_counter()
        with run.lock:
            sent = run.assigned.pop(data["dispatch_id"], None)
            if sent is not None:
                run.to_officer.append(arrived - sent)
        if shown.status_code != 200 or not shown.json().get("assignment"):
            run.error(f"assignment {shown.status_code}")
            return
        for step in ("arrive", "close"):
            if feed.post(f"{base}/api/dispatches/{data['dispatch_id']}/{step}", json={}, timeout=30).status_code != 200:
                run.error(f"{step} failed")

    run.start(_events, feed, f"{base}/api/events", run, on_event)
    rng = random.Random(patrol["id"])
    time.sleep(rng.random() * every_s)
    step = 0
    while time.perf_counter() < run.deadline:
        step += 1
        lon, lat = round(patrol["base_lon"] + 2e-5 * step, 7), round(patrol["base_lat"], 7)
        with run.lock:
            run.posted[(patrol["id"], lon, lat)] = time.perf_counter()
        try:
            started = time.perf_counter()
            answer = session.post(f"{base}/api/patrols/{patrol['id']}/position",
                                  json={"lon": lon, "lat": lat, "accuracy_m": 10}, timeout=30)
            if answer.status_code == 200:
                with run.lock:
                    run.stored += 1
                    run.post_s.append(time.perf_counter() - started)
            else:
                run.error(f"position {answer.status_code}: {answer.text[:120]}")
        except Exception as exc:
            run.error(f"position: {type(exc).__name__}")
        time.sleep(max(0.0, every_s - 0.01))


def _console(base: str, session, run: _Run, into: str) -> None:
    def on_event(kind, data, at):
        if kind != "position":
            return
        with run.lock:
            sent = run.posted.get((data["patrol_id"], round(data["lon"], 7), round(data["lat"], 7)))
            if sent is not None:
                getattr(run, into).append(at - sent)

    _events(session, f"{base}/api/events", run, on_event)


def _poller(base: str, session, run: _Run) -> None:
    """The baseline: a console on the polling fallback."""
    import requests

    cursor = session.get(f"{base}/api/events/poll", timeout=30).json()["cursor"]
    while not run.stop.is_set():
        time.sleep(POLL_S)
        try:
            answer = session.get(f"{base}/api/events/poll", params={"after": cursor}, timeout=30).json()
        except requests.RequestException as exc:
            if not run.stop.is_set():
                run.error(f"poll: {type(exc).__name__}")
            continue
        now = time.perf_counter()
        cursor = answer["cursor"]
        for event in answer["events"]:
            if event["type"] == "position":
                data = event["data"]
                with run.lock:
                    sent = run.posted.get((data["patrol_id"], round(data["lon"], 7), round(data["lat"], 7)))
                    if sent is not None:
                        run.to_poller.append(now - sent)


def _dispatcher(base: str, patrols: list[dict], session, every_s: float, run: _Run) -> int:
    """Assign a report next to the next patrol every ``every_s`` s; returns how many were made."""
    made, k = 0, 0
    time.sleep(2.0)
    while time.perf_counter() < run.deadline - 3:
        patrol = patrols[k % len(patrols)]
        k += 1
        started = time.perf_counter()
        answer = session.post(f"{base}/api/dispatches", timeout=30, json={
            "location": f"{patrol['base_lon'] + 3e-4:.7f},{patrol['base_lat']:.7f}", "datum": "wgs84",
            "category": "stray_dog", "patrol_id": patrol["id"]})
        if answer.status_code == 201:
            with run.lock:
                run.assigned[answer.json()["dispatch_id"]] = started
            made += 1
        elif answer.status_code != 409:  # 409: the patrol is still on its last report
            run.error(f"assign {answer.status_code}: {answer.text[:120]}")
        time.sleep(every_s)
    return made


def _quantiles(seconds: list[float]) -> dict:
    ms = sorted(1000 * x for x in seconds)
    if not ms:
        return {"median": None, "p95": None, "count": 0}
    return {"median": round(statistics.median(ms), 1), "p95": round(ms[int(0.95 * (len(ms) - 1))], 1),
            "count": len(ms)}


def run(progress=lambda message: None, *, phones: int = 60, consoles: int = 5, seconds: float = 60.0,
        every_s: float = 15.0, assign_every_s: float = 3.0) -> dict:
    """The live figures for ``phones`` phones and ``consoles`` consoles over ``seconds`` s."""
    if not 1 <= phones <= 200 or not 1 <= consoles <= 20:
        raise ValueError("phones must be 1-200 and consoles 1-20")
    with temporary_instance("bench-live-"):
        patrols = _prepare(phones, consoles, progress)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        base = f"http://127.0.0.1:{port}"
        server = serve_bench_city(port, threads=min(256, 2 * phones + consoles + 20))
        try:
            from concurrent.futures import ThreadPoolExecutor

            desk = signed_in(base, "console-0", PASSWORD)  # the server answers
            progress(f"signing in {phones} phones and {consoles + 2} consoles ...")
            with ThreadPoolExecutor(8) as pool:
                phone_sessions = list(pool.map(lambda p: signed_in(base, f"officer-{p['id'].lower()}", PASSWORD), patrols))
                screens = list(pool.map(lambda k: signed_in(base, f"console-{k + 1}", PASSWORD), range(consoles)))
            poller = signed_in(base, "console-0", PASSWORD)
            rss_start = _rss_mb(server.pid)
            progress(f"{phones} phones (a fix every {every_s:.0f} s) and {consoles} consoles for {seconds:.0f} s ...")
            live = _Run(seconds + 1.0)
            for screen in screens:
                live.start(_console, base, screen, live, "to_console")
            live.start(_poller, base, poller, live)
            for patrol, phone in zip(patrols, phone_sessions, strict=True):
                live.start(_phone, base, patrol, phone, every_s, live)
            made = _dispatcher(base, patrols, desk, assign_every_s, live)
            while time.perf_counter() < live.deadline + 2.0:  # the phones' last fixes reach the consoles
                time.sleep(0.2)
            live.stop.set()
            wall = seconds
            rss_end = _rss_mb(server.pid)
            live.join(timeout_s=30.0)  # no client thread outlives the run
        finally:
            server.terminate()
            server.wait(timeout=30)
    to_console, to_officer = _quantiles(live.to_console), _quantiles(live.to_officer)
    polled = _quantiles(live.to_poller)
    return {
        "phones": phones, "consoles": consoles, "seconds": wall, "every_s": every_s,
        "positions_per_s": round(live.stored / wall, 2), "positions_stored": live.stored,
        "position_post_ms": _quantiles(live.post_s),
        "position_to_console_ms": to_console, "assignment_to_officer_ms": to_officer, "assignments": made,
        "errors": len(live.errors), "error_examples": live.errors[:5],
        "server_rss_mb": {"start": round(rss_start, 1), "end": round(rss_end, 1)},
        "server_rss_growth_mb": round(rss_end - rss_start, 1),
        "baseline_polling_console_ms": polled,
        "ratio_polling_p95_to_live_p95": round(polled["p95"] / to_console["p95"], 1)
        if polled["p95"] and to_console["p95"] else None,
        "peak_rss_mb_client": round(peak_rss_mb(), 1), "targets": TARGETS,
        "meets_targets": {
            "position_to_console_p95_ms": to_console["p95"] is not None
            and to_console["p95"] <= TARGETS["position_to_console_p95_ms"],
            "assignment_to_officer_p95_ms": to_officer["p95"] is not None
            and to_officer["p95"] <= TARGETS["assignment_to_officer_p95_ms"],
            "errors": not live.errors},
    }


def report_text(result: dict) -> str:
    c, o, b = result["position_to_console_ms"], result["assignment_to_officer_ms"], result["baseline_polling_console_ms"]
    lines = [f"{result['phones']} phones (a fix every {result['every_s']:.0f} s) and {result['consoles']} consoles over "
             f"loopback for {result['seconds']:.0f} s",
             f"  positions stored: {result['positions_per_s']} /s ({result['positions_stored']}); a post took median "
             f"{result['position_post_ms']['median']} ms, p95 {result['position_post_ms']['p95']} ms",
             f"  position -> console: median {c['median']} ms, p95 {c['p95']} ms ({c['count']} deliveries)",
             f"  assignment -> officer's page: median {o['median']} ms, p95 {o['p95']} ms ({o['count']} of "
             f"{result['assignments']} assignments)",
             f"  errors {result['errors']}; server memory {result['server_rss_mb']['start']} -> "
             f"{result['server_rss_mb']['end']} MB (growth {result['server_rss_growth_mb']} MB)",
             f"  baseline, a console polling every {POLL_S:.0f} s: median {b['median']} ms, p95 {b['p95']} ms "
             f"({result['ratio_polling_p95_to_live_p95']}x the live feed's p95)",
             f"  peak RSS of the clients' process {result['peak_rss_mb_client']} MB"]
    return "\n".join(lines + target_lines(result))


if __name__ == "__main__":
    from bench.common import bench_main

    bench_main(__doc__, run, report_text)
