"""Map builders: data in, ``folium.Map`` out (pure; no Flask, no store).

Base map: no tile server; the city's streets drawn as a light vector layer. Every map carries
"© OpenStreetMap contributors". Geometries are WGS-84. Each map registers its data layers in
``window.patrolLayers`` (name -> Leaflet layer) so pages and browser tests can reach them.
"""

import json
from html import escape

import folium
import shapely
from folium.plugins import Draw, FastMarkerCluster
from shapely.geometry import mapping

from web.assets import offline
from web.elements import Script, register
from web.tiles import add_tiles

__all__ = ["base_map", "dispatcher_map", "officer_map", "planner_map", "segment_lines", "streets_geojson", "tooltip_text"]

MODE_COLOURS = {"foot": "#2b8a3e", "ebike": "#1971c2", "car": "#5f3dc4"}
CATEGORY_COLOURS = {"stray_dog": "#e03131", "street_vending": "#f08c00", "garbage_sorting": "#2f9e44",
                    "private_wiring": "#ae3ec9", "street_drying": "#1098ad", "illegal_parking": "#495057"}
ROUTE_COLOURS = ["#e8590c", "#fab005", "#ffd8a8"]


def tooltip_text(text: str) -> str:
    """Text for a folium tooltip: HTML-escaped, and safe inside the JavaScript template string (backticks)
    folium puts it in: ``$``, backtick and backslash become HTML entities, so ``${...}`` is never run."""
    return escape(str(text)).replace("\\", "&#92;").replace("`", "&#96;").replace("$", "&#36;")


def _escaped(collection: dict) -> dict:
    """A copy of a GeoJSON collection with text properties HTML-escaped (tooltips render HTML)."""
    return {**collection, "features": [
        {**f, "properties": {k: escape(v) if isinstance(v, str) else v for k, v in (f.get("properties") or {}).items()}}
        for f in collection["features"]]}


def _lines(geometries) -> list[dict]:
    return [{"type": "LineString", "coordinates": [[round(x, 6), round(y, 6)] for x, y in g.coords]} for g in geometries]


def streets_geojson(router, *, tolerance_m: float = 3.0) -> str:
    """The mode graph's street segments as a compact GeoJSON string (simplified, 6 decimals)."""
    segments = router.segments
    lines = shapely.transform(shapely.simplify(segments.geometry_m, tolerance_m), segments.to_wgs84)
    features = [{"type": "Feature", "properties": {"n": name or ""}, "geometry": geometry}
                for geometry, name in zip(_lines(lines), segments.names, strict=True)]
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False, separators=(",", ":"))


def segment_lines(router, indices, properties=None, *, tolerance_m: float = 3.0) -> dict:
    """Some segments of a mode graph (indices) as a GeoJSON FeatureCollection (WGS-84)."""
    segments = router.segments
    indices = list(indices)
    geometries = shapely.transform(shapely.simplify(segments.geometry_m[indices], tolerance_m), segments.to_wgs84)
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": g, "properties": (properties[k] if properties else {}) | {"street": segments.names[i] or ""}}
        for k, (i, g) in enumerate(zip(indices, _lines(geometries), strict=True))]}


