"""The key-block data model: kinds, fields and defaults.

A key block is an area a squadron patrols and is assessed on. Blocks travel as a GeoDataFrame
(``blocks_gdf``) in WGS-84 (EPSG:4326) with the columns of :data:`COLUMNS`.
"""

from typing import Final

import geopandas as gpd

__all__ = ["COLUMNS", "KINDS", "KIND_ALIASES", "KIND_DEFAULTS", "REQUIRED", "empty_blocks_gdf", "normalize_kind"]

KINDS: Final = (
    "market",
    "commercial_street",
    "school_surroundings",
    "residential_community",
    "transit_hub",
    "other",
)
# Chinese and English spellings a planner may type in a file.
KIND_ALIASES: Final = {
    "市场": "market", "农贸市场": "market", "菜市场": "market",
    "商业街": "commercial_street", "商业街区": "commercial_street", "commercial street": "commercial_street",
    "commercial": "commercial_street",
    "校园周边": "school_surroundings", "学校周边": "school_surroundings", "school": "school_surroundings",
    "school surroundings": "school_surroundings",
    "居民小区": "residential_community", "小区": "residential_community", "社区": "residential_community",
    "residential community": "residential_community", "residential": "residential_community",
    "交通枢纽": "transit_hub", "transit hub": "transit_hub", "station": "transit_hub",
    "其他": "other",
}
# Per kind: priority weight (relative) and required visits per shift.
KIND_DEFAULTS: Final = {
    "market": {"priority": 2.0, "visits_per_shift": 2},
    "commercial_street": {"priority": 2.0, "visits_per_shift": 2},
    "school_surroundings": {"priority": 3.0, "visits_per_shift": 2},
    "residential_community": {"priority": 1.0, "visits_per_shift": 1},
    "transit_hub": {"priority": 2.0, "visits_per_shift": 1},
    "other": {"priority": 1.0, "visits_per_shift": 1},
}
REQUIRED: Final = ("id", "name", "kind")
COLUMNS: Final = ("id", "name", "kind", "priority", "squadron", "visits_per_shift", "source", "geometry")


def normalize_kind(value) -> str | None:
    """Return the canonical kind of ``value`` (English or Chinese spelling), or None if unknown."""
    if value is None:
        return None
    text = str(value).strip()
    lowered = text.lower().replace("-", "_")
    if lowered in KINDS:
        return lowered
    return KIND_ALIASES.get(text) or KIND_ALIASES.get(text.lower())


def empty_blocks_gdf() -> gpd.GeoDataFrame:
    """An empty blocks GeoDataFrame with every column, in EPSG:4326."""
    return gpd.GeoDataFrame({c: [] for c in COLUMNS if c != "geometry"}, geometry=[], crs="EPSG:4326")
