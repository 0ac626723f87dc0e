"""Congestion points (hot spots) of incidents, and statistically hot street segments.

- ``planar``: scikit-learn DBSCAN in metres in the city's local CRS; exact duplicate coordinates
  are merged into one weighted sample first (same clusters, less memory).
- ``network``: the same density rule with distances measured along the foot street graph, so
  incidents across a river or an expressway (near in a straight line, far on foot) do not merge.
- ``gi``: Getis-Ord Gi* on incident counts per street segment (PySAL esda), with conditional-permutation
  or analytic p-values (analytic by default on zero-inflated counts) and a false-discovery-rate correction.

A congestion point has a representative point on the street, a hull polygon, counts by category,
busy hours (local time), its key block and a score; results are ranked by score.
"""

from dataclasses import dataclass, field
from typing import Final
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pyproj
import scipy.sparse as sp
import shapely
from scipy.spatial import cKDTree
from sklearn.cluster import DBSCAN

from geo.errors import PatrolError

__all__ = ["CATEGORY_WEIGHTS", "INFERENCES", "ClusteringError", "Hotspot", "choose_inference", "threshold_rule", "dbscan_labels", "default_min_incidents", "find_hotspots", "hot_segments"]

# Score weight per category: dogs must be reached in 30 minutes; private wiring is a fire risk.
CATEGORY_WEIGHTS: Final = {"stray_dog": 2.0, "private_wiring": 1.5}


@dataclass
class Hotspot:
    """One congestion point (WGS-84 geometry; counts; hours in local time)."""

    rank: int
    lon: float
    lat: float
    street: str | None
    hull: shapely.Geometry
    count: int
    counts_by_category: dict[str, int]
    busy_hours: list[int]
    block_id: str | None
    score: float
    member_ids: list[int] = field(default_factory=list, repr=False)
    trend: dict | None = None  # planner.trends.trend_of: new, intensifying, persistent, fading or sporadic

    def as_dict(self) -> dict:
        """JSON-ready (GeoJSON hull)."""
        return {
            "rank": self.rank, "lon": round(self.lon, 7), "lat": round(self.lat, 7), "street": self.street,
            "count": self.count, "counts_by_category": self.counts_by_category, "busy_hours": self.busy_hours,
            "block_id": self.block_id, "score": round(self.score, 2), "hull": shapely.geometry.mapping(self.hull),
            "trend": None if self.trend is None else self.trend["trend"],
            "trend_counts": None if self.trend is None else self.trend["counts"],
        }


class ClusteringError(PatrolError, ValueError):
    """Congestion points cannot be computed with these inputs (no usable CRS, unknown method)."""


def _metric_crs(crs) -> pyproj.CRS:
    """The clustering CRS: a projected CRS in which distances can be measured; the product's own error
    (never pyproj's) when it is missing or not one."""
    if crs is None:
        raise ClusteringError("clustering needs the city's metric CRS (crs=None): build the city first, or pass a "
                              "projected CRS such as EPSG:32650")
    try:
        crs = pyproj.CRS(crs)
    except pyproj.exceptions.CRSError as exc:
        raise ClusteringError(f"clustering CRS {crs!r} is not a CRS pyproj knows ({exc})") from None
    if not crs.is_projected:
        raise ClusteringError(f"clustering CRS {crs.name!r} is not projected: distances in metres need a projected "
                              "CRS such as the city's local UTM zone")
    return crs


def _local_xy(lons, lats, crs: pyproj.CRS) -> np.ndarray:
    transformer = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    return np.column_stack(transformer.transform(np.asarray(lons, float), np.asarray(lats, float)))


