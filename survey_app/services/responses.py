"""Responses: answers saved per page and versioned, the adult block, and the final submit.

Storage follows ITEMS.md: one ``Answer`` row per item (and per adult, with
``entry``); a changed answer is a new version and the previous row stops being
``current``. Saving an identical page changes nothing, so a resend is harmless.
On submit the adult block becomes ``Adult`` + ``SupportTie`` rows and a
family's help requests become follow-ups; submitting twice does nothing more.

SQL below the ORM (a hot path, see the README and ``tests/test_sql_style.py``): survey
save: statements built once, rows read as plain tuples (every page of every survey).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from types import SimpleNamespace
from typing import Any, NamedTuple

from sqlalchemy import and_, bindparam, insert, update
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from survey_app.i18n import district_languages
from survey_app.models import (
    Adult,
    Answer,
    FollowUp,
    Household,
    Invitation,
    LanguageSwitch,
    Response,
    School,
    StaffUser,
    Student,
    SupportTie,
    SurveyWave,
    conditions,
)
from survey_app.models.base import utcnow
from survey_app.models.enums import (
    AdultKind,
    FollowUpKind,
    InvitationStatus,
    Setting,
    SurveyKind,
    TieSource,
)
from survey_app.services import invitations, waves
from survey_app.surveys.choices import RELATIVES
from survey_app.surveys.model import PREFER_NOT

ADULTS_ITEM = "adults"
_Key = tuple[str, int]


def start_or_resume(*, session: Session, invitation: Invitation, survey: str, version: str,
                    language: str) -> Response:
    """The invitation's response, created on first use (a used code resumes the same one)."""
    response = session.exec(
        select(Response).where(Response.invitation_id == invitation.id)).first()
    if response is None:
        response = Response(invitation_id=invitation.id, survey=survey, version=version,
                            language=language)
        session.add(response)
        invitations.mark_opened(session=session, invitation=invitation, now=utcnow())
        session.flush()
    return response


class PlainRow(SimpleNamespace):
    """A row's columns as attributes: a plain copy, outside the session (writes go
    through statements)."""


_RESPONDENT_COLUMNS = (
    (Response.__table__.c, ("id", "invitation_id", "survey", "version", "language", "status",
                            "current_page")),
    (Invitation.__table__.c, ("id", "kind", "student_id", "household_id", "wave_id")),
    (Student.__table__.c, ("id", "school_id", "grade", "preferred_name", "given_name")),
)
_A = Answer.__table__.c
_W = SurveyWave.__table__.c
# The response, its invitation, (student survey) the student and the response's current
# answers (one row each; one row of nulls when there are none) in one statement built
# once, with the district's languages (what the page's language is chosen from) and the
# staff version (what the adult page's staff list is cached under).
_RESPONDENT = (
    core_select(*[table[name] for table, names in _RESPONDENT_COLUMNS for name in names],
                district_languages(), invitations.STAFF_VERSION_COLUMN,
                _W.opens_on, _W.closes_on, _W.purged_at,
                _A.id, _A.item_id, _A.entry, _A.version, _A.value)
    .select_from(Response.__table__
                 .join(Invitation.__table__,
                       Invitation.__table__.c.id == Response.__table__.c.invitation_id)
                 .join(SurveyWave.__table__, _W.id == Invitation.__table__.c.wave_id)
                 .outerjoin(Student.__table__,
                            Student.__table__.c.id == Invitation.__table__.c.student_id)
                 .outerjoin(Answer.__table__, and_(_A.response_id == Response.__table__.c.id,
                                                   _A.current.is_(True))))
    .where(Response.__table__.c.id == bindparam("r"),
           Invitation.__table__.c.id == bindparam("i")))


