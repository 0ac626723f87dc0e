"""A zone's work in a shift: the totals recomputed independently from the store, and generated zones that
balance it so that no zone asks more than its patrol's shift (the plain network Voronoi does, on the demo)."""

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from cli.main import _register, cli
from planner.coverage import StreetSamples

pytestmark = pytest.mark.slow
_register()


@pytest.fixture(scope="module")
def demo(chengdu, tmp_path_factory, session_instance):
    """A store with the demo roster, a week of demo incidents and the key blocks: (store, patrols, blocks)."""
    import shutil

    from planner.key_blocks import load_blocks
    from planner.patrols import list_patrols
    from planner.store import Store
    from tests.conftest import instance_at

    folder = tmp_path_factory.mktemp("workload") / "instance"
    shutil.copytree(session_instance / "cities", folder / "cities")
    with instance_at(folder):
        for args in (["patrols", "demo"], ["incidents", "generate", "--days", "7"]):
            assert CliRunner().invoke(cli, args).exit_code == 0
    store = Store(f"sqlite:///{folder / 'patrol.sqlite'}")
    return store, list_patrols(store, chengdu.slug), load_blocks(store, chengdu)


@pytest.fixture(scope="module")
def workload(chengdu, demo):
    from planner.zones import shift_workload

    store, patrols, blocks = demo
    return shift_workload(chengdu, store, patrols, StreetSamples.for_city(chengdu), blocks)


def test_work_totals_equal_an_independent_count(chengdu, demo, workload):
    """Per patrol: ride every street once + every key block's visits x 10 min + the top congestion points'
    visits x 15 min + the reports of its shift hours per day x the mean handling time."""
    from planner.hotspots import find_hotspots
    from planner.incidents import incidents_frame
    from planner.simulation import mean_handling_s

    store, patrols, blocks = demo
    frame = incidents_frame(store, chengdu.slug)
    local = pd.to_datetime(frame["reported_at"]).dt.tz_localize("UTC").dt.tz_convert(chengdu.profile.timezone)
    days = (local.max() - local.min()).total_seconds() / 86400
    visits_s = blocks["visits_per_shift"].clip(lower=1).sum() * 600.0
    spots = find_hotspots(frame, crs=chengdu.crs, timezone=chengdu.profile.timezone)[: 3 * len(patrols)]
    street_m = StreetSamples.for_city(chengdu).length_m.sum()
    assert workload.parts_s["key_block_visits_s"] == pytest.approx(visits_s)
    for z, patrol in enumerate(patrols):
        start, end = int(patrol.shift_start[:2]), int(patrol.shift_end[:2])  # the demo's shifts start on the hour
        hours = set(range(start, end)) if start < end else set(range(start, 24)) | set(range(0, end))
        handling = local.dt.hour.isin(hours).sum() / days * mean_handling_s()
        speed = (30.0 if patrol.mode == "car" else chengdu.profile.mode(patrol.mode).speed_kph) / 3.6
        expected = street_m / speed + visits_s + 900.0 * len(spots) + handling
        assert workload.work_s[z].sum() == pytest.approx(expected, rel=1e-6), patrol.id
        assert workload.shift_s[z] == 12 * 3600


def test_generated_zones_fit_their_shifts(chengdu, demo, workload):
    from planner.zones import generate_zones
    from planner.zones.generate import worst_by_segment

    store, patrols, blocks = demo
    samples = StreetSamples.for_city(chengdu)
    response = np.vstack([worst_by_segment(chengdu, samples, (p.mode, p.base_lon, p.base_lat)) for p in patrols])
    voronoi = workload.utilisation(np.argmin(response, axis=0))
    assert voronoi.max() > 1.0  # the plain network Voronoi gives a central zone more than a shift of work
    plan = generate_zones(chengdu, patrols, samples, target_s=1800.0, workload=workload)
    shares = [row["share_of_shift"] for row in plan.notes["shift_loads"]]
    assert plan.notes["zones_over_shift"] == [] and max(shares) <= 0.8 + 1e-6, shares
    owner = np.empty(len(samples.length_m), dtype=int)
    for z, zone in enumerate(plan.zones):
        owner[zone.segments] = z
    assert np.allclose(workload.utilisation(owner), shares, atol=1e-3)  # the notes tell the truth
    reach = response[owner, np.arange(len(owner))]
    fastest = response.min(axis=0)
    assert np.all((reach <= 1800.0) | (reach == fastest))  # a street changes zone only within the target
