"""JavaScript and CSS served by the app itself (no CDN).

Leaflet, MarkerCluster, jQuery and Font Awesome come from PyPI XStatic packages; Leaflet.draw (not on
PyPI) from npm (``web/vendor/package.json``, installed by the README's commands); the heat-map script
ships inside folium. ``offline`` rewrites a folium object's asset lists to the local ``/vendor/`` URLs.
"""

from pathlib import Path

import folium
import xstatic.pkg.font_awesome
import xstatic.pkg.jquery
import xstatic.pkg.leaflet
import xstatic.pkg.leaflet_markercluster

from geo.errors import PatrolError

__all__ = ["ASSETS", "CSS", "JS", "asset_path", "check_assets", "offline"]

NPM_DIR = Path(__file__).resolve().parent / "vendor" / "node_modules"
ASSETS = {
    "leaflet": Path(xstatic.pkg.leaflet.BASE_DIR),
    "jquery": Path(xstatic.pkg.jquery.BASE_DIR),
    "fontawesome": Path(xstatic.pkg.font_awesome.BASE_DIR),
    "markercluster": Path(xstatic.pkg.leaflet_markercluster.BASE_DIR),
    "leaflet-draw": NPM_DIR / "leaflet-draw" / "dist",
    "folium": Path(folium.__file__).resolve().parent / "templates",
    "patrol": Path(__file__).resolve().parent / "static",  # the product's own scripts
}
JS = [("leaflet", "/vendor/leaflet/leaflet.js"), ("jquery", "/vendor/jquery/jquery.min.js")]
CSS = [("leaflet_css", "/vendor/leaflet/leaflet.css"), ("fontawesome_css", "/vendor/fontawesome/css/all.min.css")]
PLUGIN_JS = {
    "MarkerCluster": [("markerclusterjs", "/vendor/markercluster/leaflet.markercluster.js")],
    "HeatMap": [("leaflet-heat.js", "/vendor/folium/leaflet_heat.min.js")],
    "Draw": [("leaflet_draw_js", "/vendor/leaflet-draw/leaflet.draw.js")],
}
PLUGIN_CSS = {
    "MarkerCluster": [("markerclustercss", "/vendor/markercluster/MarkerCluster.css"),
                      ("markerclusterdefaultcss", "/vendor/markercluster/MarkerCluster.Default.css")],
    "HeatMap": [],
    "Draw": [("leaflet_draw_css", "/vendor/leaflet-draw/leaflet.draw.css")],
}
REQUIRED = ["leaflet/leaflet.js", "markercluster/leaflet.markercluster.js", "leaflet-draw/leaflet.draw.js",
            "folium/leaflet_heat.min.js"]


def asset_path(package: str, filename: str) -> Path | None:
    """The file behind ``/vendor/<package>/<filename>``, or None if it is not one of ours."""
    root = ASSETS.get(package)
    if root is None or any(ord(c) < 0x20 or ord(c) == 0x7F for c in filename):  # NUL etc.: no such file
        return None
    if len(filename) > 255:
        return None
    try:
        path = (root / filename).resolve()
        if root.resolve() not in path.parents or not path.is_file():
            return None
    except (OSError, ValueError):  # a name the file system refuses (too long, odd bytes): no such file
        return None
    return path


def check_assets() -> None:
    """Raise a clear error if a bundled library is missing (e.g. the npm step was skipped)."""
    missing = [name for name in REQUIRED if asset_path(*name.split("/", 1)) is None]
    if missing:
        raise PatrolError(f"missing browser libraries: {', '.join(missing)}; install them with "
                          "`npm ci --prefix web/vendor` (the README's `make demo` does it).")


def offline(element):
    """Point a folium element (and its plugin's scripts) at the local assets; returns it."""
    kind = next((k for k in PLUGIN_JS if any(c.__name__ == k for c in type(element).__mro__)), None)
    if kind is not None:
        element.default_js = list(PLUGIN_JS[kind])
        element.default_css = list(PLUGIN_CSS[kind])
    else:
        element.default_js = list(JS)
        element.default_css = list(CSS)
    return element