def load_respondent(*, session: Session, response_id: Any, invitation_id: Any
                    ) -> tuple[PlainRow, PlainRow, PlainRow | None, Current] | None:
    """(invitation, response, student or None, current answers) as plain rows, or None
    if there is no such pair. What a page needs, without loading ORM objects on every page
    save; the answers are what ``current_answers`` reads, in the same statement.

    The invitation's row carries the district's language choice (``languages``), the
    staff version (``staff_version``) and its wave's state (``wave_state``), read in the
    same statement.
    """
    rows = session.connection().execute(_RESPONDENT, {"r": response_id, "i": invitation_id}
                                        ).all()
    if not rows:
        return None
    row = rows[0]
    rows_read, start = [], 0
    for _table, names in _RESPONDENT_COLUMNS:
        values = row[start:start + len(names)]
        rows_read.append(PlainRow(**dict(zip(names, values, strict=True))))
        start += len(names)
    response, invitation, student = rows_read
    invitation.languages, invitation.staff_version = row[start], row[start + 1]
    opens_on, closes_on, purged_at = row[start + 2:start + 5]
    invitation.wave_state = waves.state_of(opens_on=opens_on, closes_on=closes_on,
                                           purged_at=purged_at)
    current = {(item_id, entry): Saved(id_, version, value)
               for id_, item_id, entry, version, value in (r[start + 5:] for r in rows)
               if id_ is not None}
    return invitation, response, student if student.id is not None else None, current


class Saved(NamedTuple):
    """The current version of one answer, as read for a save."""

    id: int
    version: int
    value: Any


#: Current answers of one response: (item id, entry) → its current row.
Current = dict[_Key, Saved]
_ANSWER = Answer.__table__
# Statements built once: a save only binds values (no statement building or cache-key work).
_RETIRE = (update(_ANSWER).where(_ANSWER.c.id.in_(bindparam("ids", expanding=True)))
           .values(current=False))
# A page save usually changes one answer: no list to expand into the statement then.
_RETIRE_ONE = (update(_ANSWER).where(_ANSWER.c.id == bindparam("answer_id"))
               .values(current=False))
_ADD = insert(_ANSWER)
_MOVE = (update(Response.__table__).where(Response.__table__.c.id == bindparam("response_id"))
         .values(current_page=bindparam("page"), updated_at=bindparam("now")))


_R = Response.__table__.c
# The response's status and its current answers in one statement (a save reads both
# under the write lock).
_CURRENT = (core_select(_R.status, _ANSWER.c.id, _ANSWER.c.item_id, _ANSWER.c.entry,
                        _ANSWER.c.version, _ANSWER.c.value)
            .select_from(Response.__table__.outerjoin(
                _ANSWER, and_(_ANSWER.c.response_id == _R.id, _ANSWER.c.current.is_(True))))
            .where(_R.id == bindparam("response_id")))


def current_answers(*, session: Session, response_id: int) -> tuple[str | None, Current]:
    """The response's stored status (None if there is no such response) and its current
    answers, read once per request as plain rows (no ORM objects).

    A save calls this after it took the write lock and hands the answers to ``save_page``.
    """
    rows = session.connection().execute(_CURRENT, {"response_id": response_id}).all()
    current = {(item_id, entry): Saved(id_, version, value)
               for _status, id_, item_id, entry, version, value in rows if id_ is not None}
    return (rows[0][0] if rows else None), current


def split_state(current: Current) -> tuple[dict[str, Any], dict[int, dict]]:
    """Current answers (item id → value) and current adults (entry → value, removed left out)."""
    answers: dict[str, Any] = {}
    adults: dict[int, dict] = {}
    for (item_id, entry), row in sorted(current.items()):
        if item_id == ADULTS_ITEM:
            if row.value is not None:
                adults[entry] = row.value
        else:
            answers[item_id] = row.value
    return answers, adults


def load_state(*, session: Session, response: Response) -> tuple[dict[str, Any], dict[int, dict]]:
    """Current answers (item id → value) and current adults (entry → value, removed left out)."""
    return split_state(current_answers(session=session, response_id=response.id)[1])


