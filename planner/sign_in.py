"""Sign-in sessions on the server: opened at sign-in, checked on every request (absolute lifetime and
idle timeout), revoked at sign-out or for every session of a user. The browser holds a random token;
the store keeps only its SHA-256. Times are naive UTC, durations in seconds."""

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import update

from planner.clock import utc_now
from planner.models import SignInSession

__all__ = ["IDLE_S", "LIFETIME_S", "check_session", "open_session", "revoke_session", "revoke_user_sessions"]

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
