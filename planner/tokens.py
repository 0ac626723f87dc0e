"""API tokens for machine clients: made once and shown once, kept as a sha256, revocable.

A token's role says what it may do: ``intake`` posts reports (``POST /api/incidents``) and nothing else.
Tokens are long random strings (``secrets.token_urlsafe(32)``), so one unsalted sha256 is enough to find
and check them without keeping them.
"""

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from geo.errors import NotFoundError, PatrolError
from planner import audit
from planner.clock import utc_now
from planner.models import ApiToken

__all__ = ["TOKEN_ROLES", "TokenError", "TokenInfo", "add_token", "check_token", "list_tokens", "revoke_token"]

TOKEN_ROLES = ("intake",)
_NAME = re.compile(r"[A-Za-z0-9_.\-]{1,64}")


class TokenError(PatrolError):
    """A token cannot be made, found or used (bad name or role, unknown, revoked)."""


class UnknownTokenError(NotFoundError, TokenError):
    """No token of that name."""


@dataclass(frozen=True)
class TokenInfo:
    """A token as listed (never the token itself); times naive UTC."""

    name: str
    role: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    def as_dict(self) -> dict:
        def stamp(at):
            return at.isoformat() + "Z" if at else None

        return {"name": self.name, "role": self.role, "created_at": stamp(self.created_at),
                "last_used_at": stamp(self.last_used_at), "revoked_at": stamp(self.revoked_at)}


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _info(row: ApiToken) -> TokenInfo:
    return TokenInfo(row.name, row.role, row.created_at, row.last_used_at, row.revoked_at)


def add_token(store, city: str, name: str, role: str) -> str:
    """Make a token NAME with ``role`` for ``city``; return the token (shown once, only its hash is kept)."""
    if not _NAME.fullmatch(name or ""):
        raise TokenError(f"token name must be 1-64 letters, digits, '.', '_' or '-'; got {name!r}")
    if role not in TOKEN_ROLES:
        raise TokenError(f"token role must be one of {', '.join(TOKEN_ROLES)}; got {role!r}")
    token = secrets.token_urlsafe(32)
    with store.session() as session, session.begin():
        if session.scalar(select(ApiToken).where(ApiToken.city == city, ApiToken.name == name)) is not None:
            raise TokenError(f"a token named {name!r} exists already; revoke it or choose another name")
        session.add(ApiToken(city=city, name=name, role=role, token_hash=_hash(token), created_at=utc_now()))
        audit.record(session, city, "token.add", f"token {name}", {"name": name, "role": role})
    return token


def list_tokens(store, city: str) -> list[TokenInfo]:
    """The city's tokens, by name (revoked ones included)."""
    with store.session() as session:
        return [_info(r) for r in session.scalars(select(ApiToken).where(ApiToken.city == city).order_by(ApiToken.name))]


def revoke_token(store, city: str, name: str) -> TokenInfo:
    """Revoke token NAME (it stops working at once); revoking twice keeps the first time."""
    now = utc_now()
    with store.session() as session, session.begin():
        row = session.scalar(select(ApiToken).where(ApiToken.city == city, ApiToken.name == name))
        if row is None:
            raise UnknownTokenError(f"no token named {name!r}; see 'patrol tokens list'")
        row.revoked_at = row.revoked_at or now
        audit.record(session, city, "token.revoke", f"token {name}", {"name": name, "role": row.role})
        return _info(row)


def check_token(store, city: str, token: str) -> TokenInfo:
    """The live token ``token`` of ``city`` (its use recorded), or TokenError saying why not."""
    if not token or len(token) > 200:
        raise TokenError("the API token is missing or malformed (send 'Authorization: Bearer TOKEN')")
    with store.session() as session, session.begin():
        row = session.scalar(select(ApiToken).where(ApiToken.city == city, ApiToken.token_hash == _hash(token)))
        if row is None:
            raise TokenError("the API token is not known (wrong token, or made for another city)")
        if row.revoked_at is not None:
            raise TokenError(f"the API token {row.name!r} was revoked at {row.revoked_at:%Y-%m-%d %H:%M} UTC")
        session.execute(update(ApiToken).where(ApiToken.id == row.id).values(last_used_at=utc_now()))
        return _info(row)