def base_map(bounds, streets: str, *, attribution: str, tiles: str = "none", tiles_key: str | None = None,
             control_texts: dict | None = None) -> folium.Map:
    """A map fitted to ``bounds`` (minx, miny, maxx, maxy) with the streets drawn; offline unless
    ``tiles`` names an online provider (see ``web.tiles``). ``streets`` is the GeoJSON text, or the URL
    of it (starting with ``/``): then the page fetches it once and the browser keeps it (a page of 1 MB
    less for every request). ``control_texts``: the zoom buttons', layer button's and Leaflet link's titles
    (keys zoom_in, zoom_out, layers, leaflet_title) in the page's language."""
    minx, miny, maxx, maxy = bounds
    m = offline(folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=13, tiles=None, max_zoom=19,
                           control_scale=True))
    m.options["maxZoom"] = 19  # no tile layer carries it; marker clustering needs it
    add_tiles(m, tiles, tiles_key)  # first: a GCJ-02 provider changes how everything after it is projected
    if streets.startswith("/"):
        Script(f"""(function (map) {{
            // one canvas, not an SVG path per street: a Haining-sized city has 120,000 segments
            var layer = L.geoJSON(null, {{style: {{color: '#adb5bd', weight: 1.2}}, interactive: false,
                                          renderer: L.canvas({{padding: 0.5}})}}).addTo(map);
            window.patrolStreets = layer;
            fetch({json.dumps(streets)}, {{credentials: 'same-origin'}}).then(function (r) {{ return r.json(); }})
              .then(function (data) {{ layer.addData(data); layer.bringToBack(); }});
        }})({m.get_name()});""").add_to(m)
    else:
        folium.GeoJson(json.loads(streets), name="streets", style_function=lambda _: {"color": "#adb5bd", "weight": 1.2},
                       attr=attribution, control=False).add_to(m)
    m.get_root().html.add_child(folium.Element(
        f'<div class="osm-attribution" style="position:fixed;bottom:4px;right:8px;z-index:1000;background:#fff;'
        f'font:12px sans-serif;padding:2px 6px;opacity:.85">{attribution}</div>'))
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    Script(f"window.patrolMap = {m.get_name()};").add_to(m)
    Script(f"""(function (map) {{  // on a wide screen, the city beside the page's panel rather than under it
        var panel = document.getElementById('panel'), bounds = [[{miny}, {minx}], [{maxy}, {maxx}]];
        if (panel && window.innerWidth > 800) {{
            map.fitBounds(bounds, {{paddingTopLeft: [panel.offsetWidth + 60, 0]}});
        }} else if (panel && panel.getBoundingClientRect().top > window.innerHeight / 2) {{  // a bottom sheet
            map.fitBounds(bounds, {{paddingBottomRight: [0, window.innerHeight - panel.getBoundingClientRect().top]}});
        }}
    }})({m.get_name()});""").add_to(m)
    if control_texts:  # after every control is made (the pages add theirs after this script)
        Script(f"""setTimeout(function () {{
            var texts = {json.dumps(control_texts, ensure_ascii=False)}, box = {m.get_name()}.getContainer();
            [['.leaflet-control-zoom-in', 'zoom_in'], ['.leaflet-control-zoom-out', 'zoom_out'],
             ['.leaflet-control-layers-toggle', 'layers'], ['.leaflet-control-attribution a[title]', 'leaflet_title']]
              .forEach(function (pair) {{
                box.querySelectorAll(pair[0]).forEach(function (e) {{
                  e.title = texts[pair[1]]; e.setAttribute('aria-label', texts[pair[1]]); }});
              }});
        }}, 0);""").add_to(m)
    return m


def _incident_layer(m: folium.Map, incidents: list[dict], name: str) -> None:
    """Incidents as clustered circle markers (one compact array; fine for 10 thousand)."""
    rows = [[i["lat"], i["lon"], CATEGORY_COLOURS.get(i["category"], "#212529"), escape(i.get("label", i["category"]))]
            for i in incidents]
    callback = ("function (row) { var m = L.circleMarker(new L.LatLng(row[0], row[1]), {radius: 5, color: row[2], "
                "fill: true, fillOpacity: 0.8, className: 'incident'}); m.bindTooltip(row[3]); return m; }")
    layer = offline(FastMarkerCluster(rows, callback=callback, name=name, options={"disableClusteringAtZoom": 17}))
    layer.add_to(m)
    register(m, "incidents", layer)


def dispatcher_map(m: folium.Map, patrols: list[dict], incidents: list[dict], recommendation: dict | None = None,
                   *, dispatches: list[dict] = (), click_input: str | None = None, names: dict | None = None):
    """Patrols (coloured by mode, grey when unavailable; tooltip with position age), open incidents
    (clustered), the places of active dispatches, a recommendation's report and top-3 routes (the
    ``recommendation`` layer, which the console's script redraws); a map click fills ``click_input``."""
    names = names or {}
    # patrols on their own pane above the incident clusters: a click on a patrol reaches the patrol
    layer = folium.FeatureGroup(name=names.get("patrols", "patrols")).add_to(m)
    for p in patrols:
        colour = MODE_COLOURS.get(p["mode"], "#000") if p["available"] else "#868e96"
        folium.CircleMarker([p["lat"], p["lon"]], radius=7, color=colour, fill=True, fill_opacity=0.9,
                            tooltip=tooltip_text(p.get("label", p["id"])), class_name=f"patrol patrol-{p['id']}").add_to(layer)
    register(m, "patrols", layer)
    Script(f"""{m.get_name()}.createPane('patrols').style.zIndex = 620;
        {layer.get_name()}.eachLayer(function (marker) {{
            {layer.get_name()}.removeLayer(marker); marker.options.pane = 'patrols'; {layer.get_name()}.addLayer(marker);
        }});""").add_to(m)
    _incident_layer(m, incidents, names.get("incidents", "incidents"))
    layer = folium.FeatureGroup(name=names.get("dispatches", "active dispatches")).add_to(m)
    for d in dispatches:
        folium.CircleMarker([d["lat"], d["lon"]], radius=8, color="#000", weight=2, fill=True, fill_color="#ff922b",
                            fill_opacity=1, tooltip=tooltip_text(d.get("label", d["id"])),
                            class_name=f"dispatch-place dispatch-{d['id']}").add_to(layer)
    register(m, "dispatches", layer)
    layer = folium.FeatureGroup(name=names.get("recommendation", "recommendation"), control=False).add_to(m)
    if recommendation:
        incident = recommendation["incident"]
        folium.CircleMarker([incident["lat"], incident["lon"]], radius=10, color="#000", weight=3, fill=True,
                            fill_color="#ffe066", fill_opacity=1, tooltip=tooltip_text(names.get("report", "report")),
                            class_name="report").add_to(layer)
        for rank, candidate in enumerate(recommendation["candidates"][:3]):
            if candidate.get("route"):
                folium.GeoJson(candidate["route"], name=f"{rank + 1}. {candidate['patrol_id']}",
                               style_function=lambda _, r=rank: {"color": ROUTE_COLOURS[r], "weight": 5 - r}).add_to(layer)
    register(m, "recommendation", layer)
    if click_input:
        Script(f"""{m.get_name()}.on('click', function (e) {{
            var input = document.getElementById({json.dumps(click_input)});
            input.value = e.latlng.lng.toFixed(6) + ',' + e.latlng.lat.toFixed(6);
            var datum = document.getElementById('datum'); if (datum) {{ datum.value = 'wgs84'; }}
            input.form.submit(); }});""").add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)
    return m


