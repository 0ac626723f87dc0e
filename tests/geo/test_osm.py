"""Reading OSM files: formats, ways with missing nodes, files without streets, bad files."""

import bz2
import gzip
import shutil

import osmium
import pytest

from geo.errors import NoStreetsError, OsmFileError
from geo.osm import mode_allows, mode_tags, read_streets
from geo.profile import default_profile
from tests.osm_files import grid_node, small_town, write_osm

PROFILE = default_profile("test")
HIGHWAYS = sorted({h for m in PROFILE.modes.values() for h in m.highways})


def test_reads_the_streets_and_skips_buildings(tmp_path):
    extract = read_streets(small_town(tmp_path / "town.osm"), HIGHWAYS)
    assert extract.highway_ways == 7
    assert {w.way_id for w in extract.ways} == {100, 101, 102, 200, 201, 202, 203}
    assert 900 not in extract.node_lonlat
    assert extract.ways_cut_for_missing_nodes == 0


def test_way_with_missing_nodes_is_cut_into_present_runs(tmp_path):
    nodes = [grid_node(0, c) for c in (0, 1, 3)] + [grid_node(1, c) for c in range(4)]
    ids = [grid_node(0, c)[0] for c in range(4)]
    ways = [
        (1, ids, {"highway": "residential"}),  # node (0,2) missing: runs [0,1] and [3] -> one piece kept
        (2, [grid_node(1, c)[0] for c in range(4)], {"highway": "residential"}),
        (3, [999, 998], {"highway": "residential"}),  # every node missing
    ]
    extract = read_streets(write_osm(tmp_path / "cut.osm", nodes, ways), HIGHWAYS)
    assert extract.ways_cut_for_missing_nodes == 2
    assert extract.missing_node_refs == 3
    assert extract.pieces_dropped_for_missing_nodes == 2  # the lone node (0,3) and way 3
    pieces = [w.node_ids for w in extract.ways if w.way_id == 1]
    assert pieces == [ids[:2]]


def test_file_without_streets_is_a_clear_error(tmp_path):
    nodes = [grid_node(0, c) for c in range(3)]
    path = write_osm(tmp_path / "river.osm", nodes, [(1, [1, 2, 3], {"waterway": "river"})])
    with pytest.raises(NoStreetsError, match="holds no streets"):
        read_streets(path, HIGHWAYS)


@pytest.mark.parametrize("opener", [gzip.open, bz2.open], ids=["gz", "bz2"])
def test_compressed_xml_reads_like_plain(tmp_path, opener):
    plain = small_town(tmp_path / "town.osm")
    suffix = ".osm.gz" if opener is gzip.open else ".osm.bz2"
    packed = tmp_path / f"town{suffix}"
    with plain.open("rb") as src, opener(packed, "wb") as dst:
        shutil.copyfileobj(src, dst)
    a, b = read_streets(plain, HIGHWAYS), read_streets(packed, HIGHWAYS)
    assert [w.node_ids for w in a.ways] == [w.node_ids for w in b.ways]


def test_pbf_reads_like_xml(tmp_path):
    plain = small_town(tmp_path / "town.osm")
    pbf = tmp_path / "town.osm.pbf"
    with osmium.SimpleWriter(str(pbf)) as writer:
        for obj in osmium.FileProcessor(str(plain)):
            writer.add(obj)
    a, b = read_streets(plain, HIGHWAYS), read_streets(pbf, HIGHWAYS)
    assert [(w.way_id, w.node_ids) for w in a.ways] == [(w.way_id, w.node_ids) for w in b.ways]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.osm", None, "does not exist"),
        ("empty.osm", b"", "empty"),
        ("notes.txt", b"hello", "not an OSM file name"),
        ("broken.osm", b"<osm><node id='1' lat='30' lon=", "corrupt or truncated"),
        ("broken.osm.pbf", b"\x00\x00\x00\x0dnot a pbf at all", "corrupt or truncated"),
    ],
)
def test_bad_files_are_named(tmp_path, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(OsmFileError, match=message) as info:
        read_streets(path, HIGHWAYS)
    assert name in str(info.value)


def test_truncated_real_pbf_is_an_error(tmp_path):
    from geo import paths

    real = paths.shared_dir() / "osm" / "chengdu-center-2018.osm.pbf"
    cut = tmp_path / "cut.osm.pbf"
    cut.write_bytes(real.read_bytes()[: real.stat().st_size // 2])
    with pytest.raises(OsmFileError, match="corrupt or truncated"):
        read_streets(cut, HIGHWAYS)


def test_access_rules_per_mode():
    foot, ebike, car = (PROFILE.mode(m) for m in ("foot", "ebike", "car"))
    assert mode_allows({"highway": "footway"}, foot) and not mode_allows({"highway": "footway"}, car)
    assert not mode_allows({"highway": "residential", "access": "private"}, car)
    assert mode_allows({"highway": "residential", "access": "private", "foot": "yes"}, foot)
    assert not mode_allows({"highway": "primary", "foot": "no"}, foot)
    assert not mode_allows({"highway": "motorway"}, foot)
    assert not mode_allows({"highway": "residential", "bicycle": "no"}, ebike)


def test_oneway_tags_per_mode():
    foot, ebike, car = (PROFILE.mode(m) for m in ("foot", "ebike", "car"))
    tags = {"highway": "residential", "oneway": "yes", "oneway:bicycle": "no", "junction": "roundabout"}
    assert "oneway" not in mode_tags(tags, foot)
    assert mode_tags(tags, ebike)["oneway"] == "no"
    assert mode_tags(tags, car)["oneway"] == "yes"
