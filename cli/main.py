"""Entry point of the ``patrol`` command line: the command group and the registration of every command.

The helpers the commands share live in ``cli.common``.
"""

import logging

import click

__all__ = ["cli", "main"]


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Log debug messages to stderr.")
def cli(verbose: bool) -> None:
    """Key-block patrol planning: street networks, dispatch, zones and routes for a city bureau."""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    from web.settings import current_settings

    current_settings()  # the PATROL_* folders, for every command of this run
    from planner.audit import acting_as, command_line_actor

    acting_as(command_line_actor())  # the audit log's who for this run


def _register() -> None:
    from cli import (
        audit,
        bench,
        blocks,
        city,
        demo,
        dispatch,
        hotspots,
        incidents,
        jobs,
        lists,
        patrols,
        plan,
        route,
        routes,
        serve,
        simulate,
        tokens,
        users,
        zones,
    )

    cli.add_command(city.city)
    cli.add_command(route.route)
    cli.add_command(blocks.blocks)
    cli.add_command(incidents.incidents)
    cli.add_command(hotspots.hotspots)
    cli.add_command(patrols.patrols)
    cli.add_command(dispatch.dispatch)
    cli.add_command(dispatch.dispatches)
    cli.add_command(zones.zones)
    cli.add_command(routes.routes)
    cli.add_command(simulate.simulate)
    cli.add_command(lists.lists)
    cli.add_command(serve.serve)
    cli.add_command(users.users)
    cli.add_command(tokens.tokens)
    cli.add_command(demo.demo)
    cli.add_command(bench.bench)
    cli.add_command(jobs.jobs)
    cli.add_command(jobs.worker)
    cli.add_command(plan.plan)
    cli.add_command(audit.audit)


def main() -> None:
    """Run the ``patrol`` command line."""
    _register()
    cli()
