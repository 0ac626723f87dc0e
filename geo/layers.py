"""A bureau's own street centrelines (GeoPackage, shapefile, FlatGeobuf) as an OSM file for the builder.

A line layer becomes OSM nodes and ways so that it goes through the same build as any OSM extract
(modes, speeds, one-ways, clipping, connectivity). What is read from each line:

- the geometry, in the layer's CRS: it must have one (a layer without a CRS is refused, never guessed)
  and pyproj must be able to take it to WGS-84 (a local engineering CRS is refused); units come from
  the CRS, so a CRS in US feet is converted, never read as metres;
- the street class from the first of ``highway``, ``fclass``, ``class``, ``type``, ``road_class``,
  ``kind`` (OSM names kept; common English and Chinese names such as 主干路, 支路, 步行街 mapped;
  anything else ``unclassified``);
- the speed (km/h, or a text such as ``30 mph``) from ``maxspeed``, ``speed``, ``speed_kph``,
  ``speed_limit``; absent: the class default of the city profile;
- one-way from ``oneway`` (yes/1/true/T, -1 for against the drawing direction; Esri-style ``FT``/``TF``
  in ``dir``/``direction`` too);
- the name from ``name``, ``name_zh``, ``street``, ``road_name``.

Lines meet where they share a vertex (coordinates equal to 1 cm): a layer drawn with snapping, as
QGIS and ArcGIS layers are, connects at its intersections.
"""

from pathlib import Path

import numpy as np

from geo.errors import OsmFileError

__all__ = ["LINE_LAYER_SUFFIXES", "is_line_layer", "layer_to_osm"]

LINE_LAYER_SUFFIXES = (".gpkg", ".shp", ".fgb")
CLASS_FIELDS = ("highway", "fclass", "class", "type", "road_class", "kind")
SPEED_FIELDS = ("maxspeed", "speed", "speed_kph", "speed_limit")
ONEWAY_FIELDS = ("oneway", "one_way", "dir", "direction")
NAME_FIELDS = ("name", "name_zh", "street", "road_name")
OSM_CLASSES = {"motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link", "secondary",
               "secondary_link", "tertiary", "tertiary_link", "unclassified", "residential", "living_street",
               "service", "pedestrian", "footway", "path", "cycleway", "steps", "track", "road"}
CLASS_WORDS = {  # a bureau's own class names -> OSM highway
    "高速": "motorway", "高速公路": "motorway", "快速路": "trunk", "国道": "trunk", "主干路": "primary",
    "主干道": "primary", "省道": "primary", "次干路": "secondary", "次干道": "secondary", "县道": "tertiary",
    "乡道": "unclassified", "支路": "residential", "街巷": "residential", "小区路": "service", "步行街": "pedestrian",
    "人行道": "footway", "motorway": "motorway", "freeway": "motorway", "expressway": "trunk", "highway": "trunk",
    "arterial": "primary", "major": "primary", "collector": "secondary", "minor": "tertiary", "local": "residential",
    "street": "residential", "alley": "service", "lane": "service", "walkway": "footway", "sidewalk": "footway",
    "trail": "path",
}
ONEWAY_FORWARD = {"yes", "1", "true", "t", "y", "ft", "forward"}
ONEWAY_BACKWARD = {"-1", "tf", "backward", "reverse"}


def is_line_layer(source: str | Path) -> bool:
    """Is ``source`` a GIS line layer file (by its suffix)?"""
    return str(source).lower().endswith(LINE_LAYER_SUFFIXES)


def _field(columns, candidates) -> str | None:
    lowered = {str(c).lower(): c for c in columns}
    return next((lowered[c] for c in candidates if c in lowered), None)


def _text(value) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    text = str(value).strip()
    return text or None


def _highway(value) -> str:
    text = (_text(value) or "").lower()
    if text in OSM_CLASSES:
        return text
    return CLASS_WORDS.get(text, CLASS_WORDS.get(str(value).strip() if value is not None else "", "unclassified"))


def _speed(value) -> str | None:
    text = _text(value)
    if text is None:
        return None
    try:
        number = float(text)
    except ValueError:
        return text  # e.g. "30 mph": the builder's maxspeed parser reads it
    return None if not 0 < number < 300 else f"{number:g}"


def _oneway(value) -> str | None:
    text = (_text(value) or "").lower()
    if text in ONEWAY_FORWARD:
        return "yes"
    if text in ONEWAY_BACKWARD:
        return "-1"
    return None


