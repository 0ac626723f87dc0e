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


@pytest.mark.slow
def test_live_benchmark_reports_its_figures(chengdu):
    """A few phones for a few seconds (``patrol bench live`` runs 60 phones and 5 consoles for 60 s); the keys
    are the public JSON of ``patrol bench live``."""
    import threading

    from bench.live import report_text as live_text
    from bench.live import run as run_live

    before = threading.active_count()
    result = run_live(phones=4, consoles=2, seconds=8, every_s=1.0, assign_every_s=1.5)
    assert threading.active_count() == before  # no client thread outlives the run
    assert {"positions_per_s", "position_to_console_ms", "assignment_to_officer_ms", "errors",
            "server_rss_growth_mb"} <= set(result)
    assert result["errors"] == 0, result["error_examples"]
    assert result["positions_stored"] >= 4 * 5 and result["positions_per_s"] > 0
    console = result["position_to_console_ms"]
    assert console["count"] >= 2 * result["positions_stored"] * 0.8  # every console hears (nearly) every fix
    assert 0 < console["median"] <= console["p95"]
    assert result["assignment_to_officer_ms"]["count"] >= 1 and result["assignments"] >= 1
    assert "position -> console" in live_text(result)


@pytest.mark.slow
def test_scale_benchmark_prints_the_table_for_both_cities(chengdu):
    """``patrol bench scale --quick`` (a small generated city and Chengdu, three steps): the public JSON keys,
    every step in its own process with its peak memory, and the incremental proof equal to a full one."""
    import json

    from click.testing import CliRunner

    from cli.main import _register, cli

    _register()
    answer = CliRunner().invoke(cli, ["bench", "scale", "--quick", "--step", "dispatch", "--step", "matrix",
                                      "--step", "coverage", "--json"])
    assert answer.exit_code == 0, answer.output
    result = json.loads(answer.output[answer.output.index("{"):])
    assert set(result["cities"]) == {"scale-quick", "chengdu"}
    for name, figures in result["cities"].items():
        assert set(figures["nodes"]) == {"foot", "ebike", "car"} and figures["nodes"]["foot"]["nodes"] > 1000, name
    rows = {(r["step"], r["city"]): r for r in result["steps"]}
    for city in ("scale-quick", "chengdu"):
        for step in ("dispatch_p95", "matrix_1000", "coverage_cold", "coverage_full", "coverage_warm", "coverage_one_zone"):
            row = rows[(step, city)]
            assert {"step", "city", "seconds", "peak_mb", "baseline_seconds", "ratio", "goal", "met"} <= set(row)
            assert row.get("error") is None and row["seconds"] > 0 and row["peak_mb"] > 50
            assert row["met"] in ((True, False) if row["goal"] else (None,))  # a step the issue sets no goal for
        assert rows[("dispatch_p95", city)]["ratio"] > 1  # faster than networkx
        assert rows[("coverage_one_zone", city)]["same_as_full"] is True
        assert rows[("coverage_one_zone", city)]["zones_recomputed"] >= 1
