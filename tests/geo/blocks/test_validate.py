"""Key-block validation: the named bad geometries, fields, and reporting every problem at once."""

import pyproj
import pytest
from shapely.geometry import box

from geo.blocks.validate import BlockValidationError, blocks_from_records, validate_blocks
from tests.geo.blocks import catalogue

CITY = box(104.0421, 30.6528, 104.1296, 30.7279)
UTM = pyproj.CRS.from_epsg(32648)


def block(geometry, **fields):
    return {"id": "B1", "name": "春熙路商圈", "kind": "commercial_street", **fields, "geometry": geometry}


def validate(records):
    return validate_blocks(blocks_from_records(records), CITY, UTM, source="test.geojson")


@pytest.mark.parametrize("name", sorted(catalogue.VALID))
def test_valid_geometries_pass_unchanged(name):
    geometry = catalogue.VALID[name]
    blocks_gdf, report = validate([block(geometry)])
    assert blocks_gdf.geometry.iloc[0].equals(geometry)
    assert report.repaired == [] and report.warnings == []


def test_spike_is_repaired_and_reported():
    blocks_gdf, report = validate([block(catalogue.SPIKE)])
    fixed = blocks_gdf.geometry.iloc[0]
    assert fixed.is_valid and fixed.area == pytest.approx(catalogue.SQUARE.area, rel=1e-6)
    assert report.repaired[0]["id"] == "B1" and "repaired invalid polygon" in report.repaired[0]["note"]


@pytest.mark.parametrize("name", sorted(catalogue.REJECTED))
def test_bad_geometries_name_the_block_and_the_problem(name):
    geometry, message = catalogue.REJECTED[name]
    with pytest.raises(BlockValidationError) as info:
        validate([block(geometry, id=f"bad-{name}")])
    (problem,) = info.value.problems
    assert problem["id"] == f"bad-{name}" and problem["field"] == "geometry" and problem["row"] == 1
    assert message in problem["problem"]
    assert f"block 'bad-{name}'" in str(info.value)


def test_every_problem_of_a_file_is_reported_at_once():
    records = [
        block(catalogue.SQUARE, id="A"),
        block(catalogue.SQUARE, id="A"),  # duplicate id
        block(catalogue.SQUARE, id="C", name=""),  # missing name
        block(catalogue.SQUARE, id="D", kind="bakery"),  # unknown kind
        block(catalogue.BOW_TIE, id="E"),
        block(catalogue.SQUARE, id="F", priority=-1),
        block(catalogue.SQUARE, id="G", visits_per_shift=1.5),
        {"id": None, "name": "x", "kind": "market", "geometry": catalogue.SQUARE},
    ]
    with pytest.raises(BlockValidationError) as info:
        validate(records)
    found = {(p["row"], p["field"]) for p in info.value.problems}
    assert found == {(2, "id"), (3, "name"), (4, "kind"), (5, "geometry"), (6, "priority"),
                     (7, "visits_per_shift"), (8, "id")}
    assert "nothing imported" in str(info.value)
    assert "also on row 1" in str(info.value)


def test_defaults_and_chinese_kinds():
    blocks_gdf, _ = validate([block(catalogue.SQUARE, kind="校园周边")])
    row = blocks_gdf.iloc[0]
    assert row["kind"] == "school_surroundings" and row["priority"] == 3.0 and row["visits_per_shift"] == 2


def test_overlaps_are_reported_not_rejected():
    shifted = box(catalogue.X0 + catalogue.D / 2, catalogue.Y0, catalogue.X0 + 1.5 * catalogue.D, catalogue.Y0 + catalogue.D)
    blocks_gdf, report = validate([block(catalogue.SQUARE, id="A"), block(shifted, id="B")])
    assert len(blocks_gdf) == 2
    (overlap,) = report.overlaps
    assert overlap["ids"] == ["A", "B"]
    assert 15_000 < overlap["overlap_m2"] < 25_000  # half of a 190 m x 220 m block


def test_partly_outside_is_a_warning():
    straddling = box(104.0400, 30.6600, 104.0440, 30.6620)
    _, report = validate([block(straddling)])
    assert "outside the city" in report.warnings[0]["warning"]