def save_page(*, session: Session, response: PlainRow, language: str, page_id: str,
              values: Mapping[str, Any],
              adults: Iterable[tuple[int | None, dict | None]] | None = None,
              current: Current | None = None) -> tuple[int, list[int | None]]:
    """Save one page's answers; return how many changed (0 for an identical resend) and the
    entry each adult block was saved under (None for an empty new block).

    ``adults`` lists the blocks shown on the page as ``(entry, value)``: ``entry``
    None for a new block, ``value`` None for a block left empty (an existing
    entry left empty, or removed, becomes a new version with value null).
    ``current`` is what ``current_answers`` read in this same write transaction (read here
    if not given): versions are numbered from it.

    A changed answer is one UPDATE (old versions stop being current) and one
    multi-row INSERT (the new versions), whatever the number of answers.
    """
    rows = current_answers(session=session, response_id=response.id)[1] if current is None \
        else current
    retired: list[int] = []
    added: list[dict[str, Any]] = []
    now = utcnow()

    def put(key: _Key, value: Any) -> None:
        old = rows.get(key)
        if (old is None and value is None) or (old is not None and old.value == value):
            return
        if old is not None:
            retired.append(old.id)
        added.append({"response_id": response.id, "item_id": key[0], "entry": key[1],
                      "version": (old.version + 1) if old else 1, "current": True,
                      "value": value, "language": language, "answered_at": now})

    entries: list[int | None] = []
    for item_id, value in values.items():
        put((item_id, 0), value)
    if adults is not None:
        taken = [e for (i, e) in rows if i == ADULTS_ITEM]
        next_entry = max(taken, default=-1) + 1
        for entry, value in adults:
            if entry is None:
                if value is None:
                    entries.append(None)
                    continue
                entry, next_entry = next_entry, next_entry + 1
            entries.append(entry if value is not None else None)
            put((ADULTS_ITEM, entry), value)
    connection = session.connection()
    if len(retired) == 1:
        connection.execute(_RETIRE_ONE, {"answer_id": retired[0]})
    elif retired:
        connection.execute(_RETIRE, {"ids": retired})
    if added:
        connection.execute(_ADD, added)
        if any(a["item_id"] in conditions.ITEMS_SET for a in added):
            # The counselor pages read household items decoded (models/conditions.py).
            held = {k[0]: v.value for k, v in rows.items() if k[0] in conditions.ITEMS_SET}
            held.update((a["item_id"], a["value"]) for a in added
                        if a["item_id"] in conditions.ITEMS_SET)
            conditions.write(connection, response_id=response.id,
                             invitation_id=response.invitation_id, answers=held)
    if response.current_page != page_id or added:
        connection.execute(_MOVE, {"response_id": response.id, "page": page_id, "now": now})
        response.current_page = page_id  # the loaded record (not an ORM object) follows
        response.updated_at = now
    session.flush()
    return len(added), entries


def record_language_switch(*, session: Session, response: Response, from_language: str,
                           to_language: str, page_id: str | None) -> LanguageSwitch:
    switch = LanguageSwitch(response_id=response.id, from_language=from_language,
                            to_language=to_language, page=page_id)
    session.add(switch)
    session.flush()
    return switch


def _setting(value: dict) -> str:
    if value.get("lives_with"):
        return Setting.HOME
    if value.get("staff_id"):
        return Setting.SCHOOL
    if value.get("relation") in RELATIVES:
        return Setting.FAMILY_ELSEWHERE
    return Setting.COMMUNITY


def _adult_for(session: Session, value: dict, *, district_id: int,
               household_id: int | None) -> Adult:
    staff_id = value.get("staff_id")
    if staff_id:
        adult = session.exec(select(Adult).where(Adult.staff_id == staff_id,
                                                 col(Adult.merged_into_id).is_(None))).first()
        if adult is None:
            staff = session.get(StaffUser, staff_id)
            adult = Adult(district_id=district_id, kind=AdultKind.STAFF, staff_id=staff_id,
                          role=value.get("relation") or "school_staff",
                          display_name=staff.display_name if staff else (value.get("name") or ""))
        return adult
    relative = value.get("relation") in RELATIVES
    return Adult(district_id=district_id,
                 kind=AdultKind.FAMILY if relative else AdultKind.COMMUNITY,
                 role=value.get("relation") or "other", display_name=value.get("name") or "",
                 household_id=household_id if relative else None)


