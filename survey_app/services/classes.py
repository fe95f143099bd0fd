"""A teacher's classes: who is in them, and beside each student what the school knows.

For one class (a OneRoster section) each row puts side by side the latest term's
assignment completion, attendance and grade average (``import-context``), the
household conditions the surveys report (internet, a device, a quiet place, an
adult at home, help with homework and in which language, and whether the family
asked for help with internet or a device), whether the student named the
class's teacher and that teacher's own mark. It returns codes, never sentences:
the blueprint turns them into words.

What a teacher must not see never leaves this module: no free-text answers and
no names of the family's or community adults (those stay with counselors).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import and_, func
from sqlmodel import Session, select

from survey_app.models import (
    Adult,
    Answer,
    ContextMeasure,
    HouseholdCondition,
    Invitation,
    Response,
    School,
    Section,
    SectionStudent,
    SectionTeacher,
    StaffMark,
    Student,
    SupportTie,
    SurveyWave,
)
from survey_app.models.enums import InvitationStatus, SurveyKind, TieSource
from survey_app.services.mapping import display_name

#: Below these the equity view counts a student as low on completion / chronically absent.
LOW_COMPLETION, LOW_ATTENDANCE = 0.80, 0.90
#: The family survey's answers a teacher may see (choices only; never the free text beside).
FAMILY_ITEMS = ("home.homework_help", "home.homework_language", "help.requests")
SORTS = ("priority", "completion", "attendance", "grade", "name")
FILTERS = ("all", "priority", "barrier", "no_data")


@dataclass(frozen=True)
class ClassSummary:
    section_id: int
    title: str
    school_name: str
    students: int
    mine: bool


@dataclass
class ClassRow:
    """One student of the class: measures (None = not known) and codes for what might help."""

    student_id: int
    name: str
    grade: int
    household_id: int | None
    completion: float | None = None
    attendance: float | None = None
    grade_average: float | None = None
    conditions: dict = field(default_factory=dict)  # internet, device, quiet_place, adult_home
    homework_help: str | None = None
    help_language: str | None = None
    asked_for: tuple[str, ...] = ()  # help the family asked for: "internet", "device"
    named_teacher: bool | None = None  # None: no survey from the student this wave
    mark: dict = field(default_factory=dict)  # the teacher's own marks this wave
    barriers: tuple[str, ...] = ()
    tier: int = 3
    no_data: bool = False


def _summaries(session: Session, sections, staff_id: int) -> list[ClassSummary]:
    ids = [s.id for s, _name in sections]
    counts = dict(session.exec(
        select(SectionStudent.section_id, func.count(SectionStudent.id))
        .join(Student, Student.id == SectionStudent.student_id)
        .where(SectionStudent.section_id.in_(ids), Student.active.is_(True),
               Student.deleted_at.is_(None))
        .group_by(SectionStudent.section_id)).all()) if ids else {}
    mine = set(session.exec(select(SectionTeacher.section_id).where(
        SectionTeacher.staff_id == staff_id, SectionTeacher.section_id.in_(ids)))) if ids else set()
    return [ClassSummary(s.id, s.title, name, counts.get(s.id, 0), s.id in mine)
            for s, name in sections]


def list_classes(*, session: Session, staff_id: int, school_ids: Iterable[int] | None,
                 visible: Iterable[int] = ()) -> list[ClassSummary]:
    """The classes ``staff_id`` teaches in their schools (``visible``); with ``school_ids``
    (counselors, admins) every active class of those schools, the user's own first."""
    stmt = (select(Section, School.name).join(School, School.id == Section.school_id)
            .where(Section.active.is_(True)))
    if school_ids is None:
        stmt = stmt.where(Section.id.in_(
            select(SectionTeacher.section_id).where(SectionTeacher.staff_id == staff_id)),
            Section.school_id.in_(list(visible)))
    else:
        stmt = stmt.where(Section.school_id.in_(list(school_ids)))
    rows = session.exec(stmt.order_by(School.name, Section.title, Section.id)).all()
    out = _summaries(session, rows, staff_id)
    return sorted(out, key=lambda c: not c.mine)


def find_class(*, session: Session, section_id: int, staff_id: int,
               school_ids: Iterable[int] | None, visible: Iterable[int] = ()
               ) -> Section | None:
    """The class if the user may open it: one they teach in one of their schools
    (``visible``), or (``school_ids`` given, for counselors and admins) any class of those
    schools. None otherwise (the view 404s)."""
    section = session.get(Section, section_id)
    if section is None or not section.active:
        return None
    if school_ids is None and section.school_id not in set(visible):
        return None  # the roster may say so, but it is not the user's school
    if school_ids is not None and section.school_id in set(school_ids):
        return section
    teaches = session.exec(select(SectionTeacher.id).where(
        SectionTeacher.section_id == section_id, SectionTeacher.staff_id == staff_id)).first()
    return section if teaches is not None else None


