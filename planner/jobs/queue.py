"""The job engine: Huey. The queue carries job ids only; the jobs themselves (inputs, state, progress,
result) are rows in the SQL store, so every server and worker sees them.

Embedded default: Huey's SQLite storage in the instance folder (one machine, no server). Several
machines: Huey's Redis storage (``redis_url``), so that servers and workers on different machines share
the queue. A worker is Huey's consumer (``patrol worker``) or one thread inside ``patrol serve``
(``EmbeddedWorker``); both recover the jobs of workers that died (``records.recover_jobs``).
"""

import logging
import threading
from pathlib import Path

from huey import RedisHuey, SqliteHuey

from geo.errors import NotReadyError
from planner.jobs import records
from planner.jobs.kinds import check_params
from planner.jobs.runner import run_job

__all__ = ["EmbeddedWorker", "JobQueue", "recover_now"]

log = logging.getLogger(__name__)


class JobQueue:
    """A Huey queue bound to a store: ``submit`` creates (or finds) a job and puts its id on the queue;
    workers built from the same settings run it."""

    def __init__(self, store, *, sqlite_path: str | Path | None = None, redis_url: str | None = None,
                 stale_after_s: float = 30.0, name: str = "patrol-jobs"):
        self.store = store
        self.stale_after_s = stale_after_s
        if redis_url:
            self.huey = RedisHuey(name, url=redis_url, results=False)
            self.backend = "redis"
        else:
            if sqlite_path is None:
                raise ValueError("a job queue needs sqlite_path or redis_url")
            from planner.store import owner_only

            owner_only(Path(sqlite_path))
            # A busy machine (a worker killed mid-write, its successor recovering the WAL) can hold the file
            # for seconds: wait up to 30 s for the lock rather than Huey's default 5 s.
            self.huey = SqliteHuey(name, filename=str(sqlite_path), results=False, timeout=30)
            self.backend = "sqlite"
        self.task = self.huey.task(name="patrol.run_job")(self._execute)

    def _execute(self, job_id: str) -> None:
        state = run_job(self.store, job_id)
        log.info("job %s: %s", job_id, state or "skipped (not queued)")

    def submit(self, city: str, kind: str, params: dict | None = None, *, owner: str) -> tuple[dict, bool]:
        """The job for these inputs (a new one, queued; or the active one that has them): (job dict, created)."""
        checked = check_params(kind, params)
        job, created = records.create_job(self.store, city, kind, checked, owner=owner)
        if created:
            try:
                self.task(job.id)
            except Exception as exc:  # Redis down, queue file locked: the job waits; recovery sends it later
                raise NotReadyError(f"job {job.id} is saved but the {self.backend} job queue cannot be reached "
                                    f"({type(exc).__name__}: {str(exc)[:80]}); it is sent when the queue is back") from None
        return records.job_dict(job), created

    def recover(self) -> dict:
        """Put the jobs of dead workers (and lost messages) back on the queue; fail those tried too often."""
        found = records.recover_jobs(self.store, stale_after_s=self.stale_after_s, in_queue=self.queued_ids())
        for job_id in found["requeue"]:
            self.task(job_id)
        if found["requeue"] or found["failed"]:
            log.warning("recovered jobs: re-queued %s, failed %s", found["requeue"], found["failed"])
        return found

    def queued_ids(self) -> set[str]:
        """The job ids whose messages wait in the queue."""
        return {task.args[0] for task in self.huey.pending() if task.args}

    def run_one(self) -> bool:
        """Take one message from the queue and run it here; False when the queue was empty."""
        task = self.huey.dequeue()
        if task is None:
            return False
        self.huey.execute(task)
        return True


def recover_now(queue: JobQueue, stop: threading.Event, every_s: float) -> None:
    """Recover dead workers' jobs every ``every_s`` seconds until ``stop`` is set."""
    while not stop.wait(every_s):
        try:
            queue.recover()
        except Exception:  # a passing database error must not end the worker
            log.exception("recovering jobs failed; trying again")


class EmbeddedWorker:
    """Worker threads inside another process (``patrol serve``): run jobs from the queue, recover dead ones."""

    def __init__(self, queue: JobQueue, *, threads: int = 1, idle_s: float = 0.5):
        self.queue, self.idle_s = queue, idle_s
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._loop, name=f"job-worker-{n}", daemon=True) for n in range(threads)]
        self.threads.append(threading.Thread(target=recover_now, args=(queue, self.stop, max(1.0, queue.stale_after_s / 3)),
                                             name="job-recovery", daemon=True))

    def start(self) -> "EmbeddedWorker":
        self.queue.recover()
        for thread in self.threads:
            thread.start()
        return self

    def _loop(self) -> None:
        while not self.stop.is_set():
            try:
                if not self.queue.run_one():
                    self.stop.wait(self.idle_s)
            except Exception:  # one bad message must not end the worker
                log.exception("a job message failed")
                self.stop.wait(self.idle_s)

    def close(self, timeout_s: float = 5.0) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout_s)
