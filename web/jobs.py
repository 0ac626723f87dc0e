"""Background jobs over HTTP (``/api/jobs``): start one (the same inputs give the same job), follow its
progress, cancel it, download its file. Planners start them from the workspace; the page polls."""

from io import BytesIO

from flask import Blueprint, abort, jsonify, request, send_file
from flask_login import current_user

from web.auth import roles_required
from web.resources import get_resources

__all__ = ["WEB_KINDS", "bp"]

bp = Blueprint("jobs", __name__, url_prefix="/api/jobs")
WEB_KINDS = ("standby", "zones_generate", "routes_plan", "simulate", "lists_xlsx", "hourly_check", "staffing")  # others read worker-side files
JOB_ID = "<string(length=32):job_id>"


def _job(job_id: str):
    """The job, if it is this city's (404 otherwise)."""
    from planner.jobs import get_job

    if not all(c in "0123456789abcdef" for c in job_id):
        abort(404, f"no job {job_id!r}")
    job = get_job(get_resources().store, job_id)
    if job.city != get_resources().city.slug:
        abort(404, f"no job {job_id!r} in this city")
    return job


@bp.get("")
@roles_required("planner", "dispatcher", api=True)
def list_view():
    """This city's newest jobs (``limit`` 1-200, default 20)."""
    from planner.jobs import job_dict, list_jobs
    from web.args import int_arg

    limit = int_arg("limit", 20, 1, 200)
    res = get_resources()
    return jsonify(jobs=[job_dict(j, with_result=False) for j in list_jobs(res.store, res.city.slug, limit=limit)])


@bp.post("")
@roles_required("planner", api=True)
def start():
    """Start a job: JSON ``{"kind", "params"?}``. 202 with the new job, or 200 with the active job that
    already has these inputs."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("kind"), str):
        abort(400, 'send JSON like {"kind": "standby", "params": {"mode": "car"}}')
    if body["kind"] not in WEB_KINDS:
        abort(400, f"kind must be one of {', '.join(WEB_KINDS)}; got {body['kind']!r} "
                   "(city builds and file imports are started from the command line)")
    res = get_resources()
    job, created = res.jobs.submit(res.city.slug, body["kind"], body.get("params") or {}, owner=current_user.username)
    return jsonify(job | {"created": created}), 202 if created else 200


@bp.get(f"/{JOB_ID}")
@roles_required("planner", "dispatcher", api=True)
def show(job_id: str):
    """One job: state, progress 0-100, step, error, result."""
    from planner.jobs import job_dict

    return jsonify(job_dict(_job(job_id)))


@bp.post(f"/{JOB_ID}/cancel")
@roles_required("planner", api=True)
def cancel(job_id: str):
    """Cancel a queued job or stop a running one (409 when it already ended)."""
    from planner.jobs import cancel_job, job_dict

    _job(job_id)
    return jsonify(job_dict(cancel_job(get_resources().store, job_id), with_result=False))


@bp.get(f"/{JOB_ID}/file")
@roles_required("planner", "dispatcher", api=True)
def file(job_id: str):
    """The job's file (a chart PNG, a list or roster XLSX), once it is done."""
    job = _job(job_id)
    if job.state != "done" or not job.result_file:
        abort(404, f"job {job_id} has no file (state {job.state})")
    mimetype = "image/png" if job.result_filename.endswith(".png") else \
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return send_file(BytesIO(job.result_file), mimetype=mimetype, as_attachment=not job.result_filename.endswith(".png"),
                     download_name=job.result_filename)
