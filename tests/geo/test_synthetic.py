"""Synthetic grids: the array-built network equals the networkx graph of the same grid."""

import networkx as nx
import numpy as np

from geo.synthetic import grid_graph, grid_network


def test_grid_network_matches_networkx():
    network = grid_network(12, 9, seed=3)
    graph = grid_graph(12, 9, seed=3)
    assert network.size == graph.number_of_nodes() == 108
    assert network.forward.nnz == graph.number_of_edges() == 2 * (12 * 8 + 11 * 9)
    for source in (0, 50, 107):
        reference = nx.single_source_dijkstra_path_length(graph, source, weight="travel_time")
        ours = network.search([source])[0]
        assert np.abs(ours - np.array([reference[n] for n in range(108)])).max() < 1e-9
    targets = [5, 17, 99]
    assert np.allclose(network.pair_times([0, 50], targets), network.search([0, 50])[:, targets], atol=1e-9)


def test_grid_is_reproducible_with_a_seed():
    a, b = grid_network(5, 5, seed=1), grid_network(5, 5, seed=1)
    assert np.array_equal(a.forward.data, b.forward.data)
    assert not np.array_equal(a.forward.data, grid_network(5, 5, seed=2).forward.data)
