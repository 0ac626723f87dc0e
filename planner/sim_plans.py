"""Plans to simulate: where the patrols are over a day, and which zone each street belongs to.

A plan is written ``bases`` (every patrol at its base), ``N`` (zone version N, patrols on their
planned routes) or either followed by ``:without=ID,ID`` (those patrols removed).
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np

from geo.errors import PatrolError
from planner.patrols import list_patrols
from planner.route_plans import plan_routes
from planner.routes import shift_window
from planner.simulation import static_timeline, timeline_from_route
from planner.zones import load_version

__all__ = ["PlanSpecError", "build_plan", "parse_plan"]


class PlanSpecError(PatrolError):
    """A plan specification cannot be read."""


def parse_plan(spec: str) -> tuple[str | int, set[str]]:
    """``"3:without=F01,E02"`` -> (3, {"F01", "E02"}); ``"bases"`` -> ("bases", set())."""
    head, _, tail = str(spec).partition(":")
    removed = set()
    if tail:
        key, _, value = tail.partition("=")
        if key.strip() != "without" or not value.strip():
            raise PlanSpecError(f"plan {spec!r}: after ':' expected 'without=ID,ID'.")
        removed = {p.strip() for p in value.split(",") if p.strip()}
    head = head.strip()
    if head == "bases":
        return "bases", removed
    try:
        return int(head.lstrip("vV")), removed
    except ValueError:
        raise PlanSpecError(f"plan {spec!r}: expected 'bases' or a zone version number, e.g. '2' or '2:without=F01'.") from None


def build_plan(store, city, blocks_gdf, spec: str, *, day: datetime, time_limit_s: float = 0.5,
               progress=lambda message: None):
    """Return (name, timelines, zone_of_segment) for a plan specification."""
    which, removed = parse_plan(spec)
    tz = ZoneInfo(city.profile.timezone)
    midnight = datetime(day.year, day.month, day.day, tzinfo=tz)
    patrols = {p.id: p for p in list_patrols(store, city.slug)}
    unknown = removed - set(patrols)
    if unknown:
        raise PlanSpecError(f"plan {spec!r}: no patrol {', '.join(sorted(unknown))}.")
    zone_of_segment = None
    timelines = []
    if which == "bases":
        for patrol in patrols.values():
            if patrol.id in removed:
                continue
            start, shift_s = shift_window(patrol, day, city.profile.timezone)
            timelines.append(static_timeline(patrol, (start - midnight).total_seconds(), shift_s))
    else:
        number, plan = load_version(store, city, which)
        zone_of_segment = np.full(len(city.router("foot").segments), None, dtype=object)
        for zone in plan.zones:
            zone_of_segment[zone.segments] = zone.zone_id
        result = plan_routes(store, city, blocks_gdf, version=number, day=day, time_limit_s=time_limit_s,
                             progress=progress)
        for _, route in result["routes"]:
            patrol = patrols[route.patrol_id]
            if patrol.id in removed:
                continue
            start = route.shift_start
            timelines.append(timeline_from_route(city, patrol, route, (start - midnight).total_seconds()))
    if not timelines:
        raise PlanSpecError(f"plan {spec!r} has no patrols.")
    return spec, timelines, zone_of_segment
