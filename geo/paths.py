"""Where the project's data, the shared OSM extracts and the instance folder live.

``geo`` reads no environment: the entry points (``web.settings``) call ``configure`` with the
folders they were given. Unconfigured, the folders sit beside the checkout:

- data: city profiles (``data/`` beside the packages);
- shared: read-only inputs such as OSM extracts (``../shared`` beside the checkout);
- instance: built cities, database, secrets (``instance/`` beside the packages; created on demand).
"""

import contextlib
from dataclasses import dataclass, replace
from pathlib import Path

__all__ = ["Locations", "configure", "data_dir", "instance_dir", "locations", "project_root", "shared_dir", "using"]


def project_root() -> Path:
    """Return the folder that holds the ``geo`` package (the checkout)."""
    return Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Locations:
    """The three folders the product reads and writes."""

    data: Path
    shared: Path
    instance: Path

    @classmethod
    def beside_checkout(cls) -> "Locations":
        root = project_root()
        return cls(data=root / "data", shared=root.parent / "shared", instance=root / "instance")


_current = Locations.beside_checkout()


def configure(*, data_dir: str | Path | None = None, shared_dir: str | Path | None = None,
              instance_dir: str | Path | None = None) -> Locations:
    """Set the folders (None keeps the default beside the checkout); returns the previous ones."""
    global _current
    previous, default = _current, Locations.beside_checkout()
    _current = Locations(data=Path(data_dir) if data_dir else default.data,
                         shared=Path(shared_dir) if shared_dir else default.shared,
                         instance=Path(instance_dir) if instance_dir else default.instance)
    return previous


def locations() -> Locations:
    """The folders in use."""
    return _current


@contextlib.contextmanager
def using(**changes):
    """Inside the block, the given folders (``data``, ``shared``, ``instance``) replace the current ones."""
    global _current
    previous = _current
    _current = replace(_current, **{k: Path(v) for k, v in changes.items()})
    try:
        yield _current
    finally:
        _current = previous


def data_dir() -> Path:
    """Return the folder of city profiles and small reference data."""
    return _current.data


def shared_dir() -> Path:
    """Return the shared folder (OSM extracts, reference boundaries)."""
    return _current.shared


def instance_dir() -> Path:
    """Return the writable instance folder (created on demand)."""
    _current.instance.mkdir(parents=True, exist_ok=True)
    return _current.instance
