"""The ``flagged`` export: students to connect with, their reasons in words, and follow-ups.

Rows come from :mod:`survey_app.services.caseload` (the counselor's list, with
sentences from :mod:`survey_app.counsel.reasons` in the current locale); this
module adds only identifiers and the follow-up owner, then streams the table.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlmodel import Session

from survey_app.exports.table import Table
from survey_app.models import FollowUp, StaffUser, Student
from survey_app.models.enums import FollowUpStatus
from survey_app.services import caseload, records

__all__ = ["HEADER", "flagged_table"]

HEADER = [_l("SIS id"), _l("sourcedId"), _l("Name"), _l("School"), _l("Grade"),
          _l("Preferred language"), _l("Flag codes"), _l("Reasons"), _l("Strengths"),
          _l("Adults they can count on"), _l("Open follow-ups"), _l("Follow-up owner"),
          _l("Follow-up status"), _l("Next due date")]
_OPEN = (FollowUpStatus.OPEN, FollowUpStatus.IN_PROGRESS)
STATUS_NAMES = {FollowUpStatus.OPEN: _l("Open"), FollowUpStatus.IN_PROGRESS: _l("In progress")}
_CHUNK = 900


def flagged_table(*, session: Session, district_id: int, school_ids, today: date) -> Table:
    """Every flagged student of ``school_ids``, sorted as the caseload sorts them."""
    ctx = records.context(session=session, district_id=district_id, today=today)
    rows, _no_data = caseload.caseload_rows(session=session, ctx=ctx, school_ids=school_ids,
                                            filters=caseload.Filters(), today=today)
    return Table("flagged", [str(h) for h in HEADER], _rows(session, rows))


def _rows(session: Session, rows: list[caseload.CaseloadRow]) -> Iterator[list]:
    for start in range(0, len(rows), _CHUNK):
        part = rows[start:start + _CHUNK]
        ids = [r.student_id for r in part]
        people = {sid: (sourced, lang) for sid, sourced, lang in session.execute(
            select(Student.id, Student.sourced_id, Student.preferred_language)
            .where(Student.id.in_(ids)))}
        owners = _owners(session, ids)
        for row in part:
            sourced, lang = people.get(row.student_id, (None, None))
            owner, status = owners.get(row.student_id, (None, None))
            yield [row.sis_id, sourced, row.name, row.school_name, row.grade, lang,
                   "; ".join(row.codes), "\n".join(row.reasons), row.strengths, row.reliable,
                   row.open_followups, owner,
                   str(STATUS_NAMES.get(status, status)) if status else None,
                   row.next_due]


def _owners(session: Session, student_ids: list[int]) -> dict[int, tuple[str | None, str]]:
    """The newest open follow-up of each student: its owner's name and its status."""
    found: dict[int, tuple[str | None, str]] = {}
    query = (select(FollowUp.student_id, FollowUp.status, StaffUser.given_name,
                    StaffUser.family_name)
             .outerjoin(StaffUser, StaffUser.id == FollowUp.owner_id)
             .where(FollowUp.student_id.in_(student_ids), FollowUp.status.in_(_OPEN))
             .order_by(FollowUp.student_id, FollowUp.created_at.desc(), FollowUp.id.desc()))
    for student_id, status, given, family in session.execute(query):
        if student_id not in found:
            name = f"{given or ''} {family or ''}".strip() or None
            found[student_id] = (name, status)
    return found
