"""Incidents: per-row validation report, datums, geocoded addresses, snapping, key blocks, dedupe."""

import csv
import json
from datetime import datetime

import pytest
import shapely

from geo.blocks.store import derive_city_blocks
from geo.crs import wgs84_to_gcj02
from geo.geocode import Geocoder
from planner.incidents import (
    IncidentFileError,
    IncidentPlacer,
    import_incidents,
    list_incidents,
    parse_time,
)
from planner.store import Store

pytestmark = pytest.mark.slow
COLUMNS = ["id", "category", "source", "reported_at", "lon", "lat", "address", "datum"]


@pytest.fixture(scope="module")
def blocks(chengdu):
    return derive_city_blocks(chengdu)


@pytest.fixture(scope="module")
def placer(chengdu, blocks):
    geocoder = Geocoder(chengdu.report["source"], chengdu.jurisdiction, chengdu.crs,
                        prefixes=chengdu.profile.address_prefixes)
    return IncidentPlacer(chengdu, blocks, geocoder)


@pytest.fixture
def store(database_url):
    """A fresh store, on SQLite and on PostgreSQL."""
    store = Store(database_url)
    yield store
    store.close()


def write_csv(path, rows, columns=COLUMNS):
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c, "") for c in columns})
    return path


GOOD = {"id": "A1", "category": "stray_dog", "source": "hotline", "reported_at": "2026-11-01 07:30",
        "lon": "104.0657", "lat": "30.6598", "datum": "wgs84"}


def test_every_bad_row_is_reported_and_the_good_ones_stored(tmp_path, store, placer):
    rows = [
        GOOD,
        {**GOOD, "id": "A2", "reported_at": "yesterday morning"},
        {**GOOD, "id": "A3", "lon": "104.0657", "lat": "95"},
        {**GOOD, "id": "A4", "lon": "30.6598", "lat": "104.0657"},
        {**GOOD, "id": "A5", "category": "alien_landing"},
        {**GOOD, "id": "A1"},  # duplicate id in the file
        {**GOOD, "id": "A7", "lon": "121.47", "lat": "31.23"},  # Shanghai: outside the city
        {**GOOD, "id": "A8", "category": "流浪狗", "source": "网格员"},  # Chinese spellings are fine
        {**GOOD, "id": "A9", "lon": "", "lat": "", "address": "解放路农贸市场"},
        {**GOOD, "id": "A10", "lon": "", "lat": "", "address": "火星基地一号"},
        {**GOOD, "id": "A11", "reported_at": ""},
    ]
    report = import_incidents(store, placer, write_csv(tmp_path / "in.csv", rows), datum="wgs84")
    problems = {(p["row"], p["field"]) for p in report.problems}
    assert problems == {(3, "reported_at"), (4, "lon/lat"), (5, "lon/lat"), (6, "category"), (7, "id"),
                        (8, "lon/lat"), (11, "address"), (12, "reported_at")}
    reasons = {p["row"]: p["reason"] for p in report.problems}
    assert "swapped" in reasons[5] and "outside the city" in reasons[8] and "best candidates" in reasons[11]
    assert report.stored == 3 and report.rows == 11
    stored = {i.external_id: i for i in list_incidents(store, "chengdu")}
    assert set(stored) == {"A1", "A8", "A9"}
    assert stored["A8"].category == "stray_dog" and stored["A8"].source == "grid_worker"
    assert stored["A9"].geocode_confidence == 1.0 and stored["A9"].input_datum == "wgs84"


def test_reimport_does_not_duplicate(tmp_path, store, placer):
    path = write_csv(tmp_path / "in.csv", [GOOD, {**GOOD, "id": "B2"}])
    first = import_incidents(store, placer, path, datum="wgs84")
    second = import_incidents(store, placer, path, datum="wgs84")
    assert first.stored == 2 and second.stored == 0
    assert [d["id"] for d in second.duplicates] == ["A1", "B2"]
    assert len(list_incidents(store, "chengdu")) == 2


