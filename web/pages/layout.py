"""What every page shares: the map with the street layer, the panel laid over it (``templates/panel.html``,
header and form pieces in ``templates/_ui.html``), the helpers every template may use, and the two pages of
the shared layout: the index and the bundled assets (offline)."""

from flask import (
    Blueprint,
    Response,
    abort,
    render_template,
    send_file,
)
from flask_login import current_user

from web.assets import asset_path
from web.auth import roles_required
from web.i18n import category_name, language, other_language, t
from web.resources import get_resources

__all__ = ["VIEWPORT", "base_with_streets", "bp", "page"]

bp = Blueprint("layout", __name__)

VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1.0, maximum-scale=1.0, user-scalable=no" />'


@bp.app_context_processor
def template_helpers() -> dict:
    """What every template may use: texts in the request's language and the link to the other language."""
    from web.messages import message_text

    return {"t": t, "category_name": category_name, "other_language": other_language(), "my_pages": my_pages(),
            "message_text": message_text}


def my_pages() -> list[tuple[str, str]]:
    """(text key, URL) of the pages the signed-in user may open; the sign-in page for others."""
    if not current_user.is_authenticated:
        return [("sign_in", "/login")]
    role, pages = current_user.role, []
    if role in ("dispatcher", "admin"):
        pages.append(("dispatcher", "/dispatcher"))
    if role in ("planner", "admin"):
        pages.append(("planner", "/planner"))
    if current_user.patrol_id:
        pages.append(("officer", f"/officer/{current_user.patrol_id}"))
    if role != "officer":
        pages.append(("api", "/api/openapi.json"))
    if role == "admin":
        pages.append(("audit_log", "/admin/audit"))
    return pages


def html_lang() -> str:
    return "zh-CN" if language() == "zh" else "en"


def page(m, template: str, **context) -> Response:
    """A map page: the folium map ``m`` with the panel ``template`` (extends panel.html) laid over it."""
    from folium import Element

    m.get_root().html.add_child(Element(render_template(template, **context)))
    m.get_root().header.add_child(Element(VIEWPORT))
    html = m.get_root().render().replace("<html>", f"<html lang='{html_lang()}'>", 1)
    return Response(html, mimetype="text/html")


def base_with_streets():
    from flask import current_app, url_for

    from web.maps import base_map

    res = get_resources()
    streets = url_for("layout.streets", v=res.streets_file[1])
    return res, base_map(res.city.report["bbox"], streets, attribution=res.city.profile.attribution,
                         tiles=current_app.config["TILES"], tiles_key=current_app.config["TIANDITU_KEY"],
                         control_texts={k: t(k) for k in ("zoom_in", "zoom_out", "layers", "leaflet_title")})


@bp.get("/vendor/<package>/<path:filename>")
def vendor(package: str, filename: str):
    """The bundled JavaScript and CSS (offline)."""
    path = asset_path(package, filename)
    if path is None:
        abort(404, f"no asset {package}/{filename}")
    return send_file(path, max_age=86400)


@bp.get("/streets.geojson")
@roles_required("dispatcher", "planner", "officer")
def streets():
    """The city's streets (GeoJSON, WGS-84), gzipped; kept by the browser (the URL carries its tag)."""
    from flask import request

    data, tag = get_resources().streets_file
    if "gzip" not in request.headers.get("Accept-Encoding", ""):
        import gzip

        response = Response(gzip.decompress(data), mimetype="application/geo+json")
    else:
        response = Response(data, mimetype="application/geo+json", headers={"Content-Encoding": "gzip"})
    response.set_etag(tag)
    response.headers["Vary"] = "Accept-Encoding"
    response.cache_control.private = True
    response.cache_control.max_age = 86400 * 30 if request.args.get("v") == tag else 0
    return response.make_conditional(request)


@bp.get("/")
def index():
    """Links to the pages."""
    res = get_resources()
    return render_template("index.html", html_lang=html_lang(), city_name=res.city.profile.name,
                           attribution=res.city.profile.attribution)
