"""Optional online base maps (off by default: the product works offline on its vector streets).

``PATROL_TILES`` = ``none`` (default) | ``osm`` | ``tianditu`` (needs ``PATROL_TIANDITU_KEY``) | ``amap``.
OpenStreetMap and Tianditu tiles are in WGS-84 (Web Mercator), like our overlays. Amap tiles are in
GCJ-02: the map then projects every WGS-84 coordinate through GCJ-02 (the overlays are converted in
the browser, clicks converted back), so streets, incidents and tiles line up.
"""

import folium

from geo.errors import PatrolError
from web.elements import Script

__all__ = ["PROVIDERS", "add_tiles", "check_tiles", "gcj02_script"]

PROVIDERS = {
    "osm": {"datum": "wgs84", "subdomains": "abc", "max_zoom": 19, "layers": [
        ("https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png", "© OpenStreetMap contributors")]},
    "tianditu": {"datum": "wgs84", "subdomains": "01234567", "max_zoom": 18, "layers": [
        ("https://t{s}.tianditu.gov.cn/LAYER_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=LAYER&STYLE=default"
         "&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={key}".replace("LAYER", name),
         "© 天地图 Tianditu") for name in ("vec", "cva")]},
    "amap": {"datum": "gcj02", "subdomains": "1234", "max_zoom": 18, "layers": [
        ("https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}",
         "© 高德地图 AutoNavi")]},
}


def check_tiles(provider: str, key: str | None) -> None:
    """Raise a clear error for an unknown provider or a Tianditu map without its key."""
    if provider not in ("none", *PROVIDERS):
        raise PatrolError(f"PATROL_TILES must be one of none, {', '.join(PROVIDERS)}; got {provider!r}")
    if provider == "tianditu" and not key:
        raise PatrolError("PATROL_TILES=tianditu needs PATROL_TIANDITU_KEY (a key from console.tianditu.gov.cn)")


def gcj02_script(map_name: str) -> str:
    """JavaScript making ``map_name`` draw WGS-84 coordinates on GCJ-02 tiles (same formula as geo.crs)."""
    from geo.crs import _KRASOVSKY_A, _KRASOVSKY_EE

    return f"""(function (map) {{
  var A = {_KRASOVSKY_A!r}, EE = {_KRASOVSKY_EE!r}, PI = Math.PI;
  function offset(lon, lat) {{
    if (lon < 72.004 || lon > 137.8347 || lat < 0.8293 || lat > 55.8271) {{ return [0, 0]; }}
    var x = lon - 105.0, y = lat - 35.0, s = Math.sqrt(Math.abs(x));
    var dLat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * s;
    var dLon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * s;
    var common = (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0;
    dLat += common + (20.0 * Math.sin(y * PI) + 40.0 * Math.sin(y / 3.0 * PI)) * 2.0 / 3.0
      + (160.0 * Math.sin(y / 12.0 * PI) + 320.0 * Math.sin(y * PI / 30.0)) * 2.0 / 3.0;
    dLon += common + (20.0 * Math.sin(x * PI) + 40.0 * Math.sin(x / 3.0 * PI)) * 2.0 / 3.0
      + (150.0 * Math.sin(x / 12.0 * PI) + 300.0 * Math.sin(x / 30.0 * PI)) * 2.0 / 3.0;
    var radLat = lat / 180.0 * PI, magic = 1.0 - EE * Math.sin(radLat) * Math.sin(radLat), sq = Math.sqrt(magic);
    return [(dLon * 180.0) / (A / sq * Math.cos(radLat) * PI), (dLat * 180.0) / ((A * (1.0 - EE)) / (magic * sq) * PI)];
  }}
  function toGcj(ll) {{ var d = offset(ll.lng, ll.lat); return L.latLng(ll.lat + d[1], ll.lng + d[0]); }}
  function toWgs(ll) {{
    var lon = ll.lng, lat = ll.lat;
    for (var i = 0; i < 10; i++) {{ var d = offset(lon, lat); lon = ll.lng - d[0]; lat = ll.lat - d[1]; }}
    return L.latLng(lat, lon);
  }}
  var project = map.project, unproject = map.unproject;
  map.project = function (latlng, zoom) {{ return project.call(this, toGcj(L.latLng(latlng)), zoom); }};
  map.unproject = function (point, zoom) {{ return toWgs(unproject.call(this, point, zoom)); }};
  window.patrolToGcj = toGcj; window.patrolToWgs = toWgs;
}})({map_name});"""


def add_tiles(m: folium.Map, provider: str, key: str | None = None) -> folium.Map:
    """Put ``provider``'s tiles under the map's overlays (nothing for 'none')."""
    check_tiles(provider, key)
    if provider == "none":
        return m
    spec = PROVIDERS[provider]
    if spec["datum"] == "gcj02":
        Script(gcj02_script(m.get_name())).add_to(m)
    for url, attribution in spec["layers"]:
        folium.TileLayer(url.replace("{key}", key or ""), attr=attribution, name=provider, subdomains=spec["subdomains"],
                         max_zoom=spec["max_zoom"], control=False).add_to(m)
    return m
