"""The three lists: key-block visits from recorded tracks, and an assessment computed by hand."""

from datetime import datetime, timedelta

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely

from planner.dispatch import Dispatcher, arrive, assign, close
from planner.lists import assessment, count_visits, responsibility, task_list, track_gaps, who_is_responsible
from planner.patrols import demo_roster, list_patrols, update_position, upsert_patrols
from planner.store import Store
from planner.zone_check import samples_for
from planner.zones import generate_zones, save_version

UTM = pyproj.CRS.from_epsg(32648)
TO_LOCAL = pyproj.Transformer.from_crs("EPSG:4326", UTM, always_xy=True)
T0 = datetime(2026, 11, 27, 1, 0)
# A block 100 m x 100 m (local metres) and a track helper in metres around it.
X0, Y0 = TO_LOCAL.transform(104.07, 30.67)
BLOCK = shapely.box(X0, Y0, X0 + 100, Y0 + 100)
TO_WGS84 = pyproj.Transformer.from_crs(UTM, "EPSG:4326", always_xy=True)


def track(points_m, step_s=60):
    """Fixes at (dx, dy) metres from the block's corner, one every ``step_s`` seconds (None: no fix)."""
    rows = []
    for i, point in enumerate(points_m):
        if point is None:
            continue
        lon, lat = TO_WGS84.transform(X0 + point[0], Y0 + point[1])
        rows.append({"lon": lon, "lat": lat, "at": T0 + timedelta(seconds=i * step_s)})
    return pd.DataFrame(rows)


@pytest.mark.parametrize(
    ("name", "points", "visits", "gaps"),
    [
        ("through the block", [(-60, 50), (-20, 50), (50, 50), (120, 50), (160, 50)], 1, 0),
        ("crossing between two fixes", [(-50, 50), (150, 50), (200, 50)], 1, 0),
        ("along its edge, 5 m out", [(-10, -5), (40, -5), (90, -5), (140, -5)], 1, 0),
        ("outside, 40 m away", [(-10, -40), (40, -40), (90, -40), (140, -40)], 0, 0),
        ("in, out and in again", [(50, 50), (50, 150), (50, 250), (50, 50)], 2, 0),
        ("a gap across the block", [(-60, 50), None, None, None, None, None, None, (160, 50)], 0, 1),
        ("a fix inside between gaps", [(-60, 50)] + [None] * 6 + [(50, 50)] + [None] * 6 + [(160, 50)], 1, 2),
    ],
)
def test_visits_from_tracks(name, points, visits, gaps):
    fixes = track(points)
    counted, found_gaps = count_visits(fixes, BLOCK, TO_LOCAL, max_gap_s=300.0)
    assert counted == visits, name
    assert len(found_gaps) == gaps == len(track_gaps(fixes, 300.0)), name


def test_no_track_counts_nothing():
    assert count_visits(pd.DataFrame(columns=["lon", "lat", "at"]), BLOCK, TO_LOCAL) == (0, [])


