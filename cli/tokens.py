"""``patrol tokens add|list|revoke``: API tokens for machine clients (reports from the hotline or the city
platform through ``POST /api/incidents``)."""

import click

from cli.common import Reporter, emit, open_store, reports_errors

__all__ = ["tokens"]


@click.group()
def tokens() -> None:
    """API tokens for machine clients (role intake: post reports)."""


@tokens.command("add")
@click.argument("name")
@click.option("--role", default="intake", show_default=True, type=click.Choice(["intake"]), help="What it may do.")
@click.option("--city", "city_name", default="chengdu", show_default=True, help="City profile name (slug).")
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
@reports_errors
def add(name, role, city_name, as_json) -> None:
    """Make token NAME and print it once (only its hash is kept): send it as 'Authorization: Bearer TOKEN'."""
    from geo.city import get_city
    from planner.tokens import add_token

    city = get_city(city_name, progress=Reporter())
    token = add_token(open_store(), city.slug, name, role)
    emit({"name": name, "role": role, "token": token}, as_json,
         f"token {name} ({role}): {token}\n(shown once; send it as 'Authorization: Bearer TOKEN')")


@tokens.command("list")
@click.option("--city", "city_name", default="chengdu", show_default=True, help="City profile name (slug).")
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
@reports_errors
def list_(city_name, as_json) -> None:
    """The tokens (name, role, made, last used, revoked); never the tokens themselves."""
    from geo.city import get_city
    from planner.tokens import list_tokens

    city = get_city(city_name, progress=Reporter())
    rows = [t.as_dict() for t in list_tokens(open_store(), city.slug)]
    lines = [f"{r['name']:20s} {r['role']:8s} made {r['created_at']}  last used {r['last_used_at'] or '-'}"
             + (f"  REVOKED {r['revoked_at']}" if r["revoked_at"] else "") for r in rows]
    emit({"tokens": rows}, as_json, "\n".join(lines) or "no tokens (make one with: patrol tokens add NAME)")


@tokens.command("revoke")
@click.argument("name")
@click.option("--city", "city_name", default="chengdu", show_default=True, help="City profile name (slug).")
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
@reports_errors
def revoke(name, city_name, as_json) -> None:
    """Revoke token NAME: it stops working at once."""
    from geo.city import get_city
    from planner.tokens import revoke_token

    city = get_city(city_name, progress=Reporter())
    info = revoke_token(open_store(), city.slug, name)
    emit(info.as_dict(), as_json, f"token {name} revoked at {info.revoked_at:%Y-%m-%d %H:%M} UTC")
