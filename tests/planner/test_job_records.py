"""Job rows on SQLite and PostgreSQL: one job per inputs while active, one claim per attempt, a stale
attempt can never write, dead workers' jobs come back or fail with the reason, cancel rules."""

from datetime import timedelta

import pytest
from sqlalchemy import update

from geo.errors import ConflictError
from planner.jobs import records
from planner.models import Job
from planner.store import Store


@pytest.fixture
def store(database_url):
    opened = Store(database_url)
    yield opened
    opened.close()


def _age(store, job_id, **seconds_ago):
    """Move a job's times into the past (as if its worker had gone quiet)."""
    now = records.utc_now()
    values = {name: now - timedelta(seconds=s) for name, s in seconds_ago.items()}
    with store.session() as session, session.begin():
        session.execute(update(Job).where(Job.id == job_id).values(**values))


def test_the_same_inputs_give_the_same_job_while_it_is_active(store):
    first, created = records.create_job(store, "chengdu", "standby", {"mode": "car"}, owner="a")
    again, created_again = records.create_job(store, "chengdu", "standby", {"mode": "car"}, owner="b")
    other, _ = records.create_job(store, "chengdu", "standby", {"mode": "foot"}, owner="a")
    elsewhere, _ = records.create_job(store, "andorra", "standby", {"mode": "car"}, owner="a")
    assert created and not created_again and again.id == first.id and again.owner == "a"
    assert len({first.id, other.id, elsewhere.id}) == 3
    attempt = records.claim_job(store, first.id)
    assert records.finish_job(store, first.id, attempt, {"count": 3})
    fresh, created_fresh = records.create_job(store, "chengdu", "standby", {"mode": "car"}, owner="b")
    assert created_fresh and fresh.id != first.id  # a finished job does not hold its inputs


def test_one_claim_per_attempt_and_a_stale_attempt_cannot_write(store):
    job, _ = records.create_job(store, "chengdu", "routes_plan", {"version": 1}, owner="a")
    first = records.claim_job(store, job.id)
    assert first == 1 and records.claim_job(store, job.id) is None  # a duplicate message is harmless
    assert records.report_progress(store, job.id, first, 40, "solving")
    _age(store, job.id, heartbeat_at=60)
    assert records.recover_jobs(store, stale_after_s=30)["requeue"] == [job.id]
    second = records.claim_job(store, job.id)
    assert second == 2
    assert not records.finish_job(store, job.id, first, {"from": "the dead worker"})
    assert not records.report_progress(store, job.id, first, 90, "late")
    assert records.finish_job(store, job.id, second, {"from": "the live worker"})
    done = records.job_dict(records.get_job(store, job.id))
    assert done["state"] == "done" and done["result"] == {"from": "the live worker"} and done["attempt"] == 2


def test_a_job_whose_worker_keeps_dying_fails_with_the_reason(store):
    job, _ = records.create_job(store, "chengdu", "standby", {"mode": "foot"}, owner="a")
    for attempt in (1, 2, 3):
        assert records.claim_job(store, job.id) == attempt
        _age(store, job.id, heartbeat_at=60)
        found = records.recover_jobs(store, stale_after_s=30, max_attempts=3)
        assert found == ({"requeue": [job.id], "failed": []} if attempt < 3 else {"requeue": [], "failed": [job.id]})
    failed = records.get_job(store, job.id)
    assert failed.state == "failed" and "stopped 3 times" in failed.error and failed.active_key is None


def test_a_queued_message_lost_with_its_worker_is_sent_again(store):
    job, _ = records.create_job(store, "chengdu", "lists_xlsx", {"list": "tasks"}, owner="a")
    assert records.recover_jobs(store, stale_after_s=30) == {"requeue": [], "failed": []}  # just queued
    _age(store, job.id, enqueued_at=60)
    assert records.recover_jobs(store, stale_after_s=30)["requeue"] == [job.id]


def test_cancel_rules(store):
    queued, _ = records.create_job(store, "chengdu", "standby", {"mode": "car"}, owner="a")
    assert records.cancel_job(store, queued.id).state == "cancelled"
    assert records.claim_job(store, queued.id) is None  # a cancelled job is never run
    with pytest.raises(ConflictError, match="cancelled"):
        records.cancel_job(store, queued.id)
    running, _ = records.create_job(store, "chengdu", "standby", {"mode": "ebike"}, owner="a")
    attempt = records.claim_job(store, running.id)
    asked = records.cancel_job(store, running.id)
    assert asked.state == "running" and asked.cancel_requested == 1  # its worker stops it
    assert records.mark_cancelled(store, running.id, attempt) and records.get_job(store, running.id).state == "cancelled"
    with pytest.raises(records.JobNotFoundError):
        records.cancel_job(store, "f" * 32)


def test_a_queued_job_still_in_the_queue_is_not_sent_twice(store):
    job, _ = records.create_job(store, "chengdu", "lists_xlsx", {"list": "assessment"}, owner="a")
    _age(store, job.id, enqueued_at=60)
    assert records.recover_jobs(store, stale_after_s=30, in_queue={job.id})["requeue"] == []


def test_a_job_queue_that_cannot_be_reached_answers_in_one_line(tmp_path):
    """Redis down: the job is kept (recovery sends it later) and the caller gets a NotReadyError (503)."""
    from geo.errors import NotReadyError
    from planner.jobs import JobQueue

    store = Store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    queue = JobQueue(store, redis_url="redis://127.0.0.1:1/0")  # nothing listens on port 1
    with pytest.raises(NotReadyError, match="cannot be reached"):
        queue.submit("chengdu", "lists_xlsx", {"list": "tasks"}, owner="a")
    assert [job.state for job in records.list_jobs(store, "chengdu")] == ["queued"]
    store.close()
