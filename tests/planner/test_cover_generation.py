"""Set covering over every node without a node x demand matrix (``planner.cover_generation``): its coverage
columns and rows (``planner.cover_reach``) against the router's matrix, its answer and bound against the exact solve over the full matrix (HiGHS on
every node), on Chengdu and Andorra."""

import time

import numpy as np
import pytest

from planner import cover_generation, cover_reach
from planner.cover_generation import set_cover_every_node
from planner.cover_reach import ArrivalIndex, alike_rows, coverage_columns
from planner.location import set_cover
from planner.standby import coverage_from, street_demand

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("name,mode", [("chengdu", "foot"), ("chengdu", "car"), ("andorra", "ebike")])
def test_coverage_columns_equal_the_router_matrix(cities, name, mode):
    router = cities[name].router(mode)
    demand, _ = street_demand(router)
    nodes = np.random.default_rng(3).choice(router.network.size, 150, replace=False)
    arrivals = ArrivalIndex([router.arrival_options(place) for place in demand], router.network.size)
    ours = coverage_columns(router.network, nodes, arrivals, 420.0, chunk=40)
    reference = router.matrix([int(router.network.node_ids[c]) for c in nodes], demand, limit_s=420.0) <= 420.0
    assert ours.shape == reference.T.shape and reference.any()
    assert np.array_equal(ours.toarray(), reference.T)


@pytest.mark.parametrize("name,mode,limit_s,fixing_cuts", [("chengdu", "foot", 300.0, False),
                                                          ("andorra", "ebike", 240.0, True)])
def test_every_node_cover_meets_the_full_matrix_optimum(cities, name, mode, limit_s, fixing_cuts, monkeypatch):
    """Started from 60 sampled nodes, column generation converges and the answer is the optimum over every node
    (HiGHS on the full matrix), proven (bound = optimum), and the cover covers."""
    monkeypatch.setattr(cover_generation, "START_SAMPLE", 60)
    router = cities[name].router(mode)
    demand, _ = street_demand(router)
    demand = demand[::3]  # a third of the demand points: the full solve stays quick
    every = np.arange(router.network.size)
    full = coverage_from(router, every, demand, limit_s)
    exact = set_cover(full, time_limit_s=120)
    assert exact.optimal
    ours, candidates, facts = set_cover_every_node(router, demand, limit_s, time_limit_s=120)
    assert facts["rounds"] >= 2 and facts["columns_generated"] > 0 and facts["candidates_priced"] == len(every)
    assert ours.bound is not None and ours.bound <= exact.objective + 1e-9
    assert ours.uncoverable == exact.uncoverable
    chosen = full[:, candidates[ours.chosen]]
    covered = np.asarray(chosen.sum(axis=1)).ravel() > 0
    assert covered[np.asarray(full.sum(axis=1)).ravel() > 0].all()
    assert facts["converged"] and facts["fixing_proves"]  # small cities: every node priced out, fixing proves
    assert ours.objective == exact.objective and ours.optimal and ours.bound == exact.objective
    # reduced-cost fixing leaves fewer candidates when the relaxation is close to the optimum (Andorra); on
    # Chengdu's walking streets at 5 minutes it is not, and every node stays in
    assert (facts["candidates_solved"] < len(every)) == fixing_cuts


def test_city_set_cover_takes_every_node_beyond_the_matrix_limit(andorra, monkeypatch):
    """``city_set_cover`` (what ``zones standby`` runs): beyond MAX_COVERAGE_PAIRS it prices every node instead of
    sampling; the answer equals the one over the full matrix, says how it was found, and the command line says so."""
    from cli.zones import standby_text
    from planner import standby

    target = andorra.profile.target_s("stray_dog")
    whole = standby.city_set_cover(andorra, "car", target_s=target, time_limit_s=60)
    assert "candidate_reduction" not in whole and not whole["candidates_sampled"]
    monkeypatch.setattr(standby, "MAX_COVERAGE_PAIRS", 1000)
    priced = standby.city_set_cover(andorra, "car", target_s=target, time_limit_s=60)
    assert priced["candidates_sampled"] is False and priced["candidate_reduction"]["candidates_priced"] == whole["graph_nodes"]
    assert priced["objective"] == whole["objective"] and priced["bound"] <= whole["objective"]
    assert priced["uncoverable_points"] == whole["uncoverable_points"]
    text = standby_text(priced, target)
    assert f"every one of {whole['graph_nodes']} nodes priced" in text and "bound over every node" in text


