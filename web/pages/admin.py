"""The administrator's audit page: the audit log, newest first, filtered by action or person (read-only)."""

from flask import Blueprint, abort, render_template, request

from web.auth import roles_required
from web.resources import get_resources

__all__ = ["bp"]

bp = Blueprint("admin", __name__)

PAGE_ROWS = 200


@bp.get("/admin/audit")
@roles_required()  # admin only
def audit_page():
    """``?action=dispatch.`` (an action or a prefix), ``?actor=NAME``, ``?before=ID`` (the next page)."""
    from geo.errors import PatrolError
    from planner.audit import ACTIONS, list_entries
    from web.pages.layout import html_lang

    res = get_resources()
    action = request.args.get("action", "").strip() or None
    actor = request.args.get("actor", "").strip() or None
    before = request.args.get("before", "")
    if before and not (before.isdigit() and len(before) < 12):
        abort(400, f"before must be an audit line's number; got {before!r}")
    try:
        lines = list_entries(res.store, res.city.slug, action=action, actor=actor, limit=PAGE_ROWS,
                             before_id=int(before) if before else None)
    except PatrolError as exc:
        abort(400, str(exc))
    return render_template("audit.html", lines=lines, actions=ACTIONS, action=action or "", actor=actor or "",
                           html_lang=html_lang(), page_rows=PAGE_ROWS)
