"""A counselor's actions on students to connect with."""

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from survey_app.models.base import created_at_field, utcnow
from survey_app.models.enums import FollowUpKind, FollowUpStatus


class FollowUp(SQLModel, table=True):
    __tablename__ = "follow_up"
    id: int | None = Field(default=None, primary_key=True)
    student_id: int = Field(foreign_key="student.id", index=True)
    kind: str = Field(default=FollowUpKind.FLAG, max_length=20)
    flag_code: str | None = Field(default=None, max_length=40)
    help_type: str | None = Field(default=None, max_length=40)  # from a family's help request
    response_id: int | None = Field(default=None, foreign_key="response.id")
    mentor_staff_id: int | None = Field(default=None, foreign_key="staff_user.id")
    created_by_id: int | None = Field(default=None, foreign_key="staff_user.id")
    owner_id: int | None = Field(default=None, foreign_key="staff_user.id", index=True)
    note: str | None = Field(default=None, max_length=4000)
    goal: str | None = Field(default=None, max_length=1000)  # what the plan is for
    frequency: str | None = Field(default=None, max_length=20)  # CheckInFrequency
    due_on: date | None = Field(default=None, index=True)
    status: str = Field(default=FollowUpStatus.OPEN, max_length=20, index=True)
    outcome: str | None = Field(default=None, max_length=2000)
    created_at: datetime = created_at_field()
    updated_at: datetime = Field(default_factory=utcnow)
    closed_at: datetime | None = None


class FollowUpNote(SQLModel, table=True):
    """A progress note on a plan: what happened at a check-in, by whom, when."""

    __tablename__ = "follow_up_note"
    id: int | None = Field(default=None, primary_key=True)
    follow_up_id: int = Field(foreign_key="follow_up.id", index=True)
    staff_id: int | None = Field(default=None, foreign_key="staff_user.id")
    note: str = Field(max_length=2000)
    created_at: datetime = created_at_field()
