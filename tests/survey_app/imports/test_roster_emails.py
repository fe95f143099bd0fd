"""Roster emails of guardians and students: kept for survey reminders, never a reason to refuse."""

from __future__ import annotations

from sqlmodel import select

from survey_app.models import Adult, Student
from tests.survey_app.exports.conftest import USERS, write_roster
from tests.survey_app.imports.test_oneroster import run_import


def test_guardian_and_student_emails_are_kept_and_bad_ones_left_out(app, session, tmp_path):
    users = (USERS.replace("p1,active,TRUE,s1,parent,Rosa,Reyes,,u1,,",
                           "p1,active,TRUE,s1,parent,Rosa,Reyes,,u1,, Rosa.Reyes@Familia.Example ")
             .replace("p2,active,TRUE,s2,guardian,Thu,Nguyễn,,,,",
                      "p2,active,TRUE,s2,guardian,Thu,Nguyễn,,,,not an address")
             .replace("u3,active,TRUE,s2,student,Mai,Nguyễn,1003,p2,10,",
                      "u3,active,TRUE,s2,student,Mai,Nguyễn,1003,p2,10,mai@student.example"))
    report, _notes, problems = run_import(app, session, write_roster(tmp_path / "r", users=users))
    assert report.ok, problems
    emails = {a.sourced_id: a.email for a in session.exec(select(Adult))}
    assert emails == {"p1": "rosa.reyes@familia.example", "p2": None}
    kids = {s.sourced_id: s.email for s in session.exec(select(Student))}
    assert kids["u3"] == "mai@student.example"
    assert kids["u1"] is None
    # A later roster without the address takes it away (the roster is the source).
    report, _notes, _problems = run_import(app, session, write_roster(tmp_path / "s"))
    session.expire_all()
    assert session.exec(select(Adult.email).where(Adult.sourced_id == "p1")).one() is None
