"""Database tables of the product (SQLAlchemy 2 declarative models).

Times are stored in UTC; coordinates in WGS-84 lon/lat (EPSG:4326).
"""

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Float, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = ["ApiToken", "AuditEntry", "Base", "Dispatch", "Incident", "KeyBlock", "Patrol", "PlannedRoute", "PositionFix", "Squadron", "StandbySolution", "User",
           "Zone", "ZoneVersion"]


class Base(DeclarativeBase):
    """Base class of every table."""


class Incident(Base):
    """A reported street-order problem: where, when, what, from whom, and its street segment."""

    __tablename__ = "incidents"
    __table_args__ = (UniqueConstraint("city", "external_id", name="uq_incident_external_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    city: Mapped[str] = mapped_column(String(64), index=True)
    external_id: Mapped[str | None] = mapped_column(String(128))
    category: Mapped[str] = mapped_column(String(32), index=True)
    source: Mapped[str] = mapped_column(String(32))
    reported_at: Mapped[datetime] = mapped_column(DateTime, index=True)  # UTC, naive
    lon: Mapped[float] = mapped_column(Float)  # WGS-84, as reported (after datum conversion)
    lat: Mapped[float] = mapped_column(Float)
    input_datum: Mapped[str] = mapped_column(String(16))  # wgs84, gcj02, bd09 or a CRS code (EPSG:4549)
    address: Mapped[str | None] = mapped_column(Text)
    geocode_confidence: Mapped[float | None] = mapped_column(Float)
    geocode_match: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open")
    description: Mapped[str | None] = mapped_column(Text)
    # Snapped onto the foot graph's street segment (node ids of its ends, fraction from u).
    segment_u: Mapped[int | None] = mapped_column(BigInteger)
    segment_v: Mapped[int | None] = mapped_column(BigInteger)
    segment_fraction: Mapped[float | None] = mapped_column(Float)
    snapped_lon: Mapped[float | None] = mapped_column(Float)
    snapped_lat: Mapped[float | None] = mapped_column(Float)
    snap_distance_m: Mapped[float | None] = mapped_column(Float)
    street_name: Mapped[str | None] = mapped_column(Text)
    block_id: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)  # UTC, naive


class Patrol(Base):
    """A patrol unit: who, how it moves, where it starts, when it works, where it was last seen."""

    __tablename__ = "patrols"

    city: Mapped[str] = mapped_column(String(64), primary_key=True)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    call_sign: Mapped[str] = mapped_column(String(128))
    mode: Mapped[str] = mapped_column(String(16))
    base_lon: Mapped[float] = mapped_column(Float)  # WGS-84
    base_lat: Mapped[float] = mapped_column(Float)
    zone: Mapped[str | None] = mapped_column(String(64))
    squadron: Mapped[str | None] = mapped_column(String(128))
    shift_start: Mapped[str] = mapped_column(String(5), default="00:00")  # local time HH:MM
    shift_end: Mapped[str] = mapped_column(String(5), default="24:00")
    status: Mapped[str] = mapped_column(String(16), default="available")  # available | busy | off_duty
    last_lon: Mapped[float | None] = mapped_column(Float)
    last_lat: Mapped[float | None] = mapped_column(Float)
    last_seen_at: Mapped[datetime | None] = mapped_column(DateTime)  # UTC, naive
    version: Mapped[int] = mapped_column(Integer, default=1)


class Dispatch(Base):
    """One dispatch: the incident, the chosen patrol, the predicted ETA and every step's time (UTC)."""

    __tablename__ = "dispatches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    city: Mapped[str] = mapped_column(String(64), index=True)
    incident_id: Mapped[int | None] = mapped_column(Integer, index=True)
    patrol_id: Mapped[str] = mapped_column(String(64), index=True)
    category: Mapped[str] = mapped_column(String(32))
    zone: Mapped[str | None] = mapped_column(String(64))
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    predicted_eta_s: Mapped[float] = mapped_column(Float)
    target_s: Mapped[float] = mapped_column(Float)
    reason: Mapped[str | None] = mapped_column(Text)
    candidates_json: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="assigned")  # assigned | arrived | closed
    reported_at: Mapped[datetime] = mapped_column(DateTime)
    assigned_at: Mapped[datetime] = mapped_column(DateTime)
    arrived_at: Mapped[datetime | None] = mapped_column(DateTime)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    assigned_by: Mapped[str | None] = mapped_column(String(128))  # the dispatcher's user name
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime)  # the officer accepted it on the phone
    outcome: Mapped[str | None] = mapped_column(String(32))  # when closed: resolved | not_found | referred
    close_note: Mapped[str | None] = mapped_column(Text)  # the officer's short note when closing


class ZoneVersion(Base):
    """One saved plan of responsibility zones; versions are never overwritten."""

    __tablename__ = "zone_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    city: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int] = mapped_column(Integer)
    author: Mapped[str] = mapped_column(String(128))
    comment: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(32))  # generated | imported | drawn
    created_at: Mapped[datetime] = mapped_column(DateTime)  # UTC, naive
    __table_args__ = (UniqueConstraint("city", "version", name="uq_zone_version"),)


class Zone(Base):
    """A responsibility zone of one version: its patrols, street segments and display polygon."""

    __tablename__ = "zones"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version_id: Mapped[int] = mapped_column(Integer, index=True)
    zone_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(Text)
    patrol_ids: Mapped[str] = mapped_column(Text)  # comma-separated
    segments_json: Mapped[str] = mapped_column(Text)  # [[u, v, k], ...] foot-graph node ids and rank
    polygon_wkt: Mapped[str] = mapped_column(Text)  # WGS-84
    street_km: Mapped[float] = mapped_column(Float)


