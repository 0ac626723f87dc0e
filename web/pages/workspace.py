"""The planner workspace: zones by worst-case response, uncovered streets, congestion points and hot
segments, key blocks, standby points; redraw a zone, compare versions, download."""

import json

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    request,
    send_file,
    url_for,
)
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from web.auth import roles_required
from web.i18n import category_name, draw_texts, t
from web.pages.layout import base_with_streets, page
from web.resources import get_resources

__all__ = ["bp"]

bp = Blueprint("workspace", __name__)
MAX_DRAWN_VERTICES = 20_000  # a zone drawn by hand has hundreds
MAX_DRAWING_CHARS = 1_000_000  # GeoJSON text of the drawing


def _edit_polygons(geometry) -> dict:
    """Polygon rings (lists of (lon, lat)) for Leaflet Draw's editable layer."""
    parts = list(geometry.geoms) if hasattr(geometry, "geoms") else [geometry]
    return {"polygons": [[list(p.exterior.coords)] + [list(r.coords) for r in p.interiors]
                         for p in parts if p.geom_type == "Polygon" and not p.is_empty]}


def _offered(res, version: int, zone_id: str, plan):
    """The simplified outline of a zone offered for editing (the same on the page and when it is saved)."""
    from planner.zones.outline import editing_outline

    exact = next(z.polygon for z in plan.zones if z.zone_id == zone_id)
    return res.view("outline", (version, zone_id), lambda: editing_outline(exact, res.city.router("foot").segments),
                    incidents=False)


