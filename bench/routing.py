"""Routing benchmark: ours (scipy csgraph on compiled arrays) against networkx, in one run.

Usage: python -m bench.routing [--json] [--quick]   (or: patrol bench routing)
"""

import argparse
import json
import sys
import time

import networkx as nx
import numpy as np

from bench.common import median_s, peak_alloc_mb, peak_rss_mb
from geo.synthetic import grid_graph, grid_network

__all__ = ["TARGETS", "run"]

# What the product promises (issue: routing core): ratios against networkx, and one-to-all time.
TARGETS = {"one_to_all_speedup": 30.0, "matrix_speedup": 40.0, "grid_100k_one_to_all_ms": 50.0}


def _networkx_matrix(graph, origins, targets) -> np.ndarray:
    out = np.empty((len(origins), len(targets)))
    for i, origin in enumerate(origins):
        lengths = nx.single_source_dijkstra_path_length(graph, origin, weight="travel_time")
        out[i] = [lengths.get(t, np.inf) for t in targets]
    return out


def _mode_figures(router, rng, *, sources: int, matrix_size: int) -> dict:
    graph = router.graph
    nodes = list(graph.nodes)
    started = time.perf_counter()
    table = router.network.table  # built once per process, on first use
    table_s = time.perf_counter() - started
    picks = [nodes[i] for i in rng.choice(len(nodes), sources, replace=False)]
    ours = median_s(router.times_from, picks)
    search = median_s(lambda node: router.network.dijkstra([router.network.index[node]]), picks)
    base = median_s(lambda node: nx.single_source_dijkstra_path_length(graph, node, weight="travel_time"), picks)
    origins = [nodes[i] for i in rng.choice(len(nodes), matrix_size, replace=False)]
    targets = [nodes[i] for i in rng.choice(len(nodes), matrix_size, replace=False)]
    ours_m = median_s(lambda _: router.matrix(origins, targets), range(3))
    base_m = median_s(lambda _: _networkx_matrix(graph, origins, targets), range(1))
    if not np.allclose(router.matrix(origins, targets), _networkx_matrix(graph, origins, targets), atol=1e-6):
        raise AssertionError("the matrix differs from networkx")
    return {
        "nodes": graph.number_of_nodes(),
        "edges": graph.number_of_edges(),
        "one_to_all_ms": round(ours * 1e3, 4),
        "networkx_one_to_all_ms": round(base * 1e3, 3),
        "one_to_all_speedup": round(base / ours, 1),
        "search_one_to_all_ms": round(search * 1e3, 3),
        "search_one_to_all_speedup": round(base / search, 1),
        "table_build_s": round(table_s, 3) if table is not None else None,
        "table_mb": round(table.nbytes / 1e6, 1) if table is not None else None,
        "matrix_size": f"{matrix_size}x{matrix_size}",
        "matrix_ms": round(ours_m * 1e3, 2),
        "networkx_matrix_ms": round(base_m * 1e3, 1),
        "matrix_speedup": round(base_m / ours_m, 1),
    }


def _city_modes(city, rng, *, sources: int, matrix_size: int, progress) -> dict:
    results = {}
    for mode in ("car", "foot"):
        progress(f"default city, {mode}: one-to-all and {matrix_size}x{matrix_size} matrix ...")
        results[mode] = _mode_figures(city.router(mode), rng, sources=sources, matrix_size=matrix_size)
    return results


def _grid_figures(side: int, rng, *, networkx_up_to: int) -> dict:
    n = side * side
    network, compile_mb = peak_alloc_mb(lambda: grid_network(side, side, seed=1))
    sources = rng.integers(0, n, 7).tolist()
    _, query_mb = peak_alloc_mb(lambda: network.search([sources[0]]))
    ours = median_s(lambda source: network.search([source]), sources)
    row = {
        "nodes": n,
        "edges": int(network.forward.nnz),
        "one_to_all_ms": round(ours * 1e3, 2),
        "us_per_node": round(ours * 1e6 / n, 4),
        "compile_peak_mb": round(compile_mb, 1),
        "query_peak_mb": round(query_mb, 1),
    }
    if n <= networkx_up_to:
        graph = grid_graph(side, side, seed=1)
        base = median_s(lambda source: nx.single_source_dijkstra_path_length(graph, source, weight="travel_time"),
                        sources[:3])
        row["networkx_one_to_all_ms"] = round(base * 1e3, 1)
        row["speedup"] = round(base / ours, 1)
    return row


