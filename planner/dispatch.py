"""Dispatch: which patrol reaches a report first, by which streets, and within its target or not.

ETAs come from one reverse search per travel mode (a tree of fastest paths towards the report),
not one search per patrol: travel time from the patrol's snapped position plus the city's turnout
time. Among patrols within target, the coverage-aware choice prefers the one whose departure
leaves the fewest key blocks beyond the stray-dog target of the remaining available patrols.

The lifecycle (assign, accept, arrive, close) is stored in the dispatch log with each step's time; a
patrol is assigned with a conditional update, so of two dispatchers assigning it at once exactly
one succeeds and the other gets a DispatchConflictError.
"""

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import shapely
from sqlalchemy import select, update

from geo.errors import ConflictError, NotFoundError, PatrolError
from geo.snapping import SnapError
from planner import audit
from planner.clock import utc_now
from planner.models import Dispatch, Incident, Patrol
from planner.patrols import PatrolUnit, availability, get_patrol, local_time

__all__ = [
    "Candidate",
    "DispatchConflictError",
    "DispatchChangedError",
    "DispatchStateError",
    "UnknownDispatchError",
    "Dispatcher",
    "OUTCOMES",
    "Recommendation",
    "accept",
    "active_dispatch",
    "arrive",
    "assign",
    "close",
    "compliance_report",
    "list_dispatches",
    "step",
]

COVERAGE_CATEGORY = "stray_dog"
MEASURED_ON_BIG_GRAPHS = 12  # on a graph without a table: the first candidates whose path (length, exact time) is found
_CACHE_LIMIT = 50_000  # snapped positions kept between requests (about 50 MB at most)


class DispatchConflictError(ConflictError):
    """The patrol was assigned by someone else first (it is no longer available)."""


class DispatchStateError(PatrolError):
    """A dispatch step is out of order (arrive before assign, close twice ...)."""


class UnknownDispatchError(NotFoundError, DispatchStateError):
    """No dispatch has this id in this city."""


class DispatchChangedError(ConflictError, DispatchStateError):
    """The dispatch changed between reading and writing it (another dispatcher or officer acted)."""


@dataclass
class Candidate:
    """A patrol that can go: ETA (s, with turnout), distance (m) along its fastest path."""

    patrol_id: str
    call_sign: str
    mode: str
    eta_s: float
    distance_m: float | None  # None: not measured (a big graph, beyond the target and the first routes)
    within_target: bool
    route: shapely.LineString | None = None
    blocks_left_uncovered: int | None = None

    def as_dict(self) -> dict:
        """JSON-ready (route as GeoJSON)."""
        data = {"patrol_id": self.patrol_id, "call_sign": self.call_sign, "mode": self.mode,
                "eta_s": round(self.eta_s, 1),
                "distance_m": None if self.distance_m is None else round(self.distance_m, 1),
                "within_target": self.within_target}
        if self.blocks_left_uncovered is not None:
            data["blocks_left_uncovered"] = self.blocks_left_uncovered
        if self.route is not None:
            data["route"] = shapely.geometry.mapping(self.route)
        return data


@dataclass
class Recommendation:
    """Ranked candidates, every patrol left out with its reason, and the recommended patrol."""

    incident: dict
    candidates: list[Candidate]
    excluded: list[dict]
    recommended: str | None
    reason: str
    extra: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        """JSON-ready, with the keys of the public CLI."""
        return {"incident": self.incident, "candidates": [c.as_dict() for c in self.candidates],
                "excluded": self.excluded, "recommended": self.recommended, "reason": self.reason}


