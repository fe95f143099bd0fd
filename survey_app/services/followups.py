"""Follow-ups: create from a flag or a family's request, update, assign a mentor, check in.

Assigning a mentor books two check-ins (after 4 weeks and after 2 months).
Whether the student gained reliable adults is read from the waves after the
follow-up was opened. Functions flush; the view commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from dateutil.relativedelta import relativedelta
from sqlalchemy import or_, select
from sqlmodel import Session

from relationships import suggest_mentors
from survey_app.models import CounselorSchool, FollowUp, StaffUser, Student, SurveyWave
from survey_app.models.base import utcnow
from survey_app.models.enums import FollowUpKind, FollowUpStatus, Role

CHECK_INS = (timedelta(weeks=4), relativedelta(months=2))
CLOSED = (FollowUpStatus.DONE, FollowUpStatus.CANCELLED)


class FollowUpError(ValueError):
    """A follow-up request the rules refuse (shown to the user on the form)."""


@dataclass
class FollowUpView:
    row: FollowUp
    owner: str | None
    mentor: str | None
    overdue: bool
    before: int | None  # reliable adults in the wave the follow-up was opened
    after: int | None  # ... in the latest later wave, if any
    after_wave: int | None


def owners(*, session: Session, school_id: int, include_id: int) -> list[tuple[int, str]]:
    """Counselors of the school (and the signed-in user) who can own a follow-up."""
    serving = select(CounselorSchool.staff_id).where(CounselorSchool.school_id == school_id)
    rows = session.exec(select(StaffUser).where(
        StaffUser.active.is_(True),
        or_(StaffUser.id == include_id,
            (StaffUser.role == Role.COUNSELOR) & StaffUser.id.in_(serving)))).scalars()
    return sorted(((u.id, u.display_name) for u in rows), key=lambda p: p[1].casefold())


def create(*, session: Session, student: Student, created_by_id: int, owner_id: int | None,
           note: str, due_on: date | None, flag_code: str | None = None,
           help_type: str | None = None) -> FollowUp:
    """Open a follow-up from a flag (``flag_code``) or a family's request (``help_type``)."""
    kind = FollowUpKind.HELP_REQUEST if help_type else (
        FollowUpKind.FLAG if flag_code else FollowUpKind.OTHER)
    row = FollowUp(student_id=student.id, kind=kind, flag_code=flag_code or None,
                   help_type=help_type or None, created_by_id=created_by_id,
                   owner_id=owner_id or created_by_id, note=note.strip(), due_on=due_on)
    session.add(row)
    session.flush()
    return row


def update(*, session: Session, followup: FollowUp, status: str, outcome: str | None) -> FollowUp:
    """Change the status (closing sets ``closed_at``) and record what happened."""
    if status not in {s.value for s in FollowUpStatus}:
        raise FollowUpError(status)
    followup.status = status
    followup.outcome = (outcome or "").strip() or followup.outcome
    followup.updated_at = utcnow()
    followup.closed_at = utcnow() if status in CLOSED else None
    session.add(followup)
    session.flush()
    return followup


def suggestions(tables, student_id: int, *, wave: int, min_reliability: int,
                anchor_minimum: int, loads=None, limit: int = 5) -> list[dict]:
    """Ranked staff who could mentor the student, each with reason codes.

    ``loads``: staff id -> students for whom they are the only reliable school adult,
    counted over the whole school (:func:`school_map.anchor_loads`) when ``tables`` are
    the student's neighbourhood.
    """
    return suggest_mentors(tables, student_id, wave=wave, limit=limit, loads=loads,
                           min_reliability=min_reliability, anchor_minimum=anchor_minimum)


def assign_mentor(*, session: Session, student: Student, staff_id: int, created_by_id: int,
                  allowed: set[int], today: date) -> FollowUp:
    """Make ``staff_id`` the student's mentor (one of the suggestions) and book check-ins."""
    if staff_id not in allowed:
        raise FollowUpError("not a suggested mentor")
    mentor = FollowUp(student_id=student.id, kind=FollowUpKind.MENTOR, mentor_staff_id=staff_id,
                      created_by_id=created_by_id, owner_id=created_by_id,
                      status=FollowUpStatus.IN_PROGRESS, due_on=today + CHECK_INS[0])
    session.add(mentor)
    session.add_all([FollowUp(student_id=student.id, kind=FollowUpKind.CHECK_IN,
                              mentor_staff_id=staff_id, created_by_id=created_by_id,
                              owner_id=created_by_id, due_on=today + step)
                     for step in CHECK_INS])
    session.flush()
    return mentor


def for_student(*, session: Session, student_id: int, district_id: int, history: list[dict],
                today: date) -> list[FollowUpView]:
    """The student's follow-ups, newest first, with owner, overdue and adults gained."""
    rows = session.exec(select(FollowUp).where(FollowUp.student_id == student_id)
                        .order_by(FollowUp.created_at.desc(), FollowUp.id.desc())).scalars().all()
    people = {u.id: u.display_name for u in session.exec(select(StaffUser).where(
        StaffUser.id.in_({r.owner_id for r in rows} | {r.mentor_staff_id for r in rows})))
        .scalars()}
    waves = session.exec(select(SurveyWave.ordinal, SurveyWave.opens_on).where(
        SurveyWave.district_id == district_id).order_by(SurveyWave.ordinal)).all()
    counts = {h["wave"]: h["reliable"] for h in history}
    return [_view(r, people, waves, counts, today) for r in rows]


def _wave_at(waves, when: datetime) -> int | None:
    opened = [o for o, opens in waves if opens is None or opens <= when.date()]
    return max(opened) if opened else None


def _view(row: FollowUp, people, waves, counts, today) -> FollowUpView:
    start = _wave_at(waves, row.created_at)
    later = [w for w in counts if start is not None and w > start]
    after_wave = max(later) if later else None
    return FollowUpView(
        row=row, owner=people.get(row.owner_id), mentor=people.get(row.mentor_staff_id),
        overdue=bool(row.due_on and row.due_on < today and row.status not in CLOSED),
        before=counts.get(start) if start is not None else None,
        after=counts.get(after_wave) if after_wave else None, after_wave=after_wave)


def get(*, session: Session, followup_id: int, student_id: int) -> FollowUp | None:
    row = session.get(FollowUp, followup_id)
    return row if row is not None and row.student_id == student_id else None
