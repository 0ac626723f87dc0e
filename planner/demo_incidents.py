"""Realistic demo incidents for a city, with planted hot spots whose positions are recorded.

- Category mix and daily rhythm per category (stray dogs mornings and evenings, vendors evenings,
  laundry drying in the daytime ...), hours drawn in the city's time zone.
- Where: a share in key blocks, favouring the kinds each category haunts (vendors: markets and
  commercial streets; dogs: residential areas and schools), a share along main commercial roads,
  the rest anywhere along the streets (weighted by street length).
- Planted hot spots: a few places, far apart, where one category piles up every day within a few
  tens of metres, in its busy hours. Their centres are returned so tests can check recovery.
Reproducible with a seed (numpy.random.default_rng).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final
from zoneinfo import ZoneInfo

import numpy as np
import shapely

__all__ = ["PlantedHotspot", "days_before_today", "generate_incidents"]

MIX: Final = {
    "stray_dog": 0.15, "garbage_sorting": 0.18, "private_wiring": 0.08, "street_drying": 0.12,
    "street_vending": 0.27, "illegal_parking": 0.15, "other": 0.05,
}
# Relative frequency per hour of the day (0..23), per category.
_FLAT = np.ones(24)
RHYTHM: Final = {
    "stray_dog": np.array([1, 1, 1, 1, 2, 4, 8, 10, 8, 4, 3, 3, 3, 3, 3, 3, 4, 6, 9, 10, 8, 5, 2, 1], float),
    "garbage_sorting": np.array([0, 0, 0, 0, 1, 2, 5, 10, 9, 5, 3, 2, 2, 2, 2, 2, 3, 4, 6, 9, 8, 4, 1, 0], float),
    "private_wiring": np.array([2, 2, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 4, 6, 8, 10, 9, 6, 3], float),
    "street_drying": np.array([0, 0, 0, 0, 0, 0, 1, 3, 6, 9, 10, 10, 9, 8, 7, 5, 3, 1, 0, 0, 0, 0, 0, 0], float),
    "street_vending": np.array([0, 0, 0, 0, 0, 1, 3, 4, 3, 2, 2, 4, 5, 3, 2, 2, 3, 6, 9, 10, 10, 8, 4, 1], float),
    "illegal_parking": np.array([1, 1, 0, 0, 0, 1, 2, 5, 8, 8, 7, 6, 6, 6, 6, 6, 7, 8, 8, 7, 6, 4, 2, 1], float),
    "other": _FLAT,
}
AFFINITY: Final = {  # which key-block kinds each category favours (weights on top of priority)
    "stray_dog": {"residential_community": 3, "school_surroundings": 2, "market": 2},
    "garbage_sorting": {"residential_community": 3, "market": 3, "commercial_street": 1},
    "private_wiring": {"residential_community": 3, "market": 1},
    "street_drying": {"residential_community": 3, "commercial_street": 1},
    "street_vending": {"market": 4, "commercial_street": 4, "school_surroundings": 2, "transit_hub": 3},
    "illegal_parking": {"commercial_street": 3, "transit_hub": 3, "school_surroundings": 2},
    "other": {},
}
SOURCE_MIX: Final = {"hotline": 0.4, "grid_worker": 0.2, "patrol_discovery": 0.2, "third_party_supervisor": 0.08,
                     "shop_self_report": 0.07, "other_department": 0.05}
SHARE_IN_BLOCKS: Final = 0.4
SHARE_ON_MAIN_ROADS: Final = 0.2


@dataclass(frozen=True)
class PlantedHotspot:
    """A planted hot spot: centre (WGS-84), category, spread (m), incidents planted, busy hours."""

    id: str
    lon: float
    lat: float
    category: str
    spread_m: float
    count: int
    busy_hours: tuple[int, ...]


def _hour(rng, category: str, size: int) -> np.ndarray:
    weights = RHYTHM[category] / RHYTHM[category].sum()
    return rng.choice(24, size=size, p=weights)


def _points_on_segments(rng, router, segment_ids: np.ndarray):
    """A uniformly random point along each given street segment (WGS-84 lon/lat arrays)."""
    lines = router.segments.geometry_wgs84[segment_ids]
    points = shapely.line_interpolate_point(lines, rng.random(len(segment_ids)), normalized=True)
    return shapely.get_x(points), shapely.get_y(points)


def _points_in_blocks(rng, router, blocks_local, weights, size, crs_to_wgs84):
    """Random street points inside key blocks chosen by weight (falls back to the block's interior)."""
    chosen = rng.choice(len(blocks_local), size=size, p=weights / weights.sum())
    xs, ys = np.empty(size), np.empty(size)
    segments = router.segments
    for block_index in np.unique(chosen):
        where = np.flatnonzero(chosen == block_index)
        polygon = blocks_local[block_index]
        inside = segments.tree.query(polygon.buffer(10.0), predicate="intersects")
        if len(inside):
            pieces = shapely.intersection(segments.geometry_m[inside], polygon.buffer(10.0))
            lengths = shapely.length(pieces)
            keep = lengths > 0
            pieces, lengths = pieces[keep], lengths[keep]
        if len(inside) and len(pieces):
            picks = rng.choice(len(pieces), size=len(where), p=lengths / lengths.sum())
            points = shapely.line_interpolate_point(pieces[picks], rng.random(len(where)), normalized=True)
            xs[where], ys[where] = shapely.get_x(points), shapely.get_y(points)
        else:  # no street in the block: the nearest street point to it
            centre = polygon.representative_point()
            nearest = segments.geometry_m[segments.tree.nearest(centre)]
            point = shapely.ops.nearest_points(nearest, centre)[0]
            xs[where], ys[where] = point.x, point.y
    return crs_to_wgs84.transform(xs, ys)


def _plant_hotspots(rng, router, count: int, min_gap_m: float = 1200.0):
    """Centres on streets at least ``min_gap_m`` apart, with a category and busy hours each."""
    segments = router.segments
    candidates = rng.permutation(len(segments))
    centres, chosen = [], []
    for s in candidates:
        if segments.length_m[s] < 40:
            continue
        point = segments.geometry_m[s].interpolate(0.5, normalized=True)
        if all(point.distance(c) >= min_gap_m for c in centres):
            centres.append(point)
            chosen.append(s)
        if len(chosen) == count:
            break
    categories = rng.choice(["stray_dog", "street_vending", "garbage_sorting", "private_wiring", "illegal_parking"],
                            size=len(chosen))
    return chosen, centres, categories


def days_before_today(city, days: int) -> datetime:
    """Local midnight ``days`` days before today in the city (naive, city time): demo data ending today."""
    today = datetime.now(ZoneInfo(city.profile.timezone)).replace(hour=0, minute=0, second=0, microsecond=0)
    return (today - timedelta(days=days)).replace(tzinfo=None)


def generate_incidents(city, blocks_gdf, *, days: int = 30, per_day: int = 120, hotspots: int = 6,
                       hotspot_per_day: int = 4, spread_m: float = 20.0, seed: int = 0,
                       start: datetime | None = None) -> tuple[list[dict], list[PlantedHotspot]]:
    """Generate ``days`` days of incidents (records ready for IncidentPlacer) and the planted hot spots."""
    rng = np.random.default_rng(seed)
    tz = ZoneInfo(city.profile.timezone)
    start = (start or datetime(2026, 10, 1)).replace(tzinfo=tz)
    router = city.router("foot")
    to_wgs84 = router.segments.wgs84_transformer
    total = days * per_day
    categories = rng.choice(list(MIX), size=total, p=np.array(list(MIX.values())) / sum(MIX.values()))
    where = rng.random(total)
    lon, lat = np.empty(total), np.empty(total)
    lengths = router.segments.length_m
    highways = np.array([router.graph.edges[router.edge_keys[e]].get("highway") for e in router.segments.forward_edge])
    main = np.isin(highways, ["primary", "secondary", "tertiary"])
    anywhere = where >= SHARE_IN_BLOCKS + SHARE_ON_MAIN_ROADS
    on_main = (where >= SHARE_IN_BLOCKS) & ~anywhere
    in_blocks = where < SHARE_IN_BLOCKS
    main_weights = lengths * main if main.any() else lengths  # a city without main roads: any street
    for mask, weights in ((anywhere, lengths), (on_main, main_weights)):
        picks = rng.choice(len(lengths), size=int(mask.sum()), p=weights / weights.sum())
        lon[mask], lat[mask] = _points_on_segments(rng, router, picks)
    if blocks_gdf is not None and len(blocks_gdf):
        blocks_local = blocks_gdf.to_crs(router.segments.crs).geometry.to_numpy()
        kinds = blocks_gdf["kind"].to_numpy()
        priority = blocks_gdf["priority"].to_numpy(dtype=float)
        for category in MIX:
            mask = in_blocks & (categories == category)
            if mask.any():
                affinity = np.array([AFFINITY[category].get(k, 1) for k in kinds], dtype=float)
                lon[mask], lat[mask] = _points_in_blocks(rng, router, blocks_local, priority * affinity,
                                                         int(mask.sum()), to_wgs84)
    else:
        picks = rng.choice(len(lengths), size=int(in_blocks.sum()), p=lengths / lengths.sum())
        lon[in_blocks], lat[in_blocks] = _points_on_segments(rng, router, picks)
    day = rng.integers(0, days, total)
    hours = np.empty(total, dtype=int)
    for category in MIX:
        mask = categories == category
        hours[mask] = _hour(rng, category, int(mask.sum()))
    minutes = rng.integers(0, 60, total)
    records = [_record(seed, i, categories[i], lon[i], lat[i], start, day[i], hours[i], minutes[i], rng)
               for i in range(total)]

    planted = []
    chosen, centres, hot_categories = _plant_hotspots(rng, router, hotspots)
    for k, (segment, centre, category) in enumerate(zip(chosen, centres, hot_categories, strict=True)):
        busy = np.argsort(RHYTHM[category])[-3:]
        count = days * hotspot_per_day
        along = segment_points_near(rng, router, segment, centre, count, spread_m)
        hot_lon, hot_lat = to_wgs84.transform(along[:, 0], along[:, 1])
        hot_days = rng.integers(0, days, count)
        hot_hours = rng.choice(busy, size=count)
        hot_minutes = rng.integers(0, 60, count)
        for j in range(count):
            records.append(_record(seed, f"h{k}-{j}", category, hot_lon[j], hot_lat[j], start, hot_days[j],
                                   hot_hours[j], hot_minutes[j], rng))
        centre_lon, centre_lat = to_wgs84.transform(centre.x, centre.y)
        planted.append(PlantedHotspot(f"H{k + 1}", float(centre_lon), float(centre_lat), str(category), spread_m,
                                      count, tuple(sorted(int(h) for h in busy))))
    records.sort(key=lambda r: r["reported_at"])
    return records, planted


def segment_points_near(rng, router, segment: int, centre, count: int, spread_m: float) -> np.ndarray:
    """Points within about ``spread_m`` of a centre on ``segment``, along it and the streets that
    meet it at its ends (so they are near each other on foot too, not only in a straight line)."""
    segments = router.segments
    ends = {segments.u[segment], segments.v[segment]}
    nearby = segments.tree.query(centre.buffer(3 * spread_m), predicate="intersects")
    nearby = np.array([s for s in nearby if s == segment or segments.u[s] in ends or segments.v[s] in ends])
    pieces = shapely.intersection(segments.geometry_m[nearby], centre.buffer(3 * spread_m))
    lengths = shapely.length(pieces)
    keep = lengths > 0
    pieces, lengths = pieces[keep], lengths[keep]
    out = np.empty((count, 2))
    for i in range(count):
        # Distance from the centre ~ half-normal with scale spread_m, on a random nearby street.
        piece = pieces[rng.choice(len(pieces), p=lengths / lengths.sum())]
        target = centre.buffer(min(abs(rng.normal(0, spread_m)), 3 * spread_m) + 1.0).exterior
        crossing = piece.intersection(target)
        point = (shapely.get_parts(crossing)[0] if not crossing.is_empty
                 else shapely.ops.nearest_points(piece, centre)[0])
        out[i] = point.x, point.y
    return out


def _record(seed, index, category, lon, lat, start, day, hour, minute, rng) -> dict:
    reported = start + timedelta(days=int(day), hours=int(hour), minutes=int(minute))
    return {
        "external_id": f"demo-{seed}-{index}",
        "category": str(category),
        "source": str(rng.choice(list(SOURCE_MIX), p=list(SOURCE_MIX.values()))),
        "reported_at": reported.isoformat(),
        "lon": round(float(lon), 7),
        "lat": round(float(lat), 7),
        "datum": "wgs84",
    }