@pytest.mark.parametrize("name,mode", [("chengdu", "foot"), ("andorra", "ebike")])
def test_reach_rows_equal_the_router_matrix(cities, name, mode):
    """``reach_rows`` (backward searches from the places, every node) equals the router's forward matrix."""
    router = cities[name].router(mode)
    demand, _ = street_demand(router)
    places = [demand[i] for i in np.random.default_rng(5).choice(len(demand), 60, replace=False)]
    ours = cover_reach.reach_rows(router, [router.arrival_options(place) for place in places], 420.0)
    reference = router.matrix([int(node) for node in router.network.node_ids], places, limit_s=420.0) <= 420.0
    assert ours.shape == reference.T.shape and reference.any()
    assert np.array_equal(ours.toarray(), reference.T)


@pytest.mark.parametrize("name,mode,limit_s,programs", [("chengdu", "foot", 300.0, 5), ("andorra", "ebike", 240.0, 1)])
def test_integer_programs_over_some_rows_prove_the_optimum(cities, name, mode, limit_s, programs, monkeypatch):
    """With more demand rows than MAX_PRICED_ROWS (the big city), integer programs over some rows and every node
    give the bound (dropping rows relaxes the problem), adding the rows each answer leaves uncovered: on both
    cities they end with an answer that covers every row, the optimum over every node (HiGHS on the full matrix),
    proven, with a part of the rows (Chengdu: 14 programs, 1,057 of 2,514 rows)."""
    monkeypatch.setattr(cover_generation, "START_SAMPLE", 60)
    monkeypatch.setattr(cover_generation, "MAX_PRICED_ROWS", 100)
    router = cities[name].router(mode)
    demand, _ = street_demand(router)
    demand = demand[::3]
    every = np.arange(router.network.size)
    full = coverage_from(router, every, demand, limit_s)
    exact = set_cover(full, time_limit_s=120)
    ours, candidates, facts = set_cover_every_node(router, demand, limit_s, time_limit_s=120)
    assert facts["demand_rows_priced"] < facts["demand_rows"] and facts["row_programs"] >= programs
    assert facts["demand_rows_priced"] <= facts["row_program_rows"] < facts["demand_rows"]
    covered = np.asarray(full[:, candidates[ours.chosen]].sum(axis=1)).ravel() > 0
    assert covered[np.asarray(full.sum(axis=1)).ravel() > 0].all()
    assert ours.optimal and ours.objective == exact.objective and ours.bound == exact.objective


def test_the_last_rows_answer_is_mended_into_a_cover(cities, monkeypatch):
    """Stopped after one program over some rows (no time for a second), its answer plus a cover of the rows it
    leaves covers every row (checked on the full matrix) and costs at least the optimum; the bound holds."""
    monkeypatch.setattr(cover_generation, "MIN_PROGRAM_S", 1e9)
    router = cities["chengdu"].router("foot")
    demand, _ = street_demand(router)
    demand = demand[::3]
    full = coverage_from(router, np.arange(router.network.size), demand, 300.0)
    exact = set_cover(full, time_limit_s=120)
    arrive = [router.arrival_options(place) for place in demand]
    rows = np.flatnonzero(np.asarray(full.sum(axis=1)).ravel() > 0)
    arrivals = ArrivalIndex([arrive[i] for i in rows], router.network.size)
    facts = {}
    found = cover_generation._cover_some_rows(router, arrive, rows, rows[::20], np.ones(router.network.size), 300.0,
                                              cover_reach.grid_cells(router), arrivals, facts,
                                              deadline=time.perf_counter() + 60, progress=lambda message: None)
    assert facts["row_programs"] == 1 and facts["row_program_mended_cover"] == len(found.cover)
    assert found.bound <= exact.objective <= len(found.cover)
    assert (np.asarray(full[:, found.cover].sum(axis=1)).ravel() > 0)[rows].all()


