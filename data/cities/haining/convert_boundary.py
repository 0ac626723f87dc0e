"""Make ``boundary_wgs84.geojson`` from the shared GCJ-02 boundary of Haining (run once).

Usage: python data/cities/haining/convert_boundary.py [path/to/haining_boundary_gcj02.geojson]
Source: DataV.GeoAtlas district boundary, adcode 330481, GCJ-02 (see ../shared/data/README.md).
"""

import json
import sys
from pathlib import Path

from geo import paths
from geo.crs import gcj02_to_wgs84


def _convert(coords):
    if isinstance(coords[0], int | float):
        lon, lat = gcj02_to_wgs84(coords[0], coords[1])
        return [round(lon, 7), round(lat, 7)]
    return [_convert(c) for c in coords]


def convert(source: Path) -> dict:
    """Return the boundary FeatureCollection with every coordinate converted to WGS-84."""
    data = json.loads(source.read_text(encoding="utf-8"))
    for feature in data["features"]:
        feature["geometry"]["coordinates"] = _convert(feature["geometry"]["coordinates"])
        feature["properties"]["datum"] = "geometry WGS-84 (converted from GCJ-02); center and centroid still GCJ-02"
    data["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}
    return data


if __name__ == "__main__":
    src = Path(sys.argv[1]) if len(sys.argv) > 1 else paths.shared_dir() / "data" / "haining_boundary_gcj02.geojson"
    out = Path(__file__).with_name("boundary_wgs84.geojson")
    out.write_text(json.dumps(convert(src), ensure_ascii=False), encoding="utf-8")
    print(f"wrote {out}")
