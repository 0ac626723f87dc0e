"""``patrol users add``: accounts for the web app."""

import click

from cli.common import Reporter, emit, open_store, reports_errors

__all__ = ["users"]


@click.group()
def users() -> None:
    """Users of the web app: dispatcher, planner, officer, admin."""


@users.command("add")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(["dispatcher", "planner", "officer", "admin"]))
@click.option("--patrol", "patrol_id", default=None, help="For an officer: the patrol whose route they see.")
@click.option("--password", default=None, help="At least 10 characters, not the user name, not a common password "
              "[default: generated and printed].")
@click.option("--city", "name", default="chengdu", show_default=True, help="City profile name (slug).")
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
@reports_errors
def add(username, role, patrol_id, password, name, as_json) -> None:
    """Create USERNAME with a role (the password is hashed; a generated one is printed once)."""
    from geo.city import get_city
    from planner.users import add_user

    city = get_city(name, progress=Reporter())
    user, secret = add_user(open_store(), city.slug, username, role, password=password, patrol_id=patrol_id)
    data = {"username": user.username, "role": user.role, "patrol_id": user.patrol_id}
    if password is None:
        data["password"] = secret
    emit(data, as_json, f"created {role} {username}" + (f" (patrol {patrol_id})" if patrol_id else "")
         + (f", password: {secret}" if password is None else ""))


@users.command("unlock")
@click.argument("username")
@click.option("--city", "name", default="chengdu", show_default=True, help="City profile name (slug).")
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
@reports_errors
def unlock(username, name, as_json) -> None:
    """Lift the sign-in lock of USERNAME (earned by repeated wrong passwords)."""
    from geo.city import get_city
    from planner.sign_in import clear_failures, throttle_keys

    city = get_city(name, progress=Reporter())
    cleared = clear_failures(open_store(), throttle_keys(city.slug, username, None)[0])
    emit({"username": username, "unlocked": cleared}, as_json,
         f"{username}: " + ("lock and failed sign-ins cleared" if cleared else "had no failed sign-ins"))
