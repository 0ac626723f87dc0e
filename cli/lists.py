"""``patrol lists tasks|responsibility|assessment``: the three lists of every squadron."""


import click

from cli.common import Reporter, emit, open_store, parse_window, reports_errors
from cli.jobs import background_option, submit

__all__ = ["lists"]

COMMON = [
    click.option("--squadron", default=None, help="Only this squadron."),
    click.option("--output", type=click.Path(dir_okay=False), default=None, help="Also write a .csv or .xlsx table."),
    click.option("--city", "name", default="chengdu", show_default=True, help="City profile name (slug)."),
    click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON."),
]


def common(command):
    for option in reversed(COMMON):
        command = option(command)
    return background_option(command)


def _in_background(kind: str, name: str, as_json: bool, **refused) -> None:
    """Queue the list as an XLSX job (the whole list: filters and --output stay with the direct command)."""
    given = [f"--{k.replace('_', '-')}" for k, v in refused.items() if v]
    if given:
        raise click.UsageError(f"--background builds the whole {kind} list as XLSX (download it from the job); "
                               f"leave out {', '.join(given)}")
    submit(name, "lists_xlsx", {"list": kind}, as_json)


def _setup(name):
    from geo.city import get_city
    from planner.key_blocks import load_blocks

    progress = Reporter()
    city = get_city(name, progress=progress)
    store = open_store()
    return city, store, load_blocks(store, city, progress=progress)


def _write(rows: list[dict], output: str | None) -> None:
    """A table for the bureau's office: CSV (UTF-8 with BOM, opens in Excel) or XLSX."""
    if not output:
        return
    from planner.lists import export_frame

    frame = export_frame(rows)
    if output.lower().endswith(".xlsx"):
        frame.to_excel(output, index=False, engine="openpyxl")
    elif output.lower().endswith(".csv"):
        frame.to_csv(output, index=False, encoding="utf-8-sig")
    else:
        raise click.BadParameter("use a .csv or .xlsx file name", param_hint="--output")


@click.group()
def lists() -> None:
    """Task, responsibility and assessment lists per squadron."""


@lists.command("tasks")
@click.option("--since", default=None, help="Incidents from this time (city time zone).")
@click.option("--until", default=None, help="Incidents before this time.")
@common
@reports_errors
def tasks(since, until, squadron, output, name, as_json, background) -> None:
    """Key blocks (visits per shift), open incidents by category, congestion points, by priority."""
    if background:
        return _in_background("tasks", name, as_json, since=since, until=until, squadron=squadron, output=output)
    from planner.lists import task_list

    city, store, blocks = _setup(name)
    start, end = parse_window(city, since, until)
    rows = task_list(store, city, blocks, squadron=squadron, since=start, until=end)
    _write(rows, output)
    emit(rows, as_json, "\n".join(f"{r['squadron']} {r['item']:16s} {r['id']:16s} {r['name']} "
                                  f"{r['visits_per_shift'] or r['count'] or ''}" for r in rows) or "no tasks")


@lists.command("responsibility")
@click.option("--point", default=None, help="Who answers for this 'lon,lat' (WGS-84)?")
@click.option("--block", "block_id", default=None, help="Who answers for this key block?")
@click.option("--street", default=None, help="Who answers for this street?")
@common
@reports_errors
def responsibility_command(point, block_id, street, squadron, output, name, as_json, background) -> None:
    """Who answers for every key block and street (squadron, zone, patrols), or for one of them."""
    if background:
        return _in_background("responsibility", name, as_json, point=point, block=block_id, street=street,
                              squadron=squadron, output=output)
    from geo.crs import parse_lonlat
    from planner.lists import responsibility, who_is_responsible

    city, store, blocks = _setup(name)
    if point:
        lon, lat = parse_lonlat(point, what="--point")
        found = who_is_responsible(store, city, blocks, lon, lat)
        emit(found, as_json, f"{found['street'] or 'unnamed street'}: squadron {found['squadron']}, zone {found['zone']}, "
                             f"patrols {', '.join(found['patrols']) or '-'}, key block {found['block_id'] or '-'}")
        return
    rows = responsibility(store, city, blocks)
    if block_id:
        rows = [r for r in rows if r["kind"] == "key_block" and r["id"] == block_id]
        if not rows:
            raise click.BadParameter(f"no key block {block_id!r}", param_hint="--block")
    if street:
        rows = [r for r in rows if r["kind"] == "street" and street in r["name"]]
        if not rows:
            raise click.BadParameter(f"no street named like {street!r}", param_hint="--street")
    if squadron:
        rows = [r for r in rows if r["squadron"] == squadron]
    _write(rows, output)
    emit(rows, as_json, "\n".join(f"{r['kind']:9s} {r['id']:16s} {r['squadron'] or '-':6s} {r['zone'] or '-':4s} "
                                  f"{r['patrols']}" for r in rows))


@lists.command("assessment")
@click.option("--since", default=None, help="From this time (city time zone) [default: everything].")
@click.option("--until", default=None, help="Before this time.")
@common
@reports_errors
def assessment_command(since, until, squadron, output, name, as_json, background) -> None:
    """Dispatches within target, response times, closures and key-block visits from the tracks."""
    if background:
        return _in_background("assessment", name, as_json, since=since, until=until, squadron=squadron,
                              output=output)
    from planner.lists import assessment

    city, store, blocks = _setup(name)
    start, end = parse_window(city, since, until)
    rows = assessment(store, city, blocks, squadron=squadron, since=start, until=end)
    _write(rows, output)
    lines = [f"{r['squadron']}: {r['dispatches']} dispatches, within target {r['within_target_share']}, "
             f"p50 {r['p50_response_s']} s, closed {r['incidents_closed']}, key-block visits "
             f"{r['visits_done']}/{r['visits_required']} ({r['visit_completion']}); no track: "
             f"{', '.join(r['missing_tracks']) or '-'}; gaps: {len(r['track_gaps'])}" for r in rows]
    emit(rows, as_json, "\n".join(lines) or "no squadrons")