@pytest.mark.slow
def test_assessment_by_hand(chengdu, tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'lists.sqlite'}")
    roster = [r for r in demo_roster(chengdu) if r["id"] in ("E01", "F01")]
    for row in roster:
        row["squadron"] = "一中队"
    upsert_patrols(store, chengdu.slug, roster)
    patrols = list_patrols(store, chengdu.slug)
    save_version(store, chengdu, generate_zones(chengdu, patrols, samples_for(chengdu), target_s=1800.0), author="t")
    # One key block of the squadron, visited twice a shift, around E01's base.
    e01 = next(p for p in patrols if p.id == "E01")
    bx, by = TO_LOCAL.transform(e01.base_lon, e01.base_lat)
    polygon = shapely.transform(shapely.box(bx - 60, by - 60, bx + 60, by + 60),
                                lambda xy: np.column_stack(TO_WGS84.transform(xy[:, 0], xy[:, 1])))
    blocks = gpd.GeoDataFrame({"id": ["K1"], "name": ["测试街区"], "kind": ["market"], "priority": [2.0],
                               "squadron": ["一中队"], "visits_per_shift": [2], "source": ["test"]},
                              geometry=[polygon], crs="EPSG:4326")
    # E01 rides into the block once (fixes every minute), F01 reports nothing all day.
    for i, dx in enumerate([-300, -200, -100, 0, 100, 200, 300]):
        lon, lat = TO_WGS84.transform(bx + dx, by)
        update_position(store, chengdu.slug, "E01", lon, lat, at=T0 + timedelta(minutes=i))
    # Two dispatches: one on time (10 min), one late (40 min), one still open.
    dispatcher = Dispatcher(chengdu, None)
    for minutes, category in ((10, "stray_dog"), (40, "stray_dog")):
        rec = dispatcher.recommend(list_patrols(store, chengdu.slug), 104.08, 30.69, category=category, now=T0)
        rec.recommended = "F01"
        rec.candidates = [c for c in rec.candidates if c.patrol_id == "F01"] or rec.candidates[:1]
        rec.candidates[0].patrol_id = "F01"
        logged = assign(store, chengdu, rec, patrol_id="F01", now=T0)
        arrive(store, chengdu, logged.id, at=T0 + timedelta(minutes=minutes))
        close(store, chengdu, logged.id, at=T0 + timedelta(minutes=minutes + 20))
    (row,) = assessment(store, chengdu, blocks, since=T0 - timedelta(hours=1), until=T0 + timedelta(hours=23))
    assert row["squadron"] == "一中队" and row["patrols"] == 2
    assert row["dispatches"] == 2 and row["arrived"] == 2 and row["incidents_closed"] == 2
    assert row["within_target_share"] == 0.5
    assert row["p50_response_s"] == pytest.approx(25 * 60)
    assert row["p95_response_s"] == pytest.approx(10 * 60 + 0.95 * 30 * 60)
    assert row["by_category"]["stray_dog"] == {"dispatches": 2, "arrived": 2, "within_target_share": 0.5}
    assert row["visits_required"] == 2 and row["visits_done"] == 1 and row["visit_completion"] == 0.5
    assert row["missing_tracks"] == ["F01"] and row["track_gaps"] == []
    tasks = task_list(store, chengdu, blocks)
    assert [t["id"] for t in tasks if t["item"] == "key_block"] == ["K1"]
    who = who_is_responsible(store, chengdu, blocks, e01.base_lon, e01.base_lat)
    assert who["squadron"] == "一中队" and who["block_id"] == "K1" and who["patrols"]
    rows = responsibility(store, chengdu, blocks)
    assert {r["squadron"] for r in rows} == {"一中队"}


def test_exported_cells_never_run_as_formulas(tmp_path):
    """Text a spreadsheet would run (=HYPERLINK, +, -, @, tab, CR) stays text in XLSX and CSV."""
    import openpyxl

    from planner.lists import export_frame

    rows = [{"name": '=HYPERLINK("http://evil.example","x")', "note": "+1", "minus": "-2", "at": "@SUM(A1)",
             "tab": "\t=1", "plain": "荷花池", "count": 3, "negative": -4.5, "data": {"a": 1}}]
    frame = export_frame(rows)
    frame.to_excel(tmp_path / "list.xlsx", index=False, engine="openpyxl")
    cells = {c.value: c.data_type for c in openpyxl.load_workbook(tmp_path / "list.xlsx").active[2]}
    assert all(kind != "f" for kind in cells.values())  # no formula cell
    assert "'=HYPERLINK(\"http://evil.example\",\"x\")" in cells and "'+1" in cells and "'@SUM(A1)" in cells
    assert "荷花池" in cells and 3 in cells and -4.5 in cells and '{"a": 1}' in cells
    frame.to_csv(tmp_path / "list.csv", index=False, encoding="utf-8-sig")
    text = (tmp_path / "list.csv").read_text(encoding="utf-8-sig")
    cells = [cell.strip('"') for line in text.splitlines()[1:] for cell in line.split(",")]
    assert "-4.5" in cells  # a number stays a number
    assert not [cell for cell in cells if cell.startswith(("=", "+", "-", "@", "\t")) and cell != "-4.5"]
