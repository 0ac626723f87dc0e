"""What the ``patrol`` commands share: progress lines, output, the one-line error rule, the planner context.

Every command takes ``--json`` for machine-readable output on stdout; progress goes to stderr.
A bad input ends with a one-line message naming the problem and exit code 2, never a traceback.
"""

import functools
import logging
import os
import re
import sys
import time

import click

from geo import strict_json
from geo.errors import PatrolError

__all__ = ["Reporter", "chinese_message", "cli_language", "emit", "load_context", "open_store", "parse_window", "reports_errors"]


class Reporter:
    """Progress lines on stderr, each with the seconds since the command started."""

    def __init__(self, quiet: bool = False):
        self.started = time.perf_counter()
        self.quiet = quiet

    def __call__(self, message: str) -> None:
        if not self.quiet:
            click.echo(f"[{time.perf_counter() - self.started:6.1f}s] {message}", err=True)


def open_store():
    """The SQL store of this run: ``PATROL_DATABASE_URL``, else SQLite in the instance folder (migrated)."""
    from web.settings import current_settings

    return current_settings().store()


def emit(data, as_json: bool, text: str) -> None:
    """Print ``data`` as JSON, or ``text`` for people."""
    if as_json:
        click.echo(strict_json.dumps(data, ensure_ascii=False, indent=2, default=str))
    else:
        click.echo(text)


def cli_language() -> str:
    """The language of the command line's messages, ``zh`` or ``en``: ``PATROL_LANG``, else the locale
    (``LC_ALL``, ``LC_MESSAGES``, ``LANG``); English when none is set."""
    for name in ("PATROL_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "").strip().lower()
        if value:
            return "zh" if value.startswith("zh") else "en"
    return "en"


_INVALID_VALUE = re.compile(r"Invalid value for (?P<option>'[^']*'|\S+): (?P<rest>.*)", re.DOTALL)


def chinese_message(message: str) -> str | None:
    """The Chinese of a known message (``web.messages``; also after Click's "Invalid value for" prefix), or None."""
    from web.messages import translated

    found = _INVALID_VALUE.fullmatch(message)
    if found:
        rest = translated(found["rest"])
        return f"参数 {found['option']} 的值无效：{rest}" if rest else None
    return translated(message)


def _fail(exc: Exception, message: str, as_json: bool) -> None:
    in_chinese = cli_language() == "zh"
    chinese = chinese_message(message) if as_json or in_chinese else None  # (the patterns load Flask: not for nothing)
    if as_json:  # the English "error" stays the key scripts read; "error_zh" beside it when known
        data = {"error": message, "type": type(exc).__name__}
        if chinese:
            data["error_zh"] = chinese
        if getattr(exc, "problems", None):
            data["problems"] = exc.problems
        click.echo(strict_json.dumps(data, ensure_ascii=False, indent=2, default=str))
    elif in_chinese:
        click.echo(f"错误：{chinese or message}", err=True)
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


def load_context(name: str, *, progress: Reporter | None = None, geocoder: bool = True):
    """Return (city, blocks_gdf, store, placer) for city ``name``."""
    from pathlib import Path

    from geo.city import get_city
    from planner.incidents import IncidentPlacer
    from planner.key_blocks import load_blocks

    progress = progress or Reporter()
    city = get_city(name, progress=progress)
    store = open_store()
    blocks_gdf = load_blocks(store, city, progress=progress)
    coder = None
    if geocoder and city.report.get("source") and Path(city.report["source"]).is_file():
        coder = city.geocoder()
    return city, blocks_gdf, store, IncidentPlacer(city, blocks_gdf, coder)


def parse_window(city, since: str | None, until: str | None):
    """Parse --since/--until (city time zone unless an offset is given) into naive UTC datetimes."""
    import click

    from planner.incidents import parse_time

    bounds = []
    for option, value in (("--since", since), ("--until", until)):
        if value is None:
            bounds.append(None)
            continue
        try:
            bounds.append(parse_time(value, city.profile.timezone))
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint=option) from None
    return tuple(bounds)
