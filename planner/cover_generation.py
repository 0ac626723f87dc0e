"""Set covering over every node of a big mode graph, with an honest bound over every node.

A node x demand coverage matrix of a 60,000-node city is some 300 million pairs; this never builds it:

1. **Column generation** on the linear relaxation. The columns (candidate nodes) start as a seeded sample plus
   the nodes that cover what the sample misses; each round solves the relaxation with HiGHS and *prices every
   node of the graph* with its duals: a node's reduced cost is its cost less the duals of the demand points it
   reaches in time, found by one backward search (bounded at the target) from each demand point with a positive
   dual (a few hundred: under a second). The nodes with the most negative reduced cost, one per 400 m cell, join.
   Every round gives two lower bounds that hold for *every* node: ``y.b + sum of the negative reduced costs``
   (Lagrangian) and ``y.b / max(reach / cost)`` (Farley); once no node prices in, the relaxation's value itself.
2. **Reduced-cost fixing** (once converged): a cover that uses node k costs at least ``bound + reduced cost of
   k``; so only the nodes with ``bound + reduced cost <= UB - 1`` (unit costs; UB the greedy cover) can be in a
   better cover, and the integer program over them is optimal over every node.
3. Beyond MAX_PRICED_ROWS demand rows (the big city: one relaxation of 2,300 columns x 100,000 distinct rows
   takes HiGHS 80-130 s) the work is split: a few rounds over every row give the integer program its candidates
   (the sample and every column some relaxation used); then the bound comes from **integer programs over some
   rows with every node a candidate** (row generation): one demand row per 1,200 m cell first, then, one per
   400 m cell, the rows the last answer leaves uncovered. Dropping rows relaxes the problem, so each program's
   bound holds for every node, and it is far stronger than the relaxation's over the same rows (big city, 2,860
   rows: 54 against 52; on Chengdu the programs end at the optimum with 42 % of the rows). Each program splits
   into its independent parts (the big city's centre and towns), each first without its dominated columns and
   redundant rows (``planner.cover_reduce``); a part is solved through its relaxation: the bound is its value
   rounded up (or a part's earlier bound over fewer rows), and the integer program over the columns the
   relaxation uses usually meets it, which proves it (only if not, the program over every column).
   The last program, over the candidates and every row, is split the same way; each part there goes first to a
   local search (``planner.cover_search``, equal costs) from the greedy cover, then, while above its bound, to the
   programs. An answer that covers every row is a cover, optimal when its program was; else the last answer is
   mended into one (a cover of the rows it leaves, every node a candidate), which replaces the candidates' answer
   when cheaper. The answer reports both gaps: over the candidates solved, and over every node.

Who reaches what (coverage columns, a place's row over every node, pricing) comes from ``planner.cover_reach``.
Times in seconds on the mode's graph; demand points are places (node ids or snapped points).
"""

import logging
import math
import time
from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp

from planner.cover_reach import (
    ArrivalIndex,
    alike_rows,
    coverage_columns,
    grid_cells,
    own_node,
    reach_rows,
    reach_scores,
    spread_out,
)
from planner.cover_reduce import covering_core
from planner.cover_search import improve_cover
from planner.location import LocationSolution, greedy_set_cover, quiet_highs, set_cover

__all__ = ["ADD_PER_ROUND", "MAX_FIXED_CANDIDATES", "START_SAMPLE", "Relaxation", "set_cover_every_node"]

_log = logging.getLogger(__name__)

