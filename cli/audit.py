"""``patrol audit list``: the audit log (who did what, when, from where), newest first; read-only."""

import click

from cli.common import Reporter, emit, open_store, reports_errors

__all__ = ["audit"]


@click.group()
def audit() -> None:
    """The audit log: assignments, dispatch steps, zone versions, imports, token use (nothing can edit it)."""


@audit.command("list")
@click.option("--action", default=None, help="One action (dispatch.assign) or a prefix ending in '.' (dispatch.).")
@click.option("--actor", default=None, help="Only this person or client (a user name, token:NAME, cli:USER).")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 100_000), help="Lines at most.")
@click.option("--city", "city_name", default="chengdu", show_default=True, help="City profile name (slug).")
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
@reports_errors
def list_(action, actor, limit, city_name, as_json) -> None:
    """The newest audit lines: time (UTC), who, from where, action, subject."""
    from geo.city import get_city
    from planner.audit import list_entries

    city = get_city(city_name, progress=Reporter())
    lines = [x.as_dict() for x in list_entries(open_store(), city.slug, action=action, actor=actor, limit=limit)]
    text = "\n".join(f"{x['id']:>6} {x['at'][:19]}  {x['actor']:18s} {x['origin']:15s} {x['action']:17s} {x['subject'] or ''}"
                     for x in lines)
    emit({"lines": lines}, as_json, text or "the audit log is empty (or nothing matches)")