class Dispatcher:
    """Recommends patrols on one city's graphs; keeps snapped positions between requests."""

    def __init__(self, city, blocks_gdf=None, *, coverage_aware: bool = True, routes_for: int = 3,
                 max_snap_m: float = 500.0):
        self.city = city
        self.profile = city.profile
        self.coverage_aware = coverage_aware
        self.routes_for = routes_for
        self.max_snap_m = max_snap_m
        self.blocks_gdf = blocks_gdf
        self._snaps: dict[tuple, object] = {}
        self._block_snaps: dict[str, list] = {}
        self._reach: dict[tuple, np.ndarray] = {}

    def _snap(self, mode: str, lon: float, lat: float):
        key = (mode, round(lon, 7), round(lat, 7))
        if len(self._snaps) > _CACHE_LIMIT:  # positions move all day: keep the caches bounded
            self._snaps.clear()
            self._reach.clear()
        if key not in self._snaps:
            try:
                self._snaps[key] = self.city.router(mode).snap(lon, lat, max_distance_m=self.max_snap_m)
            except SnapError as exc:
                self._snaps[key] = exc
        return self._snaps[key]

    def recommend(self, patrols: list[PatrolUnit], lon: float, lat: float, *, category: str = "stray_dog",
                  now: datetime | None = None) -> Recommendation:
        """Rank every available patrol by ETA to a WGS-84 point; list the others with reasons."""
        now = now or utc_now()
        target = self.profile.target_s(category)
        turnout = self.profile.turnout_s
        excluded, by_mode, fresh = [], {}, []
        local = local_time(now, self.profile.timezone)
        for patrol in patrols:
            status = availability(patrol, now, timezone=self.profile.timezone,
                                  stale_after_s=self.profile.stale_position_s, local=local)
            if not status.available:
                excluded.append({"patrol_id": patrol.id, "mode": patrol.mode, "reason": status.reason})
                continue
            fresh.append((patrol, status))
            by_mode.setdefault(patrol.mode, []).append((patrol, status))
        candidates, trees, origins = [], {}, {}
        street = None
        for mode, members in by_mode.items():
            router = self.city.router(mode)
            target_snap = self._snap(mode, lon, lat)
            if isinstance(target_snap, Exception):
                excluded.extend({"patrol_id": p.id, "mode": mode, "reason": f"unreachable: {target_snap}"}
                                for p, _ in members)
                continue
            street = street or target_snap.name
            placed = []
            for patrol, status in members:
                origin = self._snap(mode, status.lon, status.lat)
                if isinstance(origin, Exception):
                    excluded.append({"patrol_id": patrol.id, "mode": mode, "reason": f"unreachable: {origin}"})
                    continue
                placed.append((patrol, origin))
            if router.hierarchy is None:  # a city-sized graph: one reverse tree gives every time, path and length
                tree = trees[mode] = router.tree_to(target_snap)
                timed = [(patrol, origin, *router.via_tree(origin, tree)[:2]) for patrol, origin in placed]
            else:  # a big graph: one many-to-one query of the hierarchy; lengths come with the routes below
                trees[mode] = target_snap
                seconds_each = router.times_to_place([origin for _, origin in placed], target_snap)
                timed = [(patrol, origin, seconds, None) for (patrol, origin), seconds in
                         zip(placed, seconds_each, strict=True)]
            for patrol, origin, seconds, metres in timed:
                if not np.isfinite(seconds):
                    excluded.append({"patrol_id": patrol.id, "mode": mode,
                                     "reason": "unreachable: no street path to the report"})
                    continue
                origins[patrol.id] = origin
                candidates.append(Candidate(patrol.id, patrol.call_sign, mode, float(seconds + turnout),
                                            None if metres is None else float(metres), bool(seconds + turnout <= target)))
        candidates.sort(key=lambda c: (c.eta_s, c.patrol_id))
        for rank, candidate in enumerate(candidates[:MEASURED_ON_BIG_GRAPHS]):
            router = self.city.router(candidate.mode)
            if router.hierarchy is None:
                if rank < self.routes_for:
                    candidate.route = router.route_via_tree(origins[candidate.patrol_id], trees[candidate.mode]).geometry
                continue
            if rank >= self.routes_for and not candidate.within_target:
                continue
            if rank < self.routes_for:
                route = router.route(origins[candidate.patrol_id], trees[candidate.mode])
                seconds, candidate.distance_m, candidate.route = route.travel_time_s, route.distance_m, route.geometry
            else:
                seconds, candidate.distance_m = router.measure(origins[candidate.patrol_id], trees[candidate.mode])
            candidate.eta_s = seconds + turnout  # the exact edge times along the path
            candidate.within_target = bool(candidate.eta_s <= target)
        candidates.sort(key=lambda c: (c.eta_s, c.patrol_id))
        recommended, reason = self._choose(candidates, fresh, target)
        incident = {"lon": round(lon, 7), "lat": round(lat, 7), "category": category, "target_s": target,
                    "street": street}
        return Recommendation(incident, candidates, excluded, recommended, reason)

    def _choose(self, candidates: list[Candidate], fresh, target_s: float) -> tuple[str | None, str]:
        if not candidates:
            return None, "no patrol can go"
        within = [c for c in candidates if c.within_target]
        fastest = candidates[0]
        if not within:
            return fastest.patrol_id, f"no patrol within {target_s / 60:.0f} min: the fastest"
        if len(within) == 1 or not self.coverage_aware or self.blocks_gdf is None or not len(self.blocks_gdf):
            return fastest.patrol_id, "fastest"
        covered = self._block_coverage(fresh)
        if covered is None:
            return fastest.patrol_id, "fastest"
        cover_count = np.sum(list(covered.values()), axis=0)  # patrols reaching each block
        for candidate in within[:5]:
            own = covered.get(candidate.patrol_id, np.zeros(len(cover_count), dtype=bool))
            candidate.blocks_left_uncovered = int(np.sum(cover_count - own == 0))
        best = min(within[:5], key=lambda c: (c.blocks_left_uncovered, c.eta_s))
        if best is fastest or best.blocks_left_uncovered == fastest.blocks_left_uncovered:
            return fastest.patrol_id, (f"fastest; its departure leaves {fastest.blocks_left_uncovered} key blocks "
                                       f"beyond {self.profile.target_s(COVERAGE_CATEGORY) / 60:.0f} min")
        return best.patrol_id, (
            f"coverage-aware: {best.patrol_id} arrives {best.eta_s - fastest.eta_s:.0f} s after {fastest.patrol_id} "
            f"but its departure leaves {best.blocks_left_uncovered} key blocks beyond "
            f"{self.profile.target_s(COVERAGE_CATEGORY) / 60:.0f} min instead of {fastest.blocks_left_uncovered}")

    def _block_coverage(self, fresh) -> dict[str, np.ndarray] | None:
        """For each available patrol, which key blocks it reaches within the stray-dog target.

        Kept per (mode, position): a patrol that has not moved costs nothing on the next report.
        """
        limit = self.profile.target_s(COVERAGE_CATEGORY) - self.profile.turnout_s
        missing: dict[str, list] = {}
        keys = {}
        for patrol, status in fresh:
            key = (patrol.mode, round(status.lon, 7), round(status.lat, 7))
            keys[patrol.id] = key
            if key not in self._reach and not isinstance(self._snap(*key), Exception):
                missing.setdefault(patrol.mode, []).append(key)
        for mode, mode_keys in missing.items():
            blocks = self._blocks_for(mode)
            usable = [i for i, b in enumerate(blocks) if b is not None]
            mode_keys = list(dict.fromkeys(mode_keys))
            times = self.city.router(mode).matrix([self._snap(*k) for k in mode_keys], [blocks[i] for i in usable])
            for row, key in enumerate(mode_keys):
                reach = np.zeros(len(blocks), dtype=bool)
                reach[usable] = times[row] <= limit
                self._reach[key] = reach
        covered = {pid: self._reach[key] for pid, key in keys.items() if key in self._reach}
        return covered or None

    def _blocks_for(self, mode: str) -> list:
        if mode not in self._block_snaps:
            points = self.blocks_gdf.geometry.representative_point()
            snaps = []
            for point in points:
                snap = self._snap(mode, point.x, point.y)
                snaps.append(None if isinstance(snap, Exception) else snap)
            self._block_snaps[mode] = snaps
        return self._block_snaps[mode]


