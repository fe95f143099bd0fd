"""Districts, schools and classes."""

from datetime import datetime

from sqlmodel import Field, SQLModel, UniqueConstraint

from survey_app.models.base import created_at_field


class District(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    code: str = Field(max_length=64, unique=True)
    created_at: datetime = created_at_field()


class School(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    district_id: int = Field(foreign_key="district.id", index=True)
    code: str = Field(max_length=64, unique=True)
    sourced_id: str | None = Field(default=None, max_length=255, unique=True)
    name: str = Field(max_length=200)
    grade_low: int = 0
    grade_high: int = 12
    timezone: str = Field(default="America/New_York", max_length=64)
    active: bool = True
    created_at: datetime = created_at_field()


class Section(SQLModel, table=True):
    """A class (OneRoster ``classes.csv``): used to filter rosters and to find who teaches whom."""

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    sourced_id: str | None = Field(default=None, max_length=255, unique=True)
    title: str = Field(max_length=200)
    active: bool = True


class SectionStudent(SQLModel, table=True):
    __tablename__ = "section_student"
    __table_args__ = (UniqueConstraint("section_id", "student_id"),)
    id: int | None = Field(default=None, primary_key=True)
    section_id: int = Field(foreign_key="section.id", index=True)
    student_id: int = Field(foreign_key="student.id", index=True)


class SectionTeacher(SQLModel, table=True):
    __tablename__ = "section_teacher"
    __table_args__ = (UniqueConstraint("section_id", "staff_id"),)
    id: int | None = Field(default=None, primary_key=True)
    section_id: int = Field(foreign_key="section.id", index=True)
    staff_id: int = Field(foreign_key="staff_user.id", index=True)
