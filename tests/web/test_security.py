"""Security: a role x endpoint matrix covering every route of the app, CSRF on every POST, upload
size limits, cookies, no secret in the repository, file names that cannot escape their folder."""

import subprocess
from pathlib import Path

import pytest

from tests.web.conftest import PASSWORD, USERS, signed_in

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
PUBLIC = "public"
ANY_SIGNED_IN = "signed in"
NO_JOB = "0" * 32
# endpoint -> (method, URL with harmless arguments, JSON body or form, who may use it; admin may everything).
# Writes use arguments that are refused with 400 (or harmless), so the matrix changes nothing.
MATRIX = {
    "auth.login": ("GET", "/login", None, PUBLIC),
    "auth.logout": ("POST", "/logout", None, PUBLIC),
    "auth.change_password": ("GET", "/password", None, {"admin", "dispatcher", "planner", "officer-e02"}),
    "layout.vendor": ("GET", "/vendor/leaflet/leaflet.js", None, PUBLIC),
    "layout.index": ("GET", "/", None, PUBLIC),
    "layout.streets": ("GET", "/streets.geojson", None, {"dispatcher", "planner", "officer-e02"}),
    "api.openapi": ("GET", "/api/openapi.json", None, PUBLIC),
    "api.csrf": ("GET", "/api/csrf", None, PUBLIC),
    "console.dispatcher": ("GET", "/dispatcher", None, {"dispatcher"}),
    "console.dispatcher_assign": ("POST", "/dispatcher/assign", {"location": ""}, {"dispatcher"}),
    "console.dispatcher_step": ("POST", "/dispatcher/dispatches/999999/arrive", {}, {"dispatcher"}),
    "workspace.planner": ("GET", "/planner", None, {"planner"}),
    "workspace.planner_save_zone": ("POST", "/planner/zones", {"zone_id": "Z01", "geojson": ""}, {"planner"}),
    "workspace.planner_standby": ("POST", "/planner/standby", {"mode": "rocket"}, {"planner"}),
    "workspace.planner_download": ("GET", "/planner/zones.geojson", None, {"planner", "dispatcher"}),
    "officer.officer": ("GET", "/officer/E02", None, {"officer-e02", "dispatcher", "planner"}),
    "officer.officer_gpx": ("GET", "/officer/E02/route.gpx", None, {"officer-e02", "dispatcher", "planner"}),
    "api.patrols": ("GET", "/api/patrols", None, {"dispatcher", "planner"}),
    "api.position": ("POST", "/api/patrols/E02/position", {"lon": "x"}, {"dispatcher", "officer-e02"}),
    "api.incidents": ("GET", "/api/incidents?limit=5", None, {"dispatcher", "planner"}),
    "api.report_intake": ("POST", "/api/incidents", {"category": "rocket"}, {"dispatcher"}),
    "api.hotspots": ("GET", "/api/hotspots?days=7", None, {"dispatcher", "planner"}),
    "api.hot_segments_view": ("GET", "/api/hot-segments?days=1", None, {"planner"}),
    "api.blocks": ("GET", "/api/blocks", None, {"dispatcher", "planner"}),
    "api.zones": ("GET", "/api/zones", None, {"dispatcher", "planner"}),
    "api.zone_versions": ("GET", "/api/zones/versions", None, {"dispatcher", "planner"}),
    "api.zone_diff": ("GET", "/api/zones/diff?a=1&b=1", None, {"planner"}),
    "api.recommend_view": ("GET", "/api/recommend?location=104.08,30.69&datum=wgs84", None, {"dispatcher"}),
    "api.dispatches": ("GET", "/api/dispatches", None, {"dispatcher", "planner"}),
    "api.assign_view": ("POST", "/api/dispatches", {}, {"dispatcher"}),
    # an officer may update only their own patrol's dispatches: see test_an_officer_updates_only_their_dispatches
    "api.dispatch_step": ("POST", "/api/dispatches/999999/arrive", {}, {"dispatcher"}),
    "api.route": ("GET", "/api/routes/E02", None, {"officer-e02", "dispatcher", "planner"}),
    "live.events": ("GET", "/api/events?max_s=0", None, {"dispatcher", "planner", "officer-e02"}),
    "live.events_poll": ("GET", "/api/events/poll", None, {"dispatcher", "planner", "officer-e02"}),
    "live.assignment": ("GET", "/api/patrols/E02/assignment", None, {"dispatcher", "officer-e02"}),
    "live.open_reports": ("GET", "/api/open-reports", None, {"dispatcher", "planner"}),
    "admin.audit_page": ("GET", "/admin/audit", None, set()),
    "jobs.list_view": ("GET", "/api/jobs", None, {"dispatcher", "planner"}),
    "jobs.start": ("POST", "/api/jobs", {"kind": "rocket"}, {"planner"}),
    "jobs.show": ("GET", f"/api/jobs/{NO_JOB}", None, {"dispatcher", "planner"}),
    "jobs.cancel": ("POST", f"/api/jobs/{NO_JOB}/cancel", {}, {"planner"}),
    "jobs.file": ("GET", f"/api/jobs/{NO_JOB}/file", None, {"dispatcher", "planner"}),
}
OTHER_OFFICER = {"/officer/E01", "/officer/E01/route.gpx", "/api/routes/E01", "/api/patrols/E01/position",
                 "/api/patrols/E01/assignment"}


