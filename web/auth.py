"""Sign-in, roles and CSRF: who may open which page.

Roles: dispatcher (console and API), planner (workspace and API), officer (only their own patrol's
route), admin (everything); machine clients sign each request with an API token (``Authorization: Bearer``,
role intake: post reports). Passwords are hashed (werkzeug); the session secret is generated on first
run into the instance folder, never kept in the repository; forms carry a CSRF token (Flask-WTF).
"""

import functools
import secrets

from flask import Blueprint, Response, abort, jsonify, redirect, request, url_for
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user

from geo import paths
from web.resources import get_resources

__all__ = ["bp", "init_auth", "own_patrol_only", "roles_required", "safe_next"]

bp = Blueprint("auth", __name__)


class TokenClient(UserMixin):
    """A machine client signed in by its API token (``Authorization: Bearer TOKEN``) for one request."""

    def __init__(self, info):
        self.id = f"token:{info.name}"
        self.username = f"token:{info.name}"
        self.role = info.role
        self.patrol_id = None
        self.must_change_password = False


def bearer_token() -> str | None:
    """The request's bearer token, if it sends one."""
    header = request.headers.get("Authorization", "")
    return header[7:].strip() if header[:7].lower() == "bearer " else None


class SignedIn(UserMixin):
    """The signed-in user as Flask-Login sees it."""

    def __init__(self, user):
        self.id = str(user.id)
        self.username = user.username
        self.role = user.role
        self.patrol_id = user.patrol_id
        self.must_change_password = bool(user.must_change_password)