def _tie(student: Student, adult: Adult, value: dict, *, invitation: Invitation,
         response: Response, entry: int) -> SupportTie:
    support = set(value.get("support") or [])
    return SupportTie(
        student_id=student.id, adult_id=adult.id, wave_id=invitation.wave_id,
        source=TieSource.STUDENT_SURVEY if invitation.kind == SurveyKind.STUDENT
        else TieSource.FAMILY_SURVEY,
        response_id=response.id, entry=entry,
        emotional="emotional" in support, academic="academic" in support,
        practical="practical" in support, appraisal="appraisal" in support,
        future="future" in support, emergency="emergency" in support,
        frequency=value.get("frequency"), reliability=value.get("reliability"),
        setting=_setting(value), lives_with=value.get("lives_with"),
    )


def _help_requests(session: Session, answers: dict[str, Any], kids: list[Student],
                   response: Response) -> list[FollowUp]:
    requests = answers.get("help.requests")
    if not isinstance(requests, list):
        return []
    other = answers.get("help.other")
    made = [FollowUp(student_id=kid.id, kind=FollowUpKind.HELP_REQUEST, help_type=code,
                     response_id=response.id, note=other[:4000] if code == "other" and other
                     else None)
            for code in requests if code != PREFER_NOT for kid in kids]
    session.add_all(made)
    return made


def _answered_later(session: Session, invitation: Invitation) -> bool:
    """The household sent a family survey of a later wave: its preferences are newer."""
    later = (select(Invitation.id).join(SurveyWave, SurveyWave.id == Invitation.wave_id)
             .where(Invitation.household_id == invitation.household_id,
                    Invitation.kind == SurveyKind.FAMILY,
                    Invitation.status == InvitationStatus.SUBMITTED,
                    SurveyWave.ordinal > select(SurveyWave.ordinal).where(
                        SurveyWave.id == invitation.wave_id).scalar_subquery()))
    return session.exec(later).first() is not None


def _contact_preferences(session: Session, answers: dict[str, Any],
                         invitation: Invitation) -> None:
    household_id = invitation.household_id
    household = session.get(Household, household_id) if household_id else None
    if household is None or _answered_later(session, invitation):
        return
    language = answers.get("contact.language")
    if language and language not in ("other", PREFER_NOT):
        household.language = language
    channels = answers.get("contact.channels")
    if isinstance(channels, list):
        household.contact_channels = channels
    if answers.get("contact.times"):
        household.contact_times = answers["contact.times"][:200]
    interpreter = answers.get("contact.interpreter")
    if interpreter in ("yes", "no"):
        household.wants_interpreter = interpreter == "yes"
    session.add(household)


def submit(*, session: Session, response: Response, invitation: Invitation,
           now: datetime | None = None) -> bool:
    """Finish the response: ties, follow-ups, statuses. False when it was already sent."""
    if response.status == InvitationStatus.SUBMITTED:
        return False
    answers, adults = load_state(session=session, response=response)
    kids = invitations.children(session=session, invitation=invitation)
    if kids:
        district_id = session.get(School, kids[0].school_id).district_id
        household_id = invitation.household_id or kids[0].household_id
        for entry, value in adults.items():
            adult = _adult_for(session, value, district_id=district_id, household_id=household_id)
            session.add(adult)
            session.flush()
            chosen = set(value.get("children") or [])
            for kid in [k for k in kids if k.id in chosen] or kids:
                session.add(_tie(kid, adult, value, invitation=invitation, response=response,
                                 entry=entry))
        if invitation.kind == SurveyKind.FAMILY:
            _help_requests(session, answers, kids, response)
            _contact_preferences(session, answers, invitation)
    now = now or utcnow()
    response.status = invitation.status = InvitationStatus.SUBMITTED
    response.submitted_at = invitation.submitted_at = now
    session.add_all([response, invitation])
    session.flush()
    return True
