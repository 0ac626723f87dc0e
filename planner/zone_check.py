"""Checking a zone version against the coverage guarantee (see planner.coverage)."""

import hashlib
import time

import numpy as np

from planner.coverage import StreetSamples, evaluate_zone
from planner.incidents import incidents_frame
from planner.patrols import list_patrols
from planner.zones import load_version, segment_index

__all__ = ["check_version", "samples_for"]

_SAMPLES: dict[str, StreetSamples] = {}
_ZONE_RESULTS: dict[tuple, dict] = {}  # a zone's inputs -> its coverage (this process); see check_version
_ZONE_RESULTS_MAX = 5000


def samples_for(city) -> StreetSamples:
    """The city's street samples, made once per process."""
    if city.key not in _SAMPLES:
        _SAMPLES[city.key] = StreetSamples.for_city(city)
    return _SAMPLES[city.key]


def _zone_key(city, zone, positions, target_s: float, report_lons, report_lats) -> tuple:
    """Everything a zone's coverage depends on (the city build, its streets, its patrols' positions and modes,
    the target, its past reports), hashed: equal keys, equal results."""
    digest = hashlib.sha256()
    for array in (np.asarray(zone.segments, dtype=np.int64), np.asarray(report_lons, dtype=float),
                  np.asarray(report_lats, dtype=float)):
        digest.update(array.tobytes())
        digest.update(b"|")
    digest.update(repr((positions, float(target_s))).encode())
    return city.key, digest.hexdigest()


def check_version(store, city, version: int | None = None, *, samples: StreetSamples | None = None,
                  with_segments: bool = False, incremental: bool = True) -> dict:
    """Per zone: worst case (s), share of street km and of past dog reports within target,
    uncovered km; positions are the patrols' bases (standby points when routes exist).
    ``with_segments``: also each zone's uncovered foot segment indices (``uncovered_segment_ids``).
    ``incremental``: a zone whose streets, patrols, positions and reports are those of a zone already proved in
    this process keeps that proof (each zone's worst case depends on nothing else), so after a planner redraws
    one zone only the zones that changed are computed again; ``zones_recomputed`` counts them."""
    started = time.perf_counter()
    number, plan = load_version(store, city, version)
    samples = samples or samples_for(city)
    target = city.profile.target_s("stray_dog")
    patrols = {p.id: p for p in list_patrols(store, city.slug)}
    reports = incidents_frame(store, city.slug, category="stray_dog")
    _, lookup = segment_index(city)
    report_segment = np.array([lookup.get((u, v), -1) for u, v in zip(reports.get("segment_u", []),
                                                                       reports.get("segment_v", []), strict=True)])
    results, recomputed = [], 0
    for zone in plan.zones:
        positions = [(patrols[p].mode, patrols[p].base_lon, patrols[p].base_lat) for p in zone.patrol_ids if p in patrols]
        mine = np.isin(report_segment, zone.segments) if len(report_segment) else np.zeros(0, bool)
        lons, lats = (reports["lon"].to_numpy()[mine], reports["lat"].to_numpy()[mine]) if mine.any() else ([], [])
        key = _zone_key(city, zone, positions, target, lons, lats) + (zone.zone_id, len(samples.segment))
        found = _ZONE_RESULTS.get(key) if incremental else None
        if found is None:
            recomputed += 1
            zone_reports = StreetSamples.for_points(lons, lats) if mine.any() else None
            coverage = evaluate_zone(city, samples, zone.zone_id, zone.segments, positions, target_s=target,
                                     reports=zone_reports)
            found = coverage.as_dict() | {"uncovered_segment_ids": coverage.uncovered_segments}
            if len(_ZONE_RESULTS) >= _ZONE_RESULTS_MAX:
                _ZONE_RESULTS.clear()
            _ZONE_RESULTS[key] = found
        results.append({k: v for k, v in found.items() if with_segments or k != "uncovered_segment_ids"})
    lengths = samples.length_m
    assigned = np.zeros(len(lengths), dtype=bool)
    for zone in plan.zones:
        assigned[zone.segments] = True
    unassigned_km = float(lengths[~assigned].sum() / 1000.0)
    return {
        "city": city.slug, "version": number, "target_s": target, "zones": results,
        "all_covered": all(z["uncovered_km"] == 0 for z in results) and unassigned_km == 0,
        "unassigned_km": round(unassigned_km, 3), "zones_recomputed": recomputed,
        "seconds": round(time.perf_counter() - started, 3),
    }
