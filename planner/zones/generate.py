"""Generated zones: each street to the patrol that reaches it first (network Voronoi), rebalanced, with
non-overlapping display polygons."""


import numpy as np
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import connected_components

from planner.coverage import StreetSamples, response_times
from planner.zones.model import PlanZone, ZonePlan
from planner.zones.workload import ShiftWorkload, patrol_speed_kph

__all__ = ["generate_zones", "worst_by_segment", "zone_polygons"]


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


def generate_zones(city, patrols, samples: StreetSamples, *, target_s: float, workload: ShiftWorkload | None = None,
                   max_moves: int = 200, progress=lambda message: None) -> ZonePlan:
    """One zone per patrol: each segment to the patrol that reaches it first (network Voronoi); with a
    ``workload`` (``zones.workload``: riding, visits and handling in one shift), zones over 80 % of their
    patrol's shift give streets to patrols that reach them within target (a weighted Voronoi, which may leave a
    zone in more pieces where the modes' networks differ); then boundary segments are moved from the busiest
    zones to neighbours that reach them within target, never splitting a zone further. A zone's load is its
    work over its patrol's shift; without a workload, the time its patrol needs to ride its streets."""
    progress(f"response times from {len(patrols)} patrol bases ...")
    response = np.vstack([worst_by_segment(city, samples, (p.mode, p.base_lon, p.base_lat)) for p in patrols])
    owner = np.argmin(response, axis=0)
    if workload is None:
        speeds = np.array([patrol_speed_kph(city, p.mode) for p in patrols])
        work = samples.length_m[None, :] / speeds[:, None]
    else:
        work = workload.work_s / workload.shift_s[:, None]
    adjacency = _segment_adjacency(city)

    def loads():
        return np.array([work[z, owner == z].sum() for z in range(len(patrols))])

    before = loads()
    if workload is not None:
        progress("balancing each zone's work against its patrol's shift ...")
        owner = _price_balance(owner, response, work, target_s=target_s)
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
    if workload is not None:
        notes.update(_shift_notes(workload, owner, zones, patrols, progress))
    if fallbacks:
        notes["polygon_fallbacks"] = {zones[z].zone_id: how for z, how in fallbacks.items()}
        progress(f"  {len(fallbacks)} zone polygon(s) drawn with a fallback: {notes['polygon_fallbacks']}")
    return ZonePlan(zones, notes=notes)


SHIFT_SHARE_GOAL = 0.8  # of a shift, for the work counted; the rest for travel between stops and the unforeseen


def _price_balance(owner, response, work, *, target_s: float, rounds: int = 300, step_s: float = 60.0) -> np.ndarray:
    """Zones whose work exceeds ``SHIFT_SHARE_GOAL`` of their shift (or the mean share, when the patrols have
    less time than the work) get a price (s) added to their response times, raised round by round while they
    stay over, and each street goes to the patrol of least priced response among those within target (its
    fastest otherwise): an additively weighted network Voronoi. Returns the assignment of least maximal share."""
    zones, segments = work.shape
    allowed = response <= target_s
    allowed[owner, np.arange(segments)] = True

    def shares(assignment):
        return np.bincount(assignment, weights=work[assignment, np.arange(segments)], minlength=zones)

    goal = max(SHIFT_SHARE_GOAL, float(shares(owner).sum()) / zones)
    price = np.zeros(zones)
    best, best_max = owner, float(shares(owner).max())
    allowed_response = np.where(allowed, response, np.inf)
    for _ in range(rounds):
        assignment = np.argmin(allowed_response + price[:, None], axis=0)
        load = shares(assignment)
        if load.max() < best_max:
            best, best_max = assignment, float(load.max())
        if load.max() <= goal:
            break
        price += step_s * np.maximum(load - goal, 0.0)
    return best


