"""Street graphs per travel mode, with osmnx conventions.

A mode graph is an osmnx ``MultiDiGraph`` in WGS-84 (``crs`` EPSG:4326), simplified, clipped to
the jurisdiction, reduced to its largest strongly connected part, with edge attributes
``length`` (metres), ``speed_kph``, ``travel_time`` (seconds), ``geometry`` (LineString, lon/lat),
``name``, ``highway`` and ``oneway``.
"""

import contextlib
import logging
from dataclasses import asdict, dataclass
from pathlib import Path

import networkx as nx
import numpy as np
import osmnx as ox
import shapely
from shapely.geometry import LineString

from geo.errors import NoStreetsError
from geo.osm import StreetExtract, write_mode_xml
from geo.profile import ModeProfile
from geo.speeds import edge_speed_kph

__all__ = ["ModeReport", "build_mode_graph", "finish_mode_graph", "graph_bounds", "street_km"]

log = logging.getLogger(__name__)

_EXTRA_WAY_TAGS = ["name:en", "osm_way_id", "junction"]


@dataclass
class ModeReport:
    """What happened while building one mode's graph (counts; lengths in km)."""

    mode: str
    ways: int
    nodes_raw: int
    edges_raw: int
    nodes_outside_jurisdiction: int
    nodes_dropped_disconnected: int
    edges_dropped_disconnected: int
    km_dropped_disconnected: float
    nodes: int
    edges: int
    street_km: float
    bbox: tuple[float, float, float, float]

    def as_dict(self) -> dict:
        """Return the report as JSON-ready data."""
        return asdict(self)


@contextlib.contextmanager
def _osmnx_settings():
    saved = (list(ox.settings.useful_tags_way), ox.settings.log_console, ox.settings.use_cache)
    ox.settings.useful_tags_way = sorted(set(saved[0]) | set(_EXTRA_WAY_TAGS))
    ox.settings.log_console = False
    ox.settings.use_cache = False
    try:
        yield
    finally:
        ox.settings.useful_tags_way, ox.settings.log_console, ox.settings.use_cache = saved


def street_km(graph: nx.MultiDiGraph) -> float:
    """Return the length of the streets in km, counting a two-way street once."""
    undirected = ox.convert.to_undirected(graph)
    return sum(d["length"] for _, _, d in undirected.edges(data=True)) / 1000.0


def graph_bounds(graph: nx.MultiDiGraph) -> tuple[float, float, float, float]:
    """Return (min lon, min lat, max lon, max lat) of the graph's nodes (WGS-84 degrees)."""
    xs = [d["x"] for _, d in graph.nodes(data=True)]
    ys = [d["y"] for _, d in graph.nodes(data=True)]
    return (min(xs), min(ys), max(xs), max(ys))


def build_mode_graph(extract: StreetExtract, mode: ModeProfile, polygon, workdir: str | Path):
    """Build the street graph of ``mode`` from an extract, clipped to ``polygon`` (WGS-84).

    Returns ``(graph, ModeReport)``. Raises NoStreetsError if nothing usable remains.
    """
    xml_path = Path(workdir) / f"{mode.name}.osm"
    ways = write_mode_xml(extract, mode, xml_path)
    with _osmnx_settings():
        raw = ox.graph_from_xml(xml_path, bidirectional=not mode.respect_oneway, simplify=False, retain_all=True)
    xml_path.unlink(missing_ok=True)
    return finish_mode_graph(raw, mode, polygon, ways=ways, source=extract.source)


def finish_mode_graph(raw: nx.MultiDiGraph, mode: ModeProfile, polygon, *, ways: int, source: str):
    """Clip, keep the largest strongly connected part, add speeds and times, simplify."""
    nodes_raw, edges_raw = raw.number_of_nodes(), raw.number_of_edges()
    inside = _nodes_inside(raw, polygon)
    if len(inside) < 2:
        raise NoStreetsError(f"{source}: no street of mode {mode.name!r} lies inside the jurisdiction.")
    clipped = raw.subgraph(inside).copy()
    with _osmnx_settings():
        connected = ox.truncate.largest_component(clipped, strongly=True)
    if connected.number_of_edges() == 0:
        raise NoStreetsError(f"{source}: mode {mode.name!r} has no connected streets inside the jurisdiction.")
    dropped = set(clipped.nodes) - set(connected.nodes)
    dropped_edges = [(u, v, d) for u, v, d in clipped.edges(data=True) if u in dropped or v in dropped]
    for _, _, data in connected.edges(data=True):
        data["speed_kph"] = edge_speed_kph(data, mode)
        data["travel_time"] = data["length"] / (data["speed_kph"] / 3.6)
    with _osmnx_settings():
        graph = ox.simplify_graph(
            connected, edge_attrs_differ=["name", "highway"], edge_attr_aggs={"length": sum, "travel_time": sum}
        )
    if graph.number_of_edges() == 0:
        raise NoStreetsError(f"{source}: mode {mode.name!r} has no streets left after simplification.")
    _tidy_edges(graph)
    graph.graph.update({"crs": "epsg:4326", "mode": mode.name, "simplified": True})
    report = ModeReport(
        mode=mode.name,
        ways=ways,
        nodes_raw=nodes_raw,
        edges_raw=edges_raw,
        nodes_outside_jurisdiction=nodes_raw - len(inside),
        nodes_dropped_disconnected=len(dropped),
        edges_dropped_disconnected=len(dropped_edges),
        km_dropped_disconnected=round(sum(d["length"] for *_, d in dropped_edges) / 1000.0, 3),
        nodes=graph.number_of_nodes(),
        edges=graph.number_of_edges(),
        street_km=round(street_km(graph), 3),
        bbox=graph_bounds(graph),
    )
    return graph, report


def _nodes_inside(graph: nx.MultiDiGraph, polygon) -> list:
    """Return the nodes whose lon/lat lies in or on ``polygon`` (WGS-84)."""
    nodes = list(graph.nodes)
    xs = np.fromiter((graph.nodes[n]["x"] for n in nodes), dtype=float, count=len(nodes))
    ys = np.fromiter((graph.nodes[n]["y"] for n in nodes), dtype=float, count=len(nodes))
    mask = shapely.covers(polygon, shapely.points(xs, ys))
    return [n for n, keep in zip(nodes, mask, strict=True) if keep]


def _first(value):
    if isinstance(value, list):
        return next((v for v in value if v is not None), None)
    return value


def _tidy_edges(graph: nx.MultiDiGraph) -> None:
    """Give every edge a geometry and one speed; make name and highway single values."""
    for u, v, data in graph.edges(data=True):
        data["length"] = float(data["length"])
        data["travel_time"] = float(data["travel_time"])
        data["speed_kph"] = data["length"] / data["travel_time"] * 3.6 if data["travel_time"] > 0 else 0.0
        if isinstance(data.get("name"), list):
            data["names"] = [n for n in data["name"] if n]
        for key in ("name", "highway", "name:en", "maxspeed", "oneway", "ref", "lanes"):
            if key in data:
                data[key] = _first(data[key])
        if "geometry" not in data:
            data["geometry"] = LineString(
                [(graph.nodes[u]["x"], graph.nodes[u]["y"]), (graph.nodes[v]["x"], graph.nodes[v]["y"])]
            )
