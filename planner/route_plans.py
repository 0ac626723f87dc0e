"""Planning the routes of every patrol of a zone version (see planner.routes)."""

from datetime import datetime
from zoneinfo import ZoneInfo

from geo.errors import NotFoundError
from planner.hotspots import find_hotspots
from planner.incidents import incidents_frame
from planner.patrols import get_patrol, list_patrols
from planner.routes import plan_route, shift_window, zone_stops
from planner.zone_check import samples_for
from planner.zones import list_versions, load_version

__all__ = ["NoZoneError", "plan_routes", "todays_route"]

ROUTE_CACHE_SIZE = 500


class NoZoneError(NotFoundError):
    """The patrol has no zone in the newest zone version, so it has no route."""


def plan_routes(store, city, blocks_gdf, *, patrol_id: str | None = None, version: int | None = None,
                day: datetime | None = None, time_limit_s: float = 5.0, progress=lambda message: None) -> dict:
    """Routes for the patrols of a zone version (the newest by default), for one day's shifts."""
    number, plan = load_version(store, city, version)
    patrols = {p.id: p for p in list_patrols(store, city.slug)}
    samples = samples_for(city)
    day = day or datetime.now(ZoneInfo(city.profile.timezone))
    frame = incidents_frame(store, city.slug)
    hotspots = find_hotspots(frame, crs=city.crs, timezone=city.profile.timezone) if len(frame) else []
    target = city.profile.target_s("stray_dog")
    routes = []
    for zone in plan.zones:
        for pid in zone.patrol_ids:
            if pid not in patrols or (patrol_id and pid != patrol_id):
                continue
            patrol = patrols[pid]
            start, shift_s = shift_window(patrol, day, city.profile.timezone)
            stops = zone_stops(city, zone, blocks_gdf, hotspots, shift_s=shift_s, shift_start_local=start)
            progress(f"{pid}: {len(stops)} stops in zone {zone.zone_id} ...")
            route = plan_route(city, patrol, zone, stops, samples, day=day, target_s=target, time_limit_s=time_limit_s)
            routes.append((zone, route))
    return {"version": number, "target_s": target, "routes": routes}


def todays_route(store, city, blocks_gdf, patrol_id: str, *, cache: dict, time_limit_s: float = 1.0):
    """(zone, route) of a patrol for today in the city's time zone.

    Planned once per patrol, zone version, local day and roster entry, then kept in ``cache`` (a
    phone reloads often). Raises UnknownPatrolError or NoZoneError (both "not found").
    """
    patrol = get_patrol(store, city.slug, patrol_id)
    versions = list_versions(store, city)
    today = datetime.now(ZoneInfo(city.profile.timezone)).date()
    key = (patrol_id, versions[-1]["version"] if versions else None, today, patrol.mode, patrol.base_lon,
           patrol.base_lat, patrol.shift_start, patrol.shift_end, patrol.zone)
    if key not in cache:
        result = plan_routes(store, city, blocks_gdf, patrol_id=patrol_id, time_limit_s=time_limit_s)
        if not result["routes"]:
            raise NoZoneError(f"patrol {patrol_id!r} has no zone")
        if len(cache) > ROUTE_CACHE_SIZE:
            cache.clear()
        cache[key] = result["routes"][0]
    return cache[key]
