"""Property-based tests (Hypothesis) of what users upload: incident CSVs with random cells and zone
polygons with random vertices. Every row is either stored or reported (never lost silently), every
bad polygon is refused with a ZoneError naming it, and nothing raises anything else."""

import csv
import json
import tempfile
from pathlib import Path

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.blocks.store import derive_city_blocks
from planner.incidents import IncidentFileError, IncidentPlacer, import_incidents
from planner.store import Store
from planner.zones import PlanZone, ZoneError, assign_segments, read_zone_file, redraw_zone

pytestmark = pytest.mark.slow
FIXTURES = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
cells = st.one_of(st.text(max_size=15), st.sampled_from(["", "stray_dog", "流浪狗", "2026-11-01 07:30", "104.0657",
                                                         "30.6598", "nan", "inf", "-1e400", "gcj02", "解放路"]))
row = st.fixed_dictionaries({c: cells for c in ("id", "category", "reported_at", "lon", "lat", "address", "datum")})


@pytest.fixture(scope="module")
def placer(chengdu):
    return IncidentPlacer(chengdu, derive_city_blocks(chengdu))


@FIXTURES
@given(st.lists(row, min_size=1, max_size=8))
def test_every_csv_row_is_stored_or_reported(placer, rows):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "incidents.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        store = Store(f"sqlite:///{Path(folder) / 'test.sqlite'}")
        try:
            report = import_incidents(store, placer, path)
        except IncidentFileError as error:  # only file-level problems (e.g. a cell with a line break)
            assert str(path) in str(error)
            return
        invalid = {p["row"] for p in report.problems}
        assert report.stored + len(report.duplicates) + len(invalid) == report.rows
        assert all(p["field"] and p["reason"] for p in report.problems)
        store.engine.dispose()


@pytest.fixture(scope="module")
def halves(chengdu):
    """A two-zone plan: the city's west and east halves."""
    minx, miny, maxx, maxy = chengdu.jurisdiction.bounds
    middle = (minx + maxx) / 2
    return assign_segments(chengdu, [PlanZone("W", "west", [], np.empty(0, np.int64), shapely.box(minx - 0.01, miny - 0.01, middle, maxy + 0.01)),
                                     PlanZone("E", "east", [], np.empty(0, np.int64), shapely.box(middle, miny - 0.01, maxx + 0.01, maxy + 0.01))])


around_chengdu = st.tuples(st.floats(103.9, 104.3), st.floats(30.5, 30.8))
anywhere = st.tuples(st.floats(-200, 200, allow_nan=False), st.floats(-100, 100, allow_nan=False))
rings = st.lists(st.one_of(around_chengdu, around_chengdu, anywhere), min_size=0, max_size=8)


@FIXTURES
@given(rings)
def test_a_drawn_zone_is_saved_whole_or_refused(chengdu, halves, ring):
    try:
        polygon = shapely.Polygon(ring)
    except (ValueError, shapely.errors.GEOSException):
        polygon = shapely.Polygon()
    try:
        plan = redraw_zone(chengdu, halves, "W", polygon)
    except ZoneError as error:
        assert "zone W" in str(error)
        return
    owners = np.concatenate([z.segments for z in plan.zones])
    before = np.concatenate([z.segments for z in halves.zones])
    assert len(owners) == len(set(owners.tolist())) and set(owners.tolist()) == set(before.tolist())


@FIXTURES
@given(st.lists(st.tuples(st.one_of(st.none(), st.text(max_size=4), st.just("Z1")), rings), min_size=1, max_size=4))
def test_a_zone_file_is_imported_whole_or_refused(chengdu, features):
    data = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"zone_id": zone_id},
         "geometry": {"type": "Polygon", "coordinates": [[list(p) for p in ring] + ([list(ring[0])] if ring else [])]}}
        for zone_id, ring in features]}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "zones.geojson"
        path.write_text(json.dumps(data), encoding="utf-8")
        try:
            plan = read_zone_file(chengdu, path)
        except ZoneError as error:
            assert str(path) in str(error)
            return
    assert len(plan.zones) == len(features)
    assert all(z.polygon.is_valid and z.zone_id for z in plan.zones)
