"""JSON API: GeoJSON for everything the pages show, the dispatch recommendation and lifecycle,
and patrol positions. Described by ``/api/openapi.json`` (``web/openapi.py``).

Writes (POST) need a CSRF token like the forms: send it as the ``X-CSRFToken`` header (get one from
``GET /api/csrf`` in the same session).
"""

from flask import Blueprint, abort, jsonify, request
from flask_login import current_user
from shapely.geometry import mapping

from web.args import MAX_ID, filter_args, int_arg, version_arg
from web.auth import own_patrol_only, roles_required
from web.geojson import (
    block_collection,
    collection,
    dispatch_rows,
    hot_segment_collection,
    hotspot_rows,
    incident_rows,
    patrol_features,
    point,
)
from web.live import wake
from web.messages import message_text
from web.resources import get_resources

__all__ = ["bp"]

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.get("/csrf")
def csrf():
    """A CSRF token for this session (send it as ``X-CSRFToken`` with POSTs)."""
    from flask_wtf.csrf import generate_csrf

    return jsonify(csrf_token=generate_csrf())


@bp.get("/patrols")
@roles_required("dispatcher", "planner", api=True)
def patrols():
    """Patrols as GeoJSON points with availability and position age (s)."""
    return jsonify(collection(patrol_features(get_resources()), point))


@bp.post("/patrols/<patrol_id>/position")
@roles_required("dispatcher", "officer", api=True)
def position(patrol_id: str):
    """Record a patrol's position: JSON ``{"lon", "lat", "datum"?, "at"?, "accuracy_m"?}`` (an officer only their
    own; ``at`` ISO time of the fix, default now; ``accuracy_m`` metres). 422 with the reason for a fix from the
    future, older than a day, or further from the last fix than the patrol's mode can travel."""
    from planner.audit import record_now
    from planner.incidents import parse_time
    from planner.patrols import OLDEST_FIX_S, ImplausibleFixError, update_position

    own_patrol_only(patrol_id, "position")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400, 'send JSON like {"lon": 104.08, "lat": 30.69}')
    lon, lat, accuracy = body.get("lon"), body.get("lat"), body.get("accuracy_m")
    try:
        if any(isinstance(v, bool) for v in (lon, lat, accuracy)):
            raise TypeError
        lon, lat = float(lon), float(lat)
        accuracy = None if accuracy is None else float(accuracy)
    except (TypeError, ValueError, OverflowError):
        abort(400, "lon and lat must be numbers (degrees), accuracy_m a number of metres")
    res = get_resources()
    at = None
    if body.get("at") not in (None, ""):
        try:
            at = parse_time(str(body["at"]), res.city.profile.timezone)
        except ValueError as exc:
            abort(400, f"at: {exc}")
    try:
        patrol = update_position(res.store, res.city.slug, patrol_id, lon, lat, at=at, accuracy_m=accuracy,
                                 datum=str(body.get("datum", "wgs84")), jurisdiction=res.city.jurisdiction,
                                 profile=res.city.profile, max_age_s=OLDEST_FIX_S)
    except ImplausibleFixError as exc:
        record_now(res.store, res.city.slug, "position.refused", f"patrol {patrol_id}", {
            "patrol_id": patrol_id, "lon": lon, "lat": lat, "at": body.get("at"), "reason": str(exc)})
        return jsonify(error=str(exc), message=message_text(str(exc)), field="position"), 422
    wake()
    return jsonify(patrol_id=patrol.id, lon=patrol.last_lon, lat=patrol.last_lat,
                   seen_at=patrol.last_seen_at.isoformat() + "Z" if patrol.last_seen_at else None)


@bp.get("/incidents")
@roles_required("dispatcher", "planner", api=True)
def incidents():
    """Open incidents as GeoJSON points (``limit``, default 10000)."""
    return jsonify(collection(incident_rows(get_resources(), int_arg("limit", 10_000, 1, 1_000_000)), point))


INTAKE_FIELDS = ("external_id", "lon", "lat", "datum", "category", "reported_at", "address", "source", "description")
MAX_INTAKE_TEXT = 2000  # characters per field: a report, not a document


