"""Incidents: categories and report sources, validation, geolocation, import and storage.

Every incident is placed in WGS-84 (converted from GCJ-02 or BD-09 on input, or geocoded from
its address), snapped onto its street segment of the foot graph, and given the key block it
lies in. An import reports every invalid row (row, field, reason); valid rows are stored,
invalid ones listed, none dropped silently; a row whose external id is already stored is
reported as a duplicate and not stored twice.
"""

import csv
import io
import json
import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Final
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import shapely
from sqlalchemy import select

from geo.crs import DATUMS, check_datum, is_crs_code, to_wgs84, validate_lonlat
from geo.errors import CoordinateError, DatumError, PatrolError
from geo.geocode import GeocodeError
from planner import audit
from planner.clock import utc_now
from planner.models import Incident

__all__ = [
    "CATEGORIES",
    "ImportReport",
    "IncidentFileError",
    "IncidentPlacer",
    "SOURCES",
    "import_incidents",
    "incident_by_external_id",
    "incident_dict",
    "incidents_frame",
    "incidents_in_window",
    "list_incidents",
    "open_incident_points",
    "recent_open_reports",
    "parse_time",
    "store_incident",
    "store_incidents",
]

CATEGORIES: Final = {
    "stray_dog": ("流浪狗", "stray dog"),
    "garbage_sorting": ("垃圾分类", "garbage sorting"),
    "private_wiring": ("私拉电线", "private wiring"),
    "street_drying": ("沿街晾晒", "laundry drying on the street"),
    "street_vending": ("占道经营", "street vending"),
    "illegal_parking": ("违章停车", "illegal parking"),
    "other": ("其他", "other"),
}
SOURCES: Final = {
    "hotline": ("12345热线", "public hotline"),
    "shop_self_report": ("商户自报", "shop self-report"),
    "third_party_supervisor": ("第三方督查", "third-party supervisor"),
    "grid_worker": ("网格员", "community grid worker"),
    "patrol_discovery": ("巡查发现", "patrol discovery"),
    "other_department": ("其他部门", "other department"),
}
STATUSES: Final = ("open", "assigned", "closed")
_ALIASES: Final = {
    "流浪犬": "stray_dog", "流浪狗": "stray_dog", "dog": "stray_dog", "犬只": "stray_dog",
    "私拉电线": "private_wiring", "飞线充电": "private_wiring", "私拉乱接": "private_wiring",
    "乱晾晒": "street_drying", "沿街晾晒": "street_drying",
    "占道经营": "street_vending", "流动摊贩": "street_vending", "摊贩": "street_vending",
    "违停": "illegal_parking", "违章停车": "illegal_parking", "垃圾分类": "garbage_sorting",
    "热线": "hotline", "12345": "hotline", "12345热线": "hotline", "市民热线": "hotline",
    "网格员": "grid_worker", "社区网格员": "grid_worker", "巡查": "patrol_discovery", "巡查发现": "patrol_discovery",
    "商户自报": "shop_self_report", "第三方督查": "third_party_supervisor", "其他部门": "other_department",
    "其他": "other",
}
MAX_SNAP_M: Final = 200.0


class IncidentFileError(PatrolError):
    """An incident file cannot be read, or lacks required columns."""


@dataclass
class ImportReport:
    """Outcome of an import: stored ids, duplicates skipped, and every invalid row."""

    stored: int = 0
    duplicates: list[dict] = field(default_factory=list)
    problems: list[dict] = field(default_factory=list)
    rows: int = 0

    def as_dict(self) -> dict:
        """JSON-ready report."""
        return {"rows": self.rows, "stored": self.stored, "duplicates": self.duplicates,
                "invalid": len({p["row"] for p in self.problems}), "problems": self.problems}


def _canonical(value, known: dict) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    key = text.lower().replace(" ", "_").replace("-", "_")
    if key in known:
        return key
    if text in _ALIASES and _ALIASES[text] in known:
        return _ALIASES[text]
    for name, (zh, en) in known.items():
        if text in (zh, en) or text.lower() == en:
            return name
    return None


