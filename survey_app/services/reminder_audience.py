"""Who a survey reminder goes to: the wave's unanswered invitations, filtered, with addresses.

Where addresses come from (the roster is the only source; the app never asks for one):

- **Family survey** → every parent or guardian of the household with an email in the
  roster (OneRoster ``users.csv`` rows of role parent/guardian, kept as ``adult.email``).
  The family survey's contact preferences hold channels, not addresses.
- **Student survey** → the student's own roster email from age 13; a younger student
  (or one without an email) is reminded through the household's guardians, unless the
  district allows writing to younger students (``remind_young_students``). Age comes
  from the birth date; without one, a student below grade 8 (or of unknown grade) is
  taken to be under 13 — the careful side (COPPA's line is 13).

An address (or a household) that opted out is never written to again, in any wave; an
invitation reminded ``reminder_cap`` times in the wave, or within ``reminder_gap_hours``,
is left until later. A student the family opted out of surveys (PPRA) is not reminded.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import case, func
from sqlmodel import Session, col, select

from survey_app.models import (
    Adult,
    DistrictSettings,
    Invitation,
    ReminderOptOut,
    ReminderSend,
    Student,
    SurveyWave,
)
from survey_app.models.base import utcnow
from survey_app.models.enums import AdultKind, Consent, InvitationStatus, SurveyKind
from survey_app.services import waves

#: Student groups a reminder can be aimed at (the response-rates page's groups of concern).
GROUP_FILTERS = ("english_learner", "econ_disadvantaged", "disability")
AUDIENCES = ("both", "family", "student")
#: Below this age a student is written to through the household.
YOUNGEST_WRITTEN_TO = 13
#: Without a birth date: from this grade a student is taken to be 13 or older.
GRADE_OF_THIRTEEN = 8
SKIP_REASONS = ("no_address", "opted_out", "cap", "too_soon")


def address_key(address: str) -> str:
    """The digest an address is known by in sends and opt-outs (normalised: trimmed, lower)."""
    return hashlib.sha256(address.strip().lower().encode()).hexdigest()


@dataclass(frozen=True)
class Filters:
    wave_id: int
    school_ids: tuple[int, ...]  # already limited to the sender's schools
    grade: int | None = None
    language: str | None = None
    group: str | None = None
    audience: str = "both"


@dataclass(frozen=True)
class Recipient:
    invitation_id: int
    kind: str  # the survey: student | family
    via: str  # family (the family survey), student (own address), household (a student's)
    channel: str
    address: str
    language: str
    school_id: int
    household_id: int | None

    @property
    def key(self) -> str:
        return address_key(self.address)


@dataclass
class Plan:
    recipients: list[Recipient] = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)  # invitations, by SKIP_REASONS
    #: The wave takes no answers today (not open yet, closed, purged): nobody is reminded,
    #: or the link would lead to a closed survey.
    closed: bool = False

    @property
    def invitations(self) -> int:
        return len({r.invitation_id for r in self.recipients})

    @property
    def households(self) -> int:
        return len({r.household_id for r in self.recipients if r.via != "student"})

    @property
    def students(self) -> int:
        return len({r.invitation_id for r in self.recipients if r.via == "student"})


@dataclass(frozen=True)
class Limits:
    cap: int = 2
    gap_hours: int = 48
    young_students: bool = False

    @classmethod
    def of_district(cls, session: Session, district_id: int) -> Limits:
        stored = session.exec(select(DistrictSettings).where(
            DistrictSettings.district_id == district_id)).first()
        if stored is None:
            return cls()
        return cls(stored.reminder_cap, stored.reminder_gap_hours, stored.remind_young_students)


def under_thirteen(birth_date: date | None, grade: int | None, today: date) -> bool:
    if birth_date is not None:
        years = today.year - birth_date.year - (
            (today.month, today.day) < (birth_date.month, birth_date.day))
        return years < YOUNGEST_WRITTEN_TO
    return grade is None or grade < GRADE_OF_THIRTEEN


def _students(session: Session, f: Filters) -> dict[int, tuple]:
    """id → (school, household, grade, birth date, email, consent) of the filtered students."""
    query = select(Student.id, Student.school_id, Student.household_id, Student.grade,
                   Student.birth_date, Student.email, Student.consent).where(
        col(Student.school_id).in_(list(f.school_ids)), col(Student.active).is_(True),
        col(Student.deleted_at).is_(None))
    if f.grade is not None:
        query = query.where(Student.grade == f.grade)
    if f.group in GROUP_FILTERS:
        query = query.where(getattr(Student, f.group).is_(True))
    return {row[0]: row[1:] for row in session.exec(query)}


def _unanswered(session: Session, f: Filters) -> list[Invitation]:
    query = select(Invitation).where(
        Invitation.wave_id == f.wave_id, Invitation.status != InvitationStatus.SUBMITTED,
        col(Invitation.submitted_at).is_(None))
    if f.audience in (SurveyKind.STUDENT, SurveyKind.FAMILY):
        query = query.where(Invitation.kind == f.audience)
    if f.language:
        query = query.where(Invitation.language == f.language)
    return list(session.exec(query.order_by(Invitation.id)))


def _guardians(session: Session, household_ids: set[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    if not household_ids:
        return found
    rows = session.exec(select(Adult.household_id, Adult.email).where(
        col(Adult.household_id).in_(list(household_ids)), Adult.kind == AdultKind.FAMILY,
        col(Adult.email).is_not(None), col(Adult.merged_into_id).is_(None))
        .order_by(Adult.id))
    for household_id, email in rows:
        if email not in found.setdefault(household_id, []):
            found[household_id].append(email)
    return found


def _history(session: Session, invitation_ids: list[int]) -> dict[int, tuple[int, datetime]]:
    """invitation → (reminder rounds so far, the last one's time).

    A round is a job; a message sent outside one counts as a round of its own. A refused
    message counts too: an address the server turned away is not tried again before the
    gap, nor beyond the cap.
    """
    if not invitation_ids:
        return {}
    rounds = (func.count(func.distinct(ReminderSend.job_id))
              + func.sum(case((col(ReminderSend.job_id).is_(None), 1), else_=0)))
    rows = session.exec(select(ReminderSend.invitation_id, rounds, func.max(ReminderSend.sent_at))
                        .where(col(ReminderSend.invitation_id).in_(invitation_ids))
                        .group_by(ReminderSend.invitation_id))
    return {i: (n, last) for i, n, last in rows}


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=utcnow().tzinfo)


def plan(*, session: Session, filters: Filters, limits: Limits, now: datetime | None = None,
         job_id: int | None = None) -> Plan:
    """Who would be written to now, and how many invitations are left out and why.

    ``job_id``: a run being retried; the rounds it already sent do not count against it
    (the gap still keeps those it reached from a second message).
    """
    now = now or utcnow()
    wave = session.get(SurveyWave, filters.wave_id)
    if wave is None or waves.state(wave, now.date()) != waves.WaveState.OPEN:
        return Plan(closed=True)
    students = _students(session, filters)
    by_household: dict[int, list[int]] = {}
    for _sid, (school, household, *_rest) in students.items():
        if household is not None:
            by_household.setdefault(household, []).append(school)
    chosen: list[tuple[Invitation, int, int | None]] = []  # invitation, school, household
    for inv in _unanswered(session, filters):
        if inv.kind == SurveyKind.STUDENT and inv.student_id in students:
            school, household, *_rest, consent = students[inv.student_id]
            if consent != Consent.OPTED_OUT:
                chosen.append((inv, school, household))
        elif inv.kind == SurveyKind.FAMILY and inv.household_id in by_household:
            chosen.append((inv, min(by_household[inv.household_id]), inv.household_id))
    guardians = _guardians(session, {h for _i, _s, h in chosen if h is not None})
    opted = set(session.exec(select(ReminderOptOut.address_key)))
    opted_households = set(session.exec(select(ReminderOptOut.household_id).where(
        col(ReminderOptOut.household_id).is_not(None))))
    history = _history(session, [inv.id for inv, _s, _h in chosen])
    if job_id is not None:
        history.update(_history_without(session, job_id, history))
    result = Plan()
    for inv, school, household in chosen:
        rounds, last = history.get(inv.id, (0, None))
        if rounds >= limits.cap:
            result.skipped["cap"] += 1
            continue
        if last is not None and now - _aware(last) < timedelta(hours=limits.gap_hours):
            result.skipped["too_soon"] += 1
            continue
        routes = _routes(inv, students, guardians, household, limits, now.date())
        if not routes:
            result.skipped["no_address"] += 1
            continue
        kept = [(via, a) for via, a in routes if address_key(a) not in opted
                and household not in opted_households]
        if not kept:
            result.skipped["opted_out"] += 1
            continue
        result.recipients += [Recipient(inv.id, inv.kind, via, "email", address, inv.language,
                                        school, household) for via, address in kept]
    return result


def _routes(inv: Invitation, students: dict, guardians: dict[int, list[str]],
            household: int | None, limits: Limits, today: date) -> list[tuple[str, str]]:
    """(via, address) pairs an invitation's reminder goes to."""
    if inv.kind == SurveyKind.FAMILY:
        return [("family", a) for a in guardians.get(household, [])]
    _school, _household, grade, birth_date, email, _consent = students[inv.student_id]
    if email and (limits.young_students or not under_thirteen(birth_date, grade, today)):
        return [("student", email)]
    return [("household", a) for a in guardians.get(household, [])]


def _history_without(session: Session, job_id: int, history: dict) -> dict:
    """The rounds of ``history`` not counting ``job_id``'s own (a retried run is one round)."""
    own = set(session.exec(select(ReminderSend.invitation_id).where(
        ReminderSend.job_id == job_id)))
    return {i: (max(0, n - 1), last) for i, (n, last) in history.items() if i in own}
