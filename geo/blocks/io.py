"""Writing key-block files (GeoJSON, GeoPackage layer ``key_blocks``) in WGS-84; they are read with the
shared polygon reader ``geo.polygons.read_polygon_file``."""

from pathlib import Path

import geopandas as gpd

from geo.blocks.model import COLUMNS
from geo.polygons import write_polygon_file

__all__ = ["write_blocks_file"]


def write_blocks_file(blocks_gdf: gpd.GeoDataFrame, path: str | Path, *, extra_columns=()) -> Path:
    """Write key blocks (EPSG:4326) to GeoJSON or GeoPackage (layer ``key_blocks``)."""
    columns = [c for c in COLUMNS if c != "geometry"] + list(extra_columns)
    return write_polygon_file(blocks_gdf[columns + ["geometry"]], path, layer="key_blocks")