def _zone_colour(worst, target_s):
    if worst is None or worst > target_s:
        return "#e03131"
    return "#2f9e44" if worst <= 0.75 * target_s else "#f59f00"


def planner_map(m: folium.Map, zones: list[dict], target_s: float, *, uncovered: dict | None = None,
                hotspots: list[dict] = (), hot_segments: dict | None = None, blocks: dict | None = None,
                standby: list[dict] = (), moved: dict | None = None, gaps: dict | None = None,
                edit: dict | None = None, names: dict | None = None, draw_texts: dict | None = None):
    """The planner's layers: zones coloured by worst case (green <= 75 % of target, orange <= target,
    red beyond), uncovered streets in red, congestion points, hot segments, key blocks, standby points,
    streets moved between two versions, gaps of a rejected drawing, and an editable zone (Leaflet Draw, its
    toolbar in ``draw_texts`` when given: a partial ``L.drawLocal``)."""
    names = names or {}
    group = folium.FeatureGroup(name=names.get("zones", "zones")).add_to(m)
    labels = folium.FeatureGroup(name=names.get("zone_labels", "zone labels")).add_to(m)
    for zone in zones:
        colour = _zone_colour(zone.get("worst_case_s"), target_s)
        folium.GeoJson(mapping(zone["polygon"]),
                       style_function=lambda _, c=colour: {"color": c, "weight": 1, "fillOpacity": 0.25},
                       tooltip=tooltip_text(zone.get("label", zone["zone_id"]))).add_to(group)
        if not zone["polygon"].is_empty:
            where = zone["polygon"].representative_point()
            worst = zone.get("worst_case_s")
            text = escape(zone["zone_id"]) + ("" if worst is None else f"<br>{worst / 60:.0f}′")
            folium.Marker([where.y, where.x], icon=folium.DivIcon(
                html=f"<div class='zone-label-text' style='border-color:{colour}'>{text}</div>",
                icon_size=(44, 30), icon_anchor=(22, 15), class_name="zone-label")).add_to(labels)
    register(m, "zones", group)
    register(m, "zone_labels", labels)
    optional = [("uncovered", uncovered, {"color": "#c92a2a", "weight": 4}),
                ("hot_segments", hot_segments, {"color": "#d9480f", "weight": 5}),
                ("moved", moved, {"color": "#7048e8", "weight": 4}),
                ("gaps", gaps, {"color": "#f03e3e", "weight": 5, "dashArray": "4 4"})]
    for key, collection, style in optional:
        if collection is not None:
            layer = folium.GeoJson(_escaped(collection), name=names.get(key, key), style_function=lambda _, s=style: s,
                                   tooltip=folium.GeoJsonTooltip(["street"], labels=False)
                                   if collection["features"] else None).add_to(m)
            register(m, key, layer)
    if blocks is not None:
        layer = folium.GeoJson(_escaped(blocks), name=names.get("key_blocks", "key blocks"), show=False,
                               style_function=lambda _: {"color": "#495057", "weight": 1, "fillOpacity": 0.15},
                               tooltip=folium.GeoJsonTooltip(["name", "kind"], labels=False)).add_to(m)
        register(m, "key_blocks", layer)
    layer = folium.FeatureGroup(name=names.get("hotspots", "congestion points")).add_to(m)
    for spot in hotspots:
        folium.CircleMarker([spot["lat"], spot["lon"]], radius=min(22, 5 + spot["count"] ** 0.5), color="#d6336c",
                            fill=True, fill_opacity=0.5, tooltip=tooltip_text(spot.get("label", str(spot["count"]))),
                            class_name="hotspot").add_to(layer)
    register(m, "hotspots", layer)
    layer = folium.FeatureGroup(name=names.get("standby", "standby points")).add_to(m)
    for point in standby:  # a square drawn by Leaflet itself (RegularPolygonMarker needs a CDN plugin)
        square = (f"<div style='width:14px;height:14px;box-sizing:border-box;border:2px solid #000;"
                  f"background:{MODE_COLOURS.get(point['mode'], '#000')}'></div>")
        folium.Marker([point["lat"], point["lon"]], icon=folium.DivIcon(html=square, icon_size=(14, 14),
                                                                        icon_anchor=(7, 7), class_name="standby"),
                      tooltip=tooltip_text(point.get("label", point["mode"]))).add_to(layer)
    register(m, "standby", layer)
    if edit is not None:
        drawn = folium.FeatureGroup(name=names.get("edit", "edit"), control=False).add_to(m)
        for polygon in edit["polygons"]:
            folium.Polygon([[(y, x) for x, y in ring] for ring in polygon], color="#1c7ed6", weight=3,
                           fill_opacity=0.2).add_to(drawn)
        register(m, "drawn", drawn)
        if draw_texts:  # before the toolbar is made: it reads L.drawLocal then
            Script(f"""(function merge(into, texts) {{
                Object.keys(texts).forEach(function (k) {{
                    if (typeof texts[k] === 'object') {{ into[k] = into[k] || {{}}; merge(into[k], texts[k]); }}
                    else {{ into[k] = texts[k]; }}
                }});
            }})(L.drawLocal, {json.dumps(draw_texts, ensure_ascii=False)});""").add_to(m)
        offline(Draw(feature_group=drawn, export=False, draw_options={
            "polyline": False, "circle": False, "marker": False, "circlemarker": False,
            "polygon": {"allowIntersection": False, "showArea": True}, "rectangle": True},
            edit_options={"edit": True, "remove": True})).add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)
    return m