def read_layer(path: Path, layer: str | None = None):
    """The layer's lines in WGS-84 (GeoDataFrame) and a description of what was read; OsmFileError
    naming the problem (no CRS, not lines, unreadable) otherwise."""
    import geopandas as gpd
    import pyproj

    try:
        frame = gpd.read_file(path, layer=layer)
    except Exception as exc:  # pyogrio/GDAL errors carry their own message
        raise OsmFileError(f"{path}: cannot read the layer ({str(exc).splitlines()[0][:160]}); "
                           "give a GeoPackage, shapefile or FlatGeobuf of street lines") from None
    if frame.crs is None:
        raise OsmFileError(f"{path}: the layer has no CRS, so its units are unknown; set the CRS "
                           "(QGIS: Layer > Set CRS; shapefile: add the .prj) and build again")
    crs = pyproj.CRS(frame.crs)
    if not (crs.is_geographic or crs.is_projected):
        raise OsmFileError(f"{path}: the layer's CRS {crs.name!r} cannot be measured on the earth "
                           "(an engineering or local CRS); reproject it to a projected CRS first")
    lines = frame[frame.geometry.notna() & frame.geometry.geom_type.isin(["LineString", "MultiLineString"])]
    if lines.empty:
        kinds = ", ".join(sorted(set(frame.geometry.geom_type.dropna()))) or "no geometries"
        raise OsmFileError(f"{path}: the layer has no lines ({kinds}); give the street centrelines")
    unit = crs.axis_info[0].unit_name if crs.axis_info else "unknown"
    try:
        wgs84 = lines.to_crs("EPSG:4326")
    except Exception as exc:
        raise OsmFileError(f"{path}: the layer's CRS {crs.name!r} cannot be taken to WGS-84 ({exc}); "
                           "reproject it first") from None
    bounds = wgs84.total_bounds
    if not (np.all(np.isfinite(bounds)) and -180 <= bounds[0] <= bounds[2] <= 180 and -90 <= bounds[1] <= bounds[3] <= 90):
        raise OsmFileError(f"{path}: the lines fall outside the earth in WGS-84 (bounds {bounds.round(3).tolist()}); "
                           f"is the CRS {crs.name!r} right?")
    description = {"layer_crs": crs.to_string(), "layer_crs_name": crs.name, "layer_unit": unit,
                   "layer_features": int(len(frame)), "layer_lines": int(len(lines)),
                   "fields": {"class": _field(lines.columns, CLASS_FIELDS), "speed": _field(lines.columns, SPEED_FIELDS),
                              "oneway": _field(lines.columns, ONEWAY_FIELDS), "name": _field(lines.columns, NAME_FIELDS)}}
    return wgs84, description


def layer_to_osm(path: str | Path, out_path: str | Path, *, layer: str | None = None) -> dict:
    """Write the street lines of a GIS layer as an OSM file (``out_path``, ``.osm``); return what was read."""
    import osmium

    path, out_path = Path(path), Path(out_path)
    if not path.is_file():
        raise OsmFileError(f"{path}: file does not exist.")
    lines, description = read_layer(path, layer)
    fields = description["fields"]
    node_ids: dict[tuple[int, int], int] = {}
    nodes: list[tuple[int, float, float]] = []
    ways = []
    geometry_column = lines.geometry.name
    for row in lines.to_dict("records"):  # field names as they are ("class" is no attribute name)
        geometry = row[geometry_column]
        parts = geometry.geoms if geometry.geom_type == "MultiLineString" else [geometry]
        tags = {"highway": _highway(row[fields["class"]] if fields["class"] else None)}
        for key, name, convert in (("maxspeed", fields["speed"], _speed), ("oneway", fields["oneway"], _oneway),
                                   ("name", fields["name"], _text)):
            value = convert(row[name]) if name else None
            if value:
                tags[key] = value
        for part in parts:
            refs = []
            for lon, lat in np.asarray(part.coords)[:, :2]:
                key = (int(round(lon * 1e7)), int(round(lat * 1e7)))  # 1 cm: shared vertices are one node
                if key not in node_ids:
                    node_ids[key] = len(nodes) + 1
                    nodes.append((node_ids[key], key[0] / 1e7, key[1] / 1e7))
                if not refs or refs[-1] != node_ids[key]:
                    refs.append(node_ids[key])
            if len(refs) >= 2:
                ways.append((len(ways) + 1, refs, tags))
    if not ways:
        raise OsmFileError(f"{path}: no line in the layer has two distinct points")
    out_path.parent.mkdir(parents=True, exist_ok=True)
    if out_path.exists():
        out_path.unlink()
    with osmium.SimpleWriter(str(out_path)) as writer:
        for node_id, lon, lat in nodes:
            writer.add_node(osmium.osm.mutable.Node(id=node_id, location=osmium.osm.Location(lon, lat), version=1))
        for way_id, refs, tags in ways:
            writer.add_way(osmium.osm.mutable.Way(id=way_id, nodes=refs, tags=tags, version=1))
    classes: dict[str, int] = {}
    for _, _, tags in ways:
        classes[tags["highway"]] = classes.get(tags["highway"], 0) + 1
    return description | {"ways": len(ways), "nodes": len(nodes), "classes": classes}
