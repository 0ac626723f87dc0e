"""The pages: dispatcher console, planner workspace, officer route map (phone first), and the assets."""

from html import escape

from flask import Blueprint, Response, abort, request, send_file

from web.app import resources
from web.assets import asset_path
from web.auth import roles_required

__all__ = ["bp"]

bp = Blueprint("pages", __name__)

PANEL = ('<div id="panel" style="position:fixed;top:10px;left:50px;z-index:1000;background:#fff;padding:8px 10px;'
         'max-width:min(420px,80vw);max-height:80vh;overflow:auto;font:14px sans-serif;border-radius:6px;'
         'box-shadow:0 1px 4px rgba(0,0,0,.3)">{}</div>')
VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1.0, maximum-scale=1.0, user-scalable=no" />'


def _page(m, panel_html: str) -> Response:
    from folium import Element

    m.get_root().html.add_child(Element(PANEL.format(panel_html)))
    m.get_root().header.add_child(Element(VIEWPORT))
    return Response(m.get_root().render(), mimetype="text/html")


def _base():
    from web.maps import base_map

    res = resources()
    return res, base_map(res.city.report["bbox"], res.streets, attribution=res.city.profile.attribution)


@bp.get("/vendor/<package>/<path:filename>")
def vendor(package: str, filename: str):
    """The bundled JavaScript and CSS (offline)."""
    path = asset_path(package, filename)
    if path is None:
        abort(404, f"no asset {package}/{filename}")
    return send_file(path, max_age=86400)


@bp.get("/")
def index():
    """Links to the three pages."""
    res = resources()
    return Response(
        f"<!doctype html><meta charset=utf-8>{VIEWPORT}<title>patrol-planner</title>"
        f"<h1>{escape(res.city.profile.name)}</h1><ul><li><a href='/dispatcher'>调度台 Dispatcher</a></li>"
        "<li><a href='/planner'>规划 Planner</a></li><li><a href='/api/openapi.json'>API</a></li></ul>"
        f"<p>{escape(res.city.profile.attribution)}</p>", mimetype="text/html")


@bp.get("/dispatcher")
@roles_required("dispatcher")
def dispatcher():
    """Patrols and open incidents; with ``?location=`` the ranked patrols and their routes."""
    from web.api import incident_rows, patrol_features, recommend
    from web.maps import dispatcher_map

    res, m = _base()
    location = request.args.get("location", "").strip()
    category = request.args.get("category", "stray_dog")
    recommendation, table, error = None, "", ""
    if location:
        try:
            recommendation = recommend(res, location, category, request.args.get("datum"))
        except Exception as exc:
            error = f"<p class='error' style='color:#c92a2a'>{escape(str(exc))}</p>"
    if recommendation:
        rows = "".join(
            f"<tr class='candidate'><td>{escape(c['patrol_id'])}</td><td>{c['mode']}</td><td>{c['eta_s'] / 60:.1f} min</td>"
            f"<td>{c['distance_m'] / 1000:.2f} km</td><td>{'✓' if c['within_target'] else '✗'}</td></tr>"
            for c in recommendation["candidates"][:10])
        excluded = "".join(f"<li>{escape(e['patrol_id'])}: {escape(e['reason'])}</li>" for e in recommendation["excluded"])
        table = (f"<p><b>推荐 recommended: {escape(str(recommendation['recommended']))}</b> "
                 f"({escape(recommendation['reason'])})</p><table>{rows}</table><ul>{excluded}</ul>")
    dispatcher_map(m, patrol_features(res), incident_rows(res, 1000), recommendation)
    form = (f"<form method=get><input name=location placeholder='lon,lat 或 地址' value='{escape(location)}' size=22>"
            f"<select name=category><option>stray_dog</option><option>street_vending</option>"
            f"<option>private_wiring</option><option>garbage_sorting</option></select>"
            f"<button type=submit id=go>派遣 Dispatch</button></form>{error}{table}")
    return _page(m, form)


@bp.get("/planner")
@roles_required("planner")
def planner():
    """Zones of the newest version coloured by their worst case."""
    from planner.zone_check import check_version
    from planner.zones import load_version
    from web.maps import planner_map

    res, m = _base()
    try:
        version, plan = load_version(res.store, res.city)
    except Exception as exc:
        return _page(m, f"<p>{escape(str(exc))}</p>")
    report = check_version(res.store, res.city, version)
    worst = {z["zone_id"]: z for z in report["zones"]}
    zones = [{"zone_id": z.zone_id, "name": z.name, "polygon": z.polygon.simplify(0.00005),
              "worst_case_s": worst[z.zone_id]["worst_case_s"]} for z in plan.zones]
    planner_map(m, zones, report["target_s"])
    summary = (f"<b>v{version}</b>: {'all zones covered' if report['all_covered'] else 'NOT all covered'} "
               f"within {report['target_s'] / 60:.0f} min; worst {max(z['worst_case_s'] for z in report['zones']) / 60:.1f} min")
    return _page(m, summary)


def _todays_route(patrol_id: str):
    """(zone, route) of a patrol for today; 403 for another officer's, 404 for an unknown or zoneless patrol."""
    from flask_login import current_user

    from planner.patrols import UnknownPatrolError, get_patrol
    from planner.route_plans import plan_routes

    if current_user.role == "officer" and current_user.patrol_id != patrol_id:
        abort(403, "an officer sees only their own route")
    res = resources()
    try:
        get_patrol(res.store, res.city.slug, patrol_id)
    except UnknownPatrolError:
        abort(404, f"no patrol {patrol_id!r}")
    result = plan_routes(res.store, res.city, res.blocks, patrol_id=patrol_id, time_limit_s=1.0)
    if not result["routes"]:
        abort(404, f"patrol {patrol_id!r} has no zone")
    return result["routes"][0]


@bp.get("/officer/<patrol_id>")
@roles_required("officer", "dispatcher", "planner")
def officer(patrol_id: str):
    """One patrol's route for today (phone first)."""
    from web.maps import officer_map

    zone, route = _todays_route(patrol_id)
    _, m = _base()
    data = route.as_dict()
    officer_map(m, data, zone.polygon)
    stops = "".join(
        f"<li>{escape(s.get('arrival', '')[11:16])} {escape(s['name'])} "
        f"<a class=nav href='geo:{s['lat']:.6f},{s['lon']:.6f}?q={s['lat']:.6f},{s['lon']:.6f}'>导航 navigate</a></li>"
        for s in data["stops"])
    return _page(m, f"<b>{escape(patrol_id)}</b> {data['duration_s'] / 60:.0f} min, {data['length_m'] / 1000:.1f} km "
                    f"<a id=gpx href='/officer/{escape(patrol_id)}/route.gpx'>GPX</a><ol>{stops}</ol>")


@bp.get("/officer/<patrol_id>/route.gpx")
@roles_required("officer", "dispatcher", "planner")
def officer_gpx(patrol_id: str):
    """Today's route as GPX for the officer's phone."""
    from planner.routes import route_to_gpx

    zone, route = _todays_route(patrol_id)
    return Response(route_to_gpx(route, name=f"{patrol_id} {zone.name}"), mimetype="application/gpx+xml",
                    headers={"Content-Disposition": f"attachment; filename={patrol_id}-route.gpx"})
