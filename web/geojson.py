"""What the pages and the API show, shaped as plain dicts and GeoJSON (WGS-84 lon/lat).

Pure reads of the resources (store, city, key blocks); no request parsing here (``web.args``).
"""

from shapely.geometry import mapping

__all__ = ["block_collection", "collection", "dispatch_rows", "hot_segment_collection", "hotspot_rows",
           "incident_rows", "patrol_features", "point", "version_check", "version_plan", "version_table"]


def patrol_features(res) -> list[dict]:
    """The patrols with their availability and position age now, as dicts (WGS-84)."""
    from planner.clock import utc_now
    from planner.patrols import availability, list_patrols

    now = utc_now()
    profile = res.city.profile
    rows = []
    for p in list_patrols(res.store, res.city.slug):
        status = availability(p, now, timezone=profile.timezone, stale_after_s=profile.stale_position_s)
        rows.append({"id": p.id, "call_sign": p.call_sign, "mode": p.mode, "status": p.status, "zone": p.zone,
                     "available": status.available, "reason": status.reason, "lon": status.lon, "lat": status.lat,
                     "position_age_s": None if status.position_age_s is None else round(status.position_age_s, 1),
                     "stale": status.stale})
    return rows


def incident_rows(res, limit: int = 10_000) -> list[dict]:
    """The newest open incidents (WGS-84)."""
    from planner.incidents import open_incident_points

    return [{"id": id_, "category": category, "lon": round(lon, 6), "lat": round(lat, 6),
             "reported_at": reported_at.isoformat() + "Z"}
            for id_, category, lon, lat, reported_at in open_incident_points(res.store, res.city.slug, limit)]


def incidents_in_window(res, category: str | None, days: int, hours: tuple[int, int] | None):
    """The city's incidents of the last ``days`` days (of ``category``, within local ``hours``)."""
    from planner.incidents import incidents_in_window as window

    return window(res.store, res.city, category=category, days=days, hours=hours)


def hotspot_rows(res, *, category: str | None = None, days: int = 30, hours: tuple[int, int] | None = None) -> list[dict]:
    """Congestion points (planar DBSCAN, 50 m) of the filtered incidents, as dicts (WGS-84); computed
    once per hour and incident change (``Resources.view``)."""
    from planner.hotspots import find_hotspots

    def compute():
        frame = incidents_in_window(res, category, days, hours)
        return [s.as_dict() for s in find_hotspots(frame, crs=res.city.crs, timezone=res.city.profile.timezone)]

    return [dict(s) for s in res.view("hotspots", (category, days, hours), compute)]


def hot_segment_collection(res, *, category: str | None = None, days: int = 30,
                           hours: tuple[int, int] | None = None, permutations: int = 199) -> dict:
    """Getis-Ord Gi* hot segments of the filtered incidents as GeoJSON lines (WGS-84); computed once per
    hour and incident change (``Resources.view``; read-only)."""
    from planner.hotspots import hot_segments

    def compute():
        frame = incidents_in_window(res, category, days, hours)
        features = []
        if len(frame) >= 3:
            table = hot_segments(frame, res.city.router("foot"), permutations=permutations)
            for r in table[table["hot"]].itertuples():
                features.append({"type": "Feature", "geometry": mapping(r.geometry),
                                 "properties": {"street": r.name if isinstance(r.name, str) else "",
                                                "count": int(r.count), "z": round(float(r.z), 2)}})
        return {"type": "FeatureCollection", "features": features}

    return res.view("hot_segments", (category, days, hours, permutations), compute)


def version_check(res, version: int) -> dict:
    """``zone_check.check_version`` of a zone version with its uncovered segments; computed once per hour
    and incident or patrol change (``Resources.view``; read-only)."""
    from planner.zone_check import check_version

    return res.view("check", (version,), lambda: check_version(res.store, res.city, version, with_segments=True),
                    patrols=True)


def version_plan(res, version: int):
    """The ``ZonePlan`` of a zone version (versions never change once saved; read-only)."""
    from planner.zones import load_version

    return res.view("plan", (version,), lambda: load_version(res.store, res.city, version)[1], incidents=False)


def version_table(res, version: int) -> list[dict]:
    """``zone_table.zone_rows`` of a zone version: the numbers beside the map and in the downloads
    (``Resources.view``; copy a row before changing it)."""
    from planner.zone_table import zone_rows

    return res.view("zone_rows", (version,), lambda: zone_rows(res.store, res.city, version_plan(res, version),
                                                               version_check(res, version), res.blocks), patrols=True)


def block_collection(res, *, tolerance_deg: float = 0.00003) -> dict:
    """The key blocks as GeoJSON polygons (simplified, WGS-84)."""
    blocks = res.blocks
    features = [{"type": "Feature", "geometry": mapping(geom.simplify(tolerance_deg)),
                 "properties": {"block_id": str(b), "name": str(n), "kind": str(k)}}
                for b, n, k, geom in zip(blocks["id"], blocks["name"], blocks["kind"], blocks.geometry, strict=True)]
    return {"type": "FeatureCollection", "features": features}


def dispatch_rows(res, *, active_only: bool = True) -> list[dict]:
    """Dispatches (newest first) as dicts; ``seconds_left``: the time left before the category's target
    (negative once late; None once arrived), times ISO UTC."""
    from planner.clock import utc_now
    from planner.dispatch import incident_streets, list_dispatches

    def stamp(at):
        return at.isoformat() + "Z" if at else None

    now = utc_now()
    chosen = [d for d in list_dispatches(res.store, res.city.slug) if not active_only or d.status != "closed"]
    streets = incident_streets(res.store, [d.incident_id for d in chosen])
    rows = [{"id": d.id, "incident_id": d.incident_id, "patrol_id": d.patrol_id, "category": d.category,
             "status": d.status, "lon": d.lon, "lat": d.lat, "street": streets.get(d.incident_id, ""),
             "predicted_eta_s": d.predicted_eta_s, "target_s": d.target_s, "reported_at": stamp(d.reported_at),
             "assigned_at": stamp(d.assigned_at), "arrived_at": stamp(d.arrived_at), "assigned_by": d.assigned_by or "",
             "seconds_left": None if d.arrived_at or d.closed_at else
             round(d.target_s - (now - d.reported_at).total_seconds())}
            for d in chosen]
    return sorted(rows, key=lambda r: -r["id"])


def collection(rows, geometry) -> dict:
    """A FeatureCollection of ``rows`` (dicts), each with ``geometry(row)`` and the row as properties."""
    return {"type": "FeatureCollection",
            "features": [{"type": "Feature", "geometry": geometry(r), "properties": r} for r in rows]}


def point(r) -> dict:
    """A GeoJSON point at a row's ``lon``/``lat``."""
    return {"type": "Point", "coordinates": [r["lon"], r["lat"]]}
