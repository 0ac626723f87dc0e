"""``patrol zones generate|import|export|versions|diff|check|standby``: responsibility zones."""

import click

from cli.common import Reporter, emit, open_store, reports_errors
from cli.jobs import background_option, submit

__all__ = ["zones"]

CITY = click.option("--city", "name", default="chengdu", show_default=True, help="City profile name (slug).")
JSON = click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")


def _setup(name: str, progress=None):
    from geo.city import get_city

    return get_city(name, progress=progress or Reporter()), open_store()


def _plan_json(plan, lengths) -> list[dict]:
    return [{"zone_id": z.zone_id, "name": z.name, "patrol_ids": z.patrol_ids, "segments": int(len(z.segments)),
             "street_km": round(float(lengths[z.segments].sum() / 1000.0), 3)} for z in plan.zones]


@click.group()
def zones() -> None:
    """Responsibility zones and the 30-minute coverage guarantee."""


@zones.command("generate")
@click.option("--author", default="planner", show_default=True, help="Who makes this version.")
@click.option("--comment", default="generated from the patrol bases", show_default=True)
@CITY
@JSON
@background_option
@reports_errors
def generate(author: str, comment: str, name: str, as_json: bool, background: bool) -> None:
    """One zone per patrol (network Voronoi from the bases), rebalanced; saved as a new version."""
    if background:
        return submit(name, "zones_generate", {"author": author, "comment": comment}, as_json)
    from planner.coverage import StreetSamples
    from planner.key_blocks import load_blocks
    from planner.patrols import list_patrols
    from planner.zones import generate_zones, save_version, shift_workload

    progress = Reporter()
    city, store = _setup(name, progress)
    patrols = list_patrols(store, city.slug)
    if not patrols:
        raise click.UsageError("no patrols in the store: create the demo roster with 'patrol patrols demo'.")
    samples = StreetSamples.for_city(city)
    workload = shift_workload(city, store, patrols, samples, load_blocks(store, city))
    plan = generate_zones(city, patrols, samples, target_s=city.profile.target_s("stray_dog"), workload=workload,
                          progress=progress)
    version = save_version(store, city, plan, author=author, comment=comment, source="generated")
    lengths = city.router("foot").segments.length_m
    data = {"city": city.slug, "version": version, "zones": _plan_json(plan, lengths), **plan.notes}
    emit(data, as_json, f"saved zone version {version}: {len(plan.zones)} zones "
                        f"(workload max/mean {plan.notes['workload_max_over_mean_before']} -> "
                        f"{plan.notes['workload_max_over_mean_after']})")


@zones.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--author", required=True, help="Who drew these zones.")
@click.option("--comment", default=None)
@click.option("--datum", default="wgs84", show_default=True, help="wgs84, gcj02 or bd09 for lon/lat files.")
@CITY
@JSON
@reports_errors
def import_file(file, author, comment, datum, name, as_json) -> None:
    """Import drawn zones (GeoJSON/GeoPackage polygons with zone_id[, name, patrol_ids]) as a new version."""
    from planner.zones import read_zone_file, save_version

    city, store = _setup(name)
    plan = read_zone_file(city, file, datum=datum)
    version = save_version(store, city, plan, author=author, comment=comment, source="imported")
    lengths = city.router("foot").segments.length_m
    data = {"city": city.slug, "version": version, "zones": _plan_json(plan, lengths),
            "gaps_km": plan.gaps_km, "gap_segments": len(plan.gap_segments), "overlaps": plan.overlaps}
    lines = [f"saved zone version {version} from {file}: {len(plan.zones)} zones"]
    if plan.gaps_km:
        lines.append(f"  gaps: {plan.gaps_km} street km in no zone ({len(plan.gap_segments)} segments)")
    lines += [f"  overlap {o['zones'][0]} / {o['zones'][1]}: {o['km']} street km" for o in plan.overlaps]
    emit(data, as_json, "\n".join(lines))


@zones.command("export")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--version", "version", type=int, default=None, help="Version [default: the newest].")
@CITY
@JSON
@reports_errors
def export_file(file, version, name, as_json) -> None:
    """Write a version's zones to FILE (.geojson or .gpkg, EPSG:4326)."""
    from planner.zones import export_zones, load_version

    city, store = _setup(name)
    number, plan = load_version(store, city, version)
    path = export_zones(city, plan, file, version=number)
    emit({"city": city.slug, "version": number, "path": str(path), "zones": len(plan.zones)}, as_json,
         f"wrote {len(plan.zones)} zones of version {number} to {path}")


@zones.command("versions")
@CITY
@JSON
@reports_errors
def versions(name, as_json) -> None:
    """List the zone versions (never overwritten)."""
    from planner.zones import list_versions

    city, store = _setup(name)
    rows = list_versions(store, city)
    emit(rows, as_json, "\n".join(f"v{r['version']:<3d} {r['created_at'][:19]} {r['source']:9s} {r['author']}: "
                                  f"{r['comment'] or ''}" for r in rows) or "no zone versions")


