"""Snapping points onto street segments (not just nodes), with the offset along the segment.

A *segment* is one street geometry between two graph nodes, holding the directed edge that runs
along its geometry (forward) and the one running against it (backward), where they exist: a
one-way car street has only one. Geometries are indexed in the city's local metric CRS.
"""

from dataclasses import dataclass

import networkx as nx
import numpy as np
import pyproj
import shapely
from shapely.geometry import LineString

from geo.crs import validate_lonlat
from geo.errors import CoordinateError

__all__ = ["SegmentIndex", "Snap", "SnapError"]


class SnapError(CoordinateError):
    """A point is too far from every street of the travel mode."""


@dataclass(frozen=True)
class Snap:
    """A point placed on a street segment.

    ``fraction`` runs 0..1 along the segment's geometry from node ``u`` to node ``v``;
    ``leave`` lists ``(node index, seconds, metres)`` to reach each end from the point and
    ``arrive`` those from each end to the point (only directions the mode may travel).
    """

    query_lon: float
    query_lat: float
    lon: float
    lat: float
    distance_m: float
    segment: int
    fraction: float
    offset_m: float
    name: str | None
    leave: tuple[tuple[int, float, float], ...]
    arrive: tuple[tuple[int, float, float], ...]


class SegmentIndex:
    """Street segments of one mode's graph, with a spatial index in metres (local CRS)."""

    def __init__(self, graph: nx.MultiDiGraph, edge_keys: list, index: dict, crs: pyproj.CRS):
        self.crs = crs
        self.metric_transformer = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
        self.wgs84_transformer = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
        segment_of: dict[tuple, int] = {}
        u_nodes, v_nodes, forward, backward, geoms, names = [], [], [], [], [], []
        self.edge_segment = np.empty(len(edge_keys), dtype=np.int64)
        self.edge_forward = np.empty(len(edge_keys), dtype=bool)
        for e, key in enumerate(edge_keys):
            u, v, _ = key
            data = graph.edges[key]
            coords = tuple(data["geometry"].coords)
            twin = segment_of.get((v, u, coords[::-1]))
            if twin is not None and backward[twin] < 0:
                backward[twin] = e
                self.edge_segment[e], self.edge_forward[e] = twin, False
                continue
            segment_of[(u, v, coords)] = len(u_nodes)
            self.edge_segment[e], self.edge_forward[e] = len(u_nodes), True
            u_nodes.append(index[u])
            v_nodes.append(index[v])
            forward.append(e)
            backward.append(-1)
            geoms.append(data["geometry"])
            names.append(data.get("name"))
        self.u = np.array(u_nodes, dtype=np.int64)
        self.v = np.array(v_nodes, dtype=np.int64)
        self.forward_edge = np.array(forward, dtype=np.int64)
        self.backward_edge = np.array(backward, dtype=np.int64)
        self.names = names
        self.geometry_wgs84 = np.array(geoms, dtype=object)
        self.geometry_m = shapely.transform(self.geometry_wgs84, self.to_metric)
        self.length_m = shapely.length(self.geometry_m)
        self.tree = shapely.STRtree(self.geometry_m)

    def to_metric(self, xy):
        """Coordinates (n x 2, WGS-84 lon/lat) in the local metric CRS (for ``shapely.transform``)."""
        return np.column_stack(self.metric_transformer.transform(xy[:, 0], xy[:, 1]))

    def to_wgs84(self, xy):
        """Coordinates (n x 2, local metric CRS) in WGS-84 lon/lat (for ``shapely.transform``)."""
        return np.column_stack(self.wgs84_transformer.transform(xy[:, 0], xy[:, 1]))

    def __len__(self) -> int:
        return len(self.u)

    def nearest_distance_m(self, lons, lats):
        """Distance (m) from each WGS-84 point to its nearest segment (no range check)."""
        xs, ys = self.metric_transformer.transform(np.asarray(lons, dtype=float), np.asarray(lats, dtype=float))
        (point_pos, _), distances = self.tree.query_nearest(shapely.points(xs, ys), return_distance=True)
        out = np.full(len(np.atleast_1d(xs)), np.inf)
        np.minimum.at(out, point_pos, distances)
        return out

    def locate(self, lons, lats) -> dict:
        """Vectorised snapping without Snap objects, for many points (WGS-84 in).

        Returns arrays: ``segment``, ``fraction`` (0..1 from u), ``distance_m``, and the arrival
        options as ``arrive_node`` and ``arrive_cost_fraction`` pairs (k, 2): index of the node a
        traveller comes from and the fraction of that direction's edge still to ride (node -1:
        no such direction).
        """
        xs, ys = self.metric_transformer.transform(np.asarray(lons, dtype=float), np.asarray(lats, dtype=float))
        points = shapely.points(xs, ys)
        (point_pos, segment_pos), distances = self.tree.query_nearest(points, return_distance=True)
        first = np.unique(point_pos, return_index=True)[1]
        segment = segment_pos[first]
        distance = distances[first]
        fraction = shapely.line_locate_point(self.geometry_m[segment], points, normalized=True)
        fraction = np.nan_to_num(fraction, nan=0.0)
        fwd, bwd = self.forward_edge[segment], self.backward_edge[segment]
        arrive_node = np.column_stack([np.where(fwd >= 0, self.u[segment], -1), np.where(bwd >= 0, self.v[segment], -1)])
        arrive_edge = np.column_stack([fwd, bwd])
        arrive_fraction = np.column_stack([fraction, 1.0 - fraction])
        return {"segment": segment, "fraction": fraction, "distance_m": distance,
                "arrive_node": arrive_node, "arrive_edge": arrive_edge, "arrive_fraction": arrive_fraction}

    def locate_near(self, lons, lats, *, within_m: float = 40.0, k: int = 3) -> dict:
        """Up to ``k`` segments within ``within_m`` metres of each point (at least its nearest).

        Returns padded (points x k) arrays: ``segment`` (-1: none), ``fraction``, ``distance_m``,
        and per candidate the arrival from ``u`` (``from_u_node``, ``from_u_edge``: riding the
        fraction) and from ``v`` (``from_v_node``, ``from_v_edge``: riding 1 - fraction); -1 where
        that direction does not exist.
        """
        lons, lats = np.asarray(lons, dtype=float), np.asarray(lats, dtype=float)
        xs, ys = self.metric_transformer.transform(lons, lats)
        points = shapely.points(xs, ys)
        near_p, near_s = self.tree.query(points, predicate="dwithin", distance=within_m)
        (best_p, best_s) = self.tree.query_nearest(points)
        pairs = np.unique(np.column_stack([np.concatenate([near_p, best_p]), np.concatenate([near_s, best_s])]), axis=0)
        pi, si = pairs[:, 0], pairs[:, 1]
        distance = shapely.distance(self.geometry_m[si], points[pi])
        order = np.lexsort((distance, pi))
        pi, si, distance = pi[order], si[order], distance[order]
        rank = np.arange(len(pi)) - np.searchsorted(pi, pi)  # 0, 1, 2 ... within each point
        keep = rank < k
        pi, si, distance, rank = pi[keep], si[keep], distance[keep], rank[keep]
        n = len(points)
        segment = np.full((n, k), -1, dtype=np.int64)
        fraction = np.zeros((n, k))
        dist = np.full((n, k), np.inf)
        segment[pi, rank], dist[pi, rank] = si, distance
        fraction[pi, rank] = np.nan_to_num(shapely.line_locate_point(self.geometry_m[si], points[pi], normalized=True))
        valid = segment >= 0
        safe = np.maximum(segment, 0)
        fwd, bwd = self.forward_edge[safe], self.backward_edge[safe]
        return {
            "segment": segment, "fraction": fraction, "distance_m": dist,
            "from_u_node": np.where(valid & (fwd >= 0), self.u[safe], -1), "from_u_edge": np.where(valid, fwd, -1),
            "from_v_node": np.where(valid & (bwd >= 0), self.v[safe], -1), "from_v_edge": np.where(valid, bwd, -1),
        }

    def snap_many(self, lons, lats, edge_time_s, edge_length_m, *, max_distance_m: float = 500.0,
                  mode: str = "") -> list[Snap]:
        """Snap WGS-84 points to their nearest segment; raise SnapError naming any point too far."""
        lons = np.atleast_1d(np.asarray(lons, dtype=float))
        lats = np.atleast_1d(np.asarray(lats, dtype=float))
        for lon, lat in zip(lons, lats, strict=True):
            validate_lonlat(lon, lat)
        xs, ys = self.metric_transformer.transform(lons, lats)
        points = shapely.points(xs, ys)
        (point_pos, segment_pos), distances = self.tree.query_nearest(points, return_distance=True)
        # query_nearest can return ties: keep the first segment per point.
        first = np.unique(point_pos, return_index=True)[1]
        point_pos, segment_pos, distances = point_pos[first], segment_pos[first], distances[first]
        snaps = []
        for i, seg, dist in zip(point_pos, segment_pos, distances, strict=True):
            if dist > max_distance_m:
                raise SnapError(
                    f"point ({lons[i]:.6f}, {lats[i]:.6f}) is {dist:.0f} m from the nearest {mode} street "
                    f"(limit {max_distance_m:.0f} m): is it outside the city, or in the wrong datum?"
                )
            snaps.append(self._snap_on(int(seg), points[i], lons[i], lats[i], float(dist), edge_time_s, edge_length_m))
        return snaps

    def _snap_on(self, seg, point, lon, lat, dist, edge_time_s, edge_length_m) -> Snap:
        line = self.geometry_m[seg]
        total = self.length_m[seg]
        offset = float(line.project(point))
        fraction = offset / total if total > 0 else 0.0
        on_line = line.interpolate(offset)
        snapped_lon, snapped_lat = self.wgs84_transformer.transform(on_line.x, on_line.y)
        leave, arrive = [], []
        fwd, bwd = self.forward_edge[seg], self.backward_edge[seg]
        u, v = int(self.u[seg]), int(self.v[seg])
        if fwd >= 0:  # travel along the geometry, u -> v
            leave.append((v, (1 - fraction) * edge_time_s[fwd], (1 - fraction) * edge_length_m[fwd]))
            arrive.append((u, fraction * edge_time_s[fwd], fraction * edge_length_m[fwd]))
        if bwd >= 0:  # travel against the geometry, v -> u
            leave.append((u, fraction * edge_time_s[bwd], fraction * edge_length_m[bwd]))
            arrive.append((v, (1 - fraction) * edge_time_s[bwd], (1 - fraction) * edge_length_m[bwd]))
        return Snap(
            query_lon=float(lon), query_lat=float(lat), lon=float(snapped_lon), lat=float(snapped_lat),
            distance_m=dist, segment=seg, fraction=float(fraction), offset_m=offset, name=self.names[seg],
            leave=_cheapest_per_node(leave), arrive=_cheapest_per_node(arrive),
        )

    def partial_line(self, seg: int, start_fraction: float, end_fraction: float) -> LineString:
        """Return the part of a segment between two fractions, in metres (reversed if end < start)."""
        line = self.geometry_m[seg]
        lo, hi = sorted((start_fraction, end_fraction))
        part = shapely.ops.substring(line, lo, hi, normalized=True)
        if part.geom_type == "Point":
            part = LineString([part.coords[0], part.coords[0]])
        return part if end_fraction >= start_fraction else part.reverse()

    def edge_line(self, edge: int) -> LineString:
        """Return a directed edge's geometry in metres, oriented in its travel direction."""
        line = self.geometry_m[self.edge_segment[edge]]
        return line if self.edge_forward[edge] else line.reverse()

    def to_wgs84_line(self, line: LineString) -> LineString:
        """Return a line given in the local CRS (metres) in WGS-84 lon/lat."""
        return shapely.transform(line, self.to_wgs84)


def _cheapest_per_node(options):
    best: dict[int, tuple[int, float, float]] = {}
    for node, seconds, metres in options:
        if node not in best or seconds < best[node][1]:
            best[node] = (node, float(seconds), float(metres))
    return tuple(best.values())
