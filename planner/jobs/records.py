"""Job rows in the SQL store: create (one job per inputs while it is active), claim, progress, finish,
cancel, and the recovery of jobs whose worker died.

A job is ``queued`` -> ``running`` -> ``done`` | ``failed`` | ``cancelled``. Every write by a worker is
conditional on the attempt it claimed, so a worker that was given up for dead can never overwrite what a
later attempt did, and a partial output is never taken as a result (the result is written with the
state ``done`` in one statement). Times are naive UTC.
"""

import hashlib
import json
import os
import socket
import uuid
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from geo import strict_json
from geo.errors import ConflictError, NotFoundError, PatrolError
from planner.clock import utc_now
from planner.models import Job

__all__ = ["ACTIVE", "FINISHED", "JobError", "JobNotFoundError", "cancel_job", "claim_job", "create_job",
           "fail_job", "finish_job", "get_job", "heartbeat", "job_dict", "list_jobs", "recover_jobs",
           "report_progress"]

ACTIVE = ("queued", "running")
FINISHED = ("done", "failed", "cancelled")


class JobError(PatrolError):
    """A job cannot be created (unknown kind, bad parameters)."""


class JobNotFoundError(NotFoundError):
    """No job with this id."""


def _key(city: str, kind: str, params: dict) -> str:
    """The job's inputs as one hash: same city, kind and parameters -> same key."""
    text = json.dumps([city, kind, params], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:64]


def create_job(store, city: str, kind: str, params: dict, *, owner: str) -> tuple[Job, bool]:
    """A queued job for these inputs, or the active job that already has them: (job, created)."""
    key = _key(city, kind, params)
    now = utc_now()
    job = Job(id=uuid.uuid4().hex, city=city, kind=kind, owner=owner, params_json=json.dumps(params, ensure_ascii=False),
              active_key=key, state="queued", progress=0.0, step="queued", attempt=0, cancel_requested=0,
              created_at=now, enqueued_at=now)
    try:
        with store.session() as session, session.begin():
            session.add(job)
        return job, True
    except IntegrityError:
        with store.session() as session:
            existing = session.scalar(select(Job).where(Job.active_key == key))
        if existing is None:  # it finished between the insert and this read: start it again
            return create_job(store, city, kind, params, owner=owner)
        return existing, False


def get_job(store, job_id: str) -> Job:
    with store.session() as session:
        job = session.get(Job, str(job_id))
    if job is None:
        raise JobNotFoundError(f"no job {job_id!r}; see 'patrol jobs list'")
    return job


def latest_done(store, city: str, kind: str) -> Job | None:
    """The newest finished job of ``kind`` in ``city`` (None if there is none)."""
    query = (select(Job).where(Job.city == city, Job.kind == kind, Job.state == "done")
             .order_by(Job.finished_at.desc()).limit(1))
    with store.session() as session:
        return session.scalar(query)


def list_jobs(store, city: str | None = None, *, limit: int = 50) -> list[Job]:
    """The newest jobs first (of one city, or all)."""
    query = select(Job).order_by(Job.created_at.desc()).limit(limit)
    if city:
        query = query.where(Job.city == city)
    with store.session() as session:
        return list(session.scalars(query))


def _set(store, job_id: str, where, **values) -> bool:
    with store.session() as session, session.begin():
        done = session.execute(update(Job).where(Job.id == job_id, *where).values(**values))
    return done.rowcount == 1


def claim_job(store, job_id: str) -> int | None:
    """Move a queued job to running; returns the attempt number this worker now holds, or None when the
    job is not queued (already taken, cancelled or finished: a duplicate message is harmless)."""
    job = get_job(store, job_id)
    if job.state != "queued":
        return None
    attempt = job.attempt + 1
    now = utc_now()
    taken = _set(store, job_id, (Job.state == "queued", Job.attempt == job.attempt), state="running",
                 attempt=attempt, worker=f"{socket.gethostname()}:{os.getpid()}", started_at=now, heartbeat_at=now, step="starting", progress=0.0)
    return attempt if taken else None


def _holds(job_id: str, attempt: int):
    return (Job.state == "running", Job.attempt == attempt)


def heartbeat(store, job_id: str, attempt: int) -> bool:
    """Say the attempt is alive; False when it no longer holds the job."""
    return _set(store, job_id, _holds(job_id, attempt), heartbeat_at=utc_now())


