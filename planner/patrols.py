"""Patrol units: roster import, a demo roster, position updates, availability.

A patrol is available for dispatch when its status is ``available``, the time is inside its shift
(local time) and its position is fresh: the last reported position if reported within the city's
``stale_position_s`` (default 10 min); a patrol that never reported is at its base.
"""

import csv
import io
import json
import math
import re
from dataclasses import dataclass, fields
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Final
from zoneinfo import ZoneInfo

import numpy as np
import shapely
from sqlalchemy import select, update

from geo.crs import check_datum, is_crs_code, to_wgs84, validate_lonlat
from geo.errors import CoordinateError, DatumError, NotFoundError, PatrolError
from geo.profile import MODES
from planner import audit
from planner.clock import utc_now
from planner.models import Patrol, PositionFix

__all__ = [
    "STATUSES",
    "Availability",
    "PatrolUnit",
    "PatrolFileError",
    "UnknownPatrolError",
    "availability",
    "demo_roster",
    "demo_roster_size",
    "get_patrol",
    "in_shift",
    "local_time",
    "import_patrols",
    "list_patrols",
    "set_status",
    "update_position",
    "ImplausibleFixError",
    "OLDEST_FIX_S",
    "top_speed_mps",
    "upsert_patrols",
]

STATUSES: Final = ("available", "busy", "off_duty")
PATROL_ID: Final = re.compile(r"[\w-]{1,32}")  # letters (any script), digits, - and _: safe in file names and URLs


class UnknownPatrolError(NotFoundError):
    """No patrol with this id in the city."""


class PatrolFileError(PatrolError):
    """A roster file cannot be read or has invalid rows (each listed)."""


@dataclass(frozen=True)
class Availability:
    """Where a patrol is (WGS-84) and whether it can be dispatched; ``reason`` says why not."""

    patrol_id: str
    available: bool
    reason: str | None
    lon: float
    lat: float
    position_age_s: float | None
    stale: bool


def _clock(value: str, field: str) -> time:
    text = str(value).strip()
    if text == "24:00":
        return time(23, 59, 59)
    try:
        hours, minutes = (int(x) for x in text.split(":"))
        return time(hours, minutes)
    except ValueError:
        raise ValueError(f"`{field}` must be a local time HH:MM; got {value!r}") from None


def local_time(now_utc: datetime, timezone: str) -> time:
    """The local clock time of a naive UTC datetime."""
    return now_utc.replace(tzinfo=UTC).astimezone(ZoneInfo(timezone)).time()


def in_shift(patrol: "PatrolUnit", now_utc: datetime, timezone: str, *, local: time | None = None) -> bool:
    """True if ``now_utc`` (naive UTC) falls in the patrol's shift (local time; may cross midnight)."""
    local = local or local_time(now_utc, timezone)
    start, end = _clock(patrol.shift_start, "shift_start"), _clock(patrol.shift_end, "shift_end")
    return start <= local <= end if start <= end else (local >= start or local <= end)


def availability(patrol: "PatrolUnit", now_utc: datetime, *, timezone: str, stale_after_s: float,
                 local: time | None = None) -> Availability:
    """Whether and from where a patrol can be dispatched now (``local``: the local time, if known)."""
    age = None if patrol.last_seen_at is None else (now_utc - patrol.last_seen_at).total_seconds()
    if age is None:
        lon, lat, stale = patrol.base_lon, patrol.base_lat, False
    else:
        lon, lat, stale = patrol.last_lon, patrol.last_lat, age > stale_after_s
    reason = None
    if patrol.status == "busy":
        reason = "busy"
    elif patrol.status == "off_duty" or not in_shift(patrol, now_utc, timezone, local=local):
        reason = "off duty"
    elif stale:
        reason = f"stale position (last seen {age / 60:.0f} min ago)"
    return Availability(patrol.id, reason is None, reason, lon, lat, age, stale)


