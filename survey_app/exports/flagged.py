"""The ``flagged`` export: students to connect with, their reasons in words, and follow-ups.

The same students, order and sentences as the counselor's caseload
(:mod:`survey_app.services.caseload`, :mod:`survey_app.words.reasons`), built
for many thousands of rows at once:

- schools are taken one at a time, and only a narrow row per flagged student is
  kept, so memory follows the largest school, not the district; each school's
  flags are those stored while nothing they read has changed
  (:mod:`survey_app.reading.stored_flags`), worked out again otherwise;
- most students share their reasons word for word, so each sentence is made
  once per distinct (code, parameters) and each strengths line once per
  distinct count, then shared;
- identifiers, names and follow-up owners come from one set query per school.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlmodel import Session

from relationships import tiers as tiering
from survey_app.exports.safe import safe_text
from survey_app.exports.table import Table
from survey_app.models import FollowUp, School, StaffUser, Student
from survey_app.models.enums import FollowUpKind, FollowUpStatus
from survey_app.reading import flag_tables, loader, stored_flags
from survey_app.words import reasons

__all__ = ["HEADER", "flagged_table"]

HEADER = [_l("SIS id"), _l("sourcedId"), _l("Name"), _l("School"), _l("Grade"),
          _l("Preferred language"), _l("Flag codes"), _l("Reasons"), _l("Strengths"),
          _l("Adults they can count on"), _l("Open follow-ups"), _l("Follow-up owner"),
          _l("Follow-up status"), _l("Next due date")]
_OPEN = (FollowUpStatus.OPEN, FollowUpStatus.IN_PROGRESS)
STATUS_NAMES = {FollowUpStatus.OPEN: _l("Open"), FollowUpStatus.IN_PROGRESS: _l("In progress")}


def flagged_table(*, session: Session, district_id: int, school_ids, today: date) -> Table:
    """Every flagged student of ``school_ids`` (no-data students too), in the caseload's order."""
    ctx = loader.context(session=session, district_id=district_id, today=today)
    return Table("flagged", [str(h) for h in HEADER], _rows(session, ctx, school_ids, today),
                 escaped=True)


def _rows(session: Session, ctx: loader.Context, school_ids, today: date) -> Iterator[tuple]:
    """The rows, every text cell formula-safe (the table says so: writers skip the check)."""
    words = _Words()
    keyed: list[tuple] = []
    for school_id in school_ids:
        keyed += _school_rows(session, ctx, school_id, today, words)
    keyed.sort(key=lambda k: k[0])  # the caseload's priority order, across the schools
    statuses = {k: str(v) for k, v in STATUS_NAMES.items()}
    seen: dict[str, str] = {}  # most texts repeat (schools, reasons, owners): escaped once

    def same(text: str | None) -> str | None:
        if text is None:
            return None
        found = seen.get(text)
        if found is None:
            found = seen[text] = safe_text(text)
        return found

    for _key, row, status in keyed:
        sis, sourced, name, school, grade, lang, codes, text, strength, rel, count, owner, due = row
        yield (_safe(sis), _safe(sourced), safe_text(name), same(school), grade, same(lang),
               same(codes), same(text), same(strength), rel, count, same(owner),
               same(str(statuses.get(status, status))) if status else None, due)


def _safe(text: str | None) -> str | None:
    return None if text is None else safe_text(text)


class _Words:
    """Sentences made once per distinct input, in the current locale (one export = one locale)."""

    def __init__(self) -> None:
        self.sentences: dict = {}
        self.texts: dict = {}
        self.code_lists: dict = {}
        self.helps: dict = {}
        self.strengths: dict = {}

    def codes(self, text: str) -> tuple[str, ...]:
        found = self.code_lists.get(text)
        if found is None:
            found = self.code_lists[text] = tuple(text.split())
        return found

    def reasons(self, text: str, helps: tuple = (), tiers=None) -> str:
        """The sentences of a stored ``reasons`` text and the family's requests for help,
        one per line, most important first (as the caseload orders them)."""
        found = self.texts.get((text, helps))
        if found is None:
            said: dict[str, list[str]] = {}
            for code, params, names in stored_flags.reasons(text):
                said.setdefault(code, []).append(self._sentence(code, params, names))
            said["help_request"] = [self.help_request(h) for h in helps]
            order = tiering.ordered([*said], tiers or tiering.TierRules())
            found = self.texts[(text, helps)] = "\n".join(
                line for code in order for line in said[code])
        return found

    def _sentence(self, code: str, params: dict, names: dict) -> str:
        key = reasons.sentence_key(code, params, names)
        found = self.sentences.get(key)
        if found is None:
            found = self.sentences[key] = reasons.sentence(code, params, names)
        return found

    def help_request(self, help_type) -> str:
        found = self.helps.get(help_type)
        if found is None:
            found = self.helps[help_type] = reasons.help_request(help_type)
        return found

    def unknown(self) -> str:
        """The strengths of a student with no data: not known yet."""
        return str(reasons.UNKNOWN_STRENGTHS)

    def strength(self, counts: tuple) -> str:
        """The strengths line of (family, school, community) reliable-adult counts."""
        found = self.strengths.get(counts)
        if found is None:
            row = dict(zip(_STRENGTH_KEYS, counts, strict=True))
            found = self.strengths[counts] = reasons.strengths(row)
        return found


