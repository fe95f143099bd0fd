"""A job's page: progress while it runs, the report when it is done, retry after a failure."""

from __future__ import annotations

import io

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField

from survey_app.audited import audited
from survey_app.auth import permission_required
from survey_app.db import get_session
from survey_app.exports import safe
from survey_app.imports.report import LINK_PROBLEMS, REMOVAL_PROBLEMS
from survey_app.jobs import queue, runs
from survey_app.jobs.kinds import report_from
from survey_app.jobs.report_page import check_view
from survey_app.jobs.worker import progress_store
from survey_app.models import JobRun

bp = Blueprint("jobs", __name__, url_prefix="/jobs")
#: Kinds whose finished page is an import report.
REPORTS = ("roster_check", "roster_import", "context_import")


class SaveForm(FlaskForm):
    """"Save these changes" under a roster check's differences."""

    allow_removals = BooleanField(_l("Yes, remove the people listed above"))
    link_accounts = BooleanField(_l("Yes, link these rows to the existing accounts named above"))

#: kind → (title, capability that may see any such job of the district)
TITLES = {
    "roster_check": (_l("Roster import"), "roster.import"),
    "roster_import": (_l("Roster import"), "roster.import"),
    "context_import": (_l("Context data import"), "roster.import"),
    "refresh_flags": (_l("Working out flags"), "roster.import"),
    "export": (_l("Export"), "exports.aggregate"),
    # A counselor's round is for their schools: only its starter and admins see it.
    "reminders": (_l("Survey reminders"), "audit.read"),
}
STAGES = {"starting": _l("Starting"), "reading": _l("Reading the file"),
          "checking": _l("Checking the file"), "saving": _l("Saving the changes"),
          "flags": _l("Working out flags"), "writing": _l("Writing the file"),
          "sending": _l("Sending reminders"), "done": _l("Finished")}
#: Kinds whose page only their starter sees: an export's file, and a roster check's list of
#: the people it would remove (audited as the starter's ``roster_check``).
STARTER_ONLY = ("export", "roster_check")
#: Seconds a queued job waits before the page says that no worker seems to be running.
NO_WORKER_AFTER = 15


def _load(job_id: int) -> runs.JobState:
    """The job, if this user started it or may see every job of its kind; else 404."""
    run = get_session().get(JobRun, job_id)
    if run is None or run.district_id != current_user.district_id or run.kind not in TITLES:
        abort(404)
    if run.started_by != current_user.id and (
            run.kind in STARTER_ONLY or not current_user.can(TITLES[run.kind][1])):
        abort(404)  # for the one who asked for it (it was audited so)
    return runs.state(run, progress_store().read(job_id),
                      stale=current_app.config["JOB_STALE_SECONDS"])


@bp.get("/<int:job_id>")
@permission_required("workspace.enter")
@audited.nothing("a job's progress and report (counts, the file's problems by row): the "
                 "starter's own work; what the job saved or sent is audited by the job")
def show(job_id: int):
    """Show the job's progress (the page reloads itself while it runs) or its report."""
    job = _load(job_id)
    report = save = None
    if job.run.kind in REPORTS and job.run.report:
        report = check_view(report_from(job.run.report))
        save = _save_form(job)
    return render_template("jobs/show.html", job=job, title=TITLES[job.run.kind][0],
                           stage=STAGES.get(job.stage, job.stage), report=report, save=save,
                           saved_as=(job.run.report or {}).get("saved_as"),
                           no_worker=job.status == "queued" and job.waited > NO_WORKER_AFTER,
                           local_queue=queue.redis_url() is None)


def _save_form(job: runs.JobState) -> SaveForm | None:
    """The "Save these changes" form of a finished roster check whose files still wait."""
    report = job.run.report or {}
    if job.run.kind != "roster_check" or job.status != "done" or "saved_as" in report:
        return None
    if not (report.get("problem_count") == 0 or report_from(report).confirmable):
        return None
    return SaveForm() if runs.waiting_files(session=get_session(), job_id=job.run.id) else None


@bp.post("/<int:job_id>/save")
@permission_required("roster.import")
@audited.by_view({"POST": "job_started"},
                 when="the checked upload was handed to a roster_import job (runs.create); "
                      "the worker records roster_import when it is saved")
def save(job_id: int):
    """"Save these changes": the files of a finished roster check go to a new roster import
    job (with the removals, when the admin ticked the box), whose page shows its progress."""
    job = _load(job_id)
    form = _save_form(job)
    if form is None:  # not a check that may be saved, or already saved (its page says so)
        return redirect(url_for("jobs.show", job_id=job_id), 303)
    if not form.validate_on_submit():
        abort(400)
    report = report_from(job.run.report)
    if report.asks(REMOVAL_PROBLEMS) and not form.allow_removals.data:
        flash(_("Please tick the box to confirm the removals, or upload a corrected file."),
              "error")
        return redirect(url_for("jobs.show", job_id=job_id), 303)
    if report.asks(LINK_PROBLEMS) and not form.link_accounts.data:
        flash(_("Please tick the box to confirm the linked accounts, or upload a corrected "
                "file."), "error")
        return redirect(url_for("jobs.show", job_id=job_id), 303)
    db = get_session()
    run = runs.create(session=db, kind="roster_import", district_id=job.run.district_id,
                      staff_id=current_user.id, ip=request.remote_addr,
                      params={"allow_removals": bool(form.allow_removals.data),
                              "link_accounts": bool(form.link_accounts.data),
                              "check": job_id})
    if not runs.hand_over(session=db, source=job.run, target=run):
        db.rollback()  # saved by another request meanwhile: its page links to that save
        return redirect(url_for("jobs.show", job_id=job_id), 303)
    db.commit()
    queue.submit(run.id)
    return redirect(url_for("jobs.show", job_id=run.id), 303)


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