# -- the lifecycle ---------------------------------------------------------------------------------

def _taken_by(store, city_slug: str, patrol_id: str) -> str | None:
    """Who took the patrol: 'C04 was just sent to report #3 by dispatcher X (10:02 UTC)', if it has an active
    dispatch; None otherwise."""
    with store.session() as session:
        latest = session.scalars(select(Dispatch).where(Dispatch.city == city_slug, Dispatch.patrol_id == patrol_id,
                                                        Dispatch.status != "closed")
                                 .order_by(Dispatch.id.desc()).limit(1)).first()
    if latest is None:
        return None
    who = f" by {latest.assigned_by}" if latest.assigned_by else ""
    return (f"{patrol_id} was just sent to report #{latest.incident_id}{who} "
            f"({latest.assigned_at:%H:%M} UTC); choose another patrol.")


def assign(store, city, recommendation: Recommendation, *, patrol_id: str | None = None,
           incident_id: int | None = None, reported_at: datetime | None = None, now: datetime | None = None,
           source: str = "hotline", assigned_by: str | None = None) -> Dispatch:
    """Assign a patrol (the recommended one by default) to the report; the patrol becomes busy.

    Creates the incident when ``incident_id`` is not given. Raises DispatchConflictError if the
    patrol is no longer available (another dispatcher was first: the message says who); nothing is
    written then. ``assigned_by``: the dispatcher's user name, kept with the dispatch.
    """
    now = now or utc_now()
    patrol_id = patrol_id or recommendation.recommended
    if patrol_id is None:
        raise DispatchStateError("no patrol to assign: none can reach the report.")
    candidate = next((c for c in recommendation.candidates if c.patrol_id == patrol_id), None)
    if candidate is None:
        taken = _taken_by(store, city.slug, patrol_id)
        if taken:
            raise DispatchConflictError(taken)
        raise DispatchStateError(f"patrol {patrol_id!r} is not among the candidates of this report.")
    try:
        return _assign(store, city, recommendation, candidate, incident_id=incident_id, now=now,
                       reported_at=reported_at or now, source=source, assigned_by=assigned_by)
    except DispatchConflictError as exc:
        raise DispatchConflictError(_taken_by(store, city.slug, patrol_id) or str(exc)) from None


