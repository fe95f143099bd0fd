"""The roster import pages: upload → check and differences → confirm (or undo the last one)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField

from survey_app.auth import permission_required
from survey_app.db import get_session
from survey_app.exports import roster_import, undo, uploads
from survey_app.exports.forms import RosterUploadForm
from survey_app.exports.report import ImportReport, describe
from survey_app.exports.views import bp
from survey_app.services import audit

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
