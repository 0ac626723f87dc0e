"""Job engine benchmark: 50 short jobs and 3 long ones through the embedded queue (Huey on SQLite, one
worker thread in this process) and through Redis with 2 worker processes (``patrol worker``).

Short jobs: maximal covering of the dog reports with k = 1..50 standby points on the car graph (2 s solver
limit); long jobs: set covering on the foot graph (3 solver limits). Prints jobs per second, queue latency
(queued -> running: median, p95), and the overhead against calling the same functions directly in this
process (baseline measured in the same run). Wall-clock figures on a shared 2-core machine: trust the
ratios and the latencies' order of magnitude, not one wall time.

Usage: python -m bench.jobs [--json]   (or: patrol bench jobs)
"""

import os
import subprocess
import sys
import time
import uuid

import numpy as np

from bench.common import bench_main, demo_world, peak_rss_mb, temporary_instance

__all__ = ["run"]
SHORT, LONG = 50, 3


def _jobs() -> list[dict]:
    short = [{"mode": "car", "k": k, "time_limit_s": 2.0} for k in range(1, SHORT + 1)]
    long = [{"mode": "foot", "time_limit_s": float(limit)} for limit in (20, 21, 22)][:LONG]
    return [{"kind": "standby", "params": p, "long": False} for p in short] + \
        [{"kind": "standby", "params": p, "long": True} for p in long]


def _direct(city, store, jobs, progress) -> dict:
    """The same work called directly, one after the other (the baseline)."""
    from planner.jobs import KINDS, check_params

    seconds = {"short": 0.0, "long": 0.0}
    for job in jobs:
        params = check_params(job["kind"], job["params"])
        started = time.perf_counter()
        KINDS[job["kind"]].run(city, store, params, lambda percent, step: None)
        seconds["long" if job["long"] else "short"] += time.perf_counter() - started
    progress(f"direct calls: short {seconds['short']:.1f} s, long {seconds['long']:.1f} s")
    return seconds


def _through(queue, city_slug, jobs, progress, label, processes=()) -> dict:
    """Submit every job at once, wait for all; latency = queued -> running per job (s)."""
    from geo.errors import PatrolError
    from planner.jobs import get_job

    started = time.perf_counter()
    ids = [queue.submit(city_slug, job["kind"], job["params"], owner="bench")[0]["job_id"] for job in jobs]
    waiting = set(ids)
    while waiting:
        time.sleep(0.2)
        waiting = {i for i in waiting if get_job(queue.store, i).state in ("queued", "running")}
        dead = [p for p in processes if p.poll() is not None]
        if dead:
            raise PatrolError(f"{len(dead)} worker process(es) ended (exit {dead[0].returncode}); see "
                              f"{getattr(dead[0], 'log_path', 'its log')}")
    wall = time.perf_counter() - started
    rows = [get_job(queue.store, i) for i in ids]
    failed = [r.error for r in rows if r.state != "done"]
    latency = np.array([(r.started_at - r.created_at).total_seconds() for r in rows if r.started_at])
    run_s = np.array([(r.finished_at - r.started_at).total_seconds() for r in rows if r.finished_at and r.started_at])
    progress(f"{label}: {len(ids)} jobs in {wall:.1f} s")
    alone = queue.submit(city_slug, "standby", {"mode": "car", "k": 1, "time_limit_s": 1.0}, owner="bench-idle")[0]
    while get_job(queue.store, alone["job_id"]).state in ("queued", "running"):
        time.sleep(0.05)
    single = get_job(queue.store, alone["job_id"])
    idle_latency = (single.started_at - single.created_at).total_seconds() if single.started_at else None
    return {"jobs": len(ids), "failed": len(failed), "first_error": failed[0] if failed else None,
            "wall_s": round(wall, 2), "jobs_per_s": round(len(ids) / wall, 3),
            "latency_median_s": round(float(np.median(latency)), 3) if len(latency) else None,
            "latency_p95_s": round(float(np.percentile(latency, 95)), 3) if len(latency) else None,
            "job_run_s_total": round(float(run_s.sum()), 2), "workers": len({r.worker for r in rows if r.worker}),
            "idle_queue_latency_s": round(idle_latency, 3) if idle_latency is not None else None}


