"""Routing on one mode's street graph: travel times, matrices, nearest origins, isochrones, paths.

Places are either graph node ids or :class:`~geo.snapping.Snap` points (a lon/lat placed on its
nearest street segment); travel includes the partial segments at both ends. Times are seconds,
distances metres, geometries WGS-84 lon/lat. Unreachable is ``numpy.inf`` in arrays and an
:class:`UnreachableError` for a single route.
"""

from dataclasses import dataclass

import networkx as nx
import numpy as np
import pyproj
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import dijkstra
from shapely.geometry import LineString

from geo.errors import PatrolError
from geo.network import CompiledNetwork
from geo.snapping import SegmentIndex, Snap

__all__ = ["Isochrone", "Route", "Router", "Tree", "UnreachableError"]

Place = int | Snap
BOUNDED_FROM_SINKS = 5000  # on a big graph, a matrix with a limit and more target nodes: bounded Dijkstra searches


class UnreachableError(PatrolError):
    """No path exists between two places on the mode's graph (or none within the time limit)."""


@dataclass(frozen=True)
class Route:
    """A fastest path: ``travel_time_s`` (s), ``distance_m`` (m), ``geometry`` (WGS-84), node ids."""

    mode: str
    travel_time_s: float
    distance_m: float
    geometry: LineString
    nodes: list


@dataclass(frozen=True)
class Tree:
    """Fastest paths towards one place: per node index, time (s), next node (-1: last) and metres."""

    target: object
    times_s: np.ndarray
    next_node: np.ndarray
    metres: np.ndarray


@dataclass(frozen=True)
class Isochrone:
    """What is reachable within ``limit_s`` seconds: node ids, segment parts, a display polygon."""

    limit_s: float
    nodes: list
    segments: list  # (segment index, [(start fraction, end fraction), ...]) per touched segment
    polygon: shapely.Polygon | shapely.MultiPolygon  # WGS-84
    street_m: float


