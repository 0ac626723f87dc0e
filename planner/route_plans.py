"""Planning the routes of every patrol of a zone version (see planner.routes)."""

import hashlib
import json
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import shapely
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from geo.errors import NotFoundError
from planner.clock import utc_now
from planner.hotspots import find_hotspots
from planner.incidents import incidents_frame
from planner.models import PlannedRoute
from planner.patrols import get_patrol, list_patrols
from planner.routes import PatrolRoute, Stop, order_time_limit, plan_route, shift_window, zone_stops
from planner.zone_check import samples_for
from planner.zones import PlanZone, list_versions, load_version

__all__ = ["NoZoneError", "plan_routes", "todays_route"]

ROUTE_CACHE_SIZE = 500
SOLVER_BUDGET_S = 60.0  # seconds of route ordering for all routes of a plan together (see solver_limits)


class NoZoneError(NotFoundError):
    """The patrol has no zone in the newest zone version, so it has no route."""


def plan_routes(store, city, blocks_gdf, *, patrol_id: str | None = None, version: int | None = None,
                day: datetime | None = None, time_limit_s: float | None = None, progress=lambda message: None) -> dict:
    """Routes for the patrols of a zone version (the newest by default), for one day's shifts;
    ``time_limit_s`` per route (None: scaled with the stops, ``routes.order_time_limit``)."""
    number, plan = load_version(store, city, version)
    patrols = {p.id: p for p in list_patrols(store, city.slug)}
    samples = samples_for(city)
    day = day or datetime.now(ZoneInfo(city.profile.timezone))
    frame = incidents_frame(store, city.slug)
    hotspots = find_hotspots(frame, crs=city.crs, timezone=city.profile.timezone) if len(frame) else []
    target = city.profile.target_s("stray_dog")
    work = []
    for zone in plan.zones:
        for pid in zone.patrol_ids:
            if pid not in patrols or (patrol_id and pid != patrol_id):
                continue
            patrol = patrols[pid]
            start, shift_s = shift_window(patrol, day, city.profile.timezone)
            work.append((zone, patrol, zone_stops(city, zone, blocks_gdf, hotspots, shift_s=shift_s, shift_start_local=start)))
    limits = solver_limits([len(stops) for _, _, stops in work], time_limit_s)
    routes = []
    for (zone, patrol, stops), limit in zip(work, limits, strict=True):
        progress(f"{patrol.id}: {len(stops)} stops in zone {zone.zone_id} ...")
        routes.append((zone, plan_route(city, patrol, zone, stops, samples, day=day, target_s=target, time_limit_s=limit)))
    return {"version": number, "target_s": target, "routes": routes}


def solver_limits(stop_counts: list[int], time_limit_s: float | None, *, budget_s: float = SOLVER_BUDGET_S) -> list:
    """Each route's ordering time (s): ``time_limit_s`` when given; else the default for its stops
    (``routes.order_time_limit``), all scaled down together (to 1 s at least) when they would sum to more than
    ``budget_s``, so that 60 patrols' routes take minutes, not a quarter of an hour."""
    if time_limit_s is not None:
        return [time_limit_s] * len(stop_counts)
    defaults = [order_time_limit(n) for n in stop_counts]
    factor = min(1.0, budget_s / sum(defaults)) if defaults else 1.0
    return [None if factor == 1.0 else max(1.0, d * factor) for d in defaults]


def _route_json(zone, route) -> str:
    """(zone, route) as JSON (WGS-84 geometries as WKT)."""
    return json.dumps({
        "zone": {"zone_id": zone.zone_id, "name": zone.name, "patrol_ids": list(zone.patrol_ids),
                 "segments": [int(s) for s in zone.segments],
                 "polygon_wkt": None if zone.polygon is None else zone.polygon.wkt},
        "route": {"patrol_id": route.patrol_id, "mode": route.mode, "duration_s": route.duration_s,
                  "length_m": route.length_m, "shift_s": route.shift_s, "worst_case_s": route.worst_case_s,
                  "guarantee_holds": route.guarantee_holds, "dropped": route.dropped, "proposal": route.proposal,
                  "ordering": route.ordering, "geometry_wkt": None if route.geometry is None else route.geometry.wkt,
                  "shift_start": None if route.shift_start is None else route.shift_start.isoformat(),
                  "stops": [{"kind": s.kind, "ref": s.ref, "name": s.name, "lon": s.lon, "lat": s.lat,
                             "dwell_s": s.dwell_s, "window": s.window, "arrival_s": s.arrival_s} for s in route.stops]},
    }, ensure_ascii=False)


def _route_from_json(text: str):
    data = json.loads(text)
    z, r = data["zone"], data["route"]
    zone = PlanZone(z["zone_id"], z["name"], z["patrol_ids"], np.asarray(z["segments"], dtype=np.int64),
                    shapely.from_wkt(z["polygon_wkt"]) if z["polygon_wkt"] else None)
    stops = [Stop(s["kind"], s["ref"], s["name"], s["lon"], s["lat"], s["dwell_s"],
                  tuple(s["window"]) if s["window"] else None, s["arrival_s"]) for s in r["stops"]]
    route = PatrolRoute(r["patrol_id"], r["mode"], stops, r["duration_s"], r["length_m"], r["shift_s"],
                        r["worst_case_s"], r["guarantee_holds"],
                        shapely.from_wkt(r["geometry_wkt"]) if r["geometry_wkt"] else None,
                        datetime.fromisoformat(r["shift_start"]) if r["shift_start"] else None,
                        r["dropped"], r["proposal"], r.get("ordering"))
    return zone, route


def todays_route(store, city, blocks_gdf, patrol_id: str, *, cache: dict, time_limit_s: float = 1.0):
    """(zone, route) of a patrol for today in the city's time zone.

    Planned once per patrol, zone version, local day and roster entry and kept in the store, so every
    server shows the same route (and in ``cache`` for this process: a phone reloads often). Raises
    UnknownPatrolError or NoZoneError (both "not found").
    """
    patrol = get_patrol(store, city.slug, patrol_id)
    versions = list_versions(store, city)
    today = datetime.now(ZoneInfo(city.profile.timezone)).date()
    key = (patrol_id, versions[-1]["version"] if versions else None, today.isoformat(), patrol.mode, patrol.base_lon,
           patrol.base_lat, patrol.shift_start, patrol.shift_end, patrol.zone)
    if key in cache:
        return cache[key]
    plan_key = hashlib.sha256(json.dumps(key[1:], default=str).encode()).hexdigest()[:40]
    with store.session() as session:
        row = session.scalars(select(PlannedRoute).where(
            PlannedRoute.city == city.slug, PlannedRoute.patrol_id == patrol_id, PlannedRoute.plan_key == plan_key,
        )).first()
    if row is not None:
        planned = _route_from_json(row.payload_json)
    else:
        result = plan_routes(store, city, blocks_gdf, patrol_id=patrol_id, time_limit_s=time_limit_s)
        if not result["routes"]:
            raise NoZoneError(f"patrol {patrol_id!r} has no zone")
        planned = result["routes"][0]
        try:
            with store.session() as session, session.begin():
                session.add(PlannedRoute(city=city.slug, patrol_id=patrol_id, plan_key=plan_key,
                                         payload_json=_route_json(*planned), created_at=utc_now()))
        except IntegrityError:  # another server planned it at the same moment: theirs is kept
            pass
    if len(cache) > ROUTE_CACHE_SIZE:
        cache.clear()
    cache[key] = planned
    return planned
