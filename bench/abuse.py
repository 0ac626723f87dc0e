"""Abuse benchmark, on loopback only and bounded: how fast passwords can be guessed with and without the
throttle, how long the slowest refused oversized request takes, and how many of 10,000 fuzzed requests
(paths, query strings, headers, methods, bodies) end in a 5xx (the goal: none).

The app is served by waitress in this process on 127.0.0.1, in a temporary instance folder. Guess rates:
the baseline is one connection guessing as fast as password hashing allows (measured now); with the
throttle, the same guesser over one simulated hour of the throttle's clock (exact, no waiting).

Usage: python -m bench.abuse [--json]   (or: patrol bench abuse)
"""

import http.client
import json
import re
import threading
import time
from datetime import timedelta

import shapely

from bench.common import bench_main, demo_world, peak_rss_mb, temporary_instance
from bench.fuzz_requests import fuzzed_requests

__all__ = ["run"]
PASSWORD = "amber gate 58"


class Client:
    """One HTTP session to the local server (its cookie kept by hand)."""

    def __init__(self, port: int):
        self.port, self.cookie = port, ""

    def request(self, method: str, path: str, headers=None, body=None) -> tuple[int, bytes, float]:
        headers = dict(headers or {})
        if self.cookie and "Cookie" not in headers:
            headers["Cookie"] = self.cookie
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        started = time.perf_counter()
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
            cookie = response.getheader("Set-Cookie")
        finally:
            connection.close()
        if cookie and cookie.startswith("session="):
            self.cookie = cookie.split(";", 1)[0]
        return response.status, data, time.perf_counter() - started

    def sign_in(self, username: str, password: str) -> int:
        _, page, _ = self.request("GET", "/login")
        token = re.search(rb"name=csrf_token value='([^']+)'", page).group(1).decode()
        body = f"username={username}&password={password.replace(' ', '+')}&csrf_token={token}".encode()
        status, _, _ = self.request("POST", "/login", {"Content-Type": "application/x-www-form-urlencoded"}, body)
        return status


def _guess_rates(store, city) -> dict:
    """Guesses per minute for one account: hashing-bound without throttle, and with it (simulated hour)."""
    from planner.clock import utc_now
    from planner.sign_in import locked_for, record_failure, throttle_keys
    from planner.users import authenticate

    started = time.perf_counter()
    for n in range(10):
        authenticate(store, city.slug, "bench-abuse", f"wrong guess {n}")
    per_guess_s = (time.perf_counter() - started) / 10
    keys, now, evaluated = throttle_keys(city.slug, "simulated-target", None), utc_now(), 0
    clock, end = now, now + timedelta(hours=1)
    while clock < end:
        if locked_for(store, keys, now=clock) is None:
            evaluated += 1
            record_failure(store, keys, now=clock)
        clock += timedelta(seconds=max(per_guess_s, 0.05))
    return {"without_throttle_per_min": round(60 / per_guess_s, 1), "with_throttle_per_min": round(evaluated / 60, 2),
            "seconds_per_guess": round(per_guess_s, 3)}


def _oversized(client: Client) -> list[dict]:
    """Oversized or pathological inputs: each must be refused (4xx) quickly."""
    from urllib.parse import quote

    ring = shapely.Point(104.075, 30.685).buffer(0.01, quad_segs=8000)
    drawing = json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": shapely.geometry.mapping(ring)}]})
    cases = [("GET", "/api/recommend?location=" + quote("成都" * 5000), None, "10,000-character address"),
             ("GET", "/api/recommend?location=inf,inf", None, "inf,inf"),
             ("GET", "/api/recommend?location=1e309,30", None, "1e309"),
             ("GET", "/api/incidents?limit=" + "9" * 5000, None, "5,000-digit limit"),
             ("GET", "/vendor/leaflet/" + "a" * 5000, None, "5,000-character asset name"),
             ("POST", "/api/patrols/E02/position", json.dumps({"lon": "1" * 100000, "lat": 30}), "100 kB number")]
    rows = []
    for method, path, body, what in cases:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        status, _, seconds = client.request(method, path, headers, body.encode() if body else None)
        rows.append({"input": what, "status": status, "seconds": round(seconds, 3)})
    token_page = client.request("GET", "/login")[1]
    token = re.search(rb"name=csrf_token value='([^']+)'", token_page)
    form = f"zone_id=Z01&geojson={quote(drawing)}" + (f"&csrf_token={token.group(1).decode()}" if token else "")
    status, _, seconds = client.request("POST", "/planner/zones", {"Content-Type": "application/x-www-form-urlencoded"},
                                        form.encode())
    rows.append({"input": "32,001-vertex drawn zone", "status": status, "seconds": round(seconds, 3)})
    return rows


