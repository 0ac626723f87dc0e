"""An officer's current assignment as the phone shows it: the report's place, category and street, the times
(assigned, accepted, arrived; the target), the ETA now and the fastest route there from the patrol's
latest position (or its base)."""

import shapely

from geo.errors import PatrolError
from planner.clock import utc_now
from planner.dispatch import active_dispatch, incident_streets
from planner.patrols import get_patrol

__all__ = ["current_assignment"]


def _stamp(at):
    return at.isoformat() + "Z" if at else None


def current_assignment(store, city, patrol_id: str) -> dict | None:
    """The patrol's open dispatch as JSON-ready data (route WGS-84 GeoJSON; seconds), or None."""
    dispatch = active_dispatch(store, city.slug, patrol_id)
    if dispatch is None:
        return None
    patrol = get_patrol(store, city.slug, patrol_id)
    now = utc_now()
    data = {"dispatch_id": dispatch.id, "incident_id": dispatch.incident_id, "status": dispatch.status,
            "category": dispatch.category, "lon": dispatch.lon, "lat": dispatch.lat,
            "street": incident_streets(store, [dispatch.incident_id]).get(dispatch.incident_id),
            "reported_at": _stamp(dispatch.reported_at), "assigned_at": _stamp(dispatch.assigned_at),
            "accepted_at": _stamp(dispatch.accepted_at), "arrived_at": _stamp(dispatch.arrived_at),
            "assigned_by": dispatch.assigned_by, "predicted_eta_s": round(dispatch.predicted_eta_s, 1),
            "target_s": dispatch.target_s,
            "seconds_left": round(dispatch.target_s - (now - dispatch.reported_at).total_seconds(), 1),
            "route": None, "eta_s": None, "distance_m": None}
    lon, lat = (patrol.last_lon, patrol.last_lat) if patrol.last_lon is not None else (patrol.base_lon, patrol.base_lat)
    try:
        router = city.router(patrol.mode)
        route = router.route(router.snap(lon, lat), router.snap(dispatch.lon, dispatch.lat))
    except PatrolError:  # off the streets or unreachable: the place is still shown
        return data
    data |= {"route": shapely.geometry.mapping(route.geometry), "eta_s": round(route.travel_time_s, 1),
             "distance_m": round(route.distance_m, 1)}
    return data
