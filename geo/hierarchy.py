"""A customizable contraction hierarchy (RoutingKit's CCH, PyPI ``routingkit-cch``) of one mode's network, for the
graphs too big for an all-pairs table: many-to-one, one-to-many and point-to-point queries in about a millisecond
on 60,000 nodes, where a plain Dijkstra search settles the whole graph (10-20 ms) for each of them.

The hierarchy's weights are whole milliseconds (RoutingKit counts in integers): each edge's travel time is rounded
to the nearest millisecond, so a time from the hierarchy is within 0.5 ms per edge of its path from the exact
one. Paths are given back as node indices so that callers sum the exact (float) edge times along them.
Built once per router on first use (the node order by inertial flow from the node coordinates, about 2 s for
60,000 nodes); read-only afterwards, with a fresh query object per call (so threads may share it). RoutingKit's
binding holds the GIL, so a matrix with many origins is shared out with helper processes on the other cores
(``geo.query_helpers``), each holding a copy built from this one's node order and arcs.
"""

import numpy as np
import routingkit_cch as rk

from geo import query_helpers
from geo.network import CompiledNetwork

__all__ = ["MS_PER_S", "Hierarchy"]

MS_PER_S = 1000.0


class Hierarchy:
    """Queries on a compiled network's fastest-edge CSR graph (node indices 0..n-1; seconds in and out)."""

    def __init__(self, network: CompiledNetwork, lons, lats):
        forward = network.forward.tocoo()
        tail, head = forward.row.astype(np.int64).tolist(), forward.col.astype(np.int64).tolist()
        order = rk.compute_order_inertial(network.size, tail, head, [float(y) for y in lats], [float(x) for x in lons])
        self._build(order, tail, head, np.rint(forward.data * MS_PER_S).astype(np.int64))
        self.key = query_helpers.new_key()

    def _build(self, order, tail, head, weights_ms) -> None:
        self._inputs = {"order": np.asarray(order, dtype=np.int32), "tail": np.asarray(tail, dtype=np.int32),
                        "head": np.asarray(head, dtype=np.int32), "weights_ms": np.asarray(weights_ms, dtype=np.int64)}
        self._cch = rk.CCH(list(order), list(tail), list(head), False)
        self._metric = rk.CCHMetric(self._cch, np.asarray(weights_ms).tolist())

    @classmethod
    def from_inputs(cls, inputs: dict) -> "Hierarchy":
        """The same hierarchy again from :meth:`inputs` (node order, arcs, millisecond weights): how a helper
        process (``geo.query_helpers``) builds its copy without ordering the nodes again."""
        hierarchy = cls.__new__(cls)
        hierarchy._build(*(inputs[name].tolist() for name in ("order", "tail", "head")), inputs["weights_ms"])
        hierarchy.key = None
        return hierarchy

    def warm_helpers(self) -> int:
        """Start the helper processes that share big matrices out, each with its copy; how many are ready."""
        return query_helpers.warm(self.key, Hierarchy.from_inputs, self.inputs) if self.key is not None else 0

    def inputs(self) -> dict:
        """Node order, arc tails and heads and millisecond weights (numpy arrays): all a copy is built from."""
        return self._inputs

    def to_target(self, sources, target_options) -> np.ndarray:
        """Seconds from each source node index to a target given as start options [(node index, seconds)]
        (the arrival pieces of a snapped place); inf where unreachable."""
        sources = [int(s) for s in sources]
        if not sources:
            return np.zeros(0)
        query = rk.CCHManyToOne(self._metric, sources)
        found = query.distances_to_multi([(int(node), int(round(cost * MS_PER_S))) for node, cost in target_options])
        return np.array([np.inf if d is None else d / MS_PER_S for d in found])

    def pair_times(self, sources, targets) -> np.ndarray:
        """Seconds from each source node index (rows) to each target node index (columns); inf where unreachable."""
        return self.times_from_options([[(int(s), 0.0)] for s in sources], targets)

    def times_from_options(self, starts_per_origin, targets, *, helpers: bool = True) -> np.ndarray:
        """Seconds from each origin, given as start options [(node index, seconds already spent)], to each target
        node index: one multi-source query per origin; inf where unreachable. Many origins are shared out with
        helper processes (``geo.query_helpers``: one per further core)."""
        starts = [[(int(n), int(round(c * MS_PER_S))) for n, c in options] for options in starts_per_origin]
        targets = [int(t) for t in targets]
        if not targets or not starts:
            return np.full((len(starts), len(targets)), np.inf)
        parts = None
        if helpers and self.key is not None:
            parts = query_helpers.answer_in_helpers(self.key, Hierarchy.from_inputs, self.inputs, starts, targets,
                                                     self.rows_here)
        rows = self.rows_here(starts, targets) if parts is None else np.vstack(parts)
        rows[np.isnan(rows)] = np.inf
        return rows / MS_PER_S

    def rows_here(self, starts_ms, targets) -> np.ndarray:
        """Milliseconds (NaN where unreachable) from each origin's start options [(node index, ms)] to each target
        node index, answered in this process."""
        if not targets or not starts_ms:
            return np.full((len(starts_ms), len(targets)), np.nan)
        query = rk.CCHOneToMany(self._metric, targets)
        rows = np.empty((len(starts_ms), len(targets)))
        for i, options in enumerate(starts_ms):
            rows[i] = np.array(query.distances_from_multi(options), dtype=np.float64)  # None -> NaN
        return rows

    def path(self, starts, ends) -> tuple[list[int], int, int] | None:
        """The fastest node path from any start option to any end option ([(node index, seconds)], offsets
        counted); (node indices, index of the start option used, index of the end option used), or None."""
        query = rk.CCHQuery(self._metric)
        result = query.run_multi([(int(n), int(round(c * MS_PER_S))) for n, c in starts],
                                 [(int(n), int(round(c * MS_PER_S))) for n, c in ends])
        nodes = list(result.node_path) if result.distance is not None else None
        del result, query  # RoutingKit wants the result gone before the query object is used again
        if not nodes:
            return None
        start = next(i for i, (n, _) in enumerate(starts) if n == nodes[0])
        end = next(i for i, (n, _) in enumerate(ends) if n == nodes[-1])
        return nodes, start, end
