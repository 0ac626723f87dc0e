"""Running one claimed job in a worker: the work happens in a child process, watched by the worker's
thread, which sends heartbeats, stops the child within a second of a cancel request, and records why a
child died. The child dies with its worker (``PR_SET_PDEATHSIG``), so a killed worker leaves no orphan
writing results; its attempt is then recovered by ``records.recover_jobs``.

The child is a fresh interpreter (``spawn``), not a fork: workers are threads of busy processes (the web
server, other workers), and a fork taken while another thread holds a lock (SQLite's, SQLAlchemy's,
OpenMP's pool) leaves the child waiting for ever; a job hung so at its first step. It costs the child its
imports (about 3 s) and loading its city's graphs (about 1 s for the demo city).
"""

import ctypes
import json
import logging
import multiprocessing
import os
import signal
import time

from geo.errors import PatrolError
from planner.jobs import records
from planner.jobs.kinds import KINDS

__all__ = ["run_claimed", "run_job"]

log = logging.getLogger(__name__)
HEARTBEAT_S = 1.0
PROGRESS_EVERY_S = 0.3


def _die_with_parent() -> None:
    """Linux: this process gets SIGKILL when its parent dies."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the attempt check still keeps a stray child harmless
        pass


def _child(store_url: str, job_id: str, attempt: int, slug: str | None, kind: str, params: dict, parent: int,
           locations) -> None:
    """The work itself, in the child: it loads the job's city (``slug``; None for jobs without one) from the
    worker's folders (``locations``); progress and the result go straight to the store."""
    _die_with_parent()
    if os.getppid() != parent:  # the worker died between start and prctl
        os._exit(3)
    from geo import paths
    from planner.store import Store

    paths.configure(data_dir=locations.data, shared_dir=locations.shared, instance_dir=locations.instance)
    store = Store(store_url, migrate=False)
    last = {"at": 0.0}

    def progress(percent: float, step: str) -> None:
        now = time.monotonic()
        if now - last["at"] >= PROGRESS_EVERY_S:
            last["at"] = now
            records.report_progress(store, job_id, attempt, percent, step)

    try:
        city = None
        if slug is not None:
            from geo.city import get_city

            records.report_progress(store, job_id, attempt, 1, f"loading {slug}")
            city = get_city(slug)
        outcome = KINDS[kind].run(city, store, params | {"job_id": job_id}, progress)
        records.finish_job(store, job_id, attempt, outcome.result, file=outcome.file, filename=outcome.filename)
    except PatrolError as exc:
        records.fail_job(store, job_id, attempt, str(exc))
    except MemoryError:
        records.fail_job(store, job_id, attempt, f"{kind} ran out of memory on {params}; try a smaller input")
    except Exception as exc:  # a bug of ours: one line in the job, the details in the worker's log
        log.exception("job %s (%s) failed", job_id, kind)
        records.fail_job(store, job_id, attempt, f"{kind} failed unexpectedly ({type(exc).__name__}: {exc}); "
                                                 "this is a bug in patrol: please report it")
    finally:
        store.close()
    os._exit(0)


def run_claimed(store, job_id: str, attempt: int) -> str:
    """Run a job this worker has claimed (``attempt``); returns the job's final state."""
    from geo import paths

    job = records.get_job(store, job_id)
    params = json.loads(job.params_json)
    slug = job.city if KINDS[job.kind].needs_city else None
    context = multiprocessing.get_context("spawn")
    child = context.Process(target=_child, args=(store.url, job_id, attempt, slug, job.kind, params, os.getpid(),
                                                 paths.locations()),
                            name=f"job-{job_id[:8]}", daemon=True)
    child.start()
    while True:
        child.join(HEARTBEAT_S)
        if child.exitcode is not None:
            break
        current = records.get_job(store, job_id)
        if current.state != "running" or current.attempt != attempt:
            child.kill()  # given up for dead meanwhile: a later attempt holds the job
            child.join()
            return current.state
        if current.cancel_requested:
            child.kill()
            child.join()
            records.mark_cancelled(store, job_id, attempt)
            return "cancelled"
        records.heartbeat(store, job_id, attempt)
    final = records.get_job(store, job_id)
    if final.state == "running" and final.attempt == attempt:  # the child died without a word
        how = f"signal {-child.exitcode}" if child.exitcode < 0 else f"exit code {child.exitcode}"
        reason = "out of memory?" if child.exitcode == -signal.SIGKILL else "see the worker's log"
        records.fail_job(store, job_id, attempt, f"the job's process ended unexpectedly ({how}; {reason})")
        final = records.get_job(store, job_id)
    return final.state


def run_job(store, job_id: str) -> str | None:
    """Claim and run a queued job; None when it was not queued (taken, cancelled, finished)."""
    attempt = records.claim_job(store, job_id)
    if attempt is None:
        return None
    return run_claimed(store, job_id, attempt)
