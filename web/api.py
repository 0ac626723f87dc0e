"""JSON API: GeoJSON for everything the pages show, the dispatch recommendation and lifecycle,
and patrol positions. Described by ``/api/openapi.json`` (``web/openapi.py``).

Writes (POST) need a CSRF token like the forms: send it as the ``X-CSRFToken`` header (get one from
``GET /api/csrf`` in the same session).
"""

from flask import Blueprint, abort, jsonify, request
from flask_login import current_user
from shapely.geometry import mapping

from web.auth import roles_required
from web.resources import get_resources

__all__ = ["bp", "hotspot_rows", "incident_rows", "patrol_features", "recommend"]

bp = Blueprint("api", __name__, url_prefix="/api")


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
    from planner.incidents import incidents_frame

    frame = incidents_frame(res.store, res.city.slug)
    frame = frame[frame["status"] == "open"].tail(limit)
    return [{"id": int(r.id), "category": r.category, "lon": round(float(r.lon), 6), "lat": round(float(r.lat), 6),
             "reported_at": r.reported_at.isoformat() + "Z"} for r in frame.itertuples()]


def _filtered_incidents(res, category: str | None, days: int, hours: tuple[int, int] | None):
    """Incidents of the last ``days`` days (of this category, within local ``hours`` [from, to))."""
    from datetime import timedelta

    import pandas as pd

    from planner.clock import utc_now
    from planner.incidents import incidents_frame

    frame = incidents_frame(res.store, res.city.slug, category=category or None,
                            since=utc_now() - timedelta(days=days) if days else None)
    if hours and len(frame):
        local = pd.to_datetime(frame["reported_at"]).dt.tz_localize("UTC").dt.tz_convert(res.city.profile.timezone)
        start, end = hours
        hour = local.dt.hour
        frame = frame[(hour >= start) & (hour < end)] if start < end else frame[(hour >= start) | (hour < end)]
    return frame


def hotspot_rows(res, *, category: str | None = None, days: int = 30, hours: tuple[int, int] | None = None) -> list[dict]:
    """Congestion points (planar DBSCAN, 50 m) of the filtered incidents, as dicts (WGS-84)."""
    from planner.hotspots import find_hotspots

    frame = _filtered_incidents(res, category, days, hours)
    spots = find_hotspots(frame, crs=res.city.crs, timezone=res.city.profile.timezone)
    return [s.as_dict() for s in spots]


def hot_segment_collection(res, *, category: str | None = None, days: int = 30,
                           hours: tuple[int, int] | None = None, permutations: int = 199) -> dict:
    """Getis-Ord Gi* hot segments of the filtered incidents as GeoJSON lines (WGS-84)."""
    from planner.hotspots import hot_segments

    frame = _filtered_incidents(res, category, days, hours)
    features = []
    if len(frame) >= 3:
        table = hot_segments(frame, res.city.router("foot"), permutations=permutations)
        for r in table[table["hot"]].itertuples():
            features.append({"type": "Feature", "geometry": mapping(r.geometry),
                             "properties": {"street": r.name if isinstance(r.name, str) else "", "count": int(r.count),
                                            "z": round(float(r.z), 2)}})
    return {"type": "FeatureCollection", "features": features}


def block_collection(res, *, tolerance_deg: float = 0.00003) -> dict:
    """The key blocks as GeoJSON polygons (simplified, WGS-84)."""
    blocks = res.blocks
    features = [{"type": "Feature", "geometry": mapping(geom.simplify(tolerance_deg)),
                 "properties": {"block_id": str(b), "name": str(n), "kind": str(k)}}
                for b, n, k, geom in zip(blocks["id"], blocks["name"], blocks["kind"], blocks.geometry, strict=True)]
    return {"type": "FeatureCollection", "features": features}


def recommend(res, location: str, category: str, datum: str | None):
    """The Recommendation for a report at 'lon,lat' (any datum) or an address."""
    from planner.patrols import list_patrols
    from planner.reports import check_category, locate_report

    check_category(res.city, category)
    located = locate_report(res.city, location, datum)
    return res.dispatcher.recommend(list_patrols(res.store, res.city.slug), located.lon, located.lat,
                                    category=category)


def dispatch_rows(res, *, active_only: bool = True) -> list[dict]:
    """Dispatches (newest first) as dicts."""
    from planner.dispatch import list_dispatches

    rows = [{"id": d.id, "patrol_id": d.patrol_id, "category": d.category, "status": d.status, "lon": d.lon,
             "lat": d.lat, "predicted_eta_s": d.predicted_eta_s, "target_s": d.target_s,
             "assigned_at": d.assigned_at.isoformat() + "Z" if d.assigned_at else None}
            for d in list_dispatches(res.store, res.city.slug) if not active_only or d.status != "closed"]
    return sorted(rows, key=lambda r: -r["id"])


