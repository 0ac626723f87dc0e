"""The pages and the JSON API through Flask's test client: status codes, content, offline assets."""

import re

import pytest

from tests.conftest import point_instance

pytestmark = pytest.mark.slow
EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["'](?:https?:)?//(?!127\.0\.0\.1|localhost)""", re.IGNORECASE)
TOKEN = re.compile(r"name=csrf_token value='[^']*'")


def mentions_cdn(html: str) -> bool:
    """"cdn" anywhere in the page but inside a (random) CSRF token."""
    return "cdn" in TOKEN.sub("", html).lower()


@pytest.mark.parametrize("url", ["/", "/login", "/dispatcher", "/planner", "/officer/E02",
                                 "/dispatcher?location=104.0810,30.6943&datum=wgs84", "/planner?edit=Z05",
                                 "/planner?compare=1&category=stray_dog&days=7&hours=7-10", "/dispatcher?lang=en"])
def test_pages_load_offline(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    html = response.get_data(as_text=True)
    assert not EXTERNAL.search(html), EXTERNAL.search(html)
    assert "d3.min.js" not in html and not mentions_cdn(html)  # e.g. branca's colormap d3 link
    if url != "/login":
        assert "© OpenStreetMap contributors" in html
    if url not in ("/", "/login"):
        assert "/vendor/leaflet/leaflet.js" in html and 'name="viewport"' in html
        assert len(response.data) < 3 * 1024 * 1024


def test_vendor_assets_are_served(client):
    for url in ("/vendor/leaflet/leaflet.js", "/vendor/leaflet/leaflet.css", "/vendor/jquery/jquery.min.js",
                "/vendor/fontawesome/css/all.min.css"):
        assert client.get(url).status_code == 200, url
    assert client.get("/vendor/leaflet/../../../etc/passwd").status_code == 404
    assert client.get("/vendor/nothing/x.js").status_code == 404


def test_dispatcher_shows_the_ranking(client):
    html = client.get("/dispatcher?location=104.0810,30.6943&datum=wgs84&lang=en").get_data(as_text=True)
    assert html.count("class='candidate'") >= 5 and "recommended" in html
    html = client.get("/dispatcher?location=火星基地一号&lang=en").get_data(as_text=True)
    assert "cannot resolve address" in html


def test_api(client):
    patrols = client.get("/api/patrols").get_json()
    assert patrols["type"] == "FeatureCollection" and len(patrols["features"]) == 20
    zones = client.get("/api/zones").get_json()
    assert len(zones["features"]) == 20 and zones["features"][0]["geometry"]["type"] in ("Polygon", "MultiPolygon")
    incidents = client.get("/api/incidents?limit=50").get_json()
    assert len(incidents["features"]) == 50
    data = client.get("/api/recommend?location=104.0810,30.6943&datum=wgs84").get_json()
    assert {"incident", "candidates", "excluded", "recommended"} <= set(data)
    assert client.get("/api/recommend").status_code == 400
    bad = client.get("/api/recommend?location=30.69,104.08&datum=wgs84")
    assert bad.status_code == 400 and "swapped" in bad.get_json()["error"]
    assert client.get("/api/incidents?limit=lots").status_code == 400
    described = client.get("/api/openapi.json").get_json()["paths"]
    served = set()
    for rule in client.application.url_map.iter_rules():
        if rule.rule.startswith("/api/") and rule.rule != "/api/openapi.json":
            for step in ("accept", "arrive", "close"):
                served.add(re.sub(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>", r"{\1}",
                                  rule.rule.replace("<any(accept, arrive, close):step>", step)))
    assert set(described) == served
    assert client.get("/officer/X99").status_code == 404


def test_officer_gpx_and_navigation_links(client):
    html = client.get("/officer/E02").get_data(as_text=True)
    assert "href='/officer/E02/route.gpx'" in html and "href='geo:" in html
    gpx = client.get("/officer/E02/route.gpx")
    assert gpx.status_code == 200 and gpx.mimetype == "application/gpx+xml"
    assert b"<trkpt" in gpx.data and b"<wpt" in gpx.data
    descriptions = gpx.get_data(as_text=True).split("<desc>")[1:]
    assert descriptions and all("分钟" in d.split("</desc>")[0] for d in descriptions)  # the page's language
    english = client.get("/officer/E02/route.gpx?lang=en").get_data(as_text=True)
    assert " min</desc>" in english and "分钟" not in english
    assert client.get("/officer/X99/route.gpx").status_code == 404


ROLE_MATRIX = [  # (url, who may) — admin may everything
    ("/dispatcher", {"dispatcher"}), ("/planner", {"planner"}), ("/officer/E02", {"officer-e02", "dispatcher", "planner"}),
    ("/officer/E01", {"dispatcher", "planner"}), ("/api/patrols", {"dispatcher", "planner"}),
    ("/api/zones", {"dispatcher", "planner"}), ("/api/recommend?location=104.08,30.69&datum=wgs84", {"dispatcher"}),
    ("/api/hot-segments", {"planner"}), ("/api/zones/diff?a=1&b=1", {"planner"}), ("/planner/zones.geojson", {"planner", "dispatcher"}),
    ("/api/routes/E02", {"officer-e02", "dispatcher", "planner"}), ("/api/routes/E01", {"dispatcher", "planner"}),
]


@pytest.mark.parametrize(("url", "allowed"), ROLE_MATRIX)
def test_every_page_enforces_its_roles(app, anonymous, url, allowed):
    from tests.web.conftest import USERS, signed_in

    first = anonymous.get(url)
    assert first.status_code in (302, 401)  # the sign-in page, or 401 for the API
    for username, _, _ in USERS:
        status = signed_in(app, username).get(url).status_code
        expected = 200 if username == "admin" or username in allowed else 403
        assert status == expected, (username, url, status)


def test_sign_in_security(app, web_instance):
    from web.app import create_app

    strict = create_app({"TESTING": True})  # CSRF on
    client = strict.test_client()
    assert client.post("/login", data={"username": "admin", "password": "correct horse 42"}).status_code == 400
    page = client.get("/login").get_data(as_text=True)
    token = page.split("name=csrf_token value='")[1].split("'")[0]
    wrong = client.post("/login", data={"username": "admin", "password": "nope", "csrf_token": token})
    assert wrong.status_code == 401 and "wrong username or password" in wrong.get_data(as_text=True)
    good = client.post("/login", data={"username": "admin", "password": "correct horse 42", "csrf_token": token,
                                       "next": "//evil.example/x"})
    assert good.status_code == 302 and good.headers["Location"] == "/"  # no open redirect
    cookie = next(c for c in good.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert (web_instance / "secret_key").stat().st_mode & 0o077 == 0


def test_online_tiles_are_off_by_default_and_checked(client, web_instance):
    from geo.errors import PatrolError
    from web.app import create_app

    html = client.get("/dispatcher").get_data(as_text=True)
    assert not any(host in html for host in ("openstreetmap.org/", "tianditu", "autonavi", "http://", "https://"))
    with pytest.raises(PatrolError, match="PATROL_TIANDITU_KEY"):
        create_app({"TESTING": True, "TILES": "tianditu"})
    with pytest.raises(PatrolError, match="must be one of none, osm, tianditu, amap"):
        create_app({"TESTING": True, "TILES": "google"})
    keyed = create_app({"TESTING": True, "TILES": "tianditu", "TIANDITU_KEY": "abc123", "WTF_CSRF_ENABLED": False})
    from tests.web.conftest import signed_in

    page = signed_in(keyed, "admin").get("/planner").get_data(as_text=True)
    assert "tianditu.gov.cn/vec_w" in page and "tianditu.gov.cn/cva_w" in page and "tk=abc123" in page


def test_planner_with_standby_points_stays_offline(client, web_instance, monkeypatch):
    """Once standby points exist the planner page must still load nothing from another host."""
    from geo.city import get_city
    from planner.standby import store_solution
    from planner.store import Store

    point_instance(monkeypatch, web_instance)
    store_solution(Store(), get_city("chengdu"), {"mode": "ebike", "count": 1, "status": "Optimal",
                                                   "points": [{"lon": 104.0666, "lat": 30.6777}]})
    html = client.get("/planner").get_data(as_text=True)
    assert "104.0666" in html and "standby" in html
    assert not EXTERNAL.search(html), EXTERNAL.search(html)
    assert "leaflet-dvf" not in html and "RegularPolygonMarker" not in html and not mentions_cdn(html)


def test_streets_come_once_gzipped_and_are_kept_by_the_browser(client):
    import gzip
    import json

    from web.resources import get_resources

    html = client.get("/dispatcher").get_data(as_text=True)
    url = re.search(r'fetch\("(/streets\.geojson\?v=[0-9a-f]+)"', html).group(1)
    response = client.get(url, headers={"Accept-Encoding": "gzip, deflate"})
    assert response.status_code == 200 and response.headers["Content-Encoding"] == "gzip"
    assert response.cache_control.max_age >= 86400 and response.headers["ETag"]
    streets = json.loads(gzip.decompress(response.data))
    assert streets == json.loads(get_resources(client.application).streets)  # the same layer, not in the page
    assert len(streets["features"]) > 1000 and not re.search(r'\{"n": ?"', html)  # no street feature in the page
    again = client.get(url, headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and not again.data
    plain = client.get(url)  # a client that takes no gzip
    assert "Content-Encoding" not in plain.headers and json.loads(plain.data) == streets


@pytest.mark.parametrize("url", ["/dispatcher?location={{ 7*191 }}", "/dispatcher?location={%25 print(7*191) %25}"])
def test_text_from_a_request_is_never_run_as_a_template(client, url):
    """branca compiled every rendered piece as Jinja again: '{{ 7*191 }}' typed as an address came back 1337."""
    html = client.get(url).get_data(as_text=True)
    assert "7*191" in html and "value='1337'" not in html


def test_tooltip_text_cannot_leave_its_template_string():
    from web.maps import tooltip_text

    text = tooltip_text("${alert(1)}`</script>\\ 荷花池")
    assert not any(c in text for c in "$`<>\\") and "荷花池" in text and "&#36;{alert(1)}" in text


@pytest.mark.parametrize("user, offered, hidden", [
    ("officer-e02", {"/officer/E02"}, {"/dispatcher", "/planner", "/api/openapi.json"}),
    ("dispatcher", {"/dispatcher", "/api/openapi.json"}, {"/planner"}),
    ("planner", {"/planner", "/api/openapi.json"}, {"/dispatcher"}),
    ("admin", {"/dispatcher", "/planner", "/api/openapi.json"}, set())])
def test_each_role_is_offered_only_the_pages_it_may_open(app, user, offered, hidden):
    from tests.web.conftest import signed_in

    client = signed_in(app, user)
    index = client.get("/").get_data(as_text=True)
    links = set(re.findall(r"href='(/[^']*)'", index))
    assert offered <= links and not (hidden & links), links
    for url in offered - {"/api/openapi.json"}:
        page = client.get(url).get_data(as_text=True)
        header = page[page.index('id="panel"'):][:1500]
        assert not (hidden & set(re.findall(r"href='(/[^']*)'", header))), (url, header)


def test_planner_shows_the_zones_in_numbers(client, web_instance, chengdu):
    """Beside the map, a row per zone: street km and key blocks as counted independently from the stored
    version and the key blocks, the worst case of ``zones check``, in Chinese; with a comparison, the other
    version's worst case in brackets."""
    import numpy as np
    from bs4 import BeautifulSoup

    from planner.key_blocks import load_blocks
    from planner.store import Store
    from planner.zone_check import check_version
    from planner.zones import load_version

    store = Store(f"sqlite:///{web_instance / 'patrol.sqlite'}")
    _, plan = load_version(store, chengdu)
    lengths = chengdu.router("foot").segments.length_m
    blocks = load_blocks(store, chengdu)
    worst = {z["zone_id"]: z["worst_case_s"] for z in check_version(store, chengdu)["zones"]}
    html = client.get("/planner?lang=zh&compare=1").get_data(as_text=True)
    table = BeautifulSoup(html, "html.parser").find("table", id="zone-table")
    headers = [th.get_text() for th in table.find_all("th")]
    assert "每班巡查次数" in headers and "日均警情" in headers and "占班次时间" in headers
    rows = {tr["data-zone"]: [td.get_text() for td in tr.find_all("td")] for tr in table.find_all("tr", attrs={"data-zone": True})}
    assert set(rows) == {z.zone_id for z in plan.zones}
    for zone in plan.zones:
        cells = rows[zone.zone_id]
        assert float(cells[2]) == pytest.approx(lengths[zone.segments].sum() / 1000, abs=0.06)
        assert cells[5].startswith(f"{worst[zone.zone_id] / 60:.1f}") and "(" in cells[5]  # compared with v1
    points = blocks.geometry.representative_point()
    in_a_zone = np.isin(chengdu.router("foot").segments.locate(points.x.to_numpy(), points.y.to_numpy())["segment"],
                        np.concatenate([z.segments for z in plan.zones]))
    assert sum(int(cells[3]) for cells in rows.values()) == int(in_a_zone.sum())



def test_an_address_shows_the_point_chosen_its_match_and_confidence(client):
    """A house number OpenStreetMap does not hold is said (placed on its street, lower confidence), in both
    languages; a known one is matched exactly."""
    zh = client.get("/dispatcher", query_string={"location": "羊子山路9999号", "lang": "zh"}).get_data(as_text=True)
    place = re.search(r"id=report-place>(.*?)</p>", zh, re.S).group(1)
    assert "没有 9999 号" in place and "可信度 50%" in place and re.search(r"104\.\d{6},30\.\d{6}", place)
    en = client.get("/api/recommend", query_string={"location": "羊子山路9999号", "lang": "en"}).get_json()["incident"]
    assert en["match"] == "羊子山路 (no house 9999 in OSM)" and en["confidence"] == 0.5 and en["address"] == "羊子山路9999号"
    exact = client.get("/dispatcher", query_string={"location": "羊子山路68号", "lang": "zh"}).get_data(as_text=True)
    assert "羊子山路68号 → 羊子山路68号 (可信度 90%)" in exact
