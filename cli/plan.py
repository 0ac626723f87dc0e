"""``patrol plan staffing``: how many patrols each hour needs to keep the 30-minute dog-report promise."""

import click

from cli.common import Reporter, emit, open_store, reports_errors
from cli.jobs import background_option, submit

__all__ = ["plan"]



@click.group()
def plan() -> None:
    """Planning figures beyond zones and routes (staffing per hour)."""


@plan.command("staffing")
@click.option("--target", default=0.95, show_default=True, type=click.FloatRange(0.5, 0.999),
              help="Share of dog reports to reach within 30 min, each hour.")
@click.option("--scale", default=1.0, show_default=True, type=click.FloatRange(0.1, 50),
              help="Report rate as a multiple of the history's (growth).")
@click.option("--days", default=7, show_default=True, type=click.IntRange(1, 28), help="Simulated days for the check.")
@click.option("--seed", default=0, show_default=True, type=int, help="Seed of the simulated report stream.")
@click.option("--output", default=None, type=click.Path(dir_okay=False),
              help="Write the roster table: .xlsx (hours and patrols sheets) or .csv (hours).")
@click.option("--city", "name", default="chengdu", show_default=True, help="City profile name (slug).")
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
@background_option
@reports_errors
def staffing(target, scale, days, seed, output, name, as_json, background) -> None:
    """The fewest patrols per hour (by mode, at which base) for the target share of dog reports within
    30 min at the forecast rate: analytic (expected covering with busy patrols) and checked by simulation."""
    if background:
        if output:
            raise click.UsageError("leave out --output with --background: the job keeps the XLSX roster "
                                   "(the planner page's link, or GET /api/jobs/ID/file)")
        return submit(name, "staffing", {"target": target, "scale": scale, "days": days, "seed": seed}, as_json)
    from geo.city import get_city
    from planner.hourly import WEEKDAYS
    from planner.staffing import StaffingError, recommend_staffing

    progress = Reporter()
    city = get_city(name, progress=progress)
    store = open_store()
    try:
        result = recommend_staffing(store, city, target=target, scale=scale, check_days=days, seed=seed, progress=progress)
    except StaffingError as exc:
        raise click.UsageError(str(exc)) from None
    hours = [{"weekday": weekday, "weekday_name": WEEKDAYS[weekday], **row} for weekday in range(7) for row in result["hours"]]
    data = {"city": city.slug, **{k: v for k, v in result.items() if k != "hours"}, "hours": hours}
    if output:
        data["output"] = write_roster(output, result)
    emit(data, as_json, staffing_text(result))


def write_roster(path: str, result: dict) -> str:
    """The roster as a table a squadron can print: .xlsx (hours and patrols sheets) or .csv (hours)."""
    from pathlib import Path

    from planner.staffing import roster_tables, roster_xlsx

    target = Path(path)
    if target.suffix.lower() == ".xlsx":
        roster_xlsx(result, target)
    elif target.suffix.lower() == ".csv":
        roster_tables(result)[0].to_csv(target, index=False, encoding="utf-8-sig")
    else:
        raise click.BadParameter(f"{path}: write .xlsx or .csv", param_hint="--output")
    return str(target)


def staffing_text(result: dict) -> str:
    lines = [f"staffing for {result['target']:.0%} of dog reports within 30 min at {result['scale']:g}x the history's "
             f"rate ({result['history_days']} days of history; simulated {result['simulation']['days']} days, "
             f"{result['simulation']['dog_reports']} dog reports, {_share(result['simulation']['share'])} in time)",
             "hour  patrols  foot ebike car  reports/h  analytic  simulated"]
    for row in result["hours"]:
        modes = row["patrols_by_mode"]
        lines.append(f"{row['hour']:02d}h  {row['patrols']:7d}  {modes['foot']:4d} {modes['ebike']:5d} {modes['car']:3d}  "
                     f"{row['reports_per_h']:9.1f}  {row['analytic_share']:8.1%}  {_share(row['simulated_share']):>9}"
                     + ("" if row["meets_target"] else "  SHORT"))
    if result["one_fewer"]:
        lines.append(f"binding hour {result['binding_hour']:02d}h: without {result['one_fewer']['patrol_id']} the simulated "
                     f"share falls to {_share(result['one_fewer']['share'])}")
    if result["extra_patrols"]:
        lines.append(f"beyond the roster of {result['roster_size']}: {len(result['extra_patrols'])} more patrols "
                     f"({', '.join(result['extra_patrols'][:8])}{' ...' if len(result['extra_patrols']) > 8 else ''})")
    if result["short_hours"]:
        lines.append(f"still short in the simulation: {', '.join(f'{h:02d}h' for h in result['short_hours'])} "
                     "(the backlog of busier hours spills over; more patrols or fewer reports)")
    return "\n".join(lines)


def _share(value) -> str:
    return "-" if value is None else f"{value:.1%}"
