"""Several server processes on one shared PostgreSQL store: two ``patrol serve`` processes, two
dispatchers assigning the same patrol at the same moment through different processes — exactly one
wins — and a position written through one process is seen by the other."""

import threading
import uuid

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import postgres_url
from tests.web.conftest import PASSWORD
from tests.web.served import free_port, session, start_server

pytestmark = pytest.mark.slow


@pytest.fixture
def shared_url(built_instance, chengdu):
    from planner.patrols import demo_roster, upsert_patrols
    from planner.store import Store
    from planner.users import add_user

    base = postgres_url()
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    url = f"{base}?options=-csearch_path%3D{schema},postgis"
    store = Store(url)
    upsert_patrols(store, chengdu.slug, demo_roster(chengdu))
    add_user(store, chengdu.slug, "admin", "admin", password=PASSWORD)
    store.close()
    yield url
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


def test_two_processes_share_one_store(built_instance, shared_url):
    servers = [start_server(built_instance, free_port(), PATROL_DATABASE_URL=shared_url) for _ in range(2)]
    try:
        clients = [session(base)[0] for _, base in servers]
        bases = [base for _, base in servers]
        for client, base in zip(clients, bases, strict=True):  # both processes loaded the city
            assert client.get(f"{base}/api/recommend", params={"location": "104.0810,30.6943", "datum": "wgs84"}).ok
        patrol = clients[0].get(f"{bases[0]}/api/recommend", params={"location": "104.0810,30.6943",
                                                                     "datum": "wgs84"}).json()["recommended"]
        barrier, outcomes = threading.Barrier(2), []

        def assign(k):
            barrier.wait()
            response = clients[k].post(f"{bases[k]}/api/dispatches", json={
                "location": "104.0810,30.6943", "datum": "wgs84", "patrol_id": patrol}, timeout=60)
            outcomes.append((response.status_code, response.json()))

        threads = [threading.Thread(target=assign, args=(k,)) for k in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        codes = sorted(code for code, _ in outcomes)
        assert codes in ([201, 409], [201, 400]), outcomes  # 400: the loser's recomputed ranking no longer has it
        loser = next(body for code, body in outcomes if code != 201)
        assert "was just sent to report #" in loser["error"] and "刚被" in loser["message"]
        dispatches = clients[1].get(f"{bases[1]}/api/dispatches").json()["features"]
        assert [d["properties"]["patrol_id"] for d in dispatches] == [patrol]
        moved = clients[0].post(f"{bases[0]}/api/patrols/F03/position", json={"lon": 104.0755, "lat": 30.6911})
        assert moved.status_code == 200
        seen = next(f["properties"] for f in clients[1].get(f"{bases[1]}/api/patrols").json()["features"]
                    if f["properties"]["id"] == "F03")
        assert (seen["lon"], seen["lat"]) == pytest.approx((104.0755, 30.6911))
    finally:
        for process, _ in servers:
            process.terminate()
            process.wait(timeout=30)


def test_two_processes_see_the_same_blocks_standby_points_and_routes(built_instance, shared_url, chengdu,
                                                                      tmp_path):
    """Each server has its own instance folder: what they share is only the database."""
    import shutil

    import geopandas as gpd
    import shapely

    from planner.key_blocks import save_blocks
    from planner.patrols import list_patrols
    from planner.standby import store_solution
    from planner.store import Store
    from planner.zone_check import samples_for
    from planner.zones import generate_zones, save_version

    store = Store(shared_url)
    save_blocks(store, chengdu, gpd.GeoDataFrame(
        {"id": ["MKT-777"], "name": ["共享市场"], "kind": ["market"], "priority": [2.0], "squadron": [None],
         "visits_per_shift": [1], "source": ["shared"]},
        geometry=[shapely.box(104.0800, 30.6900, 104.0820, 30.6920)], crs="EPSG:4326"))
    store_solution(store, chengdu, {"mode": "ebike", "count": 1, "status": "Optimal",
                                    "points": [{"lon": 104.0777, "lat": 30.6888}]})
    plan = generate_zones(chengdu, list_patrols(store, chengdu.slug), samples_for(chengdu), target_s=1800.0)
    save_version(store, chengdu, plan, author="test")
    store.close()
    second = tmp_path / "second-instance"
    shutil.copytree(built_instance / "cities", second / "cities")
    servers = [start_server(folder, free_port(), PATROL_DATABASE_URL=shared_url) for folder in (built_instance, second)]
    try:
        clients = [session(base)[0] for _, base in servers]
        bases = [base for _, base in servers]
        blocks = [c.get(f"{b}/api/blocks").json() for c, b in zip(clients, bases, strict=True)]
        assert [f["properties"]["block_id"] for f in blocks[0]["features"]] == ["MKT-777"]
        assert blocks[0] == blocks[1]
        for client, base in zip(clients, bases, strict=True):
            assert "104.0777" in client.get(f"{base}/planner").text  # the standby point on both maps
        routes = [c.get(f"{b}/api/routes/E02").json() for c, b in zip(clients, bases, strict=True)]
        assert routes[0]["properties"]["patrol_id"] == "E02" and routes[0] == routes[1]
    finally:
        for process, _ in servers:
            process.terminate()
            process.wait(timeout=30)
