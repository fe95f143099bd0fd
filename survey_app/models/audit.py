"""Who viewed or exported which identifiable data, and when (FERPA disclosures).

Append-only through the app: the ORM refuses to update or delete an event, one at a
time or in bulk (restoring a backup replaces the whole database, outside the ORM).
"""

from datetime import datetime
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session
from sqlmodel import Field, SQLModel

from survey_app.models.base import json_field, utcnow


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    staff_id: int | None = Field(default=None, foreign_key="staff_user.id", index=True)
    action: str = Field(max_length=40, index=True)
    target_type: str | None = Field(default=None, max_length=40)
    target_id: str | None = Field(default=None, max_length=64)
    school_id: int | None = Field(default=None, foreign_key="school.id")
    detail: dict[str, Any] = json_field(dict)
    ip: str | None = Field(default=None, max_length=64)
    #: "ok", "refused" (a failed sign-in) or "failed" (a download that did not complete).
    outcome: str = Field(default="ok", max_length=20, sa_column_kwargs={"server_default": "ok"})


class AuditIsAppendOnly(RuntimeError):
    """The app tried to change or delete an audit event."""


@event.listens_for(AuditEvent, "before_update")
def _no_update(_mapper, _connection, target) -> None:
    raise AuditIsAppendOnly(f"audit event {target.id} cannot be changed")


@event.listens_for(AuditEvent, "before_delete")
def _no_delete(_mapper, _connection, target) -> None:
    raise AuditIsAppendOnly(f"audit event {target.id} cannot be deleted")


@event.listens_for(Session, "do_orm_execute")
def _no_bulk_change(state) -> None:
    """``update(AuditEvent)`` / ``delete(AuditEvent)`` through an ORM session."""
    if (state.is_update or state.is_delete) and any(
            m.class_ is AuditEvent for m in state.all_mappers):
        raise AuditIsAppendOnly("audit events cannot be changed or deleted")
