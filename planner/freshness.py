"""Small stamps of what the planner's costly views are computed from (incidents, patrols), so that a view
kept in memory is used again only while its inputs are unchanged. Each stamp is one cheap SQL query."""

from sqlalchemy import func, select

from planner.models import Incident, Patrol

__all__ = ["incidents_stamp", "patrols_stamp"]


def incidents_stamp(store, city_slug: str) -> tuple[int, int]:
    """(count, highest id) of the city's incidents: changes when one is added or removed."""
    with store.session() as session:
        count, highest = session.execute(select(func.count(Incident.id), func.max(Incident.id))
                                         .where(Incident.city == city_slug)).one()
    return int(count), int(highest or 0)


def patrols_stamp(store, city_slug: str) -> int:
    """A hash of the patrols' planning fields (mode, base, zone, shift); positions and status left out."""
    columns = (Patrol.id, Patrol.mode, Patrol.base_lon, Patrol.base_lat, Patrol.zone, Patrol.shift_start,
               Patrol.shift_end)
    with store.session() as session:
        rows = session.execute(select(*columns).where(Patrol.city == city_slug).order_by(Patrol.id)).all()
    return hash(tuple(tuple(row) for row in rows))
