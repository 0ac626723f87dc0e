"""Default key blocks derived from OpenStreetMap (reproducible; rules below).

| kind                | OSM features                                                    | buffer (m)        |
|---------------------|-----------------------------------------------------------------|-------------------|
| market              | amenity=marketplace (areas; points)                             | 10 (areas), 60    |
| commercial_street   | highway=pedestrian (lines; areas), landuse=retail|commercial,   | 25 (lines), 10    |
|                     | shop=mall|department_store (areas; points)                      | (areas), 60       |
| school_surroundings | amenity=school|kindergarten (areas; points)                     | 100 (areas), 150  |
| transit_hub         | railway=station, public_transport=station, amenity=bus_station  | 100 (points), 30  |

Buffers are in metres in the city's local CRS. Pieces of the same kind that touch or overlap are
merged into one block named after its largest named piece (OSM ``name``, Chinese); blocks are
clipped to the jurisdiction and those under ``min_area_m2`` dropped. Ids are the kind's code and
a number in north-to-south, west-to-east order of the block centroids, so a rebuild from the
same extract gives the same ids.
"""

import logging
from pathlib import Path
from typing import Final

import geopandas as gpd
import networkx as nx
import numpy as np
import osmium
import pyproj
import shapely

from geo.blocks.model import COLUMNS, KIND_DEFAULTS, empty_blocks_gdf
from geo.errors import OsmFileError
from geo.osm import check_osm_file

__all__ = ["KIND_CODES", "UNNAMED_PREFIX", "derive_blocks", "osm_block_pieces"]

log = logging.getLogger(__name__)

KIND_CODES: Final = {
    "market": "MKT", "commercial_street": "COM", "school_surroundings": "SCH",
    "residential_community": "RES", "transit_hub": "TRN", "other": "OTH",
}
UNNAMED_PREFIX: Final = "未命名"  # marks a block OSM left unnamed until it is named after a street
_UNNAMED: Final = {
    "market": "未命名市场", "commercial_street": "未命名商业街区", "school_surroundings": "未命名学校周边",
    "transit_hub": "未命名交通枢纽",
}


def _rule(tags, *, is_area: bool, is_line: bool) -> tuple[str, float] | None:
    """Return (kind, buffer in metres) for an OSM object, or None if it is not a key-block feature."""
    amenity, landuse, shop, highway = tags.get("amenity"), tags.get("landuse"), tags.get("shop"), tags.get("highway")
    if amenity == "marketplace":
        return ("market", 10.0 if is_area else 60.0)
    if highway == "pedestrian" and (is_line or is_area):
        return ("commercial_street", 25.0 if is_line else 10.0)
    if landuse in ("retail", "commercial") and is_area:
        return ("commercial_street", 10.0)
    if shop in ("mall", "department_store"):
        return ("commercial_street", 10.0 if is_area else 60.0)
    if amenity in ("school", "kindergarten"):
        return ("school_surroundings", 100.0 if is_area else 150.0)
    if tags.get("railway") == "station" or tags.get("public_transport") == "station":
        return ("transit_hub", 30.0 if is_area else 100.0)
    if amenity == "bus_station":
        return ("transit_hub", 30.0 if is_area else 80.0)
    return None


def _name(tags) -> str | None:
    for key in ("name", "name:zh", "name:en"):
        if tags.get(key):
            return tags.get(key)
    return None


def osm_block_pieces(path: str | Path) -> list[dict]:
    """Read the OSM features that make key blocks: kind, name, OSM reference, buffer, WGS-84 geometry.

    Areas (closed ways and multipolygon relations) are assembled by libosmium, which needs a file
    sorted by type and id; an unsorted file (a JSON or JOSM export) is read again with closed ways
    as areas and relations left out, and the log says so.
    """
    path = check_osm_file(path)
    try:
        return _read_pieces(path, assemble_areas=True)
    except RuntimeError as exc:
        if "out of order" not in str(exc):
            raise OsmFileError(f"{path}: cannot read the OSM data (corrupt or truncated file?): {exc}") from None
        log.warning("%s is not sorted by id (%s): multipolygon relations are left out of the key blocks; "
                    "sort it with 'osmium sort' to keep them", path, exc)
        return _read_pieces(path, assemble_areas=False)


def _read_pieces(path: Path, *, assemble_areas: bool) -> list[dict]:
    factory = osmium.geom.WKBFactory()
    wanted = osmium.filter.KeyFilter("amenity", "landuse", "shop", "highway", "railway", "public_transport")
    processor = osmium.FileProcessor(str(path)).with_locations()
    if assemble_areas:
        processor = processor.with_areas(wanted)
    pieces = []
    for obj in processor.with_filter(wanted):
        try:
            piece = _piece(obj, factory, assemble_areas=assemble_areas)
        except (osmium.InvalidLocationError, RuntimeError, shapely.errors.ShapelyError, ValueError) as exc:
            log.debug("skipped an OSM object without a usable geometry: %s", exc)
            continue
        if piece is not None:
            pieces.append(piece)
    return pieces


