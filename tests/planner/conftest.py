"""Fixtures of the planner tests over more than one city."""

import pytest


@pytest.fixture(scope="module")
def andorra(tmp_path_factory):
    """The Andorra extract built in a module's own instance folder (set while the module runs)."""
    from bench.common import instance_at
    from geo import paths
    from geo.city import build_city

    with instance_at(tmp_path_factory.mktemp("andorra")):
        yield build_city("andorra", str(paths.shared_dir() / "osm" / "andorra.osm.pbf"))


@pytest.fixture
def cities(chengdu, andorra):
    """Chengdu and Andorra by name."""
    return {"chengdu": chengdu, "andorra": andorra}
