"""The query-string arguments of the pages and the API: parsed and checked, a 400 with the reason if bad."""

from flask import abort, request

__all__ = ["MAX_ID", "filter_args", "hours_arg", "int_arg", "version_arg"]


def int_arg(name: str, default: int, low: int, high: int) -> int:
    """A whole number from the query, ``default`` if absent; 400 if not a number within [low, high]."""
    raw = request.args.get(name, default)
    try:
        value = int(raw)
    except (TypeError, ValueError):
        abort(400, f"{name} must be a whole number; got {raw!r}")
    if not low <= value <= high:
        abort(400, f"{name} must be between {low} and {high}; got {value}")
    return value


MAX_ID = 2**31 - 1  # ids and version numbers beyond this do not exist (and overflow SQLite's integers)


def version_arg(values=None, name: str = "version") -> int | None:
    """A zone version number from the query (or ``values``), None if absent; 400 if not a number in range."""
    raw = (request.args if values is None else values).get(name, "")
    if raw in ("", None):
        return None
    try:
        number = int(raw)
    except ValueError:
        abort(400, f"{name} must be a version number; got {raw!r}")
    if not 1 <= number <= MAX_ID:
        abort(400, f"{name} must be between 1 and {MAX_ID}; got {number}")
    return number


def hours_arg() -> tuple[int, int] | None:
    """``?hours=7-10`` as (7, 10) (local hours, end excluded); None if absent."""
    raw = request.args.get("hours", "").strip()
    if not raw:
        return None
    try:
        start, end = (int(x) for x in raw.split("-"))
    except ValueError:
        abort(400, f"hours must look like 7-10 (local hours from-to); got {raw!r}")
    if not (0 <= start <= 23 and 1 <= end <= 24 and start != end):
        abort(400, f"hours must be within 0-24 and not empty; got {raw!r}")
    return start, end


def filter_args() -> dict:
    """The congestion-point filter of the query string: category, days, hours."""
    from planner.incidents import CATEGORIES

    category = request.args.get("category") or None
    if category is not None and category not in CATEGORIES:
        abort(400, f"category must be one of {', '.join(CATEGORIES)}; got {category!r}")
    return {"category": category, "days": int_arg("days", 30, 1, 3660), "hours": hours_arg()}
