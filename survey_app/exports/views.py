"""Roster import for district admins (upload → a job checks it → its page shows the
differences and saves them, or undo the last one); exports for counselors and admins
(analysts: aggregates)."""

from __future__ import annotations

import tempfile
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlmodel import func, select
from wtforms import SelectChoice

from survey_app.audited import audited
from survey_app.auth import permission_required, require_school, visible_school_ids
from survey_app.db import get_session, write_next
from survey_app.exports import safe, service
from survey_app.exports.forms import ContextUploadForm, ExportForm, RosterUploadForm
from survey_app.imports import undo
from survey_app.inputs import id_number
from survey_app.jobs import handover, runs
from survey_app.models import School, Student
from survey_app.reading import loader
from survey_app.services import audit, waves

bp = Blueprint("exports", __name__, url_prefix="/exports")

class UndoForm(FlaskForm):
    pass


def _page(form, *, status: int = 200):
    last = undo.last_run(get_session())
    return render_template("exports/import_roster.html", form=form, last=last,
                           undo_form=UndoForm()), status


@bp.route("/roster", methods=["GET", "POST"])
@permission_required("roster.import")
@audited.by_view({"POST": "job_started"},
                 when="the upload was handed to a roster_check job (runs.create); the worker "
                      "records roster_check, which names everyone the file would remove")
def import_roster():
    """Upload a OneRoster package: a job checks it (nothing is saved yet) and its page shows
    the differences, with "Save these changes" (:func:`survey_app.jobs.views.save`)."""
    form = RosterUploadForm()
    if not form.validate_on_submit():
        return _page(form, status=handover.refused_status())
    files = {"package.zip": form.package.data.read()}
    if form.extra.data is not None and form.extra.data.filename:
        files["extra.csv"] = form.extra.data.read()
    runs.forget_checks(session=get_session(), staff_id=current_user.id)
    return handover.start("roster_check", files=files)


@bp.post("/roster/undo")
@permission_required("roster.import")
@audited.by_view({"POST": "roster_import_undone"}, when="the last import was undone")
def undo_roster():
    """Undo the last saved import: what it removed comes back, what it changed goes back."""
    if not UndoForm().validate_on_submit():
        return redirect(url_for(".import_roster"))
    db = get_session()
    last = undo.last_run(db)
    if last is None:
        flash(_("There is no import to undo."), "error")
        return redirect(url_for(".import_roster"))
    try:
        undo.undo(session=db, run=last, staff_id=current_user.id)
    except undo.UndoBlocked as blocked:
        db.rollback()
        flash(_("The last import cannot be undone: the email %(email)s belongs to the account "
                "of %(name)s now. Change that account's email first, then undo again.",
                email=blocked.email, name=blocked.name), "error")
        return redirect(url_for(".import_roster"))
    audit.record(session=db, staff_id=current_user.id, action="roster_import_undone",
                 target_type="import_run", target_id=last.id, detail={},
                 ip=request.remote_addr)
    db.commit()
    flash(_("The last import is undone: the roster is as it was before it."), "success")
    return redirect(url_for(".import_roster"))



@bp.route("/context", methods=["GET", "POST"])
@permission_required("roster.import")
@audited.by_view({"POST": "job_started"}, when="the upload was handed to the job queue")
def import_context():
    """Take a context CSV (attendance, completion, grades) and hand it to the job queue."""
    form = ContextUploadForm()
    if form.validate_on_submit():
        return handover.start("context_import", params={"dry_run": bool(form.dry_run.data)},
                              files={"context.csv": form.csv_file.data.read()})
    return render_template("exports/import_context.html", form=form), handover.refused_status()


def _export_params(req: service.ExportRequest) -> dict[str, Any]:
    """An export request as the job's parameters (the salt is never stored)."""
    return {"kind": req.kind, "fmt": req.fmt, "school_ids": list(req.school_ids),
            "school_code": req.school_code, "deidentify": req.deidentify,
            "wave_id": req.wave_id}


def _is_id(raw: str) -> bool:
    try:
        id_number(raw)
    except ValueError:
        return False
    return True


def _students_in(db, school_ids: tuple[int, ...]) -> int:
    """Students an export would cover: past ``EXPORT_JOB_MIN_STUDENTS`` it runs as a job."""
    return db.exec(select(func.count()).select_from(Student)
                   .where(Student.school_id.in_(school_ids))).one()


def _schools() -> list[tuple[str, str]]:
    """The user's schools as (code, name), by name."""
    rows = get_session().exec(select(School.code, School.name).where(
        School.id.in_(list(visible_school_ids()))).order_by(School.name)).all()
    return [(code, name) for code, name in rows]


def _export_form(kind: str, schools: list[tuple[str, str]],
                 windows: tuple[list[SelectChoice], str] | None = None) -> ExportForm:
    choices, current = windows or _windows()
    form = ExportForm(prefix=kind, data={"wave": current})
    formats = service.KINDS[kind][2]
    form.fmt.choices = [c for c in form.fmt.choices if c.value in formats]
    form.school.choices = [SelectChoice("", _("All my schools")),
                           *(SelectChoice(code, name) for code, name in schools)]
    form.wave.choices = choices
    return form


