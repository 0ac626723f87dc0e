"""The pages: dispatcher console, planner workspace, officer route map (phone first), and the assets.

Views are thin: they read the request, call ``planner`` and ``web.api`` helpers, and hand data to the
pure map builders of ``web.maps``. Text is Chinese or English (``web.i18n``).
"""

import json
from html import escape

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    get_flashed_messages,
    redirect,
    request,
    send_file,
    url_for,
)
from flask_login import current_user

from web.assets import asset_path
from web.auth import own_patrol_only, roles_required
from web.i18n import category_name, language, switcher, t
from web.resources import get_resources

__all__ = ["bp"]

bp = Blueprint("pages", __name__)

PANEL = ('<div id="panel" style="position:fixed;top:10px;left:50px;z-index:1000;background:#fff;padding:8px 10px;'
         'max-width:min(440px,80vw);max-height:80vh;overflow:auto;font:14px sans-serif;border-radius:6px;'
         'box-shadow:0 1px 4px rgba(0,0,0,.3)">{}</div>')
VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1.0, maximum-scale=1.0, user-scalable=no" />'
STYLE = ("<style>#panel table{border-collapse:collapse}#panel td{padding:1px 5px}#panel .error{color:#c92a2a}"
         "#panel .ok{color:#2b8a3e}#panel form.inline{display:inline}#panel details{margin-top:4px}</style>")


def _csrf_field() -> str:
    from flask_wtf.csrf import generate_csrf

    return f"<input type=hidden name=csrf_token value='{generate_csrf()}'>"


def _header(title_key: str) -> str:
    """Title, links to the other pages, language switch, sign-out."""
    links = " · ".join(f"<a href='{url}'>{escape(t(key))}</a>" for key, url in
                       (("dispatcher", "/dispatcher"), ("planner", "/planner")) if key != title_key)
    messages = "".join(f"<p class='{escape(kind)}'>{escape(text)}</p>"
                       for kind, text in get_flashed_messages(with_categories=True))
    who = escape(current_user.username) if current_user.is_authenticated else ""
    return (f"<b>{escape(t(title_key))}</b> <small>{links} · {switcher()} · {who} "
            f"<form class=inline method=post action='/logout'>{_csrf_field()}<button>{escape(t('sign_out'))}</button>"
            f"</form></small>{messages}")


def _page(m, panel_html: str) -> Response:
    from folium import Element

    m.get_root().html.add_child(Element(STYLE + PANEL.format(panel_html)))
    m.get_root().header.add_child(Element(VIEWPORT))
    html = m.get_root().render().replace("<html>", f"<html lang='{'zh-CN' if language() == 'zh' else 'en'}'>", 1)
    return Response(html, mimetype="text/html")


def _base():
    from flask import current_app

    from web.maps import base_map

    res = get_resources()
    return res, base_map(res.city.report["bbox"], res.streets, attribution=res.city.profile.attribution,
                         tiles=current_app.config["TILES"], tiles_key=current_app.config["TIANDITU_KEY"])


def _options(values, chosen, label=lambda v: v) -> str:
    return "".join(f"<option value='{escape(str(v))}'{' selected' if str(v) == str(chosen) else ''}>"
                   f"{escape(str(label(v)))}</option>" for v in values)


@bp.get("/vendor/<package>/<path:filename>")
def vendor(package: str, filename: str):
    """The bundled JavaScript and CSS (offline)."""
    path = asset_path(package, filename)
    if path is None:
        abort(404, f"no asset {package}/{filename}")
    return send_file(path, max_age=86400)


@bp.get("/")
def index():
    """Links to the pages."""
    res = get_resources()
    officer = ""
    if current_user.is_authenticated and current_user.patrol_id:
        officer = f"<li><a href='/officer/{escape(current_user.patrol_id)}'>{escape(t('officer'))}</a></li>"
    return Response(
        f"<!doctype html><html lang='{'zh-CN' if language() == 'zh' else 'en'}'><meta charset=utf-8>{VIEWPORT}"
        f"<title>patrol-planner</title><h1>{escape(res.city.profile.name)}</h1>"
        f"<ul><li><a href='/dispatcher'>{escape(t('dispatcher'))}</a></li><li><a href='/planner'>{escape(t('planner'))}"
        f"</a></li>{officer}<li><a href='/api/openapi.json'>{escape(t('api'))}</a></li></ul><p>{switcher()}</p>"
        f"<p>{escape(res.city.profile.attribution)}</p>", mimetype="text/html")


