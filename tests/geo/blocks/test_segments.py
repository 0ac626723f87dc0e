"""Street segments per key block against a brute-force computation over every segment."""

import pytest
import shapely

from geo.blocks.segments import block_segments, block_street_km
from geo.blocks.store import derive_city_blocks

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def chengdu_blocks(chengdu):
    return derive_city_blocks(chengdu)


@pytest.mark.parametrize("mode", ["foot", "car"])
def test_segments_match_brute_force(chengdu, chengdu_blocks, mode):
    router = chengdu.router(mode)
    segments = router.segments
    sample = chengdu_blocks.iloc[::12]
    rows = block_segments(sample, router, buffer_m=20.0, min_along_m=30.0)
    for block_id, geometry in zip(sample["id"], sample.to_crs(segments.crs).geometry, strict=True):
        grown = geometry.buffer(20.0)
        expected = set()
        for s in range(len(segments)):
            inside = segments.geometry_m[s].intersection(grown).length
            if inside > 0 and inside >= min(30.0, 0.5 * segments.length_m[s]):
                expected.add(s)
        assert set(rows.loc[rows["block_id"] == block_id, "segment"]) == expected, block_id


def test_street_km_and_membership(chengdu, chengdu_blocks):
    router = chengdu.router("foot")
    rows = block_segments(chengdu_blocks, router)
    km = block_street_km(chengdu_blocks, router)
    assert set(km) == set(chengdu_blocks["id"])
    assert sum(km.values()) == pytest.approx(rows["length_in_block_m"].sum() / 1000.0)
    assert (rows["length_in_block_m"] <= rows["segment_length_m"] + 1e-6).all()
    # Each segment knows its blocks; a segment can belong to several (overlapping blocks).
    per_segment = rows.groupby("segment")["block_id"].apply(set)
    assert per_segment.map(len).max() >= 1
    busiest = max(km, key=km.get)
    assert km[busiest] > 1.0
    # A bigger buffer never loses a segment.
    wider = block_segments(chengdu_blocks, router, buffer_m=40.0)
    assert set(zip(rows["block_id"], rows["segment"], strict=True)) <= set(
        zip(wider["block_id"], wider["segment"], strict=True))
    geometry = router.segments.geometry_m[rows["segment"].iloc[0]]
    assert isinstance(geometry, shapely.LineString)
