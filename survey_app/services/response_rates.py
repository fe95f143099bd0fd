"""Response tracking: who answered the student and family surveys of a wave.

Non-response is itself an equity signal: rates are broken down by school, grade,
language and group. Group cells below ``min_n`` are suppressed, with a second cell
suppressed when one hidden cell could be recovered from the total by subtraction.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlmodel import Session, select

from survey_app.models import Household, Invitation, School, Student
from survey_app.models.enums import InvitationStatus, SurveyKind
from survey_app.services.mapping import display_name

#: Group breakdowns of the student survey (column, how a value is shown as a key).
GROUPS = ("race_ethnicity", "gender", "english_learner", "econ_disadvantaged", "disability")


@dataclass(frozen=True)
class Cell:
    key: object
    total: int
    responded: int
    suppressed: bool = False

    @property
    def rate(self) -> float | None:
        if self.suppressed or not self.total:
            return None
        return self.responded / self.total


@dataclass(frozen=True)
class StudentRow:
    id: int
    school_id: int
    grade: int
    language: str
    household_id: int | None
    groups: dict
    responded: bool


def _responded_ids(session: Session, wave_id: int, kind: str, column) -> set[int]:
    return set(session.exec(select(column).where(
        Invitation.wave_id == wave_id, Invitation.kind == kind, column.is_not(None),
        (Invitation.status == InvitationStatus.SUBMITTED) | Invitation.submitted_at.is_not(None))))


def student_rows(*, session: Session, wave_id: int, school_ids: Iterable[int]
                 ) -> list[StudentRow]:
    """Every active student of ``school_ids`` with whether they submitted the wave's survey."""
    done = _responded_ids(session, wave_id, SurveyKind.STUDENT, Invitation.student_id)
    rows = session.exec(select(
        Student.id, Student.school_id, Student.grade, Student.preferred_language,
        Student.household_id, *(getattr(Student, g) for g in GROUPS)).where(
        Student.school_id.in_(list(school_ids)), Student.active.is_(True),
        Student.deleted_at.is_(None))).all()
    return [StudentRow(r[0], r[1], r[2], r[3], r[4], dict(zip(GROUPS, r[5:], strict=True)),
                       r[0] in done) for r in rows]


def family_rows(*, session: Session, wave_id: int, students: list[StudentRow]
                ) -> list[tuple[int, set[int], str, bool]]:
    """Households of ``students`` as (id, their schools, language, submitted)."""
    done = _responded_ids(session, wave_id, SurveyKind.FAMILY, Invitation.household_id)
    schools: dict[int, set[int]] = {}
    for s in students:
        if s.household_id is not None:
            schools.setdefault(s.household_id, set()).add(s.school_id)
    langs = dict(session.exec(select(Household.id, Household.language)
                              .where(Household.id.in_(list(schools)))).all()) if schools else {}
    return [(hid, sch, langs.get(hid, ""), hid in done) for hid, sch in schools.items()]


def breakdown(items: Iterable, key: Callable, responded: Callable, *, min_n: int = 0
              ) -> list[Cell]:
    """Rates per key, sorted by key; with ``min_n``, small cells (and a complement) hidden."""
    totals, yes = Counter(), Counter()
    for item in items:
        keys = key(item)
        for k in keys if isinstance(keys, set) else (keys,):
            totals[k] += 1
            yes[k] += bool(responded(item))
    cells = [Cell(k, totals[k], yes[k]) for k in sorted(totals, key=_order)]
    return suppress(cells, min_n) if min_n else cells


def _order(key) -> tuple:
    """Numbers in numeric order (grade 2 before grade 10), then text, then "not recorded"."""
    if key is None:
        return (2, 0, "")
    if isinstance(key, int | float):
        return (0, key, "")
    return (1, 0, str(key))


def suppress(cells: list[Cell], min_n: int) -> list[Cell]:
    """Hide cells with fewer than ``min_n``; if exactly one is hidden, hide the next smallest too."""
    hidden = {i for i, c in enumerate(cells) if c.total < min_n}
    if len(hidden) == 1 and len(cells) > 1:
        rest = sorted((c.total, i) for i, c in enumerate(cells) if i not in hidden)
        hidden.add(rest[0][1])
    return [Cell(c.key, 0, 0, True) if i in hidden else c for i, c in enumerate(cells)]


def overall(items: list, responded: Callable) -> Cell:
    return Cell(None, len(items), sum(bool(responded(i)) for i in items))


def nonrespondents(*, session: Session, wave_id: int, school_ids: Iterable[int],
                   grade: int | None = None, limit: int = 200, offset: int = 0
                   ) -> tuple[list[tuple[str, int, str, str]], int]:
    """Students who have not submitted the wave's survey: (name, grade, school, language)."""
    done = select(Invitation.student_id).where(
        Invitation.wave_id == wave_id, Invitation.kind == SurveyKind.STUDENT,
        Invitation.student_id.is_not(None),
        (Invitation.status == InvitationStatus.SUBMITTED) | Invitation.submitted_at.is_not(None))
    stmt = (select(Student.given_name, Student.family_name, Student.preferred_name, Student.grade,
                   School.name, Student.preferred_language)
            .join(School, School.id == Student.school_id)
            .where(Student.school_id.in_(list(school_ids)), Student.active.is_(True),
                   Student.deleted_at.is_(None), Student.id.not_in(done)))
    if grade is not None:
        stmt = stmt.where(Student.grade == grade)
    rows = session.exec(stmt.order_by(School.name, Student.grade, Student.family_name,
                                      Student.given_name)).all()
    page = [(display_name(g, f, p), gr, school, lang)
            for g, f, p, gr, school, lang in rows[offset:offset + limit]]
    return page, len(rows)


def report(*, session: Session, wave_id: int, school_ids: Iterable[int], min_n: int,
           suppress_all: bool = False) -> dict:
    """Every breakdown of the page. Group cells are always suppressed below ``min_n``;
    with ``suppress_all`` (analysts) school, grade and language cells are too."""
    students = student_rows(session=session, wave_id=wave_id, school_ids=school_ids)
    families = family_rows(session=session, wave_id=wave_id, students=students)
    small = min_n if suppress_all else 0
    done = lambda s: s.responded  # noqa: E731
    fam_done = lambda f: f[3]  # noqa: E731
    return {
        "student": {
            "overall": overall(students, done),
            "school": breakdown(students, lambda s: s.school_id, done, min_n=small),
            "grade": breakdown(students, lambda s: s.grade, done, min_n=small),
            "language": breakdown(students, lambda s: s.language, done, min_n=small),
            "groups": {g: breakdown(students, lambda s, g=g: s.groups[g], done, min_n=min_n)
                       for g in GROUPS},
        },
        "family": {
            "overall": overall(families, fam_done),
            "school": breakdown(families, lambda f: f[1], fam_done, min_n=small),
            "language": breakdown(families, lambda f: f[2], fam_done, min_n=small),
        },
    }