START_SAMPLE = 500  # seeded sample of nodes the first columns come from
ADD_PER_ROUND = 600  # priced-in nodes added per round: the most negative reduced cost of each grid cell
MAX_FIXED_CANDIDATES = 4_000  # reduced-cost fixing is used when it leaves at most these candidates
PRICING_SHARE = 0.35  # of the time limit, at most, for the rounds of column generation (the rest: the integer program)
COLUMNS_SHARE = 0.2  # on a big graph: until this share of the time limit, rounds over every row (the columns) ...
ROWS_SHARE = 0.6  # ... then, until this share, integer programs over some rows and every node (the bound); the rest
# of the time, the integer program over the candidates (those rounds' columns and the programs' answers), by parts
FIRST_ROWS_CELL_M = 1200.0  # metres: the first of those programs takes one demand row per cell this size; each
# next adds, one per CELL_M cell, the rows the last answer leaves uncovered (started at CELL_M, the big city's first
# program alone took 88 s for a bound of 54; from 1,200 m: 42, 51, 52 in 35 s, and 61 after 320 s)
MIN_PROGRAM_S = 5.0  # seconds: no further program with less time than this left
MEND_SHARE = 0.05  # of the time for those programs, kept to mend the last answer into a cover
PROGRAM_SHARE = 0.5  # of the time left for them, at most, for any one of those programs (a hard one cannot stall
# the rest: the big city's fourth took 157 s to prove what its incumbent already was)
FULL_PROGRAM_SHARE = 0.1  # of the time left, at most, for a part's program over every column (when the one over
# the relaxation's columns stays above the bound: proving one more point on the big city's centre took 143 s) ...
FULL_PROGRAM_MAX_COLUMNS = 10_000  # ... if it has at most this many distinct columns (the big city's two towns
# joined by rural rows, 7,065: proven in 1.2 s; its centre, 17,000-20,000: never in the 8-10 s it had, 3 runs)
SEARCH_SHARE = 0.0  # of the time left, at most, for a part's local search (equal costs) when that answer is above
# the bound (before the program over every column): none in the rows' programs (on the big city it rarely met the
# bound there and slowed the programs, bound 61 at 169 s instead of 121-152 s)
LAST_SEARCH_SHARE = 0.6  # the same three for the last program (over the candidates and every row), the search
LAST_SUPPORT_SHARE = 0.2  # first there: the big parts' programs seldom end (the big city's centre: 15 points after
LAST_PROGRAM_SHARE = 0.5  # 20-45 s) where the search finds 14 in 5-23 s, and the towns' 6 in 0.3 s; biggest first
MAX_PRICED_ROWS = 20_000  # demand rows the relaxation takes whole; beyond, the bound comes from integer programs
# over some rows (the big city's 184,000 rows made each relaxation take minutes)
LP_GROWTH = 4.0  # each round's relaxation took up to ~3.5x the last one on the big city