def _fuzz(port: int, count: int, admin_cookie: str) -> dict:
    """``count`` fuzzed requests from two sessions (anonymous and admin) in two threads."""
    statuses, lock = {}, threading.Lock()
    slowest = [0.0, ""]

    def worker(seed: int, cookie: str):
        client = Client(port)
        client.cookie = cookie
        for method, path, headers, body in fuzzed_requests(seed, count // 2):
            try:
                status, _, seconds = client.request(method, path, headers, body)
            except (http.client.HTTPException, OSError, ValueError, UnicodeError):
                status, seconds = "refused by the client library", 0.0
            with lock:
                statuses[status] = statuses.get(status, 0) + 1
                if seconds > slowest[0]:
                    slowest[:] = [seconds, f"{method} {path[:80]}"]

    threads = [threading.Thread(target=worker, args=(seed, cookie)) for seed, cookie in ((1, ""), (2, admin_cookie))]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    errors = sum(n for s, n in statuses.items() if isinstance(s, int) and s >= 500)
    return {"requests": count, "seconds": round(time.perf_counter() - started, 1), "status_5xx": errors,
            "statuses": {str(k): v for k, v in sorted(statuses.items(), key=lambda kv: str(kv[0]))},
            "slowest_s": round(slowest[0], 3), "slowest_request": slowest[1]}


def run(*, fuzz_requests: int = 10_000, progress=lambda message: None) -> dict:
    from waitress import create_server

    from planner.users import add_user
    from web.app import create_app

    with temporary_instance("bench-abuse-"):
        city, store, _ = demo_world(progress)
        add_user(store, city.slug, "bench-abuse", "admin", password=PASSWORD)
        progress("guess rates ...")
        rates = _guess_rates(store, city)
        app = create_app({"CITY": city.slug})
        served = create_server(app, host="127.0.0.1", port=0, threads=4)
        threading.Thread(target=served.run, daemon=True).start()
        try:
            admin = Client(served.effective_port)
            if admin.sign_in("bench-abuse", PASSWORD) != 302:
                raise RuntimeError("the benchmark's admin could not sign in")
            progress("oversized inputs ...")
            oversized = _oversized(admin)
            progress(f"{fuzz_requests} fuzzed requests ...")
            fuzz = _fuzz(served.effective_port, fuzz_requests, admin.cookie)
        finally:
            served.close()
    return {"benchmark": "abuse", "city": city.slug, "guesses": rates, "oversized": oversized,
            "slowest_refused_s": max(r["seconds"] for r in oversized), "fuzz": fuzz, "peak_rss_mb": round(peak_rss_mb(), 1)}


def report_text(result: dict) -> str:
    g, f = result["guesses"], result["fuzz"]
    lines = [f"abuse on {result['city']} (loopback):",
             f"  password guesses per minute, one account: {g['without_throttle_per_min']} without throttle "
             f"(hashing {g['seconds_per_guess']} s each), {g['with_throttle_per_min']} with it (one simulated hour)"]
    lines += [f"  {r['input']}: {r['status']} in {r['seconds']} s" for r in result["oversized"]]
    lines.append(f"  slowest refused: {result['slowest_refused_s']} s")
    lines.append(f"  {f['requests']} fuzzed requests in {f['seconds']} s: {f['status_5xx']} answered 5xx; "
                 f"statuses {f['statuses']}; slowest {f['slowest_s']} s ({f['slowest_request']})")
    return "\n".join(lines)


def main(argv=None) -> None:
    bench_main(__doc__, run, report_text, argv)


if __name__ == "__main__":
    main()
