"""``patrol serve``: the web app behind a production WSGI server (waitress)."""

import click

from cli.main import Reporter, reports_errors

__all__ = ["serve"]


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64))
@click.option("--city", "name", default="chengdu", show_default=True, help="City profile name (slug).")
@reports_errors
def serve(host: str, port: int, threads: int, name: str) -> None:
    """Serve the dispatcher, planner and officer pages and the JSON API (waitress)."""
    from waitress import serve as waitress_serve

    from web.app import create_app, resources

    progress = Reporter()
    app = create_app({"CITY": name})
    progress(f"loading {name} (graphs, key blocks, routers) ...")
    res = resources(app)
    _ = res.city, res.blocks, res.streets
    for mode in ("foot", "ebike", "car"):
        res.city.router(mode).network.table  # noqa: B018 - built once, before the first request
    from planner.zone_check import samples_for

    samples_for(res.city)  # street samples of the coverage check (the planner page)
    _ = res.dispatcher
    progress(f"serving on http://{host}:{port}/ (dispatcher: /dispatcher, planner: /planner, officer: /officer/ID)")
    waitress_serve(app, host=host, port=port, threads=threads)
