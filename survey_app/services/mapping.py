"""Staff relationship mapping: one page of a school's students with *this* staff member's marks.

A staff member sees names and their own marks only: no flags, no answers, no
other staff member's marks. One query reads a page (rows and the total together).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import and_, or_
from sqlmodel import Session, func, select

from survey_app.models import Section, SectionStudent, SectionTeacher, StaffMark, Student
from survey_app.models.base import utcnow

PAGE_SIZE = 50
MARKS = ("trusting", "may_benefit", "willing_mentor")


@dataclass(frozen=True)
class GridRow:
    student_id: int
    name: str
    grade: int
    trusting: bool
    may_benefit: bool
    willing_mentor: bool


@dataclass(frozen=True)
class GridPage:
    rows: list[GridRow]
    total: int
    page: int
    pages: int


def display_name(given: str, family: str, preferred: str | None) -> str:
    return f"{preferred or given} {family}".strip()


def like_pattern(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def grid_page(*, session: Session, staff_id: int, school_id: int, wave_id: int | None,
              grade: int | None = None, section_id: int | None = None, query: str = "",
              page: int = 1, per_page: int = PAGE_SIZE) -> GridPage:
    """One page of the school's active students, with the staff member's marks in ``wave_id``."""
    total_col = func.count().over().label("total")
    stmt = (
        select(Student.id, Student.given_name, Student.family_name, Student.preferred_name,
               Student.grade, StaffMark.trusting, StaffMark.may_benefit,
               StaffMark.willing_mentor, total_col)
        .outerjoin(StaffMark, and_(StaffMark.student_id == Student.id,
                                   StaffMark.staff_id == staff_id,
                                   StaffMark.wave_id == (wave_id or -1)))
        .where(Student.school_id == school_id, Student.active.is_(True),
               Student.deleted_at.is_(None))
    )
    if grade is not None:
        stmt = stmt.where(Student.grade == grade)
    if section_id is not None:
        stmt = stmt.where(Student.id.in_(
            select(SectionStudent.student_id).where(SectionStudent.section_id == section_id)))
    for word in query.split()[:4]:
        pattern = like_pattern(word)
        stmt = stmt.where(or_(*(func.lower(col).like(pattern, escape="\\") for col in (
            Student.given_name, Student.family_name, Student.preferred_name))))
    page = max(page, 1)
    stmt = stmt.order_by(Student.family_name, Student.given_name, Student.id)
    result = session.exec(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    if not result and page > 1:
        return grid_page(session=session, staff_id=staff_id, school_id=school_id,
                         wave_id=wave_id, grade=grade, section_id=section_id, query=query,
                         page=1, per_page=per_page)
    total = result[0].total if result else 0
    rows = [GridRow(r.id, display_name(r.given_name, r.family_name, r.preferred_name), r.grade,
                    bool(r.trusting), bool(r.may_benefit), bool(r.willing_mentor))
            for r in result]
    return GridPage(rows=rows, total=total, page=page, pages=max(1, -(-total // per_page)))


def grades(*, session: Session, school_id: int) -> list[int]:
    return list(session.exec(
        select(Student.grade).where(Student.school_id == school_id, Student.active.is_(True),
                                    Student.grade.is_not(None))
        .distinct().order_by(Student.grade)))


def sections(*, session: Session, school_id: int, staff_id: int) -> list[tuple[int, str, bool]]:
    """The school's classes as (id, title, taught by this staff member), theirs first."""
    mine = select(SectionTeacher.section_id).where(SectionTeacher.staff_id == staff_id)
    rows = session.exec(
        select(Section.id, Section.title, Section.id.in_(mine))
        .where(Section.school_id == school_id, Section.active.is_(True))
        .order_by(Section.title)).all()
    return sorted(((sid, title, bool(own)) for sid, title, own in rows),
                  key=lambda r: (not r[2], r[1]))


def save_marks(*, session: Session, staff_id: int, wave_id: int, school_ids: Iterable[int],
               marks: Mapping[int, Mapping[str, bool]]) -> int:
    """Set this staff member's marks for each student in ``marks``; return how many were saved.

    Idempotent: the same marks saved twice leave one row with the same values. Students
    outside ``school_ids`` are ignored (the view answers 404 before that for a single one).
    No row is created for a student with no mark at all.
    """
    ids = list(marks)
    if not ids:
        return 0
    allowed = set(session.exec(select(Student.id).where(
        Student.id.in_(ids), Student.school_id.in_(list(school_ids)))))
    existing = {m.student_id: m for m in session.exec(select(StaffMark).where(
        StaffMark.staff_id == staff_id, StaffMark.wave_id == wave_id,
        StaffMark.student_id.in_(list(allowed))))}
    now, saved = utcnow(), 0
    for student_id in ids:
        if student_id not in allowed:
            continue
        values = {k: bool(marks[student_id].get(k)) for k in MARKS}
        mark = existing.get(student_id)
        if mark is None:
            if not any(values.values()):
                saved += 1  # nothing to store: "no mark" is already the state
                continue
            mark = StaffMark(staff_id=staff_id, student_id=student_id, wave_id=wave_id)
            session.add(mark)
        elif all(getattr(mark, k) == v for k, v in values.items()):
            saved += 1
            continue
        for key, value in values.items():
            setattr(mark, key, value)
        mark.updated_at = now
        saved += 1
    session.flush()
    return saved


def student_in_schools(*, session: Session, student_id: int, school_ids: Iterable[int]) -> bool:
    return session.exec(select(Student.id).where(
        Student.id == student_id, Student.school_id.in_(list(school_ids)),
        Student.active.is_(True))).first() is not None