def class_teacher(*, session: Session, section_id: int, staff_id: int) -> int | None:
    """Whose marks and naming the rows show: the user when they teach the class, else its
    first teacher."""
    ids = list(session.exec(select(SectionTeacher.staff_id).where(
        SectionTeacher.section_id == section_id).order_by(SectionTeacher.staff_id)))
    return staff_id if staff_id in ids else (ids[0] if ids else None)


def student_ids(*, session: Session, section_ids: Iterable[int]) -> list[int]:
    """Active students of the sections (a teacher reaches exactly these)."""
    return list(session.exec(
        select(Student.id).join(SectionStudent, SectionStudent.student_id == Student.id)
        .where(SectionStudent.section_id.in_(list(section_ids)), Student.active.is_(True),
               Student.deleted_at.is_(None)).distinct()))


def household_ids(*, session: Session, student_ids: list[int]) -> set[int]:
    return set(session.exec(select(Student.household_id).where(
        Student.id.in_(student_ids), Student.household_id.is_not(None))))


def class_rows(*, session: Session, section_id: int, teacher_id: int | None,
               wave_id: int | None) -> list[ClassRow]:
    """Every active student of the class with the facts beside them (see the module doc)."""
    students = session.exec(
        select(Student).join(SectionStudent, SectionStudent.student_id == Student.id)
        .where(SectionStudent.section_id == section_id, Student.active.is_(True),
               Student.deleted_at.is_(None))
        .order_by(Student.family_name, Student.given_name, Student.id)).all()
    rows = {s.id: ClassRow(s.id, display_name(s.given_name, s.family_name, s.preferred_name),
                           s.grade, s.household_id) for s in students}
    if not rows:
        return []
    ids, households = list(rows), {s.household_id for s in students if s.household_id}
    _add_context(session, rows, ids)
    _add_conditions(session, rows, ids, households)
    _add_family_answers(session, rows, households)
    if teacher_id is not None and wave_id is not None:
        _add_teacher(session, rows, ids, teacher_id, wave_id)
    for row in rows.values():
        _classify(row)
    return list(rows.values())


def _add_context(session: Session, rows: dict, ids: list[int]) -> None:
    """The latest term of these students: the one first imported most recently (term labels
    such as ``2025-fall`` do not sort by time), as the equity view reads it."""
    term = session.exec(
        select(ContextMeasure.term).where(ContextMeasure.student_id.in_(ids))
        .group_by(ContextMeasure.term)
        .order_by(func.min(ContextMeasure.imported_at).desc(), ContextMeasure.term.desc())
        .limit(1)).first()
    if term is None:
        return
    for m in session.exec(select(ContextMeasure).where(ContextMeasure.term == term,
                                                       ContextMeasure.student_id.in_(ids))):
        row = rows[m.student_id]
        row.completion, row.attendance = m.assignment_completion, m.attendance_rate
        row.grade_average = m.grade_average


_CONDITIONS = ("internet", "device_own", "device_shared", "device_phone", "device_none",
               "quiet_place", "adult_home")


def _add_conditions(session: Session, rows: dict, ids: list[int], households: set) -> None:
    """Newest wave first; within a wave the student's own answer before the family's."""
    hc = HouseholdCondition
    found = session.exec(
        select(hc, SurveyWave.ordinal).join(SurveyWave, SurveyWave.id == hc.wave_id)
        .where(((hc.source == SurveyKind.STUDENT) & hc.student_id.in_(ids))
               | ((hc.source == SurveyKind.FAMILY) & hc.household_id.in_(list(households))))
    ).all()
    found = sorted(found, key=lambda r: (-r[1], r[0].source != SurveyKind.STUDENT,
                                         -r[0].response_id))
    by_household: dict[int, list[int]] = {}
    for row in rows.values():
        if row.household_id:
            by_household.setdefault(row.household_id, []).append(row.student_id)
    for cond, _ordinal in found:
        targets = ([cond.student_id] if cond.source == SurveyKind.STUDENT
                   else by_household.get(cond.household_id, []))
        for sid in targets:
            known = rows[sid].conditions
            for column in _CONDITIONS:
                value = getattr(cond, column)
                if value is not None and column not in known:
                    known[column] = value


