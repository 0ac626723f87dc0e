"""JavaScript and CSS served by the app itself (no CDN): Leaflet, jQuery, Font Awesome, from PyPI XStatic packages.

``ASSETS`` maps a URL path under ``/vendor/`` to the file in its package; ``offline`` rewrites a folium
object's asset lists to those local URLs.
"""

from pathlib import Path

import xstatic.pkg.font_awesome
import xstatic.pkg.jquery
import xstatic.pkg.leaflet

__all__ = ["ASSETS", "CSS", "JS", "asset_path", "offline"]

_DIRS = {
    "leaflet": Path(xstatic.pkg.leaflet.BASE_DIR),
    "jquery": Path(xstatic.pkg.jquery.BASE_DIR),
    "fontawesome": Path(xstatic.pkg.font_awesome.BASE_DIR),
}
JS = [("leaflet", "/vendor/leaflet/leaflet.js"), ("jquery", "/vendor/jquery/jquery.min.js")]
CSS = [("leaflet_css", "/vendor/leaflet/leaflet.css"), ("fontawesome_css", "/vendor/fontawesome/css/all.min.css")]
ASSETS = {"leaflet": _DIRS["leaflet"], "jquery": _DIRS["jquery"], "fontawesome": _DIRS["fontawesome"]}


def asset_path(package: str, filename: str) -> Path | None:
    """The file behind ``/vendor/<package>/<filename>``, or None if it is not one of ours."""
    root = ASSETS.get(package)
    if root is None:
        return None
    path = (root / filename).resolve()
    if root.resolve() not in path.parents or not path.is_file():
        return None
    return path


def offline(element):
    """Point a folium element (and its class defaults) at the local assets; returns it."""
    element.default_js = list(JS)
    element.default_css = list(CSS)
    return element
