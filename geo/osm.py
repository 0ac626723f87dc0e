"""Reading OSM extracts: street ways per travel mode, tolerant of nodes missing from the file.

pyosmium (libosmium) reads every format: ``.osm``, ``.osm.bz2``, ``.osm.gz``, ``.osm.pbf``.
Ways are filtered by ``highway`` and access tags per mode and cut into runs of nodes that are
present in the file; ``geo.graph`` turns them into a graph per mode. ``write_mode_xml`` writes a
mode's ways as OSM XML (for osmnx, the reference the tests compare the graphs with).
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import osmium
from shapely.geometry import box

from geo.errors import NoStreetsError, OsmFileError
from geo.profile import ModeProfile

__all__ = ["OSM_SUFFIXES", "StreetExtract", "check_osm_file", "read_streets", "write_mode_xml"]

log = logging.getLogger(__name__)

OSM_SUFFIXES: Final = (".osm", ".osm.bz2", ".osm.gz", ".osm.pbf", ".pbf", ".xml")

# Tags kept on the ways written for osmnx (osmnx keeps those in its useful_tags_way setting).
_KEPT_TAGS: Final = (
    "highway", "name", "name:en", "maxspeed", "oneway", "junction", "lanes", "ref",
    "bridge", "tunnel", "service", "access",
)
_NO_ACCESS: Final = {"no", "private"}
_YES_ACCESS: Final = {"yes", "designated", "permissive"}
# Per mode: the access tags that can open or close a way, most specific first.
_ACCESS_KEYS: Final = {
    "foot": ("foot",),
    "ebike": ("bicycle", "vehicle"),
    "car": ("motorcar", "motor_vehicle", "vehicle"),
}


@dataclass
class Way:
    """One run of consecutive nodes of an OSM way that are all present in the file."""

    way_id: int
    node_ids: list[int]
    tags: dict[str, str]


@dataclass
class StreetExtract:
    """The highway ways of an OSM file, with node locations (WGS-84 lon/lat)."""

    source: str
    bounds: tuple[float, float, float, float] | None  # header box (minx, miny, maxx, maxy) or None
    node_lonlat: dict[int, tuple[float, float]]
    ways: list[Way]
    highway_ways: int = 0
    ways_cut_for_missing_nodes: int = 0
    pieces_dropped_for_missing_nodes: int = 0
    missing_node_refs: int = 0
    counts_by_mode: dict[str, int] = field(default_factory=dict)
    name_tags: dict[str, int] = field(default_factory=dict)  # ways carrying name, name:en, name:zh ...

    def bounding_polygon(self):
        """Return the extract's box (header bounds, else all node extent) as a WGS-84 polygon."""
        if self.bounds is not None:
            return box(*self.bounds)
        lons = [p[0] for p in self.node_lonlat.values()]
        lats = [p[1] for p in self.node_lonlat.values()]
        return box(min(lons), min(lats), max(lons), max(lats))


def check_osm_file(path: str | Path) -> Path:
    """Return ``path`` if it is an existing, non-empty file with a known OSM suffix."""
    path = Path(path)
    name = path.name.lower()
    if not any(name.endswith(suffix) for suffix in OSM_SUFFIXES):
        raise OsmFileError(
            f"{path}: not an OSM file name; expected one of {', '.join(OSM_SUFFIXES)}."
        )
    if not path.exists():
        raise OsmFileError(f"{path}: file does not exist.")
    if not path.is_file():
        raise OsmFileError(f"{path}: not a regular file.")
    if path.stat().st_size == 0:
        raise OsmFileError(f"{path}: file is empty.")
    return path


def _header_bounds(path: Path) -> tuple[float, float, float, float] | None:
    reader = osmium.io.Reader(str(path), osmium.osm.osm_entity_bits.NOTHING)
    try:
        header_box = reader.header().box()
    finally:
        reader.close()
    if not header_box.valid():
        return None
    return (header_box.bottom_left.lon, header_box.bottom_left.lat,
            header_box.top_right.lon, header_box.top_right.lat)