# -- dispatcher console ------------------------------------------------------------------------------

def _age(seconds) -> str:
    return t("no_position") if seconds is None else f"{seconds / 60:.0f} {t('min_ago')}"


def _patrol_label(p: dict) -> str:
    return (f"{p['id']} {p['call_sign']} ({p['mode']}): {p['reason'] or '✓'}"
            f" · {t('position_age')} {_age(p['position_age_s'])}")


def _recommendation_html(recommendation, location: str, category: str, datum: str) -> str:
    hidden = (f"{_csrf_field()}<input type=hidden name=location value='{escape(location)}'>"
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
                   f"{_csrf_field()}<button class='{step}'>{escape(t(step))}</button></form>")
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

    res, m = _base()
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
            f"value='{escape(location)}' size=24> <select id=datum name=datum>{_options(('wgs84', 'gcj02', 'bd09'), datum)}"
            f"</select> <select name=category>{_options(CATEGORIES, category, category_name)}</select> "
            f"<button type=submit id=go>{escape(t('dispatch'))}</button></form><small>{escape(t('click_map'))}</small>")
    ages = "".join(f"<tr><td>{escape(p['id'])}</td><td>{p['mode']}</td><td>{escape(p['reason'] or '✓')}</td>"
                   f"<td class=age>{escape(_age(p['position_age_s']))}</td></tr>" for p in patrols)
    panel = (f"{_header('dispatcher')}{form}{result}{_active_html(dispatch_rows(res))}"
             f"<details><summary>{escape(t('patrol'))} ({len(patrols)})</summary><table>{ages}</table></details>")
    return _page(m, panel)


@bp.post("/dispatcher/assign")
@roles_required("dispatcher")
def dispatcher_assign():
    """Assign the chosen patrol to the report (recomputed now: the patrol may have been taken)."""
    from geo.errors import PatrolError
    from planner.dispatch import assign
    from web.api import recommend

    res = get_resources()
    form = request.form
    back = url_for("pages.dispatcher", location=form.get("location", ""), category=form.get("category", "stray_dog"),
                   datum=form.get("datum", ""))
    try:
        recommendation = recommend(res, form.get("location", ""), form.get("category", "stray_dog"), form.get("datum"))
        done = assign(res.store, res.city, recommendation, patrol_id=form.get("patrol_id") or None)
    except PatrolError as exc:
        flash(str(exc), "error")
        return redirect(back)
    flash(f"#{done.id}: {done.patrol_id} {t('assigned')}, ETA {done.predicted_eta_s / 60:.1f} min", "ok")
    return redirect(url_for("pages.dispatcher"))


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
    return redirect(url_for("pages.dispatcher"))


# -- planner workspace -------------------------------------------------------------------------------

def _edit_polygons(geometry) -> dict:
    """Polygon rings (lists of (lon, lat)) for Leaflet Draw's editable layer."""
    parts = list(geometry.geoms) if hasattr(geometry, "geoms") else [geometry]
    return {"polygons": [[list(p.exterior.coords)] + [list(r.coords) for r in p.interiors]
                         for p in parts if p.geom_type == "Polygon" and not p.is_empty]}


