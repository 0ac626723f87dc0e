"""The audit log: every assignment, dispatch step, zone version, import and token use, with who, when and from
where. Rows are only ever added (the database refuses updates and deletes: migration 0015).

Who and from where are set once at the boundary (``acting_as``: the web app per request, the command line per
run) and read here, so the planning code records an action in the same transaction that does it.
"""

import contextvars
import getpass
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from geo.errors import PatrolError
from planner.clock import utc_now
from planner.models import AuditEntry

__all__ = ["ACTIONS", "Actor", "AuditLine", "acting_as", "command_line_actor", "current_actor", "list_entries",
           "record", "record_now"]

ACTIONS = ("dispatch.assign", "dispatch.accept", "dispatch.arrive", "dispatch.close", "incident.report",
           "incidents.import", "zones.save", "token.add", "token.revoke", "token.use", "token.refused",
           "patrols.import", "position.refused")


@dataclass(frozen=True)
class Actor:
    """Who acts (user name, ``token:NAME``, ``cli:OS-USER``) and from where (address or "command line")."""

    name: str
    origin: str


_ACTOR: contextvars.ContextVar = contextvars.ContextVar("patrol_actor", default=None)


def command_line_actor() -> Actor:
    """The person running a command: ``cli:`` and the operating system's user name."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return Actor(f"cli:{user}", "command line")


def acting_as(actor) -> contextvars.Token:
    """Set who acts in this thread/context from now on: an Actor, or a function returning one (asked only
    when an action is recorded). Returns the token to reset it."""
    return _ACTOR.set(actor)


def current_actor() -> Actor:
    """Who acts now (the command line's user when no boundary said otherwise)."""
    actor = _ACTOR.get()
    if callable(actor):
        actor = actor()
    return actor or command_line_actor()


def record(session, city: str, action: str, subject: str | None = None, detail: dict | None = None,
           *, at: datetime | None = None) -> AuditEntry:
    """Add one line to the audit log inside the caller's transaction (so it is kept exactly when the action is)."""
    if action not in ACTIONS:
        raise PatrolError(f"unknown audit action {action!r}; known: {', '.join(ACTIONS)}.")
    actor = current_actor()
    entry = AuditEntry(city=city, at=at or utc_now(), actor=actor.name[:128], origin=actor.origin[:128],
                       action=action, subject=subject and subject[:128],
                       detail=json.dumps(detail, ensure_ascii=False, default=str) if detail else None)
    session.add(entry)
    return entry


def record_now(store, city: str, action: str, subject: str | None = None, detail: dict | None = None) -> None:
    """Add one line to the audit log in its own transaction (for actions that write nothing else)."""
    with store.session() as session, session.begin():
        record(session, city, action, subject, detail)


@dataclass(frozen=True)
class AuditLine:
    """One audit line as listed; ``at`` naive UTC."""

    id: int
    at: datetime
    actor: str
    origin: str
    action: str
    subject: str | None
    detail: dict | None

    def as_dict(self) -> dict:
        return {"id": self.id, "at": self.at.isoformat() + "Z", "actor": self.actor, "origin": self.origin,
                "action": self.action, "subject": self.subject, "detail": self.detail}


def _line(row: AuditEntry) -> AuditLine:
    return AuditLine(row.id, row.at, row.actor, row.origin, row.action, row.subject,
                     json.loads(row.detail) if row.detail else None)


def list_entries(store, city: str, *, after_id: int = 0, before_id: int | None = None, action: str | None = None,
                 actor: str | None = None, limit: int = 200, newest_first: bool = True) -> list[AuditLine]:
    """Audit lines of a city (newest first by default) with ids between ``after_id`` and ``before_id``;
    ``action`` may be a prefix ending in '.' (``dispatch.``)."""
    if action is not None and action not in ACTIONS and not any(a.startswith(action) for a in ACTIONS):
        raise PatrolError(f"unknown audit action {action!r}; known: {', '.join(ACTIONS)} (or a prefix like 'dispatch.').")
    query = select(AuditEntry).where(AuditEntry.city == city, AuditEntry.id > after_id)
    if before_id is not None:
        query = query.where(AuditEntry.id < before_id)
    if action:
        query = query.where(AuditEntry.action.startswith(action) if action.endswith(".")
                            else AuditEntry.action == action)
    if actor:
        query = query.where(AuditEntry.actor == actor)
    query = query.order_by(AuditEntry.id.desc() if newest_first else AuditEntry.id).limit(limit)
    with store.session() as session:
        return [_line(row) for row in session.scalars(query)]
