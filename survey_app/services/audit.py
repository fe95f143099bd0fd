"""Audit events: every view or export of identifiable data, and every settings change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, func, select

from survey_app.models import AuditEvent, School, StaffUser


def record(
    *,
    session: Session,
    staff_id: int | None,
    action: str,
    target_type: str | None = None,
    target_id: Any = None,
    school_id: int | None = None,
    detail: dict[str, Any] | None = None,
    ip: str | None = None,
    outcome: str = "ok",
) -> AuditEvent:
    event = AuditEvent(
        staff_id=staff_id, action=action, target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        school_id=school_id, detail=detail or {}, ip=ip, outcome=outcome,
    )
    session.add(event)
    session.flush()
    return event


PAGE_SIZE = 50


@dataclass(frozen=True)
class EventRow:
    at: datetime
    staff_name: str | None
    action: str
    target_type: str | None
    target_id: str | None
    school_name: str | None
    detail: dict[str, Any]
    ip: str | None
    outcome: str = "ok"


def _district_filter(district_id: int):
    district_staff = select(StaffUser.id).where(StaffUser.district_id == district_id)
    district_schools = select(School.id).where(School.district_id == district_id)
    return or_(AuditEvent.staff_id.in_(district_staff), AuditEvent.school_id.in_(district_schools))


@dataclass(frozen=True)
class Filters:
    """What the admin asked for: a person (who acted, or whose account was the target),
    an action, a student (events about that student), a range of days."""

    staff_id: int | None = None
    action: str | None = None
    student_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None


def _where(district_id: int, f: Filters) -> list:
    where = [_district_filter(district_id)]
    if f.staff_id is not None:
        where.append(or_(AuditEvent.staff_id == f.staff_id,
                         (AuditEvent.target_type == "staff_user")
                         & (AuditEvent.target_id == str(f.staff_id))))
    if f.action:
        where.append(AuditEvent.action == f.action)
    if f.student_id is not None:
        where.append((AuditEvent.target_type == "student")
                     & (AuditEvent.target_id == str(f.student_id)))
    if f.date_from is not None:
        where.append(AuditEvent.at >= datetime.combine(f.date_from, time.min, UTC))
    if f.date_to is not None:
        where.append(AuditEvent.at < datetime.combine(f.date_to + timedelta(days=1), time.min,
                                                      UTC))
    return where


def _rows(where: list):
    return (select(AuditEvent, StaffUser.given_name, StaffUser.family_name, School.name)
            .outerjoin(StaffUser, StaffUser.id == AuditEvent.staff_id)
            .outerjoin(School, School.id == AuditEvent.school_id)
            .where(*where).order_by(AuditEvent.at.desc(), AuditEvent.id.desc()))


def _event_row(e: AuditEvent, g: str | None, f: str | None, school: str | None) -> EventRow:
    return EventRow(e.at, f"{g} {f}".strip() if g is not None else None, e.action,
                    e.target_type, e.target_id, school, e.detail or {}, e.ip, e.outcome)


def find(*, session: Session, district_id: int, filters: Filters, page: int = 1,
         per_page: int = PAGE_SIZE) -> tuple[list[EventRow], int]:
    """A page of the district's events matching ``filters``, newest first, and the count."""
    where = _where(district_id, filters)
    total = session.exec(select(func.count(AuditEvent.id)).where(*where)).one()
    rows = session.exec(_rows(where).limit(per_page)
                        .offset((max(page, 1) - 1) * per_page)).all()
    return [_event_row(*row) for row in rows], total


def every(*, session: Session, district_id: int, filters: Filters, batch: int = 1000):
    """Every matching event, newest first, read in batches (for the log's export)."""
    where = _where(district_id, filters)
    offset = 0
    while True:
        rows = session.exec(_rows(where).limit(batch).offset(offset)).all()
        yield from (_event_row(*row) for row in rows)
        if len(rows) < batch:
            return
        offset += batch


def search(*, session: Session, district_id: int, staff_id: int | None = None,
           action: str | None = None, date_from: date | None = None,
           date_to: date | None = None, page: int = 1, per_page: int = PAGE_SIZE
           ) -> tuple[list[EventRow], int]:
    """A page of the district's events, newest first, and how many match in all."""
    return find(session=session, district_id=district_id, page=page, per_page=per_page,
                filters=Filters(staff_id=staff_id, action=action, date_from=date_from,
                                date_to=date_to))


def actions(*, session: Session, district_id: int) -> list[str]:
    """The actions that occur in the district's log (for the filter)."""
    return list(session.exec(select(AuditEvent.action).where(_district_filter(district_id))
                             .distinct().order_by(AuditEvent.action)))


def users(*, session: Session, district_id: int) -> list[tuple[int, str]]:
    """The district's staff who can sign in, as (id, name), for the filter."""
    rows = session.exec(select(StaffUser.id, StaffUser.given_name, StaffUser.family_name)
                        .where(StaffUser.district_id == district_id,
                               StaffUser.password_hash.is_not(None))
                        .order_by(StaffUser.family_name, StaffUser.given_name)).all()
    return [(i, f"{g} {f}".strip()) for i, g, f in rows]
