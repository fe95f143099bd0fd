"""School leaders' view of family engagement: the classroom shares per teacher, per grade
and by group across the school, each through :func:`families.suppressed`.

Per teacher the two shares are their own: families of their classes' students with a
two-way positive contact *by that teacher* this school year, and families that teacher
marked as trusted this wave. Per grade and by group they are the school's: a contact by
any staff member, a "yes" from any staff member.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlalchemy import and_
from sqlmodel import Session, select

from survey_app.models import (
    Engagement,
    FamilyTrustMark,
    Section,
    SectionStudent,
    SectionTeacher,
    StaffUser,
    Student,
)
from survey_app.services.families import GROUPS, MEASURES, suppressed, table_safe


@dataclass(frozen=True)
class SchoolView:
    teachers: dict[str, pd.DataFrame]  # measure → table by "teacher" (staff id; no total row)
    teacher_names: dict[int, str]
    grades: dict[str, pd.DataFrame | None]  # measure → table by "grade" (None: unsafe)
    groups: dict[str, dict[str, pd.DataFrame]]  # measure → grouping → table


def _students(session: Session, school_id: int) -> pd.DataFrame:
    rows = session.exec(select(Student.id, Student.household_id, Student.grade,
                               *(getattr(Student, g) for g in GROUPS)).where(
        Student.school_id == school_id, Student.active.is_(True), Student.deleted_at.is_(None),
        Student.household_id.is_not(None))).all()
    return pd.DataFrame(rows, columns=["student_id", "household_id", "grade", *GROUPS])


def _pairs(session: Session, school_id: int) -> pd.DataFrame:
    rows = session.exec(
        select(SectionTeacher.staff_id, Student.id, Student.household_id)
        .join(Section, Section.id == SectionTeacher.section_id)
        .join(SectionStudent, SectionStudent.section_id == Section.id)
        .join(Student, Student.id == SectionStudent.student_id)
        .where(Section.school_id == school_id, Section.active.is_(True),
               Student.active.is_(True), Student.deleted_at.is_(None),
               Student.household_id.is_not(None)).distinct()).all()
    return pd.DataFrame(rows, columns=["teacher", "student_id", "household_id"])


def school_view(*, session: Session, school_id: int, wave_id: int | None, min_n: int,
                since: date) -> SchoolView:
    students = _students(session, school_id)
    households = [int(h) for h in students["household_id"].unique()]
    contacts = set(session.exec(select(Engagement.staff_id, Engagement.household_id).where(
        Engagement.household_id.in_(households), Engagement.contacted_on >= since,
        Engagement.two_way.is_(True), Engagement.positive.is_(True))).all())
    trusted = set(session.exec(select(FamilyTrustMark.staff_id, FamilyTrustMark.household_id)
                               .where(and_(FamilyTrustMark.household_id.in_(households),
                                           FamilyTrustMark.wave_id == (wave_id or -1),
                                           FamilyTrustMark.trust == "yes"))).all())
    students["contact"] = students["household_id"].isin({h for _s, h in contacts})
    students["trusted"] = students["household_id"].isin({h for _s, h in trusted})
    pairs = _pairs(session, school_id)
    keys = list(zip(pairs["teacher"], pairs["household_id"], strict=True))
    pairs["contact"] = [k in contacts for k in keys]
    pairs["trusted"] = [k in trusted for k in keys]
    names = dict(session.exec(select(StaffUser.id, StaffUser.given_name).where(
        StaffUser.id.in_([int(t) for t in pairs["teacher"].unique()]))).all())
    full = {i: n for i, n in session.exec(select(StaffUser.id, StaffUser.family_name).where(
        StaffUser.id.in_(list(names)))).all()}
    teacher_names = {i: f"{names[i]} {full.get(i, '')}".strip() for i in names}
    shown = {m: {by: t for by in ("grade", *GROUPS)
                 if table_safe(t := suppressed(students, by=by, measure=m, min_n=min_n), min_n)}
             for m in MEASURES}
    return SchoolView(
        teachers={m: suppressed(pairs, by="teacher", measure=m, min_n=min_n).iloc[:-1]
                  for m in MEASURES},
        teacher_names=teacher_names,
        grades={m: tables.get("grade") for m, tables in shown.items()},
        groups={m: {g: t for g, t in tables.items() if g != "grade"}
                for m, tables in shown.items()})