def _assign(store, city, recommendation: Recommendation, candidate: Candidate, *, incident_id, now, reported_at,
            source, assigned_by) -> Dispatch:
    patrol_id = candidate.patrol_id
    patrol = get_patrol(store, city.slug, patrol_id)
    incident = recommendation.incident
    with store.session() as session, session.begin():
        taken = session.execute(update(Patrol).where(
            Patrol.city == city.slug, Patrol.id == patrol_id, Patrol.status == "available",
        ).values(status="busy", version=Patrol.version + 1))
        if taken.rowcount != 1:  # said after this transaction is rolled back
            raise DispatchConflictError(f"patrol {patrol_id} is no longer available; choose another.")
        if incident_id is None:
            record = Incident(city=city.slug, category=incident["category"], source=source, reported_at=reported_at,
                              lon=incident["lon"], lat=incident["lat"], input_datum="wgs84", status="assigned",
                              street_name=incident.get("street"), created_at=now)
            session.add(record)
            session.flush()
            incident_id = record.id
        else:
            session.execute(update(Incident).where(Incident.id == incident_id).values(status="assigned"))
        dispatch = Dispatch(
            city=city.slug, incident_id=incident_id, patrol_id=patrol_id, category=incident["category"],
            zone=patrol.zone, lon=incident["lon"], lat=incident["lat"], predicted_eta_s=candidate.eta_s,
            target_s=incident["target_s"], reason=recommendation.reason,
            candidates_json=json.dumps([c.as_dict() | {"route": None} for c in recommendation.candidates[:10]]),
            status="assigned", reported_at=reported_at, assigned_at=now, assigned_by=assigned_by)
        session.add(dispatch)
        session.flush()
        audit.record(session, city.slug, "dispatch.assign", f"dispatch {dispatch.id}", {
            "dispatch_id": dispatch.id, "incident_id": incident_id, "patrol_id": patrol_id,
            "category": incident["category"], "predicted_eta_s": round(candidate.eta_s, 1),
            "target_s": incident["target_s"], "lon": incident["lon"], "lat": incident["lat"]}, at=now)
    return dispatch


OUTCOMES = ("resolved", "not_found", "referred")
_STEPS = {  # step: (the states it follows, the new state, the column of its time)
    "accept": (("assigned",), "accepted", "accepted_at"),
    "arrive": (("assigned", "accepted"), "arrived", "arrived_at"),
    "close": (("arrived",), "closed", "closed_at"),
}


def step(store, city, dispatch_id: int, name: str, *, at: datetime | None = None, outcome: str | None = None,
         note: str | None = None) -> Dispatch:
    """Move a dispatch one step (accept, arrive, close: assigned -> accepted -> arrived -> closed; arrive may
    skip accept), time stored (naive UTC); closing takes an ``outcome`` (OUTCOMES) and a short ``note``."""
    if name not in _STEPS:
        raise DispatchStateError(f"unknown step {name!r}; steps: {', '.join(_STEPS)}.")
    follows, new, column = _STEPS[name]
    extra = {}
    if name == "close":
        if outcome is not None and outcome not in OUTCOMES:
            raise DispatchStateError(f"outcome must be one of {', '.join(OUTCOMES)}; got {outcome!r}.")
        if note is not None and len(note) > 500:
            raise DispatchStateError(f"the note has {len(note)} characters; keep it under 500.")
        extra = {"outcome": outcome or "resolved", "close_note": (note or "").strip() or None}
    at = at or utc_now()
    with store.session() as session, session.begin():
        dispatch = session.get(Dispatch, dispatch_id)
        if dispatch is None or dispatch.city != city.slug:
            raise UnknownDispatchError(f"no dispatch {dispatch_id} in {city.slug}.")
        if dispatch.status not in follows:
            raise DispatchStateError(f"dispatch {dispatch_id} is {dispatch.status}; cannot mark it {new}.")
        changed = session.execute(update(Dispatch).where(Dispatch.id == dispatch_id, Dispatch.status == dispatch.status)
                                  .values(status=new, **{column: at}, **extra))
        if changed.rowcount != 1:
            raise DispatchChangedError(f"dispatch {dispatch_id} changed meanwhile; try again.")
        if new == "closed":
            session.execute(update(Patrol).where(Patrol.city == city.slug, Patrol.id == dispatch.patrol_id)
                            .values(status="available", version=Patrol.version + 1))
            if dispatch.incident_id is not None:
                session.execute(update(Incident).where(Incident.id == dispatch.incident_id).values(status="closed"))
        audit.record(session, city.slug, f"dispatch.{name}", f"dispatch {dispatch_id}", {
            "dispatch_id": dispatch_id, "incident_id": dispatch.incident_id, "patrol_id": dispatch.patrol_id,
            "status": new} | extra, at=at)
    with store.session() as session:
        return session.get(Dispatch, dispatch_id)


