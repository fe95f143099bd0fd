"""A staff member's own students: the ones they mentor or own a follow-up for.

What a teacher sees of follow-through: each student's name, grade and school,
what the plan asks of them and when it is due. No flags and no reasons — those
stay with the counselor roles (DESIGN.md, Privacy).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from survey_app.models import FollowUp, School, StaffUser, Student
from survey_app.models.enums import FollowUpKind, FollowUpStatus
from survey_app.words.honorifics import staff_name

OPEN = (FollowUpStatus.OPEN, FollowUpStatus.IN_PROGRESS)
WEEK = timedelta(days=7)


@dataclass
class Item:
    followup_id: int
    kind: str
    note: str | None
    goal: str | None  # what the plan is for
    due_on: date | None
    overdue: bool
    due_this_week: bool
    mine: bool  # owned by the staff member (they may record progress)
    owner: str | None = None  # whose it is, when not the staff member's own


@dataclass
class MyStudent:
    student_id: int
    name: str
    grade: int
    school_name: str
    mentor: bool
    items: list[Item] = field(default_factory=list)

    @property
    def next_due(self) -> date | None:
        dates = [i.due_on for i in self.items if i.due_on]
        return min(dates) if dates else None


def my_students(*, session: Session, staff_id: int, school_ids, today: date
                ) -> list[MyStudent]:
    """Students ``staff_id`` mentors or owns an open follow-up for, in ``school_ids``;
    the most pressing first (overdue, then by the next date due, then by name)."""
    owner = aliased(StaffUser)
    rows = session.exec(
        select(FollowUp, Student.given_name, Student.preferred_name, Student.family_name,
               Student.grade, School.name, owner)
        .join(Student, Student.id == FollowUp.student_id)
        .join(School, School.id == Student.school_id)
        .outerjoin(owner, owner.id == FollowUp.owner_id)
        .where(Student.school_id.in_(list(school_ids)), Student.active.is_(True),
               Student.deleted_at.is_(None), FollowUp.status.in_(OPEN),
               or_(FollowUp.owner_id == staff_id, FollowUp.mentor_staff_id == staff_id))
        .order_by(FollowUp.due_on, FollowUp.id)).all()
    out: dict[int, MyStudent] = {}
    for followup, given, preferred, family, grade, school, owned_by in rows:
        student = out.get(followup.student_id)
        if student is None:
            name = f"{preferred or given} {family}".strip()
            student = out[followup.student_id] = MyStudent(followup.student_id, name, grade, school, False)
        student.mentor |= followup.kind == FollowUpKind.MENTOR and followup.mentor_staff_id == staff_id
        due = followup.due_on
        student.items.append(Item(
            followup_id=followup.id, kind=followup.kind, note=followup.note,
            goal=followup.goal, due_on=due, overdue=bool(due and due < today),
            due_this_week=bool(due and due < today + WEEK), mine=followup.owner_id == staff_id,
            owner=None if owned_by is None or owned_by.id == staff_id else staff_name(owned_by)))
    return sorted(out.values(), key=lambda s: (
        not any(i.overdue for i in s.items), s.next_due or date.max, s.name.casefold(),
        s.student_id))
