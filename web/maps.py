"""Map builders: data in, ``folium.Map`` out (pure; no Flask, no store).

Base map: no tile server; the city's streets drawn as a light vector layer. Every map carries
"© OpenStreetMap contributors". Geometries are WGS-84.
"""

import json

import folium
import shapely
from shapely.geometry import mapping

from web.assets import offline

__all__ = ["base_map", "dispatcher_map", "officer_map", "planner_map", "streets_geojson"]

MODE_COLOURS = {"foot": "#2b8a3e", "ebike": "#1971c2", "car": "#5f3dc4"}
CATEGORY_COLOURS = {"stray_dog": "#e03131", "street_vending": "#f08c00", "garbage_sorting": "#2f9e44",
                    "private_wiring": "#ae3ec9", "street_drying": "#1098ad", "illegal_parking": "#495057"}


def streets_geojson(router, *, tolerance_m: float = 3.0) -> str:
    """The mode graph's street segments as a compact GeoJSON string (simplified, 6 decimals)."""
    segments = router.segments
    simple = shapely.simplify(segments.geometry_m, tolerance_m)
    lines = shapely.transform(simple, segments._unproject)
    features = [{"type": "Feature", "properties": {"n": name or ""},
                 "geometry": {"type": "LineString", "coordinates": [[round(x, 6), round(y, 6)] for x, y in line.coords]}}
                for line, name in zip(lines, segments.names, strict=True)]
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False, separators=(",", ":"))


def base_map(bounds, streets: str, *, attribution: str) -> folium.Map:
    """An offline map fitted to ``bounds`` (minx, miny, maxx, maxy) with the streets drawn."""
    minx, miny, maxx, maxy = bounds
    m = offline(folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=13, tiles=None, max_zoom=19,
                           control_scale=True))
    folium.GeoJson(json.loads(streets), name="streets", style_function=lambda _: {"color": "#adb5bd", "weight": 1.2},
                   attr=attribution).add_to(m)
    m.get_root().html.add_child(folium.Element(
        f'<div class="osm-attribution" style="position:fixed;bottom:4px;right:8px;z-index:1000;background:#fff;'
        f'font:12px sans-serif;padding:2px 6px;opacity:.85">{attribution}</div>'))
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    return m


def dispatcher_map(m: folium.Map, patrols: list[dict], incidents: list[dict], recommendation: dict | None = None):
    """Patrols (coloured by mode, grey when unavailable), open incidents, and a recommendation's routes."""
    layer = folium.FeatureGroup(name="patrols").add_to(m)
    for p in patrols:
        colour = MODE_COLOURS.get(p["mode"], "#000") if p["available"] else "#868e96"
        folium.CircleMarker([p["lat"], p["lon"]], radius=7, color=colour, fill=True, fill_opacity=0.9,
                            tooltip=f"{p['id']} {p['call_sign']} ({p['mode']}): {p['reason'] or 'available'}",
                            class_name=f"patrol patrol-{p['id']}").add_to(layer)
    layer = folium.FeatureGroup(name="incidents").add_to(m)
    for i in incidents:
        folium.CircleMarker([i["lat"], i["lon"]], radius=4, color=CATEGORY_COLOURS.get(i["category"], "#212529"),
                            fill=True, tooltip=f"{i['category']} #{i['id']}", class_name="incident").add_to(layer)
    if recommendation:
        incident = recommendation["incident"]
        folium.Marker([incident["lat"], incident["lon"]], tooltip="report").add_to(m)
        for rank, candidate in enumerate(recommendation["candidates"][:3]):
            if candidate.get("route"):
                folium.GeoJson(candidate["route"], name=f"route {candidate['patrol_id']}",
                               style_function=lambda _, r=rank: {"color": ["#e8590c", "#fab005", "#ffd8a8"][r],
                                                                 "weight": 5 - r}).add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)
    return m


def planner_map(m: folium.Map, zones: list[dict], target_s: float):
    """Zones coloured by their worst case (green within target, red beyond), with their numbers."""
    for zone in zones:
        worst = zone.get("worst_case_s")
        colour = "#2f9e44" if worst is not None and worst <= 0.75 * target_s else (
            "#f59f00" if worst is not None and worst <= target_s else "#e03131")
        folium.GeoJson(mapping(zone["polygon"]), name=zone["zone_id"],
                       style_function=lambda _, c=colour: {"color": c, "weight": 1, "fillOpacity": 0.25},
                       tooltip=f"{zone['zone_id']} {zone['name']}: worst {worst / 60:.1f} min" if worst else zone["zone_id"],
                       ).add_to(m)
    return m


def officer_map(m: folium.Map, route: dict, zone_polygon=None):
    """One patrol's route with numbered stops and planned times, and its zone outline."""
    if zone_polygon is not None:
        folium.GeoJson(mapping(zone_polygon), name="zone",
                       style_function=lambda _: {"color": "#1971c2", "weight": 2, "fillOpacity": 0.05}).add_to(m)
    if route.get("geometry"):
        folium.GeoJson(route["geometry"], name="route", style_function=lambda _: {"color": "#e8590c", "weight": 5}).add_to(m)
    for number, stop in enumerate(route.get("stops", []), start=1):
        folium.CircleMarker([stop["lat"], stop["lon"]], radius=9, color="#e8590c", fill=True, fill_opacity=1,
                            tooltip=f"{number}. {stop['name']} {stop.get('arrival', '')}", class_name="stop").add_to(m)
    return m