def _shift_notes(workload: ShiftWorkload, owner, zones, patrols, progress) -> dict:
    """Each zone's work against its patrol's shift, and the zones whose work exceeds it (named)."""
    share = workload.utilisation(owner)
    loads = [{"zone_id": zone.zone_id, "patrol_id": patrol.id, "work_min": round(float(u * s) / 60, 1),
              "shift_min": round(float(s) / 60, 1), "share_of_shift": round(float(u), 3)}
             for zone, patrol, u, s in zip(zones, patrols, share, workload.shift_s, strict=True)]
    over = [row for row in loads if row["share_of_shift"] > 1.0]
    for row in over:
        progress(f"  zone {row['zone_id']} asks {row['work_min']:.0f} min of {row['patrol_id']} in a "
                 f"{row['shift_min']:.0f}-min shift: add a patrol there or fewer key-block visits")
    return {"shift_loads": loads, "zones_over_shift": [row["zone_id"] for row in over],
            "work_parts_h": {k.removesuffix("_s"): round(v / 3600, 1) for k, v in workload.parts_s.items()}}


def _adjacency_matrix(adjacency: list[set[int]]) -> sp.csr_matrix:
    """The segments' adjacency (``_segment_adjacency``) as a sparse boolean matrix."""
    rows = np.repeat(np.arange(len(adjacency)), [len(a) for a in adjacency])
    cols = np.fromiter((t for a in adjacency for t in a), dtype=np.int64, count=len(rows))
    return sp.csr_matrix((np.ones(len(rows), dtype=bool), (rows, cols)), shape=(len(adjacency), len(adjacency)))


def _components(members: set[int], matrix: sp.csr_matrix) -> int:
    """How many connected pieces the segments ``members`` make (adjacency ``matrix``)."""
    index = np.fromiter(members, dtype=np.int64, count=len(members))
    return int(connected_components(matrix[index][:, index], directed=False)[0])


def _rebalance(owner, response, workload, adjacency, *, target_s: float, max_moves: int) -> int:
    """Greedy boundary moves out of the most loaded zone while its load falls (``owner`` in place).

    A move must keep the receiving patrol within target of the segment, and must not split the
    giving zone into more pieces than it had. ``workload`` is per zone-segment pair (zones x segments).
    """
    zones = response.shape[0]
    matrix = _adjacency_matrix(adjacency)
    members = [set(np.flatnonzero(owner == z).tolist()) for z in range(zones)]
    load = np.array([workload[z, list(members[z])].sum() if members[z] else 0.0 for z in range(zones)])
    pieces = [_components(m, matrix) if m else 0 for m in members]
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
            if rest and _components(rest, matrix) <= pieces[heavy]:
                owner[s] = light
                members[heavy] = rest
                members[light].add(s)
                load[heavy] -= workload[heavy, s]
                load[light] += workload[light, s]
                pieces[light] = _components(members[light], matrix)
                moves += 1
                moved = True
                break
        if not moved:
            stuck.add(heavy)
        else:
            stuck.clear()
    return moves


POLYGON_POINTS_MAX = 250_000  # Voronoi sites of the zone polygons; a bigger city spaces them wider than 10 m


def zone_polygons(city, samples: StreetSamples, owner_by_segment: np.ndarray, zones: int,
                  *, spacing_m: float = 10.0, fallbacks: dict | None = None) -> list:
    """Non-overlapping display polygons (WGS-84): Voronoi cells of points every ``spacing_m`` metres
    along the streets (wider where the streets would need over POLYGON_POINTS_MAX points: 41 m on
    10,300 street km), merged per zone, so each street lies (almost all) inside its own zone.

    A union that GEOS cannot compute exactly (``TopologyException`` on nearly collinear cell
    edges) is redone snapped to a 1 cm grid, then by buffering; ``fallbacks`` (zone index ->
    how) records each such zone."""
    segments = city.router("foot").segments
    spacing_m = max(spacing_m, float(segments.length_m.sum()) / POLYGON_POINTS_MAX)
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
