"""Real OneRoster packages from other projects, and small fixtures for the quirks they lack.

Each sample imports with the counts read off its files by hand, or is refused for
its true cause at the right file, row and column; none gives a traceback. See
``tests/survey_app/imports_data/README.md`` for where each comes from.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import select

from survey_app.imports import roster_import
from survey_app.imports.report import describe
from survey_app.models import Household, School, StaffUser, Student
from tests.survey_app.exports.conftest import USERS, write_roster

DATA = Path(__file__).resolve().parents[1] / "imports_data"
CATALYST = DATA / "catalyst-moodle-enrol_oneroster"


def run(app, session, path, **kwargs):
    with app.test_request_context():
        report = roster_import.run(session=session, path=path, **kwargs)
        words = [describe(n) for n in report.notes] + [describe(p) for p in report.problems]
    session.expire_all()
    return report, "\n".join(words)


def notes(report) -> dict[str, dict]:
    return {n.code: n.params for n in report.notes}


SAMPLES = {
    # sample: (counts created, note codes that must be there)
    "Test_full_data_set.zip": (
        {"schools": 1, "students": 3, "staff": 2, "parents": 1, "households": 1,
         "classes": 1, "class members": 1, "class teachers": 1},
        {"agent_is_staff", "department_as_school", "enrolled_other_role"}),
    "Test_minimal_data_set.zip": (
        {"schools": 1, "students": 3, "staff": 2, "parents": 1, "households": 1,
         "classes": 2, "class members": 2, "class teachers": 2},
        {"department_as_school", "enrolled_other_role", "no_grade"}),
    "v1p2_full_dataset.zip": (
        {"schools": 1, "students": 3, "staff": 3, "classes": 1, "class members": 1,
         "class teachers": 1},
        {"agent_is_staff", "department_as_school", "enrolled_other_role", "other_role"}),
    "oneroster_test_data.zip": (
        {"schools": 1, "students": 1, "classes": 1, "class members": 1},
        {"delta_file", "no_grade"}),
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_catalyst_samples_import(app, session, name):
    report, words = run(app, session, CATALYST / name)
    assert report.problems == [], words
    created = {kind: c["created"] for kind, c in report.counts.items() if c.get("created")}
    assert created == SAMPLES[name][0]
    assert SAMPLES[name][1] <= set(notes(report))
    assert "absent" not in {s.name for s in session.exec(select(School))}


def test_full_set_locates_each_note_and_keeps_grades_and_households(app, session):
    report, _words = run(app, session, CATALYST / "Test_full_data_set.zip")
    found = notes(report)
    # Mary's agent is John, a teacher (users.csv row 3, agentSourcedIds)
    assert found["agent_is_staff"] == {"count": 3, "name": "users.csv", "row": 3,
                                       "column": "agentSourcedIds"}
    # Jim is a teacher enrolled as a student in enrollments.csv row 3
    assert found["enrolled_other_role"]["row"] == 3
    students = {s.sourced_id: s for s in session.exec(select(Student))}
    assert students["usr-222-66778899"].grade == 12
    parent_household = session.exec(select(Household)).one()
    assert students["usr-222-66778899"].household_id == parent_household.id
    assert students["usr-222-567891"].household_id is None  # her agent is a teacher


def test_v1p2_orgs_come_from_roles_csv(app, session):
    report, _words = run(app, session, CATALYST / "v1p2_full_dataset.zip")
    staff = {s.sourced_id: s for s in session.exec(select(StaffUser))}
    school = session.exec(select(School)).one()
    assert staff["usr-222-123456"].title == "teacher"  # primary; "guardian" is a note
    assert staff["usr-222-1234561"].title == "siteadministrator"  # only a secondary role
    assert staff["usr-222-123456"].school_id == school.id
    assert notes(report)["other_role"] == {"count": 1, "role": "guardian"}


def test_roster_hub_sample_students_enrolled_as_teachers(app, session):
    report, words = run(app, session, DATA / "lepo-roster-hub" / "sample_csv_en")
    assert report.problems == [], words
    assert report.counts["students"]["created"] == 20
    assert notes(report)["enrolled_other_role"]["count"] == 5
    assert {s.grade for s in session.exec(select(Student))} == {None}  # not kindergarten


def test_an_unknown_org_in_roles_csv_is_located_there(app, session, tmp_path):
    folder = tmp_path / "r12"
    folder.mkdir()
    (folder / "orgs.csv").write_text("sourcedId,name,type\ns1,Elm,school\n")
    (folder / "users.csv").write_text("sourcedId,givenName,familyName\nu1,Ana,Reyes\n")
    (folder / "roles.csv").write_text(
        "sourcedId,userSourcedId,roleType,role,orgSourcedId\n"
        "r1,u1,primary,student,s9\n")
    report, _words = run(app, session, folder)
    assert [(p.file, p.row, p.column, p.code) for p in report.problems] == [
        ("roles.csv", 2, "orgSourcedId", "unknown_school")]


def test_students_of_a_department_belong_to_the_school_above(app, session, tmp_path):
    orgs = ("sourcedId,name,type,parentSourcedId\nd1,Riverside,district,\n"
            "s1,Elm,school,d1\ndep1,Science,department,s1\nst,State,state,\n")
    users = ("sourcedId,orgSourcedIds,role,givenName,familyName,grades\n"
             "u1,dep1,student,Ana,Reyes,04\n")
    report, words = run(app, session, write_roster(tmp_path / "r", orgs=orgs, users=users,
                                                   classes=None, enrollments=None,
                                                   demographics=None))
    assert report.problems == [], words
    student = session.exec(select(Student)).one()
    assert session.get(School, student.school_id).name == "Elm"
    assert [s.name for s in session.exec(select(School))] == ["Elm"]
    assert {"department", "skipped_org"} <= set(notes(report))


def test_orgs_with_no_school_are_refused_for_that_reason(app, session, tmp_path):
    orgs = "sourcedId,name,type\nd1,Riverside,district\nst,State,state\n"
    report, words = run(app, session, write_roster(tmp_path / "r", orgs=orgs))
    assert report.problems[0].code == "no_school_org"
    assert "district, state" in words
    assert session.exec(select(Student)).first() is None


def test_control_characters_never_reach_the_database(app, session, tmp_path):
    users = (USERS.replace("Ana,Reyes", "\x0bAna\x00,Re\x9byes")
             .replace("Jo,Park", "Jo\tAnne,Park\x1b"))
    report, words = run(app, session, write_roster(tmp_path / "r", users=users))
    assert report.problems == [], words
    ana = session.exec(select(Student).where(Student.sourced_id == "u1")).one()
    assert (ana.given_name, ana.family_name) == ("Ana", "Reyes")
    jo = session.exec(select(StaffUser).where(StaffUser.sourced_id == "t1")).one()
    assert (jo.given_name, jo.family_name) == ("Jo Anne", "Park")
    assert notes(report)["stripped"] == {"count": 4, "name": "users.csv", "row": 2,
                                         "column": "givenName"}


def test_duplicate_rows_are_a_note_and_conflicting_ones_a_problem(app, session, tmp_path):
    line = "u1,active,TRUE,s1,student,Ana,Reyes,1001,p1,03,\n"
    report, _w = run(app, session, write_roster(tmp_path / "a", users=USERS + line))
    assert report.problems == []
    assert notes(report)["duplicate_row"]["row"] == 9
    other = line.replace("Ana", "Anna")
    report, _w = run(app, session, write_roster(tmp_path / "b", users=USERS + other))
    assert [(p.row, p.code) for p in report.problems] == [(9, "duplicate")]


def test_demographics_of_staff_and_unknown_users_are_counted(app, session, tmp_path):
    demographics = ("sourcedId,birthDate,sex\nu1,2016-04-02,female\nt1,1980-01-01,male\n"
                    "x1,2010-01-01,male\nx2,2010-01-01,female\n")
    report, _w = run(app, session, write_roster(tmp_path / "r", demographics=demographics))
    assert report.problems == []
    found = notes(report)
    assert found["demographics_not_student"]["count"] == 1
    assert found["demographics_unknown"] == {"count": 2, "name": "demographics.csv", "row": 4,
                                             "column": "sourcedId"}


def test_missing_grade_is_unknown_and_a_known_grade_is_kept(app, session, tmp_path):
    report, _w = run(app, session, write_roster(tmp_path / "a",
                                                users=USERS.replace(",03,", ",,")))
    assert session.exec(select(Student).where(Student.sourced_id == "u1")).one().grade is None
    run(app, session, write_roster(tmp_path / "b"))
    assert session.exec(select(Student).where(Student.sourced_id == "u1")).one().grade == 3
    run(app, session, write_roster(tmp_path / "c", users=USERS.replace(",03,", ",,")))
    assert session.exec(select(Student).where(Student.sourced_id == "u1")).one().grade == 3


def test_json_report_is_one_object_with_located_problems(runner, tmp_path):
    folder = write_roster(tmp_path / "r", users=USERS.replace("u4,active,TRUE,s2,",
                                                              "u4,active,TRUE,s9,"))
    result = runner.invoke(args=["import-roster", str(folder), "--json"])
    assert result.exit_code != 0
    report = json.loads(result.stdout)
    assert report["ok"] is False
    assert report["problems"] == [{"code": "unknown_school", "file": "users.csv", "row": 5,
                                   "column": "orgSourcedIds",
                                   "message": "No school has the sourcedId “s9”."}]
    assert all("message" in n for n in report["notes"])
