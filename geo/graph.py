"""Street graphs per travel mode, built straight from the ways pyosmium read, with osmnx conventions.

A mode graph is a networkx ``MultiDiGraph`` in WGS-84 (``crs`` EPSG:4326), clipped to the
jurisdiction, reduced to its largest strongly connected part and simplified (interstitial nodes
removed as osmnx does, never across a change of ``name`` or ``highway``), with edge attributes
``length`` (metres, great-circle), ``speed_kph``, ``travel_time`` (seconds), ``geometry``
(LineString, lon/lat), ``osmid``, ``name``, ``highway``, ``oneway`` and the kept OSM tags.

The build works on arrays (one row per OSM segment), so its time grows linearly with the extract;
the networkx graph is made once, at the end, from the simplified edges.
"""

import logging
from collections import defaultdict
from dataclasses import asdict, dataclass

import networkx as nx
import numpy as np
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from geo.errors import NoStreetsError
from geo.osm import StreetExtract, mode_allows, mode_tags
from geo.profile import ModeProfile
from geo.speeds import edge_speed_kph

__all__ = ["ModeReport", "build_mode_graph", "finish_mode_graph", "graph_bounds", "street_km"]

log = logging.getLogger(__name__)

_EARTH_RADIUS_M = 6_371_009.0  # as osmnx.distance.great_circle
_ONEWAY_FORWARD = {"yes", "true", "1"}
_ONEWAY_REVERSE = {"-1", "reverse"}
_EDGE_TAGS = ("name", "highway", "maxspeed", "ref", "lanes", "name:en", "junction")


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


def street_km(graph: nx.MultiDiGraph) -> float:
    """Return the length of the streets in km, counting a two-way street once.

    Edges between the same two nodes with the same length (to the centimetre) are counted per
    direction; the street count of the pair is the larger of the two directions.
    """
    forward: dict[tuple, int] = defaultdict(int)
    backward: dict[tuple, int] = defaultdict(int)
    for u, v, length in graph.edges(data="length"):
        key = (min(u, v), max(u, v), round(float(length), 2))
        if u == v:  # a loop ridden both ways appears twice: one direction each
            (forward if forward[key] <= backward[key] else backward)[key] += 1
        else:
            (forward if u < v else backward)[key] += 1
    total = sum(key[2] * max(count, backward.get(key, 0)) for key, count in forward.items())
    total += sum(key[2] * count for key, count in backward.items() if not forward.get(key))
    return total / 1000.0


def graph_bounds(graph: nx.MultiDiGraph) -> tuple[float, float, float, float]:
    """Return (min lon, min lat, max lon, max lat) of the graph's nodes (WGS-84 degrees)."""
    xs = [d["x"] for _, d in graph.nodes(data=True)]
    ys = [d["y"] for _, d in graph.nodes(data=True)]
    return (min(xs), min(ys), max(xs), max(ys))


