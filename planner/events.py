"""The live feed: what changed since a cursor, read from the store (so every server process sees the same).

Events come from two append-only tables: the audit log (dispatch steps, reports, imports, zone versions) and
the patrols' track (positions). A cursor is the pair of the last ids seen, written ``"AUDIT-POSITION"``.
"""

import json
from dataclasses import dataclass

from sqlalchemy import func, select

from geo.errors import PatrolError
from planner.models import AuditEntry, PositionFix

__all__ = ["LIVE_ACTIONS", "Cursor", "Event", "events_after", "latest_cursor"]

LIVE_ACTIONS = {  # audit action: the event's type on the feed
    "dispatch.assign": "dispatch", "dispatch.accept": "dispatch", "dispatch.arrive": "dispatch",
    "dispatch.close": "dispatch", "incident.report": "incident", "incidents.import": "import",
    "zones.save": "zones",
}
_STATUS = {"dispatch.assign": "assigned", "dispatch.accept": "accepted", "dispatch.arrive": "arrived",
           "dispatch.close": "closed"}


@dataclass(frozen=True, order=True)
class Cursor:
    """The last audit id and position id a reader has seen."""

    audit_id: int = 0
    position_id: int = 0

    def __str__(self) -> str:
        return f"{self.audit_id}-{self.position_id}"

    @classmethod
    def parse(cls, text: str) -> "Cursor":
        """``"12-340"`` -> Cursor(12, 340); PatrolError naming the form otherwise."""
        parts = str(text).strip().split("-")
        if len(parts) != 2 or not all(p.isdigit() and len(p) < 12 for p in parts):
            raise PatrolError(f"event cursor must look like '12-340' (audit id - position id); got {text!r}.")
        return cls(int(parts[0]), int(parts[1]))

    def after(self, event: "Event") -> "Cursor":
        """This cursor moved past ``event``."""
        if event.source == "audit":
            return Cursor(max(self.audit_id, event.source_id), self.position_id)
        return Cursor(self.audit_id, max(self.position_id, event.source_id))


@dataclass(frozen=True)
class Event:
    """One change: ``type`` (position, dispatch, incident, import, zones), its data, and where it was read."""

    source: str  # audit | position
    source_id: int
    type: str
    data: dict

    @property
    def patrol_id(self) -> str | None:
        """The patrol the event is about, if any (an officer sees only their own)."""
        return self.data.get("patrol_id")


def latest_cursor(store, city: str) -> Cursor:
    """The cursor of everything stored now (a new reader starts here)."""
    with store.session() as session:
        audit = session.scalar(select(func.max(AuditEntry.id)).where(AuditEntry.city == city)) or 0
        position = session.scalar(select(func.max(PositionFix.id))) or 0
    return Cursor(audit, position)


def events_after(store, city: str, cursor: Cursor, *, limit: int = 1000, overlap: int = 0) -> list[Event]:
    """Events of ``city`` newer than ``cursor`` (positions first, then audit lines; each in id order).

    ``overlap`` re-reads that many ids below the cursor (a caller that de-duplicates catches rows whose
    transaction committed after a later id's did)."""
    with store.session() as session:
        fixes = session.scalars(select(PositionFix).where(
            PositionFix.city == city, PositionFix.id > cursor.position_id - overlap)
            .order_by(PositionFix.id).limit(limit)).all()
        lines = session.scalars(select(AuditEntry).where(
            AuditEntry.city == city, AuditEntry.id > cursor.audit_id - overlap,
            AuditEntry.action.in_(list(LIVE_ACTIONS))).order_by(AuditEntry.id).limit(limit)).all()
    events = [Event("position", f.id, "position", {
        "patrol_id": f.patrol_id, "lon": f.lon, "lat": f.lat, "at": f.at.isoformat() + "Z",
        "accuracy_m": f.accuracy_m}) for f in fixes]
    for line in lines:
        data = json.loads(line.detail) if line.detail else {}
        data |= {"action": line.action, "by": line.actor, "at": line.at.isoformat() + "Z"}
        if line.action in _STATUS:
            data["status"] = _STATUS[line.action]
        events.append(Event("audit", line.id, LIVE_ACTIONS[line.action], data))
    return events