def read_streets(path: str | Path, highways: Iterable[str]) -> StreetExtract:
    """Read the ways tagged ``highway`` with one of ``highways`` from an OSM file.

    Ways referencing nodes missing from the file are cut into runs of present nodes; runs of
    fewer than two nodes are dropped and counted.
    """
    path = check_osm_file(path)
    wanted = set(highways)
    try:
        bounds = _header_bounds(path)
        extract = StreetExtract(source=str(path), bounds=bounds, node_lonlat={}, ways=[])
        # Node locations are stored by libosmium; only highway ways reach Python.
        processor = (
            osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
            .with_locations()
            .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
            .with_filter(osmium.filter.KeyFilter("highway"))
        )
        for obj in processor:
            highway = obj.tags.get("highway")
            if highway not in wanted or obj.tags.get("area") == "yes":
                continue
            extract.highway_ways += 1
            tags = {tag.k: tag.v for tag in obj.tags}
            for key in tags:
                if key == "name" or key.startswith("name:"):
                    extract.name_tags[key] = extract.name_tags.get(key, 0) + 1
            _add_way_runs(extract, obj.id, obj.nodes, tags)
    except RuntimeError as exc:
        raise OsmFileError(f"{path}: cannot read the OSM data (corrupt or truncated file?): {exc}") from None
    if not extract.ways:
        raise NoStreetsError(
            f"{path}: holds no streets (no way tagged highway={'|'.join(sorted(wanted))})."
        )
    return extract


def _add_way_runs(extract: StreetExtract, way_id: int, nodes, tags: dict[str, str]) -> None:
    runs: list[list[int]] = [[]]
    missing = 0
    for node in nodes:
        if node.location.valid():
            extract.node_lonlat[node.ref] = (node.location.lon, node.location.lat)
            runs[-1].append(node.ref)
        else:
            missing += 1
            if runs[-1]:
                runs.append([])
    runs = [run for run in runs if run]
    if missing:
        extract.ways_cut_for_missing_nodes += 1
        extract.missing_node_refs += missing
    kept = [run for run in runs if len(run) >= 2]
    extract.pieces_dropped_for_missing_nodes += len(runs) - len(kept) + (1 if missing and not runs else 0)
    for run in kept:
        extract.ways.append(Way(way_id=way_id, node_ids=run, tags=tags))


def mode_allows(tags: dict[str, str], mode: ModeProfile) -> bool:
    """Return True if ``mode`` may use a way with these OSM tags."""
    if tags.get("highway") not in mode.highways:
        return False
    for key in _ACCESS_KEYS.get(mode.name, ()):
        value = tags.get(key)
        if value in _NO_ACCESS:
            return False
        if value in _YES_ACCESS:
            return True
    return tags.get("access") not in _NO_ACCESS


def mode_tags(tags: dict[str, str], mode: ModeProfile) -> dict[str, str]:
    """Return the tags written for ``mode``: only kept keys, oneway rules applied per mode."""
    out = {k: tags[k] for k in _KEPT_TAGS if k in tags}
    if not mode.respect_oneway:
        out.pop("oneway", None)
        if out.get("junction") == "roundabout":
            out.pop("junction")
    elif mode.name == "ebike" and (
        tags.get("oneway:bicycle") == "no" or tags.get("cycleway", "").startswith("opposite")
    ):
        out["oneway"] = "no"
    return out


def write_mode_xml(extract: StreetExtract, mode: ModeProfile, path: str | Path) -> int:
    """Write the ways ``mode`` may use as OSM XML at ``path``; return how many were written.

    Pieces of a cut way get negative ids (osmnx keys ways by id) and keep the real id in
    the ``osm_way_id`` tag.
    """
    used = [way for way in extract.ways if mode_allows(way.tags, mode)]
    if not used:
        raise NoStreetsError(f"{extract.source}: no street usable by mode {mode.name!r}.")
    seen_ids: set[int] = set()
    node_ids = sorted({n for way in used for n in way.node_ids})
    path = Path(path)
    path.unlink(missing_ok=True)
    with osmium.SimpleWriter(str(path)) as writer:
        for node_id in node_ids:
            lon, lat = extract.node_lonlat[node_id]
            writer.add_node(osmium.osm.mutable.Node(id=node_id, location=osmium.osm.Location(lon, lat)))
        for piece, way in enumerate(used, start=1):
            tags = mode_tags(way.tags, mode)
            way_id = way.way_id
            if way_id in seen_ids:
                tags["osm_way_id"] = str(way.way_id)
                way_id = -piece
            seen_ids.add(way_id)
            writer.add_way(osmium.osm.mutable.Way(id=way_id, nodes=way.node_ids, tags=tags))
    extract.counts_by_mode[mode.name] = len(used)
    return len(used)
