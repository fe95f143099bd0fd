"""Survey waves, invitations, responses and their versioned answers."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel, UniqueConstraint

from survey_app.models.base import created_at_field, utcnow
from survey_app.models.enums import InvitationStatus


class SurveyWave(SQLModel, table=True):
    """A survey window (e.g. fall and spring); ties and marks belong to one."""

    __tablename__ = "survey_wave"
    __table_args__ = (UniqueConstraint("district_id", "ordinal"),)
    id: int | None = Field(default=None, primary_key=True)
    district_id: int = Field(foreign_key="district.id", index=True)
    ordinal: int
    name: str = Field(max_length=100)
    opens_on: date | None = None
    closes_on: date | None = None
    purged_at: datetime | None = None


class Invitation(SQLModel, table=True):
    """A survey sent to a student or a household.

    Neither the typed code nor the link token is stored: only their HMACs. Both
    are derived from ``nonce`` and the server's secret, so letters can be
    printed again without the database ever holding a usable code.
    """

    __table_args__ = (
        # "Was this student's (household's) survey of that wave sent back?" is asked once per
        # household-conditions row when a school's tables are read: found by who and wave
        # together. Indexed by who alone, a planner without statistics (SQLite) searched by
        # wave and read every invitation of the wave for each row (20 s for a 3,000-student
        # school instead of 0.2 s).
        Index("ix_invitation_student_id_wave_id", "student_id", "wave_id"),
        Index("ix_invitation_household_id_wave_id", "household_id", "wave_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    wave_id: int = Field(foreign_key="survey_wave.id", index=True)
    kind: str = Field(max_length=10)  # SurveyKind
    student_id: int | None = Field(default=None, foreign_key="student.id")
    household_id: int | None = Field(default=None, foreign_key="household.id")
    nonce: str = Field(max_length=64)
    code_hash: str = Field(max_length=64, unique=True)
    token_hash: str = Field(max_length=64, unique=True)
    language: str = Field(default="en", max_length=16)
    status: str = Field(default=InvitationStatus.SENT, max_length=12)
    created_at: datetime = created_at_field()
    opened_at: datetime | None = None
    submitted_at: datetime | None = None


class Response(SQLModel, table=True):
    """One respondent's answers to one invitation, under one survey definition version."""

    id: int | None = Field(default=None, primary_key=True)
    invitation_id: int = Field(foreign_key="invitation.id", unique=True)
    survey: str = Field(max_length=20)  # definition id, e.g. "student"
    version: str = Field(max_length=20)  # definition version answers were given under
    language: str = Field(max_length=16)  # language the response started in
    status: str = Field(default=InvitationStatus.STARTED, max_length=12)
    current_page: str | None = Field(default=None, max_length=40)
    started_at: datetime = created_at_field()
    updated_at: datetime = Field(default_factory=utcnow)
    submitted_at: datetime | None = None


class Answer(SQLModel, table=True):
    """One answer to one item; a changed answer is a new version and the old one stays."""

    __table_args__ = (
        UniqueConstraint("response_id", "item_id", "entry", "version"),
        # The counselor pages read a few household items' current answers for a whole school.
        Index("ix_answer_item_id_current", "item_id", "current"),
        # Every page reads (and every save writes over) one response's current answers:
        # found here without reading the versions they replaced (hundreds for a response
        # saved often). Also serves every other lookup by response.
        Index("ix_answer_response_id_current", "response_id", "current"),
    )
    id: int | None = Field(default=None, primary_key=True)
    response_id: int = Field(foreign_key="response.id")
    item_id: str = Field(max_length=80)
    entry: int = 0  # index in a repeating block; 0 outside one
    version: int = 1
    current: bool = Field(default=True, index=True)
    value: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    language: str = Field(max_length=16)
    answered_at: datetime = created_at_field()


class PageSubmission(SQLModel, table=True):
    """A page form's submission key, kept once its save is written: a repeat of the same
    form (a double tap, a resend after a timeout, back and send again) is recognised and
    changes nothing. Two at once meet at the unique constraint."""

    __tablename__ = "page_submission"
    __table_args__ = (UniqueConstraint("response_id", "key"),)
    id: int | None = Field(default=None, primary_key=True)
    response_id: int = Field(foreign_key="response.id")
    key: str = Field(max_length=64)
    page: str = Field(max_length=40)
    at: datetime = created_at_field()


class LanguageSwitch(SQLModel, table=True):
    """A respondent changed language mid-survey (LimeSurvey and REDCap record this too)."""

    __tablename__ = "language_switch"
    id: int | None = Field(default=None, primary_key=True)
    response_id: int = Field(foreign_key="response.id", index=True)
    from_language: str = Field(max_length=16)
    to_language: str = Field(max_length=16)
    page: str | None = Field(default=None, max_length=40)
    at: datetime = created_at_field()


class HouseholdCondition(SQLModel, table=True):
    """One response's household conditions, decoded from its current answers.

    Derived data (``models/conditions.py``): written whenever a page holding the
    household items is saved, by the demo loader, and by the migration that made the
    table; deleted with the answers by a retention purge. One row per response, so a
    family's answers reach the household's current children when the pages read them.
    """

    __tablename__ = "household_condition"
    id: int | None = Field(default=None, primary_key=True)
    response_id: int = Field(foreign_key="response.id", unique=True)
    wave_id: int = Field(foreign_key="survey_wave.id", index=True)
    source: str = Field(max_length=10)  # SurveyKind of the invitation: student | family
    student_id: int | None = Field(default=None, foreign_key="student.id", index=True)
    household_id: int | None = Field(default=None, foreign_key="household.id", index=True)
    internet: str | None = Field(default=None, max_length=20)
    device_own: bool | None = None
    device_shared: bool | None = None
    device_phone: bool | None = None
    device_none: bool | None = None
    quiet_place: str | None = Field(default=None, max_length=20)
    adult_home: str | None = Field(default=None, max_length=20)