def _arrows(route_geometry: dict, every_m: float = 400.0) -> list[tuple[float, float, float]]:
    """(lat, lon, bearing in degrees from north) every ``every_m`` metres along a WGS-84 line."""
    import math

    from pyproj import Geod

    line = shapely.geometry.shape(route_geometry)
    parts = list(line.geoms) if hasattr(line, "geoms") else [line]
    geod, found, carried = Geod(ellps="WGS84"), [], every_m / 2
    for part in parts:
        coords = list(part.coords)
        for (x0, y0), (x1, y1) in zip(coords, coords[1:], strict=False):
            azimuth, _, length = geod.inv(x0, y0, x1, y1)
            while carried <= length and length > 0:
                f = carried / length
                found.append((y0 + f * (y1 - y0), x0 + f * (x1 - x0), azimuth % 360))
                carried += every_m
            carried -= length
    return [(lat, lon, bearing) for lat, lon, bearing in found if not math.isnan(bearing)]


def officer_map(m: folium.Map, route: dict, zone_polygon=None, hotspots: list[dict] = (), names: dict | None = None):
    """One patrol's route with direction arrows, numbered stops with planned times, its zone outline
    and today's congestion points."""
    names = names or {}
    if zone_polygon is not None:
        folium.GeoJson(mapping(zone_polygon), name=names.get("zone", "zone"),
                       style_function=lambda _: {"color": "#1971c2", "weight": 2, "fillOpacity": 0.05}).add_to(m)
    if route.get("geometry"):
        layer = folium.GeoJson(route["geometry"], name=names.get("route", "route"),
                               style_function=lambda _: {"color": "#e8590c", "weight": 5}).add_to(m)
        register(m, "route", layer)
        for lat, lon, bearing in _arrows(route["geometry"]):
            folium.Marker([lat, lon], icon=folium.DivIcon(
                html=f'<div class="arrow" style="transform:rotate({bearing:.0f}deg);color:#862e9c;font:bold 16px sans-serif">▲</div>',
                icon_size=(16, 16), icon_anchor=(8, 8))).add_to(m)
    layer = folium.FeatureGroup(name=names.get("stops", "stops")).add_to(m)
    for number, stop in enumerate(route.get("stops", []), start=1):
        folium.CircleMarker([stop["lat"], stop["lon"]], radius=9, color="#e8590c", fill=True, fill_opacity=1,
                            tooltip=tooltip_text(f"{number}. {stop['name']} {stop.get('arrival', '')[11:16]}"), class_name="stop").add_to(layer)
    register(m, "stops", layer)
    layer = folium.FeatureGroup(name=names.get("hotspots", "congestion points")).add_to(m)
    for spot in hotspots:
        folium.CircleMarker([spot["lat"], spot["lon"]], radius=8, color="#d6336c", fill=True, fill_opacity=0.4,
                            tooltip=tooltip_text(spot.get("label", str(spot["count"]))), class_name="hotspot").add_to(layer)
    register(m, "hotspots", layer)
    return m
