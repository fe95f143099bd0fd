"""Staff contacts with families (Flamboyan-style engagement measures)."""

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from survey_app.models.base import created_at_field


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
