"""Timing and memory helpers shared by the benchmarks."""

import contextlib
import resource
import statistics
import time
import tracemalloc
from collections.abc import Callable

__all__ = ["bench_city_name", "bench_main", "demo_world", "instance_at", "median_s", "peak_alloc_mb", "peak_rss_mb",
           "target_lines", "temporary_instance"]


def median_s(work: Callable[..., object], inputs) -> float:
    """Median wall time (s) of ``work(x)`` over the items of ``inputs`` (one timed run each)."""
    times = []
    for item in inputs:
        started = time.perf_counter()
        work(item)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def peak_alloc_mb(work: Callable[[], object]) -> tuple[object, float]:
    """Run ``work`` once under tracemalloc; return its result and the peak allocation (MB)."""
    tracemalloc.start()
    try:
        result = work()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak / 1e6


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (MB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def open_store():
    """The SQL store of this run: ``PATROL_DATABASE_URL``, else SQLite in the instance folder (migrated)."""
    from web.settings import current_settings

    return current_settings().store()


def bench_city_name() -> str:
    """The city the benchmarks run on: ``PATROL_CITY`` (set by ``patrol bench ... --city``), else Chengdu.

    An environment variable, so that the servers a benchmark starts in child processes serve it too."""
    from web.settings import current_settings

    return current_settings().city


def demo_world(progress: Callable[[str], None] = lambda message: None, *, incidents: bool = True, zones: bool = True,
               days: int = 30, per_day: int = 120):
    """The benchmark's city (``bench_city_name()``) as the demo leaves it: (city, store, key blocks), with the
    demo roster, ``days`` of demo incidents (``per_day`` in the background a day) and a zone version created
    first where the store has none."""
    from geo.city import get_city
    from planner.demo_incidents import days_before_today, generate_incidents
    from planner.incidents import IncidentPlacer, incidents_frame, store_incidents
    from planner.key_blocks import load_blocks
    from planner.patrols import demo_roster, list_patrols, upsert_patrols
    from planner.zone_check import samples_for
    from planner.zones import generate_zones, list_versions, save_version

    city = get_city(bench_city_name(), progress=progress)
    store = open_store()
    blocks = load_blocks(store, city, progress=progress)
    if not list_patrols(store, city.slug):
        upsert_patrols(store, city.slug, demo_roster(city))
    if incidents and incidents_frame(store, city.slug).empty:
        progress(f"generating {days} days of demo incidents ...")
        records, _ = generate_incidents(city, blocks, days=days, per_day=per_day, seed=0,
                                        start=days_before_today(city, days))  # ending today, as a bureau's
        store_incidents(store, IncidentPlacer(city, blocks).validate(records, default_datum="wgs84")[0])
    if zones and not list_versions(store, city):
        progress("generating zones from the demo roster ...")
        save_version(store, city, generate_zones(city, list_patrols(store, city.slug), samples_for(city),
                                                 target_s=city.profile.target_s("stray_dog")), author="bench",
                     comment="generated for a benchmark")
    return city, store, blocks


@contextlib.contextmanager
def temporary_instance(prefix: str):
    """A throw-away instance folder holding a copy of the built cities (the user's store is not touched);
    ``PATROL_INSTANCE_DIR`` points at it inside the block (child processes inherit it)."""
    import shutil
    import tempfile
    from pathlib import Path

    from geo import paths

    source = paths.instance_dir() / "cities"
    with tempfile.TemporaryDirectory(prefix=prefix) as folder:
        if source.is_dir():
            shutil.copytree(source, Path(folder) / "cities")
        with instance_at(folder):
            yield Path(folder)


@contextlib.contextmanager
def instance_at(folder):
    """Inside the block, ``folder`` is the instance folder of this process (``geo.paths``) and of the
    processes it starts (``PATROL_INSTANCE_DIR``)."""
    import os
    from pathlib import Path

    from geo import paths

    saved = os.environ.get("PATROL_INSTANCE_DIR")
    os.environ["PATROL_INSTANCE_DIR"] = str(folder)
    try:
        with paths.using(instance=folder):
            yield Path(folder)
    finally:
        if saved is None:
            os.environ.pop("PATROL_INSTANCE_DIR", None)
        else:
            os.environ["PATROL_INSTANCE_DIR"] = saved


def target_lines(result: dict) -> list[str]:
    """One line per target: its value and whether this run met it."""
    lines = []
    for key, ok in result.get("meets_targets", {}).items():
        verdict = "not measured" if ok is None else ("met" if ok else "NOT met")
        lines.append(f"  target {key} {result['targets'][key]}: {verdict}")
    return lines


def bench_main(doc: str, run: Callable[..., dict], report_text: Callable[[dict], str], argv=None) -> None:
    """The command line of a benchmark module: ``python -m bench.NAME [--json]``."""
    import argparse
    import json
    import sys

    parser = argparse.ArgumentParser(description=doc)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = run(progress=lambda message: print(message, file=sys.stderr))
    print(json.dumps(result, indent=2, ensure_ascii=False) if args.json else report_text(result))
