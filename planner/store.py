"""The product's database: SQLAlchemy 2 with versioned Alembic migrations.

By default a SQLite file ``<instance>/patrol.sqlite``; any SQLAlchemy URL can be given (the ``url``
argument; the entry points take it from ``PATROL_DATABASE_URL``). Opening a store brings its schema to the
newest migration.
"""

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from geo import paths

__all__ = ["Store", "default_url", "owner_only"]

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).with_name("migrations")


def default_url() -> str:
    """A SQLite file in the instance folder."""
    return f"sqlite:///{paths.instance_dir() / 'patrol.sqlite'}"


def owner_only(path: Path) -> Path:
    """Create ``path`` if missing, readable and writable by its owner only (0600: it holds password
    hashes); an existing file is narrowed to 0600 too. SQLite gives its -wal and -shm files the same mode."""
    import os

    path.parent.mkdir(parents=True, exist_ok=True)
    # Never open an existing database file here: closing any descriptor of a file drops every POSIX lock
    # this process holds on it, SQLite's included, and the process's other connections then fail ("disk
    # I/O error") or corrupt it. O_EXCL creates a missing file without touching an existing one.
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        pass
    if path.stat().st_mode & 0o077:
        path.chmod(0o600)
    return path


def _sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL (None for memory or another database)."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


class Store:
    """A database connection pool and session factory, migrated to the newest schema."""

    def __init__(self, url: str | None = None, *, migrate: bool = True):
        self.url = url or default_url()
        database_file = _sqlite_file(self.url)
        if database_file is not None:
            owner_only(database_file)
        self.engine: Engine = create_engine(self.url, future=True)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        if migrate:
            self.upgrade()

    def alembic_config(self) -> Config:
        """Alembic configuration bound to this store's engine."""
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.set_main_option("sqlalchemy.url", self.url.replace("%", "%%"))
        return config

    def upgrade(self, revision: str = "head") -> None:
        """Apply the migrations up to ``revision``.

        Processes that open a new database at the same moment (a server and its workers) race to create
        the schema: each step runs in one transaction, so a loser's step rolls back; it waits and tries
        again from wherever the winner got to (at most five times).
        """
        import time

        from sqlalchemy.exc import DBAPIError

        for attempt in range(5):
            try:
                with self.engine.begin() as connection:
                    config = self.alembic_config()
                    config.attributes["connection"] = connection
                    command.upgrade(config, revision)
                return
            except DBAPIError:
                if attempt == 4:
                    raise
                log.info("another process is migrating %s; trying again", self.engine.url.render_as_string())
                time.sleep(0.5 * (attempt + 1))

    def revision(self) -> str | None:
        """The schema revision the database is at."""
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    def tables(self) -> list[str]:
        """Names of the tables in the database."""
        return sorted(inspect(self.engine).get_table_names())

    def session(self) -> Session:
        """A new session (use as a context manager)."""
        return self.sessions()

    def close(self) -> None:
        """Release every connection."""
        self.engine.dispose()