def _great_circle_m(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Haversine distance in metres between arrays of WGS-84 points (osmnx's formula)."""
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    dphi, dlmb = phi2 - phi1, np.radians(lon2 - lon1)
    h = np.sin(dphi / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlmb / 2) ** 2
    return 2 * _EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


@dataclass
class _Segments:
    """Directed OSM segments of one mode: node indices, way index, length (m) and time (s)."""

    u: np.ndarray
    v: np.ndarray
    way: np.ndarray
    length_m: np.ndarray
    time_s: np.ndarray

    def take(self, mask: np.ndarray) -> "_Segments":
        return _Segments(self.u[mask], self.v[mask], self.way[mask], self.length_m[mask], self.time_s[mask])


def _mode_ways(extract: StreetExtract, mode: ModeProfile) -> tuple[list, list[dict], list[int]]:
    """Return the ways ``mode`` may use, their written tags, and their direction (1, -1, or 0 = both)."""
    ways, tags, directions = [], [], []
    for way in extract.ways:
        if not mode_allows(way.tags, mode):
            continue
        written = mode_tags(way.tags, mode)
        oneway = written.get("oneway", "")
        if oneway in _ONEWAY_FORWARD or (written.get("junction") == "roundabout" and oneway not in _ONEWAY_REVERSE):
            direction = 1
        elif oneway in _ONEWAY_REVERSE:
            direction = -1
        else:
            direction = 0
        ways.append(way)
        tags.append(written)
        directions.append(direction if mode.respect_oneway else 0)
    return ways, tags, directions


def build_mode_graph(extract: StreetExtract, mode: ModeProfile, polygon):
    """Build the street graph of ``mode`` from an extract, clipped to ``polygon`` (WGS-84).

    Returns ``(graph, ModeReport)``. Raises NoStreetsError if nothing usable remains.
    """
    ways, tags, directions = _mode_ways(extract, mode)
    if not ways:
        raise NoStreetsError(f"{extract.source}: no street usable by mode {mode.name!r}.")
    lengths = np.fromiter((len(w.node_ids) for w in ways), dtype=np.int64, count=len(ways))
    refs = np.fromiter((n for w in ways for n in w.node_ids), dtype=np.int64, count=int(lengths.sum()))
    way_of_ref = np.repeat(np.arange(len(ways)), lengths)
    node_ids, ref_index = np.unique(refs, return_inverse=True)
    coords = np.array([extract.node_lonlat[int(n)] for n in node_ids], dtype=float).reshape(-1, 2)
    same_way = way_of_ref[:-1] == way_of_ref[1:]
    a, b, w = ref_index[:-1][same_way], ref_index[1:][same_way], way_of_ref[:-1][same_way]
    keep = a != b  # a node repeated in a row is no segment
    a, b, w = a[keep], b[keep], w[keep]
    seg_len = _great_circle_m(coords[a, 0], coords[a, 1], coords[b, 0], coords[b, 1])
    direction = np.asarray(directions, dtype=np.int8)[w]
    fwd, rev = direction >= 0, direction <= 0
    u = np.concatenate([a[fwd], b[rev]])
    v = np.concatenate([b[fwd], a[rev]])
    way_index = np.concatenate([w[fwd], w[rev]])
    length_m = np.concatenate([seg_len[fwd], seg_len[rev]])
    speeds = np.array([edge_speed_kph(t, mode) for t in tags], dtype=float)
    segments = _Segments(u, v, way_index, length_m, length_m / (speeds[way_index] / 3.6))
    return _finish(segments, node_ids, coords, ways, tags, mode, polygon, source=extract.source)


def _finish(segments: _Segments, node_ids, coords, ways, tags, mode: ModeProfile, polygon, *, source: str):
    """Clip, keep the largest strongly connected part, simplify and make the networkx graph."""
    present = np.zeros(len(node_ids), dtype=bool)
    present[segments.u] = present[segments.v] = True
    nodes_raw, edges_raw = int(present.sum()), len(segments.u)
    shapely.prepare(polygon)
    inside = shapely.covers(polygon, shapely.points(coords[:, 0], coords[:, 1])) & present
    if inside.sum() < 2:
        raise NoStreetsError(f"{source}: no street of mode {mode.name!r} lies inside the jurisdiction.")
    clipped = segments.take(inside[segments.u] & inside[segments.v])
    n = len(node_ids)
    matrix = coo_matrix((np.ones(len(clipped.u)), (clipped.u, clipped.v)), shape=(n, n)).tocsr()
    _, labels = connected_components(matrix, directed=True, connection="strong")
    in_clip = np.zeros(n, dtype=bool)
    in_clip[clipped.u] = in_clip[clipped.v] = True
    sizes = np.bincount(labels[in_clip], minlength=labels.max() + 1)
    largest = int(np.argmax(sizes))
    keep_node = in_clip & (labels == largest)
    keep_seg = keep_node[clipped.u] & keep_node[clipped.v]
    connected = clipped.take(keep_seg)
    if len(connected.u) == 0:
        raise NoStreetsError(f"{source}: mode {mode.name!r} has no connected streets inside the jurisdiction.")
    dropped = clipped.take(~keep_seg)
    graph = _simplified_graph(connected, node_ids, coords, ways, tags, mode)
    graph.graph.update({"crs": "epsg:4326", "mode": mode.name, "simplified": True})
    report = ModeReport(
        mode=mode.name,
        ways=len(ways),
        nodes_raw=nodes_raw,
        edges_raw=edges_raw,
        nodes_outside_jurisdiction=int((present & ~inside).sum()),
        nodes_dropped_disconnected=int((inside & ~keep_node).sum()),
        edges_dropped_disconnected=len(dropped.u),
        km_dropped_disconnected=round(float(dropped.length_m.sum()) / 1000.0, 3),
        nodes=graph.number_of_nodes(),
        edges=graph.number_of_edges(),
        street_km=round(street_km(graph), 3),
        bbox=graph_bounds(graph),
    )
    return graph, report


def _endpoints(seg: _Segments, n: int, tags: list[dict]) -> np.ndarray:
    """Mark the nodes simplification keeps (osmnx's rules, with ``name``/``highway`` differing)."""
    out_deg = np.bincount(seg.u, minlength=n)
    in_deg = np.bincount(seg.v, minlength=n)
    pairs = np.unique(np.column_stack([np.concatenate([seg.u, seg.v]), np.concatenate([seg.v, seg.u])]), axis=0)
    neighbours = np.bincount(pairs[:, 0], minlength=n)
    degree = out_deg + in_deg
    endpoint = (out_deg == 0) | (in_deg == 0) | (neighbours != 2) | ~np.isin(degree, (2, 4))
    loops = seg.u == seg.v
    endpoint[seg.u[loops]] = True
    # A change of name or highway keeps the node.
    codes: dict[tuple, int] = {}
    way_code = np.array([codes.setdefault((t.get("name"), t.get("highway")), len(codes)) for t in tags])
    seg_code = way_code[seg.way]
    ends = np.concatenate([seg.u, seg.v])
    both = np.concatenate([seg_code, seg_code])
    low = np.full(n, np.iinfo(np.int64).max)
    high = np.full(n, -1)
    np.minimum.at(low, ends, both)
    np.maximum.at(high, ends, both)
    endpoint |= (high >= 0) & (low != high)
    return endpoint


def _simplified_paths(seg: _Segments, n: int, endpoint: np.ndarray) -> list[list[int]]:
    """Return the simplified edges as lists of segment indices, each from endpoint to endpoint."""
    order = np.argsort(seg.u, kind="stable")
    starts = np.searchsorted(seg.u[order], np.arange(n + 1))
    used = np.zeros(len(seg.u), dtype=bool)
    paths = []

    def walk(first: int) -> list[int]:
        path = [first]
        used[first] = True
        prev, node = int(seg.u[first]), int(seg.v[first])
        while not endpoint[node]:
            step = -1
            for s in order[starts[node]:starts[node + 1]]:
                if not used[s] and int(seg.v[s]) != prev:
                    step = int(s)
                    break
            if step < 0:  # nowhere left to go: the node ends this edge
                endpoint[node] = True
                break
            path.append(step)
            used[step] = True
            prev, node = node, int(seg.v[step])
        return path

    for s in order:
        if endpoint[seg.u[s]] and not used[s]:
            paths.append(walk(int(s)))
    # Rings of interstitial nodes only (no endpoint on them): start anywhere on the ring.
    for s in np.flatnonzero(~used):
        if not used[s]:
            endpoint[seg.u[s]] = True
            paths.append(walk(int(s)))
    return paths


def _simplified_graph(seg: _Segments, node_ids, coords, ways, tags, mode: ModeProfile) -> nx.MultiDiGraph:
    n = len(node_ids)
    endpoint = _endpoints(seg, n, tags)
    paths = _simplified_paths(seg, n, endpoint)
    # Flatten the paths: segment indices in order, and where each path starts.
    sizes = np.fromiter((len(p) for p in paths), dtype=np.int64, count=len(paths))
    flat = np.fromiter((s for p in paths for s in p), dtype=np.int64, count=int(sizes.sum()))
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    first, last = flat[starts], flat[starts + sizes - 1]
    length = np.add.reduceat(seg.length_m[flat], starts)
    time_s = np.add.reduceat(seg.time_s[flat], starts)
    # Each line: the first segment's start node, then every segment's end node.
    chain_nodes = np.empty(len(flat) + len(paths), dtype=np.int64)
    chain_index = np.repeat(np.arange(len(paths)), sizes + 1)
    chain_starts = starts + np.arange(len(paths))
    mask = np.ones(len(chain_nodes), dtype=bool)
    mask[chain_starts] = False
    chain_nodes[chain_starts] = seg.u[first]
    chain_nodes[mask] = seg.v[flat]
    geometries = shapely.linestrings(coords[chain_nodes], indices=chain_index)
    u_ids, v_ids = node_ids[seg.u[first]].tolist(), node_ids[seg.v[last]].tolist()
    way_of = seg.way[first].tolist()
    oneway_of_way = [mode.respect_oneway and (t.get("oneway", "") in _ONEWAY_FORWARD | _ONEWAY_REVERSE
                                              or t.get("junction") == "roundabout") for t in tags]
    graph = nx.MultiDiGraph()
    ends = np.unique(np.concatenate([seg.u[first], seg.v[last]]))
    graph.add_nodes_from((int(node_ids[i]), {"x": float(coords[i, 0]), "y": float(coords[i, 1])}) for i in ends)
    keys: dict[tuple[int, int], int] = defaultdict(int)
    edges = []
    for i, (u, v, way) in enumerate(zip(u_ids, v_ids, way_of, strict=True)):
        data = {k: tags[way][k] for k in _EDGE_TAGS if k in tags[way]}
        data.update(osmid=ways[way].way_id, oneway=oneway_of_way[way], length=float(length[i]),
                    travel_time=float(time_s[i]),
                    speed_kph=float(length[i] / time_s[i] * 3.6) if time_s[i] > 0 else 0.0,
                    geometry=geometries[i])
        edges.append((u, v, keys[(u, v)], data))
        keys[(u, v)] += 1
    graph.add_edges_from(edges)
    return graph


@dataclass
class _WayRef:
    """The OSM way id of an edge of a downloaded graph (what ``Way`` offers the simplification)."""

    way_id: int


def finish_mode_graph(raw: nx.MultiDiGraph, mode: ModeProfile, polygon, *, ways: int, source: str):
    """Clip, connect, time and simplify an unsimplified osmnx graph (a downloaded place)."""
    node_ids = np.array(list(raw.nodes), dtype=np.int64)
    index = {node: i for i, node in enumerate(node_ids.tolist())}
    coords = np.array([(raw.nodes[n]["x"], raw.nodes[n]["y"]) for n in node_ids.tolist()], dtype=float)
    edge_tags, way_list, u, v, way_index, length = [], [], [], [], [], []
    for a, b, data in raw.edges(data=True):
        tags = {k: (val[0] if isinstance(val, list) else val) for k, val in data.items() if k in _EDGE_TAGS}
        tags["oneway"] = "yes" if data.get("oneway") is True else "no"
        way_index.append(len(edge_tags))
        edge_tags.append(tags)
        osmid = data.get("osmid", 0)
        way_list.append(_WayRef(osmid[0] if isinstance(osmid, list) else osmid))
        u.append(index[a])
        v.append(index[b])
        length.append(float(data["length"]))
    speeds = np.array([edge_speed_kph(t, mode) for t in edge_tags], dtype=float)
    length_m = np.asarray(length, dtype=float)
    w = np.asarray(way_index, dtype=np.int64)
    segments = _Segments(np.asarray(u, dtype=np.int64), np.asarray(v, dtype=np.int64), w, length_m,
                         length_m / (speeds[w] / 3.6))
    graph, report = _finish(segments, node_ids, coords, way_list, edge_tags, mode, polygon, source=source)
    report.ways = ways
    return graph, report
