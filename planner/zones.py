"""Responsibility zones: generated (network Voronoi, then rebalanced), imported from a planner's
polygons, stored as versions (never overwritten), compared, exported.

A zone is a set of street segments of the foot graph (every street of the jurisdiction) with its
patrols and a polygon for display. Generated zones' polygons come from the Voronoi cells of the
street samples, so they never overlap. Imported polygons take the segments whose midpoint they
contain; gaps and overlaps are reported with their street km.
"""

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pyproj
import shapely
from shapely.validation import explain_validity
from sqlalchemy import func, select

from geo.crs import DATUMS
from geo.errors import PatrolError
from planner.clock import utc_now
from planner.coverage import StreetSamples, response_times
from planner.models import Zone, ZoneVersion

__all__ = [
    "PlanZone",
    "ZoneError",
    "ZonePlan",
    "diff_versions",
    "export_zones",
    "generate_zones",
    "list_versions",
    "load_version",
    "moved_segments",
    "read_zone_file",
    "redraw_zone",
    "save_version",
    "segment_index",
    "zone_polygons",
]


class ZoneError(PatrolError):
    """A zone file or version is invalid or unknown; the message names the problem."""


@dataclass
class PlanZone:
    """One zone of a plan: id, name, patrols, foot segment indices, WGS-84 polygon."""

    zone_id: str
    name: str
    patrol_ids: list[str]
    segments: np.ndarray
    polygon: shapely.Geometry | None = None


@dataclass
class ZonePlan:
    """A plan of zones with what was noticed while making it (gaps, overlaps, balance)."""

    zones: list[PlanZone]
    gaps_km: float = 0.0
    gap_segments: list[int] = field(default_factory=list)
    overlaps: list[dict] = field(default_factory=list)
    notes: dict = field(default_factory=dict)


def segment_index(city) -> tuple[np.ndarray, dict]:
    """Foot segments as (u, v, k) — end node ids and a rank among segments joining the same two
    nodes — and a lookup from (u, v, k) and (v, u, k) to the segment index. Also (u, v) and
    (v, u) to the first such segment, for incidents that store only their ends."""
    router = city.router("foot")
    node_ids = router.network.node_ids
    keys, lookup, seen = [], {}, {}
    for i, (u, v) in enumerate(zip(node_ids[router.segments.u].tolist(), node_ids[router.segments.v].tolist(), strict=True)):
        pair = (min(u, v), max(u, v))
        k = seen.get(pair, 0)
        seen[pair] = k + 1
        keys.append((u, v, k))
        lookup[(u, v, k)] = lookup[(v, u, k)] = i
        lookup.setdefault((u, v), i)
        lookup.setdefault((v, u), i)
    return np.array(keys, dtype=np.int64), lookup


def _segment_adjacency(city) -> list[set[int]]:
    """For each foot segment, the segments sharing one of its end nodes."""
    segments = city.router("foot").segments
    by_node: dict[int, list[int]] = {}
    for s, (u, v) in enumerate(zip(segments.u.tolist(), segments.v.tolist(), strict=True)):
        by_node.setdefault(u, []).append(s)
        by_node.setdefault(v, []).append(s)
    return [(set(by_node[u]) | set(by_node[v])) - {s} for s, (u, v) in
            enumerate(zip(segments.u.tolist(), segments.v.tolist(), strict=True))]


def worst_by_segment(city, samples: StreetSamples, patrol: tuple[str, float, float]) -> np.ndarray:
    """Worst response time (s) to each foot segment from one patrol position."""
    times = response_times(city, samples, [patrol])
    worst = np.zeros(len(samples.length_m))
    np.maximum.at(worst, samples.segment, times)
    return worst


