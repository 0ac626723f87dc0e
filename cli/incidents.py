"""``patrol incidents import|list|generate``: reported street-order problems."""

import json

import click

from cli.common import Reporter, emit, load_context, parse_window, reports_errors
from cli.jobs import background_option, submit

__all__ = ["incidents"]

CITY = click.option("--city", "name", default="chengdu", show_default=True, help="City profile name (slug).")
JSON = click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")


def incident_json(incident, timezone: str) -> dict:
    """One stored incident as JSON (reported time in the city's time zone)."""
    from datetime import UTC
    from zoneinfo import ZoneInfo

    return {
        "id": incident.id,
        "external_id": incident.external_id,
        "category": incident.category,
        "source": incident.source,
        "reported_at": incident.reported_at.replace(tzinfo=UTC).astimezone(ZoneInfo(timezone)).isoformat(),
        "lon": round(incident.lon, 7),
        "lat": round(incident.lat, 7),
        "input_datum": incident.input_datum,
        "address": incident.address,
        "geocode_confidence": incident.geocode_confidence,
        "status": incident.status,
        "street": incident.street_name,
        "segment": [incident.segment_u, incident.segment_v],
        "snap_distance_m": None if incident.snap_distance_m is None else round(incident.snap_distance_m, 2),
        "block_id": incident.block_id,
    }


@click.group()
def incidents() -> None:
    """Incidents: stray dogs, garbage sorting, private wiring, laundry drying, vendors, parking."""


@incidents.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--datum", default=None, help="Datum of the coordinates: wgs84, gcj02, bd09 or a CRS code such as EPSG:4549 (x,y) [default: the city's].")
@CITY
@JSON
@background_option
@reports_errors
def import_file(file: str, datum: str | None, name: str, as_json: bool, background: bool) -> None:
    """Import incidents from a CSV (UTF-8, header row) or GeoJSON FILE; every invalid row is reported."""
    if background:
        from pathlib import Path

        if not Path(file).is_file():
            raise click.BadParameter(f"{file}: file does not exist", param_hint="FILE")
        return submit(name, "incidents_import", {"file": str(Path(file).resolve()), "datum": datum}, as_json)
    from planner.incidents import import_incidents

    _, _, store, placer = load_context(name)
    report = import_incidents(store, placer, file, datum=datum)
    data = {"city": placer.city.slug, "file": file, **report.as_dict()}
    lines = [f"{file}: {report.rows} rows, {report.stored} stored, {len(report.duplicates)} already stored, "
             f"{data['invalid']} invalid"]
    lines += [f"  row {p['row']} {p['field']}: {p['reason']}" for p in report.problems]
    emit(data, as_json, "\n".join(lines))


@incidents.command("list")
@click.option("--category", default=None, help="Only this category (e.g. stray_dog).")
@click.option("--since", default=None, help="From this time (city time zone), e.g. 2026-10-01.")
@click.option("--until", default=None, help="Before this time (city time zone).")
@click.option("--limit", default=None, type=int, help="At most this many.")
@CITY
@JSON
@reports_errors
def list_command(category, since, until, limit, name: str, as_json: bool) -> None:
    """List stored incidents, oldest first."""
    from planner.incidents import list_incidents

    city, _, store, _ = load_context(name, geocoder=False)
    start, end = parse_window(city, since, until)
    rows = [incident_json(i, city.profile.timezone)
            for i in list_incidents(store, city.slug, category=category, since=start, until=end, limit=limit)]
    text = "\n".join(f"{r['id']:>6} {r['reported_at'][:16]} {r['category']:16s} {r['block_id'] or '-':8s} "
                     f"{r['street'] or '-'}" for r in rows)
    emit(rows, as_json, text or "no incidents")


@incidents.command("generate")
@click.option("--days", default=30, show_default=True, type=click.IntRange(1, 3650), help="Days of incidents.")
@click.option("--seed", default=0, show_default=True, type=int, help="Random seed (same seed, same incidents).")
@click.option("--per-day", default=120, show_default=True, type=click.IntRange(0, 1_000_000), help="Background incidents a day.")
@click.option("--hotspots", default=6, show_default=True, type=click.IntRange(0, 50), help="Planted hot spots.")
@click.option("--start", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="First day (city time) [default: DAYS days before today, so the incidents end today].")
@CITY
@JSON
@reports_errors
def generate(days: int, seed: int, per_day: int, hotspots: int, start, name: str, as_json: bool) -> None:
    """Generate realistic demo incidents (with planted hot spots) and store them."""
    from geo import paths
    from planner.demo_incidents import days_before_today, generate_incidents
    from planner.incidents import store_incidents

    progress = Reporter()
    city, blocks_gdf, store, placer = load_context(name, progress=progress, geocoder=False)
    progress(f"generating {days} days of incidents (seed {seed}) ...")
    start = start or days_before_today(city, days)
    records, planted = generate_incidents(city, blocks_gdf, days=days, per_day=per_day, hotspots=hotspots, seed=seed,
                                          start=start)
    progress(f"placing {len(records)} incidents on the streets ...")
    ready, problems = placer.validate(records, default_datum="wgs84")
    stored, duplicates = store_incidents(store, ready)
    planted_path = paths.instance_dir() / "cities" / city.slug / f"planted_hotspots_seed{seed}.json"
    planted_path.parent.mkdir(parents=True, exist_ok=True)
    planted_json = [p.__dict__ | {"busy_hours": list(p.busy_hours)} for p in planted]
    planted_path.write_text(json.dumps(planted_json, ensure_ascii=False, indent=2), encoding="utf-8")
    data = {"city": city.slug, "generated": len(records), "stored": stored, "duplicates": len(duplicates),
            "invalid": len(problems), "planted_hotspots": planted_json, "planted_path": str(planted_path)}
    emit(data, as_json, f"generated {len(records)} incidents ({stored} stored, {len(duplicates)} already stored); "
                        f"{len(planted)} planted hot spots recorded in {planted_path}")
