"""Long work as background jobs: rows in the SQL store (``records``), kinds of work (``kinds``), one job run
in a watched child process (``runner``) and the Huey queue with its workers (``queue``)."""

from planner.jobs.kinds import KINDS, Outcome, check_params
from planner.jobs.queue import EmbeddedWorker, JobQueue
from planner.jobs.records import (
    ACTIVE,
    FINISHED,
    JobError,
    JobNotFoundError,
    cancel_job,
    get_job,
    job_dict,
    latest_done,
    list_jobs,
)

__all__ = ["ACTIVE", "FINISHED", "KINDS", "EmbeddedWorker", "JobError", "JobNotFoundError", "JobQueue", "Outcome",
           "cancel_job", "check_params", "get_job", "job_dict", "latest_done", "list_jobs"]