@dataclass(frozen=True)
class PatrolUnit:
    """A patrol as a plain value (what the planner works with; the store's row is ``models.Patrol``).

    Positions WGS-84 lon/lat; ``last_seen_at`` naive UTC; shifts local ``HH:MM``.
    """

    city: str
    id: str
    call_sign: str
    mode: str
    base_lon: float
    base_lat: float
    zone: str | None = None
    squadron: str | None = None
    shift_start: str = "00:00"
    shift_end: str = "24:00"
    status: str = "available"
    last_lon: float | None = None
    last_lat: float | None = None
    last_seen_at: datetime | None = None
    version: int = 1

    @classmethod
    def from_row(cls, row: Patrol) -> "PatrolUnit":
        """The value of a stored row."""
        return cls(**{f.name: getattr(row, f.name) for f in fields(cls)})


def list_patrols(store, city: str) -> list[PatrolUnit]:
    """The city's patrols, by id (plain values)."""
    with store.session() as session:
        rows = session.scalars(select(Patrol).where(Patrol.city == city).order_by(Patrol.id))
        return [PatrolUnit.from_row(row) for row in rows]


def get_patrol(store, city: str, patrol_id: str) -> PatrolUnit:
    """One patrol (a plain value), or UnknownPatrolError. The message names no other patrol: whoever asks
    may not be allowed to see the roster (an officer); the roster is one ``patrol patrols list`` away."""
    with store.session() as session:
        patrol = session.get(Patrol, {"city": city, "id": patrol_id})
        if patrol is None:
            raise UnknownPatrolError(f"no patrol {str(patrol_id)[:64]!r} in {city}; see the roster "
                                     "('patrol patrols list', or /api/patrols for dispatchers and planners).")
        return PatrolUnit.from_row(patrol)


def upsert_patrols(store, city: str, rows: list[dict]) -> int:
    """Insert or replace patrols by id (positions and status of replaced patrols are reset)."""
    with store.session() as session, session.begin():
        for row in rows:
            existing = session.get(Patrol, {"city": city, "id": row["id"]})
            if existing is not None:
                session.delete(existing)
                session.flush()
            session.add(Patrol(city=city, version=1, **row))
    return len(rows)


FUTURE_SLACK_S: Final = 120.0  # a phone's clock may run this far ahead of the server's
OLDEST_FIX_S: Final = 24 * 3600.0  # a queued fix older than this is refused
_SPEED_SLACK: Final = {"foot": 3.0, "ebike": 2.0, "car": 1.5}  # times the mode's top speed: runners, GPS noise
_DEFAULT_ACCURACY_M: Final = 30.0


class ImplausibleFixError(PatrolError):
    """A position the patrol cannot have had: from the future, too old, or reached faster than its mode can go."""


def top_speed_mps(profile, mode: str) -> float:
    """The fastest a patrol of ``mode`` can plausibly move (metres per second), from the city's profile."""
    spec = profile.mode(mode)
    top_kph = max([spec.speed_kph, *spec.highway_speeds_kph.values(), *spec.maxspeed_zones.values()])
    return top_kph / 3.6 * _SPEED_SLACK.get(mode, 2.0)


