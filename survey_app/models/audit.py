"""Who viewed or exported which identifiable data, and when (FERPA disclosures)."""

from datetime import datetime
from typing import Any

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
