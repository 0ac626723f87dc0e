"""Saving and loading a mode graph fast: the graph pickled without geometries, geometries as arrays.

Unpickling one shapely LineString per edge costs seconds on a city of 100,000 edges; the edge
geometries are therefore kept as one ragged coordinate array (``shapely.to_ragged_array``) in
``<mode>.geom.npz`` beside ``<mode>.pickle``, in the graph's edge order, and put back in one call.
"""

import pickle
from pathlib import Path

import networkx as nx
import numpy as np
import shapely

__all__ = ["load_graph", "save_graph"]


def save_graph(graph: nx.MultiDiGraph, path: str | Path) -> None:
    """Write ``graph`` to ``path`` (a ``.pickle``) and its edge geometries beside it (``.geom.npz``)."""
    path = Path(path)
    edges = list(graph.edges(data=True))
    geometries = [data.pop("geometry") for _, _, data in edges]
    try:
        with path.open("wb") as handle:
            pickle.dump(graph, handle, protocol=pickle.HIGHEST_PROTOCOL)
    finally:
        for (_, _, data), geometry in zip(edges, geometries, strict=True):
            data["geometry"] = geometry
    if geometries:
        _, coords, (offsets,) = shapely.to_ragged_array(np.asarray(geometries, dtype=object))
    else:
        coords, offsets = np.zeros((0, 2)), np.zeros(1, dtype=np.int64)
    with path.with_suffix(".geom.npz").open("wb") as handle:
        np.savez(handle, coords=coords, offsets=offsets)


def load_graph(path: str | Path) -> nx.MultiDiGraph:
    """Read a graph written by :func:`save_graph` (raises OSError, pickle or ValueError errors)."""
    path = Path(path)
    with path.open("rb") as handle:
        graph = pickle.load(handle)
    with np.load(path.with_suffix(".geom.npz")) as arrays:
        coords, offsets = arrays["coords"], arrays["offsets"]
    if graph.number_of_edges() != len(offsets) - 1:
        raise ValueError(f"{path}: {graph.number_of_edges()} edges but {len(offsets) - 1} geometries")
    if len(offsets) > 1:
        geometries = shapely.from_ragged_array(shapely.GeometryType.LINESTRING, coords, (offsets,))
        for (_, _, data), geometry in zip(graph.edges(data=True), geometries, strict=True):
            data["geometry"] = geometry
    return graph
