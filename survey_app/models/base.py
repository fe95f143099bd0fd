"""Helpers shared by the table modules."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field


def utcnow() -> datetime:
    """Aware UTC: the one time representation stored (SQLModel's UTCDateTime)."""
    return datetime.now(UTC)


def json_field(default_factory: Any = dict, *, nullable: bool = False) -> Any:
    """A JSON column (JSON on SQLite, JSON on PostgreSQL)."""
    return Field(default_factory=default_factory, sa_column=Column(JSON, nullable=nullable))


def created_at_field() -> Any:
    return Field(default_factory=utcnow, nullable=False)