def _collection(rows, geometry):
    return {"type": "FeatureCollection",
            "features": [{"type": "Feature", "geometry": geometry(r), "properties": r} for r in rows]}


def _point(r):
    return {"type": "Point", "coordinates": [r["lon"], r["lat"]]}


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name, default)
    try:
        value = int(raw)
    except (TypeError, ValueError):
        abort(400, f"{name} must be a whole number; got {raw!r}")
    if not low <= value <= high:
        abort(400, f"{name} must be between {low} and {high}; got {value}")
    return value


MAX_ID = 2**31 - 1  # ids and version numbers beyond this do not exist (and overflow SQLite's integers)


def version_arg(values=None, name: str = "version") -> int | None:
    """A zone version number from the query (or ``values``), None if absent; 400 if not a number in range."""
    raw = (request.args if values is None else values).get(name, "")
    if raw in ("", None):
        return None
    try:
        number = int(raw)
    except ValueError:
        abort(400, f"{name} must be a version number; got {raw!r}")
    if not 1 <= number <= MAX_ID:
        abort(400, f"{name} must be between 1 and {MAX_ID}; got {number}")
    return number


def hours_arg() -> tuple[int, int] | None:
    """``?hours=7-10`` as (7, 10) (local hours, end excluded); None if absent."""
    raw = request.args.get("hours", "").strip()
    if not raw:
        return None
    try:
        start, end = (int(x) for x in raw.split("-"))
    except ValueError:
        abort(400, f"hours must look like 7-10 (local hours from-to); got {raw!r}")
    if not (0 <= start <= 23 and 1 <= end <= 24 and start != end):
        abort(400, f"hours must be within 0-24 and not empty; got {raw!r}")
    return start, end


def filter_args() -> dict:
    """The congestion-point filter of the query string: category, days, hours."""
    from planner.incidents import CATEGORIES

    category = request.args.get("category") or None
    if category is not None and category not in CATEGORIES:
        abort(400, f"category must be one of {', '.join(CATEGORIES)}; got {category!r}")
    return {"category": category, "days": _int_arg("days", 30, 1, 3660), "hours": hours_arg()}


@bp.get("/csrf")
def csrf():
    """A CSRF token for this session (send it as ``X-CSRFToken`` with POSTs)."""
    from flask_wtf.csrf import generate_csrf

    return jsonify(csrf_token=generate_csrf())


@bp.get("/patrols")
@roles_required("dispatcher", "planner", api=True)
def patrols():
    """Patrols as GeoJSON points with availability and position age (s)."""
    return jsonify(_collection(patrol_features(get_resources()), _point))


@bp.post("/patrols/<patrol_id>/position")
@roles_required("dispatcher", "officer", api=True)
def position(patrol_id: str):
    """Record a patrol's position: JSON ``{"lon", "lat", "datum"?}`` (an officer only their own)."""
    from planner.patrols import update_position

    if current_user.role == "officer" and current_user.patrol_id != patrol_id:
        abort(403, "an officer reports only their own position")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400, 'send JSON like {"lon": 104.08, "lat": 30.69}')
    lon, lat = body.get("lon"), body.get("lat")
    try:
        if isinstance(lon, bool) or isinstance(lat, bool):
            raise TypeError
        lon, lat = float(lon), float(lat)
    except (TypeError, ValueError, OverflowError):
        abort(400, "lon and lat must be numbers (degrees)")
    res = get_resources()
    patrol = update_position(res.store, res.city.slug, patrol_id, lon, lat,
                             datum=str(body.get("datum", "wgs84")), jurisdiction=res.city.jurisdiction)
    return jsonify(patrol_id=patrol.id, lon=patrol.last_lon, lat=patrol.last_lat)


@bp.get("/incidents")
@roles_required("dispatcher", "planner", api=True)
def incidents():
    """Open incidents as GeoJSON points (``limit``, default 10000)."""
    return jsonify(_collection(incident_rows(get_resources(), _int_arg("limit", 10_000, 1, 1_000_000)), _point))


@bp.get("/hotspots")
@roles_required("dispatcher", "planner", api=True)
def hotspots():
    """Congestion points of the filtered incidents (``category``, ``days``, ``hours``) as GeoJSON points."""
    rows = hotspot_rows(get_resources(), **filter_args())
    return jsonify(_collection(rows, _point))


@bp.get("/hot-segments")
@roles_required("planner", api=True)
def hot_segments_view():
    """Gi* hot segments of the filtered incidents as GeoJSON lines."""
    return jsonify(hot_segment_collection(get_resources(), **filter_args()))