def generate_zones(city, patrols, samples: StreetSamples, *, target_s: float, workload=None,
                   max_moves: int = 200, progress=lambda message: None) -> ZonePlan:
    """One zone per patrol: each segment to the patrol that reaches it first (network Voronoi),
    then boundary segments moved from the busiest zones to neighbours that still reach them within
    target, never splitting a zone. ``workload`` per segment defaults to its length (m), e.g. pass
    length x (1 + incidents); a zone's load is its workload over its patrol's speed (km/h; car 30)."""
    progress(f"response times from {len(patrols)} patrol bases ...")
    response = np.vstack([worst_by_segment(city, samples, (p.mode, p.base_lon, p.base_lat)) for p in patrols])
    owner = np.argmin(response, axis=0)
    street = samples.length_m if workload is None else np.asarray(workload, dtype=float)
    # A patrol's workload is the time its mode needs to ride its streets: a car covers more than a walker.
    speeds = np.array([city.profile.mode(p.mode).speed_kph if p.mode != "car" else 30.0 for p in patrols])
    work = street[None, :] / speeds[:, None]
    adjacency = _segment_adjacency(city)

    def loads():
        return np.array([work[z, owner == z].sum() for z in range(len(patrols))])

    before = loads()
    moves = _rebalance(owner, response, work, adjacency, target_s=target_s, max_moves=max_moves)
    after = loads()
    suffix = "责任区" if city.profile.language.startswith("zh") else " zone"
    zones = [PlanZone(f"Z{i + 1:02d}", f"{patrol.call_sign}{suffix}", [patrol.id], np.flatnonzero(owner == i))
             for i, patrol in enumerate(patrols)]
    progress("drawing zone polygons ...")
    fallbacks: dict[int, str] = {}
    for zone, polygon in zip(zones, zone_polygons(city, samples, owner, len(patrols), fallbacks=fallbacks),
                             strict=True):
        zone.polygon = polygon
    notes = {"moves": moves, "workload_max_over_mean_before": round(float(before.max() / before.mean()), 3),
             "workload_max_over_mean_after": round(float(after.max() / after.mean()), 3)}
    if fallbacks:
        notes["polygon_fallbacks"] = {zones[z].zone_id: how for z, how in fallbacks.items()}
        progress(f"  {len(fallbacks)} zone polygon(s) drawn with a fallback: {notes['polygon_fallbacks']}")
    return ZonePlan(zones, notes=notes)


def _components(members: set[int], adjacency) -> int:
    graph = nx.Graph()
    graph.add_nodes_from(members)
    graph.add_edges_from((s, t) for s in members for t in adjacency[s] if t in members)
    return nx.number_connected_components(graph)


def _rebalance(owner, response, workload, adjacency, *, target_s: float, max_moves: int) -> int:
    """Greedy boundary moves out of the most loaded zone while its load falls (``owner`` in place).

    A move must keep the receiving patrol within target of the segment, and must not split the
    giving zone into more pieces than it had. ``workload`` is per zone-segment pair (zones x segments).
    """
    zones = response.shape[0]
    members = [set(np.flatnonzero(owner == z).tolist()) for z in range(zones)]
    load = np.array([workload[z, list(members[z])].sum() if members[z] else 0.0 for z in range(zones)])
    pieces = [_components(m, adjacency) if m else 0 for m in members]
    moves = 0
    stuck: set[int] = set()
    while moves < max_moves:
        order = [z for z in np.argsort(-load) if z not in stuck]
        if not order:
            break
        heavy = int(order[0])
        options = []
        for s in members[heavy]:
            for t in adjacency[s]:
                light = int(owner[t])
                if light == heavy or response[light, s] > target_s:
                    continue
                if max(load[heavy] - workload[heavy, s], load[light] + workload[light, s]) < load[heavy] - 1e-9:
                    options.append((load[light], s, light))
        moved = False
        for _, s, light in sorted(set(options))[:25]:
            rest = members[heavy] - {s}
            if rest and _components(rest, adjacency) <= pieces[heavy]:
                owner[s] = light
                members[heavy] = rest
                members[light].add(s)
                load[heavy] -= workload[heavy, s]
                load[light] += workload[light, s]
                pieces[light] = _components(members[light], adjacency)
                moves += 1
                moved = True
                break
        if not moved:
            stuck.add(heavy)
        else:
            stuck.clear()
    return moves


