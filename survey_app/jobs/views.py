"""A job's page: progress while it runs, the report when it is done, retry after a failure."""

from __future__ import annotations

import io

from flask import (
    Blueprint,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from survey_app.audited import audited
from survey_app.auth import permission_required
from survey_app.db import get_session
from survey_app.exports import safe
from survey_app.jobs import queue, runs
from survey_app.jobs.kinds import report_from
from survey_app.jobs.report_page import report_view
from survey_app.jobs.worker import progress_store
from survey_app.models import JobRun

bp = Blueprint("jobs", __name__, url_prefix="/jobs")

#: kind → (title, capability that may see any such job of the district)
TITLES = {
    "roster_import": (_l("Roster import"), "roster.import"),
    "context_import": (_l("Context data import"), "roster.import"),
    "refresh_flags": (_l("Working out flags"), "roster.import"),
    "export": (_l("Export"), "exports.aggregate"),
    # A counselor's round is for their schools: only its starter and admins see it.
    "reminders": (_l("Survey reminders"), "audit.read"),
}
STAGES = {"starting": _l("Starting"), "reading": _l("Reading the file"),
          "flags": _l("Working out flags"), "writing": _l("Writing the file"),
          "sending": _l("Sending reminders"), "done": _l("Finished")}
#: Seconds a queued job waits before the page says that no worker seems to be running.
NO_WORKER_AFTER = 15


def _load(job_id: int) -> runs.JobState:
    """The job, if this user started it or may see every job of its kind; else 404."""
    run = get_session().get(JobRun, job_id)
    if run is None or run.district_id != current_user.district_id or run.kind not in TITLES:
        abort(404)
    if run.started_by != current_user.id and (
            run.kind == "export" or not current_user.can(TITLES[run.kind][1])):
        abort(404)  # an export's file is for the one who asked for it (it was audited so)
    return runs.state(run, progress_store().read(job_id),
                      stale=current_app.config["JOB_STALE_SECONDS"])


@bp.get("/<int:job_id>")
@permission_required("workspace.enter")
@audited.nothing("a job's progress and report (counts, the file's problems by row): the "
                 "starter's own work; what the job saved or sent is audited by the job")
def show(job_id: int):
    """Show the job's progress (the page reloads itself while it runs) or its report."""
    job = _load(job_id)
    report = None
    if job.run.kind in ("roster_import", "context_import") and job.run.report:
        report = report_view(report_from(job.run.report))
    return render_template("jobs/show.html", job=job, title=TITLES[job.run.kind][0],
                           stage=STAGES.get(job.stage, job.stage), report=report,
                           no_worker=job.status == "queued" and job.waited > NO_WORKER_AFTER,
                           local_queue=queue.redis_url() is None)


@bp.get("/<int:job_id>.json")
@permission_required("workspace.enter")
@audited.nothing("the job page's state as JSON (polled while it runs): no one's record")
def status(job_id: int):
    """The job's state as JSON, for scripts and tests."""
    job = _load(job_id)
    return jsonify(status=job.status, stage=job.stage, percent=job.percent, done=job.done,
                   rows=job.rows, report=job.run.report or None, attempts=job.run.attempts)


@bp.post("/<int:job_id>/retry")
@permission_required("workspace.enter")
@audited.by_view({"POST": "job_retried"}, when="the job was queued again (runs.retry)")
def retry(job_id: int):
    """Run a failed or stopped job again from the files it was given."""
    job = _load(job_id)
    db = get_session()
    if runs.retry(session=db, run=job.run, job_state=job, staff_id=current_user.id,
                  ip=request.remote_addr):
        db.commit()
        queue.submit(job_id)
    return redirect(url_for("jobs.show", job_id=job_id), 303)


@bp.get("/<int:job_id>/file")
@permission_required("workspace.enter")
@audited("job_file_download")  # the export was audited when asked; this is when it left
def download(job_id: int):
    """Send the file a finished export job wrote (to the one who asked for it)."""
    job = _load(job_id)
    if job.run.kind != "export" or job.status != "done":
        abort(404)
    data = runs.files(session=get_session(), job_id=job_id).get("out")
    if data is None:
        abort(404)
    audited.note(target_type="job", target_id=job_id)
    response = send_file(io.BytesIO(data), mimetype=job.run.report["content_type"], max_age=0)
    response.headers["Content-Disposition"] = safe.attachment(job.run.report["filename"])
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
