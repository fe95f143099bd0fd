"""Staff contacts with families (Flamboyan-style engagement measures)."""

from datetime import date, datetime

from sqlmodel import Field, SQLModel, UniqueConstraint

from survey_app.models.base import created_at_field, utcnow


class Engagement(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    household_id: int = Field(foreign_key="household.id", index=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    staff_id: int = Field(foreign_key="staff_user.id", index=True)
    contacted_on: date
    channel: str = Field(max_length=20)  # a choice of staff.forms.EngagementForm.channel
    started_by: str = Field(max_length=10)  # "school" | "family"
    positive: bool = False  # good news shared
    concern: bool = False  # a concern raised
    two_way: bool = False
    note: str | None = Field(default=None, max_length=2000)
    #: The note is for staff of every school (its author said so); otherwise only for
    #: staff of ``school_id``, the school it was written for.
    district_wide: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})
    created_at: datetime = created_at_field()


class FamilyTrustMark(SQLModel, table=True):
    """A staff member's answer to "Do I have a trusting relationship with this family?",
    kept per wave like the student marks (Flamboyan's teacher-reported trust measure)."""

    __tablename__ = "family_trust_mark"
    __table_args__ = (UniqueConstraint("staff_id", "household_id", "wave_id"),)
    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff_user.id", index=True)
    household_id: int = Field(foreign_key="household.id", index=True)
    wave_id: int = Field(foreign_key="survey_wave.id", index=True)
    trust: str = Field(max_length=10)  # "yes" | "not_yet" | "dont_know"
    updated_at: datetime = Field(default_factory=utcnow)