def _planner_page(*, error: str = "", gaps=None, drawn=None, edit_zone: str | None = None) -> Response:
    from planner.incidents import CATEGORIES
    from planner.standby import stored_solutions
    from planner.zones import ZoneError, list_versions, moved_segments
    from web.args import filter_args, version_arg
    from web.geojson import (
        block_collection,
        hot_segment_collection,
        hotspot_rows,
        version_check,
        version_plan,
        version_table,
    )
    from web.maps import planner_map, segment_lines

    res, m = base_with_streets()
    versions = [v["version"] for v in list_versions(res.store, res.city)]
    if not versions:
        return page(m, "planner.html", version=None)
    version = version_arg() or versions[-1]
    if version not in versions:
        abort(404, f"no zone version {version}; versions: {versions}")
    plan = version_plan(res, version)
    edit_zone = edit_zone or request.args.get("edit")
    if edit_zone and drawn is None and edit_zone not in {z.zone_id for z in plan.zones}:
        abort(404, f"no zone {edit_zone[:64]!r} in version {version}")  # before any costly work
    report = version_check(res, version)
    target = report["target_s"]
    worst = {z["zone_id"]: z for z in report["zones"]}
    foot = res.city.router("foot")
    shown = res.view("zone_outlines", (version,), lambda: [z.polygon.simplify(0.00005) for z in plan.zones],
                     incidents=False)
    zones = [{"zone_id": z.zone_id, "polygon": outline, "worst_case_s": worst[z.zone_id]["worst_case_s"],
              "label": f"{z.zone_id} {z.name} ({', '.join(z.patrol_ids)}): {t('worst')} "
                       f"{worst[z.zone_id]['worst_case_s'] / 60:.1f} min"} for z, outline in zip(plan.zones, shown, strict=True)]
    uncovered = sorted({s for z in report["zones"] for s in z.get("uncovered_segment_ids", [])})
    try:
        filters = filter_args()
    except HTTPException as exc:  # a bad filter is said in place; the workspace keeps its default filter
        error = error or exc.description
        filters = {"category": None, "days": 30, "hours": None}
    spots = hotspot_rows(res, **filters)
    for s in spots:
        top = max(s["counts_by_category"], key=s["counts_by_category"].get) if s["counts_by_category"] else ""
        s["label"] = (f"#{s['rank']} {s['street'] or ''}: {s['count']} ({category_name(top)}), "
                      f"{t('hours')} {','.join(map(str, s['busy_hours']))}")
    standby, solutions = [], stored_solutions(res.store, res.city)
    for mode, data in solutions.items():
        standby += [{"lon": p["lon"], "lat": p["lat"], "mode": mode, "label": f"{t('standby')} {t('mode_' + mode)}"}
                    for p in data["points"]]
    moved, moves, moved_ids = None, [], []
    compare = version_arg(name="compare")
    table = [dict(row) for row in version_table(res, version)]
    if compare:
        try:
            other = version_plan(res, compare)
        except ZoneError as exc:
            abort(404, str(exc))
        before = {z["zone_id"]: z["worst_case_s"] for z in version_check(res, compare)["zones"]}
        for row in table:
            row["compare_worst_case_s"] = before.get(row["zone_id"])
        by_pair = moved_segments(other, plan)
        moved_ids = [s for v in by_pair.values() for s in v]
        moved = segment_lines(foot, moved_ids, [{"from": f, "to": to} for (f, to), v in by_pair.items() for _ in v])
        lengths = foot.segments.length_m
        moves = sorted(({"source": f, "target": to, "km": lengths[v].sum() / 1000} for (f, to), v in by_pair.items()),
                       key=lambda move: -move["km"])
    edit = None
    if edit_zone:
        source = drawn if drawn is not None else next((z.polygon for z in plan.zones if z.zone_id == edit_zone), None)
        if source is None:
            abort(404, f"no zone {edit_zone!r} in version {version}")
        edit = _edit_polygons(source.simplify(0.00002) if drawn is not None else _offered(res, version, edit_zone, plan))
    planner_map(m, zones, target, uncovered=segment_lines(foot, uncovered) if uncovered else None,
                hotspots=spots, hot_segments=hot_segment_collection(res, **filters),
                blocks=res.view("blocks", (), lambda: block_collection(res), incidents=False), standby=standby, moved=moved,
                gaps=segment_lines(foot, gaps) if gaps else None, edit=edit, draw_texts=draw_texts(),
                names={k: t(k) for k in ("zones", "zone_labels", "uncovered", "hot_segments", "key_blocks", "hotspots",
                                         "standby")}
                | {"moved": t("moved"), "gaps": t("error")})
    keep = {"version": version, "category": filters["category"] or "", "days": filters["days"],
            "hours": request.args.get("hours", "") if filters["hours"] else ""}
    return page(m, "planner.html", version=version, versions=versions, compare=compare, error=error,
                all_covered=report["all_covered"], target_s=target,
                worst_s=max(z["worst_case_s"] for z in report["zones"]),
                moves=moves, moved_km=foot.segments.length_m[moved_ids].sum() / 1000 if compare else 0,
                moved_count=len(moved_ids), keep=keep, categories=list(CATEGORIES),
                category_label=lambda c: category_name(c) if c else t("all"), hotspot_count=len(spots),
                edit_zone=edit_zone, zone_ids=[z.zone_id for z in plan.zones],
                standby_counts={mode: len(d["points"]) for mode, d in solutions.items()}, job_texts=_job_texts(),
                zone_table=table,
                **_kept_results(res))


def _job_texts() -> dict:
    """The texts the jobs script shows, in the page's language."""
    keys = ["cancel", "download", "error", "open_version", "points_on_map", "within_target_share", "routes_planned",
            "rows", "hour_strip", "weekdays", "patrols_on_duty", "worst", "covered_share", "backup_share", "reports_share",
            "all_hours_covered", "failing_hours", "uncovered_streets", "staffing_title", "simulated_share", "patrols",
            "roster_xlsx", "mode_car", "mode_ebike", "mode_foot"] + [
        f"job_{k}" for k in ("queued", "running", "done", "failed", "cancelled", "standby", "zones_generate", "routes_plan",
                             "simulate", "lists_xlsx", "hourly_check", "staffing")]
    return {k: t(k) for k in keys}