def dbscan_labels(xy: np.ndarray, *, radius_m: float, min_incidents: int, weights=None) -> np.ndarray:
    """DBSCAN cluster labels (-1: noise) of points in metres, merging exact duplicates first."""
    if len(xy) == 0:
        return np.empty(0, dtype=int)
    unique, inverse, counts = np.unique(xy, axis=0, return_inverse=True, return_counts=True)
    sample_weight = counts.astype(float)
    if weights is not None:
        sample_weight = np.bincount(inverse.ravel(), weights=np.asarray(weights, float), minlength=len(unique))
    model = DBSCAN(eps=radius_m, min_samples=min_incidents, algorithm="kd_tree", n_jobs=1)
    labels = model.fit_predict(unique, sample_weight=sample_weight)
    return labels[inverse.ravel()]


def _network_labels(frame: pd.DataFrame, router, *, radius_m: float, min_incidents: int) -> np.ndarray:
    """DBSCAN with distances along the foot graph (m) between the incidents' snapped positions."""
    speed_mps = router.graph.graph.get("speed_mps") or _foot_speed_mps(router)
    snaps = router.snap_many(frame["lon"].to_numpy(), frame["lat"].to_numpy(), max_distance_m=np.inf)
    xy = _local_xy([s.lon for s in snaps], [s.lat for s in snaps], router.segments.crs)
    # Network distance >= straight-line distance: planar neighbours are the only candidates.
    pairs = cKDTree(xy).query_pairs(radius_m, output_type="ndarray")
    limit_s = radius_m / speed_mps
    nodes = sorted({n for s in snaps for n, _, _ in (*s.leave, *s.arrive)})
    position = {n: i for i, n in enumerate(nodes)}
    table = router.network.search(nodes, limit_s=limit_s) if nodes else np.empty((0, 0))
    rows, cols = [], []
    for a, b in pairs:
        seconds = min(_pair_seconds(snaps[a], snaps[b], table, position, router),
                      _pair_seconds(snaps[b], snaps[a], table, position, router))
        if seconds * speed_mps <= radius_m + 1e-9:
            rows += [a, b]
            cols += [b, a]
    n = len(frame)
    rows += list(range(n))  # each incident is in its own neighbourhood, as in the planar method
    cols += list(range(n))
    distances = sp.csr_matrix((np.full(len(rows), 1e-9), (rows, cols)), shape=(n, n))
    model = DBSCAN(eps=radius_m, min_samples=min_incidents, metric="precomputed")
    return model.fit_predict(distances)


def _foot_speed_mps(router) -> float:
    return float(np.median(router.network.edge_length_m / np.maximum(router.network.edge_time_s, 1e-9)))


def _pair_seconds(a, b, table, position, router) -> float:
    best = router.direct_s(a, b)
    for node_a, cost_a, _ in a.leave:
        row = table[position[node_a]]
        for node_b, cost_b, _ in b.arrive:
            best = min(best, cost_a + row[node_b] + cost_b)
    return best


def default_min_incidents(frame: pd.DataFrame, *, per_day: float = 1.0, floor: int = 10,
                          radius_m: float = 50.0) -> int:
    """The default density threshold, scaled with the data (see ``threshold_rule``)."""
    return threshold_rule(frame, per_day=per_day, floor=floor, radius_m=radius_m)[0]


DENSE_SHARE = 0.05  # "one a day" applies while it asks for at most this share of all incidents


def threshold_rule(frame: pd.DataFrame, *, per_day: float = 1.0, floor: int = 10, radius_m: float = 50.0,
                   confidence: float = 0.999) -> tuple[int, str]:
    """(incidents a congestion point needs, the rule that set it).

    Dense records: ``per_day`` incidents a day over the window (at least ``floor``), the meaning "a place
    where something is reported about every day" that keeps a long window's background from merging.
    Sparse records (one a day would ask for more than 5 % of all incidents, e.g. 188 cases over 14 years):
    more incidents within ``radius_m`` than chance would put there, the ``confidence`` quantile of a
    Poisson count with the records' mean density over their area (convex hull, at least 1 km2), and at
    least 3.
    """
    from scipy import stats

    n = len(frame)
    if n == 0:
        return floor, "no incidents"
    times = pd.to_datetime(frame["reported_at"])
    days = max(1.0, (times.max() - times.min()).total_seconds() / 86400.0)
    daily = max(floor, int(round(per_day * days)))
    if daily <= DENSE_SHARE * n:
        return daily, f"{per_day:g} a day over {days:.0f} days"
    lons, lats = frame["lon"].to_numpy(float), frame["lat"].to_numpy(float)
    local = pyproj.CRS.from_proj4(f"+proj=aeqd +lat_0={np.mean(lats):.6f} +lon_0={np.mean(lons):.6f} +units=m")
    area_m2 = max(1e6, shapely.MultiPoint(_local_xy(lons, lats, local)).convex_hull.area)
    expected = n * np.pi * radius_m ** 2 / area_m2
    needed = max(3, int(stats.poisson.ppf(confidence, expected)) + 1)
    return needed, (f"sparse records ({n} over {days:.0f} days): more than chance puts within {radius_m:g} m "
                    f"({expected:.2f} expected, {confidence:.1%} Poisson quantile)")