def run(*, redis_url: str | None = None, progress=lambda message: None) -> dict:
    """Embedded queue (1 worker thread) and, with ``redis_url``, Redis (2 worker processes): figures and
    the overhead against direct calls."""
    from planner.jobs import EmbeddedWorker, JobQueue

    jobs = _jobs()
    with temporary_instance("bench-jobs-") as instance:
        city, store, _ = demo_world(progress)
        direct = _direct(city, store, jobs, progress)
        direct_total = direct["short"] + direct["long"]
        result = {"benchmark": "jobs", "city": city.slug, "short_jobs": SHORT, "long_jobs": LONG,
                  "direct_s": {k: round(v, 2) for k, v in direct.items()}, "backends": {}}
        embedded = JobQueue(store, sqlite_path=instance / "bench-queue.sqlite", name=f"bench-{uuid.uuid4().hex[:6]}")
        worker = EmbeddedWorker(embedded, idle_s=0.05).start()
        try:
            figures = _through(embedded, city.slug, jobs, progress, "embedded (SQLite, 1 thread)")
        finally:
            worker.close()
        figures["overhead_vs_direct"] = round(figures["wall_s"] / direct_total, 3)
        result["backends"]["embedded"] = figures
        if redis_url:
            env = {**os.environ, "PATROL_INSTANCE_DIR": str(instance), "PATROL_REDIS_URL": redis_url}
            queue = JobQueue(store, redis_url=redis_url)
            queue.huey.flush()
            workers = []
            for number in range(2):
                log_path = instance / f"worker-{number}.log"
                with open(log_path, "w") as log:
                    process = subprocess.Popen([sys.executable, "-c", "from cli.main import main; main()", "worker",
                                                "--city", city.slug], env=env, stdout=log, stderr=subprocess.STDOUT)
                process.log_path = log_path
                workers.append(process)
            try:
                time.sleep(3.0)  # the workers load the city
                figures = _through(queue, city.slug, jobs, progress, "Redis (2 worker processes)", workers)
            finally:
                for process in workers:
                    process.terminate()
                    process.wait(10)
            figures["overhead_vs_direct"] = round(figures["wall_s"] / direct_total, 3)
            result["backends"]["redis"] = figures
        else:
            result["backends"]["redis"] = {"skipped": "no Redis URL (PATROL_REDIS_URL or --redis-url)"}
    result["peak_rss_mb"] = round(peak_rss_mb(), 1)
    return result


def report_text(result: dict) -> str:
    d = result["direct_s"]
    lines = [f"jobs on {result['city']}: {result['short_jobs']} short + {result['long_jobs']} long standby jobs; "
             f"direct calls {d['short']:.1f} + {d['long']:.1f} s"]
    for name, f in result["backends"].items():
        if "skipped" in f:
            lines.append(f"  {name}: skipped ({f['skipped']})")
            continue
        lines.append(f"  {name}: {f['jobs']} jobs in {f['wall_s']} s ({f['jobs_per_s']} jobs/s, {f['workers']} worker(s)), "
                     f"queue latency median {f['latency_median_s']} s, p95 {f['latency_p95_s']} s (one job on an idle queue: "
                     f"{f['idle_queue_latency_s']} s); "
                     f"wall / direct {f['overhead_vs_direct']}; failed {f['failed']}")
    lines.append(f"  peak RSS {result['peak_rss_mb']} MB (this process)")
    return "\n".join(lines)


def main(argv=None) -> None:
    from web.settings import current_settings

    redis_url = current_settings().redis_url
    bench_main(__doc__, lambda progress: run(redis_url=redis_url, progress=progress), report_text, argv)


if __name__ == "__main__":
    main()
