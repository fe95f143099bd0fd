"""School leaders' view of family engagement: the classroom shares per teacher, per grade
and by group across the school, suppressed by the equity view's rules
(:func:`families.published`). Every table counts families (households), not children.

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

from relationships.suppression_alone import suppress_alone
from survey_app.models import (
    Engagement,
    FamilyTrustMark,
    Section,
    SectionStudent,
    SectionTeacher,
    StaffUser,
    Student,
)
from survey_app.services.families import GROUPS, MEASURES, per_family, published, shown


@dataclass(frozen=True)
class SchoolView:
    teachers: dict[str, pd.DataFrame]  # measure → table by "teacher" (staff id; no total row)
    teacher_names: dict[int, str]
    grades: dict[str, pd.DataFrame | None]  # measure → table by "grade" (None: not shown)
    groups: dict[str, dict[str, pd.DataFrame]]  # measure → grouping → table


SCHOOL_GROUPINGS = ("grade", *GROUPS)


def _students(session: Session, school_id: int) -> pd.DataFrame:
    rows = session.exec(select(Student.id, Student.household_id, Student.grade,
                               *(getattr(Student, g) for g in GROUPS)).where(
        Student.school_id == school_id, Student.active.is_(True), Student.deleted_at.is_(None),
        Student.household_id.is_not(None))).all()
    return pd.DataFrame(rows, columns=["student_id", "household_id", "grade", *GROUPS])


def _pairs(session: Session, school_id: int) -> pd.DataFrame:
    rows = session.exec(
        select(SectionTeacher.staff_id, Student.household_id)
        .join(Section, Section.id == SectionTeacher.section_id)
        .join(SectionStudent, SectionStudent.section_id == Section.id)
        .join(Student, Student.id == SectionStudent.student_id)
        .where(Section.school_id == school_id, Section.active.is_(True),
               Student.active.is_(True), Student.deleted_at.is_(None),
               Student.household_id.is_not(None)).distinct()).all()
    return pd.DataFrame(rows, columns=["teacher", "household_id"])


def frames(*, session: Session, school_id: int, wave_id: int | None, since: date
           ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The school's families (one row each: grade and groups as :func:`families.per_family`
    counts them, a two-way positive contact by anyone, a "yes" from anyone) and the
    (teacher, family) pairs of its classes (a contact by that teacher, that teacher's "yes")."""
    students = _students(session, school_id)
    households = [int(h) for h in pd.unique(students["household_id"])]
    contacts = set(session.exec(select(Engagement.staff_id, Engagement.household_id).where(
        Engagement.household_id.in_(households), Engagement.contacted_on >= since,
        Engagement.two_way.is_(True), Engagement.positive.is_(True))).all())
    trusted = set(session.exec(select(FamilyTrustMark.staff_id, FamilyTrustMark.household_id)
                               .where(and_(FamilyTrustMark.household_id.in_(households),
                                           FamilyTrustMark.wave_id == (wave_id or -1),
                                           FamilyTrustMark.trust == "yes"))).all())
    families = per_family(students, SCHOOL_GROUPINGS)
    families["contact"] = families["household_id"].isin({h for _s, h in contacts})
    families["trusted"] = families["household_id"].isin({h for _s, h in trusted})
    pairs = _pairs(session, school_id)
    keys = list(zip(pairs["teacher"], pairs["household_id"], strict=True))
    pairs["contact"] = [k in contacts for k in keys]
    pairs["trusted"] = [k in trusted for k in keys]
    return families, pairs


def teacher_tables(pairs: pd.DataFrame, *, min_n: int) -> dict[str, pd.DataFrame]:
    """measure → one row per teacher: their own families and shares.

    Each teacher's row is a table of its own (:func:`relationships.suppression_alone.
    suppress_alone`, the equity view's rules for a table of one group): its measures (a
    contact by *that* teacher, *their* mark) are no other row's or table's, and a family
    may be in several teachers' classes, so no sum ties a row to another or to a total."""
    data = pairs.assign(teacher=pairs["teacher"].astype(int))
    return suppress_alone(data, measures=MEASURES, by="teacher", min_n=min_n)


def school_tables(families: pd.DataFrame, pairs: pd.DataFrame, *, min_n: int
                  ) -> tuple[dict, dict, dict]:
    """Everything the leaders' page publishes: (per teacher, per grade, by group).

    The school's tables (both measures by grade and by each group) are one set,
    suppressed together; a table none of whose groups shows a share is left out
    (:func:`families.shown`)."""
    tables = published(families, groupings=SCHOOL_GROUPINGS, min_n=min_n)
    school = shown(tables, SCHOOL_GROUPINGS)
    return (teacher_tables(pairs, min_n=min_n),
            {m: school[m].get("grade") for m in MEASURES},
            {m: {by: t for by, t in school[m].items() if by in GROUPS} for m in MEASURES})


def school_view(*, session: Session, school_id: int, wave_id: int | None, min_n: int,
                since: date) -> SchoolView:
    families, pairs = frames(session=session, school_id=school_id, wave_id=wave_id,
                             since=since)
    ids = [int(t) for t in pd.unique(pairs["teacher"])]
    names = {i: f"{given} {family}".strip() for i, given, family in session.exec(
        select(StaffUser.id, StaffUser.given_name, StaffUser.family_name).where(
            StaffUser.id.in_(ids))).all()}
    teachers, grades, groups = school_tables(families, pairs, min_n=min_n)
    return SchoolView(teachers=teachers, teacher_names=names, grades=grades, groups=groups)
