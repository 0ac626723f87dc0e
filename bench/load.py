"""Load benchmark: concurrent dispatchers asking for recommendations over HTTP, on loopback only.

The app runs as ``patrol serve`` (waitress) in its own process on 127.0.0.1, in a temporary
instance folder (the city cache is copied; demo roster, zones and incidents are made there).
Clients: ``--clients`` threads with their own signed-in session, each asking for random street
points until ``--seconds`` or ``--max-requests`` is reached (bounded in count and time).
Baseline, in the same run: the same recommendations in-process, one at a time (no HTTP).
Printed: recommendations per second, median and 95th percentile latency, errors, peak memory.

Usage: python -m bench.load [--json] [--clients 8] [--seconds 20]   (or: patrol bench load)
"""

import socket
import statistics
import sys
import threading
import time

import numpy as np

from bench.common import peak_rss_mb, target_lines, temporary_instance
from bench.http import serve_bench_city, signed_in

__all__ = ["TARGETS", "run"]

TARGETS = {"per_second": 50.0, "p95_ms": 200.0, "errors": 0}
PASSWORD = "violet lamp 93"


def _points(city, count: int, seed: int = 3) -> list[tuple[float, float]]:
    router = city.router("foot")
    rng = np.random.default_rng(seed)
    picks = rng.choice(len(router.segments), count, p=router.segments.length_m / router.segments.length_m.sum())
    points = [router.segments.geometry_wgs84[s].interpolate(rng.random(), normalized=True) for s in picks]
    return [(round(p.x, 6), round(p.y, 6)) for p in points]


def _prepare(progress) -> list[tuple[float, float]]:
    """Demo world and a bench user in the current instance; random report points."""
    from bench.common import demo_world
    from planner.users import add_user

    city, store, _ = demo_world(progress)
    add_user(store, city.slug, "bench-load", "dispatcher", password=PASSWORD)
    return _points(city, 2000)


def _baseline(points, count: int = 200) -> float:
    """In-process recommendations per second (one at a time)."""
    from bench.common import bench_city_name, open_store
    from geo.city import get_city
    from planner.dispatch import Dispatcher
    from planner.key_blocks import load_blocks
    from planner.patrols import list_patrols

    city = get_city(bench_city_name())
    store = open_store()
    dispatcher = Dispatcher(city, load_blocks(store, city))
    dispatcher.recommend(list_patrols(store, city.slug), *points[0])  # routers and tables loaded
    started = time.perf_counter()
    for lon, lat in points[:count]:
        dispatcher.recommend(list_patrols(store, city.slug), lon, lat).as_dict()
    return count / (time.perf_counter() - started)


def run(progress=lambda message: None, *, clients: int = 8, seconds: float = 20.0, max_requests: int = 20_000) -> dict:
    """Recommendations per second over HTTP with ``clients`` concurrent sessions."""
    import requests

    if not 1 <= clients <= 64:
        raise ValueError("clients must be between 1 and 64")
    with temporary_instance("bench-load-"):
        points = _prepare(progress)
        progress("baseline: in-process recommendations ...")
        baseline = _baseline(points)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        base = f"http://127.0.0.1:{port}"
        server = serve_bench_city(port)
        try:
            sessions = [signed_in(base, "bench-load", PASSWORD) for _ in range(clients)]
            warm = sessions[0].get(f"{base}/api/recommend", params={"location": f"{points[0][0]},{points[0][1]}", "datum": "wgs84"})
            if warm.status_code != 200:
                raise RuntimeError(f"warm-up failed: {warm.status_code} {warm.text[:200]}")
            progress(f"{clients} clients for {seconds:.0f} s ...")
            latencies, errors, lock = [], [], threading.Lock()
            deadline = time.perf_counter() + seconds

            def client(k: int):
                i = k
                while time.perf_counter() < deadline:
                    with lock:
                        if len(latencies) + len(errors) >= max_requests:
                            return
                    lon, lat = points[i % len(points)]
                    i += clients
                    started = time.perf_counter()
                    try:
                        r = sessions[k].get(f"{base}/api/recommend", params={"location": f"{lon},{lat}", "datum": "wgs84"},
                                            timeout=30)
                        ok = r.status_code == 200 and "candidates" in r.json()
                    except requests.RequestException as exc:
                        ok, r = False, exc
                    elapsed = time.perf_counter() - started
                    with lock:
                        (latencies if ok else errors).append(elapsed if ok else str(getattr(r, "status_code", r)))

            threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            wall = time.perf_counter() - started
        finally:
            server.terminate()
            server.wait(timeout=30)
    per_second = len(latencies) / wall
    ms = sorted(1000 * x for x in latencies)
    p95 = ms[int(0.95 * (len(ms) - 1))] if ms else float("inf")
    return {
        "clients": clients, "seconds": round(wall, 2), "requests": len(latencies) + len(errors),
        "per_second": round(per_second, 1), "median_ms": round(statistics.median(ms), 1) if ms else None,
        "p95_ms": round(p95, 1), "max_ms": round(ms[-1], 1) if ms else None, "errors": len(errors),
        "error_examples": errors[:5], "baseline_in_process_per_second": round(baseline, 1),
        "http_share_of_in_process": round(per_second / baseline, 2), "peak_rss_mb_client": round(peak_rss_mb(), 1),
        "targets": TARGETS,
        "meets_targets": {"per_second": per_second >= TARGETS["per_second"], "p95_ms": p95 < TARGETS["p95_ms"],
                          "errors": not errors},
    }


def report_text(result: dict) -> str:
    lines = [f"{result['clients']} clients over loopback for {result['seconds']} s: {result['requests']} requests",
             f"  {result['per_second']} recommendations/s; median {result['median_ms']} ms, p95 {result['p95_ms']} ms, "
             f"max {result['max_ms']} ms; errors {result['errors']}",
             f"  baseline in-process, one at a time: {result['baseline_in_process_per_second']} /s "
             f"(HTTP reaches {result['http_share_of_in_process']}x of it)",
             f"  peak RSS (client and baseline process) {result['peak_rss_mb_client']} MB"]
    return "\n".join(lines + target_lines(result))


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    result = run(lambda message: print(message, file=sys.stderr), clients=args.clients, seconds=args.seconds)
    import json

    print(json.dumps(result, indent=2) if args.json else report_text(result))