def _planner_page(*, error: str = "", gaps=None, drawn=None, edit_zone: str | None = None) -> Response:
    from planner.incidents import CATEGORIES
    from planner.standby import stored_solutions
    from planner.zone_check import check_version
    from planner.zones import ZoneError, list_versions, load_version, moved_segments
    from web.args import filter_args, version_arg
    from web.geojson import block_collection, hot_segment_collection, hotspot_rows
    from web.maps import planner_map, segment_lines

    res, m = _base()
    versions = [v["version"] for v in list_versions(res.store, res.city)]
    if not versions:
        return _page(m, f"{_header('planner')}<p class=error>{escape(t('zones'))}: {escape(t('none'))} "
                        "(patrol zones generate)</p>")
    version = version_arg() or versions[-1]
    if version not in versions:
        abort(404, f"no zone version {version}; versions: {versions}")
    _, plan = load_version(res.store, res.city, version)
    report = check_version(res.store, res.city, version, with_segments=True)
    target = report["target_s"]
    worst = {z["zone_id"]: z for z in report["zones"]}
    foot = res.city.router("foot")
    zones = [{"zone_id": z.zone_id, "polygon": z.polygon.simplify(0.00005), "worst_case_s": worst[z.zone_id]["worst_case_s"],
              "label": f"{z.zone_id} {z.name} ({', '.join(z.patrol_ids)}): {t('worst')} "
                       f"{worst[z.zone_id]['worst_case_s'] / 60:.1f} min"} for z in plan.zones]
    uncovered = sorted({s for z in report["zones"] for s in z.get("uncovered_segment_ids", [])})
    filters = filter_args()
    spots = hotspot_rows(res, **filters)
    for s in spots:
        top = max(s["counts_by_category"], key=s["counts_by_category"].get) if s["counts_by_category"] else ""
        s["label"] = (f"#{s['rank']} {s['street'] or ''}: {s['count']} ({category_name(top)}), "
                      f"{t('hours')} {','.join(map(str, s['busy_hours']))}")
    standby, solutions = [], stored_solutions(res.city)
    for mode, data in solutions.items():
        standby += [{"lon": p["lon"], "lat": p["lat"], "mode": mode, "label": f"{t('standby')} {mode}"} for p in data["points"]]
    moved, compare_html = None, ""
    compare = version_arg(name="compare")
    if compare:
        try:
            _, other = load_version(res.store, res.city, compare)
        except ZoneError as exc:
            abort(404, str(exc))
        moves = moved_segments(other, plan)
        ids = [s for v in moves.values() for s in v]
        props = [{"from": f, "to": to} for (f, to), v in moves.items() for _ in v]
        moved = segment_lines(foot, ids, props)
        lengths = foot.segments.length_m
        rows = "".join(f"<li>{escape(str(f))} → {escape(str(to))}: {lengths[v].sum() / 1000:.2f} km</li>"
                       for (f, to), v in sorted(moves.items(), key=lambda kv: -lengths[kv[1]].sum()))
        compare_html = (f"<p id=diff>v{compare} → v{version}: {t('moved')} {lengths[ids].sum() / 1000:.2f} km "
                        f"({len(ids)})</p><ul>{rows}</ul>")
    edit_zone = edit_zone or request.args.get("edit")
    edit = None
    if edit_zone:
        source = drawn if drawn is not None else next((z.polygon for z in plan.zones if z.zone_id == edit_zone), None)
        if source is None:
            abort(404, f"no zone {edit_zone!r} in version {version}")
        edit = _edit_polygons(source.simplify(0.00002))
    planner_map(m, zones, target, uncovered=segment_lines(foot, uncovered) if uncovered else None,
                hotspots=spots, hot_segments=hot_segment_collection(res, **filters),
                blocks=block_collection(res), standby=standby, moved=moved,
                gaps=segment_lines(foot, gaps) if gaps else None, edit=edit,
                names={k: t(k) for k in ("zones", "uncovered", "hot_segments", "key_blocks", "hotspots", "standby")}
                | {"moved": t("moved"), "gaps": t("error")})
    worst_all = max(z["worst_case_s"] for z in report["zones"]) / 60
    summary = (f"<p id=summary><b>v{version}</b>: {escape(t('all_covered') if report['all_covered'] else t('not_covered'))} "
               f"({target / 60:.0f} {escape(t('within_min'))}); {escape(t('worst'))} {worst_all:.1f} min</p>")
    keep = {"version": version, "category": filters["category"] or "", "days": filters["days"],
            "hours": request.args.get("hours", "")}
    hidden = lambda *skip: "".join(f"<input type=hidden name={k} value='{escape(str(v))}'>"  # noqa: E731
                                   for k, v in keep.items() if k not in skip and v != "")
    version_form = (f"<form method=get>{hidden('version')}{escape(t('version'))} <select name=version "
                    f"onchange='this.form.submit()'>{_options(versions, version)}</select> "
                    f"{escape(t('compare'))} <select name=compare id=compare>{_options([''] + versions, compare or '')}"
                    f"</select> <button id=compare-go>{escape(t('compare'))}</button></form>{compare_html}")
    filter_form = (f"<form method=get id=filter>{hidden('category', 'days', 'hours')}{escape(t('hotspots'))}: "
                   f"<select name=category>{_options([''] + list(CATEGORIES), filters['category'] or '', lambda c: category_name(c) if c else t('all'))}"
                   f"</select> {escape(t('days'))} <input name=days size=3 value='{filters['days']}'> "
                   f"{escape(t('hours'))} <input name=hours size=5 placeholder='7-10' value='{escape(keep['hours'])}'> "
                   f"<button>{escape(t('filter'))}</button> ({len(spots)})</form>")
    if edit_zone:
        edit_form = (f"<form method=post action='/planner/zones' id=save-zone>{_csrf_field()}"
                     f"<input type=hidden name=version value='{version}'><input type=hidden name=zone_id value='{escape(edit_zone)}'>"
                     f"<input type=hidden name=geojson id=geojson><b>{escape(t('edit_zone'))} {escape(edit_zone)}</b> "
                     f"<input name=comment placeholder='{escape(t('comment'))}' size=14> "
                     f"<button id=save type=submit onclick=\"document.getElementById('geojson').value = "
                     f"JSON.stringify(window.patrolLayers.drawn.toGeoJSON())\">{escape(t('save_version'))}</button></form>")
    else:
        edit_form = (f"<form method=get>{hidden()}{escape(t('edit_zone'))} <select name=edit id=edit>"
                     f"{_options([z.zone_id for z in plan.zones], '')}</select> <button id=edit-go>✎</button></form>")
    kept = ", ".join(f"{mode} {len(d['points'])}" for mode, d in solutions.items()) or t("none")
    standby_form = (f"<form method=post action='/planner/standby'>{_csrf_field()}{escape(t('standby'))}: {kept} "
                    f"<select name=mode>{_options(('car', 'ebike', 'foot'), 'car')}</select> "
                    f"<button>{escape(t('compute'))}</button></form>")
    downloads = (f"<p>{escape(t('download'))} v{version}: <a id=dl-geojson href='/planner/zones.geojson?version={version}'>"
                 f"GeoJSON</a> · <a id=dl-gpkg href='/planner/zones.gpkg?version={version}'>GeoPackage</a></p>")
    help_text = f"<small>{escape(t('edit_help'))}</small>" if edit_zone else ""
    panel = (f"{_header('planner')}{summary}{f'<p class=error id=zone-error>{escape(error)}</p>' if error else ''}"
             f"{version_form}{filter_form}{edit_form}{help_text}{standby_form}{downloads}")
    return _page(m, panel)