@zones.command("diff")
@click.argument("a", type=int)
@click.argument("b", type=int)
@CITY
@JSON
@reports_errors
def diff(a, b, name, as_json) -> None:
    """Street segments that changed zone from version A to version B (count, km, zones)."""
    from planner.zones import diff_versions

    city, store = _setup(name)
    data = diff_versions(store, city, a, b)
    lines = [f"v{a} -> v{b}: {data['segments_moved']} segments, {data['km_moved']} km moved"]
    lines += [f"  {m['from_zone']} -> {m['to_zone']}: {m['segments']} segments, {m['km']} km" for m in data["moves"]]
    emit(data, as_json, "\n".join(lines))


@zones.command("check")
@click.option("--version", "version", type=int, default=None, help="Version [default: the newest].")
@click.option("--hour", "hours", type=click.IntRange(0, 23), multiple=True,
              help="Also check this hour of the day (local), with the patrols on duty then (repeatable).")
@click.option("--all-hours", is_flag=True, help="Also check every hour of the week (168 rows) with the patrols on duty.")
@CITY
@JSON
@reports_errors
def check(version, hours, all_hours, name, as_json) -> None:
    """Prove the guarantee: each zone's worst-case response from its patrols' positions; with --hour or
    --all-hours, hour by hour with only the patrols on duty (first and second fastest)."""
    from planner.zone_check import check_version, samples_for

    progress = Reporter()
    city, store = _setup(name, progress)
    progress("checking every zone's streets ...")
    data = check_version(store, city, version)
    lines = [f"version {data['version']}: {'all zones covered' if data['all_covered'] else 'NOT all covered'} "
             f"within {data['target_s'] / 60:.0f} min from the bases ({data['seconds']} s)"]
    lines += [f"  {z['zone_id']:5s} worst {z['worst_case_s'] / 60:5.1f} min, {z['covered_km_share']:.1%} of "
              f"{z['street_km']} km, uncovered {z['uncovered_km']} km" for z in data["zones"]]
    if hours or all_hours:
        from planner.hourly import hourly_coverage

        progress("hour by hour with the patrols on duty ...")
        hourly = hourly_coverage(store, city, samples_for(city), hours=None if all_hours else sorted(set(hours)))
        data |= {"hours": hourly["hours"], "failing_hours": hourly["failing_hours"],
                 "all_covered": data["all_covered"] and hourly["all_hours_covered"]}
        lines += hourly_lines(hourly)
    emit(data, as_json, "\n".join(lines))


def hourly_lines(hourly: dict) -> list[str]:
    """One line per hour of the day (shifts are daily): patrols on duty, worst case, shares, what fails."""
    lines = ["hour  on duty  worst      streets within target  with a second patrol  dog reports"]
    for row in (r for r in hourly["hours"] if r["weekday"] == 0):
        worst = "-" if row["worst_case_s"] is None else f"{row['worst_case_s'] / 60:5.1f} min"
        reports = "-" if row["reports_share"] is None else f"{row['reports_share']:.0%}"
        line = (f"{row['hour']:02d}h  {row['patrols_on_duty']:7d}  {worst:>9}  {row['covered_km_share']:21.1%}  "
                f"{row['backup_km_share']:20.1%}  {reports:>11}")
        if row["uncovered_km"] > 0:
            streets = ", ".join(f"{s['street']} ({s['km']} km)" for s in row["uncovered_streets"][:3])
            line += f"  FAILS: {row['uncovered_km']} km, e.g. {streets}"
        lines.append(line)
    lines.append("every hour holds" if not hourly["failing_hours"] else
                 f"hours that fail: {', '.join(f'{h:02d}h' for h in hourly['failing_hours'])}")
    return lines


@zones.command("standby")
@click.option("--model", type=click.Choice(["cover", "backup", "max-cover", "p-median", "p-center", "pcenter", "pmedian"],
                                          case_sensitive=False), default=None,
              help="cover: fewest (or cheapest, with --sites) points for every street; backup: every street within target "
                   "of two points; max-cover: best K for past dog reports within target; p-median: K points, least mean "
                   "response to past reports; p-center: K points, least worst response to any street. Default: cover, "
                   "or max-cover with --k.")
@click.option("--k", "k", type=click.IntRange(1, 500), default=None, help="How many standby points (all models but cover).")
@click.option("--mode", default="ebike", show_default=True, type=click.Choice(["foot", "ebike", "car"]))
@click.option("--time-limit", default=120.0, show_default=True, type=click.FloatRange(0.01, 3600),
              help="Solver limit (s); the greedy answer is returned when the solver finds nothing better in time.")
