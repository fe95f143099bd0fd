"""Roster upload for district admins; exports for counselors and admins (analysts: aggregates)."""

from __future__ import annotations

import tempfile

from flask import Blueprint, abort, render_template, request, send_file
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlmodel import select
from wtforms import SelectChoice

from survey_app.auth import permission_required, require_school, visible_school_ids
from survey_app.db import get_session
from survey_app.exports import service
from survey_app.exports.forms import ExportForm, RosterUploadForm
from survey_app.imports.report import ImportReport, describe
from survey_app.imports.uploads import import_uploaded_roster
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
    response = send_file(buffer, mimetype=service.content_type(req), as_attachment=True,
                         download_name=service.filename(req), max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.call_on_close(buffer.close)
    return response
