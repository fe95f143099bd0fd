"""The caseload taken away: the filtered list as CSV/XLSX, and the staff-meeting sheet.

Both are identifiable student lists, so both are audited before anything is sent.
The download carries the page's filters (its query string) and the same rows in
the same order as the page; the sheet follows Making Caring Common's
relationship-mapping meeting: the students no staff member has marked ✓, one
line each, with room to write the name of the adult who will reach out.
"""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date

from flask import abort, render_template, request, send_file
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from relationships.tiers import TIERS
from survey_app.audited import audited
from survey_app.auth import permission_required, visible_school_ids
from survey_app.counsel.views import _context, _filters, _int_arg, bp, chosen_schools
from survey_app.db import get_session, write_next
from survey_app.exports.csv import write_csv
from survey_app.exports.table import Table, cell
from survey_app.exports.xlsx import write_xlsx
from survey_app.reading import cache, loader
from survey_app.services import audit, caseload
from survey_app.words import labels

HEADER = [_l("Name"), _l("SIS id"), _l("School"), _l("Grade"), _l("Priority"), _l("Reasons"),
          _l("Strengths"), _l("Owner"), _l("Last contact"), _l("Next check-in"),
          _l("Open follow-ups")]
FORMATS = {"csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _audit(action: str, school_ids, detail: dict) -> None:
    db = get_session()
    db.rollback()
    write_next(db)  # wait for the write lock: a deferred upgrade may be refused at once
    audit.record(session=db, staff_id=current_user.id, action=action, target_type="caseload",
                 target_id=",".join(str(s) for s in school_ids),
                 school_id=school_ids[0] if len(school_ids) == 1 else None, detail=detail,
                 ip=request.remote_addr)
    db.commit()


def caseload_table(rows) -> Table:
    """The caseload rows as an export table (every text cell made formula-safe)."""
    tiers = {t: str(labels.TIER_NAMES[t]) for t in TIERS}
    body = [[cell(v) for v in (
        r.name, r.sis_id, r.school_name, labels.grade_name(r.grade), tiers.get(r.tier, ""),
        "\n".join(r.reasons), r.named or r.strengths, r.owner, r.last_contact, r.next_due,
        r.open_followups)] for r in rows]
    return Table("caseload", [str(h) for h in HEADER], body, escaped=True)


@bp.post("/students/download")
@permission_required("exports.identifiable")
@audited.by_view({"POST": "export"}, when="a caseload list is downloaded (before it is sent)")
def download_caseload():
    """The caseload as filtered on the page (query string), all pages, as CSV or XLSX."""
    fmt = request.form.get("fmt", "")
    if fmt not in FORMATS:
        abort(400)
    filters = _filters()
    schools = chosen_schools(filters.school_id)
    _audit("export", schools, {"kind": "caseload", "format": fmt,
                               "filters": {k: v for k, v in vars(filters).items()
                                           if v is not None and k != "page"}})
    page = caseload.caseload_page(session=get_session(), ctx=_context(), school_ids=schools,
                               filters=replace(filters, page=1), today=date.today(),
                               per_page=10**9)  # every row, as the page orders them
    table = caseload_table(page.rows)
    buffer = io.BytesIO()  # one school's list: small
    if fmt == "xlsx":
        write_xlsx([table], buffer)
    else:
        write_csv(table, buffer)
    buffer.seek(0)
    name = f"caseload-{filters.tier or 'all'}-{date.today().isoformat()}.{fmt}"
    response = send_file(buffer, mimetype=FORMATS[fmt], as_attachment=True,
                         download_name=name, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/students/meeting-sheet")
@permission_required("caseload.work")
@audited.by_view({"GET": "print_meeting_sheet"}, when="the sheet is shown")
def meeting_sheet():
    """A printable list of the students no staff member has marked ✓ this wave."""
    school_id = _int_arg("school")
    schools = chosen_schools(school_id)
    grade = _int_arg("grade")
    db, ctx = get_session(), _context()
    names = dict(caseload.school_choices(session=db, school_ids=visible_school_ids()))
    sheets = []
    for sid in schools:
        school = cache.state(session=db, ctx=ctx, school_ids=[sid])
        measures = school.evaluation.measures
        unmarked = set(measures.loc[measures["trusting_marks"] == 0, "student_id"].astype(int))
        people = school.memo("directory", lambda sid=sid: loader.student_directory(
            session=db, school_ids=[sid]))
        rows = people[people["student_id"].isin(unmarked)]
        if grade is not None:
            rows = rows[rows["grade"] == grade]
        rows = rows.sort_values(["grade", "family_name", "given_name", "student_id"])
        sheets.append((names.get(sid, ""), list(rows.itertuples(index=False))))
    _audit("print_meeting_sheet", schools, {"grade": grade,
                                             "students": sum(len(r) for _n, r in sheets)})
    return render_template("counsel/meeting_sheet.html", sheets=sheets, grade=grade,
                           today=date.today(), title=_("Students no one has marked yet"))
