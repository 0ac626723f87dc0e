"""``patrol serve``: the web app behind a production WSGI server (waitress)."""

import json

import click

from cli.common import Reporter, reports_errors

__all__ = ["serve"]


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--threads", default=32, show_default=True, type=click.IntRange(1, 256),
              help="Request threads; each open page's live feed holds one (phones, consoles).")
@click.option("--city", "name", default="chengdu", show_default=True, help="City profile name (slug).")
@click.option("--worker/--no-worker", "run_worker", default=None,
              help="Run background jobs in this process too [default: yes on the embedded queue, no with PATROL_REDIS_URL].")
@click.option("--json", "as_json", is_flag=True,
              help="Print one JSON line when ready: city, url and the page paths (for scripts that start it).")
@reports_errors
def serve(host: str, port: int, threads: int, name: str, run_worker: bool | None, as_json: bool) -> None:
    """Serve the dispatcher, planner and officer pages and the JSON API (waitress)."""
    from waitress import serve as waitress_serve

    from web.app import create_app
    from web.resources import get_resources, warm

    progress = Reporter()
    app = create_app({"CITY": name})
    res = get_resources(app)
    warm(res, progress)
    if run_worker or (run_worker is None and res.jobs.backend == "sqlite"):
        from planner.jobs import EmbeddedWorker

        EmbeddedWorker(res.jobs).start()
        progress(f"running background jobs here too (one worker thread, {res.jobs.backend} queue)")
    progress(f"serving on http://{host}:{port}/ (dispatcher: /dispatcher, planner: /planner, officer: /officer/ID)")
    if as_json:
        click.echo(json.dumps({"city": name, "url": f"http://{host}:{port}/", "pages": {
            "dispatcher": "/dispatcher", "planner": "/planner", "officer": "/officer/<patrol_id>",
            "api": "/api/openapi.json"}}), nl=True)
    # every open page keeps a connection for its live feed beside the ones it asks with: waitress's default of
    # 100 open connections would make the 101st client wait until a feed ends
    waitress_serve(app, host=host, port=port, threads=threads, connection_limit=max(100, 4 * threads))