def set_cover_every_node(router, demand: list, limit_s: float, *, costs: np.ndarray | None = None,
                         time_limit_s: float = 300.0, progress=lambda message: None):
    """The cheapest set of nodes of ``router``'s graph reaching every coverable demand place within ``limit_s``
    seconds (``costs`` per node, default 1), over every node, within about ``time_limit_s`` seconds. Returns
    ``(solution, candidates, facts)``: ``solution`` indexes ``candidates`` (node indices); its bound and gap hold
    for every node; ``facts`` says how it was reached (rounds, rows priced, candidates solved, both bounds)."""
    started = time.perf_counter()
    n = router.network.size
    costs = np.ones(n) if costs is None else np.asarray(costs, dtype=float)
    integral = bool(np.all(costs == np.round(costs)))
    arrive = [router.arrival_options(place) for place in demand]
    coverable = np.array([min(cost for _, cost in options) <= limit_s for options in arrive])
    rows = np.flatnonzero(coverable)
    cells = grid_cells(router)
    every_row = len(rows) <= MAX_PRICED_ROWS
    priced_rows = rows if every_row else rows[np.sort(np.unique(grid_cells(router, FIRST_ROWS_CELL_M)[
        [own_node(arrive[i]) for i in rows]], return_index=True)[1])]
    facts = {"rounds": 0, "columns_generated": 0, "converged": False, "demand_rows": len(rows),
             "demand_rows_priced": len(priced_rows)}
    if every_row:
        priced = _generate(router, [arrive[i] for i in rows], costs, limit_s, cells, facts,
                           deadline=started + PRICING_SHARE * time_limit_s, label="", progress=progress)
        facts["converged"] = priced.converged
    else:  # a few rounds on every row for the columns of the integer program; the bound comes from rows' programs
        priced = _generate(router, [arrive[i] for i in rows], costs, limit_s, cells, facts,
                           deadline=started + COLUMNS_SHARE * time_limit_s, label="every row: ", progress=progress)
    lower, useful, first = priced.lower, set(priced.useful), priced.first
    columns, lagrangian, reduced, arrivals = priced.columns, priced.lagrangian, priced.reduced, priced.arrivals

    def coverage_of(nodes):
        return coverage_columns(router.network, nodes, arrivals, limit_s)

    solved = _Solved(columns, priced.cover, rows, len(demand), coverage_of)
    keep = np.array(sorted(useful), dtype=np.int64)
    by_rows = None
    if not every_row:  # the bound: integer programs over some rows and every node; their points join the candidates
        by_rows = _cover_some_rows(router, arrive, rows, priced_rows, costs, limit_s, cells, arrivals, facts,
                                   deadline=started + ROWS_SHARE * time_limit_s, progress=progress)
        lower = max(lower, by_rows.bound)
        keep = np.union1d(keep, by_rows.candidates)
    short = np.flatnonzero(np.asarray(solved.matrix(keep)[rows].sum(axis=1)).ravel() == 0)
    if len(short):  # rows no candidate reaches yet: the node each sits on
        keep = np.union1d(keep, [own_node(arrive[rows[i]]) for i in short])
    progress(f"  integer program over {len(keep)} candidates (bound over every node {lower:.2f})")
    if every_row:
        solution = set_cover(solved.matrix(keep), costs=costs[keep], time_limit_s=_left(started, time_limit_s))
    else:
        solution = _candidates_by_parts(solved.matrix(keep), keep, rows, costs, started + time_limit_s - 2.0)
        if by_rows.cover is not None and costs[by_rows.cover].sum() < solution.objective - 1e-9:
            before, keep = keep, np.union1d(keep, by_rows.cover)  # their cover is better: the answer
            at = {node: k for k, node in enumerate(keep.tolist())}
            solution = replace(solution, chosen=sorted(at[int(node)] for node in by_rows.cover),
                               greedy_chosen=sorted(at[int(node)] for node in before[solution.greedy_chosen]),
                               objective=float(costs[by_rows.cover].sum()), source="solver")
    fixing_proves, first_keep = False, keep
    if facts["converged"]:  # reduced-cost fixing: the nodes that can be in a cover better than this one
        upper = solution.objective
        better_by = 1.0 if integral else 1e-9  # a better cover costs at least this much less
        fixed = np.flatnonzero(lagrangian + np.maximum(reduced, 0) <= upper - better_by + 1e-6)
        if len(fixed) <= MAX_FIXED_CANDIDATES:
            fixing_proves = True
            if len(np.setdiff1d(fixed, keep)):  # some could still do better: solve over them too
                keep = np.union1d(keep, fixed)
                progress(f"  {len(fixed)} nodes can be in a better cover: integer program over {len(keep)}")
                again = set_cover(solved.matrix(keep), costs=costs[keep], time_limit_s=_left(started, time_limit_s))
                if again.objective <= solution.objective:
                    solution = again
                else:  # the first cover stays; its candidates by index in the new set
                    at = {node: k for k, node in enumerate(keep.tolist())}
                    solution = replace(again, chosen=[at[int(node)] for node in first_keep[solution.chosen]],
                                       objective=solution.objective)
    facts.update(candidates_priced=n, first_candidates=len(first), candidates_solved=len(keep),
                 fixing_proves=fixing_proves, bound_every_node=round(lower, 4),
                 bound_over_candidates=solution.bound, gap_over_candidates=solution.gap)
    bound = math.ceil(lower - 1e-6) if integral else lower
    if fixing_proves and solution.bound is not None:  # a better cover than ``upper`` uses these candidates only
        bound = max(bound, min(solution.bound, upper))
    bound = min(bound, solution.objective)
    solution = replace(solution, bound=float(bound), seconds=time.perf_counter() - started)
    return solution, keep, facts


@dataclass
class _Generated:
    columns: np.ndarray  # node indices, in the order of ``cover``'s columns
    cover: sp.csc_matrix  # demand rows priced x columns
    arrivals: "ArrivalIndex"
    first: np.ndarray  # the columns it started from
    useful: set  # those and every column some relaxation used
    lower: float  # the best bound over every node
    lagrangian: float  # the last round's Lagrangian bound and reduced costs (for fixing)
    reduced: np.ndarray
    converged: bool


