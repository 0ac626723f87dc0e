"""The dispatcher console: patrols, open incidents, a report by click, coordinates or address, the ranked
patrols, assign / arrived / close."""

from html import escape

from flask import (
    Blueprint,
    flash,
    redirect,
    request,
    url_for,
)

from web.auth import roles_required
from web.i18n import category_name, t
from web.pages.layout import base_with_streets, csrf_field, header, options, page
from web.resources import get_resources

__all__ = ["bp"]

bp = Blueprint("console", __name__)


def _age(seconds) -> str:
    return t("no_position") if seconds is None else f"{seconds / 60:.0f} {t('min_ago')}"


def _patrol_label(p: dict) -> str:
    return (f"{p['id']} {p['call_sign']} ({p['mode']}): {p['reason'] or '✓'}"
            f" · {t('position_age')} {_age(p['position_age_s'])}")


def _recommendation_html(recommendation, location: str, category: str, datum: str) -> str:
    hidden = (f"{csrf_field()}<input type=hidden name=location value='{escape(location)}'>"
              f"<input type=hidden name=category value='{escape(category)}'>"
              f"<input type=hidden name=datum value='{escape(datum)}'>")
    rows = "".join(
        f"<tr class='candidate'><td>{escape(c['patrol_id'])}</td><td>{c['mode']}</td><td>{c['eta_s'] / 60:.1f} min</td>"
        f"<td>{c['distance_m'] / 1000:.2f} km</td><td>{'✓' if c['within_target'] else '✗'}</td>"
        f"<td><form class=inline method=post action='/dispatcher/assign'>{hidden}"
        f"<input type=hidden name=patrol_id value='{escape(c['patrol_id'])}'>"
        f"<button class=assign data-patrol='{escape(c['patrol_id'])}'>{escape(t('assign'))}</button></form></td></tr>"
        for c in recommendation["candidates"][:10])
    excluded = "".join(f"<li>{escape(e['patrol_id'])}: {escape(e['reason'])}</li>" for e in recommendation["excluded"])
    head = "".join(f"<th>{escape(t(k))}</th>" for k in ("patrol", "mode", "eta", "distance", "within"))
    return (f"<p><b>{escape(t('recommended'))}: {escape(str(recommendation['recommended']))}</b> "
            f"({escape(recommendation['reason'])})</p><table><tr>{head}<th></th></tr>{rows}</table>"
            f"<details><summary>{escape(t('excluded'))} ({len(recommendation['excluded'])})</summary><ul>{excluded}</ul></details>")


def _active_html(dispatches: list[dict]) -> str:
    items = []
    for d in dispatches:
        step = "arrive" if d["status"] == "assigned" else "close"
        buttons = (f"<form class=inline method=post action='/dispatcher/dispatches/{d['id']}/{step}'>"
                   f"{csrf_field()}<button class='{step}'>{escape(t(step))}</button></form>")
        items.append(f"<li class=dispatch>#{d['id']} {escape(d['patrol_id'])} {escape(category_name(d['category']))} "
                     f"({escape(t(d['status']))}, ETA {d['predicted_eta_s'] / 60:.1f} min) {buttons}</li>")
    return f"<details open><summary>{escape(t('active'))} ({len(dispatches)})</summary><ul>{''.join(items)}</ul></details>"


@bp.get("/dispatcher")
@roles_required("dispatcher")
def dispatcher():
    """Patrols and open incidents; with ``?location=`` the ranked patrols, their routes and Assign buttons."""
    from geo.errors import PatrolError
    from planner.incidents import CATEGORIES
    from web.api import recommend
    from web.geojson import dispatch_rows, incident_rows, patrol_features
    from web.maps import dispatcher_map

    res, m = base_with_streets()
    location = request.args.get("location", "").strip()
    category = request.args.get("category", "stray_dog")
    datum = request.args.get("datum", "") or res.city.profile.default_datum
    recommendation, result = None, ""
    if location:
        try:
            recommendation = recommend(res, location, category, datum).as_dict()
            result = _recommendation_html(recommendation, location, category, datum)
        except PatrolError as exc:  # a bad location, datum, category or address: say why, keep the page
            result = f"<p class='error'>{escape(str(exc))}</p>"
    patrols = patrol_features(res)
    for p in patrols:
        p["label"] = _patrol_label(p)
    incidents = incident_rows(res)
    for i in incidents:
        i["label"] = f"{category_name(i['category'])} #{i['id']} {i['reported_at'][:16].replace('T', ' ')} UTC"
    dispatcher_map(m, patrols, incidents, recommendation, click_input="location",
                   names={"patrols": t("patrol"), "incidents": t("category")})
    form = (f"<form method=get id=report><input id=location name=location placeholder='{escape(t('location'))}' "
            f"value='{escape(location)}' size=24> <select id=datum name=datum>{options(('wgs84', 'gcj02', 'bd09'), datum)}"
            f"</select> <select name=category>{options(CATEGORIES, category, category_name)}</select> "
            f"<button type=submit id=go>{escape(t('dispatch'))}</button></form><small>{escape(t('click_map'))}</small>")
    ages = "".join(f"<tr><td>{escape(p['id'])}</td><td>{p['mode']}</td><td>{escape(p['reason'] or '✓')}</td>"
                   f"<td class=age>{escape(_age(p['position_age_s']))}</td></tr>" for p in patrols)
    panel = (f"{header('dispatcher')}{form}{result}{_active_html(dispatch_rows(res))}"
             f"<details><summary>{escape(t('patrol'))} ({len(patrols)})</summary><table>{ages}</table></details>")
    return page(m, panel)


@bp.post("/dispatcher/assign")
@roles_required("dispatcher")
def dispatcher_assign():
    """Assign the chosen patrol to the report (recomputed now: the patrol may have been taken)."""
    from geo.errors import PatrolError
    from planner.dispatch import assign
    from web.api import recommend

    res = get_resources()
    form = request.form
    back = url_for("console.dispatcher", location=form.get("location", ""), category=form.get("category", "stray_dog"),
                   datum=form.get("datum", ""))
    try:
        recommendation = recommend(res, form.get("location", ""), form.get("category", "stray_dog"), form.get("datum"))
        done = assign(res.store, res.city, recommendation, patrol_id=form.get("patrol_id") or None)
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


