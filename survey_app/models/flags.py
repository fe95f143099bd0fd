"""Stored flags: each school's flags as last worked out, so exports need not work them out again.

A cache of what :mod:`relationships` decides from the survey data: the rows of a
school are good only while ``flag_snapshot.data_version`` is the database's flags
version (``data_version`` row 3) and ``flag_snapshot.key`` names the wave and rules asked for
(:mod:`survey_app.reading.stored_flags` checks both, and works the flags out
again when either moved). Nothing here is typed by anyone; it can always be
deleted.
"""

from datetime import datetime

from sqlalchemy import Column, Integer, Text
from sqlmodel import Field, SQLModel

from survey_app.models.base import utcnow


def _id_column() -> Column:
    return Column(Integer, primary_key=True, autoincrement=False)


class FlagSnapshot(SQLModel, table=True):
    """When one school's ``student_flags`` were worked out, and from what."""

    __tablename__ = "flag_snapshot"
    school_id: int = Field(sa_column=_id_column())
    key: str = Field(max_length=64)  # the wave and flag rules (reading.stored_flags.snapshot_key)
    data_version: int  # the flags version (survey_app.db.FLAGS_VERSION) they were worked out at
    computed_at: datetime = Field(default_factory=utcnow)


class StudentFlags(SQLModel, table=True):
    """One student's flags, reasons and reliable-adult counts at their school's snapshot."""

    __tablename__ = "student_flags"
    school_id: int = Field(sa_column=_id_column())
    student_id: int = Field(sa_column=_id_column())
    codes: str = ""  # flag codes in report order, space-separated
    reasons: str = Field(default="[]", sa_column=Column(Text, nullable=False))  # JSON
    reliable: int = 0
    family: int | None = None  # reliable adults by setting (None: no strengths row)
    school: int | None = None
    community: int | None = None
