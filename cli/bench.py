"""``patrol bench NAME``: run a benchmark (ours against a baseline measured in the same run)."""

import os

import click

from bench.scale import STEPS as SCALE_STEPS  # a light module: the step names only
from cli.common import Reporter, emit, reports_errors

__all__ = ["bench"]


def _on_city(command):
    """Add ``--city NAME``: the built city the benchmark runs on (default Chengdu; an unknown one is
    refused in one line when the benchmark loads it)."""

    def use_city(_ctx, _param, value):
        if value is not None:
            os.environ["PATROL_CITY"] = value
        return value

    return click.option("--city", "city_name", default=None, expose_value=False, callback=use_city,
                        help="A built city to run on (default chengdu).")(command)


@click.group()
def bench() -> None:
    """Benchmarks: sizes, ours, baseline, ratio and peak memory."""


@bench.command("city")
@click.option("--full", is_flag=True, help="Also time the baseline on the generated city (minutes).")
@click.option("--foot-nodes", default=30_000, show_default=True, type=click.IntRange(1000, 200_000),
              help="Size of the generated grid city.")
@click.option("--city", "name", default=None, help="Also build this built city's own extract.")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@reports_errors
def city(full: bool, foot_nodes: int, name: str | None, as_json: bool) -> None:
    """City builds: Chengdu, Andorra, North Bayreuth and a generated grid; s per 1,000 foot nodes, vs osmnx."""
    from bench.city import report_text, run
    from geo.city import get_city
    from geo.errors import OsmFileError

    extra = ()
    if name:
        source = get_city(name).report.get("source")
        if not source or not os.path.isfile(source):
            raise OsmFileError(f"city {name!r}: its OSM extract {source!r} is not available to rebuild from.")
        extra = ((name, source),)
    result = run(full=full, foot_nodes=foot_nodes, extra=extra, progress=Reporter())
    emit(result, as_json, report_text(result))


@bench.command("abuse")
@click.option("--requests", "count", default=10_000, show_default=True, type=click.IntRange(100, 100_000),
              help="Fuzzed requests.")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@_on_city
@reports_errors
def abuse(count: int, as_json: bool) -> None:
    """Hardening on loopback: guess rates with and without throttling, slowest refused input, fuzzed 5xx."""
    from bench.abuse import report_text, run

    result = run(fuzz_requests=count, progress=Reporter())
    emit(result, as_json, report_text(result))


@bench.command("jobs")
@click.option("--redis-url", default=None, help="Redis for the second run [default: PATROL_REDIS_URL; none: skipped].")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@_on_city
@reports_errors
def jobs(redis_url: str | None, as_json: bool) -> None:
    """Background jobs: 50 short + 3 long through the embedded queue and Redis; jobs/s, latency, overhead."""
    from bench.jobs import report_text, run
    from web.settings import current_settings

    result = run(redis_url=redis_url or current_settings().redis_url, progress=Reporter())
    emit(result, as_json, report_text(result))


@bench.command("solvers")
@click.option("--time-limit", default=10.0, show_default=True, type=click.FloatRange(0.1, 600), help="Seconds per solve.")
@click.option("--quick", is_flag=True, help="Only the two smallest sizes of each model.")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@_on_city
@reports_errors
def solvers(time_limit: float, quick: bool, as_json: bool) -> None:
    """Location models: ours (greedy start, better of two) against plain HiGHS on generated instances."""
    from bench.solvers import report_text, run

    result = run(time_limit_s=time_limit, quick=quick, progress=Reporter())
    emit(result, as_json, report_text(result))


@bench.command("staffing")
@click.option("--target", default=0.95, show_default=True, type=click.FloatRange(0.5, 0.999),
              help="Share of dog reports to reach within the target time.")
@click.option("--scale", default=1.0, show_default=True, type=click.FloatRange(0.1, 50), help="Report-rate multiplier.")
@click.option("--days", default=7, show_default=True, type=click.IntRange(1, 28), help="Simulated days per check.")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@_on_city
@reports_errors
def staffing(target: float, scale: float, days: int, as_json: bool) -> None:
    """The 168-hour coverage strip and the staffing recommendation against a simulation-only search."""
    from bench.staffing import report_text, run

    result = run(target=target, scale=scale, days=days, progress=Reporter())
    emit(result, as_json, report_text(result))


@bench.command("routing")
@click.option("--quick", is_flag=True, help="Skip the 1-million-node grid.")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@_on_city
@reports_errors
def routing(quick: bool, as_json: bool) -> None:
    """Routing: one-to-all and 100x100 matrix against networkx, and a scaling series."""
    from bench.routing import report_text, run

    result = run(quick=quick, progress=Reporter())
    emit(result, as_json, report_text(result))


