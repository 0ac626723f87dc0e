"""Who reaches which demand place within the target, kept sparse: the coverage primitives of set covering and
maximal covering over every node of a big graph (``planner.cover_generation``, ``planner.max_cover_generation``).

A demand place is given by its arrival options [(node index, seconds from that node to the place)]. Forward
searches bounded at the target give a node's column (``coverage_columns``, equal to ``Router.matrix``), backward
searches a place's row over every node (``reach_rows``) or every node's summed weight of the places it reaches
(``reach_scores``: pricing); ``alike_rows`` finds the rows (or, transposed, columns) such a matrix has twice.
Times in seconds on the mode's graph; grid cells in metres (WGS-84 degrees scaled).
"""

import math

import numpy as np
import scipy.sparse as sp

__all__ = ["CELL_M", "PRICING_SLACK_S", "ArrivalIndex", "alike_rows", "coverage_columns", "entry_positions",
           "grid_cells", "own_node", "reach_rows", "reach_scores", "spread_out"]

CELL_M = 400.0  # metres: the grid cells new columns are spread over
PRICING_SLACK_S = 1e-6  # a backward search counts a pair this much beyond the target (never misses a forward one)
SEARCH_CHUNK = 96  # backward searches run at once (a dense row of the graph each)


def entry_positions(indptr: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Positions of every entry of these rows in a compressed index (``indptr``, as a CSR matrix's), row by row."""
    starts, stops = indptr[rows], indptr[rows + 1]
    lengths = stops - starts
    return np.repeat(starts - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths) + np.arange(lengths.sum())


def grid_cells(router, cell_m: float = CELL_M) -> np.ndarray:
    """A grid cell per node (about ``cell_m`` metres a side), to spread each round's new columns over the city."""
    nodes = router.graph.nodes
    ids = router.network.node_ids.tolist()
    lon = np.array([nodes[i]["x"] for i in ids])
    lat = np.array([nodes[i]["y"] for i in ids])
    dlat = cell_m / 111_320.0
    dlon = dlat / max(0.1, math.cos(math.radians(float(np.mean(lat))) if len(lat) else 0.0))
    return np.floor(lon / dlon).astype(np.int64) * 1_000_003 + np.floor(lat / dlat).astype(np.int64)


def spread_out(ranked: np.ndarray, cells: np.ndarray) -> np.ndarray:
    """The best-ranked node of each grid cell, in rank order."""
    _, first = np.unique(cells[ranked], return_index=True)
    return ranked[np.sort(first)]


def own_node(options) -> int:
    """The node a place sits on (of its arrival options [(node index, seconds)], the nearest)."""
    return int(min(options, key=lambda option: option[1])[0])


def alike_rows(matrix: sp.spmatrix) -> tuple[np.ndarray, np.ndarray]:
    """Rows of a 0/1 ``matrix`` with the same entries, found by two random hashes of each: (the first row of each
    kind, ascending; each row's kind, an index into the first)."""
    hashes = matrix.astype(float) @ np.random.default_rng(1).random((matrix.shape[1], 2))
    _, first, kind = np.unique(hashes, axis=0, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return first[order], rank[np.asarray(kind).ravel()]


class ArrivalIndex:
    """Which demand rows each node leads to, and at what cost: a node-sorted list of (node, row, seconds from the
    node to the demand place) built from each row's arrival options."""

    def __init__(self, arrive_options: list, node_count: int):
        nodes = np.array([node for options in arrive_options for node, _ in options], dtype=np.int64)
        rows = np.repeat(np.arange(len(arrive_options)), [len(options) for options in arrive_options])
        seconds = np.array([cost for options in arrive_options for _, cost in options], dtype=float)
        order = np.argsort(nodes, kind="stable")
        self.rows, self.seconds = rows[order], seconds[order]
        self.indptr = np.concatenate([[0], np.cumsum(np.bincount(nodes, minlength=node_count))])
        self.row_count = len(arrive_options)

    def entries_at(self, nodes: np.ndarray) -> np.ndarray:
        """Positions of every entry of these nodes (in node order)."""
        return entry_positions(self.indptr, nodes)


def coverage_columns(network, nodes, arrivals: ArrivalIndex, limit_s: float, *, chunk: int = 128) -> sp.csc_matrix:
    """Sparse boolean (demand row x node) matrix: the node reaches the row's place within ``limit_s`` seconds,
    i.e. for some arrival option (a, s): time(node -> a) + s <= limit_s (as ``Router.matrix`` decides it). Bounded
    forward searches, and only the demand entries of the nodes each search reached are looked at."""
    nodes = np.asarray(nodes, dtype=np.int64)
    indptr, indices = [0], []
    for begin in range(0, len(nodes), chunk):
        times = np.atleast_2d(network.dijkstra(nodes[begin:begin + chunk], limit_s=limit_s))
        for row in times:
            reached = np.flatnonzero(row <= limit_s)
            entries = arrivals.entries_at(reached)
            at = np.repeat(reached, np.diff(arrivals.indptr)[reached])
            hit = np.unique(arrivals.rows[entries[row[at] + arrivals.seconds[entries] <= limit_s]])
            indices.append(hit)
            indptr.append(indptr[-1] + len(hit))
    indices = np.concatenate(indices) if indices else np.zeros(0, dtype=np.int64)
    return sp.csc_matrix((np.ones(len(indices), dtype=bool), indices, np.array(indptr)),
                         shape=(arrivals.row_count, len(nodes)))


def reach_scores(router, arrive_options: list, weights: np.ndarray, limit_s: float) -> np.ndarray:
    """For every node: the sum of ``weights`` of the places (given by their arrival options [(node index,
    seconds)]) it reaches within ``limit_s``: backward searches bounded at the target, a chunk at a time."""
    scores = np.zeros(router.network.size)
    for place, reached in _reached_from(router, arrive_options, limit_s):
        scores[reached] += weights[place]
    return scores


def reach_rows(router, arrive_options: list, limit_s: float) -> sp.csr_matrix:
    """Boolean (place x node) matrix over every node of the graph: True where the node reaches the place (given
    by its arrival options) within ``limit_s`` seconds (PRICING_SLACK_S more: it never misses a pair, so a problem
    over these rows relaxes the true one); the same backward searches as ``reach_scores``."""
    indptr, indices = [0], []
    for _, reached in _reached_from(router, arrive_options, limit_s):
        indices.append(reached)
        indptr.append(indptr[-1] + len(reached))
    indices = np.concatenate(indices) if indices else np.zeros(0, dtype=np.int64)
    return sp.csr_matrix((np.ones(len(indices), dtype=bool), indices, np.array(indptr)),
                         shape=(len(arrive_options), router.network.size))


def _reached_from(router, arrive_options: list, limit_s: float):
    """(place position, node indices reaching it within ``limit_s``) for each place, in order."""
    network = router.network
    limit = limit_s + PRICING_SLACK_S
    for begin in range(0, len(arrive_options), SEARCH_CHUNK):
        chunk = arrive_options[begin:begin + SEARCH_CHUNK]
        wanted = sorted({node for options in chunk for node, _ in options})
        times = np.atleast_2d(network.dijkstra(wanted, reverse=True, limit_s=limit))
        row_of = {node: k for k, node in enumerate(wanted)}
        for offset, options in enumerate(chunk):
            best = np.min([times[row_of[node]] + cost for node, cost in options], axis=0)
            yield begin + offset, np.flatnonzero(best <= limit)
