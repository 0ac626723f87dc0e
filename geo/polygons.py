"""Polygon files and polygon checks shared by key blocks and patrol zones.

Files are GeoJSON or GeoPackage (QGIS opens both), read into WGS-84 (EPSG:4326) and written in
WGS-84 with UTF-8 attributes, to a temporary file first and renamed into place, so a failed write
never leaves half a file. The checks say in one line what is wrong with a polygon.
"""

import json
import os
import tempfile
from pathlib import Path
from typing import Final

import geopandas as gpd
import numpy as np
import pyogrio
import shapely

from geo.crs import DATUMS, to_wgs84
from geo.errors import DatumError, PatrolError

__all__ = ["FORMATS", "PolygonFileError", "read_polygon_file", "shape_problem",
           "write_polygon_file"]

FORMATS: Final = {".geojson": "GeoJSON", ".json": "GeoJSON", ".gpkg": "GPKG"}


class PolygonFileError(PatrolError):
    """A polygon file cannot be read or written (missing, unreadable, no CRS, bad format)."""


def _driver(path: Path) -> str:
    """The OGR driver for a file name (GeoJSON or GPKG)."""
    driver = FORMATS.get(path.suffix.lower())
    if driver is None:
        raise PolygonFileError(f"{path}: unsupported format {path.suffix!r}; use one of {', '.join(FORMATS)}.")
    return driver


def read_polygon_file(path: str | Path, *, datum: str = "wgs84") -> gpd.GeoDataFrame:
    """Read a GeoJSON or GeoPackage of polygons into EPSG:4326 (rows keep their file order).

    ``datum`` declares lon/lat digitised on a Chinese map (``gcj02`` for Amap, ``bd09`` for Baidu);
    they are converted to WGS-84. A file with no CRS is accepted only as GeoJSON (WGS-84 by its
    standard); a projected file is reprojected. One-part MultiPolygons read back as Polygons.
    """
    path = Path(path)
    driver = _driver(path)
    if datum not in DATUMS:
        raise DatumError(f"`datum` must be one of {', '.join(DATUMS)}; got {datum!r}.")
    if not path.is_file():
        raise PolygonFileError(f"{path}: file does not exist.")
    try:
        raw = gpd.read_file(path, engine="pyogrio")
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, ValueError, OSError) as exc:
        raise PolygonFileError(f"{path}: cannot read it as {driver}: {exc}") from None
    except shapely.errors.GEOSException as exc:  # a geometry GEOS cannot even build, e.g. a 2-point ring
        raise PolygonFileError(f"{path}: {_unbuildable_feature(path)}cannot build its geometry: {exc}") from None
    if "geometry" not in raw or not isinstance(raw, gpd.GeoDataFrame):
        raise PolygonFileError(f"{path}: has no geometry column.")
    if raw.crs is None:
        if driver != "GeoJSON":
            raise PolygonFileError(f"{path}: has no CRS; save it with one (EPSG:4326 for lon/lat) and import again.")
        raw = raw.set_crs("EPSG:4326")
    if datum != "wgs84":
        if not raw.crs.is_geographic:
            raise PolygonFileError(f"{path}: --datum {datum} applies to lon/lat files, but its CRS is {raw.crs.to_string()}.")
        raw = raw.to_crs("EPSG:4326")
        raw["geometry"] = shapely.transform(raw.geometry.values, lambda xy: np.column_stack(to_wgs84(xy[:, 0], xy[:, 1], datum)))
    elif raw.crs.to_epsg() != 4326:
        raw = raw.to_crs("EPSG:4326")
    raw["geometry"] = [_single_if_one_part(g) for g in raw.geometry]
    return raw


def _unbuildable_feature(path: Path) -> str:
    """'feature N: ' for the first GeoJSON polygon with a ring of fewer than 4 positions, else ''."""
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


def write_polygon_file(frame: gpd.GeoDataFrame, path: str | Path, *, layer: str) -> Path:
    """Write polygons to GeoJSON or GeoPackage (layer ``layer``) in EPSG:4326, atomically."""
    path = Path(path)
    driver = _driver(path)
    if not path.parent.is_dir():
        raise PolygonFileError(f"{path}: folder {path.parent} does not exist.")
    out = frame.to_crs("EPSG:4326")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()
    try:
        options = {"layer": layer} if driver == "GPKG" else {"layer": layer, "COORDINATE_PRECISION": 12}
        out.to_file(tmp, driver=driver, engine="pyogrio", promote_to_multi=True, **options)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def shape_problem(geom) -> str | None:
    """What makes ``geom`` unusable as a lon/lat polygon (WGS-84), in one line; None if nothing.

    Checks, in order: present and non-empty, a Polygon or MultiPolygon, finite coordinates, lon/lat
    in range (with a hint for swapped or projected coordinates). Validity is the caller's rule: key
    blocks repair small faults, zones refuse them.
    """
    if geom is None or geom.is_empty:
        return "geometry is missing or empty"
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        return f"must be a Polygon or MultiPolygon; got {geom.geom_type}"
    coords = shapely.get_coordinates(geom)
    if not np.all(np.isfinite(coords)):
        return "coordinates must be finite numbers"
    lon, lat = coords[:, 0], coords[:, 1]
    if np.any(np.abs(lat) > 90) and np.all(np.abs(lon) <= 90) and np.all(np.abs(lat) <= 180):
        return "coordinates look like lat/lon swapped (latitude out of range): give longitude first"
    if np.any(np.abs(lat) > 90) or np.any(np.abs(lon) > 180):
        return (f"coordinates out of lon/lat range (x {lon.min():.1f}..{lon.max():.1f}, "
                f"y {lat.min():.1f}..{lat.max():.1f}): projected coordinates in a file read as WGS-84?")
    return None
