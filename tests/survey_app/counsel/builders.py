"""Builders for counselor-side test data: adults, ties, marks, answers, follow-ups."""

from __future__ import annotations

from sqlmodel import Session

from survey_app.models import (
    Adult,
    Answer,
    Invitation,
    Response,
    StaffMark,
    StaffUser,
    Student,
    SupportTie,
    SurveyWave,
)
from survey_app.models.enums import InvitationStatus, SurveyKind

_n = iter(range(1, 10**9))


def make_adult(session: Session, district_id: int, *, name: str = "Nana", kind: str = "family",
               role: str = "grandparent", staff: StaffUser | None = None, **extra) -> Adult:
    adult = Adult(district_id=district_id, kind="staff" if staff else kind, role=role,
                  display_name=staff.display_name if staff else name,
                  staff_id=staff.id if staff else None, **extra)
    session.add(adult)
    session.flush()
    return adult


def invite(session: Session, wave: SurveyWave, *, student: Student | None = None,
           household_id: int | None = None, submitted: bool = True,
           language: str = "en") -> Response:
    n = next(_n)
    kind = SurveyKind.STUDENT if student else SurveyKind.FAMILY
    status = InvitationStatus.SUBMITTED if submitted else InvitationStatus.STARTED
    inv = Invitation(wave_id=wave.id, kind=kind, student_id=student.id if student else None,
                     household_id=household_id, nonce=f"n{n}", code_hash=f"c{n}",
                     token_hash=f"t{n}", language=language, status=status)
    session.add(inv)
    session.flush()
    resp = Response(invitation_id=inv.id, survey=kind, version="1", language=language,
                    status=status)
    session.add(resp)
    session.flush()
    return resp


def answer(session: Session, response: Response, item_id: str, value, entry: int = 0) -> None:
    session.add(Answer(response_id=response.id, item_id=item_id, entry=entry, value=value,
                       language=response.language))
    session.flush()


def tie(session: Session, student: Student, adult: Adult, wave: SurveyWave, *,
        source: str = "student_survey", reliability: int | None = 4, setting: str = "home",
        response: Response | None = None, **support) -> SupportTie:
    row = SupportTie(student_id=student.id, adult_id=adult.id, wave_id=wave.id, source=source,
                     reliability=reliability, setting=setting,
                     response_id=response.id if response else None, **support)
    session.add(row)
    session.flush()
    return row


def mark(session: Session, staff: StaffUser, student: Student, wave: SurveyWave,
         **marks) -> StaffMark:
    row = StaffMark(staff_id=staff.id, student_id=student.id, wave_id=wave.id, **marks)
    session.add(row)
    session.flush()
    return row
