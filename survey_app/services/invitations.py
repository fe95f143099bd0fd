"""Invitations: create them for a wave, find them by typed code or link token, print letters.

Codes and tokens are never stored: they are derived from the invitation's nonce
and the app's secret (``services.codes``), and looked up by their HMAC.

SQL below the ORM (a hot path, see the README and ``tests/test_sql_style.py``): survey
pages: the staff picker list and its version, read on every adult page.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, func
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from survey_app.config import LANGUAGES
from survey_app.db import STAFF_VERSION, has_unsaved_writes
from survey_app.models import (
    DataVersion,
    Household,
    Invitation,
    School,
    Section,
    SectionStudent,
    SectionTeacher,
    StaffUser,
    Student,
    SurveyWave,
)
from survey_app.models.enums import Consent, InvitationStatus, SurveyKind
from survey_app.reading import cache
from survey_app.services import codes

STUDENT_GRADES = (3, 12)


@dataclass(frozen=True)
class Access:
    """What a letter or a mail-merge row shows: the typed code and the link."""

    code: str
    token: str
    url: str


def _language(code: str | None) -> str:
    return code if code in LANGUAGES else "en"


def _new_invitation(*, secret: str, wave_id: int, kind: str, language: str,
                    student_id: int | None = None, household_id: int | None = None) -> Invitation:
    nonce = codes.new_nonce()
    return Invitation(
        wave_id=wave_id, kind=kind, student_id=student_id, household_id=household_id,
        nonce=nonce, language=_language(language),
        code_hash=codes.hash_secret(secret, codes.derive_code(secret, nonce)),
        token_hash=codes.hash_secret(secret, codes.derive_token(secret, nonce)),
    )


def _students(session: Session, school_id: int | None) -> list[Student]:
    query = select(Student).where(Student.active, col(Student.deleted_at).is_(None))
    if school_id is not None:
        query = query.where(Student.school_id == school_id)
    return list(session.exec(query.order_by(Student.id)))


def create_for_wave(*, session: Session, wave: SurveyWave, kind: str, secret: str,
                    school_id: int | None = None) -> list[Invitation]:
    """Invite every student in grades 3–12 or of unknown grade (or every household) not invited yet in ``wave``."""
    existing = select(Invitation).where(Invitation.wave_id == wave.id, Invitation.kind == kind)
    made: list[Invitation] = []
    students = _students(session, school_id)
    if kind == SurveyKind.STUDENT:
        done = {i.student_id for i in session.exec(existing)}
        for s in students:
            # A student whose grade the roster does not give is invited: better asked
            # than left out (the letter goes home; a family can leave it unanswered).
            in_grades = s.grade is None or STUDENT_GRADES[0] <= s.grade <= STUDENT_GRADES[1]
            if in_grades and s.id not in done:
                made.append(_new_invitation(secret=secret, wave_id=wave.id, kind=kind,
                                            student_id=s.id, language=s.preferred_language))
    else:
        done = {i.household_id for i in session.exec(existing)}
        households = {s.household_id for s in students if s.household_id} - done
        for h in session.exec(select(Household).where(col(Household.id).in_(households))):
            made.append(_new_invitation(secret=secret, wave_id=wave.id, kind=kind,
                                        household_id=h.id, language=h.language))
    session.add_all(made)
    session.flush()
    return made


def _find(session: Session, secret: str, column: Any, value: str) -> Invitation | None:
    wanted = codes.hash_secret(secret, value)
    found = session.exec(select(Invitation).where(column == wanted)).first()
    # The lookup is by an HMAC the guesser cannot compute; compare in constant time anyway.
    if found is None or not hmac.compare_digest(getattr(found, column.key), wanted):
        return None
    return found


def find_by_code(*, session: Session, secret: str, typed: str) -> Invitation | None:
    """The invitation for a typed code (spaces, dashes and case ignored), or None."""
    code = codes.normalize_code(typed or "")
    if not codes.looks_like_code(code):
        return None
    return _find(session, secret, col(Invitation.code_hash), code)


def find_by_token(*, session: Session, secret: str, token: str) -> Invitation | None:
    """The invitation for a link/QR token, or None."""
    if not token or len(token) > 64:
        return None
    return _find(session, secret, col(Invitation.token_hash), token)


def access(invitation: Invitation, *, secret: str, base_url: str) -> Access:
    code = codes.derive_code(secret, invitation.nonce)
    token = codes.derive_token(secret, invitation.nonce)
    return Access(code=codes.format_code(code), token=token,
                  url=f"{base_url.rstrip('/')}/r/{token}")


def is_opted_out(*, session: Session, invitation: Invitation) -> bool:
    """A student invitation whose family opted the student out of surveys (PPRA)."""
    if invitation.student_id is None:
        return False
    student = session.get(Student, invitation.student_id)
    return student is None or student.consent == Consent.OPTED_OUT


def children(*, session: Session, invitation: Invitation,
             student: Student | None = None) -> list[Student]:
    """The students an invitation covers: the student, or the household's children.

    ``student`` is the invitation's student when the caller has loaded it already.
    """
    if invitation.student_id is not None:
        if student is None or student.id != invitation.student_id:
            student = session.get(Student, invitation.student_id)
        return [student] if student else []
    query = select(Student).where(Student.household_id == invitation.household_id,
                                  Student.active).order_by(Student.grade.desc(), Student.id)
    return list(session.exec(query))


_STAFF_T = StaffUser.__table__.c
_STAFF = (core_select(_STAFF_T.id, _STAFF_T.given_name, _STAFF_T.family_name, _STAFF_T.title)
          .where(_STAFF_T.school_id.in_(bindparam("schools", expanding=True)),
                 _STAFF_T.active.is_(True))
          .order_by(_STAFF_T.family_name))
_ST, _SS, _SE = (SectionTeacher.__table__.c, SectionStudent.__table__.c, Section.__table__.c)
#: The grades of the students each teacher has in class (how children know them: "5th grade").
_STAFF_GRADES = (core_select(_ST.staff_id, func.min(Student.__table__.c.grade),
                             func.max(Student.__table__.c.grade))
                 .select_from(SectionTeacher.__table__
                              .join(Section.__table__, _SE.id == _ST.section_id)
                              .join(SectionStudent.__table__, _SS.section_id == _SE.id)
                              .join(Student.__table__, Student.__table__.c.id == _SS.student_id))
                 .where(_SE.school_id.in_(bindparam("schools", expanding=True)), _SE.active)
                 .group_by(_ST.staff_id))


#: The staff version (``data_version`` row ``STAFF_VERSION``: moved by every committed
#: write to ``staff_user``, never by a survey save) as a column for another statement, so
#: the survey page reads it with the respondent (``responses.load_respondent``). No row
#: yet is 0, as for ``db.data_version``: the first tracked write inserts it at 1.
STAFF_VERSION_COLUMN = func.coalesce(
    core_select(DataVersion.__table__.c.n).where(DataVersion.__table__.c.id == STAFF_VERSION)
    .scalar_subquery(), 0).label("staff_version")
#: Staff lists kept per process and database: a few schools' lists at the newest version.
MAX_STAFF_LISTS = 32


class StaffNames(dict):
    """id → display name of the schools' active staff, and the ids as the form sends them.

    ``about`` holds how children know each one: id → (surname, job title, the grade
    they teach when it is one grade). Shared between requests when cached: read it,
    never change it.
    """

    allowed: frozenset[str]
    about: dict[int, tuple[str, str | None, int | None]]

    def __init__(self, names, about=None):
        super().__init__(names)
        self.allowed = frozenset(str(i) for i in self)
        self.about = about or {}


def school_staff(*, session: Session, school_ids: set[int], version: int | None = None
                 ) -> StaffNames:
    """Staff of the schools, id → display name (the staff picker's list).

    With ``version`` (the staff version this request's transaction read), the list is
    kept per process until the version moves: any committed change to a staff member,
    by any worker, shows on the next page. Uncommitted writes of this transaction
    read the database (the version has not moved for them yet).
    """
    if version is None or has_unsaved_writes(session):
        return _load_staff(session, school_ids)
    return cache.at_version(session, "staff_list", tuple(sorted(school_ids)), version,
                           lambda: _load_staff(session, school_ids), limit=MAX_STAFF_LISTS)


def _load_staff(session: Session, school_ids) -> StaffNames:
    # Names only, not whole rows: the same words as ``StaffUser.display_name``.
    connection = session.connection()
    rows = connection.execute(_STAFF, {"schools": list(school_ids)}).all()
    grades = {staff: low if low == high else None for staff, low, high in
              connection.execute(_STAFF_GRADES, {"schools": list(school_ids)})}
    return StaffNames(((i, f"{given} {family}".strip()) for i, given, family, _t in rows),
                      {i: (family, title, grades.get(i)) for i, _g, family, title in rows})


def mark_opened(*, session: Session, invitation: Invitation, now: Any) -> None:
    if invitation.opened_at is None:
        invitation.opened_at = now
    if invitation.status == InvitationStatus.SENT:
        invitation.status = InvitationStatus.STARTED
    session.add(invitation)
    session.flush()


def listing(*, session: Session, kind: str | None = None, school_code: str | None = None,
            school_ids: set[int] | None = None, wave_id: int | None = None,
            wave_ids: list[int] | None = None, unsubmitted: bool = False) -> list[dict]:
    """Invitations with what a letter or a mail-merge row needs (no codes yet).

    ``wave_ids`` keeps those waves' only (letters: the open waves); ``unsubmitted`` leaves
    out the invitations already answered.
    """
    query = select(Invitation)
    if kind:
        query = query.where(Invitation.kind == kind)
    if wave_id:
        query = query.where(Invitation.wave_id == wave_id)
    if wave_ids is not None:
        query = query.where(col(Invitation.wave_id).in_(wave_ids))
    if unsubmitted:
        query = query.where(Invitation.status != InvitationStatus.SUBMITTED)
    schools = {s.id: s for s in session.exec(select(School))}
    rows = []
    for inv in session.exec(query.order_by(Invitation.id)):
        kids = children(session=session, invitation=inv)
        kid_schools = [schools[i] for i in sorted({k.school_id for k in kids}) if i in schools]
        if school_code and school_code not in {s.code for s in kid_schools}:
            continue
        if school_ids is not None and not {s.id for s in kid_schools} & school_ids:
            continue
        rows.append({
            "invitation": inv, "children": kids,
            "school": ", ".join(sorted(s.code for s in kid_schools)),
            "school_names": ", ".join(sorted(s.name for s in kid_schools)),
            "grade": ";".join("" if k.grade is None else str(k.grade) for k in kids),
            "sis_ids": ";".join(k.sis_id or k.sourced_id for k in kids),
        })
    return rows


def respondent_schools(*, session: Session, invitation) -> set[int]:
    """The schools whose pages a save of ``invitation``'s survey changes: its student's, or
    every school of its household's students (what :func:`survey_app.db.declare_schools`
    is told before the save commits)."""
    if invitation.student_id is not None:
        found = core_select(Student.school_id).where(Student.id == invitation.student_id)
    elif invitation.household_id is not None:
        found = core_select(Student.school_id).where(
            Student.household_id == invitation.household_id).distinct()
    else:
        return set()
    return {int(s) for s in session.exec(found).scalars() if s is not None}