@bp.get("/blocks")
@roles_required("dispatcher", "planner", api=True)
def blocks():
    """Key blocks as GeoJSON polygons."""
    return jsonify(block_collection(get_resources()))


@bp.get("/zones")
@roles_required("dispatcher", "planner", api=True)
def zones():
    """A zone version's zones (``version``, default the newest) as GeoJSON polygons."""
    from planner.zones import load_version

    res = get_resources()
    version, plan = load_version(res.store, res.city, version_arg())
    rows = [{"zone_id": z.zone_id, "name": z.name, "patrol_ids": z.patrol_ids, "version": version,
             "_geometry": mapping(z.polygon)} for z in plan.zones]
    return jsonify({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": r.pop("_geometry"), "properties": r} for r in rows]})


@bp.get("/zones/versions")
@roles_required("dispatcher", "planner", api=True)
def zone_versions():
    """The zone versions, oldest first."""
    from planner.zones import list_versions

    res = get_resources()
    return jsonify(versions=list_versions(res.store, res.city))


@bp.get("/zones/diff")
@roles_required("planner", api=True)
def zone_diff():
    """Streets that changed zone between versions ``a`` and ``b``."""
    from planner.zones import diff_versions

    res = get_resources()
    return jsonify(diff_versions(res.store, res.city, _int_arg("a", 1, 1, MAX_ID), _int_arg("b", 1, 1, MAX_ID)))


@bp.get("/recommend")
@roles_required("dispatcher", api=True)
def recommend_view():
    """``?location=lon,lat|address&category=stray_dog&datum=gcj02``: the ranked patrols."""
    location = request.args.get("location", "").strip()
    if not location:
        abort(400, "location is required ('lon,lat' or an address)")
    return jsonify(recommend(get_resources(), location, request.args.get("category", "stray_dog"),
                             request.args.get("datum")).as_dict())


@bp.get("/dispatches")
@roles_required("dispatcher", "planner", api=True)
def dispatches():
    """Dispatches (``active=0`` for all, default only those not closed) as GeoJSON points."""
    active = request.args.get("active", "1")
    if active not in ("0", "1"):
        abort(400, f"active must be 0 (all dispatches) or 1 (only those not closed); got {active!r}")
    return jsonify(_collection(dispatch_rows(get_resources(), active_only=active == "1"), _point))


@bp.post("/dispatches")
@roles_required("dispatcher", api=True)
def assign_view():
    """Assign a patrol to a report: JSON ``{"location", "category"?, "datum"?, "patrol_id"?}``
    (default: the recommended patrol). 409 if the patrol was taken meanwhile."""
    from planner.dispatch import assign

    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not str(body.get("location", "")).strip():
        abort(400, 'send JSON like {"location": "104.08,30.69", "category": "stray_dog"}')
    res = get_resources()
    recommendation = recommend(res, str(body["location"]), str(body.get("category", "stray_dog")), body.get("datum"))
    dispatch = assign(res.store, res.city, recommendation, patrol_id=body.get("patrol_id") or None)  # clash: 409
    return jsonify(dispatch_id=dispatch.id, patrol_id=dispatch.patrol_id, predicted_eta_s=dispatch.predicted_eta_s,
                   status=dispatch.status), 201


@bp.post("/dispatches/<int(max=2147483647):dispatch_id>/<any(arrive, close):step>")
@roles_required("dispatcher", "officer", api=True)
def dispatch_step(dispatch_id: int, step: str):
    """Mark a dispatch arrived or closed."""
    from planner import dispatch as lifecycle

    res = get_resources()
    if current_user.role == "officer":
        mine = {d.id for d in lifecycle.list_dispatches(res.store, res.city.slug) if d.patrol_id == current_user.patrol_id}
        if dispatch_id not in mine:
            abort(403, "an officer updates only their own patrol's dispatches")
    done = (lifecycle.arrive if step == "arrive" else lifecycle.close)(res.store, res.city, dispatch_id)
    return jsonify(dispatch_id=done.id, status=done.status)


@bp.get("/routes/<patrol_id>")
@roles_required("officer", "dispatcher", "planner", api=True)
def route(patrol_id: str):
    """Today's route of a patrol as a GeoJSON feature with its stops."""
    from web.pages import todays_route

    _, planned = todays_route(patrol_id)
    data = planned.as_dict()
    return jsonify({"type": "Feature", "geometry": data.pop("geometry", None), "properties": data})


@bp.get("/openapi.json")
def openapi():
    """The API described for clients (OpenAPI 3.1)."""
    from web.openapi import document

    return jsonify(document())
