"""Entry point of the ``patrol`` command line.

Every command takes ``--json`` for machine-readable output on stdout; progress goes to stderr.
A bad input ends with a one-line message naming the problem and exit code 2, never a traceback.
"""

import functools
import json
import logging
import sys
import time

import click

from geo.errors import PatrolError

__all__ = ["main"]


class Reporter:
    """Progress lines on stderr, each with the seconds since the command started."""

    def __init__(self, quiet: bool = False):
        self.started = time.perf_counter()
        self.quiet = quiet

    def __call__(self, message: str) -> None:
        if not self.quiet:
            click.echo(f"[{time.perf_counter() - self.started:6.1f}s] {message}", err=True)


def emit(data, as_json: bool, text: str) -> None:
    """Print ``data`` as JSON, or ``text`` for people."""
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        click.echo(text)


def _fail(exc: Exception, message: str, as_json: bool) -> None:
    if as_json:
        data = {"error": message, "type": type(exc).__name__}
        if getattr(exc, "problems", None):
            data["problems"] = exc.problems
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        click.echo(f"error: {message}", err=True)
    sys.exit(2)


def reports_errors(command):
    """Turn PatrolError into a clear message and exit code 2 (as JSON with --json).

    Anything else that escapes a command is a bug of ours: it still ends in one line (the
    command, the exception and how to see the details), never a traceback; ``-v`` logs it.
    """

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except PatrolError as exc:
            _fail(exc, str(exc), bool(kwargs.get("as_json")))
        except click.ClickException as exc:  # a bad value found by the command itself: one line too
            _fail(exc, exc.format_message(), bool(kwargs.get("as_json")))
        except (click.exceptions.Exit, click.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:  # the last line of defence: one line, not a traceback
            logging.getLogger("cli").debug("unexpected error", exc_info=True)
            detail = " ".join(str(exc).split())[:300]
            name = click.get_current_context(silent=True)
            where = name.command_path if name else "patrol"
            _fail(exc, f"{where} failed unexpectedly ({type(exc).__name__}: {detail}); this is a bug in "
                       "patrol: please report it with the input that caused it (run with 'patrol -v' for the details).",
                  bool(kwargs.get("as_json")))

    return wrapper


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Log debug messages to stderr.")
def cli(verbose: bool) -> None:
    """Key-block patrol planning: street networks, dispatch, zones and routes for a city bureau."""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")


def _register() -> None:
    from cli import (
        bench,
        blocks,
        city,
        demo,
        dispatch,
        hotspots,
        incidents,
        lists,
        patrols,
        route,
        routes,
        serve,
        simulate,
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
    cli.add_command(demo.demo)
    cli.add_command(bench.bench)


def main() -> None:
    """Run the ``patrol`` command line."""
    _register()
    cli()
