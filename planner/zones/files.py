"""Planners' zone files (GeoJSON, GeoPackage) in and out: polygons to street segments, gaps and overlaps."""

from pathlib import Path

import geopandas as gpd
import numpy as np
import pyproj
import shapely
from shapely.validation import explain_validity

from geo.crs import DATUMS
from geo.polygons import PolygonFileError, read_polygon_file, shape_problem, write_polygon_file
from planner.zones.model import PlanZone, ZoneError, ZonePlan, to_local

__all__ = ["assign_segments", "export_zones", "read_zone_file"]


def read_zone_file(city, path, *, datum: str = "wgs84") -> ZonePlan:
    """Read drawn zones (GeoJSON or GeoPackage polygons with ``zone_id``[, ``name``, ``patrol_ids``]).

    Every problem is reported at once (which feature, which field); the streets are assigned by
    their midpoints; gaps and overlaps are measured in street km.
    """
    if datum not in DATUMS:
        raise ZoneError(f"`datum` must be one of {', '.join(DATUMS)}; got {datum!r}.")
    try:
        raw = read_polygon_file(path, datum=datum)
    except PolygonFileError as exc:
        raise ZoneError(str(exc)) from None
    problems, zones = [], []
    seen = {}
    transformer = pyproj.Transformer.from_crs("EPSG:4326", city.crs, always_xy=True)
    for row, (_, feature) in enumerate(raw.iterrows(), start=1):
        raw_id = feature.get("zone_id")
        zone_id = "" if raw_id is None or (isinstance(raw_id, float) and np.isnan(raw_id)) else str(raw_id).strip()
        geom = feature.geometry
        found = []
        if not zone_id:
            found.append(("zone_id", "required field is missing or empty"))
        elif zone_id in seen:
            found.append(("zone_id", f"duplicate zone_id {zone_id!r} (also feature {seen[zone_id]})"))
        else:
            seen[zone_id] = row
        shape = shape_problem(geom)
        if shape:
            found.append(("geometry", shape))
        elif not geom.is_valid:
            found.append(("geometry", f"invalid polygon ({explain_validity(geom)})"))
        elif not geom.intersects(city.jurisdiction):
            found.append(("geometry", "lies outside the city"))
        elif not np.isfinite(shapely.get_coordinates(shapely.transform(
                geom, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))))).all():
            found.append(("geometry", "reaches too far from the city to be measured"))
        problems.extend({"feature": row, "zone_id": zone_id or None, "field": f, "problem": p} for f, p in found)
        if not found:
            patrols = feature.get("patrol_ids", feature.get("patrol_id"))
            patrols = "" if patrols is None or (isinstance(patrols, float) and np.isnan(patrols)) else str(patrols)
            zones.append(PlanZone(zone_id, str(feature.get("name") or zone_id),
                                  [p.strip() for p in patrols.replace(";", ",").split(",") if p.strip()],
                                  np.empty(0, dtype=np.int64), geom))
    if problems:
        lines = [f"feature {p['feature']} (zone {p['zone_id']!r}) {p['field']}: {p['problem']}" for p in problems]
        error = ZoneError(f"{path}: {len(problems)} problem(s), nothing imported:\n- " + "\n- ".join(lines))
        error.problems = problems
        raise error
    return assign_segments(city, zones)


def assign_segments(city, zones: list[PlanZone], *, overlap_min_m: float = 1.0) -> ZonePlan:
    """Give each foot segment to the zone whose polygon holds most of its length; measure gaps
    (segments in no polygon) and overlaps (street length inside two polygons) in km."""
    segments = city.router("foot").segments
    lengths = segments.length_m
    inside = np.zeros((len(zones), len(segments)))
    for z, zone in enumerate(zones):
        local = to_local(zone.polygon, segments)
        hits = segments.tree.query(local, predicate="intersects")
        inside[z, hits] = shapely.length(shapely.intersection(segments.geometry_m[hits], local))
    best = inside.max(axis=0)
    owner = inside.argmax(axis=0)
    covered = best >= np.minimum(overlap_min_m, 0.5 * lengths)
    for z, zone in enumerate(zones):
        zone.segments = np.flatnonzero(covered & (owner == z))
    overlaps = []
    polygons_m = [to_local(z.polygon, segments) for z in zones]
    for a in range(len(zones)):
        for b in range(a + 1, len(zones)):
            common = polygons_m[a].intersection(polygons_m[b])
            if common.area < 1.0:  # touching along a border is no overlap
                continue
            hits = segments.tree.query(common, predicate="intersects")
            inside_both = shapely.length(shapely.intersection(segments.geometry_m[hits], common))
            if inside_both.sum() < 1.0:  # polygons overlap where there is no street: nothing is shared
                continue
            overlaps.append({"zones": [zones[a].zone_id, zones[b].zone_id], "area_m2": round(float(common.area), 1),
                             "segments": int(np.sum(inside_both >= overlap_min_m)),
                             "km": round(float(inside_both.sum() / 1000.0), 3)})
    gaps = np.flatnonzero(~covered)
    return ZonePlan(zones, gaps_km=round(float(lengths[gaps].sum() / 1000.0), 3), gap_segments=gaps.tolist(),
                    overlaps=overlaps)


def _numbers(plan: ZonePlan, rows: list[dict] | None) -> dict[str, list]:
    """Columns of the zone table (QGIS-friendly names and units) in the plan's zone order."""
    if not rows:
        return {}
    by_zone = {r["zone_id"]: r for r in rows}

    def column(key, scale=1.0, digits=3):
        values = [by_zone.get(z.zone_id, {}).get(key) for z in plan.zones]
        return [None if v is None else round(float(v) * scale, digits) if digits else int(round(float(v) * scale))
                for v in values]

    return {"worst_min": column("worst_case_s", 1 / 60, 2), "km_within": column("covered_km_share"),
            "dogs_within": column("covered_reports_share"), "key_blocks": column("key_blocks", digits=0),
            "visits_shift": column("visits_per_shift", digits=0), "reports_day": column("reports_per_day", digits=1),
            "shift_share": column("share_of_shift")}


def export_zones(city, plan: ZonePlan, path, *, version: int | None = None, rows: list[dict] | None = None) -> Path:
    """Write zones as GeoJSON or GeoPackage polygons (EPSG:4326) with ids, patrols and street km; with
    ``rows`` (``planner.zone_table.zone_rows`` of this plan) also each zone's worst case (min), shares
    within target, key blocks, visits per shift, reports per day and share of the shift."""
    path = Path(path)
    lengths = city.router("foot").segments.length_m
    frame = gpd.GeoDataFrame({
        "zone_id": [z.zone_id for z in plan.zones], "name": [z.name for z in plan.zones],
        "patrol_ids": [",".join(z.patrol_ids) for z in plan.zones],
        "street_km": [round(float(lengths[z.segments].sum() / 1000.0), 3) for z in plan.zones],
        "version": [version] * len(plan.zones),
    } | _numbers(plan, rows), geometry=[z.polygon for z in plan.zones], crs="EPSG:4326")
    try:
        return write_polygon_file(frame, path, layer="zones")
    except PolygonFileError as exc:
        raise ZoneError(str(exc)) from None