def test_gcj02_is_converted_and_times_are_utc(tmp_path, store, placer, chengdu):
    gcj = wgs84_to_gcj02(104.0657, 30.6598)
    path = write_csv(tmp_path / "in.csv", [{**GOOD, "lon": gcj[0], "lat": gcj[1], "datum": ""}])
    import_incidents(store, placer, path)  # the city's default datum: GCJ-02
    (incident,) = list_incidents(store, "chengdu")
    assert incident.input_datum == "gcj02"
    assert (incident.lon, incident.lat) == pytest.approx((104.0657, 30.6598), abs=1e-7)
    assert incident.reported_at == datetime(2026, 10, 31, 23, 30)  # 07:30 in Chengdu is 23:30 UTC


def test_snapped_segment_and_block_are_right(placer, chengdu, blocks):
    router = chengdu.router("foot")
    records = [{**GOOD, "id": f"P{i}", "lon": x, "lat": y} for i, (x, y) in enumerate(
        [(104.0657, 30.6598), (104.0810, 30.6943), (104.0714, 30.6981), (104.1000, 30.7000)])]
    ready, problems = placer.validate(records, default_datum="wgs84")
    assert problems == []
    for incident in ready:
        snap = router.snap(incident["lon"], incident["lat"])
        assert incident["snap_distance_m"] == pytest.approx(snap.distance_m)
        point = shapely.Point(incident["lon"], incident["lat"])
        containing = blocks[blocks.geometry.covers(point)]
        if len(containing):
            assert incident["block_id"] == containing.sort_values("priority").iloc[-1]["id"]
        else:
            assert incident["block_id"] is None
    assert any(i["block_id"] for i in ready)


def test_geojson_import(tmp_path, store, placer):
    features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [104.0657, 30.6598]},
                 "properties": {"id": "G1", "category": "street_vending", "reported_at": "2026-11-01T19:00:00+08:00"}},
                {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[104, 30], [104.1, 30.1]]},
                 "properties": {"id": "G2", "category": "street_vending", "reported_at": "2026-11-01T19:00:00+08:00"}}]
    path = tmp_path / "in.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    report = import_incidents(store, placer, path, datum="wgs84")
    assert report.stored == 1 and [(p["row"], p["field"]) for p in report.problems] == [(2, "lon/lat")]


def test_file_level_errors(tmp_path, store, placer):
    with pytest.raises(IncidentFileError, match="missing column.*category"):
        import_incidents(store, placer, write_csv(tmp_path / "a.csv", [GOOD], ["id", "reported_at", "lon", "lat"]))
    with pytest.raises(IncidentFileError, match="does not exist"):
        import_incidents(store, placer, tmp_path / "none.csv")
    (tmp_path / "b.xlsx").write_text("x")
    with pytest.raises(IncidentFileError, match="unsupported format"):
        import_incidents(store, placer, tmp_path / "b.xlsx")
    (tmp_path / "c.csv").write_bytes("category,reported_at,lon,lat\n流浪狗".encode("gbk"))
    with pytest.raises(IncidentFileError, match="not UTF-8"):
        import_incidents(store, placer, tmp_path / "c.csv")


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2026-11-01 08:00", datetime(2026, 11, 1, 0, 0)), ("2026/11/01 08:00", datetime(2026, 11, 1, 0, 0)),
     ("2026-11-01T08:00:00+00:00", datetime(2026, 11, 1, 8, 0)), ("1761955200", datetime(2025, 11, 1, 0, 0))],
)
def test_parse_time(value, expected):
    assert parse_time(value, "Asia/Shanghai") == expected


def test_reverse_gives_the_street_and_the_block(placer, blocks):
    block = blocks[blocks["name"] == "解放路农贸市场"].iloc[0]
    inside = block.geometry.representative_point()
    where = placer.reverse(inside.x, inside.y)
    assert where["block_id"] == block["id"] or blocks[blocks["id"] == where["block_id"]].iloc[0]["priority"] >= block["priority"]
    assert where["street"] and where["street_distance_m"] < 300