def zone_polygons(city, samples: StreetSamples, owner_by_segment: np.ndarray, zones: int,
                  *, spacing_m: float = 10.0, fallbacks: dict | None = None) -> list:
    """Non-overlapping display polygons (WGS-84): Voronoi cells of points every ``spacing_m`` metres
    along the streets, merged per zone, so each street lies (almost all) inside its own zone.

    A union that GEOS cannot compute exactly (``TopologyException`` on nearly collinear cell
    edges) is redone snapped to a 1 cm grid, then by buffering; ``fallbacks`` (zone index ->
    how) records each such zone."""
    segments = city.router("foot").segments
    counts = np.maximum(2, np.ceil(segments.length_m / spacing_m).astype(int) + 1)
    segment_of_point = np.repeat(np.arange(len(segments)), counts)
    fractions = np.concatenate([np.linspace(0.0, 1.0, c) for c in counts])
    located = shapely.line_interpolate_point(segments.geometry_m[segment_of_point], fractions, normalized=True)
    xy = np.round(np.column_stack([shapely.get_x(located), shapely.get_y(located)]), 1)
    xy, first = np.unique(xy, axis=0, return_index=True)  # shared ends once
    segment_of_point = segment_of_point[first]
    points = shapely.points(xy)
    city_m = shapely.transform(city.jurisdiction, segments.to_metric)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.MultiPoint(points), extend_to=city_m))
    tree = shapely.STRtree(points)
    cell_pos, point_pos = tree.query(cells, predicate="contains")
    label = np.full(len(cells), -1)
    label[cell_pos] = owner_by_segment[segment_of_point[point_pos]]
    polygons = []
    for z in range(zones):
        merged, how = _union_within(cells[label == z], city_m) if np.any(label == z) else (shapely.Polygon(), None)
        if how and fallbacks is not None:
            fallbacks[z] = how
        polygons.append(segments.to_wgs84_line(merged) if not merged.is_empty else merged)
    return polygons


def _union_within(cells, city_m) -> tuple[shapely.Geometry, str | None]:
    """The union of ``cells`` clipped to ``city_m`` (metres), always valid; and the fallback used, if any."""
    try:
        return shapely.union_all(cells).intersection(city_m), None
    except shapely.errors.GEOSException:
        pass
    try:
        merged = shapely.union_all(cells, grid_size=0.01).intersection(shapely.make_valid(city_m), grid_size=0.01)
        return merged, "union snapped to a 1 cm grid"
    except shapely.errors.GEOSException:
        merged = shapely.union_all(shapely.buffer(cells, 0.05)).buffer(-0.05)
        return shapely.make_valid(merged).intersection(shapely.make_valid(city_m).buffer(0)), "union of cells grown by 5 cm"


# -- versions ---------------------------------------------------------------------------------------

def save_version(store, city, plan: ZonePlan, *, author: str, comment: str | None = None,
                 source: str = "generated") -> int:
    """Store a plan as the city's next version (never overwriting one); returns its number."""
    keys, _ = segment_index(city)
    lengths = city.router("foot").segments.length_m
    with store.session() as session, session.begin():
        number = (session.scalar(select(func.max(ZoneVersion.version)).where(ZoneVersion.city == city.slug)) or 0) + 1
        version = ZoneVersion(city=city.slug, version=number, author=author, comment=comment, source=source,
                              created_at=utc_now())
        session.add(version)
        session.flush()
        for zone in plan.zones:
            session.add(Zone(version_id=version.id, zone_id=zone.zone_id, name=zone.name,
                             patrol_ids=",".join(zone.patrol_ids),
                             segments_json=json.dumps(keys[zone.segments].tolist()),
                             polygon_wkt=(zone.polygon or shapely.Polygon()).wkt,
                             street_km=float(lengths[zone.segments].sum() / 1000.0)))
    return number


def list_versions(store, city) -> list[dict]:
    """The city's zone versions, oldest first."""
    with store.session() as session:
        rows = session.scalars(select(ZoneVersion).where(ZoneVersion.city == city.slug).order_by(ZoneVersion.version))
        return [{"version": v.version, "author": v.author, "comment": v.comment, "source": v.source,
                 "created_at": v.created_at.isoformat() + "Z"} for v in rows]


def load_version(store, city, version: int | None = None) -> tuple[int, ZonePlan]:
    """A stored version (the newest by default) as a plan of foot segment indices."""
    _, lookup = segment_index(city)
    with store.session() as session:
        query = select(ZoneVersion).where(ZoneVersion.city == city.slug)
        query = query.where(ZoneVersion.version == version) if version else query.order_by(ZoneVersion.version.desc())
        row = session.scalars(query.limit(1)).first()
        if row is None:
            known = [v["version"] for v in list_versions(store, city)]
            raise ZoneError(f"no zone version {version or '(any)'} for {city.slug}; versions: {known or 'none'} "
                            "(make one with: patrol zones generate)")
        zones = session.scalars(select(Zone).where(Zone.version_id == row.id).order_by(Zone.zone_id)).all()
    plan = ZonePlan([PlanZone(z.zone_id, z.name, [p for p in z.patrol_ids.split(",") if p],
                              np.array([lookup[tuple(pair)] for pair in json.loads(z.segments_json)
                                        if tuple(pair) in lookup], dtype=np.int64),
                              shapely.from_wkt(z.polygon_wkt)) for z in zones])
    return row.version, plan


