"""District settings: flag rule thresholds, suppression, languages offered."""

from datetime import datetime
from typing import Any

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from relationships.rules import MIN_N
from survey_app.models.base import json_field, utcnow


class DistrictSettings(SQLModel, table=True):
    __tablename__ = "district_settings"
    id: int | None = Field(default=None, primary_key=True)
    district_id: int = Field(foreign_key="district.id", unique=True)
    flag_rules: dict[str, Any] = json_field(dict)  # relationships.FlagRules.to_dict()
    priority_tiers: dict[str, Any] = json_field(dict)  # relationships.tiers.TierRules.to_dict()
    min_n: int = MIN_N
    languages: list[str] = json_field(list)  # empty: every complete language
    retention_days: int = 365
    #: A bulk roster import that would remove more than this share of the active students
    #: or staff is refused unless the removals are confirmed.
    removal_share: float = Field(default=0.1, sa_column_kwargs={"server_default": "0.1"})
    #: Staff may sign in with a password. Turned off only while an OpenID Connect provider is
    #: configured; with none configured passwords work whatever this says (no lock-out).
    password_sign_in: bool = Field(default=True, sa_column_kwargs={"server_default": "1"})
    #: Survey reminders: at most this many rounds per invitation and wave, this many hours
    #: apart; students under 13 are reminded through their household unless allowed here.
    reminder_cap: int = Field(default=2, sa_column_kwargs={"server_default": "2"})
    reminder_gap_hours: int = Field(default=48, sa_column_kwargs={"server_default": "48"})
    remind_young_students: bool = Field(default=False,
                                        sa_column_kwargs={"server_default": "0"})
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by_id: int | None = Field(default=None, foreign_key="staff_user.id")


class DataVersion(SQLModel, table=True):
    """Counters, one row each: row 1 is bumped by every transaction that writes what the
    counselor pages read, row 2 (the staff version) by every one that writes ``staff_user``.

    ``survey_app.db`` bumps them on our engine (see ``track_writes``) in the same
    transaction as the write, so a cache keyed on one can never serve stale data.
    """

    __tablename__ = "data_version"
    id: int = Field(default=1, primary_key=True)
    n: int = 0


class RespondentChange(SQLModel, table=True):
    """Whose answers a declared survey save changed, numbered by its school's counter.

    ``n`` is the school's own counter (``data_version`` row ``SCHOOL_ROW + school_id``)
    after the save's commit, written in the same transaction as that bump
    (``survey_app.db.versions``): a cached school state at counter ``k`` becomes the one
    at ``n`` by reloading only the respondents of the rows ``k < n' <= n``
    (``survey_app.reading.incremental``). One row per school and respondent (a student, or
    a household); both empty means "unknown respondents" (a full load). Each school keeps
    its last rows only (pruned by count as its counter moves on, not by time: the table
    stays small however long a survey window runs); a missing row means a full load,
    never a stale page.
    """

    __tablename__ = "respondent_change"
    __table_args__ = (Index("ix_respondent_change_school_id_n", "school_id", "n"),)
    id: int | None = Field(default=None, primary_key=True)
    school_id: int
    n: int
    student_id: int | None = None
    household_id: int | None = None
