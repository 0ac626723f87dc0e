"""``patrol dispatch LOCATION`` and ``patrol dispatches list|arrive|close|report``."""

import click

from cli.common import Reporter, emit, open_store, reports_errors

__all__ = ["dispatch", "dispatches"]

CITY = click.option("--city", "name", default="chengdu", show_default=True, help="City profile name (slug).")
JSON = click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")


@click.command()
@click.argument("location")
@click.option("--category", default="stray_dog", show_default=True, help="Incident category (sets the target).")
@click.option("--datum", default=None, help="wgs84, gcj02, bd09, or a CRS code such as EPSG:4549 (LOCATION as x,y in its units) [default: the city's].")
@click.option("--assign", "do_assign", is_flag=True, help="Assign the recommended patrol (logged).")
@click.option("--patrol", "patrol_id", default=None, help="With --assign: this patrol instead of the recommended one.")
@CITY
@JSON
@reports_errors
def dispatch(location, category, datum, do_assign, patrol_id, name, as_json) -> None:
    """Rank the patrols for a report at LOCATION ('lon,lat' or an address)."""
    from geo.city import get_city
    from planner.dispatch import Dispatcher, assign
    from planner.key_blocks import load_blocks
    from planner.reports import recommend_for_report

    progress = Reporter()
    city = get_city(name, progress=progress)
    store = open_store()
    dispatcher = Dispatcher(city, load_blocks(store, city, progress=progress))
    recommendation = recommend_for_report(city, store, dispatcher, location, category, datum)
    lon, lat = recommendation.incident["lon"], recommendation.incident["lat"]
    data = recommendation.as_dict()
    if do_assign:
        logged = assign(store, city, recommendation, patrol_id=patrol_id)
        data["dispatch_id"] = logged.id
        data["assigned"] = logged.patrol_id
    lines = [f"{category} at {lon:.6f},{lat:.6f} ({recommendation.incident['street'] or 'unnamed street'}); "
             f"target {recommendation.incident['target_s'] / 60:.0f} min"]
    lines += [f"  {c.patrol_id:5s} {c.mode:6s} {c.eta_s / 60:5.1f} min {_km(c.distance_m)} "
              f"{'within' if c.within_target else 'BEYOND'} target" for c in recommendation.candidates]
    lines += [f"  left out {e['patrol_id']}: {e['reason']}" for e in recommendation.excluded]
    lines.append(f"recommended: {recommendation.recommended} ({recommendation.reason})")
    if do_assign:
        lines.append(f"assigned {data['assigned']} (dispatch {data['dispatch_id']})")
    emit(data, as_json, "\n".join(lines))


@click.group()
def dispatches() -> None:
    """The dispatch log: arrive, close, compliance report."""


def _dispatch_json(d) -> dict:
    return {"id": d.id, "patrol_id": d.patrol_id, "category": d.category, "status": d.status,
            "predicted_eta_s": round(d.predicted_eta_s, 1), "target_s": d.target_s,
            "reported_at": d.reported_at.isoformat() + "Z", "assigned_at": d.assigned_at.isoformat() + "Z",
            "arrived_at": d.arrived_at.isoformat() + "Z" if d.arrived_at else None,
            "closed_at": d.closed_at.isoformat() + "Z" if d.closed_at else None, "reason": d.reason}


@dispatches.command("list")
@CITY
@JSON
@reports_errors
def list_command(name: str, as_json: bool) -> None:
    """The dispatch log, oldest first (times UTC)."""
    from geo.city import get_city
    from planner.dispatch import list_dispatches

    city = get_city(name, progress=Reporter())
    rows = [_dispatch_json(d) for d in list_dispatches(open_store(), city.slug)]
    emit(rows, as_json, "\n".join(f"{r['id']:>5} {r['patrol_id']:5s} {r['category']:14s} {r['status']}" for r in rows)
         or "no dispatches")


@dispatches.command("arrive")
@click.argument("dispatch_id", type=int)
@CITY
@JSON
@reports_errors
def arrive_command(dispatch_id: int, name: str, as_json: bool) -> None:
    """The patrol of DISPATCH_ID reached the report."""
    from geo.city import get_city
    from planner.dispatch import arrive

    city = get_city(name, progress=Reporter())
    row = _dispatch_json(arrive(open_store(), city, dispatch_id))
    emit(row, as_json, f"dispatch {dispatch_id}: arrived")


@dispatches.command("close")
@click.argument("dispatch_id", type=int)
@CITY
@JSON
@reports_errors
def close_command(dispatch_id: int, name: str, as_json: bool) -> None:
    """DISPATCH_ID is dealt with; its patrol is available again."""
    from geo.city import get_city
    from planner.dispatch import close

    city = get_city(name, progress=Reporter())
    row = _dispatch_json(close(open_store(), city, dispatch_id))
    emit(row, as_json, f"dispatch {dispatch_id}: closed")


@dispatches.command("report")
@CITY
@JSON
@reports_errors
def report_command(name: str, as_json: bool) -> None:
    """Share of dispatches that arrived within target, by category, zone and day."""
    from geo.city import get_city
    from planner.dispatch import compliance_report

    city = get_city(name, progress=Reporter())
    report = compliance_report(open_store(), city)
    lines = [f"{report['dispatches']} dispatches, {report['arrived']} arrived, within target: "
             f"{report['within_target_share']}"]
    lines += [f"  {k}: {v['within_target']}/{v['arrived']}" for k, v in report["by_category"].items()]
    emit(report, as_json, "\n".join(lines))


def _km(metres: float | None) -> str:
    """A candidate's distance for the table (unmeasured on a big graph beyond the target: a dash)."""
    return "    -   " if metres is None else f"{metres / 1000:5.2f} km"
