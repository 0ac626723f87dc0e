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