def _windows() -> tuple[list[SelectChoice], str]:
    """The survey windows an export may read (open or closed, newest first), and the
    current one (chosen at first): a window not open yet or purged is not offered."""
    db = get_session()
    found = waves.list_waves(session=db, district_id=current_user.district_id)
    words = {waves.WaveState.OPEN: _("open"), waves.WaveState.CLOSED: _("closed")}
    choices = [SelectChoice(str(w.id), _("%(name)s (%(state)s)", name=w.name,
                                         state=words[waves.state(w)]))
               for w in reversed(found) if waves.state(w) in words]
    ctx = loader.context(session=db, district_id=current_user.district_id)
    current = str(ctx.wave_id) if ctx.wave_id is not None else ""
    if current not in {c.value for c in choices}:
        current = choices[0].value if choices else ""
    return choices, current


def _refusal(refused: service.WaveRefused) -> str:
    """Why an export's survey window is refused, in the reader's language."""
    if refused.reason == "draft":
        return _("The survey window %(name)s has not opened yet: there is nothing to export. "
                 "Please choose another window.", name=refused.name)
    if refused.reason == "purged":
        return _("The survey window %(name)s was purged: its answers are gone and cannot be "
                 "exported. Please choose another window.", name=refused.name)
    return _("That survey window does not exist. Please choose one from the list.")


@bp.get("/")
@permission_required("exports.aggregate")
@audited.nothing("the list of exports: no one's data")
def index():
    """List the exports this user may take, with a download button each."""
    return _index()


def _index(refused: tuple[str, ExportForm] | None = None, status: int = 200):
    schools, windows = _schools(), _windows()
    cards = [{"kind": kind, "title": title, "text": text,
              "form": refused[1] if refused and refused[0] == kind
              else _export_form(kind, schools, windows),
              "deidentify": kind == "network"}
             for kind, (title, text, _formats) in service.KINDS.items()
             if current_user.can(service.capability(kind))]
    return render_template("exports/index.html", cards=cards), status


@bp.post("/download")
@permission_required("exports.aggregate")
@audited.by_view({"POST": "export"}, when="a file was built (outcome ok) or failed to be")
def download():
    """Build the export, audit it (a failure as a failed export), then send it as a file."""
    kind = request.form.get("kind", "")
    if kind not in service.KINDS:
        abort(400)
    if not current_user.can(service.capability(kind)):
        abort(403)
    form = _export_form(kind, _schools())
    if not form.validate_on_submit():
        abort(400)
    if form.wave.data and not _is_id(form.wave.data):
        form.wave.errors = [_refusal(service.WaveRefused("unknown"))]
        return _index((kind, form), 400)
    db = get_session()
    school = db.exec(select(School).where(School.code == form.school.data)).first() \
        if form.school.data else None
    if school is not None:
        require_school(school.id)
    school_ids = (school.id,) if school else tuple(sorted(visible_school_ids()))
    req = service.ExportRequest(kind=kind, fmt=form.fmt.data,
                                district_id=current_user.district_id, school_ids=school_ids,
                                school_code=school.code if school else None,
                                deidentify=bool(form.deidentify.data) and kind == "network",
                                wave_id=id_number(form.wave.data) if form.wave.data else None)
    try:
        service.export_wave(session=db, req=req)
    except service.WaveRefused as refused:
        form.wave.errors = [_refusal(refused)]
        return _index((kind, form), 400)
    if _students_in(db, school_ids) >= current_app.config["EXPORT_JOB_MIN_STUDENTS"]:
        # Audited when asked for; the file is kept with the job for the one who asked.
        service.record(session=db, req=req, staff_id=current_user.id, ip=request.remote_addr)
        return handover.start("export", params=_export_params(req))
    # Rows go to a temporary file (memory up to 16 MB, then disk), never all into memory.
    # Nothing leaves the server before the audit event of what leaves is committed.
    buffer = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)
    db.commit()  # built in a read transaction (service.read_first): no write lock meanwhile
    try:
        service.write_export(session=db, req=req, out=buffer)
    except Exception:
        buffer.close()
        db.rollback()
        service.record(session=db, req=req, staff_id=current_user.id, ip=request.remote_addr,
                       outcome="failed")
        db.commit()
        raise
    write_next(db)
    service.record(session=db, req=req, staff_id=current_user.id, ip=request.remote_addr)
    db.commit()
    buffer.seek(0)
    response = send_file(buffer, mimetype=service.content_type(req), max_age=0)
    response.headers["Content-Disposition"] = safe.attachment(service.filename(req))
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.call_on_close(buffer.close)
    return response


@bp.post("/refresh-flags")
@permission_required("roster.import")
@audited.by_view({"POST": "job_started"}, when="the refresh was handed to the job queue")
def refresh_flags():
    """Hand the district's flag refresh (``flask refresh-flags``) to the job queue."""
    return handover.start("refresh_flags")