class Squadron(Base):
    """A squadron: the unit of the task, responsibility and assessment lists."""

    __tablename__ = "squadrons"

    city: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    leader: Mapped[str | None] = mapped_column(String(128))
    phone: Mapped[str | None] = mapped_column(String(64))


class PositionFix(Base):
    """One recorded position of a patrol (its track): WGS-84, time UTC."""

    __tablename__ = "positions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    city: Mapped[str] = mapped_column(String(64))
    patrol_id: Mapped[str] = mapped_column(String(64), index=True)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    accuracy_m: Mapped[float | None] = mapped_column(Float)  # the phone's stated accuracy (metres)


class AuditEntry(Base):
    """One line of the audit log: who did what, when (UTC, naive) and from where. Append-only (triggers)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    city: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(128))  # user name, token:NAME or cli:OS-USER
    origin: Mapped[str] = mapped_column(String(128))  # the client's address, or "command line"
    action: Mapped[str] = mapped_column(String(32), index=True)  # e.g. dispatch.assign
    subject: Mapped[str | None] = mapped_column(String(128))  # e.g. dispatch 12
    detail: Mapped[str | None] = mapped_column(Text)  # JSON


class User(Base):
    """A person who signs in: dispatcher, planner, officer (tied to one patrol) or admin."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    city: Mapped[str] = mapped_column(String(64))
    username: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(16))
    patrol_id: Mapped[str | None] = mapped_column(String(64))
    must_change_password: Mapped[int] = mapped_column(Integer, default=0)  # 1: a printed demo password
    __table_args__ = (UniqueConstraint("city", "username", name="uq_user"),)


class ApiToken(Base):
    """A machine client's token (the hotline's or the city platform's integration): only its hash is kept."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    city: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))  # intake
    token_hash: Mapped[str] = mapped_column(String(64), index=True)  # sha256 hex
    created_at: Mapped[datetime] = mapped_column(DateTime)  # UTC, naive
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    __table_args__ = (UniqueConstraint("city", "name", name="uq_api_token"),)


class KeyBlock(Base):
    """A key block of a city (market, commercial street, school surroundings ...); geometry WKB, WGS-84."""

    __tablename__ = "key_blocks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    city: Mapped[str] = mapped_column(String(64), index=True)
    block_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(32))
    priority: Mapped[float] = mapped_column(Float)
    squadron: Mapped[str | None] = mapped_column(String(64))
    visits_per_shift: Mapped[int] = mapped_column(Integer)
    source: Mapped[str | None] = mapped_column(Text)
    geometry_wkb: Mapped[bytes] = mapped_column(LargeBinary)
    __table_args__ = (UniqueConstraint("city", "block_id", name="uq_key_block"),)


class StandbySolution(Base):
    """The newest standby-point solution of a city and travel mode (JSON as ``zones standby`` prints it)."""

    __tablename__ = "standby_solutions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    city: Mapped[str] = mapped_column(String(64), index=True)
    mode: Mapped[str] = mapped_column(String(16))
    payload_json: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)  # UTC, naive
    __table_args__ = (UniqueConstraint("city", "mode", name="uq_standby_solution"),)


class PlannedRoute(Base):
    """A patrol's route planned for one zone version, local day and roster entry (``plan_key``), as JSON."""

    __tablename__ = "planned_routes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    city: Mapped[str] = mapped_column(String(64), index=True)
    patrol_id: Mapped[str] = mapped_column(String(64))
    plan_key: Mapped[str] = mapped_column(String(64))
    payload_json: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)  # UTC, naive
    __table_args__ = (UniqueConstraint("city", "patrol_id", "plan_key", name="uq_planned_route"),)


class Job(Base):
    """A long piece of work run by a worker (``planner.jobs``): its state, progress and stored result.

    ``active_key`` is the job's inputs (kind, city, parameters) while it is queued or running, NULL after:
    a unique column, so two people starting the same work get the same job. ``attempt`` grows at each
    claim; only the attempt that holds the job may write its progress or result.
    """

    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    city: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    owner: Mapped[str] = mapped_column(String(128))
    params_json: Mapped[str] = mapped_column(Text)
    active_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    state: Mapped[str] = mapped_column(String(16), index=True)  # queued | running | done | failed | cancelled
    progress: Mapped[float] = mapped_column(Float, default=0.0)  # 0..100 %
    step: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    result_json: Mapped[str | None] = mapped_column(Text)
    result_file: Mapped[bytes | None] = mapped_column(LargeBinary)
    result_filename: Mapped[str | None] = mapped_column(String(128))
    attempt: Mapped[int] = mapped_column(Integer, default=0)
    worker: Mapped[str | None] = mapped_column(String(128))  # host:pid of the worker holding the attempt
    cancel_requested: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime)  # UTC, naive
    enqueued_at: Mapped[datetime] = mapped_column(DateTime)
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime)


class SignInSession(Base):
    """A signed-in browser session, revocable on the server (sign-out, password change, account removal).
    Only a hash of the session's token is kept."""

    __tablename__ = "sign_in_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)  # UTC, naive
    last_seen_at: Mapped[datetime] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)


class SignInThrottle(Base):
    """Failed sign-ins per account (``user:<city>:<name>``) or per address (``addr:<ip>``), and the lock
    they earned (naive UTC)."""

    __tablename__ = "sign_in_throttle"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime] = mapped_column(DateTime)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