def _scaling(sides, rng, *, networkx_up_to: int, progress) -> list[dict]:
    rows = []
    for side in sides:
        progress(f"synthetic grid {side}x{side} ({side * side:,} nodes) ...")
        rows.append(_grid_figures(side, rng, networkx_up_to=networkx_up_to))
    return rows


def run(*, quick: bool = False, progress=lambda message: None, city=None,
        sources: int = 30, matrix_size: int = 100, sides=None) -> dict:
    """Run the routing benchmark; return its figures (times in ms, memory in MB)."""
    rng = np.random.default_rng(42)
    if city is None:
        from bench.common import bench_city_name
        from geo.city import get_city

        city = get_city(bench_city_name(), progress=progress)
    modes = _city_modes(city, rng, sources=sources, matrix_size=matrix_size, progress=progress)
    if sides is None:
        sides = [100, 316] if quick else [100, 316, 1000]
    scaling = _scaling(sides, rng, networkx_up_to=100_000, progress=progress)
    result = {
        "benchmark": "routing",
        "city": city.slug,
        "modes": modes,
        "one_to_all_speedup": min(m["one_to_all_speedup"] for m in modes.values()),
        "matrix_speedup": min(m["matrix_speedup"] for m in modes.values()),
        "scaling": scaling,
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "targets": TARGETS,
    }
    grid_100k = next((row for row in scaling if 90_000 <= row["nodes"] <= 110_000), None)
    result["meets_targets"] = {
        "one_to_all_speedup": result["one_to_all_speedup"] >= TARGETS["one_to_all_speedup"],
        "matrix_speedup": result["matrix_speedup"] >= TARGETS["matrix_speedup"],
        "grid_100k_one_to_all_ms": None if grid_100k is None
        else grid_100k["one_to_all_ms"] <= TARGETS["grid_100k_one_to_all_ms"],
    }
    return result


def report_text(result: dict) -> str:
    """People-readable table of a routing benchmark result."""
    lines = [f"routing benchmark on {result['city']} (ours: exact all-pairs table on the city graphs, scipy Dijkstra on the grids; baseline: networkx, same run)"]
    for mode, m in result["modes"].items():
        lines.append(
            f"  {mode:5s} {m['nodes']} nodes {m['edges']} edges | one-to-all {m['one_to_all_ms']} ms vs "
            f"{m['networkx_one_to_all_ms']} ms = {m['one_to_all_speedup']}x | {m['matrix_size']} matrix "
            f"{m['matrix_ms']} ms vs {m['networkx_matrix_ms']} ms = {m['matrix_speedup']}x"
        )
        lines.append(
            f"        all-pairs table built in {m['table_build_s']} s, {m['table_mb']} MB; without it a Dijkstra "
            f"search takes {m['search_one_to_all_ms']} ms = {m['search_one_to_all_speedup']}x networkx"
        )
    lines.append("  scaling on synthetic grids (one-to-all):")
    for row in result["scaling"]:
        base = (f" vs networkx {row['networkx_one_to_all_ms']} ms = {row['speedup']}x"
                if "speedup" in row else " (networkx not run at this size)")
        lines.append(
            f"    {row['nodes']:>9,} nodes {row['edges']:>9,} edges: {row['one_to_all_ms']} ms "
            f"({row['us_per_node']} us/node){base}; compile peak {row['compile_peak_mb']} MB, "
            f"query peak {row['query_peak_mb']} MB"
        )
    lines.append(f"  one_to_all_speedup {result['one_to_all_speedup']}x, matrix_speedup {result['matrix_speedup']}x, "
                 f"peak RSS {result['peak_rss_mb']} MB")
    for key, ok in result["meets_targets"].items():
        verdict = "not measured" if ok is None else ("met" if ok else "NOT met")
        lines.append(f"  target {key} {result['targets'][key]}: {verdict}")
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--quick", action="store_true", help="skip the 1-million-node grid")
    args = parser.parse_args(argv)
    result = run(quick=args.quick, progress=lambda m: print(m, file=sys.stderr))
    print(json.dumps(result, indent=2) if args.json else report_text(result))


if __name__ == "__main__":
    main()