def _generate(router, arrive_rows: list, costs, limit_s: float, cells, facts: dict, *, deadline: float, label: str,
              progress) -> _Generated:
    """Column generation on the relaxation over these demand rows (their arrival options), from a seeded sample,
    until no node prices in or ``deadline`` (perf_counter seconds) would be passed."""
    n = router.network.size
    arrivals = ArrivalIndex(arrive_rows, n)

    def coverage_of(nodes):
        return coverage_columns(router.network, nodes, arrivals, limit_s)

    columns = np.sort(np.random.default_rng(0).choice(n, size=min(n, START_SAMPLE), replace=False))
    cover = coverage_of(columns)
    missing = np.flatnonzero(np.diff(cover.tocsr().indptr) == 0)
    if len(missing):  # demand the sample misses: the node it sits on (or its nearest end) covers it
        extra = np.setdiff1d(np.unique([own_node(arrive_rows[i]) for i in missing]), columns)
        columns = np.concatenate([columns, extra])
        cover = sp.hstack([cover, coverage_of(extra)]).tocsc()
    relaxation = Relaxation(cover, costs[columns])
    first, useful, lower, converged = columns.copy(), set(columns.tolist()), -math.inf, False
    while True:
        clock = time.perf_counter()
        value, duals, used = relaxation.solve()
        useful.update(columns[used].tolist())
        lp_s, clock = time.perf_counter() - clock, time.perf_counter()
        scores = reach_scores(router, [arrive_rows[i] for i in np.flatnonzero(duals > 0)], duals[duals > 0], limit_s)
        pricing_s = time.perf_counter() - clock
        reduced = costs - scores
        lagrangian = float(duals.sum() + np.minimum(reduced, 0).sum())  # a lower bound for every node
        farley = float(duals.sum() / max(1e-12, np.max(scores / costs)))  # so is this (Farley's)
        lower = max(lower, lagrangian, farley)
        facts["rounds"] += 1
        in_columns = np.zeros(n, dtype=bool)
        in_columns[columns] = True
        entering = np.flatnonzero(~in_columns & (reduced < -1e-9))
        if not len(entering):
            converged = True
            lower = max(lower, value)
        progress(f"  {label}round {facts['rounds']}: relaxation {value:.2f} over {len(columns)} candidates, bound "
                 f"over every node {lower:.2f}, {len(entering)} nodes priced in (relaxation {lp_s:.1f} s, pricing "
                 f"{int((duals > 0).sum())} demand points {pricing_s:.1f} s)")
        if not len(entering) or time.perf_counter() + LP_GROWTH * lp_s > deadline:
            break  # converged, or the next (bigger) relaxation would not end in time
        entering = spread_out(entering[np.argsort(reduced[entering], kind="stable")], cells)[:ADD_PER_ROUND]
        columns = np.concatenate([columns, entering])
        relaxation.add(coverage_of(entering), costs[entering])
        facts["columns_generated"] += len(entering)
    return _Generated(columns, relaxation.cover, arrivals, first, useful, lower, lagrangian, reduced, converged)


def _candidates_by_parts(cover: sp.csr_matrix, keep: np.ndarray, rows: np.ndarray, costs: np.ndarray,
                         deadline: float) -> LocationSolution:
    """The set covering of every coverable demand row over the candidate nodes ``keep`` (``cover``: all demand x
    ``keep``), split into its independent parts and each solved like a rows' program part (``_solve_by_parts``);
    the bound is over these candidates. ``deadline``: perf_counter seconds."""
    started = time.perf_counter()
    coverable = cover[rows].tocsr()
    every_node = sp.csr_matrix((coverable.data, keep[coverable.indices], coverable.indptr),
                               shape=(coverable.shape[0], len(costs)))
    chosen, bound, optimal, _, _ = _solve_by_parts(every_node, costs, deadline, {}, shares=LAST_PROGRAM_SHARES)
    greedy = greedy_set_cover(coverable, costs[keep])
    at = {node: k for k, node in enumerate(keep.tolist())}
    value, greedy_value = float(costs[chosen].sum()), float(costs[keep][greedy].sum())
    use_solver = value <= greedy_value
    uncoverable = np.setdiff1d(np.arange(cover.shape[0]), rows).tolist()
    return LocationSolution("set_cover", "min", sorted(at[int(node)] for node in chosen) if use_solver else
                            sorted(greedy), value if use_solver else greedy_value, bound,
                            "Optimal" if optimal and use_solver else "Time limit reached",
                            "solver" if use_solver else "greedy", sorted(greedy), greedy_value, value,
                            not optimal, time.perf_counter() - started, uncoverable)