def moved_segments(plan_a: ZonePlan, plan_b: ZonePlan) -> dict[tuple, list[int]]:
    """Foot segment indices that changed zone from ``plan_a`` to ``plan_b``, by (from zone, to zone)."""
    owner_a, owner_b = {}, {}
    for plan, owner in ((plan_a, owner_a), (plan_b, owner_b)):
        for zone in plan.zones:
            owner.update(dict.fromkeys(zone.segments.tolist(), zone.zone_id))
    moved: dict[tuple, list[int]] = {}
    for s in sorted(set(owner_a) | set(owner_b)):
        if owner_a.get(s) != owner_b.get(s):
            moved.setdefault((owner_a.get(s), owner_b.get(s)), []).append(s)
    return moved


def diff_versions(store, city, a: int, b: int) -> dict:
    """Segments that changed zone between versions ``a`` and ``b``: count, km, and per zone pair."""
    _, plan_a = load_version(store, city, a)
    _, plan_b = load_version(store, city, b)
    lengths = city.router("foot").segments.length_m
    moved = moved_segments(plan_a, plan_b)
    return {
        "from_version": a, "to_version": b,
        "segments_moved": sum(len(v) for v in moved.values()),
        "km_moved": round(float(sum(lengths[v].sum() for v in moved.values()) / 1000.0), 3),
        "moves": [{"from_zone": f, "to_zone": t, "segments": len(v), "km": round(float(lengths[v].sum() / 1000.0), 3)}
                  for (f, t), v in sorted(moved.items(), key=lambda kv: -lengths[kv[1]].sum())],
    }


# -- planners' files --------------------------------------------------------------------------------

def read_zone_file(city, path, *, datum: str = "wgs84") -> ZonePlan:
    """Read drawn zones (GeoJSON or GeoPackage polygons with ``zone_id``[, ``name``, ``patrol_ids``]).

    Every problem is reported at once (which feature, which field); the streets are assigned by
    their midpoints; gaps and overlaps are measured in street km.
    """
    from geo.blocks.io import BlockFileError, read_blocks_file

    if datum not in DATUMS:
        raise ZoneError(f"`datum` must be one of {', '.join(DATUMS)}; got {datum!r}.")
    try:
        raw = read_blocks_file(path, datum=datum)
    except BlockFileError as exc:
        raise ZoneError(str(exc).replace("key-block", "zone")) from None
    problems, zones = [], []
    seen = {}
    to_local = pyproj.Transformer.from_crs("EPSG:4326", city.crs, always_xy=True)
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
        if geom is None or geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon"):
            found.append(("geometry", f"must be a non-empty Polygon or MultiPolygon; got {None if geom is None else geom.geom_type}"))
        elif not _lonlat_in_range(geom):
            found.append(("geometry", "coordinates must be lon/lat degrees within -180..180 / -90..90"))
        elif not geom.is_valid:
            found.append(("geometry", f"invalid polygon ({explain_validity(geom)})"))
        elif not geom.intersects(city.jurisdiction):
            found.append(("geometry", "lies outside the city"))
        elif not np.isfinite(shapely.get_coordinates(shapely.transform(
                geom, lambda xy: np.column_stack(to_local.transform(xy[:, 0], xy[:, 1]))))).all():
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
        local = _to_local(zone.polygon, segments)
        hits = segments.tree.query(local, predicate="intersects")
        inside[z, hits] = shapely.length(shapely.intersection(segments.geometry_m[hits], local))
    best = inside.max(axis=0)
    owner = inside.argmax(axis=0)
    covered = best >= np.minimum(overlap_min_m, 0.5 * lengths)
    for z, zone in enumerate(zones):
        zone.segments = np.flatnonzero(covered & (owner == z))
    overlaps = []
    polygons_m = [_to_local(z.polygon, segments) for z in zones]
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


def _to_local(polygon, segments):
    """A WGS-84 polygon in the segments' metric CRS, made valid (a thin sliver can fold when projected)."""
    local = shapely.transform(polygon, segments.to_metric)
    if np.isfinite(shapely.get_coordinates(local)).all() and not local.is_valid:
        local = shapely.make_valid(local)
    return local


