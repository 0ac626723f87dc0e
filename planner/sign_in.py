"""Sign-in on the server: sessions opened at sign-in, checked on every request (absolute lifetime and
idle timeout), revoked at sign-out or for every session of a user (the browser holds a random token;
the store keeps only its SHA-256); and failed sign-ins counted per account and per address, with
growing locks. Times are naive UTC (``now`` can be given, for tests), durations in seconds."""

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import update

from planner.clock import utc_now
from planner.models import SignInSession

__all__ = ["IDLE_S", "LIFETIME_S", "check_session", "clear_failures", "locked_for", "open_session", "record_failure",
           "revoke_session", "revoke_user_sessions", "throttle_keys"]

LIFETIME_S = 12 * 3600  # a shift
IDLE_S = 2 * 3600
TOUCH_EVERY_S = 60


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def open_session(store, user_id: int, *, now: datetime | None = None) -> str:
    """A new session for ``user_id``; returns its token (for the browser's signed cookie)."""
    token, now = secrets.token_urlsafe(32), now or utc_now()
    with store.session() as session, session.begin():
        session.add(SignInSession(token_hash=_hash(token), user_id=user_id, created_at=now, last_seen_at=now))
    return token


def check_session(store, token: str | None, *, now: datetime | None = None, lifetime_s: float = LIFETIME_S,
                  idle_s: float = IDLE_S) -> int | None:
    """The user id of a live session, else None (unknown, revoked, older than ``lifetime_s`` or idle
    for ``idle_s``). A live session's last use is recorded (at most once a minute)."""
    if not token:
        return None
    now = now or utc_now()
    with store.session() as session:
        found = session.get(SignInSession, _hash(token))
    if found is None or found.revoked_at is not None:
        return None
    if now - found.created_at > timedelta(seconds=lifetime_s) or now - found.last_seen_at > timedelta(seconds=idle_s):
        return None
    if now - found.last_seen_at > timedelta(seconds=TOUCH_EVERY_S):
        with store.session() as session, session.begin():
            session.execute(update(SignInSession).where(SignInSession.token_hash == found.token_hash)
                            .values(last_seen_at=now))
    return found.user_id


def revoke_session(store, token: str | None) -> None:
    """End one session (sign-out)."""
    if token:
        with store.session() as session, session.begin():
            session.execute(update(SignInSession).where(SignInSession.token_hash == _hash(token),
                                                        SignInSession.revoked_at.is_(None)).values(revoked_at=utc_now()))


def revoke_user_sessions(store, user_id: int) -> int:
    """End every session of a user (password change, account removed); returns how many were live."""
    with store.session() as session, session.begin():
        done = session.execute(update(SignInSession).where(SignInSession.user_id == user_id,
                                                           SignInSession.revoked_at.is_(None)).values(revoked_at=utc_now()))
    return done.rowcount


# --- throttling of password guessing -------------------------------------------------------------------

FREE_FAILURES = {"user": 5, "addr": 20}  # failures allowed before the first lock
FIRST_LOCK_S = 30.0
MAX_LOCK_S = 900.0
FORGET_AFTER_S = 24 * 3600  # a day without failures starts the count again


def throttle_keys(city: str, username: str, address: str | None) -> list[str]:
    """The keys a sign-in attempt counts against: its account, and its network address."""
    keys = [f"user:{city}:{username.strip().lower()[:64]}"]
    if address:
        keys.append(f"addr:{address[:64]}")
    return keys


def locked_for(store, keys: list[str], *, now: datetime | None = None) -> tuple[str, float] | None:
    """(key, seconds left) of the first locked key, or None when sign-in may be tried."""
    from planner.models import SignInThrottle

    now = now or utc_now()
    with store.session() as session:
        for key in keys:
            row = session.get(SignInThrottle, key)
            if row is not None and row.locked_until is not None and row.locked_until > now:
                return key, (row.locked_until - now).total_seconds()
    return None


def record_failure(store, keys: list[str], *, now: datetime | None = None) -> dict[str, float]:
    """Count a failed sign-in against each key; returns the keys that are now locked, with their lock (s).
    The lock doubles with each failure past the free ones: 30 s, 60 s, ... up to 15 min."""
    from planner.models import SignInThrottle

    now = now or utc_now()
    locks = {}
    with store.session() as session, session.begin():
        for key in keys:
            row = session.get(SignInThrottle, key)
            if row is None:
                row = SignInThrottle(key=key, failures=0, last_failure_at=now)
                session.add(row)
            elif now - row.last_failure_at > timedelta(seconds=FORGET_AFTER_S):
                row.failures = 0
            row.failures += 1
            row.last_failure_at = now
            over = row.failures - FREE_FAILURES[key.split(":", 1)[0]]
            if over > 0:
                lock_s = min(FIRST_LOCK_S * 2 ** (over - 1), MAX_LOCK_S)
                row.locked_until = now + timedelta(seconds=lock_s)
                locks[key] = lock_s
    return locks


def clear_failures(store, key: str) -> bool:
    """Forget a key's failures and lock (a right password, or ``patrol users unlock``)."""
    from sqlalchemy import delete

    from planner.models import SignInThrottle

    with store.session() as session, session.begin():
        done = session.execute(delete(SignInThrottle).where(SignInThrottle.key == key))
    return done.rowcount > 0
