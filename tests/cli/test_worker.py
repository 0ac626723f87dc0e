"""``patrol worker`` processes: two share a queue (Huey on SQLite, and on a real Redis); a worker killed
with SIGKILL in the middle of a standby job leaves it to a restarted worker, ten times over, with no job
lost or run twice to the end."""

import os
import signal
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from cli.main import _register, cli
from tests.conftest import redis_url, strict_loads

pytestmark = pytest.mark.slow
_register()


def start_worker(instance, extra_env: dict, stale_after_s: float = 2.0) -> subprocess.Popen:
    env = {**os.environ, "PATROL_INSTANCE_DIR": str(instance), **extra_env}
    return subprocess.Popen([sys.executable, "-c", "from cli.main import main; main()", "worker",
                             "--stale-after", str(stale_after_s)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def patrol(*args) -> dict:
    result = CliRunner().invoke(cli, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return strict_loads(result.stdout)


def wait_for(job_id: str, states, timeout_s: float = 180.0) -> dict:
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        job = patrol("jobs", "show", job_id)
        if job["state"] in states:
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} is {job['state']} after {timeout_s} s: {job}")


@pytest.fixture(params=["sqlite", "redis"])
def backend_env(request, built_instance, monkeypatch):
    env = {"PATROL_REDIS_URL": redis_url()} if request.param == "redis" else {}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    if request.param == "redis":
        import redis

        redis.Redis.from_url(env["PATROL_REDIS_URL"]).flushdb()
    return env


def test_two_workers_share_a_queue(built_instance, backend_env):
    patrol("jobs", "list")  # the store exists before the workers start (a race they survive anyway: test_store)
    workers = [start_worker(built_instance, backend_env) for _ in range(2)]
    try:
        jobs = [patrol("zones", "standby", "--mode", "car", "--time-limit", str(20 + n), "--background")["job_id"]
                for n in range(6)]
        done = [wait_for(job_id, ("done", "failed", "cancelled")) for job_id in jobs]
    finally:
        for worker in workers:
            worker.terminate()
            worker.wait(10)
    assert [job["state"] for job in done] == ["done"] * 6
    assert len({job["worker"] for job in done}) == 2, [job["worker"] for job in done]  # both took a share
    assert all(job["attempt"] == 1 for job in done)
    listed = patrol("jobs", "list")["jobs"]
    assert {job["job_id"] for job in listed} >= set(jobs)


def test_a_killed_worker_loses_no_job(built_instance, monkeypatch):
    """SIGKILL during a standby job, ten times: each job is re-queued and finished by the next worker."""
    finished = []
    worker = start_worker(built_instance, {})
    try:
        for round_number in range(10):
            job_id = patrol("zones", "standby", "--mode", "car", "--time-limit", str(30 + round_number),
                            "--background")["job_id"]
            wait_for(job_id, ("running",))
            time.sleep(0.5)
            os.kill(worker.pid, signal.SIGKILL)
            worker.wait(10)
            assert patrol("jobs", "show", job_id)["state"] in ("running", "queued")  # not lost, not done
            worker = start_worker(built_instance, {})
            finished.append(wait_for(job_id, ("done", "failed", "cancelled")))
    finally:
        worker.terminate()
        worker.wait(10)
    assert [job["state"] for job in finished] == ["done"] * 10
    assert all(job["attempt"] == 2 for job in finished)  # the killed attempt, then exactly one more
    jobs = patrol("jobs", "list", "--limit", "100")["jobs"]
    assert len([job for job in jobs if job["kind"] == "standby"]) == 10  # none duplicated


def test_job_commands_answer_bad_input_in_one_line(built_instance):
    runner = CliRunner()
    for args, words in ((["lists", "tasks", "--background", "--squadron", "一中队"], "leave out --squadron"),
                        (["jobs", "show", "0" * 32], "no job"), (["jobs", "cancel", "nope"], "no job"),
                        (["routes", "plan", "--background", "--patrol", "E01"], "leave out --patrol")):
        result = runner.invoke(cli, args)
        errors = [line for line in result.output.splitlines() if line.startswith(("error", "Error"))]
        assert result.exit_code == 2 and len(errors) == 1 and words in result.output, (args, result.output)
    queued = patrol("lists", "assessment", "--background")
    assert queued["kind"] == "lists_xlsx" and queued["state"] == "queued" and queued["created"]
    assert patrol("jobs", "cancel", queued["job_id"])["state"] == "cancelled"
    again = runner.invoke(cli, ["jobs", "cancel", queued["job_id"], "--json"])
    assert again.exit_code == 2 and "only a queued or running job" in strict_loads(again.stdout)["error"]
