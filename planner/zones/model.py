"""The zone plan as values: plans, zones (foot segment indices and a WGS-84 polygon), the segment index."""

import functools
from dataclasses import dataclass, field

import numpy as np
import shapely

from geo.errors import PatrolError

__all__ = ["PlanZone", "ZoneError", "ZonePlan", "segment_index", "to_local"]


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
    (v, u) to the first such segment, for incidents that store only their ends.

    Built once per foot router (a process keeps its city), not at every load and save of a version."""
    return _segment_index_of(city.router("foot"))


@functools.lru_cache(maxsize=8)
def _segment_index_of(router) -> tuple[np.ndarray, dict]:
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


def to_local(polygon, segments):
    """A WGS-84 polygon in the segments' metric CRS, made valid (a thin sliver can fold when projected)."""
    local = shapely.transform(polygon, segments.to_metric)
    if np.isfinite(shapely.get_coordinates(local)).all() and not local.is_valid:
        local = shapely.make_valid(local)
    return local