@pytest.mark.parametrize("name,mode,limit_s", [("chengdu", "foot", 120.0), ("andorra", "ebike", 240.0)])
def test_a_program_split_into_its_independent_parts_has_the_whole_optimum(cities, name, mode, limit_s):
    """Rows no node links are solved apart (the big city's centre and towns): the parts' answers together cover
    every row at the optimum of the whole program (HiGHS on it whole), and their bounds add up to it; a second
    call with every part proven reuses them."""
    router = cities[name].router(mode)
    demand, _ = street_demand(router)
    arrive = [router.arrival_options(place) for place in demand[::10]]
    arrive = [options for options in arrive if min(cost for _, cost in options) <= limit_s]
    matrix = cover_reach.reach_rows(router, arrive, limit_s)
    whole = set_cover(matrix, time_limit_s=120)
    assert whole.optimal
    costs = np.ones(router.network.size)
    solved_parts = {}
    chosen, bound, optimal, by_solver, parts = cover_generation._solve_by_parts(
        matrix, costs, time.perf_counter() + 120, solved_parts)
    assert parts > 1 and optimal and by_solver and len(solved_parts) == parts
    assert len(chosen) == whole.objective and bound == whole.objective
    assert (np.asarray(matrix[:, chosen].sum(axis=1)).ravel() > 0).all()
    again = cover_generation._solve_by_parts(matrix, costs, time.perf_counter() + 1, solved_parts)
    assert np.array_equal(again[0], chosen) and again[1:] == (bound, True, True, parts)


@pytest.mark.parametrize("name,mode,limit_s", [("chengdu", "foot", 120.0), ("andorra", "ebike", 240.0)])
def test_the_small_parts_give_their_relaxations_columns(cities, name, mode, limit_s, monkeypatch):
    """The columns a small part's relaxation uses (candidates for the last program) keep that relaxation's optimum:
    the relaxation over them alone (SciPy's linprog) has the value over every node; no part above
    ``full_columns`` distinct columns gives any."""
    from scipy.optimize import linprog

    router = cities[name].router(mode)
    demand, _ = street_demand(router)
    arrive = [router.arrival_options(place) for place in demand[::10]]
    arrive = [options for options in arrive if min(cost for _, cost in options) <= limit_s]
    matrix = cover_reach.reach_rows(router, arrive, limit_s)
    costs = np.ones(router.network.size)
    supports = []
    cover_generation._solve_by_parts(matrix, costs, time.perf_counter() + 120, {}, supports=supports)
    assert len(supports) > 1

    def relaxation(columns):
        rows = matrix[:, columns]
        rows = rows[np.flatnonzero(np.diff(rows.tocsr().indptr))]
        return linprog(np.ones(len(columns)), A_ub=-rows.astype(float), b_ub=-np.ones(rows.shape[0]),
                       bounds=(0, 1), method="highs")

    for support in supports:
        part = np.flatnonzero(np.asarray(matrix[:, support].sum(axis=1)).ravel() > 0)
        every = np.unique(matrix[part].indices)
        whole, alone = relaxation(every), relaxation(support)
        assert whole.status == alone.status == 0 and abs(whole.fun - alone.fun) < 1e-6
        assert set(support.tolist()) <= set(every.tolist())
    monkeypatch.setattr(cover_generation, "ROWS_PROGRAM_SHARES",
                        cover_generation._Shares(0.5, 0.0, 0.1, full_columns=5))
    fewer = []
    cover_generation._solve_by_parts(matrix, costs, time.perf_counter() + 120, {}, supports=fewer)
    assert len(fewer) < len(supports)
    for support in fewer:
        part = np.flatnonzero(np.asarray(matrix[:, support].sum(axis=1)).ravel() > 0)
        every = np.unique(matrix[part].indices)
        assert len(alike_rows(matrix[part][:, every].T.tocsr())[0]) <= 5  # distinct columns


