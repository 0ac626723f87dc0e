"""``patrol simulate``: the share of reports reached within target under a plan (and a second one)."""

import json
from datetime import datetime

import click

from cli.common import Reporter, emit, open_store, reports_errors
from cli.jobs import background_option, submit

__all__ = ["simulate"]


@click.command()
@click.option("--hours", default=24.0, show_default=True, type=click.FloatRange(1, 24 * 14), help="Simulated hours from midnight.")
@click.option("--seed", default=0, show_default=True, type=int, help="Random seed (the same reports for both plans).")
@click.option("--plan", "plan", default="bases", show_default=True,
              help="'bases', a zone version number (patrols on their routes), either with ':without=ID,ID'.")
@click.option("--compare", "compare", default=None, help="A second plan, run on the same reports.")
@click.option("--category", "categories", multiple=True, help="Categories to simulate [default: stray_dog].")
@click.option("--scale", default=1.0, show_default=True, type=click.FloatRange(0.01, 1000), help="Times the historical report rate.")
@click.option("--day", default="2026-11-27", show_default=True, help="Day simulated (routes and shifts).")
@click.option("--chart", type=click.Path(dir_okay=False), default=None, help="Write the response-time chart (PNG).")
@click.option("--late", type=click.Path(dir_okay=False), default=None, help="Write the late reports (GeoJSON).")
@click.option("--city", "name", default="chengdu", show_default=True, help="City profile name (slug).")
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
@background_option
@reports_errors
def simulate(hours, seed, plan, compare, categories, scale, day, chart, late, name, as_json, background) -> None:
    """Simulate a day of reports and dispatches; compare two plans on the same random stream."""
    if background:
        if set(categories) - {"stray_dog"} or chart or late:
            raise click.UsageError("--background simulates stray-dog reports and keeps the chart in the job's "
                                   "result; leave out --category, --chart and --late")
        return submit(name, "simulate", {"hours": min(hours, 168), "seed": seed, "plan": plan, "compare": compare,
                                         "scale": scale, "day": day}, as_json)
    from zoneinfo import ZoneInfo

    from geo.city import get_city
    from planner.incidents import incidents_frame
    from planner.key_blocks import load_blocks
    from planner.sim_plans import build_plan
    from planner.simulation import generate_reports, late_reports_geojson, response_chart
    from planner.simulation import simulate as run

    progress = Reporter()
    city = get_city(name, progress=progress)
    store = open_store()
    blocks = load_blocks(store, city, progress=progress)
    try:
        when = datetime.fromisoformat(day)
    except ValueError:
        raise click.BadParameter(f"expected a date such as 2026-11-27; got {day!r}", param_hint="--day") from None
    categories = list(categories) or ["stray_dog"]
    history = incidents_frame(store, city.slug)
    history = history[history["category"].isin(categories)]
    if history.empty:
        raise click.UsageError("no incident history for these categories (try: patrol incidents generate).")
    reports = generate_reports(city, history, hours=hours, seed=seed, categories=categories, scale=scale)
    progress(f"{len(reports)} reports over {hours:g} h (seed {seed})")
    start = datetime(when.year, when.month, when.day, tzinfo=ZoneInfo(city.profile.timezone))
    results = []
    for spec in [plan] + ([compare] if compare else []):
        progress(f"plan {spec}: preparing the patrols' day ...")
        label, timelines, zone_of_segment = build_plan(store, city, blocks, spec, day=when, progress=progress)
        progress(f"plan {spec}: simulating ...")
        results.append(run(city, timelines, reports, start=start, blocks_gdf=blocks, seed=seed, name=label,
                           hours=hours, zone_of_segment=zone_of_segment))
    first = results[0].figures
    data = {"plan": plan, "hours": hours, "seed": seed, "categories": categories, **{k: first[k] for k in (
        "reports", "within_target_share", "p50_s", "p95_s", "never_reached")}, "details": first}
    if compare:
        data["compare"] = {"plan": compare, **results[1].figures}
    if chart:
        response_chart(results, chart, target_s=city.profile.target_s(categories[0]))
        data["chart"] = chart
    if late:
        collection = late_reports_geojson(results[0])
        if compare:
            collection["features"] += late_reports_geojson(results[1])["features"]
        with open(late, "w", encoding="utf-8") as handle:
            json.dump(collection, handle, ensure_ascii=False)
        data["late"] = late
    lines = []
    for result in results:
        f = result.figures
        lines.append(f"plan {result.name}: {f['reports']} reports, {_fmt(f['within_target_share'], '.1%')} within "
                     f"target, median {_minutes(f['p50_s'])}, p95 {_minutes(f['p95_s'])}, never reached "
                     f"{f['never_reached']}, mean utilisation {_fmt(f.get('mean_utilisation'), '.0%')}")
    emit(data, as_json, "\n".join(lines))


def _fmt(value, spec: str) -> str:
    """A share or number for people; '-' when there is none (no report reached)."""
    return "-" if value is None else format(value, spec)


def _minutes(seconds) -> str:
    return "-" if seconds is None else f"{seconds / 60:.1f} min"
