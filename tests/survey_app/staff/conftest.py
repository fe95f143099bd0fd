"""A teacher's class with context data, household answers, a naming and a mark."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from survey_app.models import (
    ContextMeasure,
    Household,
    Section,
    SectionStudent,
    SectionTeacher,
    Student,
)
from tests.factories import make_student, make_user
from tests.survey_app.counsel.builders import answer, invite, make_adult, mark, tie


@dataclass
class Classroom:
    section: Section
    other_section: Section
    students: list[Student]
    outsider: Student
    barrier: Student
    quiet: Student


def _section(session, school, title, teacher, students):
    section = Section(school_id=school.id, title=title, sourced_id=f"sec-{title}")
    session.add(section)
    session.flush()
    session.add(SectionTeacher(section_id=section.id, staff_id=teacher.id))
    for s in students:
        session.add(SectionStudent(section_id=section.id, student_id=s.id))
    session.flush()
    return section


@pytest.fixture
def classroom(session, world) -> Classroom:
    """Ms Staff's class of four: one with no internet and low completion (the family asked
    for help), one who named her, one with nothing known; and a colleague's class."""
    teacher = world.users["staff"]
    colleague = make_user(session, world.district, "staff", world.school)
    households = []
    for _i in range(4):
        h = Household(district_id=world.district.id, language="es")
        session.add(h)
        households.append(h)
    session.flush()
    kids = [make_student(session, world.school, household=h, given_name=f"Kid{i}",
                         family_name="Able", grade=5) for i, h in enumerate(households)]
    outsider = make_student(session, world.school, given_name="Outsider", family_name="Zed")
    section = _section(session, world.school, "5A Reading", teacher, kids)
    other = _section(session, world.school, "5B Maths", colleague, [outsider])
    barrier, named, quiet = kids[0], kids[1], kids[3]
    for s, completion in ((barrier, 0.55), (named, 0.95), (kids[2], 0.70)):
        session.add(ContextMeasure(student_id=s.id, term="2026-fall", attendance_rate=0.85,
                                   assignment_completion=completion, grade_average=78.5))
    own = invite(session, world.wave, student=barrier)
    answer(session, own, "home.internet", "none")
    answer(session, own, "home.devices", ["phone"])
    fam = invite(session, world.wave, household_id=barrier.household_id)
    answer(session, fam, "help.requests", ["internet"])
    answer(session, fam, "help.other", "SECRET-FREE-TEXT please call my sister")
    answer(session, fam, "family.emergency_pickup", "Aunt Rosalind")
    answer(session, fam, "home.homework_help", "yes")
    answer(session, fam, "home.homework_language", "es")
    response = invite(session, world.wave, student=named)
    tie(session, named, make_adult(session, world.district.id, staff=teacher), world.wave,
        response=response)
    tie(session, named, make_adult(session, world.district.id, name="Grandma Odalys"),
        world.wave, response=response)
    mark(session, teacher, named, world.wave, trusting=True)
    session.commit()
    return Classroom(section, other, kids, outsider, barrier, quiet)
