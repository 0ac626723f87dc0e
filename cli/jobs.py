"""``patrol worker`` and ``patrol jobs list|show|cancel``: long work run in the background."""

import threading
import time

import click

from cli.common import Reporter, emit, open_store, reports_errors

__all__ = ["background_option", "jobs", "submit", "worker"]

JSON = click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
CITY = click.option("--city", "name", default=None, help="Only this city's jobs (a job of another city is refused).")


def _of_city(job, name: str | None):
    if name and job.city != name:
        raise click.BadParameter(f"job {job.id} belongs to city {job.city!r}, not {name!r}", param_hint="--city")
    return job


def background_option(command):
    """Add ``--background``: queue the work as a job and print its id at once."""
    return click.option("--background", is_flag=True,
                        help="Run as a background job: print {\"job_id\"} and return at once.")(command)


def submit(city: str, kind: str, params: dict, as_json: bool) -> None:
    """Queue a job (or find the same active one) and print its id."""
    from web.settings import current_settings

    settings = current_settings()
    queue = settings.job_queue(open_store())
    job, created = queue.submit(city, kind, params, owner="cli")
    data = {"job_id": job["job_id"], "kind": kind, "state": job["state"], "created": created}
    emit(data, as_json, f"job {job['job_id']} ({kind}) {'queued' if created else 'already ' + job['state']}; "
                        f"follow it with: patrol jobs show {job['job_id']} --wait")


def _line(job: dict) -> str:
    tail = f" — {job['error']}" if job["error"] else (f" — {job['step']}" if job["state"] == "running" else "")
    return f"{job['job_id']}  {job['kind']:16s} {job['city']:10s} {job['state']:9s} {job['progress']:5.1f}%{tail}"


@click.group()
def jobs() -> None:
    """Background jobs: list, show (and wait for), cancel."""


@jobs.command("list")
@CITY
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 1000))
@JSON
@reports_errors
def list_command(name, limit, as_json) -> None:
    """The newest jobs first."""
    from planner.jobs import job_dict, list_jobs

    rows = [job_dict(j, with_result=False) for j in list_jobs(open_store(), name, limit=limit)]
    emit({"jobs": rows}, as_json, "\n".join(_line(r) for r in rows) or "no jobs")


@jobs.command("show")
@click.argument("job_id")
@click.option("--wait", is_flag=True, help="Wait until the job ends, printing its progress.")
@click.option("--timeout", default=3600.0, show_default=True, type=click.FloatRange(0.1, 86400), help="With --wait: seconds.")
@CITY
@JSON
@reports_errors
def show(job_id, wait, timeout, name, as_json) -> None:
    """One job: state, progress, step, error, result."""
    from planner.jobs import FINISHED, get_job, job_dict

    store = open_store()
    job = job_dict(_of_city(get_job(store, job_id), name))
    if wait:
        progress, started, last = Reporter(quiet=as_json), time.monotonic(), None
        while job["state"] not in FINISHED and time.monotonic() - started < timeout:
            if (job["progress"], job["step"]) != last:
                last = (job["progress"], job["step"])
                progress(f"{job['state']} {job['progress']:.0f}% {job['step'] or ''}")
            time.sleep(0.5)
            job = job_dict(get_job(store, job_id))
    emit(job, as_json, _line(job))
    if wait and job["state"] == "failed":
        raise SystemExit(1)


@jobs.command("cancel")
@click.argument("job_id")
@CITY
@JSON
@reports_errors
def cancel(job_id, name, as_json) -> None:
    """Cancel a queued job, or stop a running one (within seconds)."""
    from planner.jobs import cancel_job, get_job, job_dict

    store = open_store()
    _of_city(get_job(store, job_id), name)
    job = job_dict(cancel_job(store, job_id), with_result=False)
    emit(job, as_json, _line(job))


@click.command()
@click.option("--threads", default=1, show_default=True, type=click.IntRange(1, 16), help="Jobs run at once.")
@click.option("--stale-after", default=30.0, show_default=True, type=click.FloatRange(2, 3600),
              help="Seconds without a heartbeat after which a running job's worker counts as dead.")
@click.option("--city", "name", default=None, help="Check this city is built before taking jobs (jobs of any city are run).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON line when ready (worker, backend, threads).")
@reports_errors
def worker(threads: int, stale_after: float, name: str | None, as_json: bool) -> None:
    """Run background jobs (Huey consumer) until stopped (Ctrl-C or SIGTERM)."""
    import json
    import logging
    import os
    import socket

    from planner.jobs.queue import recover_now
    from web.settings import current_settings

    settings = current_settings()
    if name:
        from geo.city import load_city

        load_city(name)  # each job loads its city in its own process; this only fails fast on a missing one
    queue = settings.job_queue(settings.store(), stale_after_s=stale_after)
    queue.recover()
    stop = threading.Event()
    threading.Thread(target=recover_now, args=(queue, stop, max(1.0, stale_after / 3)), daemon=True).start()
    logging.getLogger("huey").setLevel(logging.WARNING)
    click.echo(f"worker: {threads} thread(s) on the {queue.backend} queue "
               f"({settings.redis_url or 'instance folder'}); Ctrl-C stops", err=True)
    if as_json:
        click.echo(json.dumps({"worker": f"{socket.gethostname()}:{os.getpid()}", "backend": queue.backend,
                               "threads": threads}))
    consumer = queue.huey.create_consumer(workers=threads, worker_type="thread", periodic=False,
                                          initial_delay=0.1, backoff=1.15, max_delay=1.0, check_worker_health=True)
    try:
        consumer.run()
    finally:
        stop.set()
