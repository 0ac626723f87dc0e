"""JSON API: GeoJSON for what the pages show, and the dispatch recommendation."""

from flask import Blueprint, abort, jsonify, request
from shapely.geometry import mapping

from web.app import resources
from web.auth import roles_required

__all__ = ["bp"]

bp = Blueprint("api", __name__, url_prefix="/api")


def patrol_features(res) -> list[dict]:
    """The patrols with their availability now, as dicts (WGS-84)."""
    from planner.patrols import _now, availability, list_patrols

    now = _now()
    profile = res.city.profile
    rows = []
    for p in list_patrols(res.store, res.city.slug):
        status = availability(p, now, timezone=profile.timezone, stale_after_s=profile.stale_position_s)
        rows.append({"id": p.id, "call_sign": p.call_sign, "mode": p.mode, "status": p.status,
                     "available": status.available, "reason": status.reason, "lon": status.lon, "lat": status.lat,
                     "stale": status.stale})
    return rows


def incident_rows(res, limit: int = 2000) -> list[dict]:
    """The newest open incidents (WGS-84)."""
    from planner.incidents import incidents_frame

    frame = incidents_frame(res.store, res.city.slug)
    frame = frame[frame["status"] == "open"].tail(limit)
    return [{"id": int(r.id), "category": r.category, "lon": float(r.lon), "lat": float(r.lat)} for r in frame.itertuples()]


def _collection(rows, geometry):
    return {"type": "FeatureCollection",
            "features": [{"type": "Feature", "geometry": geometry(r), "properties": r} for r in rows]}


@bp.get("/patrols")
@roles_required("dispatcher", "planner", api=True)
def patrols():
    """Patrols as GeoJSON points."""
    rows = patrol_features(resources())
    return jsonify(_collection(rows, lambda r: {"type": "Point", "coordinates": [r["lon"], r["lat"]]}))


@bp.get("/incidents")
@roles_required("dispatcher", "planner", api=True)
def incidents():
    """Open incidents as GeoJSON points (``limit``, default 2000)."""
    try:
        limit = int(request.args.get("limit", 2000))
    except ValueError:
        abort(400, "limit must be a whole number")
    rows = incident_rows(resources(), limit)
    return jsonify(_collection(rows, lambda r: {"type": "Point", "coordinates": [r["lon"], r["lat"]]}))


@bp.get("/zones")
@roles_required("dispatcher", "planner", api=True)
def zones():
    """The newest zone version's zones as GeoJSON polygons."""
    from planner.zones import load_version

    res = resources()
    version, plan = load_version(res.store, res.city)
    rows = [{"zone_id": z.zone_id, "name": z.name, "patrol_ids": z.patrol_ids, "version": version,
             "_geometry": mapping(z.polygon)} for z in plan.zones]
    return jsonify({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": r.pop("_geometry"), "properties": r} for r in rows]})


def recommend(res, location: str, category: str, datum: str | None):
    """Recommendation for a 'lon,lat' (any datum) or an address."""
    from geo.crs import parse_lonlat, to_wgs84
    from geo.errors import CoordinateError
    from planner.patrols import list_patrols

    try:
        lon, lat = to_wgs84(*parse_lonlat(location, what="location"), datum or res.city.profile.default_datum)
    except CoordinateError:
        if not any("\u4e00" <= ch <= "\u9fff" or ch.isalpha() for ch in location):
            raise
        from geo.geocode import Geocoder

        result = Geocoder(res.city.report["source"], res.city.jurisdiction, res.city.crs,
                          prefixes=res.city.profile.address_prefixes).geocode(location)
        lon, lat = result.lon, result.lat
    return res.dispatcher.recommend(list_patrols(res.store, res.city.slug), lon, lat, category=category).as_dict()


@bp.get("/recommend")
@roles_required("dispatcher", api=True)
def recommend_view():
    """``?location=lon,lat|address&category=stray_dog&datum=gcj02``: the ranked patrols."""
    location = request.args.get("location", "").strip()
    if not location:
        abort(400, "location is required ('lon,lat' or an address)")
    return jsonify(recommend(resources(), location, request.args.get("category", "stray_dog"),
                             request.args.get("datum")))


@bp.get("/openapi.json")
def openapi():
    """The API described for clients (OpenAPI 3.1)."""
    point_collection = {"type": "object", "description": "GeoJSON FeatureCollection (WGS-84)"}
    return jsonify({
        "openapi": "3.1.0", "info": {"title": "patrol-planner API", "version": "0.1.0"},
        "paths": {
            "/api/patrols": {"get": {"summary": "Patrols and their availability",
                                     "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": point_collection}}}}}},
            "/api/incidents": {"get": {"summary": "Open incidents", "parameters": [
                {"name": "limit", "in": "query", "schema": {"type": "integer"}}],
                "responses": {"200": {"description": "OK"}, "400": {"description": "bad limit"}}}},
            "/api/zones": {"get": {"summary": "Zones of the newest version", "responses": {"200": {"description": "OK"},
                                                                                            "400": {"description": "no zones"}}}},
            "/api/recommend": {"get": {"summary": "Ranked patrols for a report", "parameters": [
                {"name": "location", "in": "query", "required": True, "schema": {"type": "string"}},
                {"name": "category", "in": "query", "schema": {"type": "string"}},
                {"name": "datum", "in": "query", "schema": {"type": "string", "enum": ["wgs84", "gcj02", "bd09"]}}],
                "responses": {"200": {"description": "incident, candidates, excluded, recommended"},
                              "400": {"description": "bad location"}}}},
        },
    })
