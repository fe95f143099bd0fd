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


def _district_filter(district_id: int):
    district_staff = select(StaffUser.id).where(StaffUser.district_id == district_id)
    district_schools = select(School.id).where(School.district_id == district_id)
    return or_(AuditEvent.staff_id.in_(district_staff), AuditEvent.school_id.in_(district_schools))


def search(*, session: Session, district_id: int, staff_id: int | None = None,
           action: str | None = None, date_from: date | None = None,
           date_to: date | None = None, page: int = 1, per_page: int = PAGE_SIZE
           ) -> tuple[list[EventRow], int]:
    """A page of the district's events, newest first, and how many match in all."""
    where = [_district_filter(district_id)]
    if staff_id is not None:
        where.append(AuditEvent.staff_id == staff_id)
    if action:
        where.append(AuditEvent.action == action)
    if date_from is not None:
        where.append(AuditEvent.at >= datetime.combine(date_from, time.min, UTC))
    if date_to is not None:
        where.append(AuditEvent.at < datetime.combine(date_to + timedelta(days=1), time.min, UTC))
    total = session.exec(select(func.count(AuditEvent.id)).where(*where)).one()
    rows = session.exec(
        select(AuditEvent, StaffUser.given_name, StaffUser.family_name, School.name)
        .outerjoin(StaffUser, StaffUser.id == AuditEvent.staff_id)
        .outerjoin(School, School.id == AuditEvent.school_id)
        .where(*where).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(per_page).offset((max(page, 1) - 1) * per_page)).all()
    return [EventRow(e.at, f"{g} {f}".strip() if g is not None else None, e.action,
                     e.target_type, e.target_id, school, e.detail or {}, e.ip)
            for e, g, f, school in rows], total


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
