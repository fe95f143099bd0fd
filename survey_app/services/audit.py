"""Audit events: every view or export of identifiable data, and every settings change."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from survey_app.models import AuditEvent


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
) -> AuditEvent:
    event = AuditEvent(
        staff_id=staff_id, action=action, target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        school_id=school_id, detail=detail or {}, ip=ip,
    )
    session.add(event)
    session.flush()
    return event
