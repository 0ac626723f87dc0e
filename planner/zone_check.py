"""Checking a zone version against the coverage guarantee (see planner.coverage)."""

import time

import numpy as np

from planner.coverage import StreetSamples, evaluate_zone
from planner.incidents import incidents_frame
from planner.patrols import list_patrols
from planner.zones import load_version, segment_index

__all__ = ["check_version", "samples_for"]

_SAMPLES: dict[str, StreetSamples] = {}


def samples_for(city) -> StreetSamples:
    """The city's street samples, made once per process."""
    if city.key not in _SAMPLES:
        _SAMPLES[city.key] = StreetSamples.for_city(city)
    return _SAMPLES[city.key]


def check_version(store, city, version: int | None = None, *, samples: StreetSamples | None = None,
                  with_segments: bool = False) -> dict:
    """Per zone: worst case (s), share of street km and of past dog reports within target,
    uncovered km; positions are the patrols' bases (standby points when routes exist).
    ``with_segments``: also each zone's uncovered foot segment indices (``uncovered_segment_ids``)."""
    started = time.perf_counter()
    number, plan = load_version(store, city, version)
    samples = samples or samples_for(city)
    target = city.profile.target_s("stray_dog")
    patrols = {p.id: p for p in list_patrols(store, city.slug)}
    reports = incidents_frame(store, city.slug, category="stray_dog")
    _, lookup = segment_index(city)
    report_segment = np.array([lookup.get((u, v), -1) for u, v in zip(reports.get("segment_u", []),
                                                                       reports.get("segment_v", []), strict=True)])
    results = []
    for zone in plan.zones:
        positions = [(patrols[p].mode, patrols[p].base_lon, patrols[p].base_lat) for p in zone.patrol_ids if p in patrols]
        mine = np.isin(report_segment, zone.segments) if len(report_segment) else np.zeros(0, bool)
        zone_reports = StreetSamples.for_points(reports["lon"].to_numpy()[mine], reports["lat"].to_numpy()[mine]) \
            if mine.any() else None
        coverage = evaluate_zone(city, samples, zone.zone_id, zone.segments, positions, target_s=target,
                                 reports=zone_reports)
        results.append(coverage.as_dict() | ({"uncovered_segment_ids": coverage.uncovered_segments} if with_segments else {}))
    lengths = samples.length_m
    assigned = np.zeros(len(lengths), dtype=bool)
    for zone in plan.zones:
        assigned[zone.segments] = True
    unassigned_km = float(lengths[~assigned].sum() / 1000.0)
    return {
        "city": city.slug, "version": number, "target_s": target, "zones": results,
        "all_covered": all(z["uncovered_km"] == 0 for z in results) and unassigned_km == 0,
        "unassigned_km": round(unassigned_km, 3), "seconds": round(time.perf_counter() - started, 3),
    }
