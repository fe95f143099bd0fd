"""Roster import for district admins (upload → check and differences → confirm, or undo the
last one); exports for counselors and admins (analysts: aggregates)."""

from __future__ import annotations

import tempfile

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlmodel import select
from wtforms import BooleanField, SelectChoice

from survey_app.auth import permission_required, require_school, visible_school_ids
from survey_app.db import get_session
from survey_app.exports import safe, service
from survey_app.exports.forms import ExportForm, RosterUploadForm
from survey_app.imports import roster_import, undo, uploads
from survey_app.imports.report import ImportReport, describe
from survey_app.models import School
from survey_app.services import audit

bp = Blueprint("exports", __name__, url_prefix="/exports")

KIND_LABELS = {
    "schools": _l("Schools"), "students": _l("Students"), "staff": _l("Staff"),
    "households": _l("Households"), "parents": _l("Parents and guardians"),
    "classes": _l("Classes"), "class members": _l("Students in classes"),
    "class teachers": _l("Teachers of classes"),
}
OUTCOMES = ("created", "updated", "unchanged", "deleted")
_STAGED = "roster_upload"  # session key: the token of the upload waiting for confirmation
_REMOVALS = {"too_many_students_removed", "too_many_staff_removed"}


class ConfirmForm(FlaskForm):
    allow_removals = BooleanField(_l("Yes, remove the people listed above"))


class UndoForm(FlaskForm):
    pass


def _report_view(report: ImportReport) -> dict:
    """The report as finished rows for the template, in the reader's language."""
    return {
        "ok": report.ok, "dry_run": report.dry_run, "problem_count": report.problem_count,
        "hidden": report.problem_count - len(report.problems),
        "counts": [{"label": KIND_LABELS.get(kind, kind),
                    **{o: counts.get(o, 0) for o in OUTCOMES}}
                   for kind, counts in report.counts.items()],
        "notes": [describe(n) for n in report.notes],
        "problems": [{"file": p.file or "", "row": p.row or "", "column": p.column or "",
                      "text": describe(p)} for p in report.problems],
        "removed": report.removed,
        # Only too many removals: the admin may confirm them.
        "confirmable": bool(report.problems) and {p.code for p in report.problems} <= _REMOVALS
                       and report.problem_count == len(report.problems),
    }


def _page(form, report=None, *, status: int = 200, confirm=None):
    last = undo.last_run(get_session())
    return render_template("exports/import_roster.html", form=form, report=report,
                           confirm=confirm, last=last, undo_form=UndoForm()), status


@bp.route("/roster", methods=["GET", "POST"])
@permission_required("roster.import")
def import_roster():
    """Upload a OneRoster package: it is always checked first and nothing is saved yet."""
    form = RosterUploadForm()
    if not form.validate_on_submit():
        return _page(form, status=400 if request.method == "POST" else 200)
    uploads.discard(uploads.find(session.pop(_STAGED, None)))
    staged = uploads.stage(form.package.data, form.extra.data)
    report = roster_import.run(session=get_session(), path=staged.package, extra=staged.extra,
                               dry_run=True, staff_id=current_user.id)
    view = _report_view(report)
    if report.ok or view["confirmable"]:
        session[_STAGED] = staged.token
        return _page(form, view, confirm=ConfirmForm())
    uploads.discard(staged)
    return _page(form, view, status=400)


@bp.post("/roster/confirm")
@permission_required("roster.import")
def confirm_roster():
    """Import the checked upload for real (with the removals, when the admin said so)."""
    form, upload = ConfirmForm(), RosterUploadForm(formdata=None)
    staged = uploads.find(session.get(_STAGED))
    if not form.validate_on_submit() or staged is None:
        flash(_("That upload is no longer waiting. Please upload the file again."), "error")
        return redirect(url_for(".import_roster"))
    db = get_session()
    report = roster_import.run(session=db, path=staged.package, extra=staged.extra,
                               allow_removals=bool(form.allow_removals.data),
                               staff_id=current_user.id)
    view = _report_view(report)
    if not report.ok:
        return _page(upload, view, status=400, confirm=form if view["confirmable"] else None)
    session.pop(_STAGED, None)
    uploads.discard(staged)
    audit.record(session=db, staff_id=current_user.id, action="roster_import",
                 target_type="district", target_id=current_user.district_id,
                 detail=report.as_dict(), ip=request.remote_addr)
    db.commit()
    return _page(upload, view)


@bp.post("/roster/undo")
@permission_required("roster.import")
def undo_roster():
    """Undo the last saved import: what it removed comes back, what it changed goes back."""
    if not UndoForm().validate_on_submit():
        return redirect(url_for(".import_roster"))
    db = get_session()
    last = undo.last_run(db)
    if last is None:
        flash(_("There is no import to undo."), "error")
        return redirect(url_for(".import_roster"))
    undo.undo(session=db, run=last, staff_id=current_user.id)
    audit.record(session=db, staff_id=current_user.id, action="roster_import_undone",
                 target_type="import_run", target_id=last.id, detail={},
                 ip=request.remote_addr)
    db.commit()
    flash(_("The last import is undone: the roster is as it was before it."), "success")
    return redirect(url_for(".import_roster"))



def _schools() -> list[tuple[str, str]]:
    """The user's schools as (code, name), by name."""
    rows = get_session().exec(select(School.code, School.name).where(
        School.id.in_(list(visible_school_ids()))).order_by(School.name)).all()
    return [(code, name) for code, name in rows]


def _export_form(kind: str, schools: list[tuple[str, str]]) -> ExportForm:
    form = ExportForm(prefix=kind)
    formats = service.KINDS[kind][2]
    form.fmt.choices = [c for c in form.fmt.choices if c.value in formats]
    form.school.choices = [SelectChoice("", _("All my schools")),
                           *(SelectChoice(code, name) for code, name in schools)]
    return form


@bp.get("/")
@permission_required("exports.aggregate")
def index():
    """List the exports this user may take, with a download button each."""
    schools = _schools()
    cards = [{"kind": kind, "title": title, "text": text, "form": _export_form(kind, schools),
              "deidentify": kind == "network"}
             for kind, (title, text, _formats) in service.KINDS.items()
             if current_user.can(service.capability(kind))]
    return render_template("exports/index.html", cards=cards)


@bp.post("/download")
@permission_required("exports.aggregate")
def download():
    """Audit the export, then send it as a file."""
    kind = request.form.get("kind", "")
    if kind not in service.KINDS:
        abort(400)
    if not current_user.can(service.capability(kind)):
        abort(403)
    form = _export_form(kind, _schools())
    if not form.validate_on_submit():
        abort(400)
    db = get_session()
    school = db.exec(select(School).where(School.code == form.school.data)).first() \
        if form.school.data else None
    if school is not None:
        require_school(school.id)
    school_ids = (school.id,) if school else tuple(sorted(visible_school_ids()))
    req = service.ExportRequest(kind=kind, fmt=form.fmt.data,
                                district_id=current_user.district_id, school_ids=school_ids,
                                school_code=school.code if school else None,
                                deidentify=bool(form.deidentify.data) and kind == "network")
    service.record(session=db, req=req, staff_id=current_user.id, ip=request.remote_addr)
    db.commit()
    # Rows go to a temporary file (memory up to 16 MB, then disk), never all into memory.
    buffer = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)
    service.write_export(session=db, req=req, out=buffer)
    buffer.seek(0)
    response = send_file(buffer, mimetype=service.content_type(req), max_age=0)
    response.headers["Content-Disposition"] = safe.attachment(service.filename(req))
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.call_on_close(buffer.close)
    return response
