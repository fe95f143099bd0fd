"""Long work run by the job queue: what was asked, by whom, how it ended.

The row is the job's record for people (the progress page, the audit log) and
outlives the queue's own entry. Uploaded files wait in ``job_file`` until the
job has succeeded, so a job killed midway can be run again from the same files.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import Column, LargeBinary
from sqlmodel import Field, SQLModel

from survey_app.models.base import json_field, utcnow


class JobRun(SQLModel, table=True):
    __tablename__ = "job_run"
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=40, index=True)
    #: queued → running → done | failed. A running job whose worker died is shown as stopped.
    status: str = Field(default="queued", max_length=16, index=True)
    district_id: int = Field(foreign_key="district.id", index=True)
    started_by: int | None = Field(default=None, foreign_key="staff_user.id", index=True)
    params: dict[str, Any] = json_field(dict)
    report: dict[str, Any] = json_field(dict)
    #: A short reason for a failure, for staff; never a stack trace.
    error: str | None = Field(default=None, max_length=400)
    attempts: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    started_at: datetime | None = None
    finished_at: datetime | None = None


class JobFile(SQLModel, table=True):
    """A file a job reads (an upload) or wrote (an export), kept in the database so that
    a worker on another machine can read it."""

    __tablename__ = "job_file"
    id: int | None = Field(default=None, primary_key=True)
    job_id: int = Field(foreign_key="job_run.id", index=True)
    name: str = Field(max_length=40)
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