def _add_family_answers(session: Session, rows: dict, households: set) -> None:
    if not households:
        return
    found = session.exec(
        select(Invitation.household_id, Answer.item_id, Answer.value, SurveyWave.ordinal)
        .join(Response, Response.id == Answer.response_id)
        .join(Invitation, Invitation.id == Response.invitation_id)
        .join(SurveyWave, SurveyWave.id == Invitation.wave_id)
        .where(Invitation.kind == SurveyKind.FAMILY,
               Invitation.household_id.in_(list(households)),
               Answer.current.is_(True), Answer.item_id.in_(FAMILY_ITEMS))
        .order_by(SurveyWave.ordinal.desc(), Answer.response_id.desc())).all()
    latest: dict[tuple[int, str], object] = {}
    for household_id, item, value, _ordinal in found:
        latest.setdefault((household_id, item), value)
    for row in rows.values():
        helps = latest.get((row.household_id, "home.homework_help"))
        row.homework_help = helps if helps in ("yes", "sometimes", "no") else None
        language = latest.get((row.household_id, "home.homework_language"))
        row.help_language = language if isinstance(language, str) and language.isascii() \
            and len(language) <= 16 and language != "prefer_not" else None
        asked = latest.get((row.household_id, "help.requests"))
        row.asked_for = tuple(k for k in ("internet", "device")
                              if isinstance(asked, list) and k in asked)


def _add_teacher(session: Session, rows: dict, ids: list[int], teacher_id: int,
                 wave_id: int) -> None:
    answered = set(session.exec(select(Invitation.student_id).where(
        Invitation.wave_id == wave_id, Invitation.kind == SurveyKind.STUDENT,
        Invitation.status == InvitationStatus.SUBMITTED, Invitation.student_id.in_(ids))))
    named = set(session.exec(
        select(SupportTie.student_id).join(Adult, Adult.id == SupportTie.adult_id)
        .where(SupportTie.student_id.in_(ids), SupportTie.wave_id == wave_id,
               SupportTie.source == TieSource.STUDENT_SURVEY, Adult.staff_id == teacher_id)))
    marks = session.exec(select(StaffMark).where(
        and_(StaffMark.staff_id == teacher_id, StaffMark.wave_id == wave_id,
             StaffMark.student_id.in_(ids)))).all()
    for sid, row in rows.items():
        row.named_teacher = True if sid in named else (False if sid in answered else None)
    for m in marks:
        rows[m.student_id].mark = {"trusting": m.trusting, "may_benefit": m.may_benefit,
                                   "willing_mentor": m.willing_mentor}


def _classify(row: ClassRow) -> None:
    """Access barriers (as the ``access_barrier`` flag reads them) and the sorting tier:
    0 low completion beside a barrier, 1 low completion, 2 a barrier, 3 the rest, 4 no data."""
    c = row.conditions
    barriers = []
    if c.get("internet") == "none":
        barriers.append("no_internet")
    elif c.get("internet") == "phone_only":
        barriers.append("phone_only")
    elif c.get("internet") == "unreliable":
        barriers.append("unreliable_internet")
    if c.get("device_none") or (c.get("device_phone") and not c.get("device_own")
                                and not c.get("device_shared")):
        barriers.append("no_device")
    row.barriers = tuple(barriers)
    low = row.completion is not None and row.completion < LOW_COMPLETION
    access = any(b in ("no_internet", "phone_only", "no_device") for b in barriers)
    row.no_data = (row.completion is None and row.attendance is None and not c
                   and row.homework_help is None and row.named_teacher is None and not row.mark)
    row.tier = 4 if row.no_data else 0 if low and access else 1 if low else 2 if access else 3


def _last(value: float | None, reverse: bool = False) -> tuple:
    return (value is None, -(value or 0) if reverse else (value or 0))


def sort_and_filter(rows: list[ClassRow], *, sort: str = "priority", keep: str = "all"
                    ) -> list[ClassRow]:
    """Order the rows (unknown values last) and keep those the filter asks for."""
    keys = {
        "priority": lambda r: (r.tier, *_last(r.completion), r.name),
        "completion": lambda r: (*_last(r.completion), r.name),
        "attendance": lambda r: (*_last(r.attendance), r.name),
        "grade": lambda r: (*_last(r.grade_average), r.name),
        "name": lambda r: r.name.lower(),
    }
    tests = {"all": lambda r: True, "priority": lambda r: r.tier == 0,
             "barrier": lambda r: bool(r.barriers), "no_data": lambda r: r.no_data}
    return sorted((r for r in rows if tests[keep](r)), key=keys[sort])
