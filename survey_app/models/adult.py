"""Adults in students' lives and proposed "same person" matches between them."""

from datetime import datetime

from sqlmodel import Field, SQLModel, UniqueConstraint

from survey_app.models.base import created_at_field
from survey_app.models.enums import AdultKind, MatchStatus


class Adult(SQLModel, table=True):
    """A person a student can count on: family, community, or a staff member (``staff_id``)."""

    id: int | None = Field(default=None, primary_key=True)
    district_id: int = Field(foreign_key="district.id", index=True)
    kind: str = Field(default=AdultKind.COMMUNITY, max_length=20)
    role: str = Field(max_length=40)
    display_name: str = Field(max_length=200)
    household_id: int | None = Field(default=None, foreign_key="household.id", index=True)
    staff_id: int | None = Field(default=None, foreign_key="staff_user.id", index=True)
    sourced_id: str | None = Field(default=None, max_length=255, unique=True)
    #: A parent's or guardian's email from the roster (OneRoster ``users.csv``): where the
    #: household's survey reminders go.
    email: str | None = Field(default=None, max_length=320)
    # Set when a counselor confirms this adult is the same person as another.
    merged_into_id: int | None = Field(default=None, foreign_key="adult.id")
    created_at: datetime = created_at_field()


class AdultMatch(SQLModel, table=True):
    """A proposed match between two adults; a counselor confirms or rejects it."""

    __tablename__ = "adult_match"
    __table_args__ = (UniqueConstraint("adult_a_id", "adult_b_id"),)
    id: int | None = Field(default=None, primary_key=True)
    student_id: int | None = Field(default=None, foreign_key="student.id", index=True)
    adult_a_id: int = Field(foreign_key="adult.id", index=True)
    adult_b_id: int = Field(foreign_key="adult.id", index=True)
    score: float
    status: str = Field(default=MatchStatus.PROPOSED, max_length=20)
    decided_by_id: int | None = Field(default=None, foreign_key="staff_user.id")
    decided_at: datetime | None = None
    created_at: datetime = created_at_field()
