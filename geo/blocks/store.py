"""The default key blocks of a built city, derived from its OSM extract and named after streets.

The blocks themselves are kept in the store (``planner.key_blocks``); ``legacy_blocks_path`` names
the GeoPackage where an older instance kept them, imported from there once.
"""

import logging
from pathlib import Path

import geopandas as gpd

from geo import paths
from geo.blocks.derive import UNNAMED_PREFIX, derive_blocks
from geo.blocks.segments import block_segments
from geo.blocks.validate import validate_blocks
from geo.errors import PatrolError

__all__ = ["derive_city_blocks", "legacy_blocks_path", "name_unnamed_after_streets"]

log = logging.getLogger(__name__)


def legacy_blocks_path(city) -> Path:
    """Where an older instance kept the city's key blocks (a GeoPackage, EPSG:4326)."""
    return paths.instance_dir() / "cities" / city.slug / "key_blocks.gpkg"


def derive_city_blocks(city) -> gpd.GeoDataFrame:
    """Derive the default key blocks from the city's OSM extract (validated, not saved)."""
    source = city.report.get("source")
    if not source or not Path(source).is_file():
        raise PatrolError(f"city {city.slug!r}: its OSM source {source!r} is not available to derive key blocks from.")
    derived = derive_blocks(source, city.jurisdiction, city.crs)
    if derived.empty:  # a city without markets, schools or shops: zero blocks is a result
        return derived
    name_unnamed_after_streets(derived, city.router("foot"), chinese=city.profile.language.startswith("zh"))
    blocks_gdf, _ = validate_blocks(derived, city.jurisdiction, city.crs, source="derived key blocks")
    return blocks_gdf


_KIND_SUFFIX = {"market": "市场", "commercial_street": "商业街区", "school_surroundings": "学校周边",
                "transit_hub": "交通枢纽", "residential_community": "小区", "other": "重点区域"}
_KIND_EN = {"market": "market", "commercial_street": "commercial street", "school_surroundings": "school surroundings",
            "transit_hub": "transit hub", "residential_community": "residential community", "other": "key area"}


def name_unnamed_after_streets(blocks_gdf: gpd.GeoDataFrame, router, *, chinese: bool = True) -> None:
    """Name blocks that OSM left unnamed after the named street with most length in them (in place).

    Chinese cities get ``<street>商业街区``; others ``<street> (commercial street)``, and blocks
    near no named street ``Unnamed commercial street``.
    """
    unnamed = blocks_gdf["name"].str.startswith(UNNAMED_PREFIX)
    if not unnamed.any():
        return
    if not chinese:
        for index in blocks_gdf.index[unnamed]:
            blocks_gdf.at[index, "name"] = f"Unnamed {_KIND_EN[blocks_gdf.at[index, 'kind']]}"
    rows = block_segments(blocks_gdf[unnamed], router)
    rows = rows[rows["name"].notna()]
    longest = rows.groupby(["block_id", "name"])["length_in_block_m"].sum().reset_index()
    best = longest.sort_values(["block_id", "length_in_block_m", "name"], ascending=[True, False, True])
    street_of = best.drop_duplicates("block_id").set_index("block_id")["name"].to_dict()
    for index in blocks_gdf.index[unnamed]:
        street = street_of.get(blocks_gdf.at[index, "id"])
        if street:
            kind = blocks_gdf.at[index, "kind"]
            blocks_gdf.at[index, "name"] = f"{street}{_KIND_SUFFIX[kind]}" if chinese else f"{street} ({_KIND_EN[kind]})"
