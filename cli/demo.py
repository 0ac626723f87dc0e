"""``patrol demo``: the main job on the embedded default city.

Builds (or loads) the city, derives its key blocks, fills the store with 30 days of demo
incidents the first time, and prints the street networks, the key blocks and the top congestion
points. Later steps of the product add patrols, zones and routes, and serve the web app.
"""

import click

from cli.city import summary_text
from cli.common import Reporter, emit, load_context, reports_errors

__all__ = ["demo"]


@click.command()
@click.option("--city", "name", default="chengdu", show_default=True, help="City profile name (slug).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@reports_errors
def demo(name: str, as_json: bool) -> None:
    """Build the default city and show its streets, key blocks and congestion points."""
    from geo.city import city_summary
    from planner.demo_incidents import days_before_today, generate_incidents
    from planner.hotspots import find_hotspots
    from planner.incidents import incidents_frame, store_incidents

    progress = Reporter()
    city, blocks_gdf, store, placer = load_context(name, progress=progress, geocoder=False)
    frame = incidents_frame(store, city.slug)
    if frame.empty:
        progress("the store has no incidents yet: generating 30 days of demo incidents (seed 0) ...")
        records, _ = generate_incidents(city, blocks_gdf, days=30, seed=0, start=days_before_today(city, 30))
        store_incidents(store, placer.validate(records, default_datum="wgs84")[0])
        frame = incidents_frame(store, city.slug)
    accounts = _demo_accounts(city, store, progress)
    progress(f"finding congestion points among {len(frame)} incidents ...")
    spots = find_hotspots(frame, crs=city.crs, timezone=city.profile.timezone)[:5]
    summary = city_summary(city)
    data = summary | {
        "key_blocks": int(len(blocks_gdf)),
        "key_blocks_by_kind": {k: int(v) for k, v in blocks_gdf["kind"].value_counts().items()},
        "incidents": int(len(frame)),
        "database": store.url,
        "top_hotspots": [s.as_dict() for s in spots],
        "demo_accounts": accounts,
    }
    lines = [summary_text(summary),
             f"  key blocks: {len(blocks_gdf)} ({', '.join(f'{k} {v}' for k, v in data['key_blocks_by_kind'].items())})",
             f"  incidents in the store: {len(frame)} ({store.url})",
             "  top congestion points:"]
    lines += [f"    #{s.rank} {s.count} incidents near {s.street or 'an unnamed street'}"
              f" (block {s.block_id or '-'}, busy at {','.join(map(str, s.busy_hours))} h): {s.counts_by_category}"
              for s in spots]
    if accounts:
        lines.append("  demo accounts for the web app (shown once): " + "; ".join(
            f"{a['username']} / {a['password']} ({a['role']})" for a in accounts))
    emit(data, as_json, "\n".join(lines))


def _demo_accounts(city, store, progress) -> list[dict]:
    """The demo roster and one account per role, the first time only (passwords generated)."""
    from planner.models import User
    from planner.patrols import demo_roster, list_patrols, upsert_patrols
    from planner.users import add_user

    if not list_patrols(store, city.slug):
        upsert_patrols(store, city.slug, demo_roster(city))
    with store.session() as session:
        if session.query(User).filter(User.city == city.slug).count():
            return []
    progress("creating the demo accounts ...")
    accounts = []
    for username, role, patrol in (("admin", "admin", None), ("dispatcher", "dispatcher", None),
                                   ("planner", "planner", None), ("officer-e02", "officer", "E02")):
        user, password = add_user(store, city.slug, username, role, patrol_id=patrol, must_change=True)
        accounts.append({"username": user.username, "password": password, "role": role, "patrol_id": patrol})
    return accounts