def accept(store, city, dispatch_id: int, *, at: datetime | None = None) -> Dispatch:
    """The officer accepted the dispatch on the phone (time stored)."""
    return step(store, city, dispatch_id, "accept", at=at)


def arrive(store, city, dispatch_id: int, *, at: datetime | None = None) -> Dispatch:
    """The patrol reached the report (time stored)."""
    return step(store, city, dispatch_id, "arrive", at=at)


def close(store, city, dispatch_id: int, *, at: datetime | None = None, outcome: str | None = None,
          note: str | None = None) -> Dispatch:
    """The report is dealt with (outcome, note); the patrol is available again."""
    return step(store, city, dispatch_id, "close", at=at, outcome=outcome, note=note)


def active_dispatch(store, city: str, patrol_id: str) -> Dispatch | None:
    """The patrol's dispatch not yet closed (the latest), if any."""
    with store.session() as session:
        return session.scalars(select(Dispatch).where(Dispatch.city == city, Dispatch.patrol_id == patrol_id,
                                                      Dispatch.status != "closed")
                               .order_by(Dispatch.id.desc()).limit(1)).first()


def list_dispatches(store, city: str) -> list[Dispatch]:
    """The dispatch log of a city, oldest first."""
    with store.session() as session:
        return list(session.scalars(select(Dispatch).where(Dispatch.city == city).order_by(Dispatch.id)))


def incident_streets(store, incident_ids) -> dict[int, str]:
    """The street name of each incident (by id) that has one."""
    ids = [i for i in set(incident_ids) if i is not None]
    if not ids:
        return {}
    with store.session() as session:
        rows = session.execute(select(Incident.id, Incident.street_name).where(Incident.id.in_(ids))).all()
    return {i: name for i, name in rows if name}


def compliance_report(store, city) -> dict:
    """Share of dispatches that arrived within target, by category, zone and local day.

    Response time = arrival - report. Dispatches not yet arrived are counted as ``pending``.
    """
    rows = list_dispatches(store, city.slug)
    if not rows:
        return {"dispatches": 0, "arrived": 0, "pending": 0, "within_target_share": None,
                "by_category": {}, "by_zone": {}, "by_day": {}}
    tz = ZoneInfo(city.profile.timezone)
    frame = pd.DataFrame([{
        "category": d.category, "zone": d.zone or "unzoned",
        "day": d.reported_at.replace(tzinfo=UTC).astimezone(tz).date().isoformat(),
        "arrived": d.arrived_at is not None,
        "within": d.arrived_at is not None and (d.arrived_at - d.reported_at).total_seconds() <= d.target_s,
        "response_s": (d.arrived_at - d.reported_at).total_seconds() if d.arrived_at else None,
    } for d in rows])

    def group(key):
        out = {}
        for value, part in frame.groupby(key):
            arrived = part[part["arrived"]]
            out[str(value)] = {"dispatches": len(part), "arrived": len(arrived),
                               "within_target": int(arrived["within"].sum()),
                               "within_target_share": round(float(arrived["within"].mean()), 4) if len(arrived) else None}
        return out

    arrived = frame[frame["arrived"]]
    return {
        "dispatches": len(frame), "arrived": len(arrived), "pending": int((~frame["arrived"]).sum()),
        "within_target_share": round(float(arrived["within"].mean()), 4) if len(arrived) else None,
        "by_category": group("category"), "by_zone": group("zone"), "by_day": group("day"),
    }
