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
from survey_app.models import (
    CounselorSchool,
    FollowUp,
    FollowUpNote,
    StaffUser,
    Student,
    SurveyWave,
)
from survey_app.models.base import utcnow
from survey_app.models.enums import CheckInFrequency, FollowUpKind, FollowUpStatus, Role

CHECK_INS = (timedelta(weeks=4), relativedelta(months=2))
#: How far a check-in moves a plan's next due date.
STEPS = {CheckInFrequency.WEEKLY: timedelta(weeks=1),
         CheckInFrequency.TWO_WEEKS: timedelta(weeks=2),
         CheckInFrequency.MONTHLY: relativedelta(months=1)}
#: Plan types a counselor picks (help requests carry their help type; mentors come from
#: the suggestions).
PLAN_KINDS = (FollowUpKind.CHECK_IN, FollowUpKind.REFERRAL, FollowUpKind.OTHER)
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
    notes: list = None  # (date, author, text) of its progress notes, oldest first


def owners(*, session: Session, school_id: int, include_id: int) -> list[tuple[int, str]]:
    """Who can own a plan: every active staff member of the school (teachers included),
    its counselors, and the signed-in user."""
    serving = select(CounselorSchool.staff_id).where(CounselorSchool.school_id == school_id)
    rows = session.exec(select(StaffUser).where(
        StaffUser.active.is_(True),
        or_(StaffUser.id == include_id, StaffUser.school_id == school_id,
            (StaffUser.role == Role.COUNSELOR) & StaffUser.id.in_(serving)))).scalars()
    return sorted(((u.id, u.display_name) for u in rows), key=lambda p: p[1].casefold())


def create(*, session: Session, student: Student, created_by_id: int, owner_id: int | None,
           note: str, due_on: date | None, flag_code: str | None = None,
           help_type: str | None = None, kind: str | None = None, goal: str | None = None,
           frequency: str | None = None) -> FollowUp:
    """Open a plan: from a flag (``flag_code``), a family's request (``help_type``) or of a
    ``kind`` (:data:`PLAN_KINDS`), with a goal and a check-in frequency if given."""
    if frequency and frequency not in STEPS:
        raise FollowUpError(frequency)
    if kind is not None and kind not in PLAN_KINDS:
        raise FollowUpError(kind)
    kind = FollowUpKind.HELP_REQUEST if help_type else (
        kind or (FollowUpKind.FLAG if flag_code else FollowUpKind.OTHER))
    row = FollowUp(student_id=student.id, kind=kind, flag_code=flag_code or None,
                   help_type=help_type or None, created_by_id=created_by_id,
                   owner_id=owner_id or created_by_id, note=note.strip(), due_on=due_on,
                   goal=(goal or "").strip() or None, frequency=frequency or None)
    session.add(row)
    session.flush()
    return row


def update(*, session: Session, followup: FollowUp, status: str, outcome: str | None,
           progress: str | None = None, staff_id: int | None = None,
           today: date | None = None) -> FollowUp:
    """Change the status (closing sets ``closed_at``), record what happened, and add a
    progress note; a note on an open plan with a check-in frequency books the next
    check-in (its due date moves on from ``today`` by the frequency)."""
    if status not in {s.value for s in FollowUpStatus}:
        raise FollowUpError(status)
    followup.status = status
    followup.outcome = (outcome or "").strip() or followup.outcome
    followup.updated_at = utcnow()
    followup.closed_at = utcnow() if status in CLOSED else None
    text = (progress or "").strip()
    if text:
        session.add(FollowUpNote(follow_up_id=followup.id, staff_id=staff_id, note=text))
        if followup.frequency in STEPS and status not in CLOSED:
            followup.due_on = (today or date.today()) + STEPS[followup.frequency]
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
                  allowed: set[int], today: date, goal: str | None = None) -> FollowUp:
    """Make ``staff_id`` the student's mentor (one of the suggestions): a mentor plan (every
    two weeks, with ``goal``) and its check-ins with the counselor booked, in one step."""
    if staff_id not in allowed:
        raise FollowUpError("not a suggested mentor")
    mentor = FollowUp(student_id=student.id, kind=FollowUpKind.MENTOR, mentor_staff_id=staff_id,
                      created_by_id=created_by_id, owner_id=created_by_id,
                      status=FollowUpStatus.IN_PROGRESS, due_on=today + CHECK_INS[0],
                      goal=goal, frequency=CheckInFrequency.TWO_WEEKS)
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
    notes = session.exec(select(FollowUpNote).where(
        FollowUpNote.follow_up_id.in_([r.id for r in rows]))
        .order_by(FollowUpNote.created_at, FollowUpNote.id)).scalars().all() if rows else []
    people = {u.id: u.display_name for u in session.exec(select(StaffUser).where(
        StaffUser.id.in_({r.owner_id for r in rows} | {r.mentor_staff_id for r in rows}
                         | {n.staff_id for n in notes})))
        .scalars()}
    waves = session.exec(select(SurveyWave.ordinal, SurveyWave.opens_on).where(
        SurveyWave.district_id == district_id).order_by(SurveyWave.ordinal)).all()
    counts = {h["wave"]: h["reliable"] for h in history}
    by_plan: dict[int, list] = {}
    for n in notes:
        by_plan.setdefault(n.follow_up_id, []).append(
            (n.created_at.date(), people.get(n.staff_id), n.note))
    views = [_view(r, people, waves, counts, today) for r in rows]
    for v in views:
        v.notes = by_plan.get(v.row.id, [])
    # What is due first: open plans by their next date, then the closed ones, newest first.
    return sorted(views, key=lambda v: (v.row.status in CLOSED,
                                        v.row.due_on or date.max if v.row.status not in CLOSED
                                        else date.max))


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