@dataclass
class _SomeRows:
    bound: float  # the best bound of the integer programs over some rows: it holds for every node
    cover: np.ndarray | None  # node indices covering every row: the last answer, mended (None: no time to mend it)
    candidates: np.ndarray  # every node some program's answer took, and the columns the last program's relaxations
    # used on its small parts (the towns; an early program's centre is small too, and its columns made the last
    # program too slow): good candidates for a cover of every row


def _cover_some_rows(router, arrive: list, rows: np.ndarray, first_rows: np.ndarray, costs, limit_s: float, cells,
                     arrivals: "ArrivalIndex", facts: dict, *, deadline: float, progress) -> _SomeRows:
    """Integer programs over a subset of the demand rows with *every node* a candidate (row generation): dropping
    rows relaxes the problem, so each one's bound holds for every node. The first takes ``first_rows`` (one per
    cell); each next one adds, one per cell, the rows the last answer leaves uncovered, while the time to
    ``deadline`` (perf_counter seconds) allows; the last answer the solver gave (every part) is then mended into a
    cover (its points and a cover of the rows it leaves, every node a candidate). ``rows``: the coverable demand rows
    (``arrivals`` is indexed by their positions)."""
    taken = np.asarray(first_rows)
    matrix = reach_rows(router, [arrive[i] for i in taken], limit_s)
    mend_s = MEND_SHARE * max(0.0, deadline - time.perf_counter())
    best, to_mend, solved_parts, part_bounds, seen = -math.inf, None, {}, {}, np.zeros(0, dtype=np.int64)
    while True:
        clock = time.perf_counter()
        supports = []
        chosen, bound, optimal, by_solver, parts = _solve_by_parts(matrix, costs, deadline - mend_s, solved_parts,
                                                                   part_bounds, supports=supports)
        best = max(best, bound)
        missed = _missed(router, chosen, arrivals, limit_s)
        if by_solver or to_mend is None:  # the last answer the solver gave is the one to mend (greedy's can be poor)
            to_mend = (chosen, missed)
        facts["row_programs"] = facts.get("row_programs", 0) + 1
        facts.update(row_program_rows=len(taken), row_program_bound=bound, row_program_parts=parts)
        progress(f"  integer program over {len(taken)} demand rows and every node ({parts} independent parts): "
                 f"{len(chosen)} points ({'optimal' if optimal else 'not proven'}), bound over every node "
                 f"{best:.2f}; its points leave {len(missed)} of {len(rows)} rows uncovered "
                 f"({time.perf_counter() - clock:.0f} s)")
        seen = np.union1d(seen, chosen)
        candidates = np.union1d(seen, np.concatenate([chosen, *supports]))  # (supports: this program's only)
        if not len(missed):
            return _SomeRows(best, chosen, candidates)
        if deadline - mend_s - time.perf_counter() < MIN_PROGRAM_S:
            break
        cell_of_missed = cells[[own_node(arrive[rows[i]]) for i in missed]]
        adding = np.setdiff1d(rows[missed[np.sort(np.unique(cell_of_missed, return_index=True)[1])]], taken)
        if not len(adding):
            break
        taken = np.concatenate([taken, adding])
        matrix = sp.vstack([matrix, reach_rows(router, [arrive[i] for i in adding], limit_s)]).tocsr()
    chosen, missed = to_mend
    around = reach_rows(router, [arrive[rows[i]] for i in missed], limit_s)  # the rows left, every node
    columns = _cheapest_distinct_columns(around, costs)
    mend = set_cover(around[:, columns], costs=costs[columns], time_limit_s=max(1.0, deadline - time.perf_counter()))
    cover = np.union1d(chosen, columns[mend.chosen])
    if len(_missed(router, cover, arrivals, limit_s)):
        return _SomeRows(best, None, candidates)
    facts["row_program_mended_cover"] = float(costs[cover].sum())
    progress(f"  its answer mended: {len(cover)} points cover every row")
    return _SomeRows(best, cover, candidates)