def parse_time(value, timezone: str) -> datetime:
    """Parse a report time (ISO 8601, '2026-11-27 08:30', '2026/11/27 08:30', epoch seconds) to UTC.

    A time without an offset is taken in the city's ``timezone``. Returns a naive UTC datetime.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)) or str(value).strip() == "":
        raise ValueError("missing")
    if isinstance(value, datetime):
        parsed = value
    else:
        text = str(value).strip()
        if re.fullmatch(r"\d{9,10}(\.\d+)?", text):
            return datetime.fromtimestamp(float(text), UTC).replace(tzinfo=None)
        text = text.replace("/", "-").replace("T", " ").replace("Z", "+00:00")
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"cannot read {value!r} as a time (use e.g. 2026-11-27 08:30)") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(timezone))
    return parsed.astimezone(UTC).replace(tzinfo=None)


def _blank(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or str(value).strip() == ""


class IncidentPlacer:
    """Places incidents in a city: datum conversion, geocoding, snapping, key block."""

    def __init__(self, city, blocks_gdf=None, geocoder=None, *, max_snap_m: float = MAX_SNAP_M):
        self.city = city
        self.router = city.router("foot")
        self.geocoder = geocoder
        self.max_snap_m = max_snap_m
        self.blocks_gdf = blocks_gdf
        self.categories = dict(CATEGORIES) | {c: (c, c) for c in city.profile.extra_categories}

    def reverse(self, lon: float, lat: float) -> dict:
        """Where a WGS-84 point is: nearest named street (and distance, m) and the key block it lies in."""
        street = self.geocoder.nearest_street(lon, lat) if self.geocoder is not None else None
        probe = [{"lon": lon, "lat": lat}]
        self._assign_blocks(probe)
        return {"street": street[0] if street else None,
                "street_distance_m": round(street[1], 1) if street else None,
                "block_id": probe[0]["block_id"]}

    def validate(self, records: list[dict], *, default_datum: str, rows=None) -> tuple[list[dict], list[dict]]:
        """Check and place raw records; return (incidents ready to store, problems)."""
        rows = list(rows) if rows is not None else list(range(1, len(records) + 1))
        problems: list[dict] = []
        ready: list[dict] = []
        seen: dict[str, int] = {}
        for row, record in zip(rows, records, strict=True):
            found = []

            def problem(field_name, reason, found=found, row=row):
                found.append({"row": row, "field": field_name, "reason": reason})

            incident = self._fields(record, problem, default_datum)
            external_id = incident.get("external_id")
            if external_id is not None:
                if external_id in seen:
                    problem("id", f"duplicate id {external_id!r} in the file (also on row {seen[external_id]})")
                else:
                    seen[external_id] = row
            if not found:
                self._locate(record, incident, problem)
            problems.extend(found)
            if not found:
                incident["row"] = row
                ready.append(incident)
        self._snap(ready, problems)
        ready = [i for i in ready if "segment_u" in i]
        self._assign_blocks(ready)
        return ready, problems

    def _fields(self, record: dict, problem, default_datum: str) -> dict:
        incident: dict = {"city": self.city.slug}
        external = record.get("external_id", record.get("id"))
        incident["external_id"] = None if _blank(external) else str(external).strip()
        category = _canonical(record.get("category"), self.categories)
        if _blank(record.get("category")):
            problem("category", "required field is missing or empty")
        elif category is None:
            problem("category", f"unknown category {record.get('category')!r}; known: {', '.join(self.categories)}")
        incident["category"] = category
        source = "other_department" if _blank(record.get("source")) else _canonical(record.get("source"), SOURCES)
        if source is None:
            problem("source", f"unknown source {record.get('source')!r}; known: {', '.join(SOURCES)}")
        incident["source"] = source
        try:
            incident["reported_at"] = parse_time(record.get("reported_at", record.get("time")), self.city.profile.timezone)
        except ValueError as exc:
            problem("reported_at", "required field is missing" if str(exc) == "missing" else str(exc))
        datum = default_datum if _blank(record.get("datum")) else str(record.get("datum")).strip()
        try:
            datum = check_datum(datum)
        except DatumError:
            problem("datum", f"unknown datum {record.get('datum')!r}; known: {', '.join(DATUMS)} or a CRS code "
                             "such as EPSG:4549")
        incident["input_datum"] = datum
        status = "open" if _blank(record.get("status")) else str(record.get("status")).strip().lower()
        if status not in STATUSES:
            problem("status", f"unknown status {record.get('status')!r}; known: {', '.join(STATUSES)}")
        incident["status"] = status
        incident["address"] = None if _blank(record.get("address")) else str(record.get("address")).strip()
        incident["description"] = None if _blank(record.get("description")) else str(record.get("description"))
        return incident

    def _locate(self, record: dict, incident: dict, problem) -> None:
        lon, lat = record.get("lon"), record.get("lat")
        if _blank(lon) and _blank(lat):
            if incident["address"] is None:
                problem("lon/lat", "no coordinates and no address")
                return
            if self.geocoder is None:
                problem("address", "no geocoder available for this city")
                return
            try:
                result = self.geocoder.geocode(incident["address"])
            except GeocodeError as exc:
                problem("address", str(exc))
                return
            incident.update(lon=result.lon, lat=result.lat, input_datum="wgs84",
                            geocode_confidence=result.confidence, geocode_match=result.match)
        else:
            try:
                lon, lat = float(lon), float(lat)
            except (TypeError, ValueError):
                problem("lon/lat", f"coordinates must be numbers; got lon={lon!r}, lat={lat!r}")
                return
            if not (math.isfinite(lon) and math.isfinite(lat)):
                problem("lon/lat", "coordinates must be finite numbers")
                return
            projected = is_crs_code(str(incident.get("input_datum")))  # x, y in the CRS's own units
            if not projected and (abs(lat) > 90 or abs(lon) > 180):
                swapped = abs(lon) <= 90 and abs(lat) <= 180
                problem("lon/lat", f"out of range (lon={lon}, lat={lat})" + ("; lon and lat look swapped" if swapped else ""))
                return
            try:
                lon, lat = validate_lonlat(*to_wgs84(lon, lat, incident["input_datum"]))
            except (CoordinateError, DatumError) as exc:
                problem("lon/lat", str(exc))
                return
            incident.update(lon=lon, lat=lat)
        point = shapely.Point(incident["lon"], incident["lat"])
        if self.city.jurisdiction is not None and not self.city.jurisdiction.covers(point):
            swapped = self.city.jurisdiction.covers(shapely.Point(incident["lat"], incident["lon"]))
            hint = "; lon and lat look swapped" if swapped else ""
            problem("lon/lat", f"point ({incident['lon']:.6f}, {incident['lat']:.6f}) is outside the city{hint}")

    def _snap(self, ready: list[dict], problems: list[dict]) -> None:
        if not ready:
            return
        lons = np.array([i["lon"] for i in ready])
        lats = np.array([i["lat"] for i in ready])
        distances = self.router.segments.nearest_distance_m(lons, lats)
        near = np.flatnonzero(distances <= self.max_snap_m)
        for index in np.flatnonzero(distances > self.max_snap_m):
            problems.append({"row": ready[index]["row"], "field": "lon/lat",
                             "reason": f"{distances[index]:.0f} m from the nearest street (limit {self.max_snap_m:.0f} m)"})
        snaps = self.router.snap_many(lons[near], lats[near], max_distance_m=self.max_snap_m) if len(near) else []
        segments = self.router.segments
        node_ids = self.router.network.node_ids
        for index, snap in zip(near, snaps, strict=True):
            ready[index].update(
                segment_u=int(node_ids[segments.u[snap.segment]]), segment_v=int(node_ids[segments.v[snap.segment]]),
                segment_fraction=snap.fraction, snapped_lon=snap.lon, snapped_lat=snap.lat,
                snap_distance_m=snap.distance_m, street_name=snap.name,
            )

    def _assign_blocks(self, ready: list[dict]) -> None:
        """The key block each incident lies in (the highest priority one where blocks overlap)."""
        for incident in ready:
            incident["block_id"] = None
        if self.blocks_gdf is None or len(self.blocks_gdf) == 0 or not ready:
            return
        points = shapely.points([i["lon"] for i in ready], [i["lat"] for i in ready])
        point_pos, block_pos = self.blocks_gdf.sindex.query(points, predicate="within")
        priority = self.blocks_gdf["priority"].to_numpy()
        best: dict[int, int] = {}
        for p, b in zip(point_pos, block_pos, strict=True):
            if p not in best or priority[b] > priority[best[p]]:
                best[p] = b
        ids = self.blocks_gdf["id"].to_numpy()
        for p, b in best.items():
            ready[p]["block_id"] = str(ids[b])


def read_incident_file(path: str | Path) -> tuple[list[dict], list[int]]:
    """Read a CSV (UTF-8, with header) or GeoJSON of incidents into raw records and row numbers."""
    path = Path(path)
    if not path.is_file():
        raise IncidentFileError(f"{path}: file does not exist.")
    suffix = path.suffix.lower()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise IncidentFileError(f"{path}: not UTF-8 text (save the file as UTF-8).") from None
    if suffix == ".csv":
        reader = csv.DictReader(io.StringIO(text))
        if not reader.fieldnames:
            raise IncidentFileError(f"{path}: empty CSV file (no header row).")
        columns = {c.strip() for c in reader.fieldnames if c}
        missing = [c for c in ("category", "reported_at") if c not in columns and not (c == "reported_at" and "time" in columns)]
        if not ({"lon", "lat"} <= columns or "address" in columns):
            missing.append("lon and lat (or address)")
        if missing:
            raise IncidentFileError(f"{path}: missing column(s): {', '.join(missing)}; found: {', '.join(sorted(columns))}.")
        records = [{(k or "").strip(): v for k, v in row.items()} for row in reader]
        return records, list(range(2, len(records) + 2))  # row 1 is the header
    if suffix in (".geojson", ".json"):
        try:
            data = json.loads(text)
            features = data["features"]
        except (ValueError, KeyError, TypeError) as exc:
            raise IncidentFileError(f"{path}: not a GeoJSON FeatureCollection ({exc}).") from None
        records = []
        for feature in features:
            record = dict(feature.get("properties") or {})
            geometry = feature.get("geometry") or {}
            if geometry.get("type") == "Point" and len(geometry.get("coordinates") or []) >= 2:
                record["lon"], record["lat"] = geometry["coordinates"][:2]
            elif geometry:
                record["lon"], record["lat"] = "not a point", None
            records.append(record)
        return records, list(range(1, len(records) + 1))
    raise IncidentFileError(f"{path}: unsupported format {suffix!r}; use .csv or .geojson.")


def store_incidents(store, incidents: list[dict]) -> tuple[int, list[dict]]:
    """Insert incidents; skip (and return) those whose external id is already stored for the city."""
    if not incidents:
        return 0, []
    now = utc_now()
    city = incidents[0]["city"]
    with store.session() as session, session.begin():
        ids = [i["external_id"] for i in incidents if i.get("external_id")]
        existing: set[str] = set()
        for start in range(0, len(ids), 500):
            existing.update(session.scalars(
                select(Incident.external_id).where(Incident.city == city, Incident.external_id.in_(ids[start:start + 500]))
            ))
        fresh = [i for i in incidents if not i.get("external_id") or i["external_id"] not in existing]
        duplicates = [{"row": i.get("row"), "id": i["external_id"]} for i in incidents if i.get("external_id") in existing]
        columns = [c for c in Incident.__table__.columns.keys() if c not in ("id", "created_at")]
        if fresh:  # every row with every column: executemany takes its columns from the first row
            session.execute(Incident.__table__.insert(), [
                {c: i.get(c) for c in columns} | {"created_at": now} for i in fresh
            ])
    return len(fresh), duplicates


def import_incidents(store, placer: IncidentPlacer, path, *, datum: str | None = None) -> ImportReport:
    """Import a CSV or GeoJSON of incidents: valid rows stored, invalid rows reported."""
    records, rows = read_incident_file(path)
    ready, problems = placer.validate(records, default_datum=datum or placer.city.profile.default_datum, rows=rows)
    stored, duplicates = store_incidents(store, ready)
    audit.record_now(store, placer.city.slug, "incidents.import", str(Path(path).name)[:128], {
        "file": str(path), "rows": len(records), "stored": stored, "duplicates": len(duplicates),
        "problems": len(problems)})
    return ImportReport(stored=stored, duplicates=duplicates, problems=sorted(problems, key=lambda p: p["row"]),
                        rows=len(records))


def _query(city: str, category=None, since=None, until=None):
    query = select(Incident).where(Incident.city == city)
    if category:
        query = query.where(Incident.category == category)
    if since is not None:
        query = query.where(Incident.reported_at >= since)
    if until is not None:
        query = query.where(Incident.reported_at < until)
    return query.order_by(Incident.reported_at, Incident.id)


def list_incidents(store, city: str, *, category=None, since=None, until=None, limit: int | None = None) -> list[Incident]:
    """Stored incidents of a city, oldest first (times are naive UTC)."""
    query = _query(city, category, since, until)
    if limit:
        query = query.limit(limit)
    with store.session() as session:
        return list(session.scalars(query))


def incident_dict(row: Incident) -> dict:
    """A stored incident, JSON-ready (times ISO UTC, positions WGS-84)."""
    keys = ("id", "external_id", "category", "source", "status", "lon", "lat", "input_datum", "address",
            "geocode_confidence", "geocode_match", "description", "snapped_lon", "snapped_lat", "snap_distance_m",
            "street_name", "block_id")
    return {k: getattr(row, k) for k in keys} | {"reported_at": row.reported_at.isoformat() + "Z",
                                                "created_at": row.created_at.isoformat() + "Z"}


def incident_by_external_id(store, city: str, external_id: str) -> dict | None:
    """The city's incident with the caller's ``external_id`` (``incident_dict``), or None."""
    with store.session() as session:
        row = session.scalars(select(Incident).where(Incident.city == city, Incident.external_id == external_id)
                              .order_by(Incident.id).limit(1)).first()
        return incident_dict(row) if row is not None else None


def _one_writer_per_external_id(session, city: str, external_id: str) -> None:
    """Serialise writers of one external id until this transaction ends, so two clients sending the same new
    report at once store it once (PostgreSQL: an advisory lock on its hash; SQLite: the write lock, taken now)."""
    import hashlib

    from sqlalchemy import text

    if session.get_bind().dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(f"{city}\x00{external_id}".encode()).digest()[:8], "big", signed=True)
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
    else:
        session.execute(text("UPDATE incidents SET id = id WHERE 0 = 1"))  # a write: SQLite's lock for this transaction


def store_incident(store, incident: dict) -> tuple[dict, bool]:
    """Store one placed incident (from ``IncidentPlacer.validate``) unless its external id is stored already:
    (the stored incident as ``incident_dict``, whether it is new)."""
    columns = [c for c in Incident.__table__.columns.keys() if c not in ("id", "created_at")]
    with store.session() as session, session.begin():
        if incident.get("external_id"):
            _one_writer_per_external_id(session, incident["city"], incident["external_id"])
            seen = session.scalars(select(Incident).where(Incident.city == incident["city"],
                                                          Incident.external_id == incident["external_id"])).first()
            if seen is not None:
                return incident_dict(seen), False
        row = Incident(**{c: incident.get(c) for c in columns}, created_at=utc_now())
        session.add(row)
        session.flush()
        audit.record(session, incident["city"], "incident.report", f"incident {row.id}", {
            "incident_id": row.id, "external_id": row.external_id, "category": row.category, "lon": row.lon,
            "lat": row.lat, "source": row.source, "reported_at": row.reported_at})
        return incident_dict(row), True


def open_incident_points(store, city: str, limit: int) -> list[tuple]:
    """The latest reported ``limit`` open incidents as (id, category, lon, lat, reported_at) tuples, oldest first
    (WGS-84 degrees, naive UTC): what a map of open reports draws, read without the other columns."""
    query = (select(Incident.id, Incident.category, Incident.lon, Incident.lat, Incident.reported_at)
             .where(Incident.city == city, Incident.status == "open")
             .order_by(Incident.reported_at.desc(), Incident.id.desc()).limit(limit))
    with store.session() as session:
        return [tuple(row) for row in session.execute(query)][::-1]


def incidents_frame(store, city: str, *, category=None, since=None, until=None) -> pd.DataFrame:
    """Stored incidents as a DataFrame (for clustering): one row per incident."""
    query = _query(city, category, since, until)
    with store.engine.connect() as connection:
        return pd.read_sql(query, connection)


def incidents_in_window(store, city, *, category: str | None = None, days: int | None = 30,
                        hours: tuple[int, int] | None = None, now=None) -> pd.DataFrame:
    """Incidents of the last ``days`` days before ``now`` (naive UTC; default now), of ``category``,
    reported within the local ``hours`` [from, to) of the city's time zone (a window may wrap midnight)."""
    from datetime import timedelta

    now = now or utc_now()
    frame = incidents_frame(store, city.slug, category=category or None,
                            since=now - timedelta(days=days) if days else None)
    if hours and len(frame):
        local = pd.to_datetime(frame["reported_at"]).dt.tz_localize("UTC").dt.tz_convert(city.profile.timezone)
        start, end = hours
        hour = local.dt.hour
        frame = frame[(hour >= start) & (hour < end)] if start < end else frame[(hour >= start) | (hour < end)]
    return frame


def recent_open_reports(store, city, *, hours: float = 2.0, limit: int = 200, now: datetime | None = None) -> list[dict]:
    """Open (unassigned) reports of the last ``hours``, the most urgent first: ``target_s`` of the category
    and ``seconds_left`` until it (negative: late), besides ``incident_dict``'s fields."""
    from datetime import timedelta

    now = now or utc_now()
    query = (select(Incident).where(Incident.city == city.slug, Incident.status == "open",
                                    Incident.reported_at >= now - timedelta(hours=hours),
                                    Incident.reported_at <= now + timedelta(minutes=5))
             .order_by(Incident.reported_at.desc()).limit(5000))
    with store.session() as session:
        rows = [incident_dict(row) for row in session.scalars(query)]
    for row in rows:
        row["target_s"] = city.profile.target_s(row["category"])
        waited = (now - datetime.fromisoformat(row["reported_at"][:-1])).total_seconds()
        row["seconds_left"] = round(row["target_s"] - waited, 1)
    return sorted(rows, key=lambda r: r["seconds_left"])[:limit]
