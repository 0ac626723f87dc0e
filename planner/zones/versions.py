"""Zone versions in the store: saved whole and never overwritten, listed, loaded, compared."""

import json

import numpy as np
import shapely
from sqlalchemy import func, select

from planner import audit
from planner.clock import utc_now
from planner.models import Zone, ZoneVersion
from planner.zones.model import PlanZone, ZoneError, ZonePlan, segment_index

__all__ = ["diff_versions", "list_versions", "load_version", "moved_segments", "save_version"]


def save_version(store, city, plan: ZonePlan, *, author: str, comment: str | None = None,
                 source: str = "generated") -> int:
    """Store a plan as the city's next version (never overwriting one); returns its number."""
    keys, _ = segment_index(city)
    lengths = city.router("foot").segments.length_m
    with store.session() as session, session.begin():
        number = (session.scalar(select(func.max(ZoneVersion.version)).where(ZoneVersion.city == city.slug)) or 0) + 1
        version = ZoneVersion(city=city.slug, version=number, author=author, comment=comment, source=source,
                              created_at=utc_now())
        session.add(version)
        session.flush()
        for zone in plan.zones:
            session.add(Zone(version_id=version.id, zone_id=zone.zone_id, name=zone.name,
                             patrol_ids=",".join(zone.patrol_ids),
                             segments_json=json.dumps(keys[zone.segments].tolist()),
                             polygon_wkt=(zone.polygon or shapely.Polygon()).wkt,
                             street_km=float(lengths[zone.segments].sum() / 1000.0)))
        audit.record(session, city.slug, "zones.save", f"zone version {number}", {
            "version": number, "author": author, "comment": comment, "source": source, "zones": len(plan.zones)})
    return number


def list_versions(store, city) -> list[dict]:
    """The city's zone versions, oldest first."""
    with store.session() as session:
        rows = session.scalars(select(ZoneVersion).where(ZoneVersion.city == city.slug).order_by(ZoneVersion.version))
        return [{"version": v.version, "author": v.author, "comment": v.comment, "source": v.source,
                 "created_at": v.created_at.isoformat() + "Z"} for v in rows]


def load_version(store, city, version: int | None = None) -> tuple[int, ZonePlan]:
    """A stored version (the newest by default) as a plan of foot segment indices."""
    _, lookup = segment_index(city)
    with store.session() as session:
        query = select(ZoneVersion).where(ZoneVersion.city == city.slug)
        query = query.where(ZoneVersion.version == version) if version else query.order_by(ZoneVersion.version.desc())
        row = session.scalars(query.limit(1)).first()
        if row is None:
            known = [v["version"] for v in list_versions(store, city)]
            raise ZoneError(f"no zone version {version or '(any)'} for {city.slug}; versions: {known or 'none'} "
                            "(make one with: patrol zones generate)")
        zones = session.scalars(select(Zone).where(Zone.version_id == row.id).order_by(Zone.zone_id)).all()
    plan = ZonePlan([PlanZone(z.zone_id, z.name, [p for p in z.patrol_ids.split(",") if p],
                              np.array([lookup[tuple(pair)] for pair in json.loads(z.segments_json)
                                        if tuple(pair) in lookup], dtype=np.int64),
                              shapely.from_wkt(z.polygon_wkt)) for z in zones])
    return row.version, plan


def moved_segments(plan_a: ZonePlan, plan_b: ZonePlan) -> dict[tuple, list[int]]:
    """Foot segment indices that changed zone from ``plan_a`` to ``plan_b``, by (from zone, to zone)."""
    owner_a, owner_b = {}, {}
    for plan, owner in ((plan_a, owner_a), (plan_b, owner_b)):
        for zone in plan.zones:
            owner.update(dict.fromkeys(zone.segments.tolist(), zone.zone_id))
    moved: dict[tuple, list[int]] = {}
    for s in sorted(set(owner_a) | set(owner_b)):
        if owner_a.get(s) != owner_b.get(s):
            moved.setdefault((owner_a.get(s), owner_b.get(s)), []).append(s)
    return moved


def diff_versions(store, city, a: int, b: int) -> dict:
    """Segments that changed zone between versions ``a`` and ``b``: count, km, and per zone pair."""
    _, plan_a = load_version(store, city, a)
    _, plan_b = load_version(store, city, b)
    lengths = city.router("foot").segments.length_m
    moved = moved_segments(plan_a, plan_b)
    return {
        "from_version": a, "to_version": b,
        "segments_moved": sum(len(v) for v in moved.values()),
        "km_moved": round(float(sum(lengths[v].sum() for v in moved.values()) / 1000.0), 3),
        "moves": [{"from_zone": f, "to_zone": t, "segments": len(v), "km": round(float(lengths[v].sum() / 1000.0), 3)}
                  for (f, t), v in sorted(moved.items(), key=lambda kv: -lengths[kv[1]].sum())],
    }