@bp.get("/planner")
@roles_required("planner")
def planner():
    """Zones of a version coloured by worst case, uncovered streets, congestion points (filtered), hot
    segments, key blocks, standby points; compare versions; redraw a zone; downloads."""
    return _planner_page()


@bp.post("/planner/zones")
@roles_required("planner")
def planner_save_zone():
    """Save a zone drawn on the map (Leaflet Draw GeoJSON, WGS-84) as a new version; errors shown on the map."""
    import shapely
    from shapely.geometry import shape

    from planner.zones import ZoneError, load_version, redraw_zone, save_version
    from web.args import version_arg

    res = get_resources()
    zone_id = request.form.get("zone_id", "")
    version = version_arg(request.form)
    polygon = None
    try:
        drawing = json.loads(request.form.get("geojson") or "null")
        features = drawing["features"] if isinstance(drawing, dict) and drawing.get("type") == "FeatureCollection" else None
        if not features:
            raise ZoneError("draw the zone on the map first (no polygon was sent)")
        parts = [shape(f["geometry"]) for f in features]
        polygon = shapely.union_all([p if p.is_valid else shapely.make_valid(p) for p in parts]) \
            if len(parts) > 1 else parts[0]
        _, plan = load_version(res.store, res.city, version)
        new_plan = redraw_zone(res.city, plan, zone_id, polygon)
    except (ValueError, KeyError, TypeError, AttributeError, shapely.errors.GEOSException) as exc:
        return _planner_page(error=f"{t('error')}: the drawing is not GeoJSON polygons ({exc})", edit_zone=zone_id)
    except ZoneError as exc:
        return _planner_page(error=str(exc), gaps=getattr(exc, "gap_segments", None),
                             drawn=polygon, edit_zone=zone_id)
    number = save_version(res.store, res.city, new_plan, author=current_user.username, source="drawn",
                          comment=request.form.get("comment") or f"{zone_id} redrawn on the map")
    flash(f"{t('saved')} v{number}", "ok")
    return redirect(url_for("pages.planner", version=number, compare=version))


