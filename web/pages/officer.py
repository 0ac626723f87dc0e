"""The officer's route map (phone first): today's route, stops with planned times, GPX download."""

from flask import (
    Blueprint,
    send_file,
)

from web.auth import own_patrol_only, roles_required
from web.i18n import t
from web.messages import message_text
from web.pages.layout import base_with_streets, page
from web.resources import get_resources

__all__ = ["bp"]

bp = Blueprint("officer", __name__)


def todays_route(patrol_id: str):
    """(zone, route) of a patrol for today; 403 for another officer's, 404 for an unknown or zoneless patrol."""
    from planner.route_plans import todays_route as plan_today

    own_patrol_only(patrol_id, "route")
    res = get_resources()
    return plan_today(res.store, res.city, res.blocks, patrol_id, cache=res.route_cache)


@bp.get("/officer/<patrol_id>")
@roles_required("officer", "dispatcher", "planner")
def officer(patrol_id: str):
    """One patrol's route for today (phone first): direction, stops with times, zone, congestion points."""
    import shapely

    from web.geojson import hotspot_rows
    from web.maps import officer_map

    zone, route = todays_route(patrol_id)
    res, m = base_with_streets()
    data = route.as_dict()
    for stop in data["stops"]:
        stop["name"] = message_text(stop["name"])
    spots = [s | {"label": f"{s['street'] or ''}: {s['count']}, {t('hours')} {','.join(map(str, s['busy_hours']))}"}
             for s in hotspot_rows(res, days=30) if zone.polygon is not None
             and zone.polygon.covers(shapely.Point(s["lon"], s["lat"]))]
    officer_map(m, data, zone.polygon, spots, names={k: t(k) for k in ("route", "stops", "hotspots")})
    return page(m, "officer.html", patrol_id=patrol_id, route=data, hotspot_count=len(spots),
                next_stop=_next_stop(data["stops"]), officer_texts=_officer_texts())


OFFICER_TEXTS = ("assignment", "accept", "arrive", "close", "accepted", "arrived", "assigned", "closed", "outcome",
                 "outcome_resolved", "outcome_not_found", "outcome_referred", "note", "position", "position_off",
                 "position_sent", "positions_waiting", "position_refused", "accuracy", "eta", "time_left", "late_by",
                 "report_place", "route_to_report", "navigate", "live_off", "seconds_ago", "assigned_at")


def _officer_texts() -> dict:
    """The texts officer.js shows, in the page's language (with the category names)."""
    from planner.incidents import CATEGORIES
    from web.i18n import category_name

    return {k: t(k) for k in OFFICER_TEXTS} | {f"category_{c}": category_name(c) for c in CATEGORIES}


def _next_stop(stops: list[dict]) -> int | None:
    """The index of the first stop planned after now (the first stop before the shift; None without times)."""
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    timed = [(k, datetime.fromisoformat(s["arrival"])) for k, s in enumerate(stops) if s.get("arrival")]
    upcoming = [k for k, at in timed if at.tzinfo is not None and at >= now]
    return upcoming[0] if upcoming else (timed[0][0] if timed else None)


@bp.get("/officer/<patrol_id>/route.gpx")
@roles_required("officer", "dispatcher", "planner")
def officer_gpx(patrol_id: str):
    """Today's route as GPX for the officer's phone."""
    from io import BytesIO

    from werkzeug.utils import secure_filename

    from planner.routes import route_to_gpx

    zone, route = todays_route(patrol_id)
    kinds = {kind: t(f"stop_{kind}") for kind in ("base", "block", "hotspot", "patrol")}
    data = BytesIO(route_to_gpx(route, name=f"{patrol_id} {zone.name}", kind_names=kinds, minutes=t("minutes"),
                                stop_name=message_text).encode("utf-8"))
    return send_file(data, mimetype="application/gpx+xml", as_attachment=True,
                     download_name=f"{secure_filename(patrol_id) or 'patrol'}-route.gpx")