def report_progress(store, job_id: str, attempt: int, percent: float, step: str) -> bool:
    """Record progress (0-100 %) and the current step; False when the attempt no longer holds the job."""
    return _set(store, job_id, _holds(job_id, attempt), progress=max(0.0, min(100.0, float(percent))),
                step=str(step)[:500], heartbeat_at=utc_now())


def finish_job(store, job_id: str, attempt: int, result: dict, *, file: bytes | None = None,
               filename: str | None = None) -> bool:
    """Store the result and mark the job done, in one statement."""
    return _set(store, job_id, _holds(job_id, attempt), state="done", progress=100.0, step="done",
                result_json=strict_json.dumps(result, ensure_ascii=False, default=str), result_file=file,
                result_filename=filename, finished_at=utc_now(), active_key=None)


def fail_job(store, job_id: str, attempt: int | None, error: str) -> bool:
    """Mark the job failed with a one-line reason (``attempt`` None: whatever attempt holds it)."""
    where = _holds(job_id, attempt) if attempt is not None else (Job.state.in_(ACTIVE),)
    return _set(store, job_id, where, state="failed", error=str(error).splitlines()[0][:1000] if error else "failed",
                finished_at=utc_now(), active_key=None)


def cancel_job(store, job_id: str) -> Job:
    """Cancel a job: a queued one at once; a running one is stopped by its worker within seconds."""
    job = get_job(store, job_id)
    if job.state in FINISHED:
        raise ConflictError(f"job {job_id} is {job.state}; only a queued or running job can be cancelled")
    if not _set(store, job_id, (Job.state == "queued",), state="cancelled", step="cancelled", finished_at=utc_now(),
                active_key=None, cancel_requested=1):
        _set(store, job_id, (Job.state == "running",), cancel_requested=1, step="cancelling")
    return get_job(store, job_id)


def mark_cancelled(store, job_id: str, attempt: int) -> bool:
    """The worker stopped a running job on request."""
    return _set(store, job_id, _holds(job_id, attempt), state="cancelled", step="cancelled", finished_at=utc_now(),
                active_key=None)


def recover_jobs(store, *, stale_after_s: float, max_attempts: int = 3, in_queue: set | None = None) -> dict:
    """Jobs whose worker died: running ones without a heartbeat for ``stale_after_s`` go back to the
    queue (or fail after ``max_attempts`` attempts, with the reason); queued ones waiting that long whose
    message is not ``in_queue`` are sent again (a message lost with a killed worker). Returns
    ``{"requeue": [ids], "failed": [ids]}``: the caller puts the ``requeue`` ids on the queue."""
    cutoff = utc_now() - timedelta(seconds=stale_after_s)
    requeue, failed = [], []
    with store.session() as session:
        stale = list(session.scalars(select(Job).where(Job.state == "running", Job.heartbeat_at < cutoff)))
        waiting = list(session.scalars(select(Job).where(Job.state == "queued", Job.enqueued_at < cutoff)))
    for job in stale:
        if job.attempt >= max_attempts:
            reason = (f"its worker stopped {job.attempt} times while running it (killed or out of memory); "
                      "see the worker's log")
            if _set(store, job.id, _holds(job.id, job.attempt), state="failed", error=reason, finished_at=utc_now(),
                    active_key=None):
                failed.append(job.id)
        elif _set(store, job.id, _holds(job.id, job.attempt), state="queued", step="re-queued: its worker stopped",
                  progress=0.0, enqueued_at=utc_now()):
            requeue.append(job.id)
    for job in waiting:
        if in_queue is not None and job.id in in_queue:
            continue  # still waiting its turn
        if _set(store, job.id, (Job.state == "queued", Job.enqueued_at == job.enqueued_at), enqueued_at=utc_now()):
            requeue.append(job.id)
    return {"requeue": requeue, "failed": failed}


def job_dict(job: Job, *, with_result: bool = True) -> dict:
    """The job as ``patrol jobs show --json`` prints it."""
    data = {"job_id": job.id, "kind": job.kind, "city": job.city, "owner": job.owner, "state": job.state,
            "progress": round(job.progress or 0.0, 1), "step": job.step, "error": job.error,
            "params": json.loads(job.params_json), "attempt": job.attempt, "worker": job.worker,
            "created_at": job.created_at.isoformat() + "Z",
            "started_at": job.started_at.isoformat() + "Z" if job.started_at else None,
            "finished_at": job.finished_at.isoformat() + "Z" if job.finished_at else None,
            "file": job.result_filename}
    if with_result:
        data["result"] = json.loads(job.result_json) if job.result_json else None
    return data
