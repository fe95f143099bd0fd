"""Support ties (student → adult) and staff relationship-mapping marks."""

from datetime import date, datetime

from sqlmodel import Field, SQLModel, UniqueConstraint

from survey_app.models.base import created_at_field, utcnow


class SupportTie(SQLModel, table=True):
    """Who a student can count on, for what, how often and how surely, by which source."""

    __tablename__ = "support_tie"
    id: int | None = Field(default=None, primary_key=True)
    student_id: int = Field(foreign_key="student.id", index=True)
    adult_id: int = Field(foreign_key="adult.id", index=True)
    wave_id: int = Field(foreign_key="survey_wave.id", index=True)
    source: str = Field(max_length=20)  # TieSource
    response_id: int | None = Field(default=None, foreign_key="response.id", index=True)
    entry: int | None = None  # position in the response's repeating adult block
    emotional: bool = False
    academic: bool = False
    practical: bool = False
    appraisal: bool = False
    future: bool = False
    emergency: bool = False
    frequency: str | None = Field(default=None, max_length=20)
    reliability: int | None = None  # 1 (not sure) … 4 (very sure)
    setting: str = Field(max_length=20)  # Setting
    lives_with: bool | None = None
    reported_on: date = Field(default_factory=lambda: utcnow().date())
    created_at: datetime = created_at_field()


class StaffMark(SQLModel, table=True):
    """A staff member's marks for one student in one wave (Making Caring Common's mapping)."""

    __tablename__ = "staff_mark"
    __table_args__ = (UniqueConstraint("staff_id", "student_id", "wave_id"),)
    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff_user.id", index=True)
    student_id: int = Field(foreign_key="student.id", index=True)
    wave_id: int = Field(foreign_key="survey_wave.id", index=True)
    trusting: bool = False  # ✓ positive, trusting relationship
    may_benefit: bool = False  # ◐ may benefit from a relationship with an adult
    willing_mentor: bool = False  # ★ willing to mentor
    updated_at: datetime = Field(default_factory=utcnow)
