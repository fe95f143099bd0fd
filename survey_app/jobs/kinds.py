"""What each kind of job does: ``KINDS[kind](session=, run=, progress=) -> (report, ok)``.

Each wraps the service the command line uses (never a copy of it), runs in the
worker's one transaction and commits only when it succeeded: a job killed
midway leaves nothing half-written. Reports are plain JSON (problem and note
*codes* with their parameters), turned into words when a page shows them.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from flask import current_app
from sqlmodel import Session, select

from survey_app.db import read_first
from survey_app.exports import service
from survey_app.exports.service import ExportRequest
from survey_app.imports import context, oneroster, roster_beside
from survey_app.imports.package import Package, open_package
from survey_app.imports.report import ImportReport, Note, PackageError, Problem
from survey_app.jobs import runs
from survey_app.jobs.progress import Reporter
from survey_app.models import JobFile, JobRun, School
from survey_app.reading import loader, stored_flags
from survey_app.services import audit, reminders
from survey_app.services.reminder_audience import Limits
from survey_app.services.senders import sender_for

Handler = Callable[..., tuple[dict[str, Any], bool]]


def report_data(report: ImportReport) -> dict[str, Any]:
    """An import report as JSON, with codes rather than words."""
    return {"dry_run": report.dry_run, "problem_count": report.problem_count,
            "counts": {kind: dict(c) for kind, c in report.counts.items()},
            "problems": [{"code": p.code, "file": p.file, "row": p.row, "column": p.column,
                          "params": p.params} for p in report.problems],
            "notes": [{"code": n.code, "params": n.params} for n in report.notes]}


def report_from(data: dict[str, Any]) -> ImportReport:
    """The report back from :func:`report_data`, to be shown in the reader's language."""
    from collections import Counter

    report = ImportReport(dry_run=bool(data.get("dry_run")),
                          problem_count=int(data.get("problem_count", 0)))
    report.problems = [Problem(**p) for p in data.get("problems", [])]
    report.notes = [Note(**n) for n in data.get("notes", [])]
    report.counts = {k: Counter(v) for k, v in data.get("counts", {}).items()}
    report.removed = data.get("removed", {})
    return report


def _counted_rows(package: Package, progress: Reporter) -> None:
    """Count the rows the importer reads from the package, for the progress page."""
    rows = package.rows

    def counting(*args, **kwargs) -> Iterator:
        for row in rows(*args, **kwargs):
            progress.advance(rows=1)
            yield row

    package.rows = counting


@contextmanager
def _roster_upload(session: Session, run: JobRun, progress: Reporter, stage: str):
    """The job's roster upload as files (``package.zip``, ``extra.csv``), its progress
    stage begun with the bytes the import will read."""
    uploaded = runs.files(session=session, job_id=run.id)
    with tempfile.TemporaryDirectory(prefix="roster-job-") as folder:
        zip_path = Path(folder) / "package.zip"
        zip_path.write_bytes(uploaded["package.zip"])
        extra = None
        if "extra.csv" in uploaded:
            extra = Path(folder) / "extra.csv"
            extra.write_bytes(uploaded["extra.csv"])
        try:
            package = open_package(zip_path)
        except PackageError:
            planned = 0  # roster_import.run reports the refused package as its problem
        else:
            planned = oneroster.planned_bytes(package, extra)
            package.close()
        progress.stage(stage, planned)
        yield zip_path, extra


def _watch(progress: Reporter) -> dict[str, Any]:
    """The progress and row counting a roster import is given."""
    return {"progress": lambda n: progress.advance(done=n),
            "on_open": lambda package: _counted_rows(package, progress)}


def roster_check(*, session: Session, run: JobRun, progress: Reporter):
    """Step one of the web import: the uploaded package checked (a dry run of the command
    line's service; on SQLite on a copy of the database, :mod:`roster_beside`) and its
    differences and who it would remove kept as the job's report.
    Nothing is saved; the files stay with the job for "Save these changes" (``roster_import``).
    Audited as ``roster_check`` for the one who uploaded it: the report names the people the
    file would remove."""
    with _roster_upload(session, run, progress, "checking") as (zip_path, extra):
        report = roster_beside.run(
            session=session, path=zip_path, extra=extra, dry_run=True,
            staff_id=run.started_by, **_watch(progress))
    session.rollback()
    if not (report.ok or report.confirmable):
        runs.drop_files(session=session, job_id=run.id)  # nothing to save: upload again
    audit.record(session=session, staff_id=run.started_by, action="roster_check",
                 target_type="district", target_id=run.district_id,
                 detail={"ok": report.ok, "job": run.id})
    session.commit()
    return {**report_data(report), "removed": report.removed}, True


