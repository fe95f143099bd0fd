"""Roster upload for district admins; exports for counselors and admins."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from survey_app.auth import permission_required
from survey_app.db import get_session
from survey_app.exports.forms import RosterUploadForm
from survey_app.exports.report import ImportReport, describe
from survey_app.exports.uploads import import_uploaded_roster
from survey_app.services import audit

bp = Blueprint("exports", __name__, url_prefix="/exports")

KIND_LABELS = {
    "schools": _l("Schools"), "students": _l("Students"), "staff": _l("Staff"),
    "households": _l("Households"), "parents": _l("Parents and guardians"),
    "classes": _l("Classes"), "class members": _l("Students in classes"),
    "class teachers": _l("Teachers of classes"),
}
OUTCOMES = ("created", "updated", "unchanged", "deleted")


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
    }


@bp.route("/roster", methods=["GET", "POST"])
@permission_required("roster.import")
def import_roster():
    """Upload a OneRoster package and show what the import did."""
    form = RosterUploadForm()
    report = None
    if form.validate_on_submit():
        db = get_session()
        result = import_uploaded_roster(session=db, package=form.package.data,
                                        extra=form.extra.data, dry_run=form.dry_run.data)
        if result.ok and not result.dry_run:
            audit.record(session=db, staff_id=current_user.id, action="roster_import",
                         target_type="district", target_id=current_user.district_id,
                         detail=result.as_dict(), ip=request.remote_addr)
            db.commit()
        else:
            db.rollback()
        report = _report_view(result)
    status = 400 if request.method == "POST" and (report is None or not report["ok"]) else 200
    return render_template("exports/import_roster.html", form=form, report=report), status