def _metres(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Distance between two WGS-84 points (metres, equirectangular: exact enough under 100 km)."""
    x = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    return 6_371_008.8 * math.hypot(x, math.radians(lat2 - lat1))


def _check_plausible(session, city: str, patrol: Patrol, lon: float, lat: float, at: datetime,
                     accuracy_m: float | None, profile, now: datetime, max_age_s: float | None) -> None:
    ahead = (at - now).total_seconds()
    if ahead > FUTURE_SLACK_S:
        raise ImplausibleFixError(f"position of {patrol.id} is from the future ({ahead / 60:.0f} min ahead of the "
                                  "server's clock); check the phone's clock.")
    if max_age_s is not None and -ahead > max_age_s:
        raise ImplausibleFixError(f"position of {patrol.id} is {-ahead / 3600:.0f} h old; only fixes from the last "
                                  "24 h are taken.")
    if profile is None:
        return
    before = session.scalars(select(PositionFix).where(
        PositionFix.city == city, PositionFix.patrol_id == patrol.id, PositionFix.at <= at)
        .order_by(PositionFix.at.desc(), PositionFix.id.desc()).limit(1)).first()
    if before is None:
        return
    seconds = max((at - before.at).total_seconds(), 1.0)
    slack = (accuracy_m or _DEFAULT_ACCURACY_M) + (before.accuracy_m or _DEFAULT_ACCURACY_M)
    moved = max(_metres(before.lon, before.lat, lon, lat) - slack, 0.0)
    limit = top_speed_mps(profile, patrol.mode)
    if moved / seconds > limit:
        raise ImplausibleFixError(
            f"position of {patrol.id} is {moved:.0f} m beyond the fix of {before.at:%H:%M:%S} UTC after {seconds:.0f} s: "
            f"{moved / seconds * 3.6:.0f} km/h, faster than a {patrol.mode} patrol can go ({limit * 3.6:.0f} km/h).")


def update_position(store, city: str, patrol_id: str, lon: float, lat: float, *, at: datetime | None = None,
                    datum: str = "wgs84", jurisdiction=None, accuracy_m: float | None = None,
                    profile=None, max_age_s: float | None = None) -> PatrolUnit:
    """Record a patrol's position (any datum; stored WGS-84) with its time (naive UTC; default now) and the
    phone's accuracy (metres). Refused (ImplausibleFixError) from the future, older than ``max_age_s`` (a phone's
    fixes: OLDEST_FIX_S), outside the ``jurisdiction``, or, with the city ``profile``, further from the previous
    fix than the mode can travel.
    A fix older than the latest one joins the track without moving the patrol (a queue sent late)."""
    if not is_crs_code(check_datum(datum)):
        validate_lonlat(lon, lat, what=f"position of {patrol_id}")
    lon, lat = validate_lonlat(*to_wgs84(lon, lat, datum), what=f"position of {patrol_id}")
    if jurisdiction is not None and not jurisdiction.covers(shapely.Point(lon, lat)):
        raise CoordinateError(f"position of {patrol_id} ({lon:.6f}, {lat:.6f}) is outside the city.")
    if accuracy_m is not None and not (math.isfinite(accuracy_m) and 0 <= accuracy_m <= 100_000):
        raise PatrolError(f"accuracy of {patrol_id}'s position must be metres between 0 and 100000; got {accuracy_m!r}.")
    now = utc_now()
    at = at or now
    get_patrol(store, city, patrol_id)
    with store.session() as session, session.begin():
        patrol = session.get(Patrol, {"city": city, "id": patrol_id})
        _check_plausible(session, city, patrol, lon, lat, at, accuracy_m, profile, now, max_age_s)
        if patrol.last_seen_at is None or at >= patrol.last_seen_at:
            session.execute(update(Patrol).where(Patrol.city == city, Patrol.id == patrol_id).values(
                last_lon=lon, last_lat=lat, last_seen_at=at, version=Patrol.version + 1))
        session.add(PositionFix(city=city, patrol_id=patrol_id, lon=lon, lat=lat, at=at, accuracy_m=accuracy_m))
    return get_patrol(store, city, patrol_id)


def set_status(store, city: str, patrol_id: str, status: str, *, expect: str | None = None) -> bool:
    """Set a patrol's status; with ``expect``, only if it currently has that status (atomic).

    Returns False when ``expect`` did not hold (another dispatcher changed it first).
    """
    if status not in STATUSES:
        raise PatrolError(f"status must be one of {', '.join(STATUSES)}; got {status!r}.")
    get_patrol(store, city, patrol_id)
    conditions = [Patrol.city == city, Patrol.id == patrol_id]
    if expect is not None:
        conditions.append(Patrol.status == expect)
    with store.session() as session, session.begin():
        result = session.execute(update(Patrol).where(*conditions).values(status=status, version=Patrol.version + 1))
        return result.rowcount == 1


def _validate_roster(records: list[dict], rows: list[int], city, default_datum: str) -> tuple[list[dict], list[dict]]:
    problems, ready, seen = [], [], {}
    for row, record in zip(rows, records, strict=True):
        found = []

        def problem(field, reason, found=found, row=row):
            found.append({"row": row, "field": field, "reason": reason})

        patrol_id = str(record.get("id") or "").strip()
        if not patrol_id:
            problem("id", "required field is missing or empty")
        elif not PATROL_ID.fullmatch(patrol_id):
            problem("id", f"{patrol_id!r}: use letters, digits, '-' or '_' (at most 32); the id names files and URLs")
        elif patrol_id in seen:
            problem("id", f"duplicate id {patrol_id!r} (also on row {seen[patrol_id]})")
        else:
            seen[patrol_id] = row
        mode = str(record.get("mode") or "").strip().lower()
        if mode not in MODES:
            problem("mode", f"must be one of {', '.join(MODES)}; got {record.get('mode')!r}")
        try:
            datum = check_datum(str(record.get("datum") or default_datum))
        except DatumError as exc:
            problem("datum", str(exc))
            datum = None
        try:
            lon, lat = float(record.get("base_lon", record.get("lon"))), float(record.get("base_lat", record.get("lat")))
            if datum is None or not is_crs_code(datum):
                validate_lonlat(lon, lat, what="base")
            if datum is not None:
                lon, lat = validate_lonlat(*to_wgs84(lon, lat, datum), what="base")
            if city.jurisdiction is not None and not city.jurisdiction.covers(shapely.Point(lon, lat)):
                problem("base", f"base ({lon:.6f}, {lat:.6f}) is outside the city")
        except (TypeError, ValueError, CoordinateError) as exc:
            problem("base", f"base_lon/base_lat must be valid lon/lat: {exc}")
            lon = lat = math.nan
        shift = {}
        for key, default in (("shift_start", "00:00"), ("shift_end", "24:00")):
            value = str(record.get(key) or default)
            try:
                _clock(value, key)
                shift[key] = value
            except ValueError as exc:
                problem(key, str(exc))
        status = str(record.get("status") or "available").strip().lower()
        if status not in STATUSES:
            problem("status", f"must be one of {', '.join(STATUSES)}; got {record.get('status')!r}")
        problems.extend(found)
        if not found:
            ready.append({"id": patrol_id, "call_sign": str(record.get("call_sign") or patrol_id), "mode": mode,
                          "base_lon": lon, "base_lat": lat, "zone": record.get("zone") or None,
                          "squadron": record.get("squadron") or None, "status": status, **shift})
    return ready, problems


def import_patrols(store, city, path, *, datum: str = "wgs84") -> tuple[int, list[dict]]:
    """Import a roster (CSV with id, call_sign, mode, base_lon, base_lat[, zone, squadron, shift_start,
    shift_end, status]; or GeoJSON points). All or nothing: any invalid row stores none."""
    path = Path(path)
    if not path.is_file():
        raise PatrolFileError(f"{path}: file does not exist.")
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".csv":
        records = list(csv.DictReader(io.StringIO(text)))
        rows = list(range(2, len(records) + 2))
    elif path.suffix.lower() in (".geojson", ".json"):
        try:
            features = json.loads(text)["features"]
        except (ValueError, KeyError, TypeError) as exc:
            raise PatrolFileError(f"{path}: not a GeoJSON FeatureCollection ({exc}).") from None
        records = []
        for feature in features:
            record = dict(feature.get("properties") or {})
            coords = (feature.get("geometry") or {}).get("coordinates") or [None, None]
            record["base_lon"], record["base_lat"] = coords[:2]
            records.append(record)
        rows = list(range(1, len(records) + 1))
    else:
        raise PatrolFileError(f"{path}: unsupported format {path.suffix!r}; use .csv or .geojson.")
    ready, problems = _validate_roster(records, rows, city, datum)
    if problems:
        lines = [f"row {p['row']} {p['field']}: {p['reason']}" for p in problems]
        error = PatrolFileError(f"{path}: {len(problems)} problem(s), nothing imported:\n- " + "\n- ".join(lines))
        error.problems = problems
        raise error
    stored = upsert_patrols(store, city.slug, ready)
    audit.record_now(store, city.slug, "patrols.import", path.name[:128], {"file": str(path), "patrols": stored})
    return stored, []


KM_PER_DEMO_PATROL: Final = 37.0  # central Chengdu: 740 street km for 20 patrols
MAX_DEMO_PATROLS: Final = 60


def demo_roster_size(street_km: float, samples: int) -> tuple[int, int, int]:
    """Return (foot, ebike, car) for a city of ``street_km`` (foot graph) with ``samples`` street segments.

    One patrol per 37 street km (20 for central Chengdu: 8 foot, 8 e-bike, 4 car), between 3 and
    60, split 40/40/20 %; never more patrols than street segments to place them on.
    """
    total = int(min(MAX_DEMO_PATROLS, max(3, round(street_km / KM_PER_DEMO_PATROL)), max(1, samples)))
    car = max(1, round(total * 0.2)) if total >= 3 else 0
    ebike = max(1, round(total * 0.4)) if total >= 2 else 0
    return total - ebike - car, ebike, car


def demo_roster(city, *, foot: int | None = None, ebike: int | None = None, car: int | None = None,
                seed: int = 0) -> list[dict]:
    """A plausible roster: patrol bases spread over the city (k-means over street nodes), on streets.

    Sized to the city's street km unless counts are given (central Chengdu: 8 foot, 8 e-bike,
    4 car). Foot patrols cover the busy centre-most bases, e-bikes and cars the others; two
    squadrons by east/west; day shift 08:00-20:00 except two night e-bikes and one night car
    (20:00-08:00). Call signs in Chinese for Chinese cities, else in English.
    """
    from sklearn.cluster import KMeans

    router = city.router("foot")
    segments = router.segments
    xy = np.array([(segments.geometry_m[s].centroid.x, segments.geometry_m[s].centroid.y) for s in range(len(segments))])
    distinct = len(np.unique(np.round(xy, 1), axis=0))
    sized = demo_roster_size(float(segments.length_m.sum()) / 1000.0, distinct)
    foot, ebike, car = (sized[0] if foot is None else foot, sized[1] if ebike is None else ebike,
                        sized[2] if car is None else car)
    total = foot + ebike + car
    if total < 1 or total > distinct:
        raise PatrolError(
            f"city {city.slug!r}: cannot place {total} patrol bases on {distinct} distinct street segments; "
            "ask for fewer patrols."
        )
    centres = KMeans(n_clusters=total, n_init=4, random_state=seed).fit(xy, sample_weight=segments.length_m).cluster_centers_
    middle = xy.mean(axis=0)
    order = np.argsort(((centres - middle) ** 2).sum(axis=1))  # nearest the centre first
    modes = ["foot"] * foot + ["ebike"] * ebike + ["car"] * car
    chinese = city.profile.language.startswith("zh")
    names = {"foot": "步巡", "ebike": "电巡", "car": "车巡"} if chinese else {"foot": "Foot", "ebike": "E-bike", "car": "Car"}
    squadrons = ("一中队", "二中队") if chinese else ("Squadron 1", "Squadron 2")
    counters = {m: 0 for m in MODES}
    roster = []
    for mode, index in zip(modes, order, strict=True):
        counters[mode] += 1
        own = city.router(mode).segments  # the base lies on a street of the patrol's own mode (same CRS)
        centre = shapely.Point(centres[index])
        nearest = own.geometry_m[own.tree.nearest(centre)]
        base = shapely.ops.nearest_points(nearest, centre)[0]
        lon, lat = own.wgs84_transformer.transform(base.x, base.y)
        squadron = squadrons[0] if centres[index][0] < middle[0] else squadrons[1]
        night = (mode == "ebike" and counters[mode] > ebike - 2) or (mode == "car" and counters[mode] == car)
        call_sign = (f"{squadron}{names[mode]}{counters[mode]:02d}" if chinese
                     else f"{squadron} {names[mode]} {counters[mode]:02d}")
        roster.append({
            "id": f"{mode[0].upper()}{counters[mode]:02d}",
            "call_sign": call_sign,
            "mode": mode, "base_lon": round(float(lon), 7), "base_lat": round(float(lat), 7),
            "zone": None, "squadron": squadron, "status": "available",
            "shift_start": "20:00" if night else "08:00", "shift_end": "08:00" if night else "20:00",
        })
    return roster