def _solve_by_parts(matrix: sp.csr_matrix, costs: np.ndarray, deadline: float, solved_parts: dict,
                    part_bounds: dict | None = None, *, shares: "_Shares | None" = None,
                    supports: list | None = None):
    """The set covering of ``matrix``'s rows (rows x every node), split into its independent parts (rows that no
    node links: the big city's centre and towns), each solved by ``_solve_part``, the biggest first. A part proven
    before with the same rows (``solved_parts``, by its row numbers, kept up to date) is not solved again.
    ``part_bounds`` (kept up to date): a bound per part of an earlier program over fewer rows, by its first row;
    the parts now holding those rows cost at least their sum (more rows, and parts only ever merge). Returns
    (chosen node indices, bound = the sum of the parts' bounds, whether every part is proven optimal, whether
    every part has an answer from the solver or the search (not greedy), the number of parts). ``shares``: see
    ``_solve_part`` (default: a rows' program's). ``supports`` (a list, if given) gets the node indices the small
    parts' relaxations use (see ``_solve_part``)."""
    from scipy.sparse.csgraph import connected_components

    row_count = matrix.shape[0]
    linked = sp.bmat([[None, matrix.astype(np.int8)], [matrix.T.astype(np.int8), None]]).tocsr()
    _, labels = connected_components(linked, directed=False)
    row_labels = labels[:row_count]
    parts = np.unique(row_labels)
    parts = parts[np.argsort(-np.bincount(row_labels)[parts], kind="stable")]
    known = {}
    for row, part_bound in (part_bounds or {}).items():
        known[row_labels[row]] = known.get(row_labels[row], 0.0) + part_bound
    chosen, bound, optimal, solver_only, bounds = [], 0.0, True, True, {}
    for part in parts:
        key = tuple(np.flatnonzero(row_labels == part).tolist())
        if key in solved_parts:  # proven before: the same answer
            part_chosen, part_bound = solved_parts[key]
        else:
            part_rows = matrix[row_labels == part]
            nodes = np.unique(part_rows.indices)
            used = [] if supports is not None else None
            picked, part_bound, proven, by_solver = _solve_part(part_rows[:, nodes], costs[nodes],
                                                                known.get(part, 0.0), deadline,
                                                                shares or ROWS_PROGRAM_SHARES, supports=used)
            if supports is not None:
                supports.extend(nodes[columns] for columns in used)
            part_chosen = nodes[picked]
            optimal, solver_only = optimal and proven, solver_only and by_solver
            if proven:
                solved_parts[key] = (part_chosen, part_bound)
        chosen.append(part_chosen)
        bound += part_bound
        bounds[key[0]] = part_bound
    if part_bounds is not None:
        part_bounds.clear()
        part_bounds.update(bounds)
    found = np.unique(np.concatenate(chosen)) if chosen else np.zeros(0, dtype=np.int64)
    return found, bound, optimal, solver_only, len(parts)