def find_hotspots(frame: pd.DataFrame, *, crs: pyproj.CRS, timezone: str, method: str = "planar",
                  radius_m: float = 50.0, min_incidents: int | None = None, router=None) -> list[Hotspot]:
    """Congestion points of the incidents in ``frame`` (columns as stored), ranked by score.

    A congestion point is at least ``min_incidents`` incidents within ``radius_m`` metres of one
    another (default threshold: :func:`default_min_incidents`).
    """
    crs = _metric_crs(crs)
    if len(frame) == 0:
        return []
    if min_incidents is None:
        min_incidents = default_min_incidents(frame, radius_m=radius_m)
    if method == "planar":
        labels = dbscan_labels(_local_xy(frame["lon"], frame["lat"], crs), radius_m=radius_m, min_incidents=min_incidents)
    elif method == "network":
        if router is None:
            raise ClusteringError("the network method needs the foot router")
        labels = _network_labels(frame, router, radius_m=radius_m, min_incidents=min_incidents)
    else:
        raise ClusteringError(f"`method` must be 'planar' or 'network'; got {method!r}.")
    return _describe(frame, labels, crs=crs, timezone=timezone)


def _describe(frame: pd.DataFrame, labels: np.ndarray, *, crs, timezone: str) -> list[Hotspot]:
    from planner.trends import period_count, trend_of

    tz = ZoneInfo(timezone)
    reported = pd.to_datetime(frame["reported_at"])
    local_hours = reported.dt.tz_localize("UTC").dt.tz_convert(tz).dt.hour.to_numpy()
    first, last = reported.min(), reported.max()
    periods = period_count((last - first).total_seconds() / 86400.0) if len(frame) else 4
    xy = _local_xy(frame["lon"], frame["lat"], crs)
    to_wgs84 = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    spots = []
    for label in sorted(set(labels) - {-1}):
        members = np.flatnonzero(labels == label)
        part = frame.iloc[members]
        centre = xy[members].mean(axis=0)
        medoid = members[np.argmin(((xy[members] - centre) ** 2).sum(axis=1))]
        lon = frame["snapped_lon"].iloc[medoid] if "snapped_lon" in frame and pd.notna(frame["snapped_lon"].iloc[medoid]) else frame["lon"].iloc[medoid]
        lat = frame["snapped_lat"].iloc[medoid] if "snapped_lat" in frame and pd.notna(frame["snapped_lat"].iloc[medoid]) else frame["lat"].iloc[medoid]
        hull_m = shapely.MultiPoint(xy[members]).convex_hull.buffer(5.0)
        hull = shapely.transform(hull_m, lambda c: np.column_stack(to_wgs84.transform(c[:, 0], c[:, 1])))
        counts = part["category"].value_counts().to_dict()
        hours = np.bincount(local_hours[members], minlength=24)
        busy = [int(h) for h in np.flatnonzero(hours >= max(1, 0.5 * hours.max()))]
        blocks = part["block_id"].dropna() if "block_id" in part else pd.Series(dtype=str)
        score = float(sum(CATEGORY_WEIGHTS.get(c, 1.0) * n for c, n in counts.items()))
        spots.append(Hotspot(
            rank=0, lon=float(lon), lat=float(lat),
            street=part["street_name"].mode().iloc[0] if "street_name" in part and part["street_name"].notna().any() else None,
            hull=hull, count=len(members), counts_by_category={str(k): int(v) for k, v in counts.items()},
            busy_hours=busy, block_id=str(blocks.mode().iloc[0]) if len(blocks) else None, score=score,
            member_ids=part["id"].tolist() if "id" in part else [],
            trend=trend_of(reported.iloc[members], first, last, periods),
        ))
    spots.sort(key=lambda s: (-s.score, -s.count, s.lon))
    for rank, spot in enumerate(spots, start=1):
        spot.rank = rank
    return spots


