"""Where the project's data, the shared OSM extracts and the instance folder live.

Each location can be overridden by an environment variable, so tests and deployments
never write into the source tree:

- ``PATROL_DATA_DIR``: city profiles (default: ``data/`` beside the packages);
- ``PATROL_SHARED_DIR``: shared read-only inputs (default: ``../shared`` beside the checkout);
- ``PATROL_INSTANCE_DIR``: built cities, database, secrets (default: ``instance/`` beside the packages).
"""

import os
from pathlib import Path

__all__ = ["data_dir", "instance_dir", "project_root", "shared_dir"]


def project_root() -> Path:
    """Return the folder that holds the ``geo`` package (the checkout)."""
    return Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    """Return the folder of city profiles and small reference data."""
    return Path(os.environ.get("PATROL_DATA_DIR") or project_root() / "data")


def shared_dir() -> Path:
    """Return the shared folder beside the checkout (OSM extracts, reference boundaries)."""
    return Path(os.environ.get("PATROL_SHARED_DIR") or project_root().parent / "shared")


def instance_dir() -> Path:
    """Return the writable instance folder (created on demand)."""
    path = Path(os.environ.get("PATROL_INSTANCE_DIR") or project_root() / "instance")
    path.mkdir(parents=True, exist_ok=True)
    return path