@bp.post("/incidents")
@roles_required("intake", "dispatcher", api=True)
def report_intake():
    """A report from a machine client (``Authorization: Bearer TOKEN``, role intake) or a dispatcher: JSON
    ``{"external_id", "lon", "lat", "datum", "category", "reported_at", "address", "source", "description"}``
    (lon/lat or an address; ``reported_at`` default now, ``source`` default hotline). 201 with the stored incident; 200 with the same incident for an ``external_id``
    seen before (idempotent); 400 ``{"error", "field"}`` naming the first bad field (all in ``problems``)."""
    from planner.incidents import IncidentPlacer, incident_by_external_id, store_incident

    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return jsonify(error='send a JSON object like {"external_id": "12345-0001", "lon": 104.08, "lat": 30.69, '
                             '"category": "stray_dog"}', field=None), 400
    unknown = sorted(set(body) - set(INTAKE_FIELDS))
    if unknown:
        return jsonify(error=f"unknown field {unknown[0]!r}; known: {', '.join(INTAKE_FIELDS)}", field=unknown[0]), 400
    for name, value in body.items():
        if value is not None and not isinstance(value, (str, int, float)) or isinstance(value, bool):
            return jsonify(error=f"{name} must be a string or a number", field=name), 400
        if isinstance(value, str) and len(value) > MAX_INTAKE_TEXT:
            return jsonify(error=f"{name} is {len(value)} characters; at most {MAX_INTAKE_TEXT}", field=name), 400
    res = get_resources()
    if body.get("external_id") not in (None, ""):
        seen = incident_by_external_id(res.store, res.city.slug, str(body["external_id"]).strip())
        if seen is not None:
            return jsonify(seen), 200
    placer = IncidentPlacer(res.city, res.blocks, res.city.geocoder() if body.get("address") else None)
    record = {k: body.get(k) for k in INTAKE_FIELDS}
    record["source"] = record["source"] or "hotline"
    if record["reported_at"] in (None, ""):  # received now
        from planner.clock import utc_now

        record["reported_at"] = utc_now().isoformat(timespec="seconds") + "+00:00"
    ready, problems = placer.validate([record], default_datum=res.city.profile.default_datum)
    if problems:
        first = problems[0]
        return jsonify(error=f"{first['field']}: {first['reason']}", field=first["field"],
                       problems=[{"field": p["field"], "reason": p["reason"]} for p in problems]), 400
    stored, new = store_incident(res.store, ready[0])
    if new:
        wake()  # every open console hears of it now
    return jsonify(stored), 201 if new else 200


@bp.get("/hotspots")
@roles_required("dispatcher", "planner", api=True)
def hotspots():
    """Congestion points of the filtered incidents (``category``, ``days``, ``hours``) as GeoJSON points."""
    rows = hotspot_rows(get_resources(), **filter_args())
    return jsonify(collection(rows, point))


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
    return jsonify(diff_versions(res.store, res.city, int_arg("a", 1, 1, MAX_ID), int_arg("b", 1, 1, MAX_ID)))


@bp.get("/recommend")
@roles_required("dispatcher", api=True)
def recommend_view():
    """``?location=lon,lat|address&category=stray_dog&datum=gcj02``: the ranked patrols; ``reason_text``
    beside each ``reason`` is the same in the request's language."""
    location = request.args.get("location", "").strip()
    if not location:
        abort(400, "location is required ('lon,lat' or an address)")
    found = get_resources().recommend(location, request.args.get("category", "stray_dog"),
                                      request.args.get("datum")).as_dict()
    found["reason_text"] = message_text(found["reason"])  # the reason in the request's language
    if found["incident"].get("match"):
        found["incident"]["match_text"] = message_text(found["incident"]["match"])
    for excluded in found["excluded"]:
        excluded["reason_text"] = message_text(excluded["reason"])
    return jsonify(found)


@bp.get("/dispatches")
@roles_required("dispatcher", "planner", api=True)
def dispatches():
    """Dispatches (``active=0`` for all, default only those not closed) as GeoJSON points."""
    active = request.args.get("active", "1")
    if active not in ("0", "1"):
        abort(400, f"active must be 0 (all dispatches) or 1 (only those not closed); got {active!r}")
    return jsonify(collection(dispatch_rows(get_resources(), active_only=active == "1"), point))