@bp.post("/planner/standby")
@roles_required("planner")
def planner_standby():
    """Compute the fewest standby points for a mode (HiGHS; up to a minute) and keep them."""
    from planner.standby import city_set_cover, store_solution

    mode = request.form.get("mode", "car")
    if mode not in ("foot", "ebike", "car"):
        abort(400, f"mode must be foot, ebike or car; got {mode!r}")
    res = get_resources()
    data = city_set_cover(res.city, mode, target_s=res.city.profile.target_s("stray_dog"), time_limit_s=60)
    store_solution(res.city, data)
    flash(f"{t('standby')} {mode}: {data['count']} ({data['status']})", "ok")
    return redirect(url_for("pages.planner"))


@bp.get("/planner/zones.<any(geojson, gpkg):fmt>")
@roles_required("planner", "dispatcher")
def planner_download(fmt: str):
    """A zone version as GeoJSON or GeoPackage (EPSG:4326), for QGIS."""
    import tempfile
    from io import BytesIO
    from pathlib import Path

    from planner.zones import export_zones, load_version
    from web.args import version_arg

    res = get_resources()
    version, plan = load_version(res.store, res.city, version_arg())
    with tempfile.TemporaryDirectory() as folder:
        path = export_zones(res.city, plan, Path(folder) / f"zones-v{version}.{fmt}", version=version)
        data = BytesIO(path.read_bytes())
    mimetype = "application/geo+json" if fmt == "geojson" else "application/geopackage+sqlite3"
    return send_file(data, mimetype=mimetype, as_attachment=True, download_name=f"{res.city.slug}-zones-v{version}.{fmt}")


# -- officer route map -------------------------------------------------------------------------------

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
    res, m = _base()
    data = route.as_dict()
    spots = [s | {"label": f"{s['street'] or ''}: {s['count']}, {t('hours')} {','.join(map(str, s['busy_hours']))}"}
             for s in hotspot_rows(res, days=30) if zone.polygon is not None
             and zone.polygon.covers(shapely.Point(s["lon"], s["lat"]))]
    officer_map(m, data, zone.polygon, spots, names={k: t(k) for k in ("route", "stops", "hotspots")})
    stops = "".join(
        f"<li>{escape(s.get('arrival', '')[11:16])} {escape(s['name'])} "
        f"<a class=nav href='geo:{s['lat']:.6f},{s['lon']:.6f}?q={s['lat']:.6f},{s['lon']:.6f}'>{escape(t('navigate'))}</a></li>"
        for s in data["stops"])
    return _page(m, f"{_header('officer')}<b>{escape(patrol_id)}</b> {data['duration_s'] / 60:.0f} min, "
                    f"{data['length_m'] / 1000:.1f} km <a id=gpx href='/officer/{escape(patrol_id)}/route.gpx'>GPX</a>"
                    f"<details open><summary>{escape(t('stops'))} ({len(data['stops'])})</summary><ol>{stops}</ol></details>"
                    f"<small>{escape(t('today_hotspots'))}: {len(spots)}</small>")


@bp.get("/officer/<patrol_id>/route.gpx")
@roles_required("officer", "dispatcher", "planner")
def officer_gpx(patrol_id: str):
    """Today's route as GPX for the officer's phone."""
    from io import BytesIO

    from werkzeug.utils import secure_filename

    from planner.routes import route_to_gpx

    zone, route = todays_route(patrol_id)
    data = BytesIO(route_to_gpx(route, name=f"{patrol_id} {zone.name}").encode("utf-8"))
    return send_file(data, mimetype="application/gpx+xml", as_attachment=True,
                     download_name=f"{secure_filename(patrol_id) or 'patrol'}-route.gpx")
