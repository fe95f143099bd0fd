"""The ``responses`` export: survey answers as one table, the adult blocks as another.

Repeated adults are not squeezed into numbered columns: each adult is a row of
``adults`` keyed by ``response_id`` and ``entry`` (as ODK exports repeat groups).
Labels of items and choices come from the survey definition each response was
answered under, in the current locale. Only current answer versions are exported.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select
from sqlmodel import Session

from survey_app import surveys
from survey_app.exports.table import Table
from survey_app.models import Answer, Household, Invitation, Response, Student
from survey_app.surveys.choices import FREQUENCY, RELATION, SUPPORT, SUPPORT_FAMILY

__all__ = ["responses_tables"]

RESPONSE_HEADER = [_l("Response id"), _l("Survey"), _l("Version"), _l("Language"),
                   _l("Status"), _l("Started"), _l("Sent"), _l("Student SIS id"),
                   _l("Student sourcedId"), _l("Household sourcedId")]
ANSWER_HEADER = [_l("Response id"), _l("Question id"), _l("Question"), _l("Answer codes"),
                 _l("Answer"), _l("Answer language")]
ADULT_HEADER = [_l("Response id"), _l("Adult number"), _l("Name"), _l("Staff id"),
                _l("Who they are"), _l("Help with"), _l("How often"), _l("How sure (1–4)"),
                _l("Lives with the student"), _l("Children (student ids)")]
_LABELS = {c.code: c.label for c in (*RELATION, *SUPPORT, *SUPPORT_FAMILY, *FREQUENCY)}
_BATCH = 1000


def _scope(school_ids, wave_id: int | None = None):
    """Responses of students of these schools, or of households with a child there (of
    wave ``wave_id`` when given)."""
    students = select(Student.id).where(Student.school_id.in_(list(school_ids)))
    households = select(Student.household_id).where(Student.school_id.in_(list(school_ids)),
                                                    Student.household_id.is_not(None))
    scope = or_(Invitation.student_id.in_(students), Invitation.household_id.in_(households))
    return scope if wave_id is None else and_(scope, Invitation.wave_id == wave_id)


def responses_tables(*, session: Session, school_ids, wave_id: int | None = None) -> list[Table]:
    """Three tables streamed from the database: responses, answers, adults (of one wave
    when ``wave_id`` is given, else of every wave)."""
    scope = _scope(school_ids, wave_id)
    return [
        Table("responses", [str(h) for h in RESPONSE_HEADER], _responses(session, scope)),
        Table("answers", [str(h) for h in ANSWER_HEADER], _answers(session, scope, False)),
        Table("adults", [str(h) for h in ADULT_HEADER], _answers(session, scope, True)),
    ]


def _responses(session: Session, scope) -> Iterator[list]:
    query = (select(Response.id, Response.survey, Response.version, Response.language,
                    Response.status, Response.started_at, Response.submitted_at,
                    Student.sis_id, Student.sourced_id, Household.sourced_id)
             .join(Invitation, Invitation.id == Response.invitation_id)
             .outerjoin(Student, Student.id == Invitation.student_id)
             .outerjoin(Household, Household.id == Invitation.household_id)
             .where(scope).order_by(Response.id))
    for row in session.execute(query.execution_options(yield_per=_BATCH)):
        yield [*row[:5], _iso(row[5]), _iso(row[6]), *row[7:]]


def _iso(value) -> str | None:
    return value.isoformat(timespec="seconds") if value else None


def _answers(session: Session, scope, adults: bool) -> Iterator[list]:
    query = (select(Answer.response_id, Answer.item_id, Answer.entry, Answer.value,
                    Answer.language, Response.survey, Response.version)
             .join(Response, Response.id == Answer.response_id)
             .join(Invitation, Invitation.id == Response.invitation_id)
             .where(scope, Answer.current,
                    (Answer.item_id == "adults") if adults else (Answer.item_id != "adults"))
             .order_by(Answer.response_id, Answer.item_id, Answer.entry))
    for row in session.execute(query.execution_options(yield_per=_BATCH)):
        if adults:
            if row.value is not None:
                yield _adult_row(row)
        else:
            yield _answer_row(row)


def _answer_row(row) -> list:
    item = _item(row.survey, row.version, row.item_id)
    labels = {c.code: c.label for c in item.choices} if item is not None else {}
    codes = row.value if isinstance(row.value, list) else [row.value]
    words = [str(labels.get(c, _l("I prefer not to say") if c == "prefer_not" else c))
             for c in codes if c is not None] if labels or "prefer_not" in codes else []
    return [row.response_id, row.item_id, str(item.label) if item is not None else None,
            "; ".join(str(c) for c in codes if c is not None), "; ".join(words) or None,
            row.language]


def _item(survey: str, version: str, item_id: str):
    try:
        return surveys.get(survey, version).item(item_id)
    except KeyError:
        return None


def _adult_row(row) -> list:
    value: dict[str, Any] = row.value if isinstance(row.value, dict) else {}
    support = value.get("support") or []
    reliability = value.get("reliability")  # 1 (not sure) … 4 (very sure), kept a number
    return [row.response_id, row.entry, value.get("name"), value.get("staff_id"),
            _word(value.get("relation")), "; ".join(_word(s) for s in support),
            _word(value.get("frequency")), reliability,
            value.get("lives_with"), "; ".join(str(c) for c in value.get("children") or [])]


def _word(code) -> str | None:
    return None if code is None else str(_LABELS.get(code, code))