class Router:
    """Exact shortest travel times and paths on one mode's street graph (compiled once)."""

    def __init__(self, graph: nx.MultiDiGraph, crs: pyproj.CRS, *, mode: str | None = None):
        self.mode = mode or graph.graph.get("mode", "")
        self.graph = graph
        self.network, self.edge_keys = CompiledNetwork.from_graph(graph)
        self.segments = SegmentIndex(graph, self.edge_keys, self.network.index, crs)
        self._hierarchy = None

    def warm(self, *, helpers: bool = False) -> None:
        """Build what the first query would build (the all-pairs table of a city-sized graph, or the contraction
        hierarchy of a bigger one) now; ``helpers``: also start the helper processes that share big matrices of
        the hierarchy out over the other cores (``geo.query_helpers``)."""
        if self.network.table is None and self.hierarchy is not None and helpers:
            self.hierarchy.warm_helpers()

    @property
    def hierarchy(self):
        """The contraction hierarchy (``geo.hierarchy``) of a graph without an all-pairs table, else None."""
        if self._hierarchy is None and self.network.table is None and self.network.size:
            from geo.hierarchy import Hierarchy

            nodes = self.graph.nodes
            ids = self.network.node_ids.tolist()
            self._hierarchy = Hierarchy(self.network, [nodes[n]["x"] for n in ids], [nodes[n]["y"] for n in ids])
        return self._hierarchy

    # -- places ---------------------------------------------------------------------------------
    def snap(self, lon: float, lat: float, *, max_distance_m: float = 500.0) -> Snap:
        """Place a WGS-84 lon/lat on its nearest street segment of this mode."""
        return self.snap_many([lon], [lat], max_distance_m=max_distance_m)[0]

    def snap_many(self, lons, lats, *, max_distance_m: float = 500.0) -> list[Snap]:
        """Place many WGS-84 points on their nearest street segments (one spatial query)."""
        return self.segments.snap_many(
            lons, lats, self.network.edge_time_s, self.network.edge_length_m,
            max_distance_m=max_distance_m, mode=self.mode,
        )

    def _node(self, node_id) -> int:
        try:
            return self.network.index[node_id]
        except KeyError:
            raise PatrolError(f"node {node_id!r} is not in the {self.mode} graph.") from None

    def _leave(self, place: Place):
        if isinstance(place, Snap):
            return [(node, seconds) for node, seconds, _ in place.leave]
        return [(self._node(place), 0.0)]

    def _arrive(self, place: Place):
        if isinstance(place, Snap):
            return [(node, seconds) for node, seconds, _ in place.arrive]
        return [(self._node(place), 0.0)]

    def arrival_options(self, place: Place) -> list[tuple[int, float]]:
        """How a search arrives at ``place``: [(node index, seconds from that node to the place)]."""
        return self._arrive(place)

    def direct_s(self, a: Place, b: Place) -> float:
        """Travel time along one segment when both places lie on it (inf otherwise)."""
        if not (isinstance(a, Snap) and isinstance(b, Snap) and a.segment == b.segment):
            return np.inf
        seg = a.segment
        if b.fraction >= a.fraction and self.segments.forward_edge[seg] >= 0:
            return (b.fraction - a.fraction) * self.network.edge_time_s[self.segments.forward_edge[seg]]
        if b.fraction <= a.fraction and self.segments.backward_edge[seg] >= 0:
            return (a.fraction - b.fraction) * self.network.edge_time_s[self.segments.backward_edge[seg]]
        return np.inf

    # -- times ----------------------------------------------------------------------------------
    def times_from(self, origin: Place, *, limit_s: float | None = None) -> np.ndarray:
        """Seconds from ``origin`` to every node (by node index; inf where unreachable)."""
        return self.network.search_from_offsets(self._leave(origin), limit_s=limit_s)

    def times_to(self, target: Place, *, limit_s: float | None = None) -> np.ndarray:
        """Seconds from every node (by node index) to ``target`` (inf where unreachable)."""
        return self.network.search_from_offsets(self._arrive(target), reverse=True, limit_s=limit_s)

    def node_times(self, times: np.ndarray) -> dict:
        """Turn a per-index array into {node id: seconds} for the reachable nodes."""
        reached = np.flatnonzero(np.isfinite(times))
        return dict(zip(self.network.node_ids[reached].tolist(), times[reached].tolist(), strict=True))

    def matrix(self, origins: list[Place], targets: list[Place], *, limit_s: float | None = None,
               helpers: bool = True) -> np.ndarray:
        """Seconds from each origin (rows) to each target (columns); inf where unreachable. On a hierarchy, many
        origins are shared out with helper processes on the other cores unless ``helpers`` is False.

        One some-pairs search between the distinct end nodes of the places, then vectorised
        minima over the start and end options of each place.
        """
        start_nodes, start_costs = _option_arrays([self._leave(o) for o in origins])
        end_nodes, end_costs = _option_arrays([self._arrive(t) for t in targets])
        if not len(origins) or not len(targets):
            return np.empty((len(origins), len(targets)))
        sources = np.unique(start_nodes[start_nodes >= 0])
        sinks = np.unique(end_nodes[end_nodes >= 0])
        column_of = np.where(end_nodes >= 0, np.searchsorted(sinks, end_nodes), len(sinks))
        bounded = limit_s is not None and len(sinks) > BOUNDED_FROM_SINKS  # e.g. coverage: searches stop at the limit
        if self.hierarchy is not None and not bounded:  # one query per origin, from all its start options at once
            rows = self.hierarchy.times_from_options([self._leave(o) for o in origins], sinks, helpers=helpers)
            rows = np.pad(rows, ((0, 0), (0, 1)), constant_values=np.inf)  # a last column for padding
            result = (rows[:, column_of] + end_costs).min(axis=2)
        else:
            if self.hierarchy is None:
                rows = self.network.pair_times(sources, sinks)
            else:
                rows = np.atleast_2d(self.network.dijkstra(sources, limit_s=limit_s))[:, sinks]
            rows = np.pad(rows, ((0, 1), (0, 1)), constant_values=np.inf)  # a last row/column for padding
            row_of = np.where(start_nodes >= 0, np.searchsorted(sources, start_nodes), len(sources))
            # (distinct start nodes) x (targets): best over each target's end options.
            to_targets = (rows[:, column_of] + end_costs).min(axis=2)
            result = (to_targets[row_of] + start_costs[:, :, None]).min(axis=1)
        for i, j in self._same_segment_pairs(origins, targets):
            result[i, j] = min(result[i, j], self.direct_s(origins[i], targets[j]))
        if limit_s is not None:
            result[result > limit_s] = np.inf
        return result

    @staticmethod
    def _same_segment_pairs(origins, targets):
        by_segment: dict[int, list[int]] = {}
        for j, target in enumerate(targets):
            if isinstance(target, Snap):
                by_segment.setdefault(target.segment, []).append(j)
        for i, origin in enumerate(origins):
            if isinstance(origin, Snap):
                for j in by_segment.get(origin.segment, ()):
                    yield i, j

    def travel_time(self, a: Place, b: Place) -> float:
        """Seconds from ``a`` to ``b`` (inf if unreachable)."""
        return float(self.matrix([a], [b])[0, 0])

    def times_to_place(self, origins: list[Place], target: Place) -> np.ndarray:
        """Seconds from each origin to one target (inf where unreachable): one many-to-one query of the
        hierarchy on a big graph, else a column of :meth:`matrix`."""
        if self.hierarchy is None or not origins:
            return self.matrix(origins, [target])[:, 0] if origins else np.zeros(0)
        nodes, costs = _option_arrays([self._leave(o) for o in origins])
        distinct = np.unique(nodes[nodes >= 0])
        to_target = np.append(self.hierarchy.to_target(distinct, self._arrive(target)), np.inf)
        at = np.where(nodes >= 0, np.searchsorted(distinct, nodes), len(distinct))
        times = (to_target[at] + costs).min(axis=1)
        return np.minimum(times, [self.direct_s(o, target) for o in origins])

    def nearest_origin(self, origins: list[Place], *, limit_s: float | None = None):
        """For every node (by index): the position in ``origins`` that reaches it first, and when.

        Returns ``(times_s, origin_position)`` with -1 where no origin arrives (within the limit).
        """
        return self.network.nearest_origin([self._leave(o) for o in origins], limit_s=limit_s)

    # -- trees towards one place ---------------------------------------------------------------------
    def tree_to(self, target: Place) -> "Tree":
        """Fastest paths from every node to ``target``: time (s), next node, distance (m) along the path.

        One reverse search from a virtual node joined to the target's arrival options.
        """
        n = self.network.size
        ends = self._arrive(target)
        metres = {node: m for node, _, m in target.arrive} if isinstance(target, Snap) else {ends[0][0]: 0.0}
        backward = self.network.backward
        # The reverse graph plus one last row: the virtual node, joined to the arrival options.
        end_nodes = np.array([node for node, _ in ends], dtype=backward.indices.dtype)
        order = np.argsort(end_nodes)
        extended = sp.csr_matrix(
            (np.concatenate([backward.data, np.array([cost for _, cost in ends])[order]]),
             np.concatenate([backward.indices, end_nodes[order]]),
             np.concatenate([backward.indptr, [backward.indptr[-1] + len(ends)]])),
            shape=(n + 1, n + 1))
        times, preds = dijkstra(extended, directed=True, indices=n, return_predecessors=True)
        next_node = preds[:n].astype(np.int64)
        # metres of each node's first step: the fastest edge to its next node, or its arrival piece.
        step = np.full(n, np.nan)
        onward = next_node >= 0
        at_end = onward & (next_node == n)
        inner = np.flatnonzero(onward & ~at_end)
        step[inner] = self.network.edge_length_m[self.network.fastest_edges(inner, next_node[inner])]
        for node in np.flatnonzero(at_end):
            step[node] = metres[int(node)]
        # Distance to the target = sum of the steps along the path (pointer jumping, log depth).
        total = np.where(onward, step, 0.0)
        jump = np.where(onward & ~at_end, next_node, -1)
        while np.any(jump >= 0):
            has = jump >= 0
            total[has] += total[jump[has]]
            jump = np.where(has, jump[np.maximum(jump, 0)], -1)
        total[~onward] = np.where(np.isfinite(times[:n][~onward]), 0.0, np.inf)
        return Tree(target=target, times_s=times[:n], next_node=np.where(at_end, -1, next_node), metres=total)

    def via_tree(self, origin: Place, tree: "Tree") -> tuple[float, float, int]:
        """Travel time (s), distance (m) and first node from ``origin`` to the tree's target."""
        best = (np.inf, np.inf, -1)
        if isinstance(origin, Snap):
            options = origin.leave
        else:
            options = ((self._node(origin), 0.0, 0.0),)
        for node, seconds, metres in options:
            total = seconds + tree.times_s[node]
            if total < best[0]:
                best = (total, metres + tree.metres[node], node)
        direct = self.direct_s(origin, tree.target)
        if direct < best[0]:
            seg = origin.segment
            edge = self.segments.forward_edge[seg] if tree.target.fraction >= origin.fraction else self.segments.backward_edge[seg]
            best = (direct, abs(tree.target.fraction - origin.fraction) * self.network.edge_length_m[edge], -1)
        return best

    def route_via_tree(self, origin: Place, tree: "Tree") -> Route:
        """The fastest path from ``origin`` to the tree's target, with its geometry (WGS-84)."""
        seconds, metres, first = self.via_tree(origin, tree)
        if not np.isfinite(seconds):
            raise UnreachableError(f"no {self.mode} route to this place.")
        if first < 0:
            return self._direct_route(origin, tree.target, seconds)
        path = [first]
        while tree.next_node[path[-1]] >= 0:
            path.append(int(tree.next_node[path[-1]]))
        pieces = []
        if isinstance(origin, Snap):
            pieces.append(self.segments.partial_line(origin.segment, origin.fraction,
                                                     1.0 if first == self.segments.v[origin.segment] else 0.0))
        for x, y in zip(path[:-1], path[1:], strict=True):
            pieces.append(self.segments.edge_line(self.network.fastest_edge(x, y)))
        target = tree.target
        if isinstance(target, Snap):
            pieces.append(self.segments.partial_line(target.segment, 0.0 if path[-1] == self.segments.u[target.segment]
                                                     else 1.0, target.fraction))
        geometry = self.segments.to_wgs84_line(_join(pieces, self._node_xy_m(first)))
        return Route(self.mode, float(seconds), float(metres), geometry, self.network.node_ids[path].tolist())

    # -- paths ----------------------------------------------------------------------------------
    def route(self, a: Place, b: Place) -> Route:
        """The fastest path from ``a`` to ``b`` with its street geometry (WGS-84)."""
        direct = self.direct_s(a, b)
        starts, ends = self._leave(a), self._arrive(b)
        if self.hierarchy is not None:
            return self._route_by_hierarchy(a, b, starts, ends, direct)
        times, preds = self.network.search([node for node, _ in starts], predecessors=True)
        times, preds = np.atleast_2d(times), np.atleast_2d(preds)
        best = (np.inf, -1, -1)
        for row, (_, start_cost) in enumerate(starts):
            for end, end_cost in ends:
                total = start_cost + times[row, end] + end_cost
                if total < best[0]:
                    best = (total, row, end)
        if direct <= best[0] and np.isfinite(direct):
            return self._direct_route(a, b, direct)
        total, row, end = best
        if not np.isfinite(total):
            raise UnreachableError(f"no {self.mode} route between these places.")
        path = [end]
        while path[-1] != starts[row][0]:
            path.append(int(preds[row, path[-1]]))
        path.reverse()
        return self._route_along(a, b, path, total)

    def measure(self, a: Place, b: Place) -> tuple[float, float]:
        """Seconds and metres of the fastest path from ``a`` to ``b`` without its geometry (inf, inf: none);
        on a big graph the hierarchy's path with its exact edge times and lengths."""
        if self.hierarchy is None:
            route = self.route(a, b)
            return route.travel_time_s, route.distance_m
        direct = self.direct_s(a, b)
        starts, ends = self._leave(a), self._arrive(b)
        total, path, start, end = self._hierarchy_path(starts, ends)
        if direct <= total and np.isfinite(direct):
            return direct, self._direct_route(a, b, direct).distance_m
        if not np.isfinite(total):
            return np.inf, np.inf
        metres = float(self.network.edge_length_m[self.network.fastest_edges(path[:-1], path[1:])].sum())
        if isinstance(a, Snap):
            metres += next(m for n, _, m in a.leave if n == path[0])
        if isinstance(b, Snap):
            metres += next(m for n, _, m in b.arrive if n == path[-1])
        return total, metres

    def _hierarchy_path(self, starts, ends):
        """(seconds, node path, start option, end option) of the hierarchy's path, its time summed from the exact
        edge times; (inf, None, -1, -1) if there is none."""
        found = self.hierarchy.path(starts, ends)
        if found is None:
            return np.inf, None, -1, -1
        path, start, end = found
        inner = self.network.edge_time_s[self.network.fastest_edges(path[:-1], path[1:])].sum() if len(path) > 1 else 0.0
        return starts[start][1] + float(inner) + ends[end][1], path, start, end

    def _route_by_hierarchy(self, a: Place, b: Place, starts, ends, direct: float) -> Route:
        """:meth:`route` on a big graph: the hierarchy's node path, its time summed from the exact edge times."""
        total, path, _, _ = self._hierarchy_path(starts, ends)
        if direct <= total and np.isfinite(direct):
            return self._direct_route(a, b, direct)
        if not np.isfinite(total):
            raise UnreachableError(f"no {self.mode} route between these places.")
        return self._route_along(a, b, path, total)

    def _route_along(self, a: Place, b: Place, path: list[int], total: float) -> Route:
        """The route along node indices ``path`` (its first and last node on ``a``'s and ``b``'s segments)."""
        pieces, distance = [], 0.0
        if isinstance(a, Snap):
            node, _, metres = next(opt for opt in a.leave if opt[0] == path[0])
            pieces.append(self.segments.partial_line(a.segment, a.fraction, 1.0 if node == self.segments.v[a.segment] else 0.0))
            distance += metres
        for x, y in zip(path[:-1], path[1:], strict=True):
            edge = self.network.fastest_edge(x, y)
            pieces.append(self.segments.edge_line(edge))
            distance += self.network.edge_length_m[edge]
        if isinstance(b, Snap):
            node, _, metres = next(opt for opt in b.arrive if opt[0] == path[-1])
            pieces.append(self.segments.partial_line(b.segment, 0.0 if node == self.segments.u[b.segment] else 1.0, b.fraction))
            distance += metres
        return Route(
            mode=self.mode,
            travel_time_s=float(total),
            distance_m=float(distance),
            geometry=self.segments.to_wgs84_line(_join(pieces, self._node_xy_m(path[0]))),
            nodes=self.network.node_ids[path].tolist(),
        )

    def _direct_route(self, a: Snap, b: Snap, seconds: float) -> Route:
        seg = a.segment
        edge = self.segments.forward_edge[seg] if b.fraction >= a.fraction else self.segments.backward_edge[seg]
        distance = abs(b.fraction - a.fraction) * self.network.edge_length_m[edge]
        line = self.segments.partial_line(seg, a.fraction, b.fraction)
        return Route(self.mode, float(seconds), float(distance), self.segments.to_wgs84_line(line), [])

    def _node_xy_m(self, index: int):
        node = self.graph.nodes[self.network.node_ids[index]]
        return self.segments.metric_transformer.transform(node["x"], node["y"])

    # -- isochrones -----------------------------------------------------------------------------
    def isochrone(self, origin: Place, limit_s: float, *, buffer_m: float = 25.0) -> Isochrone:
        """Nodes and street parts reachable from ``origin`` within ``limit_s`` seconds."""
        times = self.times_from(origin, limit_s=limit_s)
        reached = np.flatnonzero(np.isfinite(times))
        seg = self.segments
        parts, touched, street_m = [], [], 0.0
        for s in range(len(seg)):
            intervals = []
            from_u = self._reach_fraction(times[seg.u[s]], seg.forward_edge[s], limit_s)
            from_v = self._reach_fraction(times[seg.v[s]], seg.backward_edge[s], limit_s)
            if from_u > 0:
                intervals.append((0.0, from_u))
            if from_v > 0:
                intervals.append((1.0 - from_v, 1.0))
            if isinstance(origin, Snap) and origin.segment == s:
                intervals.append(self._reach_from_point(origin, limit_s))
            intervals = _merge(intervals)
            if not intervals:
                continue
            touched.append((s, intervals))
            for lo, hi in intervals:
                parts.append(seg.geometry_m[s] if (lo, hi) == (0.0, 1.0) else seg.partial_line(s, lo, hi))
                street_m += (hi - lo) * seg.length_m[s]
        if parts:
            polygon_m = shapely.union_all(shapely.buffer(np.array(parts, dtype=object), buffer_m))
            polygon = seg.to_wgs84_line(polygon_m)
        else:
            polygon = shapely.Polygon()
        return Isochrone(
            limit_s=float(limit_s),
            nodes=self.network.node_ids[reached].tolist(),
            segments=touched,
            polygon=polygon,
            street_m=float(street_m),
        )

    def _reach_fraction(self, start_time: float, edge: int, limit_s: float) -> float:
        """Fraction of an edge covered within the limit when entering it at ``start_time``."""
        if edge < 0 or not np.isfinite(start_time) or start_time > limit_s:
            return 0.0
        edge_time = self.network.edge_time_s[edge]
        return 1.0 if edge_time <= 0 else float(min(1.0, (limit_s - start_time) / edge_time))

    def _reach_from_point(self, origin: Snap, limit_s: float) -> tuple[float, float]:
        """The interval of the origin's own segment reached straight from the point."""
        seg, f = origin.segment, origin.fraction
        lo = hi = f
        fwd, bwd = self.segments.forward_edge[seg], self.segments.backward_edge[seg]
        if fwd >= 0:
            time = self.network.edge_time_s[fwd]
            hi = 1.0 if time <= 0 else min(1.0, f + limit_s / time)
        if bwd >= 0:
            time = self.network.edge_time_s[bwd]
            lo = 0.0 if time <= 0 else max(0.0, f - limit_s / time)
        return (lo, hi)


def _merge(intervals):
    """Merge overlapping (start, end) fraction intervals; drop empty ones."""
    merged = []
    for lo, hi in sorted(i for i in intervals if i[1] > i[0]):
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged


def _option_arrays(options_per_place):
    """Pad per-place options [(node index, seconds), ...] into (places x k) arrays (node -1: none)."""
    width = max((len(options) for options in options_per_place), default=1)
    nodes = np.full((len(options_per_place), width), -1, dtype=np.int64)
    costs = np.full((len(options_per_place), width), np.inf)
    for i, options in enumerate(options_per_place):
        for k, (node, cost) in enumerate(options):
            nodes[i, k], costs[i, k] = node, cost
    return nodes, costs


def _join(pieces: list[LineString], start_xy) -> LineString:
    coords = []
    for piece in pieces:
        for xy in piece.coords:
            if not coords or coords[-1] != xy:
                coords.append(xy)
    if len(coords) == 1:
        coords.append(coords[0])
    if not coords:
        coords = [start_xy, start_xy]
    return LineString(coords)
