"""The work a zone asks of its patrol in one shift, street segment by street segment (seconds), so that
generated zones are balanced on time and none holds more than its patrol's shift.

Per foot segment and patrol: riding the segment once (length / the patrol's speed; this also carries the
patrol between its stops), the key-block visits on it (visits per shift x ``routes.BLOCK_DWELL_S``), the
visits of the city's top congestion points on it (``routes.HOTSPOT_DWELL_S`` each, as routes plan them),
and the expected handling of its reports that fall within the patrol's shift hours (reports per day in
those local hours x the simulation's mean handling time).
"""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from planner.coverage import StreetSamples
from planner.routes import BLOCK_DWELL_S, HOTSPOT_DWELL_S, shift_window

__all__ = ["ShiftWorkload", "patrol_speed_kph", "segments_at", "shift_workload"]


def patrol_speed_kph(city, mode: str) -> float:
    """The speed (km/h) a patrol rides its zone's streets at: its mode's, a car 30 km/h in town."""
    return 30.0 if mode == "car" else city.profile.mode(mode).speed_kph


@dataclass
class ShiftWorkload:
    """``work_s``: seconds of work per (patrol, foot segment) in one shift; ``shift_s``: each patrol's shift (s);
    ``parts_s``: the city-wide totals of riding, key-block visits, congestion-point visits, handling (s)."""

    work_s: np.ndarray
    shift_s: np.ndarray
    parts_s: dict

    def utilisation(self, owner: np.ndarray) -> np.ndarray:
        """Per patrol: its zone's work over its shift (1.0 = the whole shift), zones given as ``owner``."""
        zones = len(self.shift_s)
        work = np.array([self.work_s[z, owner == z].sum() for z in range(zones)])
        return work / self.shift_s


def segments_at(city, lon, lat) -> np.ndarray:
    """The foot segment nearest each WGS-84 point (indices; empty for no point)."""
    if len(lon) == 0:
        return np.zeros(0, dtype=int)
    return np.asarray(city.router("foot").segments.locate(np.asarray(lon, float), np.asarray(lat, float))["segment"],
                      dtype=int)


def _shift_hours(patrol, timezone: str) -> np.ndarray:
    """24 weights: the share of each local hour of the day inside the patrol's shift."""
    start, length = shift_window(patrol, datetime(2026, 1, 5), timezone)
    weights = np.zeros(24)
    minute = 0.0
    while minute < length / 60.0:
        hour = (start.hour + int((start.minute + minute) // 60)) % 24
        weights[hour] += 1.0 / 60.0
        minute += 1.0
    return np.minimum(weights, 1.0)


def shift_workload(city, store, patrols, samples: StreetSamples, blocks_gdf, *, top_hotspots_per_zone: int = 3,
                   handling_s: float | None = None) -> ShiftWorkload:
    """The shift work of each patrol on each foot segment (see the module)."""
    from planner.hotspots import find_hotspots
    from planner.incidents import incidents_frame
    from planner.simulation import mean_handling_s

    handling_s = mean_handling_s() if handling_s is None else handling_s
    segments = len(samples.length_m)
    timezone = city.profile.timezone
    speeds_ms = np.array([patrol_speed_kph(city, p.mode) / 3.6 for p in patrols])
    shift_s = np.array([shift_window(p, datetime(2026, 1, 5), timezone)[1] for p in patrols])
    ride = samples.length_m[None, :] / speeds_ms[:, None]

    visits = np.zeros(segments)
    if blocks_gdf is not None and len(blocks_gdf):
        points = blocks_gdf.geometry.representative_point()
        where = segments_at(city, points.x.to_numpy(), points.y.to_numpy())
        per_shift = np.maximum(1, blocks_gdf["visits_per_shift"].fillna(1).astype(int).to_numpy())
        np.add.at(visits, where, per_shift * BLOCK_DWELL_S)

    frame = incidents_frame(store, city.slug)
    hotspot_visits = np.zeros(segments)
    by_hour = np.zeros((segments, 24))
    if len(frame):
        spots = find_hotspots(frame, crs=city.crs, timezone=timezone)[: top_hotspots_per_zone * len(patrols)]
        if spots:
            where = segments_at(city, np.array([s.lon for s in spots]), np.array([s.lat for s in spots]))
            np.add.at(hotspot_visits, where, HOTSPOT_DWELL_S)
        lon = frame["snapped_lon"].fillna(frame["lon"]).to_numpy()
        lat = frame["snapped_lat"].fillna(frame["lat"]).to_numpy()
        local = pd.to_datetime(frame["reported_at"]).dt.tz_localize("UTC").dt.tz_convert(ZoneInfo(timezone))
        days = max(1.0, (local.max() - local.min()).total_seconds() / 86400.0)
        np.add.at(by_hour, (segments_at(city, lon, lat), local.dt.hour.to_numpy()), handling_s / days)
    handling = np.vstack([by_hour @ _shift_hours(p, timezone) for p in patrols]) if patrols else np.zeros((0, segments))

    work = ride + visits[None, :] + hotspot_visits[None, :] + handling
    parts = {"riding_s": float(ride.min(axis=0).sum()) if len(patrols) else 0.0, "key_block_visits_s": float(visits.sum()),
             "congestion_point_visits_s": float(hotspot_visits.sum()), "handling_s": float(by_hour.sum())}
    return ShiftWorkload(work, shift_s, parts)