_STRENGTH_KEYS = ("setting_family", "setting_school", "setting_community")


def _school_rows(session, ctx, school_id: int, today: date, words: _Words) -> list[tuple]:
    """(sort key, row, status) for each student of one school the caseload lists."""
    stored = stored_flags.school_flags(session=session, ctx=ctx, school_id=school_id)
    if not stored:
        return []
    follow = _followups(session, school_id)
    people = _people(session, school_id)
    owners = _owners(session, school_id)
    out = []
    for sid, name, sis, grade, school_name, sourced, lang in people:
        flags = stored.get(sid, stored_flags.NONE)
        own = words.codes(flags.codes)
        followup = follow.get(sid)
        if not own and followup is None:
            continue
        count, due, helps = followup if followup is not None else (0, None, [])
        text = words.reasons(flags.reasons, tuple(helps), ctx.tiers)
        # Unknown is not "none in the family, none at school": that reads as "no adults".
        strength = (words.unknown() if own == _NO_DATA else
                    "" if flags.strengths is None else words.strength(flags.strengths))
        rel = None if own == _NO_DATA else flags.reliable  # not known, rather than 0
        overdue = bool(due and due < today)
        tier = tiering.tier([*own, *(["help_request"] if helps else [])], ctx.tiers)
        key = (_RANK.get(tier, len(_RANK)), not overdue, -len(own) - len(helps), rel or 0,
               name.casefold(), sid)
        owner, status = owners.get(sid, (None, None))
        out.append((key, (sis, sourced, name, school_name, grade, lang, "; ".join(own),
                          text, strength, rel, count, owner, due), status))
    return out


_NO_DATA = ("no_data",)
_RANK = {t: i for i, t in enumerate(tiering.TIERS)}


def _people(session, school_id: int) -> list[tuple]:
    """(id, name, SIS id, grade, school, sourcedId, preferred language) of the school's students.

    Plain driver tuples: one row per student, no frame (names as in
    ``loader.student_directory``: preferred or given name, then family name).
    """
    stmt = (select(Student.id, Student.preferred_name, Student.given_name, Student.family_name,
                   Student.sis_id, Student.grade, School.name, Student.sourced_id,
                   Student.preferred_language)
            .join(School, School.id == Student.school_id)
            .where(Student.school_id == school_id, Student.active.is_(True),
                   Student.deleted_at.is_(None)))
    _names, rows = flag_tables.fetch_rows(session, stmt)
    return [(sid, _full_name(given if preferred is None else preferred, family),
             sis, grade, school, sourced, lang)
            for sid, preferred, given, family, sis, grade, school, sourced, lang in rows]


def _full_name(first: str | None, family: str | None) -> str:
    return f"{first or ''} {family or ''}".strip()


def _followups(session, school_id: int) -> dict[int, tuple[int, date | None, list]]:
    """Open follow-ups per student: (count, first due date, help types asked for)."""
    stmt = (select(FollowUp.student_id, func.count().label("n"),
                   func.min(FollowUp.due_on).label("due"))
            .join(Student, Student.id == FollowUp.student_id)
            .where(Student.school_id == school_id, FollowUp.status.in_(_OPEN))
            .group_by(FollowUp.student_id))
    helps: dict[int, list] = {}
    for sid, help_type in session.execute(
            select(FollowUp.student_id, FollowUp.help_type)
            .join(Student, Student.id == FollowUp.student_id)
            .where(Student.school_id == school_id, FollowUp.status.in_(_OPEN),
                   FollowUp.kind == FollowUpKind.HELP_REQUEST)):
        helps.setdefault(sid, []).append(help_type)
    out = {}
    for sid, n, due in session.execute(stmt):
        if isinstance(due, str):
            due = date.fromisoformat(due[:10])
        out[sid] = (int(n), due, helps.get(sid, []))
    return out


def _owners(session: Session, school_id: int) -> dict[int, tuple[str | None, str]]:
    """The newest open follow-up of each student: its owner's name and its status."""
    found: dict[int, tuple[str | None, str]] = {}
    query = (select(FollowUp.student_id, FollowUp.status, StaffUser.given_name,
                    StaffUser.family_name)
             .join(Student, Student.id == FollowUp.student_id)
             .outerjoin(StaffUser, StaffUser.id == FollowUp.owner_id)
             .where(Student.school_id == school_id, FollowUp.status.in_(_OPEN))
             .order_by(FollowUp.student_id, FollowUp.created_at.desc(), FollowUp.id.desc()))
    for student_id, status, given, family in session.execute(query):
        if student_id not in found:
            name = f"{given or ''} {family or ''}".strip() or None
            found[student_id] = (name, status)
    return found
