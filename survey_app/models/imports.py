"""Roster imports as they were saved, so that the last one can be undone."""

from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from survey_app.models.base import created_at_field, json_field


class ImportRun(SQLModel, table=True):
    """One saved roster import: who ran it, its counts, and what it changed.

    ``changes`` maps a table name to ``{"created": [ids], "removed": [ids],
    "restored": [ids], "updated": {id: {column: value before}}}``, and the class
    rosters to the (section, person) pairs added and removed: enough to put every
    roster row back as it was (:mod:`survey_app.imports.undo`).
    """

    __tablename__ = "import_run"
    id: int | None = Field(default=None, primary_key=True)
    district_id: int = Field(foreign_key="district.id", index=True)
    staff_id: int | None = Field(default=None, foreign_key="staff_user.id")
    created_at: datetime = created_at_field()
    undone_at: datetime | None = None
    undone_by_id: int | None = Field(default=None, foreign_key="staff_user.id")
    counts: dict[str, Any] = json_field(dict)
    changes: dict[str, Any] = json_field(dict)
