"""``patrol patrols demo|import|list|position|status``: the patrol units."""

import click

from cli.common import Reporter, emit, open_store, reports_errors

__all__ = ["patrols"]

CITY = click.option("--city", "name", default="chengdu", show_default=True, help="City profile name (slug).")
JSON = click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")


def _city_and_store(name: str):
    from geo.city import get_city

    return get_city(name, progress=Reporter()), open_store()


def patrol_json(patrol, city, now) -> dict:
    """A patrol with its availability now."""
    from planner.patrols import availability

    status = availability(patrol, now, timezone=city.profile.timezone, stale_after_s=city.profile.stale_position_s)
    return {"id": patrol.id, "call_sign": patrol.call_sign, "mode": patrol.mode, "status": patrol.status,
            "available": status.available, "reason": status.reason, "lon": round(status.lon, 7),
            "lat": round(status.lat, 7), "position_age_s": None if status.position_age_s is None
            else round(status.position_age_s), "stale": status.stale, "zone": patrol.zone,
            "squadron": patrol.squadron, "shift": f"{patrol.shift_start}-{patrol.shift_end}"}


@click.group()
def patrols() -> None:
    """Patrol units: roster, positions and status."""


@patrols.command("demo")
@CITY
@JSON
@reports_errors
def demo(name: str, as_json: bool) -> None:
    """Create the demo roster sized to the city (one patrol per 37 street km, 40/40/20 % foot/e-bike/car;
    central Chengdu: 8 foot, 8 e-bike, 4 car) at bases spread over its streets."""
    from planner.patrols import demo_roster, upsert_patrols

    city, store = _city_and_store(name)
    roster = demo_roster(city)
    upsert_patrols(store, city.slug, roster)
    emit({"city": city.slug, "patrols": roster}, as_json,
         "\n".join(f"{p['id']} {p['call_sign']} {p['mode']} {p['shift_start']}-{p['shift_end']}" for p in roster))


@patrols.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--datum", default="wgs84", show_default=True, help="Datum of the base coordinates.")
@CITY
@JSON
@reports_errors
def import_file(file: str, datum: str, name: str, as_json: bool) -> None:
    """Import a roster from CSV or GeoJSON (all or nothing; every bad row listed)."""
    from planner.patrols import import_patrols

    city, store = _city_and_store(name)
    count, _ = import_patrols(store, city, file, datum=datum)
    emit({"city": city.slug, "imported": count}, as_json, f"imported {count} patrols")


@patrols.command("list")
@CITY
@JSON
@reports_errors
def list_command(name: str, as_json: bool) -> None:
    """List the patrols with their availability now (stale positions flagged)."""
    from planner.clock import utc_now
    from planner.patrols import list_patrols

    city, store = _city_and_store(name)
    now = utc_now()
    rows = [patrol_json(p, city, now) for p in list_patrols(store, city.slug)]
    emit(rows, as_json, "\n".join(f"{r['id']:5s} {r['mode']:6s} {r['status']:10s} {r['reason'] or 'available'}"
                                  for r in rows) or "no patrols (try: patrol patrols demo)")


@patrols.command("position")
@click.argument("patrol_id")
@click.argument("location")
@click.option("--at", default=None, help="Time of the fix (city time zone) [default: now].")
@click.option("--datum", default=None, help="wgs84, gcj02, bd09 or a CRS code such as EPSG:4549 (x,y) [default: the city's].")
@CITY
@JSON
@reports_errors
def position(patrol_id: str, location: str, at, datum, name: str, as_json: bool) -> None:
    """Record PATROL_ID's position LOCATION ('lon,lat')."""
    from geo.crs import parse_lonlat
    from planner.clock import utc_now
    from planner.incidents import parse_time
    from planner.patrols import update_position

    city, store = _city_and_store(name)
    lon, lat = parse_lonlat(location, what="LOCATION")
    when = utc_now()
    if at:
        try:
            when = parse_time(at, city.profile.timezone)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--at") from None
    patrol = update_position(store, city.slug, patrol_id, lon, lat, at=when,
                             datum=datum or city.profile.default_datum, jurisdiction=city.jurisdiction,
                             profile=city.profile)
    emit(patrol_json(patrol, city, utc_now()), as_json, f"{patrol_id} at {patrol.last_lon:.6f},{patrol.last_lat:.6f}")


@patrols.command("status")
@click.argument("patrol_id")
@click.argument("status", type=click.Choice(["available", "busy", "off_duty"]))
@CITY
@JSON
@reports_errors
def status_command(patrol_id: str, status: str, name: str, as_json: bool) -> None:
    """Set PATROL_ID's status."""
    from planner.clock import utc_now
    from planner.patrols import get_patrol, set_status

    city, store = _city_and_store(name)
    set_status(store, city.slug, patrol_id, status)
    emit(patrol_json(get_patrol(store, city.slug, patrol_id), city, utc_now()), as_json, f"{patrol_id}: {status}")