@pytest.mark.parametrize("name,mode,limit_s", [("chengdu", "foot", 180.0), ("andorra", "ebike", 240.0)])
def test_the_candidates_program_by_parts_meets_highs_over_the_same_candidates(cities, name, mode, limit_s):
    """The last program (every demand row, the candidates only) split into its parts, each through its relaxation:
    the optimum of HiGHS on the whole candidates' matrix, proven, a cover of every coverable row."""
    router = cities[name].router(mode)
    demand, _ = street_demand(router)
    demand = demand[::4]
    keep = np.arange(0, router.network.size, 3)
    cover = coverage_from(router, keep, demand, limit_s).tocsr()
    rows = np.flatnonzero(np.asarray(cover.sum(axis=1)).ravel() > 0)
    whole = set_cover(cover, time_limit_s=120)
    ours = cover_generation._candidates_by_parts(cover, keep, rows, np.ones(router.network.size),
                                                 time.perf_counter() + 120)
    assert whole.optimal and ours.optimal and ours.objective == whole.objective == ours.bound
    assert (np.asarray(cover[:, ours.chosen].sum(axis=1)).ravel() > 0)[rows].all()
    assert ours.uncoverable == np.setdiff1d(np.arange(len(demand)), rows).tolist()


@pytest.mark.parametrize("name,mode,limit_s", [("chengdu", "foot", 180.0), ("andorra", "ebike", 240.0)])
def test_the_local_search_meets_highs_on_a_city_matrix(cities, name, mode, limit_s):
    """The search the last program runs on a part above its bound (``improve_cover``), from the greedy cover of a
    city's candidates x demand matrix, reaches the optimum HiGHS proves on it, with a cover."""
    from planner.cover_search import improve_cover
    from planner.location import greedy_set_cover

    router = cities[name].router(mode)
    demand, _ = street_demand(router)
    cover = coverage_from(router, np.arange(0, router.network.size, 3), demand[::4], limit_s).tocsr()
    matrix = cover[np.flatnonzero(np.asarray(cover.sum(axis=1)).ravel() > 0)]
    exact = set_cover(matrix, time_limit_s=120)
    start = greedy_set_cover(matrix, np.ones(matrix.shape[1]))
    assert exact.optimal and len(start) > exact.objective
    found = improve_cover(matrix, start, time.perf_counter() + 120, target=int(exact.objective), max_steps=30_000)
    assert len(found) == exact.objective
    assert (np.asarray(matrix[:, found].sum(axis=1)).ravel() > 0).all()


@pytest.mark.parametrize("name,mode,limit_s", [("chengdu", "foot", 180.0), ("andorra", "ebike", 240.0)])
def test_a_part_whose_relaxation_runs_out_of_time_still_gets_a_cover(cities, name, mode, limit_s, monkeypatch):
    """A part whose relaxation does not end in its time (HiGHS given 1e-9 s: NaN, no columns) takes no bound from
    it: the program runs over every column, the answer covers every row, and the bound (the known one, or HiGHS'
    own over every column) stays at or below HiGHS' optimum."""
    router = cities[name].router(mode)
    demand, _ = street_demand(router)
    cover = coverage_from(router, np.arange(0, router.network.size, 3), demand[::4], limit_s).tocsr()
    matrix = cover[np.flatnonzero(np.asarray(cover.sum(axis=1)).ravel() > 0)]
    exact = set_cover(matrix, time_limit_s=120)
    real = cover_generation.Relaxation.solve
    value, duals, used = real(cover_generation.Relaxation(matrix.tocsc(), np.ones(matrix.shape[1])), 1e-9)
    assert np.isnan(value) and not duals.any() and len(used) == 0
    monkeypatch.setattr(cover_generation.Relaxation, "solve", lambda self, time_limit_s=None: real(self, 1e-9))
    picked, bound, proven, by_solver = cover_generation._solve_part(
        matrix, np.ones(matrix.shape[1]), 3.0, time.perf_counter() + 120, cover_generation.LAST_PROGRAM_SHARES)
    assert exact.optimal and by_solver
    assert (np.asarray(matrix[:, picked].sum(axis=1)).ravel() > 0).all()
    assert 3.0 <= bound <= exact.objective <= len(picked)
    assert proven == (bound == len(picked))


