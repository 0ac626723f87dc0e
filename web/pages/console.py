"""The dispatcher console: patrols, open incidents, a report by click, coordinates or address, the ranked
patrols, assign / arrived / close."""

from flask import (
    Blueprint,
    flash,
    redirect,
    request,
    url_for,
)
from flask_login import current_user

from web.auth import roles_required
from web.i18n import category_name, t
from web.messages import message_text
from web.pages.layout import base_with_streets, page
from web.resources import get_resources

__all__ = ["bp"]

bp = Blueprint("console", __name__)


def _age(seconds) -> str:
    return t("no_position") if seconds is None else f"{seconds / 60:.0f} {t('min_ago')}"


def _patrol_label(p: dict) -> str:
    return (f"{p['id']} {p['call_sign']} ({t('mode_' + p['mode'])}): {message_text(p['reason']) or '✓'}"
            f" · {t('position_age')} {_age(p['position_age_s'])}")


CONSOLE_TEXTS = ["recommended", "patrol", "mode", "eta", "distance", "within", "assign", "assigned", "arrive", "close",
                 "arrived", "excluded", "new_report_here", "report_place", "address_match", "confidence", "time_left",
                 "late_by", "assigned_at", "selected_patrol", "status", "working", "reason", "zone", "error",
                 "position_age", "min_ago", "no_position", "mode_car", "mode_ebike", "mode_foot", "accept", "accepted",
                 "closed", "open_reports", "no_open_reports", "dispatch_this", "live_on", "live_off", "new_stray_dog",
                 "new_report", "about_to_miss", "seconds_ago"]


def _console_texts() -> dict:
    """The texts console.js shows, in the page's language (with the category names)."""
    from planner.incidents import CATEGORIES

    return {k: t(k) for k in CONSOLE_TEXTS} | {f"category_{c}": category_name(c) for c in CATEGORIES}


def _local_hm(stamp: str | None) -> str:
    """'HH:MM' in the city's time zone of an ISO UTC time ('2026-12-02T08:05:00Z')."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    if not stamp:
        return ""
    moment = datetime.fromisoformat(stamp.rstrip("Z")).replace(tzinfo=ZoneInfo("UTC"))
    return moment.astimezone(ZoneInfo(get_resources().city.profile.timezone)).strftime("%H:%M")


@bp.get("/dispatcher")
@roles_required("dispatcher")
def dispatcher():
    """Patrols and open incidents; with ``?location=`` the ranked patrols, their routes and Assign buttons."""
    from geo.errors import PatrolError
    from planner.incidents import CATEGORIES
    from web.geojson import dispatch_rows, incident_rows, patrol_features
    from web.maps import dispatcher_map

    res, m = base_with_streets()
    location = request.args.get("location", "").strip()
    category = request.args.get("category", "stray_dog")
    datum = request.args.get("datum", "") or res.city.profile.default_datum
    recommendation, error = None, ""
    if location:
        try:
            recommendation = res.recommend(location, category, datum).as_dict()
        except PatrolError as exc:  # a bad location, datum, category or address: say why, keep the page
            error = str(exc)
    patrols = patrol_features(res)
    for p in patrols:
        p["label"] = _patrol_label(p)
    incidents = incident_rows(res)
    names = {c: category_name(c) for c in CATEGORIES}
    for i in incidents:
        i["label"] = f"{names.get(i['category'], i['category'])} #{i['id']} {i['reported_at'][:16].replace('T', ' ')} UTC"
    dispatches = dispatch_rows(res)
    for d in dispatches:
        d["label"] = (f"#{d['id']} {d['patrol_id']} {category_name(d['category'])} {d['street']} "
                      f"({t(d['status'])}, {t('assigned_at')} {_local_hm(d['assigned_at'])})")
    dispatcher_map(m, patrols, incidents, recommendation, dispatches=dispatches,
                   names={"patrols": t("patrol"), "incidents": t("category"), "dispatches": t("active"),
                          "report": t("report_place")})
    return page(m, "dispatcher.html", location=location, datum=datum, datums=("wgs84", "gcj02", "bd09"),
                category=category, categories=CATEGORIES, error=error, recommendation=recommendation,
                dispatches=dispatches, patrols=patrols, age=_age, local_hm=_local_hm, console_texts=_console_texts())


@bp.post("/dispatcher/assign")
@roles_required("dispatcher")
def dispatcher_assign():
    """Assign the chosen patrol to the report (recomputed now: the patrol may have been taken)."""
    from geo.errors import PatrolError
    from planner.dispatch import assign

    res = get_resources()
    form = request.form
    back = url_for("console.dispatcher", location=form.get("location", ""), category=form.get("category", "stray_dog"),
                   datum=form.get("datum", ""))
    try:
        recommendation = res.recommend(form.get("location", ""), form.get("category", "stray_dog"), form.get("datum"))
        done = assign(res.store, res.city, recommendation, patrol_id=form.get("patrol_id") or None,
                      assigned_by=current_user.username)
    except PatrolError as exc:
        flash(str(exc), "error")
        return redirect(back)
    flash(f"#{done.id}: {done.patrol_id} {t('assigned')}, ETA {done.predicted_eta_s / 60:.1f} min", "ok")
    return redirect(url_for("console.dispatcher"))


@bp.post("/dispatcher/dispatches/<int(max=2147483647):dispatch_id>/<any(arrive, close):step>")
@roles_required("dispatcher")
def dispatcher_step(dispatch_id: int, step: str):
    """Mark a dispatch arrived or closed."""
    from geo.errors import PatrolError
    from planner import dispatch as lifecycle

    res = get_resources()
    try:
        done = (lifecycle.arrive if step == "arrive" else lifecycle.close)(res.store, res.city, dispatch_id)
        flash(f"#{done.id}: {t(step)} ✓", "ok")
    except PatrolError as exc:
        flash(str(exc), "error")
    return redirect(url_for("console.dispatcher"))


