"""What every page shares: the panel, the header (links, language, sign-out), the map with the street
layer, and the two pages of the shared layout: the index and the bundled assets (offline)."""

from html import escape

from flask import (
    Blueprint,
    Response,
    abort,
    get_flashed_messages,
    send_file,
)
from flask_login import current_user

from web.assets import asset_path
from web.i18n import language, switcher, t
from web.resources import get_resources

__all__ = ["PANEL", "STYLE", "VIEWPORT", "base_with_streets", "bp", "csrf_field", "header", "options", "page"]

bp = Blueprint("layout", __name__)

PANEL = ('<div id="panel" style="position:fixed;top:10px;left:50px;z-index:1000;background:#fff;padding:8px 10px;'
         'max-width:min(440px,80vw);max-height:80vh;overflow:auto;font:14px sans-serif;border-radius:6px;'
         'box-shadow:0 1px 4px rgba(0,0,0,.3)">{}</div>')
VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1.0, maximum-scale=1.0, user-scalable=no" />'
STYLE = ("<style>#panel table{border-collapse:collapse}#panel td{padding:1px 5px}#panel .error{color:#c92a2a}"
         "#panel .ok{color:#2b8a3e}#panel form.inline{display:inline}#panel details{margin-top:4px}</style>")


def csrf_field() -> str:
    from flask_wtf.csrf import generate_csrf

    return f"<input type=hidden name=csrf_token value='{generate_csrf()}'>"


def header(title_key: str) -> str:
    """Title, links to the other pages, language switch, sign-out."""
    links = " · ".join(f"<a href='{url}'>{escape(t(key))}</a>" for key, url in
                       (("dispatcher", "/dispatcher"), ("planner", "/planner")) if key != title_key)
    messages = "".join(f"<p class='{escape(kind)}'>{escape(text)}</p>"
                       for kind, text in get_flashed_messages(with_categories=True))
    who = escape(current_user.username) if current_user.is_authenticated else ""
    return (f"<b>{escape(t(title_key))}</b> <small>{links} · {switcher()} · {who} "
            f"<form class=inline method=post action='/logout'>{csrf_field()}<button>{escape(t('sign_out'))}</button>"
            f"</form></small>{messages}")


def page(m, panel_html: str) -> Response:
    from folium import Element

    m.get_root().html.add_child(Element(STYLE + PANEL.format(panel_html)))
    m.get_root().header.add_child(Element(VIEWPORT))
    html = m.get_root().render().replace("<html>", f"<html lang='{'zh-CN' if language() == 'zh' else 'en'}'>", 1)
    return Response(html, mimetype="text/html")


def base_with_streets():
    from flask import current_app

    from web.maps import base_map

    res = get_resources()
    return res, base_map(res.city.report["bbox"], res.streets, attribution=res.city.profile.attribution,
                         tiles=current_app.config["TILES"], tiles_key=current_app.config["TIANDITU_KEY"])


def options(values, chosen, label=lambda v: v) -> str:
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


