"""A street graph compiled into compact arrays for exact, fast shortest travel times.

The graph becomes a CSR matrix of travel times (seconds) over node indices 0..n-1, plus its
transpose for searches towards a target. Of parallel edges the fastest counts. Unreachable
nodes get ``numpy.inf``, never a big number.

- A city-sized graph (up to :data:`TABLE_MAX_NODES` nodes) also gets an exact all-pairs table of
  travel times (NetworKit's all-pairs Dijkstra, float64, built once per process in well under a
  second for the default city; 8 bytes per node pair): one-to-all and many-to-many times are then
  row and block lookups.
- Larger graphs search on demand: one-to-all with ``scipy.sparse.csgraph.dijkstra``, many-to-many
  with NetworKit's some-pairs Dijkstra (C++, stops once every target is settled, one thread per core).
- Paths (predecessors) always come from a search.
"""

from dataclasses import dataclass, field
from functools import cached_property

import networkit as nk
import networkx as nx
import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

__all__ = ["TABLE_MAX_NODES", "CompiledNetwork"]

TABLE_MAX_NODES = 6000  # 288 MB of float64 per mode at the limit


@dataclass(frozen=True, eq=False)
class CompiledNetwork:
    """Travel-time arrays of one mode's street graph.

    ``edge_u``, ``edge_v``, ``edge_time_s``, ``edge_length_m`` describe every directed edge (by
    node index); ``csr_edge`` gives, for each stored CSR entry, the fastest edge between its
    two nodes.
    """

    node_ids: np.ndarray
    edge_u: np.ndarray
    edge_v: np.ndarray
    edge_time_s: np.ndarray
    edge_length_m: np.ndarray
    forward: sp.csr_matrix
    backward: sp.csr_matrix
    csr_edge: np.ndarray
    index: dict = field(repr=False)

    @classmethod
    def from_arrays(cls, node_ids, edge_u, edge_v, edge_time_s, edge_length_m) -> "CompiledNetwork":
        """Compile from edge arrays given by node index (times in seconds, lengths in metres)."""
        node_ids = np.asarray(node_ids)
        n = len(node_ids)
        edge_u = np.asarray(edge_u, dtype=np.int64)
        edge_v = np.asarray(edge_v, dtype=np.int64)
        edge_time_s = np.asarray(edge_time_s, dtype=float)
        edge_length_m = np.asarray(edge_length_m, dtype=float)
        if np.any(edge_time_s < 0) or not np.all(np.isfinite(edge_time_s)):
            raise ValueError("`edge_time_s` must be finite and >= 0 seconds.")
        not_loop = edge_u != edge_v  # a self-loop never shortens a path
        candidates = np.flatnonzero(not_loop)
        order = candidates[np.lexsort((edge_time_s[candidates], edge_v[candidates], edge_u[candidates]))]
        pairs = edge_u[order] * n + edge_v[order]
        first = np.ones(len(order), dtype=bool)
        first[1:] = pairs[1:] != pairs[:-1]
        fastest = order[first]
        forward = sp.csr_matrix(
            (edge_time_s[fastest], (edge_u[fastest], edge_v[fastest])), shape=(n, n)
        )
        forward.sort_indices()
        backward = forward.T.tocsr()
        backward.sort_indices()
        return cls(
            node_ids=node_ids,
            edge_u=edge_u,
            edge_v=edge_v,
            edge_time_s=edge_time_s,
            edge_length_m=edge_length_m,
            forward=forward,
            backward=backward,
            csr_edge=fastest,  # (u, v)-sorted, the same order as the CSR entries
            index={node: i for i, node in enumerate(node_ids.tolist())},
        )

    @classmethod
    def from_graph(cls, graph: nx.MultiDiGraph) -> tuple["CompiledNetwork", list]:
        """Compile an osmnx graph (``travel_time`` s, ``length`` m); also return its edge keys."""
        node_ids = np.array(list(graph.nodes))
        index = {node: i for i, node in enumerate(node_ids.tolist())}
        keys = list(graph.edges(keys=True))
        data = [graph.edges[k] for k in keys]
        compiled = cls.from_arrays(
            node_ids,
            [index[u] for u, _, _ in keys],
            [index[v] for _, v, _ in keys],
            [d["travel_time"] for d in data],
            [d["length"] for d in data],
        )
        return compiled, keys

    @property
    def size(self) -> int:
        """Number of nodes."""
        return len(self.node_ids)

    @cached_property
    def _networkit_graph(self) -> nk.Graph:
        coo = self.forward.tocoo()
        graph = nk.Graph(self.size, weighted=True, directed=True)
        graph.addEdges((coo.data.astype(float), (coo.row.astype(np.uint64), coo.col.astype(np.uint64))))
        return graph

    @cached_property
    def table(self) -> np.ndarray | None:
        """Exact all-pairs travel times (s) for a graph of at most TABLE_MAX_NODES nodes, else None."""
        if self.size > TABLE_MAX_NODES or self.size == 0:
            return None
        search = nk.distance.APSP(self._networkit_graph)
        search.run()
        table = search.getDistances(asarray=True)
        table[table >= np.finfo(float).max] = np.inf
        table.setflags(write=False)
        return table

    def pair_times(self, sources, targets) -> np.ndarray:
        """Seconds from each source node index (rows) to each target node index (columns)."""
        if self.table is not None:
            return self.table[np.ix_(np.asarray(sources, dtype=np.int64), np.asarray(targets, dtype=np.int64))]
        sources = [int(s) for s in sources]
        targets = [int(t) for t in targets]
        if not sources or not targets:
            return np.empty((len(sources), len(targets)))
        search = nk.distance.SPSP(self._networkit_graph, sources, targets)
        search.run()
        times = np.array(search.getDistances(), dtype=float)
        times[times >= np.finfo(float).max] = np.inf
        return times

    @cached_property
    def _pair_keys(self) -> np.ndarray:
        rows = np.repeat(np.arange(self.size, dtype=np.int64), np.diff(self.forward.indptr))
        return rows * self.size + self.forward.indices

    def fastest_edges(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Vectorised :meth:`fastest_edge` for arrays of node indices (each pair must be an edge)."""
        keys = np.asarray(a, dtype=np.int64) * self.size + np.asarray(b, dtype=np.int64)
        return self.csr_edge[np.searchsorted(self._pair_keys, keys)]

    def fastest_edge(self, a: int, b: int) -> int:
        """Return the index of the fastest edge from node index ``a`` to ``b`` (-1 if none)."""
        start, stop = self.forward.indptr[a], self.forward.indptr[a + 1]
        pos = start + np.searchsorted(self.forward.indices[start:stop], b)
        if pos < stop and self.forward.indices[pos] == b:
            return int(self.csr_edge[pos])
        return -1

    def search(self, sources, *, reverse: bool = False, limit_s: float | None = None,
               predecessors: bool = False):
        """Seconds from each source node index to every node, one row per source (inf: unreachable).

        Rows of the all-pairs table where the graph has one, else one Dijkstra search per source.
        ``reverse`` gives times *to* the sources. With ``predecessors`` (always a search) also
        returns the predecessor rows (-9999 where none).
        """
        if self.table is not None and not predecessors:
            sources = np.asarray(sources, dtype=np.int64)
            rows = self.table[:, sources].T if reverse else self.table[sources]
            if limit_s is not None:
                rows = np.where(rows <= limit_s, rows, np.inf)
            return np.array(rows, dtype=float)
        return self.dijkstra(sources, reverse=reverse, limit_s=limit_s, predecessors=predecessors)

    def dijkstra(self, sources, *, reverse: bool = False, limit_s: float | None = None, predecessors: bool = False):
        """Plain Dijkstra searches (scipy), whatever the graph's size; see :meth:`search`."""
        matrix = self.backward if reverse else self.forward
        return dijkstra(
            matrix, directed=True, indices=np.asarray(sources, dtype=np.int64),
            limit=np.inf if limit_s is None else float(limit_s), return_predecessors=predecessors,
        )

    def search_from_offsets(self, starts, *, reverse: bool = False, limit_s: float | None = None):
        """Times (s) from a set of start options ``[(node index, seconds already spent), ...]``.

        Exact: the minimum over options of offset + shortest time from the option's node.
        """
        starts = list(starts)
        rows = self.search([node for node, _ in starts], reverse=reverse, limit_s=limit_s)
        offsets = np.array([cost for _, cost in starts], dtype=float)[:, None]
        times = (rows + offsets).min(axis=0)
        if limit_s is not None:
            times[times > limit_s] = np.inf
        return times

    def nearest_origin(self, origins, *, limit_s: float | None = None):
        """Which origin reaches each node first, and when.

        ``origins`` is a list whose items are start options ``[(node index, seconds), ...]``.
        Returns ``(times_s, origin_position)``: origin_position is -1 where no origin arrives.
        One search over a graph with a virtual source per origin.
        """
        n, count = self.size, len(origins)
        rows, cols, vals = [], [], []
        for position, starts in enumerate(origins):
            for node, cost in starts:
                rows.append(n + position)
                cols.append(node)
                vals.append(cost)
        coo = self.forward.tocoo()
        extended = sp.csr_matrix(
            (np.concatenate([coo.data, vals]), (np.concatenate([coo.row, rows]), np.concatenate([coo.col, cols]))),
            shape=(n + count, n + count),
        )
        times, _, sources = dijkstra(
            extended, directed=True, indices=np.arange(n, n + count), min_only=True,
            return_predecessors=True, limit=np.inf if limit_s is None else float(limit_s),
        )
        origin_position = np.where(sources[:n] >= 0, sources[:n] - n, -1)
        return times[:n], origin_position
