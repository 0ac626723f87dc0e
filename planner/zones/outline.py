"""A zone's outline for editing by hand: few vertices and few parts, while the zone's exact streets stay
behind it (``redraw.redraw_zone(..., offered=...)`` moves only the streets the planner's edit moves).

Generated zones follow their streets: hundreds to thousands of vertices in up to dozens of parts, which no
one can edit vertex by vertex. The outline closes gaps narrower than ``2 x close_m`` (metres), drops holes
and parts under ``min_area_m2``, and simplifies (``tolerance_m``); coordinates WGS-84 in and out.
"""

import shapely

from planner.zones.model import to_local

__all__ = ["editing_outline"]


def editing_outline(polygon, segments, *, close_m: float = 40.0, tolerance_m: float | None = None,
                    min_area_m2: float = 20_000.0):
    """The simplified outline of a zone ``polygon`` (WGS-84) for Leaflet Draw, in WGS-84; ``tolerance_m``
    by default grows with the zone (1/60 of the side of a square of its area, at least 15 m)."""
    if polygon is None or polygon.is_empty:
        return polygon
    local = to_local(polygon, segments)
    closed = local.buffer(close_m, quad_segs=2).buffer(-close_m, quad_segs=2)
    parts = [p for p in getattr(closed, "geoms", [closed]) if p.geom_type == "Polygon" and not p.is_empty]
    largest = max((p.area for p in parts), default=0.0)
    kept = [shapely.Polygon(p.exterior, [r for r in p.interiors if shapely.Polygon(r).area >= min_area_m2])
            for p in parts if p.area >= min(min_area_m2, largest)]
    joined = shapely.union_all(kept)
    tolerance_m = tolerance_m if tolerance_m is not None else max(15.0, joined.area ** 0.5 / 60)
    outline = shapely.simplify(joined, tolerance_m, preserve_topology=True)
    if not outline.is_valid:
        outline = shapely.make_valid(outline)
    return shapely.transform(outline, segments.to_wgs84)