@click.option("--sites", "sites_file", type=click.Path(dir_okay=False), default=None,
              help="CSV lon,lat,cost of existing sites (police boxes, squadron offices): weighted set covering.")
@click.option("--new-site-cost", default=1.0, show_default=True, type=click.FloatRange(1e-6, 1e9),
              help="Cost of a standby point anywhere else (with --sites).")
@CITY
@JSON
@background_option
@reports_errors
def standby(model, k, mode, time_limit, sites_file, new_site_cost, name, as_json, background) -> None:
    """Standby points by integer programming (HiGHS) from a greedy start; status, bound and gap reported."""
    from planner.standby import model_name, read_sites, solve_standby

    model = model_name(model, k)
    sites = read_sites(sites_file) if sites_file else None
    if background:
        return submit(name, "standby", {"mode": mode, "k": k, "model": model, "time_limit_s": min(max(time_limit, 1), 600),
                                        "sites": sites, "new_site_cost": new_site_cost}, as_json)
    progress = Reporter()
    city, store = _setup(name, progress)
    data = solve_standby(city, store, mode=mode, model=model, k=k, time_limit_s=time_limit, sites=sites,
                         other_cost=new_site_cost, progress=progress)
    emit({"city": city.slug} | data, as_json, standby_text(data, city.profile.target_s("stray_dog")))


def standby_text(data: dict, target_s: float) -> str:
    """The answer of ``zones standby`` for people: the figures, the solver's honesty, what cannot be covered."""
    minutes = f"{target_s / 60:.0f} min"
    if data["model"] in ("set_cover", "weighted_set_cover", "backup_cover", "weighted_backup_cover"):
        twice = " of two of them" if data["model"] == "backup_cover" or data.get("times") == 2 else ""
        if data["count"] == 0:
            text = f"{data['mode']}: no street can be reached within {minutes} from any candidate point"
        else:
            text = f"{data['mode']}: {data['count']} standby points put every coverable street within {minutes}{twice}"
        if data["model"].startswith("weighted"):
            text += f" (cost {data['cost']:g}; {data['sites_chosen']} of {data['sites']} existing sites used)"
    elif data["model"] == "max_cover":
        text = (f"{data['mode']}: {data['k']} standby points reach {data['covered_reports']} of {data['reports']} "
                f"dog reports within {minutes}")
    elif data["model"] == "p_median":
        text = (f"{data['mode']}: {data['count']} standby points, mean response {data['mean_response_s'] / 60:.1f} min "
                f"to {data['reports_used']} dog reports")
        greedy = f"{data['greedy_mean_response_s'] / 60:.1f} min"
    else:
        worst = data["worst_street"]
        text = (f"{data['mode']}: {data['count']} standby points, worst response to any street "
                f"{data['worst_response_s'] / 60:.1f} min (at {worst['name']}, {worst['lon']},{worst['lat']})")
        greedy = f"{data['greedy_worst_response_s'] / 60:.1f} min"
    if data["model"] in ("set_cover", "weighted_set_cover", "backup_cover", "weighted_backup_cover", "max_cover"):
        greedy = f"{data['greedy_objective']:g}"
    gap = "proven optimal" if data["optimal"] else ("gap unknown" if data["gap"] is None else f"gap {data['gap']:.1%}")
    text += (f"\n  {data['status']}, {gap}; answer from the {data['source']}"
             f" (greedy: {greedy}); {data['seconds']} s in all")
    if data["time_limited"]:
        text += "\n  the time limit cut the search: a longer --time-limit may find a better answer"
    if data.get("candidates_sampled"):
        spread = f", one per {data['candidate_cell_m']:g} m grid cell" if data.get("candidate_cell_m") else ""
        text += (f"\n  candidates: a seeded sample of {data['candidates']} of {data['graph_nodes']} nodes{spread} "
                 "(a big graph); the best over every node may be better")
    reduction = data.get("candidate_reduction")
    if reduction:
        over = reduction.get("gap_over_candidates")
        text += (f"\n  every one of {data['graph_nodes']} nodes priced ({reduction['rounds']} rounds of column generation, "
                 f"{'converged' if reduction['converged'] else 'stopped by the time limit'}); integer program over "
                 f"{reduction['candidates_solved']} of them"
                 + ("" if over is None else f" (gap over them {over:.1%})")
                 + f"; bound over every node {data['bound']:g}"
                 + (f" (from {reduction['row_programs']} integer programs over up to {reduction['row_program_rows']} "
                    f"of {reduction['demand_rows']} demand rows, every node a candidate)"
                    if reduction.get("row_programs") else "")
                 + (" (reduced-cost fixing: optimal over every node)" if reduction["fixing_proves"] and data["optimal"] else ""))
    if data["uncoverable_streets"]:
        text += f"\n  cannot be covered at all: {', '.join(data['uncoverable_streets'][:20])}"
    return text