def _lonlat_in_range(geometry) -> bool:
    """Whether every coordinate is a finite lon/lat in range (degrees)."""
    xy = shapely.get_coordinates(geometry)
    return bool(np.isfinite(xy).all() and (np.abs(xy[:, 0]) <= 180).all() and (np.abs(xy[:, 1]) <= 90).all())


def redraw_zone(city, plan: ZonePlan, zone_id: str, polygon) -> ZonePlan:
    """The plan with one zone redrawn as ``polygon`` (WGS-84), e.g. drawn on the planner's map.

    Streets mostly (>= half their length) inside the drawing join the zone; streets the zone gave up
    go to the other zone whose polygon holds most of them; other zones' polygons lose the drawing.
    Raises ZoneError naming the problem (invalid or outside polygon, a zone left empty, streets left
    in no zone: ``error.gap_segments``); the plan is then unchanged.
    """
    target = next((z for z in plan.zones if z.zone_id == zone_id), None)
    if target is None:
        raise ZoneError(f"no zone {zone_id!r} in this version; zones: {', '.join(z.zone_id for z in plan.zones)}")
    if polygon is None or polygon.is_empty or polygon.geom_type not in ("Polygon", "MultiPolygon"):
        raise ZoneError(f"zone {zone_id}: the drawing must be a polygon; got {getattr(polygon, 'geom_type', None)}")
    if not _lonlat_in_range(polygon):
        raise ZoneError(f"zone {zone_id}: coordinates must be lon/lat degrees (WGS-84) within -180..180 / -90..90")
    if not polygon.is_valid:
        raise ZoneError(f"zone {zone_id}: the drawn polygon is invalid ({explain_validity(polygon)})")
    segments = city.router("foot").segments
    if not polygon.intersects(city.jurisdiction):
        raise ZoneError(f"zone {zone_id}: the drawn polygon lies outside the city")
    local = _to_local(polygon, segments)
    if not np.isfinite(shapely.get_coordinates(local)).all():
        raise ZoneError(f"zone {zone_id}: the drawn polygon reaches too far from the city to be measured")
    inside = np.zeros(len(segments))
    hits = segments.tree.query(local, predicate="intersects")
    inside[hits] = shapely.length(shapely.intersection(segments.geometry_m[hits], local))
    joining = inside >= 0.5 * segments.length_m
    if not joining.any():
        raise ZoneError(f"zone {zone_id}: the drawn polygon holds no street; draw it over the zone's streets.")
    others = [z for z in plan.zones if z.zone_id != zone_id]
    polygons = {z.zone_id: (z.polygon.difference(polygon) if z.polygon is not None else shapely.Polygon()) for z in others}
    released = np.setdiff1d(target.segments, np.flatnonzero(joining))
    share = np.zeros((len(others), len(released)))
    for k, zone in enumerate(others):
        zone_local = _to_local(polygons[zone.zone_id], segments)
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


def export_zones(city, plan: ZonePlan, path, *, version: int | None = None) -> Path:
    """Write zones as GeoJSON or GeoPackage polygons (EPSG:4326) with ids, patrols and street km."""
    path = Path(path)
    lengths = city.router("foot").segments.length_m
    frame = gpd.GeoDataFrame({
        "zone_id": [z.zone_id for z in plan.zones], "name": [z.name for z in plan.zones],
        "patrol_ids": [",".join(z.patrol_ids) for z in plan.zones],
        "street_km": [round(float(lengths[z.segments].sum() / 1000.0), 3) for z in plan.zones],
        "version": [version] * len(plan.zones),
    }, geometry=[z.polygon for z in plan.zones], crs="EPSG:4326")
    driver = {".geojson": "GeoJSON", ".json": "GeoJSON", ".gpkg": "GPKG"}.get(path.suffix.lower())
    if driver is None:
        raise ZoneError(f"{path}: unsupported format {path.suffix!r}; use .geojson or .gpkg.")
    if not path.parent.is_dir():
        raise ZoneError(f"{path}: folder {path.parent} does not exist.")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    os.unlink(tmp)
    try:
        options = {"layer": "zones"} if driver == "GPKG" else {}
        frame.to_file(tmp, driver=driver, engine="pyogrio", promote_to_multi=True, **options)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