def _piece(obj, factory, *, assemble_areas: bool) -> dict | None:
    """The key-block piece of one OSM object (WGS-84 geometry), or None if it makes none."""
    if obj.is_area():
        rule = _rule(obj.tags, is_area=True, is_line=False)
        if rule is None or (obj.tags.get("highway") == "pedestrian" and obj.tags.get("area") != "yes"):
            return None
        ref = f"{'way' if obj.from_way() else 'relation'}/{obj.orig_id()}"
        geom = shapely.from_wkb(factory.create_multipolygon(obj))
    elif obj.is_way():
        closed = obj.is_closed() and len(obj.nodes) >= 4
        if not assemble_areas and closed and (obj.tags.get("highway") != "pedestrian" or obj.tags.get("area") == "yes"):
            rule = _rule(obj.tags, is_area=True, is_line=False)
            if rule is None:
                return None
            line = shapely.from_wkb(factory.create_linestring(obj))
            geom = shapely.make_valid(shapely.Polygon(line.coords))
        else:
            closed = closed and obj.tags.get("area") == "yes"
            rule = _rule(obj.tags, is_area=False, is_line=not closed)
            if rule is None or obj.tags.get("highway") != "pedestrian" or closed:
                return None
            geom = shapely.from_wkb(factory.create_linestring(obj))
        ref = f"way/{obj.id}"
    elif obj.is_node():
        rule = _rule(obj.tags, is_area=False, is_line=False)
        if rule is None:
            return None
        ref = f"node/{obj.id}"
        geom = shapely.Point(obj.location.lon, obj.location.lat)
    else:
        return None
    kind, buffer_m = rule
    return {"kind": kind, "name": _name(obj.tags), "ref": ref, "buffer_m": buffer_m, "geometry": geom}


def derive_blocks(path: str | Path, jurisdiction, local_crs: pyproj.CRS, *, min_area_m2: float = 1000.0) -> gpd.GeoDataFrame:
    """Derive the default key blocks of a city from its OSM extract (EPSG:4326 result)."""
    pieces = osm_block_pieces(path)
    if not pieces:
        return empty_blocks_gdf()
    raw = gpd.GeoDataFrame(pieces, geometry="geometry", crs="EPSG:4326").to_crs(local_crs)
    raw["geometry"] = raw.geometry.buffer(raw["buffer_m"].to_numpy(), quad_segs=4)
    city = gpd.GeoSeries([jurisdiction], crs="EPSG:4326").to_crs(local_crs).iloc[0]
    blocks = []
    for kind, group in raw.groupby("kind", sort=True):
        blocks.extend(_merge_touching(kind, group.reset_index(drop=True), city, min_area_m2))
    if not blocks:  # every piece was outside the city or too small: zero blocks is a result
        return empty_blocks_gdf()
    blocks_gdf = gpd.GeoDataFrame(blocks, geometry="geometry", crs=local_crs)
    centroids = blocks_gdf.geometry.centroid
    blocks_gdf = blocks_gdf.assign(_y=-centroids.y.round(0), _x=centroids.x.round(0))
    blocks_gdf = blocks_gdf.sort_values(["kind", "_y", "_x", "name"]).drop(columns=["_y", "_x"])
    counters: dict[str, int] = {}
    ids = []
    for kind in blocks_gdf["kind"]:
        counters[kind] = counters.get(kind, 0) + 1
        ids.append(f"{KIND_CODES[kind]}-{counters[kind]:03d}")
    blocks_gdf["id"] = ids
    blocks_gdf["geometry"] = [_as_polygonal(g.intersection(city)) for g in blocks_gdf.geometry.simplify(0.5)]
    blocks_gdf = blocks_gdf[[g is not None for g in blocks_gdf.geometry]]
    return blocks_gdf[list(COLUMNS)].to_crs("EPSG:4326").reset_index(drop=True)


def _merge_touching(kind: str, group: gpd.GeoDataFrame, city, min_area_m2: float) -> list[dict]:
    """Merge pieces of one kind that touch or overlap; clip to the city; drop small blocks."""
    touching = nx.Graph()
    touching.add_nodes_from(range(len(group)))
    left, right = group.sindex.query(group.geometry, predicate="intersects")
    touching.add_edges_from(zip(left.tolist(), right.tolist(), strict=True))
    blocks = []
    for component in nx.connected_components(touching):
        members = group.iloc[sorted(component)]
        geom = shapely.union_all(members.geometry.to_numpy()).intersection(city)
        if geom.is_empty or geom.area < min_area_m2:
            continue
        geom = _as_polygonal(geom)
        if geom is None:
            continue
        named = members[members["name"].notna()]
        if len(named):
            name = named.iloc[int(np.argmax(named.geometry.area.to_numpy()))]["name"]
        else:
            name = _UNNAMED.get(kind, "未命名")
        defaults = KIND_DEFAULTS[kind]
        refs = sorted(members["ref"])
        blocks.append({
            "id": None,
            "name": name,
            "kind": kind,
            "priority": defaults["priority"],
            "squadron": None,
            "visits_per_shift": defaults["visits_per_shift"],
            "source": "osm " + ",".join(refs[:8]) + (f",+{len(refs) - 8}" if len(refs) > 8 else ""),
            "geometry": geom,
        })
    return blocks


def _as_polygonal(geom):
    """Return the polygonal part of ``geom`` (valid), or None if it has none."""
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return None if geom.is_empty else geom
    parts = [g for g in shapely.get_parts(geom) if g.geom_type == "Polygon" and not g.is_empty]
    if not parts:
        return None
    return shapely.MultiPolygon(parts) if len(parts) > 1 else parts[0]
