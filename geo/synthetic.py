"""Synthetic street grids for benchmarks and tests (never downloaded).

A grid of ``rows`` x ``cols`` intersections ``spacing_m`` apart, two-way streets, each street
given a speed drawn from typical urban classes (seeded), placed near central Chengdu.
"""

import networkx as nx
import numpy as np
from shapely.geometry import LineString

from geo.network import CompiledNetwork

__all__ = ["grid_arrays", "grid_graph", "grid_network"]

_SPEEDS_KPH = np.array([15.0, 20.0, 30.0, 40.0, 50.0])
_METRES_PER_DEG_LAT = 111_320.0


def grid_arrays(rows: int, cols: int, *, spacing_m: float = 100.0, seed: int = 0):
    """Return ``(edge_u, edge_v, time_s, length_m)`` of a two-way street grid (node = r * cols + c)."""
    rng = np.random.default_rng(seed)
    index = np.arange(rows * cols).reshape(rows, cols)
    east = np.column_stack([index[:, :-1].ravel(), index[:, 1:].ravel()])
    north = np.column_stack([index[:-1, :].ravel(), index[1:, :].ravel()])
    streets = np.vstack([east, north])
    speeds = rng.choice(_SPEEDS_KPH, size=len(streets))
    lengths = spacing_m * rng.uniform(0.9, 1.1, size=len(streets))
    times = lengths / (speeds / 3.6)
    edge_u = np.concatenate([streets[:, 0], streets[:, 1]])
    edge_v = np.concatenate([streets[:, 1], streets[:, 0]])
    return edge_u, edge_v, np.concatenate([times, times]), np.concatenate([lengths, lengths])


def grid_network(rows: int, cols: int, *, spacing_m: float = 100.0, seed: int = 0) -> CompiledNetwork:
    """Compile a synthetic grid straight from arrays (no networkx graph: fit for millions of nodes)."""
    edge_u, edge_v, times, lengths = grid_arrays(rows, cols, spacing_m=spacing_m, seed=seed)
    return CompiledNetwork.from_arrays(np.arange(rows * cols), edge_u, edge_v, times, lengths)


def grid_graph(rows: int, cols: int, *, spacing_m: float = 100.0, seed: int = 0,
               origin=(104.0, 30.6)) -> nx.MultiDiGraph:
    """The same grid as an osmnx-style MultiDiGraph in WGS-84 (``travel_time`` s, ``length`` m)."""
    edge_u, edge_v, times, lengths = grid_arrays(rows, cols, spacing_m=spacing_m, seed=seed)
    lat_step = spacing_m / _METRES_PER_DEG_LAT
    lon_step = lat_step / np.cos(np.radians(origin[1]))
    graph = nx.MultiDiGraph(crs="epsg:4326", mode="synthetic")
    for node in range(rows * cols):
        r, c = divmod(node, cols)
        graph.add_node(node, x=origin[0] + c * lon_step, y=origin[1] + r * lat_step)
    for u, v, t, length in zip(edge_u.tolist(), edge_v.tolist(), times.tolist(), lengths.tolist(), strict=True):
        a, b = graph.nodes[u], graph.nodes[v]
        graph.add_edge(u, v, travel_time=t, length=length, geometry=LineString([(a["x"], a["y"]), (b["x"], b["y"])]))
    return graph