def test_every_route_has_a_security_decision(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints == set(MATRIX), f"classify: {endpoints ^ set(MATRIX)}"


def _call(client, method, url, body):
    english = {"Accept-Language": "en"}  # the messages checked below are the English ones
    if method == "GET":
        return client.get(url, headers=english)
    if url.startswith("/api/"):
        return client.post(url, json=body, headers=english)
    return client.post(url, data=body or {}, headers=english)


@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_role_matrix(app, anonymous, endpoint):
    method, url, body, allowed = MATRIX[endpoint]
    first = _call(anonymous, method, url, body)
    if allowed == PUBLIC:
        assert first.status_code < 400, (endpoint, first.status_code)
    else:
        assert first.status_code == (401 if url.startswith("/api/") else 302), endpoint
        if first.status_code == 302:
            assert first.headers["Location"].startswith("/login")
    for username, _, _ in USERS:
        response = _call(signed_in(app, username), method, url, body)
        may = allowed == PUBLIC or username == "admin" or username in allowed
        if may:
            assert response.status_code not in (401, 403) and response.status_code < 500, (endpoint, username,
                                                                                          response.status_code)
        else:
            assert response.status_code == 403, (endpoint, username, response.status_code)
            message = response.get_json()["error"] if url.startswith("/api/") else response.get_data(as_text=True)
            assert "may not" in message or "only their own" in message


@pytest.mark.parametrize("url", sorted(OTHER_OFFICER))
def test_an_officer_reaches_only_their_own_patrol(app, url):
    officer = signed_in(app, "officer-e02")
    response = officer.post(url, json={"lon": 104.07, "lat": 30.69}) if url.endswith("position") else officer.get(url)
    assert response.status_code == 403


def test_an_officer_updates_only_their_dispatches(app):
    dispatcher = signed_in(app, "dispatcher")
    officer = signed_in(app, "officer-e02")
    theirs = dispatcher.post("/api/dispatches", json={"location": "104.0750,30.6900", "datum": "wgs84",
                                                      "patrol_id": "E02"})
    other = dispatcher.post("/api/dispatches", json={"location": "104.0750,30.6900", "datum": "wgs84"})
    assert theirs.status_code == other.status_code == 201 and other.get_json()["patrol_id"] != "E02"
    assert officer.post(f"/api/dispatches/{other.get_json()['dispatch_id']}/arrive").status_code == 403
    assert officer.post(f"/api/dispatches/{theirs.get_json()['dispatch_id']}/arrive").get_json()["status"] == "arrived"
    assert officer.post(f"/api/dispatches/{theirs.get_json()['dispatch_id']}/close").get_json()["status"] == "closed"


def test_csrf_on_every_post(app):  # app: the web instance, signed-in users
    from web.app import create_app

    strict = create_app({"TESTING": True})  # CSRF on, as served
    client = strict.test_client()
    token = client.get("/login").get_data(as_text=True).split("name=csrf_token value='")[1].split("'")[0]
    assert client.post("/login", data={"username": "admin", "password": PASSWORD, "csrf_token": token}).status_code == 302
    posts = [(m, u, b) for m, u, b, _ in MATRIX.values() if m == "POST"]
    assert len(posts) >= 8
    for _, url, body in posts:
        response = _call(client, "POST", url, body)
        assert response.status_code == 400 and "CSRF" in response.get_data(as_text=True), url
    api_token = client.get("/api/csrf").get_json()["csrf_token"]
    accepted = client.post("/api/patrols/E02/position", json={"lon": 104.07, "lat": 30.69},
                           headers={"X-CSRFToken": api_token})
    assert accepted.status_code == 200


def test_upload_size_limit(client):
    huge = "x" * (11 * 1024 * 1024)
    response = client.post("/planner/zones", data={"zone_id": "Z01", "geojson": huge})
    assert response.status_code == 413 and "上传文件过大" in response.get_data(as_text=True)  # the city's language
    response = client.post("/planner/zones", data={"zone_id": "Z01", "geojson": huge}, headers={"Accept-Language": "en"})
    assert response.status_code == 413 and "large" in response.get_data(as_text=True).lower()
    api = client.post("/api/patrols/E02/position", data=huge, content_type="application/json")
    assert api.status_code == 413 and api.get_json()["error"]


def test_no_secret_in_the_repository():
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    assert not [f for f in tracked if "secret" in Path(f).name.lower() or f.endswith((".pem", ".key", ".sqlite"))]
    for path in (ROOT / "web").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "SECRET_KEY=" not in text.replace(" ", "") or "secret_key()" in text, path


def test_download_names_stay_in_their_folder(client):
    from planner.patrols import PATROL_ID

    for bad in ("../etc/passwd", "a/b", "..", "x" * 33, "E02\n"):
        assert not PATROL_ID.fullmatch(bad), bad
    gpx = client.get("/officer/E02/route.gpx")
    assert 'filename=E02-route.gpx' in gpx.headers["Content-Disposition"]
    zones = client.get("/planner/zones.gpkg?version=1")
    assert "filename=chengdu-zones-v1.gpkg" in zones.headers["Content-Disposition"]
    assert client.get("/vendor/leaflet/..%2f..%2f..%2fsetup.cfg").status_code == 404
    assert client.get("/vendor/leaflet-draw/../package.json").status_code == 404


@pytest.mark.parametrize("next_url", ["/\t/evil.example/", "//evil.example/", "/\\evil.example", "\\\\evil.example",
                                      "https://evil.example/", "javascript:alert(1)", "/\r\nSet-Cookie: x=1",
                                      "/\n/evil.example", " //evil.example", "http:/evil.example", ""])
def test_sign_in_never_redirects_off_the_app(app, next_url):
    client = app.test_client()
    response = client.post("/login", data={"username": "planner", "password": PASSWORD, "next": next_url})
    assert response.status_code == 302 and response.headers["Location"] == "/", (next_url, response.headers["Location"])
    assert "Set-Cookie: x" not in str(response.headers)


def test_sign_in_keeps_a_path_of_the_app(app):
    response = app.test_client().post("/login", data={"username": "planner", "password": PASSWORD,
                                                       "next": "/planner?version=1&lang=en"})
    assert response.status_code == 302 and response.headers["Location"] == "/planner?version=1&lang=en"


@pytest.mark.parametrize("url", ["/vendor/leaflet/leaflet.js%00.png", "/vendor/leaflet/%0d%0a.js",
                                 "/vendor/leaflet/..%2f..%2fsetup.cfg", "/login?next=%2F%0D%0ASet-Cookie:%20x=1"])
def test_odd_requests_get_a_4xx_or_a_page_never_a_500(anonymous, url):
    response = anonymous.get(url)
    assert response.status_code < 500 and response.status_code in (200, 404), (url, response.status_code)


@pytest.mark.parametrize("url", ["/", "/login", "/dispatcher", "/planner", "/officer/E02", "/api/patrols",
                                 "/vendor/leaflet/leaflet.js", "/no-such-page"])
def test_security_headers_on_every_response(client, url):
    response = client.get(url)
    policy = response.headers.get("Content-Security-Policy", "")
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy and "http" not in policy, url
    assert response.headers["X-Frame-Options"] == "DENY" and response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_a_locked_database_answers_503_in_one_line(app, web_instance):
    """Another process holds the database: a write waits (5 s busy timeout), then says so; never a 500."""
    import sqlite3

    dispatcher = signed_in(app, "dispatcher")
    blocker = sqlite3.connect(web_instance / "patrol.sqlite", timeout=1)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        response = dispatcher.post("/api/patrols/E02/position", json={"lon": 104.07, "lat": 30.69,
                                                                                         "datum": "wgs84"})
    finally:
        blocker.rollback()
        blocker.close()
    assert response.status_code == 503 and "locked, read-only or unreachable" in response.get_json()["error"]


def test_a_copied_cookie_stops_working_at_sign_out(app):
    user = signed_in(app, "dispatcher")
    cookie = user.get_cookie("session")
    assert cookie is not None and user.get("/api/patrols").status_code == 200
    thief = app.test_client()
    thief.set_cookie("session", cookie.value)
    assert thief.get("/api/patrols").status_code == 200  # a copy works while the session lives
    assert user.post("/logout").status_code == 302
    assert thief.get("/api/patrols").status_code == 401  # ended on the server, not only in one browser


def test_sessions_end_after_idle_time_and_lifetime(app):
    from datetime import timedelta

    from planner.clock import utc_now
    from planner.sign_in import IDLE_S, LIFETIME_S, check_session, open_session, revoke_user_sessions
    from web.resources import get_resources

    store = get_resources(app).store
    start = utc_now()
    token = open_session(store, 4242, now=start)
    assert check_session(store, token, now=start + timedelta(seconds=IDLE_S - 60)) == 4242  # used: idle clock restarts
    assert check_session(store, token, now=start + timedelta(seconds=2 * IDLE_S - 120)) == 4242
    assert check_session(store, token, now=start + timedelta(seconds=LIFETIME_S + 1)) is None  # too old
    idle = open_session(store, 4242, now=start)
    assert check_session(store, idle, now=start + timedelta(seconds=IDLE_S + 1)) is None  # idle too long
    live = open_session(store, 4242)
    assert revoke_user_sessions(store, 4242) >= 1 and check_session(store, live) is None


def test_password_guessing_is_throttled_and_an_admin_can_unlock(app):
    from click.testing import CliRunner

    from cli.main import cli
    from planner.users import add_user
    from web.resources import get_resources

    add_user(get_resources(app).store, "chengdu", "guess-target", "planner", password=PASSWORD)
    client = app.test_client()
    answers = [client.post("/login", data={"username": "guess-target", "password": f"wrong guess {n}"}).status_code
               for n in range(6)]
    assert answers == [401] * 5 + [429]
    right = client.post("/login", data={"username": "guess-target", "password": PASSWORD})
    assert right.status_code == 429 and "too many failed sign-ins" in right.get_data(as_text=True)  # locked even so
    assert signed_in(app, "planner").get("/api/jobs").status_code == 200  # other accounts are not locked
    result = CliRunner().invoke(cli, ["users", "unlock", "guess-target", "--json"])
    assert result.exit_code == 0 and '"unlocked": true' in result.output
    assert client.post("/login", data={"username": "guess-target", "password": PASSWORD}).status_code == 302


def test_behind_https_cookies_are_secure(web_instance, monkeypatch):
    from tests.conftest import point_instance
    from web.app import create_app

    point_instance(monkeypatch, web_instance)
    monkeypatch.setenv("PATROL_HTTPS", "1")
    secure = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})
    response = secure.test_client().post("/login", data={"username": "planner", "password": PASSWORD})
    assert response.status_code == 302 and "Secure" in response.headers["Set-Cookie"]
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_a_printed_demo_password_is_changed_at_first_sign_in_outside_the_demo(app):
    from planner.users import add_user
    from web.resources import get_resources

    add_user(get_resources(app).store, "chengdu", "new-planner", "planner", password="printed once 7", must_change=True)
    client = app.test_client()
    assert client.post("/login", data={"username": "new-planner", "password": "printed once 7"}).status_code == 302
    assert client.get("/planner").headers["Location"].endswith("/password")
    assert client.get("/api/jobs").status_code == 403 and "change your printed password" in client.get("/api/jobs").get_json()["error"]
    form = {"old_password": "printed once 7", "new_password": "password123", "repeat_password": "password123"}
    assert client.post("/password", data=form).status_code == 400  # the policy holds here too
    form |= {"new_password": "my own river 88", "repeat_password": "my own river 88"}
    assert client.post("/password", data=form).headers["Location"].endswith("/login")
    assert client.get("/api/jobs").status_code == 401  # every session ended
    fresh = app.test_client()
    assert fresh.post("/login", data={"username": "new-planner", "password": "my own river 88"}).status_code == 302
    assert fresh.get("/api/jobs").status_code == 200
    app.config["DEMO"] = True  # in the demo, printed passwords may stay
    try:
        add_user(get_resources(app).store, "chengdu", "demo-planner", "planner", password="printed twice 8", must_change=True)
        demo = app.test_client()
        demo.post("/login", data={"username": "demo-planner", "password": "printed twice 8"})
        assert demo.get("/api/jobs").status_code == 200
    finally:
        app.config["DEMO"] = False


