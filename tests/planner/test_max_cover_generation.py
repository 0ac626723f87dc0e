"""Maximal covering over every node without a node x report matrix (``planner.max_cover_generation``): its answer
and bound against HiGHS on the full matrix of every node, on Chengdu and Andorra."""

import numpy as np
import pytest

from planner import max_cover_generation
from planner.location import max_cover
from planner.max_cover_generation import max_cover_every_node
from planner.standby import coverage_from

pytestmark = pytest.mark.slow


def reports_near_nodes(router, count: int, seed: int):
    """``count`` reports scattered (about 80 m) around random nodes of the graph, as the store would snap them."""
    rng = np.random.default_rng(seed)
    nodes = router.graph.nodes
    ids = router.network.node_ids[rng.choice(router.network.size, count)]
    lons = np.array([nodes[int(i)]["x"] for i in ids]) + rng.normal(0, 0.0008, count)
    lats = np.array([nodes[int(i)]["y"] for i in ids]) + rng.normal(0, 0.0008, count)
    return lons, lats


@pytest.mark.parametrize("name,mode,limit_s,k", [("chengdu", "foot", 420.0, 6), ("andorra", "ebike", 240.0, 5)])
def test_every_node_max_cover_meets_the_full_matrix_optimum(cities, name, mode, limit_s, k, monkeypatch):
    """Started from 60 sampled nodes, column generation converges; the answer is HiGHS' optimum over the full
    matrix of every node, proven (bound = optimum), and the chosen nodes really reach that many reports. A report
    given twice (same place) is one row weighing two."""
    monkeypatch.setattr(max_cover_generation, "START_SAMPLE", 60)
    router = cities[name].router(mode)
    lons, lats = reports_near_nodes(router, 600, seed=11)
    lons, lats = np.concatenate([lons, lons[:50]]), np.concatenate([lats, lats[:50]])  # 50 reported twice
    snaps = router.snap_many(lons, lats, max_distance_m=np.inf)
    full = coverage_from(router, np.arange(router.network.size), snaps, limit_s)
    exact = max_cover(full, np.ones(len(snaps)), k, time_limit_s=120)
    assert exact.optimal and 0 < exact.objective < len(snaps)
    ours, candidates, facts = max_cover_every_node(router, snaps, np.ones(len(snaps)), k, limit_s, time_limit_s=120)
    assert facts["candidates_priced"] == router.network.size and facts["report_places"] <= len(snaps) - 50
    assert facts["rounds"] >= 2 and facts["columns_generated"] > 0 and facts["converged"] and facts["fixing_proves"]
    assert ours.objective == exact.objective and ours.optimal and ours.bound == exact.objective
    chosen = candidates[ours.chosen]
    assert len(chosen) <= k
    assert (np.asarray(full[:, chosen].sum(axis=1)).ravel() > 0).sum() == ours.objective  # reached, counted


def test_the_bound_holds_when_stopped_early(chengdu, monkeypatch):
    """Given no time for the rounds, the answer is still a valid one and its bound still holds for every node:
    at or above the full-matrix optimum."""
    monkeypatch.setattr(max_cover_generation, "START_SAMPLE", 20)
    monkeypatch.setattr(max_cover_generation, "PRICING_SHARE", 0.0)
    router = chengdu.router("foot")
    lons, lats = reports_near_nodes(router, 400, seed=4)
    snaps = router.snap_many(lons, lats, max_distance_m=np.inf)
    full = coverage_from(router, np.arange(router.network.size), snaps, 420.0)
    exact = max_cover(full, np.ones(len(snaps)), 4, time_limit_s=120)
    ours, candidates, facts = max_cover_every_node(router, snaps, np.ones(len(snaps)), 4, 420.0, time_limit_s=60)
    assert facts["rounds"] == 1
    assert ours.objective <= exact.objective <= ours.bound
    assert (np.asarray(full[:, candidates[ours.chosen]].sum(axis=1)).ravel() > 0).sum() == ours.objective


def test_city_max_cover_takes_every_node_beyond_the_matrix_limit(andorra, monkeypatch):
    """``city_max_cover`` (what ``zones standby --model max-cover`` runs): beyond MAX_COVERAGE_PAIRS it prices every
    node instead of sampling; the answer equals the one over the full matrix and the command line says how."""
    from cli.zones import standby_text
    from planner import standby

    router = andorra.router("car")
    lons, lats = reports_near_nodes(router, 300, seed=8)
    target = andorra.profile.target_s("stray_dog")
    whole = standby.city_max_cover(andorra, "car", 3, lons, lats, target_s=target, time_limit_s=60)
    assert "candidate_reduction" not in whole and not whole["candidates_sampled"] and whole["optimal"]
    monkeypatch.setattr(standby, "MAX_COVERAGE_PAIRS", 1000)
    said = []
    priced = standby.city_max_cover(andorra, "car", 3, lons, lats, target_s=target, time_limit_s=60,
                                    progress=said.append)
    assert not priced["candidates_sampled"] and priced["candidate_reduction"]["candidates_priced"] == router.network.size
    assert priced["covered_reports"] == whole["covered_reports"] and priced["optimal"]
    assert any("round 1" in line for line in said)
    text = standby_text(priced, target)
    assert f"every one of {router.network.size} nodes priced" in text and "proven optimal" in text
