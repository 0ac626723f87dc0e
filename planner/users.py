"""Users: dispatchers, planners, officers (each tied to a patrol) and admins, with hashed passwords."""

import functools
import secrets
from typing import Final

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from geo.errors import PatrolError
from planner.models import User
from planner.patrols import get_patrol

__all__ = ["ROLES", "UserError", "add_user", "authenticate", "change_password", "check_password", "get_user"]

ROLES: Final = ("dispatcher", "planner", "officer", "admin")


class UserError(PatrolError):
    """A user cannot be created or found (bad role, missing patrol, duplicate name)."""


def add_user(store, city: str, username: str, role: str, *, password: str | None = None,
             patrol_id: str | None = None, must_change: bool = False) -> tuple[User, str]:
    """Create a user; returns it with its password (generated when not given). ``must_change``: the
    password was printed (demo accounts) and is to be changed at the first sign-in outside the demo."""
    username = username.strip()
    if not username or len(username) > 64:
        raise UserError("username must be 1 to 64 characters.")
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}; got {role!r}.")
    if role == "officer":
        if not patrol_id:
            raise UserError("an officer needs --patrol (the patrol whose route they see).")
        get_patrol(store, city, patrol_id)
    password = password or secrets.token_urlsafe(12)
    check_password(password, username)
    with store.session() as session, session.begin():
        if session.scalar(select(User).where(User.city == city, User.username == username)) is not None:
            raise UserError(f"user {username!r} already exists.")
        user = User(city=city, username=username, password_hash=generate_password_hash(password), role=role,
                    patrol_id=patrol_id if role == "officer" else None, must_change_password=int(must_change))
        session.add(user)
    return user, password


COMMON_PASSWORDS: Final = frozenset("""
123456 123456789 12345678 1234567890 password password1 password123 qwerty qwerty123 qwertyuiop 111111 000000
123123 abc123 1q2w3e4r 1qaz2wsx iloveyou admin admin123 administrator welcome welcome1 letmein monkey dragon
sunshine princess football baseball superman passw0rd p@ssw0rd changeme secret root toor test test123 guest
master 88888888 66666666 5201314 woaini1314 a123456 a123456789 aa123456 zxcvbnm asdfghjkl 147258369 987654321
""".split())


def check_password(password: str, username: str) -> None:
    """The password policy: 10 to 1024 characters, not the user name (or containing it), not a common password."""
    if not 10 <= len(password) <= 1024:
        raise UserError("password must have 10 to 1024 characters.")
    lowered = password.lower()
    if username.strip().lower() in lowered:
        raise UserError("password must not contain the user name.")
    if lowered in COMMON_PASSWORDS or lowered.rstrip("0123456789!") in COMMON_PASSWORDS:
        raise UserError("password is too common (it is in every guessing list); choose another.")


def change_password(store, user_id: int, old: str, new: str) -> User:
    """Set a new password (the old one must be right; the policy applies; it must differ) and end every
    session of the user (``planner.sign_in``); the user must sign in again."""
    from sqlalchemy import update

    from planner.sign_in import revoke_user_sessions

    user = get_user(store, user_id)
    if user is None:
        raise UserError("no such user.")
    if not check_password_hash(user.password_hash, old):
        raise UserError("the current password is wrong.")
    check_password(new, user.username)
    if new == old:
        raise UserError("the new password must differ from the current one.")
    with store.session() as session, session.begin():
        session.execute(update(User).where(User.id == user_id).values(password_hash=generate_password_hash(new),
                                                                      must_change_password=0))
    revoke_user_sessions(store, user_id)
    return get_user(store, user_id)


def get_user(store, user_id: int) -> User | None:
    """A user by id."""
    with store.session() as session:
        return session.get(User, user_id)


def authenticate(store, city: str, username: str, password: str) -> User | None:
    """The user if the password is right, else None. An unknown user costs the same hashing as a known
    one, so the answer's time does not tell who exists."""
    with store.session() as session:
        user = session.scalar(select(User).where(User.city == city, User.username == username.strip()))
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return None
    return user if check_password_hash(user.password_hash, password) else None


@functools.lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """A hash made like every user's, checked for unknown users (same work, same time)."""
    return generate_password_hash(secrets.token_urlsafe(16))
