"""District settings: flag rule thresholds, suppression, languages offered."""

from datetime import datetime
from typing import Any

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
