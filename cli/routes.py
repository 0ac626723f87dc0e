"""``patrol routes plan|export``: closed patrol routes that keep the zone within 30 minutes."""

import json
from datetime import datetime

import click

from cli.common import Reporter, emit, open_store, reports_errors
from cli.jobs import background_option, submit

__all__ = ["routes"]

CITY = click.option("--city", "name", default="chengdu", show_default=True, help="City profile name (slug).")


def _plan(name, patrol_id, version, day, time_limit, progress):
    from geo.city import get_city
    from planner.key_blocks import load_blocks
    from planner.route_plans import plan_routes

    city = get_city(name, progress=progress)
    when = None
    if day:
        try:
            when = datetime.fromisoformat(day)
        except ValueError:
            raise click.BadParameter(f"expected a date such as 2026-11-27; got {day!r}", param_hint="--day") from None
    store = open_store()
    result = plan_routes(store, city, load_blocks(store, city, progress=progress), patrol_id=patrol_id, version=version,
                         day=when, time_limit_s=time_limit, progress=progress)
    if patrol_id and not result["routes"]:
        raise click.BadParameter(f"patrol {patrol_id!r} has no zone in version {result['version']}", param_hint="--patrol")
    return city, result


@click.group()
def routes() -> None:
    """Patrol routes through key blocks and congestion points, with the coverage guarantee."""


@routes.command("plan")
@click.option("--patrol", "patrol_id", default=None, help="Only this patrol.")
@click.option("--version", type=int, default=None, help="Zone version [default: the newest].")
@click.option("--day", default=None, help="Day of the shift (YYYY-MM-DD) [default: today].")
@click.option("--time-limit", default=None, type=click.FloatRange(0.5, 600),
              help="Solver seconds per route (default: 1 s + 0.1 s a stop, 2-60 s).")
@CITY
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
@background_option
@reports_errors
def plan(patrol_id, version, day, time_limit, name, as_json, background) -> None:
    """Plan the routes of the zone version's patrols (OR-Tools, time windows)."""
    if background:
        if patrol_id:
            raise click.UsageError("--background plans every patrol of the version; leave out --patrol")
        return submit(name, "routes_plan", {"version": version, "day": day, "time_limit_s": time_limit}, as_json)
    _, result = _plan(name, patrol_id, version, day, time_limit, Reporter())
    data = {"version": result["version"], "target_s": result["target_s"],
            "routes": [route.as_dict() | {"zone_id": zone.zone_id} for zone, route in result["routes"]]}
    lines = [f"zone version {result['version']}"]
    for zone, route in result["routes"]:
        lines.append(f"  {route.patrol_id:4s} {zone.zone_id} {route.mode:5s} {len(route.stops):3d} stops "
                     f"{route.duration_s / 60:6.0f} min {route.length_m / 1000:5.1f} km worst {route.worst_case_s / 60:5.1f} min "
                     f"{'OK' if route.guarantee_holds else 'NOT SAFE'}")
        lines += [f"       dropped {d['id']} {d['name']}: {d['reason']}" for d in route.dropped]
        if route.proposal:
            lines.append(f"       proposal: {route.proposal}")
        if route.ordering and route.ordering["time_limited"] and len(route.stops) >= 30:  # small tours settle early
            lines.append(f"       stop order: {route.ordering['status']} after the {route.ordering['time_limit_s']:g} s limit "
                         "(a longer --time-limit may find a shorter tour)")
    emit(data, as_json, "\n".join(lines))


@routes.command("export")
@click.argument("patrol_id")
@click.option("--format", "fmt", type=click.Choice(["gpx", "geojson"]), default="gpx", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False), default=None, help="File to write [default: stdout].")
@click.option("--version", type=int, default=None, help="Zone version [default: the newest].")
@click.option("--day", default=None, help="Day of the shift (YYYY-MM-DD) [default: today].")
@click.option("--time-limit", default=None, type=click.FloatRange(0.5, 600),
              help="Solver seconds per route (default: 1 s + 0.1 s a stop, 2-60 s).")
@CITY
@click.option("--json", "as_json", is_flag=True,
              help="With --output: print what was written as JSON (patrol_id, format, output, bytes).")
@reports_errors
def export(patrol_id, fmt, output, version, day, time_limit, name, as_json) -> None:
    """Write PATROL_ID's route for phones (GPX) or GIS (GeoJSON)."""
    from shapely.geometry import mapping

    from planner.routes import route_to_gpx

    city, result = _plan(name, patrol_id, version, day, time_limit, Reporter())
    zone, route = result["routes"][0]
    if fmt == "gpx":
        text = route_to_gpx(route, name=f"{route.patrol_id} {zone.name}")
    else:
        features = [{"type": "Feature", "geometry": mapping(route.geometry) if route.geometry else None,
                     "properties": {"patrol_id": route.patrol_id, "zone_id": zone.zone_id, "length_m": route.length_m,
                                    "duration_s": route.duration_s, "worst_case_s": route.worst_case_s,
                                    "guarantee_holds": route.guarantee_holds, "attribution": city.profile.attribution}}]
        features += [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [s.lon, s.lat]},
                      "properties": {"order": i, **s.as_dict(route.shift_start)}} for i, s in enumerate(route.stops, 1)]
        text = json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False, indent=1)
    if output:
        with open(output, "w", encoding="utf-8") as handle:
            handle.write(text)
        if as_json:
            emit({"patrol_id": patrol_id, "format": fmt, "output": output, "bytes": len(text.encode("utf-8"))},
                 True, "")
        else:
            click.echo(f"wrote {fmt} route of {patrol_id} to {output}", err=True)
    else:
        click.echo(text)  # the file itself: GeoJSON is already JSON