INFERENCES = ("auto", "permutation", "analytic")


def choose_inference(counts: np.ndarray, inference: str = "auto") -> tuple[str, str]:
    """(inference used, why). ``auto``: analytic (normal) p-values when most segments have no incident,
    where conditional permutations tie on zero-inflated counts and lose the point-like concentrations;
    otherwise permutation p-values."""
    if inference not in INFERENCES:
        raise ClusteringError(f"inference must be one of {', '.join(INFERENCES)}; got {inference!r}")
    zero_share = float(np.mean(counts == 0)) if len(counts) else 1.0
    if inference != "auto":
        return inference, "asked for"
    if zero_share > 0.5:
        return "analytic", f"{zero_share:.0%} of segments have no incident: permutation p-values tie on zero counts"
    return "permutation", f"only {zero_share:.0%} of segments have no incident"


def hot_segments(frame: pd.DataFrame, router, *, neighbours: int = 8, permutations: int = 999,
                 alpha: float = 0.05, seed: int = 0, inference: str = "auto") -> pd.DataFrame:
    """Getis-Ord Gi* of incident counts per foot-graph segment.

    Neighbours: the ``neighbours`` segments with the nearest midpoints (binary weights, the segment
    itself included: Gi*), which keeps every segment connected however long. Returns one row per
    segment with ``count``, ``z``, ``p_sim`` (conditional-permutation pseudo p-value), ``p_norm``
    (analytic one-sided p-value of z), ``p_value`` (the one used, see ``choose_inference``) and ``hot``
    (z > 0 and p_value within the false-discovery-rate threshold at ``alpha``). ``attrs`` holds
    ``inference`` and ``inference_reason``.
    """
    import warnings

    from esda import fdr
    from esda.getisord import G_Local
    from libpysal.weights import KNN

    segments = router.segments
    midpoints = shapely.line_interpolate_point(segments.geometry_m, 0.5, normalized=True)
    coords = np.column_stack([shapely.get_x(midpoints), shapely.get_y(midpoints)])
    snaps = router.snap_many(frame["lon"].to_numpy(), frame["lat"].to_numpy(), max_distance_m=np.inf)
    counts = np.bincount([s.segment for s in snaps], minlength=len(segments)).astype(float)
    used, reason = choose_inference(counts, inference)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        weights = KNN(coords, k=neighbours, silence_warnings=True)
        gi = G_Local(counts, weights, transform="B", star=True, permutations=permutations, seed=seed,
                     keep_simulations=False)
    p_value = gi.p_norm if used == "analytic" else gi.p_sim
    threshold = fdr(p_value, alpha)
    node_ids = router.network.node_ids
    table = pd.DataFrame({
        "segment": np.arange(len(segments)),
        "u": node_ids[segments.u],
        "v": node_ids[segments.v],
        "name": segments.names,
        "count": counts.astype(int),
        "z": gi.Zs,
        "p_sim": gi.p_sim,
        "p_norm": gi.p_norm,
        "p_value": p_value,
        "hot": (gi.Zs > 0) & (p_value <= threshold),
        "geometry": segments.geometry_wgs84,
    })
    table.attrs.update(inference=used, inference_reason=reason, fdr_threshold=float(threshold))
    return table