def roster_import(*, session: Session, run: JobRun, progress: Reporter):
    """A checked OneRoster package confirmed on the web page (``package.zip``, ``extra.csv``),
    saved by :func:`survey_app.imports.roster_import.run` (the command line's service: the
    removal guard, ``allow_removals``, the undo record) in one commit, or nothing at all; on
    SQLite worked out on a copy of the database first (:mod:`roster_beside`), so that survey
    saves do not wait for it."""
    dry_run = bool(run.params.get("dry_run"))
    with _roster_upload(session, run, progress, "reading") as (zip_path, extra):
        report = roster_beside.run(
            session=session, path=zip_path, extra=extra, dry_run=dry_run,
            allow_removals=bool(run.params.get("allow_removals")),
            link_accounts=bool(run.params.get("link_accounts")), staff_id=run.started_by,
            saving=lambda: progress.stage("saving"), **_watch(progress))
    if report.ok and not report.dry_run:  # run() committed the import and its undo record
        audit.record(session=session, staff_id=run.started_by, action="roster_import",
                     target_type="district", target_id=run.district_id,
                     detail={**report.as_dict(), "job": run.id})
        session.commit()
    return report_data(report), report.ok


def context_import(*, session: Session, run: JobRun, progress: Reporter):
    """A context CSV (attendance, completion, grades) uploaded through the web page."""
    dry_run = bool(run.params.get("dry_run"))
    data = runs.files(session=session, job_id=run.id)["context.csv"]
    progress.stage("reading", len(data))

    def counted(n: int) -> None:
        progress.advance(done=n)

    report = context.import_context(session=session, raw=io.BytesIO(data),
                                    name=run.params.get("name", "context.csv"),
                                    dry_run=dry_run, progress=counted)
    return _commit_import(session, run, report, "context_import"), report.ok


def _commit_import(session: Session, run: JobRun, report: ImportReport, action: str):
    """Save the import with its audit event in one commit, or nothing at all."""
    if report.ok and not report.dry_run:
        audit.record(session=session, staff_id=run.started_by, action=action,
                     target_type="district", target_id=run.district_id,
                     detail={**report.as_dict(), "job": run.id})
        session.commit()
        if action == "roster_import":
            oneroster.refresh_statistics(session)
    else:
        session.rollback()
    return report_data(report)


def refresh_flags(*, session: Session, run: JobRun, progress: Reporter):
    """Work out and store each school's flags (the ``refresh-flags`` command's work)."""
    query = select(School).where(School.district_id == run.district_id).order_by(School.code)
    if run.params.get("school"):
        query = query.where(School.code == run.params["school"])
    schools = session.exec(query).all()
    session.commit()
    read_first(session)  # read without SQLite's write lock; each school stores on its own
    ctx = loader.context(session=session, district_id=run.district_id, today=date.today())
    progress.stage("flags", len(schools))
    worked_out = 0
    for school in schools:
        worked_out += stored_flags.refresh(session=session, ctx=ctx, school_id=school.id)
        progress.advance(done=1, rows=1)
    return {"schools": len(schools), "worked_out": worked_out}, True


def export(*, session: Session, run: JobRun, progress: Reporter):
    """An export written to a file kept with the job until its starter downloads it.

    Audited when it was asked for (``service.record`` in the request); the
    parameters are those of ``exports.views._export_params``."""
    p = run.params
    req = ExportRequest(kind=p["kind"], fmt=p["fmt"], district_id=run.district_id,
                        school_ids=tuple(p["school_ids"]), school_code=p.get("school_code"),
                        deidentify=bool(p.get("deidentify")), wave_id=p.get("wave_id"))
    progress.stage("writing", 1)
    with tempfile.SpooledTemporaryFile(max_size=64 * 1024 * 1024) as buffer:
        service.write_export(session=session, req=req, out=buffer)
        session.rollback()  # the export only read
        buffer.seek(0)
        data = buffer.read()
    session.add(JobFile(job_id=run.id, name="out", data=data))
    session.commit()
    progress.advance(done=1)
    return {"filename": service.filename(req), "content_type": service.content_type(req),
            "bytes": len(data)}, True


def send_reminders(*, session: Session, run: JobRun, progress: Reporter):
    """A round of survey reminders (``services.reminders``): each message recorded as it
    leaves, so a retry after a stop writes only to those not reached yet."""
    app = current_app._get_current_object()
    sender = sender_for(run.params.get("channel", "email"), app.config)
    if sender is None:
        return {"error": "not_configured"}, False
    filters = reminders.filters_from(run.params, tuple(run.params["school_ids"]))
    outcome = reminders.send_round(
        app=app, session=session, sender=sender, filters=filters,
        limits=Limits.of_district(session, run.district_id), job_id=run.id,
        started_by=run.started_by, on_planned=lambda n: progress.stage("sending", n),
        on_sent=lambda n: progress.advance(done=n, rows=n))
    return outcome.as_dict(), True


KINDS: dict[str, Handler] = {
    "reminders": send_reminders,
    "export": export,
    "roster_check": roster_check,
    "roster_import": roster_import,
    "context_import": context_import,
    "refresh_flags": refresh_flags,
}
