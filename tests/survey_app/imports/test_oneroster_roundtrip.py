"""A district written as OneRoster 1.2 imports into an empty database unchanged."""

from __future__ import annotations

import shutil
from datetime import date

from sqlmodel import Session, select

from survey_app import create_app
from survey_app.db import get_engine
from survey_app.demo.oneroster_writer import write_oneroster
from survey_app.imports import oneroster
from survey_app.imports.fields import federal_race_category
from survey_app.imports.package import open_package
from survey_app.models import Household, Section, SectionStudent, SectionTeacher, Student
from tests.conftest import TEST_CONFIG
from tests.factories import make_student


def _dress(session, world):
    """Give the factory district demographics, a second household and a class."""
    flags = {"hispanicOrLatinoEthnicity": False, "asian": True, "white": True,
             "blackOrAfricanAmerican": False, "americanIndianOrAlaskaNative": False,
             "nativeHawaiianOrOtherPacificIslander": False,
             "demographicRaceTwoOrMoreRaces": False}
    household = Household(district_id=world.district.id, language="ar")
    session.add(household)
    session.flush()
    extra = make_student(session, world.other_school, household=household, grade=11,
                         given_name="ليلى", family_name="حسن")
    for n, student in enumerate([*world.students, *world.other_students, extra]):
        student.race_flags = flags | {"asian": n % 2 == 0}
        student.race_ethnicity = federal_race_category(student.race_flags)
        student.english_learner, student.disability = n % 2 == 0, n % 3 == 0
        student.econ_disadvantaged, student.consent = n % 2 == 1, "consented"
        student.birth_date, student.gender = date(2012, 1, 1 + n), "female"
        student.preferred_language = "es"
        session.add(student)
    section = Section(school_id=world.school.id, sourced_id="sec-1", title="Room 4")
    session.add(section)
    session.flush()
    session.add(SectionStudent(section_id=section.id, student_id=world.students[0].id))
    session.add(SectionTeacher(section_id=section.id, staff_id=world.users["staff"].id))
    session.commit()


def _picture(session):
    students = session.exec(select(Student).order_by(Student.sourced_id)).all()
    households = {}
    for s in students:
        households.setdefault(s.household_id, []).append(s.sourced_id)
    groups = sorted(sorted(g) for h, g in households.items() if h is not None)
    fields = ("sourced_id", "sis_id", "given_name", "family_name", "grade", "birth_date",
              "gender", "race_flags", "race_ethnicity", "english_learner", "disability",
              "econ_disadvantaged", "consent", "preferred_language")
    rows = [tuple(getattr(s, f) for f in fields) for s in students]
    members = sorted((m.section_id is not None) for m in session.exec(select(SectionStudent)))
    return rows, groups, members


def test_district_round_trips_through_oneroster_1_2(app, session, world, tmp_path,
                                                    sqlite_template):
    _dress(session, world)
    package, extra = tmp_path / "district.zip", tmp_path / "extra.csv"
    write_oneroster(session=session, target=package, extra=extra)
    before = _picture(session)

    empty = tmp_path / "empty.db"
    shutil.copy(sqlite_template, empty)
    other = create_app({**TEST_CONFIG, "DATABASE_URL": f"sqlite:///{empty}"})
    with other.test_request_context(), Session(get_engine(other)) as fresh:
        report = oneroster.import_roster(session=fresh, package=open_package(package),
                                         extra=extra)
        assert report.ok, report.as_dict()
        fresh.commit()
        assert _picture(fresh) == before
        assert len(fresh.exec(select(SectionTeacher)).all()) == 1
    get_engine(other).dispose()


def test_demo_district_round_trips(app, runner, session, tmp_path, sqlite_template):
    result = runner.invoke(args=["demo", "--students", "60", "--seed", "3"])
    assert result.exit_code == 0, result.output
    package, extra = tmp_path / "demo.zip", tmp_path / "extra.csv"
    write_oneroster(session=session, target=package, extra=extra)
    before = _picture(session)
    assert len(before[0]) == 60
    assert before[1]  # the demo has households of siblings

    empty = tmp_path / "empty.db"
    shutil.copy(sqlite_template, empty)
    other = create_app({**TEST_CONFIG, "DATABASE_URL": f"sqlite:///{empty}"})
    with other.test_request_context(), Session(get_engine(other)) as fresh:
        report = oneroster.import_roster(session=fresh, package=open_package(package),
                                         extra=extra)
        assert report.ok, report.as_dict()
        fresh.commit()
        assert _picture(fresh) == before
    get_engine(other).dispose()
