"""The coverage proof after a planner redraws one zone: only the zones that changed are computed again, and the
result equals a full recomputation (Chengdu and a generated city)."""

import numpy as np
import pytest

from planner.coverage import StreetSamples
from planner.patrols import demo_roster, list_patrols, upsert_patrols
from planner.store import Store
from planner.zone_check import check_version
from planner.zones import generate_zones, load_version, redraw_zone, save_version

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def generated_city(tmp_path_factory):
    from bench.common import instance_at
    from bench.synthetic_osm import grid_city_towns, write_city
    from geo.city import build_city

    folder = tmp_path_factory.mktemp("incremental")
    source = write_city(folder / "grid.osm.pbf", grid_city_towns(1600), seed=3)
    with instance_at(folder / "instance"):
        yield build_city("grid-incremental", str(source))


@pytest.mark.parametrize("which", ["chengdu", "generated"])
def test_one_redrawn_zone_is_all_that_is_recomputed_and_equals_a_full_check(request, which, tmp_path):
    city = request.getfixturevalue("chengdu" if which == "chengdu" else "generated_city")
    store = Store(f"sqlite:///{tmp_path / 'check.sqlite'}")
    upsert_patrols(store, city.slug, demo_roster(city))
    samples = StreetSamples.for_city(city)
    plan = generate_zones(city, list_patrols(store, city.slug), samples, target_s=1800.0)
    first = save_version(store, city, plan, author="test", comment="generated")
    before = check_version(store, city, first, samples=samples, with_segments=True, incremental=False)
    assert before["zones_recomputed"] == len(plan.zones)
    again = check_version(store, city, first, samples=samples, with_segments=True)
    assert again["zones_recomputed"] == 0 and again["zones"] == before["zones"]
    # the planner grows one zone over part of its neighbours
    zone = plan.zones[len(plan.zones) // 2]
    redrawn = redraw_zone(city, plan, zone.zone_id, zone.polygon.buffer(0.002))
    second = save_version(store, city, redrawn, author="test", comment="one zone redrawn")
    _, stored = load_version(store, city, second)
    old = {z.zone_id: z.segments for z in plan.zones}
    changed = sum(not np.array_equal(np.sort(z.segments), np.sort(old[z.zone_id])) for z in stored.zones)
    assert 2 <= changed < len(plan.zones)
    incremental = check_version(store, city, second, samples=samples, with_segments=True)
    full = check_version(store, city, second, samples=samples, with_segments=True, incremental=False)
    assert incremental["zones_recomputed"] == changed and full["zones_recomputed"] == len(plan.zones)
    assert incremental["zones"] == full["zones"]
    assert incremental["all_covered"] == full["all_covered"]
