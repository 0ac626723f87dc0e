"""The benchmarks run and report sizes, both timings, ratios and memory (speed itself is not asserted)."""

import pytest

from bench.routing import report_text, run


@pytest.mark.slow
def test_routing_benchmark_reports_its_figures(chengdu):
    result = run(city=chengdu, sources=3, matrix_size=10, sides=[20])
    for mode in ("car", "foot"):
        figures = result["modes"][mode]
        assert figures["one_to_all_ms"] > 0 and figures["networkx_one_to_all_ms"] > 0
        assert figures["one_to_all_speedup"] == pytest.approx(
            figures["networkx_one_to_all_ms"] / figures["one_to_all_ms"], rel=0.05)
    assert result["scaling"][0]["nodes"] == 400 and "speedup" in result["scaling"][0]
    assert set(result["meets_targets"]) == set(result["targets"])
    assert "one_to_all_speedup" in report_text(result)


@pytest.mark.slow
def test_hotspot_benchmark_pieces(chengdu):
    from bench.hotspots import _agreement, _one, min_incidents_for

    row = _one(3000, "ours", seed=1)
    assert row["n"] == 3000 and row["seconds"] > 0 and row["peak_rss_mb"] > 0 and row["clusters"] >= 0
    assert _agreement(3000, seed=1) >= 0.99
    assert min_incidents_for(1_000_000) > min_incidents_for(10_000) >= 10


@pytest.mark.slow
def test_dispatch_benchmark_reports_its_figures(chengdu):
    from bench.dispatch import run as run_dispatch

    result = run_dispatch(incidents=15, patrols=20, baseline_incidents=2, city=chengdu)
    assert result["median_ms"] > 0 and result["p95_ms"] >= result["median_ms"]
    assert result["speedup"] == pytest.approx(result["networkx_median_ms"] / result["median_ms"], rel=0.05)
    assert set(result["meets_targets"]) == {"median_ms", "p95_ms"}


@pytest.mark.slow
def test_city_benchmark_reports_its_figures():
    """A small generated city and one real one keep this quick (``patrol bench city`` builds all four); the
    keys are the public JSON of ``patrol bench city``."""
    from bench.city import report_text as city_text
    from bench.city import run as run_city

    result = run_city(foot_nodes=2000, only=("chengdu", "generated"))
    assert [c["name"] for c in result["cities"]] == ["chengdu", "generated"]
    for row in result["cities"]:
        assert {"name", "highway_ways", "nodes", "build_s", "peak_mb", "s_per_1000_foot_nodes"} <= set(row)
        assert set(row["nodes"]) == {"foot", "ebike", "car"} and row["build_s"] > 0 and row["peak_mb"] > 0
        if "baseline_build_s" in row:
            assert row["same_nodes"] is True  # the baseline (osmnx) builds the same graphs
    assert result["growth_ratio"] > 0 and "growth ratio" in city_text(result)
