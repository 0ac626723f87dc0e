"""The process-wide resources of the web app: one city, its store, key blocks, dispatcher, street
layer and today's routes, each built once (lazily) and kept for the process.

``get_resources()`` gives the current app's; ``warm()`` builds them before the first request.
Every blueprint takes its resources from here; nothing in ``web/`` imports the app factory.
"""

import threading

__all__ = ["Resources", "get_resources", "warm"]

KEPT_VIEWS = 64  # costly views kept per process (a planner page holds about five)
_VIEWS: dict = {}  # by (store, city, name, inputs, hour, data stamps): see ``Resources.view``
_VIEWS_LOCK = threading.Lock()


class Resources:
    """The process-wide city, store, key blocks, dispatcher and street layer (built lazily)."""

    def __init__(self, city_name: str, database_url: str | None = None, *, redis_url: str | None = None):
        self.city_name = city_name
        self.database_url = database_url
        self.redis_url = redis_url
        self._city = self._store = self._blocks = self._dispatcher = self._streets = self._jobs = None
        self._streets_file = None
        self.route_cache: dict = {}  # today's routes by (patrol, zone version, day, roster entry)
        self.event_hub = None  # the live feed's reader (web.live.EventHub), made on first use

    @property
    def city(self):
        if self._city is None:
            from geo.city import get_city

            self._city = get_city(self.city_name)
        return self._city

    @property
    def store(self):
        if self._store is None:
            from planner.store import Store

            self._store = Store(self.database_url)
        return self._store

    @property
    def blocks(self):
        if self._blocks is None:
            from planner.key_blocks import load_blocks

            self._blocks = load_blocks(self.store, self.city)
        return self._blocks

    @property
    def dispatcher(self):
        if self._dispatcher is None:
            from planner.dispatch import Dispatcher

            self._dispatcher = Dispatcher(self.city, self.blocks)
        return self._dispatcher

    @property
    def streets(self) -> str:
        if self._streets is None:
            from web.maps import streets_geojson

            self._streets = streets_geojson(self.city.router("foot"))
        return self._streets

    @property
    def streets_file(self) -> tuple[bytes, str]:
        """The street layer gzipped, and its tag (a hash of the text: changes when the city is rebuilt)."""
        if self._streets_file is None:
            import gzip
            import hashlib

            text = self.streets.encode()
            self._streets_file = gzip.compress(text, 6, mtime=0), hashlib.sha256(text).hexdigest()[:16]
        return self._streets_file

    @property
    def jobs(self):
        """The job queue (Huey on Redis at ``redis_url``, else on SQLite in the instance folder)."""
        if self._jobs is None:
            from geo import paths
            from planner.jobs import JobQueue

            self._jobs = JobQueue(self.store, sqlite_path=paths.instance_dir() / "jobs-queue.sqlite",
                                  redis_url=self.redis_url)
        return self._jobs

    def view(self, name: str, inputs: tuple, compute, *, incidents: bool = True, patrols: bool = False):
        """``compute()``, kept in this process for ``name`` and ``inputs`` (of this store and city) while the city's incidents (and,
        with ``patrols``, the patrols' planning fields) are unchanged and within the same UTC hour (the
        "last N days" windows move). Treat the result as read-only."""
        from planner.clock import utc_now
        from planner.freshness import incidents_stamp, patrols_stamp

        key = (self.store.url, self.city.key, name, inputs, utc_now().strftime("%Y%m%d%H"),
               incidents_stamp(self.store, self.city.slug) if incidents else None,
               patrols_stamp(self.store, self.city.slug) if patrols else None)
        with _VIEWS_LOCK:
            if key in _VIEWS:
                return _VIEWS[key]
        value = compute()
        with _VIEWS_LOCK:
            _VIEWS[key] = value
            while len(_VIEWS) > KEPT_VIEWS:
                _VIEWS.pop(next(iter(_VIEWS)))
        return value

    def recommend(self, location: str, category: str, datum: str | None):
        """The ranked patrols (a ``Recommendation``) for a report at 'lon,lat' in ``datum`` or an address."""
        from planner.reports import recommend_for_report

        return recommend_for_report(self.city, self.store, self.dispatcher, location, category, datum)


def get_resources(app=None) -> Resources:
    """The resources of ``app`` (default: the current app)."""
    from flask import current_app

    return (app or current_app).extensions["patrol"]


def warm(res: Resources, progress=lambda message: None) -> None:
    """Load everything the first requests would load (graphs, key blocks, all-pairs tables, coverage
    samples, dispatcher), so that no user waits for it."""
    from planner.zone_check import samples_for

    progress(f"loading {res.city_name} (graphs, key blocks, routers) ...")
    _ = res.city, res.blocks, res.streets_file
    for mode in ("foot", "ebike", "car"):
        res.city.router(mode).warm()
    samples_for(res.city)  # street samples of the coverage check (the planner page)
    _ = res.dispatcher
    progress("computing the planner's default views (coverage check, congestion points, hot segments) ...")
    from planner.zones import list_versions
    from web.geojson import hot_segment_collection, hotspot_rows, version_table

    versions = list_versions(res.store, res.city)
    if versions:
        version_table(res, versions[-1]["version"])  # with its coverage check
    hotspot_rows(res)
    hot_segment_collection(res)