@bench.command("hotspots")
@click.option("--quick", is_flag=True, help="Skip the 1-million-incident run.")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@_on_city
@reports_errors
def hotspots(quick: bool, as_json: bool) -> None:
    """Congestion points: 10k, 100k, 1M incidents against plain scikit-learn DBSCAN."""
    from bench.hotspots import report_text, run

    result = run(quick=quick, progress=Reporter())
    emit(result, as_json, report_text(result))


@bench.command("dispatch")
@click.option("--incidents", default=1000, show_default=True, type=click.IntRange(10), help="Random reports.")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@_on_city
@reports_errors
def dispatch(incidents: int, as_json: bool) -> None:
    """Dispatch: 100 mixed patrols, random reports; median and p95 per recommendation vs networkx."""
    from bench.dispatch import report_text, run

    result = run(incidents=incidents, progress=Reporter())
    emit(result, as_json, report_text(result))


@bench.command("zones")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@_on_city
@reports_errors
def zones(as_json: bool) -> None:
    """Zones: coverage check of every zone (cold and warm), set covering on foot and e-bike graphs."""
    from bench.zones import report_text, run

    result = run(progress=Reporter())
    emit(result, as_json, report_text(result))


@bench.command("routes")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@_on_city
@reports_errors
def routes(as_json: bool) -> None:
    """Routes: OR-Tools against a nearest-neighbour tour on the same stops, per patrol."""
    from bench.routes import report_text, run

    result = run(progress=Reporter())
    emit(result, as_json, report_text(result))


@bench.command("simulation")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@_on_city
@reports_errors
def simulation(as_json: bool) -> None:
    """Simulation: 24 h, 20 patrols on their routes, 500 reports."""
    from bench.simulation import report_text, run

    result = run(progress=Reporter())
    emit(result, as_json, report_text(result))


@bench.command("pages")
@click.option("--repeats", default=5, show_default=True, type=click.IntRange(1, 50), help="Loads per page (median).")
@click.option("--demo-only", is_flag=True, help="Only the demo data (skip the year of incidents).")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@_on_city
@reports_errors
def pages(repeats: int, demo_only: bool, as_json: bool) -> None:
    """Pages: server and load time (demo data and a year of incidents), a console recommendation, against goals."""
    from bench.pages import DATASETS, report_text, run

    datasets = {"demo": DATASETS["demo"]} if demo_only else DATASETS
    result = run(progress=Reporter(), repeats=repeats, datasets=datasets)
    emit(result, as_json, report_text(result))


@bench.command("live")
@click.option("--phones", default=60, show_default=True, type=click.IntRange(1, 200), help="Officers' phones.")
@click.option("--consoles", default=5, show_default=True, type=click.IntRange(1, 20), help="Dispatcher consoles.")
@click.option("--seconds", default=60.0, show_default=True, type=click.FloatRange(5, 600), help="How long.")
@click.option("--every", "every_s", default=15.0, show_default=True, type=click.FloatRange(1, 60),
              help="Seconds between two fixes of a phone.")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@_on_city
@reports_errors
def live(phones: int, consoles: int, seconds: float, every_s: float, as_json: bool) -> None:
    """Live: phones posting positions and consoles on the event feed over loopback; latencies, errors, memory."""
    from bench.live import report_text, run

    result = run(progress=Reporter(), phones=phones, consoles=consoles, seconds=seconds, every_s=every_s)
    emit(result, as_json, report_text(result))


@bench.command("load")
@click.option("--clients", default=8, show_default=True, type=click.IntRange(1, 64), help="Concurrent sessions.")
@click.option("--seconds", default=20.0, show_default=True, type=click.FloatRange(1, 600), help="How long to load.")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@_on_city
@reports_errors
def load(clients: int, seconds: float, as_json: bool) -> None:
    """Load: concurrent recommendations over HTTP (loopback) against the in-process rate."""
    from bench.load import report_text, run

    result = run(progress=Reporter(), clients=clients, seconds=seconds)
    emit(result, as_json, report_text(result))


@bench.command("scale")
@click.option("--city", "name", default=None,
              help="Run on this built city only (default: the generated Haining-sized city, then Chengdu).")
@click.option("--quick", is_flag=True, help="A small generated city in a throw-away folder (minutes, for tests).")
@click.option("--step", "steps", multiple=True, type=click.Choice(SCALE_STEPS),
              help="Only these steps (repeatable; default all).")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@reports_errors
def scale(name: str | None, quick: bool, steps: tuple[str, ...], as_json: bool) -> None:
    """Scale: every planning and dispatch step on a 900 km2 generated city and on Chengdu; seconds, peak MB,
    baseline, ratio and goal per step."""
    from bench.scale import report_text, run

    if name:
        from geo.city import get_city

        get_city(name)  # an unknown city is refused in one line here
    result = run(city=name, quick=quick, steps=steps or None, progress=Reporter())
    emit(result, as_json, report_text(result))
