"""Crash safety: the server is killed (SIGKILL) in the middle of a burst of writes — positions,
assignments, zone saves. Afterwards the database is intact, every acknowledged write is there, no
zone version is half written, and the service starts again."""

import json
import os
import signal
import sqlite3
import threading
import time

import pytest
import requests
import shapely
from shapely.geometry import mapping

from tests.web.served import free_port, session, start_server

pytestmark = pytest.mark.slow


def test_sigkill_during_a_burst_of_writes(web_instance):
    port = free_port()
    server, base = start_server(web_instance, port)
    client, form_token = session(base)
    client.get(f"{base}/api/patrols")  # city loaded before the burst
    zone = next(f for f in client.get(f"{base}/api/zones").json()["features"] if f["properties"]["zone_id"] == "Z05")
    drawing = json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": mapping(
        shapely.convex_hull(shapely.geometry.shape(zone["geometry"])).buffer(0.001))}]})
    acked = {"positions": [], "dispatches": {}, "versions": []}
    stop = threading.Event()

    def positions():
        k = 0
        while not stop.is_set():
            # each patrol walks a metre per fix (a phone's fixes must be reachable at the patrol's speed)
            lon, lat = 104.06 + (k % 8) * 1e-3 + (k // 8 % 200) * 1e-5, 30.68 + (k // 1600) * 1e-5
            try:
                r = client.post(f"{base}/api/patrols/F0{k % 8 + 1}/position", json={"lon": lon, "lat": lat}, timeout=10)
            except requests.RequestException:  # the server was killed
                return
            if r.status_code == 200:
                acked["positions"].append((f"F0{k % 8 + 1}", lon, lat))
            k += 1

    def dispatches():
        k = 0
        while not stop.is_set():
            try:
                r = client.post(f"{base}/api/dispatches", json={"location": f"{104.07 + (k % 10) * 0.002},30.685",
                                                                  "datum": "wgs84"}, timeout=10)
                if r.status_code != 201:
                    k += 1
                    continue
                number = r.json()["dispatch_id"]
                acked["dispatches"][number] = "assigned"
                for step, status in (("arrive", "arrived"), ("close", "closed")):
                    if client.post(f"{base}/api/dispatches/{number}/{step}", timeout=10).status_code == 200:
                        acked["dispatches"][number] = status
            except requests.RequestException:  # the server was killed
                return
            k += 1

    def zone_saves():
        while not stop.is_set():
            try:
                r = client.post(f"{base}/planner/zones", data={"zone_id": "Z05", "geojson": drawing,
                                                                "csrf_token": form_token}, allow_redirects=False, timeout=30)
            except requests.RequestException:  # the server was killed
                return
            if r.status_code == 302:
                acked["versions"].append(int(r.headers["Location"].split("version=")[1].split("&")[0]))

    workers = [threading.Thread(target=f) for f in (positions, dispatches, zone_saves)]
    for worker in workers:
        worker.start()
    deadline = time.time() + 60
    while time.time() < deadline and (len(acked["positions"]) < 100 or len(acked["versions"]) < 2
                                      or len(acked["dispatches"]) < 3):
        time.sleep(0.05)
    os.kill(server.pid, signal.SIGKILL)  # mid-burst: writers are still sending
    server.wait()
    stop.set()
    for worker in workers:
        worker.join()
    assert len(acked["positions"]) >= 100 and len(acked["versions"]) >= 2 and len(acked["dispatches"]) >= 3, \
        {k: len(v) for k, v in acked.items()}

    database = sqlite3.connect(web_instance / "patrol.sqlite")
    assert database.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    fixes = set(database.execute("SELECT patrol_id, round(lon, 7), round(lat, 7) FROM positions").fetchall())
    missing = [p for p in acked["positions"] if (p[0], round(p[1], 7), round(p[2], 7)) not in fixes]
    assert missing == []
    statuses = dict(database.execute("SELECT id, status FROM dispatches").fetchall())
    order = ["assigned", "arrived", "closed"]
    for number, status in acked["dispatches"].items():
        assert order.index(statuses[number]) >= order.index(status), (number, statuses.get(number), status)
    versions = dict(database.execute(
        "SELECT v.version, count(z.id) FROM zone_versions v LEFT JOIN zones z ON z.version_id = v.id "
        "WHERE v.city = 'chengdu' GROUP BY v.version").fetchall())
    assert set(acked["versions"]) <= set(versions)
    assert set(versions.values()) == {20}  # every version whole, none half written
    database.close()

    server, base = start_server(web_instance, free_port())  # the service starts again
    try:
        again, _ = session(base)
        assert again.get(f"{base}/api/patrols").status_code == 200
        assert again.get(f"{base}/api/zones").json()["features"][0]["properties"]["version"] == max(versions)
    finally:
        server.terminate()
        server.wait(timeout=30)