@bp.post("/dispatches")
@roles_required("dispatcher", api=True)
def assign_view():
    """Assign a patrol to a report: JSON ``{"location", "category"?, "datum"?, "patrol_id"?}`` or
    ``{"incident_id", "patrol_id"?}`` for a stored report (default: the recommended patrol). 409 if the patrol
    was taken meanwhile."""
    from planner.dispatch import assign

    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not (str(body.get("location", "")).strip() or body.get("incident_id")):
        abort(400, 'send JSON like {"location": "104.08,30.69", "category": "stray_dog"} or {"incident_id": 12}')
    res = get_resources()
    incident = _open_incident(res, body["incident_id"]) if body.get("incident_id") else None
    if incident is not None:
        location, category, datum = f"{incident.lon},{incident.lat}", incident.category, "wgs84"
    else:
        location, category, datum = str(body["location"]), str(body.get("category", "stray_dog")), body.get("datum")
    recommendation = res.recommend(location, category, datum)
    dispatch = assign(res.store, res.city, recommendation, patrol_id=body.get("patrol_id") or None,  # clash: 409
                      assigned_by=current_user.username, incident_id=incident and incident.id,
                      reported_at=incident and incident.reported_at)
    wake()
    return jsonify(dispatch_id=dispatch.id, patrol_id=dispatch.patrol_id, predicted_eta_s=dispatch.predicted_eta_s,
                   status=dispatch.status, incident_id=dispatch.incident_id), 201


def _open_incident(res, incident_id):
    """The stored open report ``incident_id`` (400 for a bad id, 404 unknown, 409 already assigned)."""
    from planner.models import Incident

    if isinstance(incident_id, bool) or not isinstance(incident_id, int) or not 0 < incident_id < 2**31:
        abort(400, f"incident_id must be a report's number; got {incident_id!r}")
    with res.store.session() as session:
        incident = session.get(Incident, incident_id)
    if incident is None or incident.city != res.city.slug:
        abort(404, f"no report #{incident_id} in {res.city.slug}")
    if incident.status != "open":
        abort(409, f"report #{incident_id} is {incident.status}; only an open report is assigned")
    return incident


@bp.post("/dispatches/<int(max=2147483647):dispatch_id>/<any(accept, arrive, close):step>")
@roles_required("dispatcher", "officer", api=True)
def dispatch_step(dispatch_id: int, step: str):
    """Mark a dispatch accepted, arrived or closed (closing takes JSON ``{"outcome"?, "note"?}``:
    outcome resolved | not_found | referred, a note of at most 500 characters)."""
    from planner import dispatch as lifecycle

    res = get_resources()
    if current_user.role == "officer":
        mine = {d.id for d in lifecycle.list_dispatches(res.store, res.city.slug) if d.patrol_id == current_user.patrol_id}
        if dispatch_id not in mine:
            abort(403, "an officer updates only their own patrol's dispatches")
    body = request.get_json(silent=True) if request.content_length else None
    body = body if isinstance(body, dict) else {}
    if step == "close":
        outcome, note = body.get("outcome"), body.get("note")
        if outcome is not None and not isinstance(outcome, str) or note is not None and not isinstance(note, str):
            abort(400, "outcome and note must be strings")
        done = lifecycle.close(res.store, res.city, dispatch_id, outcome=outcome, note=note)
    else:
        done = lifecycle.step(res.store, res.city, dispatch_id, step)
    wake()
    return jsonify(dispatch_id=done.id, status=done.status)


@bp.get("/routes/<patrol_id>")
@roles_required("officer", "dispatcher", "planner", api=True)
def route(patrol_id: str):
    """Today's route of a patrol as a GeoJSON feature with its stops."""
    from planner.route_plans import todays_route

    own_patrol_only(patrol_id, "route")
    res = get_resources()
    _, planned = todays_route(res.store, res.city, res.blocks, patrol_id, cache=res.route_cache)
    data = planned.as_dict()
    return jsonify({"type": "Feature", "geometry": data.pop("geometry", None), "properties": data})


@bp.get("/openapi.json")
def openapi():
    """The API described for clients (OpenAPI 3.1)."""
    from web.openapi import document

    return jsonify(document())
