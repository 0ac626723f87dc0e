"""The key blocks of a city, kept in the store (table ``key_blocks``, geometry WKB in WGS-84).

Every server on one database sees the same blocks. Without any, the blocks of an older instance
(``<instance>/cities/<slug>/key_blocks.gpkg``) are imported once; else the default blocks are derived
from the city's OSM extract (``geo.blocks.derive``) and saved.
"""

import logging
from pathlib import Path

import geopandas as gpd
import shapely
from sqlalchemy import delete, select

from geo.blocks.model import COLUMNS, empty_blocks_gdf
from geo.blocks.store import derive_city_blocks, legacy_blocks_path
from geo.blocks.validate import ValidationReport, find_overlaps, validate_blocks
from geo.polygons import read_polygon_file
from planner.models import KeyBlock

__all__ = ["import_blocks", "load_blocks", "save_blocks"]

log = logging.getLogger(__name__)


def save_blocks(store, city, blocks_gdf: gpd.GeoDataFrame) -> int:
    """Replace the city's key blocks with ``blocks_gdf`` (EPSG:4326) in one transaction; return how many."""
    frame = blocks_gdf.to_crs("EPSG:4326") if blocks_gdf.crs is not None else blocks_gdf
    rows = [
        KeyBlock(city=city.slug, block_id=str(r["id"]), name=str(r["name"]), kind=str(r["kind"]),
                 priority=float(r["priority"]), squadron=None if _missing(r["squadron"]) else str(r["squadron"]),
                 visits_per_shift=int(r["visits_per_shift"]), source=None if _missing(r["source"]) else str(r["source"]),
                 geometry_wkb=shapely.to_wkb(r["geometry"]))
        for r in frame.to_dict("records")
    ]
    with store.session() as session, session.begin():
        session.execute(delete(KeyBlock).where(KeyBlock.city == city.slug))
        session.add_all(rows)
    return len(rows)


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and value != value) or value == ""


def _stored(store, city) -> gpd.GeoDataFrame | None:
    with store.session() as session:
        rows = session.scalars(select(KeyBlock).where(KeyBlock.city == city.slug).order_by(KeyBlock.block_id)).all()
    if not rows:
        return None
    data = {
        "id": [r.block_id for r in rows], "name": [r.name for r in rows], "kind": [r.kind for r in rows],
        "priority": [r.priority for r in rows], "squadron": [r.squadron for r in rows],
        "visits_per_shift": [int(r.visits_per_shift) for r in rows], "source": [r.source for r in rows],
    }
    geometry = shapely.from_wkb([r.geometry_wkb for r in rows])
    return gpd.GeoDataFrame(data, geometry=list(geometry), crs="EPSG:4326")[list(COLUMNS)]


def load_blocks(store, city, *, progress=lambda message: None) -> gpd.GeoDataFrame:
    """The city's key blocks (EPSG:4326): from the store; on first use imported from an older instance's
    file, or derived from OSM, and saved. A city with no key block gets an empty frame (and keeps it)."""
    blocks_gdf = _stored(store, city)
    if blocks_gdf is not None:
        return blocks_gdf
    legacy = legacy_blocks_path(city)
    if legacy.is_file():
        progress(f"importing the key blocks of {city.slug!r} from {legacy} into the store ...")
        blocks_gdf = read_polygon_file(legacy)
    else:
        progress(f"deriving the default key blocks of {city.slug!r} from OpenStreetMap ...")
        blocks_gdf = derive_city_blocks(city)
    if len(blocks_gdf):
        save_blocks(store, city, blocks_gdf)
        return _stored(store, city)
    return empty_blocks_gdf()


def import_blocks(store, city, path: str | Path, *, datum: str = "wgs84", replace: bool = False):
    """Validate a key-block file and merge it into the city's blocks (by id), or replace them all.

    Nothing is stored if the file has any problem. Returns (all blocks, report).
    """
    raw = read_polygon_file(path, datum=datum)
    incoming, report = validate_blocks(raw, city.jurisdiction, city.crs, source=str(path))
    if replace:
        merged = incoming
    else:
        current = load_blocks(store, city)
        kept = current[~current["id"].isin(incoming["id"])]
        merged = gpd.GeoDataFrame(
            [*kept.to_dict("records"), *incoming.to_dict("records")], geometry="geometry", crs="EPSG:4326"
        )
    merged_report = ValidationReport(report.repaired, find_overlaps(merged, city.crs), report.warnings)
    save_blocks(store, city, merged)
    return merged, merged_report