def test_behind_a_trusted_proxy_throttling_counts_each_client(web_instance, monkeypatch):
    """With PATROL_PROXIES=1 the client's address comes from X-Forwarded-For: one guessing client is locked,
    another behind the same proxy is not. Without it, the header is ignored (a client cannot choose its key)."""
    from tests.conftest import point_instance
    from web.app import create_app

    point_instance(monkeypatch, web_instance)
    monkeypatch.setenv("PATROL_PROXIES", "1")
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})
    client = app.test_client()
    guesser = {"X-Forwarded-For": "203.0.113.9"}
    answers = [client.post("/login", headers=guesser, data={"username": f"nobody-{n}", "password": "wrong guess 1"})
               .status_code for n in range(21)]
    assert answers[-1] == 429 and answers[:20] == [401] * 20  # the address is locked after 20 failures
    other = client.post("/login", headers={"X-Forwarded-For": "198.51.100.4"},
                        data={"username": "planner", "password": PASSWORD})
    assert other.status_code == 302
    monkeypatch.delenv("PATROL_PROXIES")
    direct = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False}).test_client()
    assert direct.post("/login", headers=guesser, data={"username": "planner", "password": PASSWORD}).status_code == 302


def test_json_answers_are_strict_json():
    """NaN and Infinity (a zone nobody reaches has an infinite worst case) are null in every JSON answer."""
    import json

    from web.app import StrictJSONProvider, create_app

    app = create_app({"TESTING": True})
    assert isinstance(app.json, StrictJSONProvider)
    text = app.json.dumps({"worst_case_s": float("inf"), "gap": float("nan"), "rows": [1.5, float("-inf")]})

    def refuse(word):
        raise AssertionError(word)

    assert json.loads(text, parse_constant=refuse) == {"worst_case_s": None, "gap": None, "rows": [1.5, None]}