def secret_key() -> str:
    """The instance's session secret (made on first use, readable by the owner only)."""
    path = paths.instance_dir() / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def init_auth(app) -> None:
    """Sign-in, cookies and CSRF for ``app``."""
    from flask_wtf.csrf import CSRFProtect

    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = secret_key()
    from datetime import timedelta

    from planner.sign_in import LIFETIME_S

    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                      PERMANENT_SESSION_LIFETIME=timedelta(seconds=LIFETIME_S))
    if app.config.get("HTTPS"):  # served behind HTTPS (PATROL_HTTPS=1): cookies never travel in clear
        app.config.update(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False  # checked below: every write, except one made with an API token
    csrf = CSRFProtect(app)

    @app.before_request
    def token_or_csrf():
        """A request with a bearer token is that token's (no session, no CSRF: a browser cannot send this
        header across sites); a wrong or revoked token is a 401 at once. Every other write needs CSRF."""
        from flask import g

        from planner.audit import Actor, acting_as, record_now
        from planner.tokens import TokenError, check_token

        token = bearer_token()
        if token is not None:
            res = get_resources(app)
            where = {"method": request.method, "path": request.path[:200]}
            try:
                g.token_client = TokenClient(check_token(res.store, res.city.slug, token))
            except TokenError as exc:
                acting_as(Actor("token:?", request.remote_addr or "unknown"))
                record_now(res.store, res.city.slug, "token.refused", None, where | {"reason": str(exc)})
                return jsonify(error=str(exc)), 401
            acting_as(Actor(g.token_client.username, request.remote_addr or "unknown"))
            record_now(res.store, res.city.slug, "token.use", g.token_client.username, where)
            return None
        if app.config.get("WTF_CSRF_ENABLED", True) and request.method in ("POST", "PUT", "PATCH", "DELETE"):
            csrf.protect()
        return None

    @app.before_request
    def who_acts():
        """The audit log's who and from where for everything this request does."""
        from flask import g

        from planner.audit import Actor, acting_as

        if g.get("token_client") is None:
            address = request.remote_addr or "unknown"
            acting_as(lambda: Actor(current_user.username if current_user.is_authenticated else "anonymous", address))

    @app.teardown_request
    def done_acting(_error=None):
        """The request is over: nothing after it acts in its name (threads serve many requests)."""
        from planner.audit import acting_as

        acting_as(None)

    manager = LoginManager(app)

    @manager.request_loader
    def load_token_client(_request):
        from flask import g

        return g.get("token_client")

    @manager.user_loader
    def load(user_id: str):
        """The signed-in user, if the browser's session is still live on the server (not signed out,
        not idle for 2 h, not older than 12 h)."""
        from flask import g, session

        from planner.sign_in import check_session
        from planner.users import get_user

        if g.get("token_client") is not None:  # a token request is the token's, whatever cookie comes with it
            return None
        store = get_resources(app).store
        if not user_id.isdigit() or check_session(store, session.get("sid")) != int(user_id):
            return None
        user = get_user(store, int(user_id))
        return SignedIn(user) if user is not None else None


def own_patrol_only(patrol_id: str, what: str) -> None:
    """403 when an officer asks for another patrol's ``what`` (route, position); other roles pass."""
    if current_user.role == "officer" and current_user.patrol_id != patrol_id:
        abort(403, f"an officer sees and reports only their own {what}")


def roles_required(*roles: str, api: bool = False):
    """Allow only signed-in users with one of ``roles`` (admin always); others get 401/403 or the sign-in page."""

    def wrap(view):
        @functools.wraps(view)
        def guarded(*args, **kwargs):
            if not current_user.is_authenticated:
                if api:
                    return jsonify(error="sign in first"), 401
                return redirect(url_for("auth.login", next=request.full_path))
            if must_change_password_now():
                if api:
                    return jsonify(error="change your printed password first (/password)"), 403
                return redirect(url_for("auth.change_password"))
            if current_user.role != "admin" and current_user.role not in roles:
                if api:
                    return jsonify(error=f"role {current_user.role!r} may not use this"), 403
                abort(403, f"role {current_user.role!r} may not open this page")
            return view(*args, **kwargs)

        return guarded

    return wrap


def _form(message: str = "", next_url: str = "", status: int | None = None) -> Response:
    from flask import render_template

    return Response(render_template("login.html", message=message, next_url=next_url), mimetype="text/html",
                    status=status or (401 if message else 200))


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign in with username and password."""
    from planner.users import authenticate

    next_url = request.values.get("next", "")
    if request.method == "GET":
        return _form(next_url=next_url)
    from flask import current_app, session

    from planner.sign_in import clear_failures, locked_for, open_session, record_failure, throttle_keys

    res = get_resources()
    username = request.form.get("username", "")[:200]
    keys = throttle_keys(res.city.slug, username, request.remote_addr)
    locked = locked_for(res.store, keys)
    if locked:
        return _form(_lock_message(*locked), next_url, status=429)
    user = authenticate(res.store, res.city.slug, username, request.form.get("password", "")[:1024])
    if user is None:
        locks = record_failure(res.store, keys)
        for key, seconds in locks.items():  # the audit log
            current_app.logger.warning("sign-in locked for %.0f s after repeated failures: %s", seconds, key)
        if locks:
            return _form(_lock_message(*next(iter(locks.items()))), next_url, status=429)
        return _form("用户名或密码错误 wrong username or password", next_url)
    clear_failures(res.store, keys[0])
    csrf = session.get("csrf_token")  # forms opened before signing in stay valid
    session.clear()
    if csrf:
        session["csrf_token"] = csrf
    session["sid"] = open_session(res.store, user.id)
    session.permanent = True
    login_user(SignedIn(user))
    return redirect(safe_next(next_url))


def _lock_message(key: str, seconds: float) -> str:
    who = ("此账号 this account (an admin can run 'patrol users unlock')" if key.startswith("user:")
           else "此网络地址 this network address")
    return (f"登录失败次数过多，请 {seconds:.0f} 秒后再试 — too many failed sign-ins for {who}; "
            f"try again in {seconds:.0f} s")


def must_change_password_now() -> bool:
    """A signed-in user still holding a printed demo password, outside the demo (``PATROL_DEMO``)."""
    from flask import current_app

    return bool(getattr(current_user, "must_change_password", False)) and not current_app.config.get("DEMO")


@bp.route("/password", methods=["GET", "POST"])
def change_password():
    """Change one's password (required at the first sign-in with a printed demo password, outside the demo).
    Every session of the user ends; they sign in again with the new password."""
    from flask import render_template

    from planner.users import UserError
    from planner.users import change_password as change

    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next="/password"))
    message, status = "", 200
    if request.method == "POST":
        new = request.form.get("new_password", "")[:1024]
        if new != request.form.get("repeat_password", "")[:1024]:
            message, status = "两次输入的新密码不一致 the two new passwords differ", 400
        else:
            try:
                change(get_resources().store, int(current_user.id), request.form.get("old_password", "")[:1024], new)
            except UserError as exc:
                message, status = str(exc), 400
            else:
                logout_user()
                from flask import session

                session.clear()
                return redirect(url_for("auth.login"))
    return Response(render_template("password.html", message=message, forced=must_change_password_now()),
                    mimetype="text/html", status=status)


def safe_next(url: str) -> str:
    """Where to go after sign-in: a path on this app, else ``/``. Browsers drop tabs and line breaks and
    read ``\\`` as ``/``, so a URL holding any of them (or a scheme, a host, ``//``) is refused."""
    from urllib.parse import urlsplit

    if not url or any(ord(c) < 0x20 or ord(c) == 0x7F or c == "\\" for c in url):
        return "/"
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not url.startswith("/") or url.startswith("//"):
        return "/"
    return url


@bp.post("/logout")
def logout():
    """Sign out: the session ends on the server too (a copied cookie no longer works)."""
    from flask import session

    from planner.sign_in import revoke_session

    revoke_session(get_resources().store, session.get("sid"))
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))
