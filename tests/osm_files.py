"""Small OSM XML files written by the tests (WGS-84 lon/lat near central Chengdu)."""

from pathlib import Path
from xml.sax.saxutils import quoteattr

# A 4 x 3 grid of nodes about 100 m apart, id = 1 + row * 10 + col.
ORIGIN_LON, ORIGIN_LAT = 104.06, 30.66
STEP_DEG = 0.001


def grid_node(row: int, col: int) -> tuple[int, float, float]:
    """Return (id, lon, lat) of a grid node."""
    return 1 + row * 10 + col, ORIGIN_LON + col * STEP_DEG, ORIGIN_LAT + row * STEP_DEG


def write_osm(path: Path, nodes, ways, *, bounds=None) -> Path:
    """Write OSM XML: ``nodes`` as (id, lon, lat[, {tags}]), ``ways`` as (id, [node ids], {tags})."""
    lines = ["<?xml version='1.0' encoding='UTF-8'?>", '<osm version="0.6" generator="tests">']
    if bounds:
        minx, miny, maxx, maxy = bounds
        lines.append(f'<bounds minlat="{miny}" minlon="{minx}" maxlat="{maxy}" maxlon="{maxx}"/>')
    for node_id, lon, lat, *rest in nodes:
        tags = rest[0] if rest else {}
        lines.append(f'<node id="{node_id}" lat="{lat:.7f}" lon="{lon:.7f}">')
        lines.extend(f"<tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items())
        lines.append("</node>")
    for way_id, refs, tags in ways:
        lines.append(f'<way id="{way_id}">')
        lines.extend(f'<nd ref="{ref}"/>' for ref in refs)
        lines.extend(f"<tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items())
        lines.append("</way>")
    lines.append("</osm>")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def small_town(path: Path, **kwargs) -> Path:
    """A small street grid: two-way residential rows, one one-way street, a footway, a building.

    Rows 0..2 are residential streets running east (cols 0..3); columns 0 and 3 connect them.
    Column 1 is a one-way street going north (car and e-bike only that way). Column 2 is a
    footway (foot only). A building outline must never become a street.
    """
    nodes = [grid_node(r, c) for r in range(3) for c in range(4)]
    ids = {(r, c): grid_node(r, c)[0] for r in range(3) for c in range(4)}
    ways = []
    for r in range(3):
        ways.append((100 + r, [ids[(r, c)] for c in range(4)], {"highway": "residential", "name": f"测试{r}路"}))
    ways.append((200, [ids[(r, 0)] for r in range(3)], {"highway": "tertiary", "name": "西边街", "maxspeed": "40"}))
    ways.append((203, [ids[(r, 3)] for r in range(3)], {"highway": "tertiary", "name": "东边街"}))
    ways.append((201, [ids[(r, 1)] for r in range(3)], {"highway": "residential", "oneway": "yes", "name": "单行街"}))
    ways.append((202, [ids[(r, 2)] for r in range(3)], {"highway": "footway"}))
    building = [(900 + i, ORIGIN_LON + dx, ORIGIN_LAT + dy) for i, (dx, dy) in
                enumerate([(0.0003, 0.0003), (0.0006, 0.0003), (0.0006, 0.0006), (0.0003, 0.0006)])]
    nodes += building
    ways.append((300, [900, 901, 902, 903, 900], {"building": "yes"}))
    return write_osm(path, nodes, ways, **kwargs)