def _solve_part(local: sp.csr_matrix, costs: np.ndarray, known: float, deadline: float, shares: "_Shares", *,
                supports: list | None = None):
    """One independent part (rows x its nodes), without its dominated columns and redundant rows (``covering_core``:
    the same optimum and relaxation; ``shares.full_columns`` counts the distinct columns before that): the linear
    relaxation (HiGHS), then the integer program over the columns the relaxation uses; with integral costs the
    bound is the relaxation's value rounded up (or ``known``, if higher), and an answer at that bound is optimal
    (the big city's centre: 7 s, where HiGHS on every column spent 60-70 s in its root cuts before finding the same
    answer). With equal costs the local search
    (``improve_cover``) runs too: first from greedy's cover (``shares.search_first``, the last program) or after
    that program from its answer; then, on at most ``shares.full_columns`` columns, the integer program over every
    column; each only while the answer stays above the bound, in at most its share (``shares``) of the time left to
    ``deadline``. A relaxation that does not end in the program's share gives no bound (``known`` stays), and the
    program then runs over every column. ``supports`` (a list, if given) gets the columns the relaxation uses, on a
    part of at most ``shares.full_columns`` columns (the big city's towns: candidates for the last program that
    found the 12 points of two towns joined by rural rows where the programs' answers alone left 13).
    Returns (chosen columns of ``local``, bound, proven optimal, found by the solver or the search, not greedy)."""
    columns = _cheapest_distinct_columns(local, costs)
    small = len(columns) <= shares.full_columns  # (distinct columns, before the reductions)
    core_rows, core_columns = covering_core(local[:, columns], costs[columns])  # (a rows' program's centre on the
    # big city, 1,049 rows x 20,696 distinct columns: 886 x 8,714 in 0.9 s)
    columns = columns[core_columns]
    matrix, column_costs = local[core_rows][:, columns].tocsc(), costs[columns]
    value, _, used = Relaxation(matrix, column_costs).solve(
        time_limit_s=max(1.0, shares.program * (deadline - time.perf_counter())))
    integral = bool(np.all(column_costs == np.round(column_costs)))
    if math.isnan(value):  # the relaxation did not end in its time: no bound from it, every column in the program
        lower, used = known, np.arange(len(columns))
    else:
        lower = max(known, math.ceil(value - 1e-6) if integral else value)
        if supports is not None and small:
            supports.append(columns[used])
    tries = [(used, shares.program)]
    if shares.search > 0 and np.all(column_costs == column_costs[0]):
        tries.insert(0 if shares.search_first else 1, (None, shares.search))
    if len(used) < len(columns) and small:
        tries.append((np.arange(len(columns)), shares.full))
    best, best_value, bound, by_solver = None, math.inf, lower, False
    for among, share in tries:
        if best is not None and deadline - time.perf_counter() < MIN_PROGRAM_S:
            break
        clock, budget = time.perf_counter(), max(1.0, share * (deadline - time.perf_counter()))
        over = len(columns) if among is None else len(among)
        if among is None:  # the local search, from the best answer so far (or greedy's)
            start = best if best is not None else greedy_set_cover(matrix, column_costs)
            picked = improve_cover(matrix, start, clock + budget, target=int(math.ceil(bound / column_costs[0] - 1e-6)))
            status = "local search"
        else:
            solved = set_cover(matrix[:, among], costs=column_costs[among], greedy_start=False, time_limit_s=budget)
            greedy_better = not solved.chosen or solved.greedy_objective < solved.objective  # (HiGHS stopped early)
            picked, status = among[solved.greedy_chosen if greedy_better else solved.chosen], solved.status
            if len(among) == len(columns) and solved.bound is not None:  # HiGHS' own bound over every column
                bound = max(bound, math.ceil(solved.bound - 1e-6) if integral else solved.bound)
        picked_value = float(column_costs[picked].sum())
        if picked_value < best_value:
            best, best_value, by_solver = picked, picked_value, status == "local search" or not greedy_better
        _log.debug("part of %d rows, %d columns: relaxation %.2f, bound %g; over %d columns %g (%s) in %.1f s",
                   matrix.shape[0], len(columns), value, bound, over, picked_value, status,
                   time.perf_counter() - clock)
        if best_value <= bound + 1e-9:
            break
    return columns[best], min(bound, best_value), best_value <= bound + 1e-9, by_solver


@dataclass(frozen=True)
class _Shares:
    """Of the time left, at most, for each way a part is solved (``_solve_part``)."""
    program: float  # the integer program over the relaxation's columns
    search: float  # the local search (equal costs; 0: none)
    full: float  # the integer program over every column ...
    full_columns: float = math.inf  # ... when the part has at most this many distinct columns
    search_first: bool = False  # the search before the program over the relaxation's columns (from greedy's cover)


ROWS_PROGRAM_SHARES = _Shares(PROGRAM_SHARE, SEARCH_SHARE, FULL_PROGRAM_SHARE, FULL_PROGRAM_MAX_COLUMNS)
LAST_PROGRAM_SHARES = _Shares(LAST_SUPPORT_SHARE, LAST_SEARCH_SHARE, LAST_PROGRAM_SHARE, search_first=True)


def _missed(router, nodes: np.ndarray, arrivals: "ArrivalIndex", limit_s: float) -> np.ndarray:
    """Positions of the rows of ``arrivals`` none of these nodes reaches within ``limit_s`` (forward searches)."""
    return np.flatnonzero(np.diff(coverage_columns(router.network, nodes, arrivals, limit_s).tocsr().indptr) == 0)


