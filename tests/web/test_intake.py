"""Reports by API: machine clients with API tokens (made, listed, revoked on the command line), idempotent
on the caller's external id, with the file import's validation and per-field errors."""

import pytest
from click.testing import CliRunner

from cli.main import cli
from tests.conftest import instance_at, strict_loads

pytestmark = pytest.mark.slow


def token_command(web_instance, *args):
    with instance_at(web_instance):
        result = CliRunner().invoke(cli, ["tokens", *args, "--json"])
    return result.exit_code, strict_loads(result.stdout) if result.stdout.strip().startswith("{") else result.output


def test_a_machine_client_posts_reports_with_its_token(app, web_instance, client):
    code, made = token_command(web_instance, "add", "hotline-12345")
    assert code == 0 and made["role"] == "intake" and len(made["token"]) >= 40, made
    machine = app.test_client()  # no session, no CSRF token
    auth = {"Authorization": f"Bearer {made['token']}"}
    report = {"external_id": "12345-2026-0001", "lon": 104.0810, "lat": 30.6943, "datum": "wgs84",
              "category": "stray_dog", "reported_at": "2026-12-02T09:30:00+08:00", "description": "一只黄狗"}
    first = machine.post("/api/incidents", json=report, headers=auth)
    assert first.status_code == 201, first.get_json()
    stored = first.get_json()
    assert stored["external_id"] == "12345-2026-0001" and stored["status"] == "open" and stored["source"] == "hotline"
    assert stored["reported_at"] == "2026-12-02T01:30:00Z" and stored["street_name"]
    again = machine.post("/api/incidents", json=report | {"description": "sent twice"}, headers=auth)
    assert again.status_code == 200 and again.get_json()["id"] == stored["id"]  # idempotent: nothing stored twice
    listed = client.get("/api/incidents?limit=100000").get_json()["features"]
    assert sum(f["properties"]["id"] == stored["id"] for f in listed) == 1  # on every dispatcher's console
    by_address = machine.post("/api/incidents", json={"external_id": "12345-2026-0002", "address": "羊子山路68号",
                                                      "category": "street_drying"}, headers=auth)
    assert by_address.status_code == 201 and by_address.get_json()["geocode_match"] == "羊子山路68号"
    code, listing = token_command(web_instance, "list")
    row = next(t for t in listing["tokens"] if t["name"] == "hotline-12345")
    assert row["last_used_at"] and "token" not in row and made["token"] not in str(listing)


def test_bad_tokens_and_bad_reports_get_a_clear_4xx(app, web_instance):
    machine = app.test_client()
    report = {"external_id": "x-1", "lon": 104.0810, "lat": 30.6943, "category": "stray_dog",
              "reported_at": "2026-12-02T09:30:00+08:00"}
    for header, words in (("Bearer not-a-token", "not known"), ("Bearer ", "missing or malformed")):
        answer = machine.post("/api/incidents", json=report, headers={"Authorization": header})
        assert answer.status_code == 401 and words in answer.get_json()["error"], header
    assert machine.post("/api/incidents", json=report).status_code == 401  # neither token nor session
    _, made = token_command(web_instance, "add", "platform")
    auth = {"Authorization": f"Bearer {made['token']}"}
    assert machine.get("/api/patrols", headers=auth).status_code == 403  # an intake token posts reports only
    assert machine.post("/api/dispatches", json={"location": "104.08,30.69"}, headers=auth).status_code == 403
    for body, field in (({**report, "category": "aliens"}, "category"), ({**report, "lon": 204.0}, "lon/lat"),
                        ({**report, "reported_at": "yesterday-ish"}, "reported_at"), ({**report, "colour": "red"}, "colour"),
                        ({**report, "lon": None, "lat": None}, "lon/lat"), ({**report, "description": "x" * 5000},
                                                                            "description")):
        answer = machine.post("/api/incidents", json=body, headers=auth)
        data = answer.get_json()
        assert answer.status_code == 400 and data["field"] == field and data["error"], (body, data)
    assert machine.post("/api/incidents", data="[]", content_type="application/json", headers=auth).status_code == 400
    code, revoked = token_command(web_instance, "revoke", "platform")
    assert code == 0 and revoked["revoked_at"]
    answer = machine.post("/api/incidents", json=report, headers=auth)
    assert answer.status_code == 401 and "revoked" in answer.get_json()["error"]
    assert token_command(web_instance, "add", "platform")[0] == 2  # a name is not reused
    assert token_command(web_instance, "revoke", "nobody")[0] == 2
    assert token_command(web_instance, "add", "bad name!")[0] == 2
