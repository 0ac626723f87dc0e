"""The pages and the JSON API through Flask's test client: status codes, content, offline assets."""

import re

import pytest

pytestmark = pytest.mark.slow
EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["'](?:https?:)?//(?!127\.0\.0\.1|localhost)""", re.IGNORECASE)


@pytest.mark.parametrize("url", ["/", "/dispatcher", "/planner", "/officer/E02",
                                 "/dispatcher?location=104.0810,30.6943&datum=wgs84"])
def test_pages_load_offline(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    html = response.get_data(as_text=True)
    assert not EXTERNAL.search(html), EXTERNAL.search(html)
    assert "© OpenStreetMap contributors" in html
    if url != "/":
        assert "/vendor/leaflet/leaflet.js" in html and 'name="viewport"' in html
        assert len(response.data) < 3 * 1024 * 1024


def test_vendor_assets_are_served(client):
    for url in ("/vendor/leaflet/leaflet.js", "/vendor/leaflet/leaflet.css", "/vendor/jquery/jquery.min.js",
                "/vendor/fontawesome/css/all.min.css"):
        assert client.get(url).status_code == 200, url
    assert client.get("/vendor/leaflet/../../../etc/passwd").status_code == 404
    assert client.get("/vendor/nothing/x.js").status_code == 404


def test_dispatcher_shows_the_ranking(client):
    html = client.get("/dispatcher?location=104.0810,30.6943&datum=wgs84").get_data(as_text=True)
    assert html.count("class='candidate'") >= 5 and "recommended" in html
    html = client.get("/dispatcher?location=火星基地一号").get_data(as_text=True)
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
    assert set(client.get("/api/openapi.json").get_json()["paths"]) == {"/api/patrols", "/api/incidents", "/api/zones",
                                                                         "/api/recommend"}
    assert client.get("/officer/X99").status_code == 404


def test_officer_gpx_and_navigation_links(client):
    html = client.get("/officer/E02").get_data(as_text=True)
    assert "href='/officer/E02/route.gpx'" in html and "href='geo:" in html
    gpx = client.get("/officer/E02/route.gpx")
    assert gpx.status_code == 200 and gpx.mimetype == "application/gpx+xml"
    assert b"<trkpt" in gpx.data and b"<wpt" in gpx.data
    assert client.get("/officer/X99/route.gpx").status_code == 404