@pytest.mark.parametrize("name,mode", [("chengdu", "foot"), ("andorra", "ebike")])
def test_a_backup_covering_beyond_the_matrix_limit_spreads_its_candidates(cities, monkeypatch, name, mode):
    """Backup covering (every street twice) beyond MAX_COVERAGE_PAIRS: about MIN_SPREAD_CANDIDATES candidates, one
    per grid cell of the reported side (distinct cells, checked with ``grid_cells``), and the answer reaches every
    coverable demand point twice, or by all its candidates (checked on ``coverage_from`` over the chosen points)."""
    from cli.zones import standby_text
    from planner import standby

    city = cities[name]
    router = city.router(mode)
    target = city.profile.target_s("stray_dog")
    monkeypatch.setattr(standby, "MAX_COVERAGE_PAIRS", 1000)
    monkeypatch.setattr(standby, "MIN_SPREAD_CANDIDATES", 300)
    result = standby.city_set_cover(city, mode, target_s=target, time_limit_s=60, times=2)
    nodes, cell_m = standby.spread_candidates(router, 300)
    assert result["candidates_sampled"] and result["candidate_cell_m"] == round(cell_m, 1) and result["candidates"] == len(nodes)
    assert abs(len(nodes) - 300) <= 30 and len(np.unique(cover_reach.grid_cells(router, cell_m)[nodes])) == len(nodes)
    assert result["optimal"] and result["objective"] == result["count"] >= result["bound"]
    demand, _ = street_demand(router)
    limit_s = target - city.profile.turnout_s
    chosen = np.array([np.flatnonzero(router.network.node_ids == p["node"])[0] for p in result["points"]])
    reach = np.asarray(coverage_from(router, nodes, demand, limit_s).sum(axis=1)).ravel()
    twice = np.asarray(coverage_from(router, chosen, demand, limit_s).sum(axis=1)).ravel()
    assert np.all(twice >= np.minimum(2, reach)) and int((reach == 0).sum()) == result["uncoverable_points"]
    assert f"one per {round(cell_m, 1):g} m grid cell" in standby_text(result, target)


@pytest.mark.parametrize("name,mode", [("chengdu", "car"), ("andorra", "ebike")])
def test_a_p_center_on_a_big_graph_spreads_its_candidates(cities, monkeypatch, name, mode):
    """p-center beyond MAX_COVERAGE_PAIRS: candidates spread one per grid cell (as many as MAX_TIME_PAIRS allows, at
    least MIN_CENTER_CANDIDATES), and the worst response it reports is the one the router gives (its own matrix from
    the chosen points to every street sample)."""
    from planner import standby

    city = cities[name]
    router = city.router(mode)
    demand, _ = street_demand(router)
    monkeypatch.setattr(standby, "MAX_COVERAGE_PAIRS", 1000)
    monkeypatch.setattr(standby, "MAX_TIME_PAIRS", 40 * len(demand))
    monkeypatch.setattr(standby, "MIN_CENTER_CANDIDATES", 60)
    result = standby.city_p_center(city, mode, 3, time_limit_s=60)
    nodes, cell_m = standby.spread_candidates(router, 60)
    assert result["candidate_cell_m"] == round(cell_m, 1) and result["candidates"] == len(nodes)
    assert len(np.unique(cover_reach.grid_cells(router, cell_m)[nodes])) == len(nodes)
    times = router.matrix([p["node"] for p in result["points"]], demand).min(axis=0)
    worst = float(times[np.isfinite(times)].max()) + city.profile.turnout_s
    assert result["worst_response_s"] == pytest.approx(worst, abs=0.1) and len(result["points"]) <= 3
    many = standby.city_p_center(city, mode, 40, time_limit_s=60)  # K above MIN_CENTER_CANDIDATES / 2: twice K asked
    assert many["candidates"] >= 72 and len(many["points"]) <= 40 and many["worst_response_s"] <= result["worst_response_s"]
