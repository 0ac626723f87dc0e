"""The Flask app: ``create_app(test_config=None)``.

One process serves one city: its graphs, key blocks and dispatcher are loaded once (on first use)
and kept in ``app.extensions["patrol"]``. Settings in layers: defaults, environment (``web.settings``),
the test mapping.
"""

from flask import Flask, jsonify
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import HTTPException

from geo import strict_json
from geo.errors import ConflictError, NotFoundError, NotReadyError, PatrolError


class StrictJSONProvider(DefaultJSONProvider):
    """Every JSON answer is strict JSON: NaN and Infinity become null (browsers' JSON.parse refuses them)."""

    def dumps(self, obj, **kwargs) -> str:
        return super().dumps(strict_json.finite(obj), allow_nan=False, **kwargs)


class PatrolFlask(Flask):
    """Flask with strict JSON answers."""

    json_provider_class = StrictJSONProvider

__all__ = ["create_app"]


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app (city from ``PATROL_CITY`` or the test mapping; default Chengdu)."""
    app = PatrolFlask(__name__, static_folder=None)  # assets come from /vendor/
    from planner.store import default_url
    from web.settings import current_settings

    settings = current_settings()
    app.config.from_mapping(CITY=settings.city, DATABASE_URL=settings.database_url or default_url(),
                            TILES=settings.tiles, TIANDITU_KEY=settings.tianditu_key, REDIS_URL=settings.redis_url,
                            HTTPS=settings.https, DEMO=settings.demo,
                            MAX_CONTENT_LENGTH=10 * 1024 * 1024)
    app.config["PROXIES"] = settings.proxies
    if test_config:
        app.config.from_mapping(test_config)
    if app.config["PROXIES"]:  # behind trusted reverse proxies: the client's address and scheme from their headers
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXIES"], x_proto=app.config["PROXIES"])
    app.json.ensure_ascii = False
    from web.assets import check_assets
    from web.tiles import check_tiles

    check_assets()
    check_tiles(app.config["TILES"], app.config["TIANDITU_KEY"])
    from web.resources import Resources

    app.extensions["patrol"] = Resources(app.config["CITY"], app.config["DATABASE_URL"],
                                         redis_url=app.config["REDIS_URL"])

    from web import api, auth, jobs, live
    from web.pages import BLUEPRINTS

    auth.init_auth(app)
    app.register_blueprint(auth.bp)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    app.register_blueprint(api.bp)
    app.register_blueprint(jobs.bp)
    app.register_blueprint(live.bp)

    from web.i18n import remember_language

    app.after_request(remember_language)
    from web.headers import security_headers

    app.after_request(security_headers)

    @app.errorhandler(PatrolError)
    def product_error(error):
        return _error(status_of(error), str(error))

    from sqlalchemy.exc import OperationalError

    @app.errorhandler(OperationalError)
    def database_unavailable(error):
        app.logger.warning("database: %s", error)
        return _error(503, "the database is locked, read-only or unreachable; try again in a moment "
                           "(an administrator sees the cause in the server log)")

    @app.errorhandler(413)
    def too_large(error):
        limit = app.config["MAX_CONTENT_LENGTH"] / 1024 / 1024
        return _error(413, f"the upload is too large: at most {limit:.0f} MB per request")

    @app.errorhandler(HTTPException)
    def http_error(error):
        return _error(error.code or 500, error.description or error.name)

    return app


def status_of(error: PatrolError) -> int:
    """The HTTP status of a product error: one table for every blueprint."""
    for kind, status in ((NotFoundError, 404), (ConflictError, 409), (NotReadyError, 503)):
        if isinstance(error, kind):
            return status
    return 400


def _error(status: int, message: str):
    """JSON for the API (``{"error": ..., "message": ...}``: the English message, and the same in the request's
    language), a short page for people in their language; always with the message."""
    from flask import Response, render_template, request

    from web.i18n import STATUS_TITLES, language
    from web.messages import message_text

    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        return jsonify(error=message, message=message_text(message)), status  # error: English, for scripts
    title = STATUS_TITLES.get(status, ("", ""))[0 if language() == "zh" else 1]
    return Response(render_template("error.html", status=status, title=title, message=message_text(message),
                                    html_lang="zh-CN" if language() == "zh" else "en"),
                    status=status, mimetype="text/html")