def _kept_results(res) -> dict:
    """The newest finished hour-by-hour check and staffing of this city, drawn when the page loads."""
    from planner.jobs import latest_done

    hourly, staffing = (latest_done(res.store, res.city.slug, kind) for kind in ("hourly_check", "staffing"))
    return {"hourly_result": json.loads(hourly.result_json) if hourly and hourly.result_json else None,
            "staffing_result": {"job_id": staffing.id, "result": json.loads(staffing.result_json)}
            if staffing and staffing.result_json else None}


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
    raw = request.form.get("geojson") or "null"
    if len(raw) > MAX_DRAWING_CHARS:  # refused at once, without parsing it or drawing the page again
        abort(400, f"the drawing is {len(raw) // 1000} kB; at most {MAX_DRAWING_CHARS // 1000} kB "
                   f"(about {MAX_DRAWN_VERTICES} vertices): simplify it")
    try:
        drawing = json.loads(raw)
        features = drawing["features"] if isinstance(drawing, dict) and drawing.get("type") == "FeatureCollection" else None
        if not features:
            raise ZoneError("draw the zone on the map first (no polygon was sent)")
        parts = [shape(f["geometry"]) for f in features]
        vertices = int(shapely.get_num_coordinates(parts).sum())
        if vertices > MAX_DRAWN_VERTICES:
            abort(400, f"the drawing has {vertices} vertices; at most {MAX_DRAWN_VERTICES}: simplify it")
        polygon = shapely.union_all([p if p.is_valid else shapely.make_valid(p) for p in parts]) \
            if len(parts) > 1 else parts[0]
        _, plan = load_version(res.store, res.city, version)
        offered = _offered(res, version, zone_id, plan) if zone_id in {z.zone_id for z in plan.zones} else None
        new_plan = redraw_zone(res.city, plan, zone_id, polygon, offered=offered)
    except (ValueError, KeyError, TypeError, AttributeError, shapely.errors.GEOSException) as exc:
        return _planner_page(error=f"{t('error')}: the drawing is not GeoJSON polygons ({exc})", edit_zone=zone_id)
    except ZoneError as exc:
        return _planner_page(error=str(exc), gaps=getattr(exc, "gap_segments", None),
                             drawn=polygon, edit_zone=zone_id)
    number = save_version(res.store, res.city, new_plan, author=current_user.username, source="drawn",
                          comment=request.form.get("comment") or f"{zone_id} redrawn on the map")
    flash(f"{t('saved')} v{number}", "ok")
    return redirect(url_for("workspace.planner", version=number, compare=version))


@bp.post("/planner/standby")
@roles_required("planner")
def planner_standby():
    """Start the standby-point job for a mode (without JavaScript; the page's jobs panel does the same)."""
    mode = request.form.get("mode", "car")
    if mode not in ("foot", "ebike", "car"):
        abort(400, f"mode must be foot, ebike or car; got {mode!r}")
    res = get_resources()
    job, _ = res.jobs.submit(res.city.slug, "standby", {"mode": mode, "time_limit_s": 60}, owner=current_user.username)
    flash(f"{t('job_standby')} {mode}: {t('job_' + job['state'])} ({job['job_id'][:8]})", "ok")
    return redirect(url_for("workspace.planner"))


@bp.get("/planner/zones.<any(geojson, gpkg):fmt>")
@roles_required("planner", "dispatcher")
def planner_download(fmt: str):
    """A zone version as GeoJSON or GeoPackage (EPSG:4326), for QGIS, with the zone table's numbers."""
    import tempfile
    from io import BytesIO
    from pathlib import Path

    from planner.zones import export_zones, load_version
    from web.args import version_arg
    from web.geojson import version_table

    res = get_resources()
    version, plan = load_version(res.store, res.city, version_arg())
    rows = version_table(res, version)
    with tempfile.TemporaryDirectory() as folder:
        path = export_zones(res.city, plan, Path(folder) / f"{res.city.slug}-zones-v{version}.{fmt}", version=version,
                            rows=rows)
        data = BytesIO(path.read_bytes())
    mimetype = "application/geo+json" if fmt == "geojson" else "application/geopackage+sqlite3"
    return send_file(data, mimetype=mimetype, as_attachment=True, download_name=f"{res.city.slug}-zones-v{version}.{fmt}")


