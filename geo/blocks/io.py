"""Reading and writing key-block files: GeoJSON and GeoPackage (QGIS opens both).

Files are written in WGS-84 (EPSG:4326) with UTF-8 attributes, to a temporary file first and
renamed into place, so a failed write never leaves half a file.
"""

import os
import tempfile
from pathlib import Path
from typing import Final

import geopandas as gpd
import numpy as np
import pyogrio
import shapely

from geo.blocks.model import COLUMNS
from geo.crs import DATUMS, to_wgs84
from geo.errors import DatumError, PatrolError

__all__ = ["FORMATS", "BlockFileError", "read_blocks_file", "write_blocks_file"]

FORMATS: Final = {".geojson": "GeoJSON", ".json": "GeoJSON", ".gpkg": "GPKG"}


class BlockFileError(PatrolError):
    """A key-block file cannot be read or written (missing, unreadable, no CRS, bad format)."""


def _driver(path: Path) -> str:
    driver = FORMATS.get(path.suffix.lower())
    if driver is None:
        raise BlockFileError(f"{path}: unsupported format {path.suffix!r}; use one of {', '.join(FORMATS)}.")
    return driver


def read_blocks_file(path: str | Path, *, datum: str = "wgs84") -> gpd.GeoDataFrame:
    """Read a GeoJSON or GeoPackage of key blocks into EPSG:4326 (rows keep their file order).

    ``datum`` declares lon/lat digitised on a Chinese map (``gcj02`` for Amap, ``bd09`` for Baidu);
    they are converted to WGS-84. A file with no CRS is accepted only as GeoJSON (WGS-84 by its
    standard); a projected file is reprojected.
    """
    path = Path(path)
    driver = _driver(path)
    if datum not in DATUMS:
        raise DatumError(f"`datum` must be one of {', '.join(DATUMS)}; got {datum!r}.")
    if not path.is_file():
        raise BlockFileError(f"{path}: file does not exist.")
    try:
        raw = gpd.read_file(path, engine="pyogrio")
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, ValueError, OSError) as exc:
        raise BlockFileError(f"{path}: cannot read it as {driver}: {exc}") from None
    except shapely.errors.GEOSException as exc:  # a geometry GEOS cannot even build, e.g. a 2-point ring
        raise BlockFileError(f"{path}: {_unbuildable_feature(path)}cannot build its geometry: {exc}") from None
    if "geometry" not in raw or not isinstance(raw, gpd.GeoDataFrame):
        raise BlockFileError(f"{path}: has no geometry column.")
    if raw.crs is None:
        if driver != "GeoJSON":
            raise BlockFileError(f"{path}: has no CRS; save it with one (EPSG:4326 for lon/lat) and import again.")
        raw = raw.set_crs("EPSG:4326")
    if datum != "wgs84":
        if not raw.crs.is_geographic:
            raise BlockFileError(f"{path}: --datum {datum} applies to lon/lat files, but its CRS is {raw.crs.to_string()}.")
        raw = raw.to_crs("EPSG:4326")
        raw["geometry"] = shapely.transform(raw.geometry.values, lambda xy: np.column_stack(to_wgs84(xy[:, 0], xy[:, 1], datum)))
    elif raw.crs.to_epsg() != 4326:
        raw = raw.to_crs("EPSG:4326")
    raw["geometry"] = [_single_if_one_part(g) for g in raw.geometry]
    return raw


def _unbuildable_feature(path: Path) -> str:
    """'feature N: ' for the first GeoJSON polygon with a ring of fewer than 4 positions, else ''."""
    import json

    try:
        features = json.loads(path.read_text(encoding="utf-8-sig"))["features"]
    except (ValueError, KeyError, TypeError, OSError):
        return ""
    for number, feature in enumerate(features, start=1):
        geometry = (feature or {}).get("geometry") or {}
        polygons = {"Polygon": [geometry.get("coordinates")],
                    "MultiPolygon": geometry.get("coordinates")}.get(geometry.get("type"), [])
        for polygon in polygons or []:
            if any(len(ring or []) < 4 for ring in polygon or []):
                return f"feature {number} has a polygon ring with fewer than 4 positions; "
    return ""


def _single_if_one_part(geom):
    """Files store MultiPolygons (one geometry type per layer); a one-part one reads back as a Polygon."""
    if geom is not None and geom.geom_type == "MultiPolygon" and len(geom.geoms) == 1:
        return geom.geoms[0]
    return geom


def write_blocks_file(blocks_gdf: gpd.GeoDataFrame, path: str | Path, *, extra_columns=()) -> Path:
    """Write key blocks (EPSG:4326) to GeoJSON or GeoPackage (layer ``key_blocks``)."""
    path = Path(path)
    driver = _driver(path)
    if not path.parent.is_dir():
        raise BlockFileError(f"{path}: folder {path.parent} does not exist.")
    columns = [c for c in COLUMNS if c != "geometry"] + list(extra_columns)
    out = blocks_gdf[columns + ["geometry"]].to_crs("EPSG:4326")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()
    try:
        options = {"layer": "key_blocks"} if driver == "GPKG" else {"COORDINATE_PRECISION": 12}
        out.to_file(tmp, driver=driver, engine="pyogrio", promote_to_multi=True, **options)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path
