"""Jobs through the real engine (Huey on its SQLite file, and on a real Redis), run by worker threads
of this process: queued -> running -> done with progress, failure with the product's error, cancel within
seconds, one job per inputs. Results are checked against the same work done directly."""

import time
import uuid

import openpyxl
import pytest

from planner.jobs import EmbeddedWorker, JobQueue, get_job, job_dict
from planner.store import Store
from tests.conftest import redis_url

pytestmark = pytest.mark.slow


@pytest.fixture(params=["sqlite", "redis"])
def engine(request, chengdu, tmp_path):
    """(queue, store) with one worker thread running jobs; the queue on Huey's SQLite file or on Redis."""
    store = Store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    name = f"test-{uuid.uuid4().hex[:8]}"
    if request.param == "redis":
        queue = JobQueue(store, redis_url=redis_url(), name=name)
    else:
        queue = JobQueue(store, sqlite_path=tmp_path / "queue.sqlite", name=name)
    worker = EmbeddedWorker(queue, idle_s=0.1).start()
    yield queue, store
    worker.close()
    queue.huey.flush()
    store.close()


def watch(store, job_id: str, timeout_s: float = 240.0, until=("done", "failed", "cancelled")) -> list[dict]:
    """Every distinct (state, progress, step) the job goes through, polled every 50 ms."""
    seen, started = [], time.monotonic()
    while time.monotonic() - started < timeout_s:
        job = job_dict(get_job(store, job_id))
        if not seen or (job["state"], job["progress"], job["step"]) != (seen[-1]["state"], seen[-1]["progress"],
                                                                        seen[-1]["step"]):
            seen.append(job)
        if job["state"] in until:
            return seen
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} still {seen[-1]['state']} after {timeout_s} s: {seen[-1]}")


def test_a_job_goes_queued_running_done_with_its_result(engine, chengdu):
    from planner.standby import city_set_cover, stored_solutions

    queue, store = engine
    job, created = queue.submit("chengdu", "standby", {"mode": "car", "time_limit_s": 30}, owner="planner")
    assert created and job["state"] == "queued"
    seen = [job] + watch(store, job["job_id"])  # a free worker may take it before the first poll
    states = [s["state"] for s in seen]
    assert states[0] == "queued" and "running" in states and states[-1] == "done"
    progress = [s["progress"] for s in seen if s["state"] == "running"]
    assert progress == sorted(progress) and seen[-1]["progress"] == 100
    direct = city_set_cover(chengdu, "car", target_s=chengdu.profile.target_s("stray_dog"), time_limit_s=30)
    assert seen[-1]["result"]["count"] == direct["count"] and seen[-1]["result"]["status"] == direct["status"]
    assert stored_solutions(store, chengdu)["car"]["count"] == direct["count"]  # kept for every server's map


def test_a_file_result_is_the_list_itself(engine, chengdu):
    from planner.key_blocks import load_blocks
    from planner.lists import task_list

    queue, store = engine
    job, _ = queue.submit("chengdu", "lists_xlsx", {"list": "tasks"}, owner="planner")
    done = watch(store, job["job_id"])[-1]
    assert done["state"] == "done" and done["file"] == "chengdu-tasks.xlsx"
    import io

    sheet = openpyxl.load_workbook(io.BytesIO(get_job(store, job["job_id"]).result_file)).active
    expected = task_list(store, chengdu, load_blocks(store, chengdu))
    assert sheet.max_row - 1 == len(expected) == done["result"]["rows"]


def test_a_failing_job_says_why(engine):
    queue, store = engine
    job, _ = queue.submit("chengdu", "routes_plan", {"version": 999}, owner="planner")
    failed = watch(store, job["job_id"])[-1]
    assert failed["state"] == "failed" and "999" in failed["error"] and "\n" not in failed["error"]
    assert failed["result"] is None


def test_a_cancelled_job_stops_within_seconds(engine):
    queue, store = engine
    job, _ = queue.submit("chengdu", "standby", {"mode": "foot", "time_limit_s": 300}, owner="planner")
    watch(store, job["job_id"], until=("running",))
    time.sleep(1.5)  # inside the solver by now
    from planner.jobs import cancel_job

    asked = time.monotonic()
    cancel_job(store, job["job_id"])
    final = watch(store, job["job_id"], timeout_s=10)[-1]
    assert final["state"] == "cancelled" and time.monotonic() - asked < 5 and final["result"] is None


def test_the_same_inputs_get_the_same_job(engine):
    queue, store = engine
    first, created = queue.submit("chengdu", "lists_xlsx", {"list": "responsibility"}, owner="planner-a")
    second, created_again = queue.submit("chengdu", "lists_xlsx", {"list": "responsibility"}, owner="planner-b")
    assert created and not created_again and first["job_id"] == second["job_id"]
    watch(store, first["job_id"])
    assert get_job(store, first["job_id"]).attempt == 1  # run once


def test_bad_parameters_are_refused_before_any_worker(engine):
    from planner.jobs import JobError

    queue, _ = engine
    for kind, params, message in (("rocket", {}, "unknown job kind"), ("standby", {"mode": "boat"}, "mode must be"),
                                  ("standby", {"time_limit_s": "soon"}, "number"), ("lists_xlsx", {"x": 1}, "unknown parameter"),
                                  ("simulate", {"day": "yesterday"}, "date")):
        with pytest.raises(JobError, match=message):
            queue.submit("chengdu", kind, params, owner="planner")
