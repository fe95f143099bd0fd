"""Builders for test data: small, explicit, returning the rows they make."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import count

from sqlmodel import Session
from werkzeug.security import generate_password_hash

from survey_app.models import (
    CounselorSchool,
    District,
    Household,
    School,
    StaffUser,
    Student,
    SurveyWave,
)
from survey_app.models.enums import Role

PASSWORD = "correct horse battery staple"
# The same scrypt as production, at a cost of N=2**10 instead of 2**15: a sign-in reads the
# cost from the stored hash, so each test sign-in takes ~5 ms instead of ~200 ms. Accounts
# made through the app (create-user, demo) still get the full cost (tests/survey_app/cli/test_users.py checks).
PASSWORD_HASH = generate_password_hash(PASSWORD, method="scrypt:1024:8:1")
_ids = count(1)


@dataclass
class World:
    district: District
    school: School
    other_school: School
    wave: SurveyWave
    users: dict[str, StaffUser] = field(default_factory=dict)
    students: list[Student] = field(default_factory=list)
    other_students: list[Student] = field(default_factory=list)


def make_user(session: Session, district: District, role: str, school: School | None,
              *, email: str | None = None, **extra) -> StaffUser:
    n = next(_ids)
    user = StaffUser(
        district_id=district.id, school_id=school.id if school and role != Role.DISTRICT_ADMIN
        else None, email=email or f"{role}{n}@example.org", password_hash=PASSWORD_HASH, role=role,
        given_name=extra.pop("given_name", role.title()), family_name=extra.pop("family_name",
        f"Person{n}"), **extra,
    )
    session.add(user)
    session.flush()
    if role == Role.COUNSELOR and school is not None:
        session.add(CounselorSchool(staff_id=user.id, school_id=school.id))
    return user


def make_student(session: Session, school: School, *, household: Household | None = None,
                 **extra) -> Student:
    n = next(_ids)
    values = {"sourced_id": f"stu-{n}", "sis_id": f"S{n:06d}", "given_name": f"Student{n}",
              "family_name": "Test", "grade": 5} | extra
    student = Student(school_id=school.id, household_id=household.id if household else None,
                      **values)
    session.add(student)
    session.flush()
    return student


def build_world(session: Session) -> World:
    district = District(name="Test District", code="TD")
    session.add(district)
    session.flush()
    school = School(district_id=district.id, code="ELM", name="Elm Elementary", grade_high=5)
    other = School(district_id=district.id, code="OAK", name="Oak High", grade_low=9)
    session.add_all([school, other])
    session.flush()
    wave = SurveyWave(district_id=district.id, ordinal=1, name="Fall")
    session.add(wave)
    session.flush()
    world = World(district=district, school=school, other_school=other, wave=wave)
    for role in Role:
        world.users[role.value] = make_user(session, district, role, school)
    world.users["other_counselor"] = make_user(session, district, Role.COUNSELOR, other)
    world.users["other_staff"] = make_user(session, district, Role.STAFF, other)
    household = Household(district_id=district.id, language="es")
    session.add(household)
    session.flush()
    world.students = [make_student(session, school, household=household) for _i in range(3)]
    world.other_students = [make_student(session, other, grade=10) for _i in range(2)]
    session.commit()
    return world
