"""Redrawing one zone on the map: streets at least half inside join it, the ones it gives up go to a neighbour."""


import numpy as np
import shapely
from shapely.validation import explain_validity

from geo.polygons import shape_problem
from planner.zones.model import PlanZone, ZoneError, ZonePlan, to_local

__all__ = ["redraw_zone"]


EDIT_SLACK_M = 2.0  # a vertex moved by less than this is not an edit (Leaflet rounds to 6 decimals)


def _mostly_inside(segments, region_local) -> np.ndarray:
    """Whether each segment lies at least half inside a metric region."""
    inside = np.zeros(len(segments.length_m))
    if region_local.is_empty:
        return inside > 0
    hits = segments.tree.query(region_local, predicate="intersects")
    inside[hits] = shapely.length(shapely.intersection(segments.geometry_m[hits], region_local))
    return inside >= 0.5 * segments.length_m


def redraw_zone(city, plan: ZonePlan, zone_id: str, polygon, *, offered=None) -> ZonePlan:
    """The plan with one zone redrawn as ``polygon`` (WGS-84), e.g. drawn on the planner's map.

    Streets mostly (>= half their length) inside the drawing join the zone; streets the zone gave up
    go to the other zone whose polygon holds most of them; other zones' polygons lose the drawing.
    ``offered``: the simplified outline the planner started from (``outline.editing_outline``); then
    only what the edit changed moves: the zone keeps its exact streets except those mostly inside the
    area taken out of the outline, and gains those mostly inside the area added to it.
    Raises ZoneError naming the problem (invalid or outside polygon, a zone left empty, streets left
    in no zone: ``error.gap_segments``); the plan is then unchanged.
    """
    target = next((z for z in plan.zones if z.zone_id == zone_id), None)
    if target is None:
        raise ZoneError(f"no zone {zone_id!r} in this version; zones: {', '.join(z.zone_id for z in plan.zones)}")
    shape = shape_problem(polygon)
    if shape:
        raise ZoneError(f"zone {zone_id}: the drawing {shape}")
    if not polygon.is_valid:
        raise ZoneError(f"zone {zone_id}: the drawn polygon is invalid ({explain_validity(polygon)})")
    segments = city.router("foot").segments
    if not polygon.intersects(city.jurisdiction):
        raise ZoneError(f"zone {zone_id}: the drawn polygon lies outside the city")
    local = to_local(polygon, segments)
    if not np.isfinite(shapely.get_coordinates(local)).all():
        raise ZoneError(f"zone {zone_id}: the drawn polygon reaches too far from the city to be measured")
    joining = _mostly_inside(segments, local)
    if not joining.any():
        raise ZoneError(f"zone {zone_id}: the drawn polygon holds no street; draw it over the zone's streets.")
    if offered is not None:
        offered_local = to_local(offered, segments)
        joining = np.zeros(len(segments.length_m), dtype=bool)
        joining[target.segments] = True
        joining &= ~_mostly_inside(segments, offered_local.difference(local.buffer(EDIT_SLACK_M)))
        joining |= _mostly_inside(segments, local.difference(offered_local.buffer(EDIT_SLACK_M)))
    if not joining.any():
        raise ZoneError(f"zone {zone_id}: the drawn polygon holds no street; draw it over the zone's streets.")
    others = [z for z in plan.zones if z.zone_id != zone_id]
    polygons = {z.zone_id: (z.polygon.difference(polygon) if z.polygon is not None else shapely.Polygon()) for z in others}
    released = np.setdiff1d(target.segments, np.flatnonzero(joining))
    share = np.zeros((len(others), len(released)))
    for k, zone in enumerate(others):
        zone_local = to_local(polygons[zone.zone_id], segments)
        share[k] = shapely.length(shapely.intersection(segments.geometry_m[released], zone_local))
    taker = share.argmax(axis=0) if len(others) else np.zeros(len(released), dtype=int)
    gaps = released[(share.max(axis=0) if len(others) else np.zeros(len(released))) <= 0]
    if len(gaps):
        km = float(segments.length_m[gaps].sum() / 1000.0)
        error = ZoneError(f"zone {zone_id}: {km:.2f} km of streets ({len(gaps)} segments) would be in no zone; "
                          "draw the zone so that it keeps them or so that a neighbour's polygon holds them.")
        error.gap_segments = gaps.tolist()
        raise error
    new_zones = []
    for k, zone in enumerate(others):
        kept = zone.segments[~joining[zone.segments]]
        taken = released[(taker == k) & np.isin(released, gaps, invert=True)]
        members = np.union1d(kept, taken).astype(np.int64)
        if len(members) == 0:
            raise ZoneError(f"zone {zone_id}: the drawing takes every street of zone {zone.zone_id}; "
                            "redraw it smaller or merge the zones in a file import.")
        new_zones.append(PlanZone(zone.zone_id, zone.name, list(zone.patrol_ids), members, polygons[zone.zone_id]))
    new_zones.append(PlanZone(zone_id, target.name, list(target.patrol_ids), np.flatnonzero(joining).astype(np.int64),
                              polygon))
    new_zones.sort(key=lambda z: z.zone_id)
    return ZonePlan(new_zones, notes={"redrawn": zone_id})