def _cheapest_distinct_columns(matrix: sp.csr_matrix, costs: np.ndarray) -> np.ndarray:
    """One node per distinct column of ``matrix`` (nodes that reach the same rows): the cheapest."""
    order = np.argsort(costs, kind="stable")
    return np.sort(order[alike_rows(matrix.T.tocsr()[order])[0]])


def _left(started: float, time_limit_s: float) -> float:
    return max(1.0, time_limit_s - (time.perf_counter() - started))


class _Solved:
    """Coverage columns computed so far, by node, handed out as the (all demand x candidates) matrix."""

    def __init__(self, columns, cover, rows, total, coverage_of):
        self.columns, self.cover, self.rows, self.total, self.coverage_of = columns, cover, rows, total, coverage_of

    def matrix(self, nodes: np.ndarray) -> sp.csr_matrix:
        known = set(self.columns.tolist())
        extra = np.array([node for node in nodes.tolist() if node not in known], dtype=np.int64)
        if len(extra):
            self.cover = sp.hstack([self.cover, self.coverage_of(extra)]).tocsc()
            self.columns = np.concatenate([self.columns, extra])
        position = {node: k for k, node in enumerate(self.columns.tolist())}
        return _spread(self.cover[:, [position[node] for node in nodes.tolist()]].tocsr(), self.rows, self.total)


def _spread(cover_rows: sp.csr_matrix, rows: np.ndarray, total: int) -> sp.csr_matrix:
    """The coverable rows back in their places among all ``total`` demand points (empty rows elsewhere)."""
    indptr = np.zeros(total + 1, dtype=np.int64)
    counts = np.zeros(total, dtype=np.int64)
    counts[rows] = np.diff(cover_rows.indptr)
    indptr[1:] = np.cumsum(counts)
    return sp.csr_matrix((cover_rows.data, cover_rows.indices, indptr), shape=(total, cover_rows.shape[1]))


class Relaxation:
    """The linear relaxation min costs.x, cover.x >= 1, 0 <= x <= 1 (HiGHS) of the columns so far. Rows alike over
    these columns are one row (its dual on the first of them, 0 on the others: still a dual solution of the whole
    relaxation); a fresh model each round measured faster than adding columns to the last one (HiGHS then keeps
    every one of the 184,000 rows of the big city)."""

    def __init__(self, cover: sp.csc_matrix, costs: np.ndarray):
        self.cover, self.costs = cover.tocsc(), np.asarray(costs, dtype=float)

    def add(self, cover: sp.csc_matrix, costs: np.ndarray) -> None:
        """New columns (rows x new, boolean) with their costs."""
        self.cover = sp.hstack([self.cover, cover]).tocsc()
        self.costs = np.concatenate([self.costs, np.asarray(costs, dtype=float)])

    def solve(self, time_limit_s: float | None = None) -> tuple[float, np.ndarray, np.ndarray]:
        """Its value, a dual per row (>= 0) and the columns it uses (x > 0); if HiGHS does not end within
        ``time_limit_s`` seconds: NaN, no duals and no columns."""
        import highspy

        all_rows = self.cover.tocsr()
        first, _ = alike_rows(all_rows)
        rows = all_rows[first]
        highs = quiet_highs()
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = rows.shape[1], rows.shape[0]
        lp.col_cost_ = self.costs
        lp.col_lower_, lp.col_upper_ = np.zeros(rows.shape[1]), np.ones(rows.shape[1])
        lp.row_lower_, lp.row_upper_ = np.ones(rows.shape[0]), np.full(rows.shape[0], highspy.kHighsInf)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        lp.a_matrix_.start_ = rows.indptr.astype(np.int32)
        lp.a_matrix_.index_ = rows.indices.astype(np.int32)
        lp.a_matrix_.value_ = np.ones(rows.nnz)
        highs.passModel(lp)
        if time_limit_s is not None:
            highs.setOptionValue("time_limit", float(time_limit_s))
        highs.run()
        duals = np.zeros(all_rows.shape[0])
        if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return math.nan, duals, np.zeros(0, dtype=np.int64)
        solution = highs.getSolution()
        duals[first] = np.maximum(np.asarray(solution.row_dual), 0.0)
        return (float(highs.getInfo().objective_function_value), duals,
                np.flatnonzero(np.asarray(solution.col_value) > 1e-6))


