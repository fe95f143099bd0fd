"""Students, their households, and context data imported beside the surveys."""

from datetime import date, datetime
from typing import Any

from sqlmodel import Field, SQLModel, UniqueConstraint

from survey_app.models.base import created_at_field, json_field, utcnow
from survey_app.models.enums import Consent


class Household(SQLModel, table=True):
    """One or more students (siblings) and the family's contact preferences."""

    id: int | None = Field(default=None, primary_key=True)
    district_id: int = Field(foreign_key="district.id", index=True)
    sourced_id: str | None = Field(default=None, max_length=255, unique=True)
    language: str = Field(default="en", max_length=16)
    contact_channels: list[str] = json_field(list)
    contact_times: str | None = Field(default=None, max_length=200)
    wants_interpreter: bool | None = None
    created_at: datetime = created_at_field()


class Student(SQLModel, table=True):
    """A student. Demographics are used only in aggregate equity views."""

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    household_id: int | None = Field(default=None, foreign_key="household.id", index=True)
    sourced_id: str = Field(max_length=255, unique=True)
    sis_id: str | None = Field(default=None, max_length=64, index=True)
    given_name: str = Field(max_length=200)
    family_name: str = Field(max_length=200)
    preferred_name: str | None = Field(default=None, max_length=200)
    grade: int | None = Field(default=None, index=True)  # 0 = kindergarten; None: not known
    birth_date: date | None = None
    #: The student's own email from the roster; reminders use it only from age 13, or
    #: younger when the district allows it (``DistrictSettings.remind_young_students``).
    email: str | None = Field(default=None, max_length=320)
    preferred_language: str = Field(default="en", max_length=16)
    home_language: str | None = Field(default=None, max_length=16)
    # Federal 7-category code derived from the raw OneRoster flags kept beside it.
    race_ethnicity: str | None = Field(default=None, max_length=40)
    race_flags: dict[str, Any] = json_field(dict)
    gender: str | None = Field(default=None, max_length=20)
    english_learner: bool | None = None
    econ_disadvantaged: bool | None = None
    disability: bool | None = None
    consent: str = Field(default=Consent.NO_ANSWER, max_length=20)
    active: bool = True
    deleted_at: datetime | None = None
    created_at: datetime = created_at_field()
    updated_at: datetime = Field(default_factory=utcnow)


class ContextMeasure(SQLModel, table=True):
    """Attendance, assignment completion and grade average per student and term."""

    __tablename__ = "context_measure"
    __table_args__ = (UniqueConstraint("student_id", "term"),)
    id: int | None = Field(default=None, primary_key=True)
    student_id: int = Field(foreign_key="student.id", index=True)
    term: str = Field(max_length=40)
    attendance_rate: float | None = None
    assignment_completion: float | None = None
    grade_average: float | None = None
    imported_at: datetime = created_at_field()
