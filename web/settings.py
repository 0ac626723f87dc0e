"""The product's settings, read from the environment in one place and handed on as explicit values.

``PATROL_CITY`` (default chengdu), ``PATROL_DATABASE_URL`` (default a SQLite file in the instance
folder), ``PATROL_DATA_DIR``, ``PATROL_SHARED_DIR``, ``PATROL_INSTANCE_DIR`` (default beside the
checkout), ``PATROL_TILES`` (default none), ``PATROL_TIANDITU_KEY``, ``PATROL_HTTPS`` (``1`` when served behind HTTPS: Secure cookies and HSTS), ``PATROL_PROXIES`` (how many trusted reverse proxies stand in front: their
``X-Forwarded-For``/``-Proto`` are believed, so throttling sees the client's address), ``PATROL_DEMO`` (``1`` for
``make demo``: the printed demo passwords need not be changed) and
``PATROL_REDIS_URL`` (the job queue
on Redis, for several machines; default Huey's SQLite file in the instance folder). ``geo`` and ``planner`` never
read them: the web factory, the command line and the benchmarks read them here and pass them on.
"""

import os
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["Settings", "current_settings"]


@dataclass(frozen=True)
class Settings:
    """What one process serves or works on; every field has a default."""

    city: str = "chengdu"
    database_url: str | None = None
    data_dir: str | None = None
    shared_dir: str | None = None
    instance_dir: str | None = None
    tiles: str = "none"
    tianditu_key: str | None = None
    redis_url: str | None = None
    https: bool = False
    demo: bool = False
    proxies: int = 0
    query_helpers: int | None = None  # helper processes for big travel-time matrices (None: cores - 1, at most 3)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> "Settings":
        """The settings named by ``PATROL_*`` variables in ``environ`` (empty ones count as unset)."""
        value = lambda name: environ.get(name) or None  # noqa: E731
        return cls(city=value("PATROL_CITY") or "chengdu", database_url=value("PATROL_DATABASE_URL"),
                   data_dir=value("PATROL_DATA_DIR"), shared_dir=value("PATROL_SHARED_DIR"),
                   instance_dir=value("PATROL_INSTANCE_DIR"), tiles=value("PATROL_TILES") or "none",
                   tianditu_key=value("PATROL_TIANDITU_KEY"), redis_url=value("PATROL_REDIS_URL"),
                   https=(value("PATROL_HTTPS") or "").lower() in ("1", "true", "yes"),
                   demo=(value("PATROL_DEMO") or "").lower() in ("1", "true", "yes"),
                   proxies=int(value("PATROL_PROXIES")) if (value("PATROL_PROXIES") or "").isdigit() else 0,
                   query_helpers=int(value("PATROL_QUERY_HELPERS"))
                   if (value("PATROL_QUERY_HELPERS") or "").strip().isdigit() else None)

    def apply(self) -> "Settings":
        """Point ``geo.paths`` at this process's folders and tell ``geo.query_helpers`` how many helpers it may
        start; returns self."""
        from geo import paths, query_helpers

        paths.configure(data_dir=self.data_dir, shared_dir=self.shared_dir, instance_dir=self.instance_dir)
        query_helpers.configure(self.query_helpers)
        return self

    def store(self):
        """The SQL store at ``database_url`` (default: SQLite in the instance folder), migrated."""
        from planner.store import Store

        return Store(self.database_url)

    def job_queue(self, store, **options):
        """The job queue (``planner.jobs.JobQueue``): Redis at ``redis_url``, else Huey's SQLite file in the
        instance folder."""
        from geo import paths
        from planner.jobs import JobQueue

        return JobQueue(store, sqlite_path=paths.instance_dir() / "jobs-queue.sqlite", redis_url=self.redis_url,
                        **options)


def current_settings() -> Settings:
    """The settings of this process's environment, applied to ``geo.paths``."""
    return Settings.from_environ(os.environ).apply()
