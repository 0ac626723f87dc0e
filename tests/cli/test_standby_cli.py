"""`patrol zones standby`: the four models on the default city, each answer checked independently
(networkx travel times from the chosen points), strict JSON, honest reports, bad input in one line."""

import networkx as nx
import numpy as np
import pytest
from click.testing import CliRunner

from cli.main import _register, cli
from tests.conftest import strict_loads

_register()
pytestmark = pytest.mark.slow


def standby(*args):
    result = CliRunner().invoke(cli, ["zones", "standby", *args, "--json"])
    assert result.exit_code == 0, result.output
    return strict_loads(result.stdout)


def test_p_center_worst_response_is_what_networkx_measures(built_instance, chengdu):
    data = standby("--model", "p-center", "--k", "6", "--mode", "car", "--time-limit", "120")
    assert data["model"] == "p_center" and data["count"] == 6
    assert (data["status"] == "Optimal" and data["optimal"]) or data["time_limited"]  # a busy machine may cut it
    assert data["worst_response_s"] <= data["greedy_worst_response_s"]
    # Independent check: from the chosen nodes, networkx's multi-source Dijkstra to every graph node.
    router = chengdu.router("car")
    graph = nx.DiGraph()
    for u, v, edge in zip(router.network.edge_u, router.network.edge_v, router.network.edge_time_s, strict=True):
        a, b = int(router.network.node_ids[u]), int(router.network.node_ids[v])
        if not graph.has_edge(a, b) or graph[a][b]["weight"] > edge:
            graph.add_edge(a, b, weight=float(edge))
    reached = nx.multi_source_dijkstra_path_length(graph, {p["node"] for p in data["points"]}, weight="weight")
    times = np.array([reached.get(int(n), np.inf) for n in router.network.node_ids])
    assert np.sum(~np.isfinite(times)) <= data["uncoverable_points"]  # unreachable from every candidate
    turnout = chengdu.profile.turnout_s
    assert times[np.isfinite(times)].max() + turnout <= data["worst_response_s"] + 0.5  # nodes are demand too
    assert data["worst_street"]["name"]


def test_p_median_and_weighted_cover(built_instance, tmp_path):
    assert CliRunner().invoke(cli, ["incidents", "generate", "--days", "20"]).exit_code == 0
    data = standby("--model", "p-median", "--k", "4", "--mode", "ebike", "--time-limit", "60")
    assert data["model"] == "p_median" and data["count"] == 4
    assert data["mean_response_s"] <= data["greedy_mean_response_s"] + 1e-6
    assert data["reports_used"] + data["unreachable_reports"] + data["reports_left_out"] == data["reports"]
    plain = standby("--mode", "car")
    sites = tmp_path / "sites.csv"
    # Existing posts at the plain answer's points cost 0.1: the cheapest cover uses them.
    sites.write_text("lon,lat,cost\n" + "".join(f"{p['lon']},{p['lat']},0.1\n" for p in plain["points"]), encoding="utf-8")
    weighted = standby("--mode", "car", "--sites", str(sites), "--new-site-cost", "1")
    assert weighted["model"] == "weighted_set_cover"
    assert weighted["cost"] <= 0.1 * plain["count"] + 1e-9
    assert weighted["sites_chosen"] >= 1


def test_a_cut_search_still_answers_with_a_cover(built_instance):
    data = standby("--mode", "foot", "--time-limit", "0.01")
    assert data["count"] > 0 and data["count"] <= data["greedy_count"]
    assert data["time_limited"] is True and data["optimal"] is False
    assert data["status"] != "Optimal" and data["source"] in ("solver", "greedy")
    assert data["gap"] is None or data["gap"] > 0


@pytest.mark.parametrize("args, words", [
    (["--model", "p-center"], "needs --k"),
    (["--model", "p-median", "--k", "3"], "no stray-dog reports"),
    (["--sites", "missing.csv"], "cannot read the sites file"),
    (["--model", "p-center", "--k", "2", "--sites", "SITES"], "site costs apply to set covering only"),
    (["--sites", "BAD"], "row 3"),
])
def test_bad_input_is_one_line(built_instance, tmp_path, args, words):
    (tmp_path / "good.csv").write_text("lon,lat,cost\n104.07,30.66,0.5\n", encoding="utf-8")
    (tmp_path / "bad.csv").write_text("lon,lat,cost\n104.07,30.66,0.5\n104.07,x,1\n", encoding="utf-8")
    args = [str(tmp_path / "good.csv") if a == "SITES" else str(tmp_path / "bad.csv") if a == "BAD"
            else str(tmp_path / a) if a.endswith(".csv") else a for a in args]
    result = CliRunner().invoke(cli, ["zones", "standby", *args])
    errors = [line for line in result.output.splitlines() if line.startswith(("error", "Error"))]
    assert result.exit_code == 2 and len(errors) == 1 and words in result.output, result.output
    assert "Traceback" not in result.output


def test_backup_cover_puts_every_street_within_reach_of_two_points(built_instance, chengdu):
    plain = standby("--mode", "car")
    backup = standby("--model", "backup", "--mode", "car", "--time-limit", "60")
    assert backup["model"] == "backup_cover" and backup["times"] == 2 and backup["count"] >= max(2, plain["count"])
    router = chengdu.router("car")
    nodes = list(router.network.node_ids.tolist())
    limit = chengdu.profile.target_s("stray_dog") - chengdu.profile.turnout_s
    reach_all = router.matrix(nodes, nodes) <= limit + 1e-6  # candidate x node (every node is a candidate here)
    needed = np.minimum(2, reach_all.sum(axis=0))
    chosen = router.matrix([p["node"] for p in backup["points"]], nodes) <= limit + 1e-6
    assert np.all(chosen.sum(axis=0) >= needed)
    alias = standby("--model", "pcenter", "--k", "2", "--mode", "car", "--time-limit", "30")
    assert alias["model"] == "p_center"
