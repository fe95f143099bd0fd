"""The OneRoster import: the shared sample, errors, re-imports and safety."""

from __future__ import annotations

import zipfile

import pytest
from sqlmodel import select

from survey_app.imports import oneroster
from survey_app.imports.package import open_package
from survey_app.imports.report import PackageError, describe
from survey_app.models import (
    Adult,
    Answer,
    District,
    Household,
    Invitation,
    Response,
    School,
    SectionStudent,
    SectionTeacher,
    StaffUser,
    Student,
    SupportTie,
    SurveyWave,
)
from tests.survey_app.exports.conftest import SAMPLE, USERS, write_roster


def run_import(app, session, path, **kwargs):
    with app.test_request_context():
        report = oneroster.import_roster(session=session, package=open_package(path), **kwargs)
        notes = [describe(n) for n in report.notes]
        problems = [describe(p) for p in report.problems]
    if report.ok and not kwargs.get("dry_run"):
        session.commit()
    else:
        session.rollback()
    return report, notes, problems


def students(session):
    return {s.sourced_id: s for s in session.exec(select(Student))}


@pytest.mark.skipif(not SAMPLE.exists(), reason="the shared OneRoster sample is not here")
def test_shared_sample_imports_two_students_and_names_what_it_skipped(app, session):
    report, notes, problems = run_import(app, session, SAMPLE)
    assert problems == []
    found = students(session)
    assert set(found) == {"user1", "user2"}
    schools = {s.id: s.sourced_id for s in session.exec(select(School))}
    assert schools[found["user1"].school_id] == "12345"
    assert schools[found["user2"].school_id] == "54321"
    assert found["user1"].sis_id == "user identifier"
    text = "\n".join(notes)
    assert "classes.csv, but the package does not contain it" in text
    assert "ext_imagineLearning_databaseId" in text
    assert "metadata.classification" in text
    assert "demographics.csv has no rows" in text
    assert "2 students have no grade" in text


def test_cli_imports_the_sample(runner, session):
    if not SAMPLE.exists():
        pytest.skip("the shared OneRoster sample is not here")
    result = runner.invoke(args=["import-roster", str(SAMPLE)])
    assert result.exit_code == 0, result.output
    assert "students: 2 created" in result.output
    assert "note: The manifest lists enrollments.csv" in result.output


def test_full_roster_builds_schools_households_rosters_and_demographics(app, session, roster,
                                                                        extra_csv):
    report, _notes, problems = run_import(app, session, roster, extra=extra_csv)
    assert problems == []
    assert session.exec(select(District)).one().name == "Riverside District"
    found = students(session)
    assert found["u1"].household_id == found["u2"].household_id is not None  # siblings
    assert found["u3"].household_id != found["u1"].household_id
    assert found["u4"].household_id is None
    assert found["u3"].family_name == "Nguyễn"
    assert found["u4"].family_name == "حسن"
    assert found["u1"].race_ethnicity == "hispanic_latino"
    assert found["u1"].race_flags["white"] is True  # raw flags kept
    assert found["u3"].race_ethnicity == "asian"
    assert found["u4"].race_ethnicity == "two_or_more"
    assert found["u1"].grade == 3
    assert found["u1"].sis_id == "1001"
    assert (found["u1"].english_learner, found["u1"].disability,
            found["u1"].econ_disadvantaged) == (True, False, True)
    assert found["u1"].consent == "consented"
    assert found["u3"].consent == "opted_out"
    assert found["u1"].preferred_language == "es"
    assert found["u2"].consent == "no_answer"
    parents = session.exec(select(Adult).where(Adult.kind == "family")).all()
    assert {(a.sourced_id, a.household_id) for a in parents} == {
        ("p1", found["u1"].household_id), ("p2", found["u3"].household_id)}
    teacher = session.exec(select(StaffUser).where(StaffUser.sourced_id == "t1")).one()
    assert teacher.password_hash is None
    assert teacher.role == "staff"
    assert len(session.exec(select(SectionStudent)).all()) == 2
    assert len(session.exec(select(SectionTeacher)).all()) == 1
    assert report.counts["students"]["created"] == 4


def test_broken_row_imports_nothing_and_names_row_and_column(app, session, tmp_path):
    users = USERS.replace("u2,active,TRUE,s1,student,Luis,Reyes,1002,p1,05,",
                          "u2,active,TRUE,s1,student,Luis,,1002,p1,5th,")
    folder = write_roster(tmp_path / "broken", users=users)
    report, _notes, _problems = run_import(app, session, folder)
    assert not report.ok
    where = {(p.file, p.row, p.column) for p in report.problems}
    assert ("users.csv", 3, "familyName") in where
    assert ("users.csv", 3, "grades") in where
    assert session.exec(select(Student)).all() == []
    assert session.exec(select(School)).all() == []


def test_cli_reports_problems_and_exits_nonzero(runner, tmp_path):
    folder = write_roster(tmp_path / "broken", users=USERS.replace(",03,", ",ZZ,"))
    result = runner.invoke(args=["import-roster", str(folder)])
    assert result.exit_code != 0
    assert "users.csv:2 [grades]" in result.output
    assert "nothing was imported" in result.output


def test_dry_run_saves_nothing(app, session, roster):
    report, _n, _p = run_import(app, session, roster, dry_run=True)
    assert report.ok
    assert report.counts["students"]["created"] == 4
    assert session.exec(select(Student)).all() == []


def _survey_data(session, student):
    wave = SurveyWave(district_id=session.exec(select(District)).one().id, ordinal=1,
                      name="Fall")
    session.add(wave)
    session.flush()
    invitation = Invitation(wave_id=wave.id, kind="student", student_id=student.id, nonce="n",
                            code_hash="c", token_hash="t")
    session.add(invitation)
    session.flush()
    response = Response(invitation_id=invitation.id, survey="student", version="1",
                        language="en")
    session.add(response)
    session.flush()
    adult = Adult(district_id=wave.district_id, role="coach", display_name="Coach K")
    session.add(adult)
    session.flush()
    session.add_all([
        Answer(response_id=response.id, item_id="home.internet", value="works_well",
               language="en"),
        SupportTie(student_id=student.id, adult_id=adult.id, wave_id=wave.id,
                   source="student_survey", response_id=response.id, reliability=4,
                   setting="community"),
    ])
    session.commit()


def _snapshot(session):
    return ([(a.id, a.response_id, a.item_id, a.value, a.version, a.current)
             for a in session.exec(select(Answer))],
            [(t.id, t.student_id, t.adult_id, t.reliability) for t in
             session.exec(select(SupportTie))],
            [(r.id, r.invitation_id) for r in session.exec(select(Response))])


def test_reimport_updates_by_sourced_id_soft_deletes_and_keeps_survey_data(app, session,
                                                                           roster, tmp_path):
    run_import(app, session, roster)
    _survey_data(session, students(session)["u1"])
    before = _snapshot(session)
    ids = {sid: s.id for sid, s in students(session).items()}
    users = (USERS.replace("Ana,Reyes", "Ana María,Reyes")
             .replace("u2,active,", "u2,tobedeleted,")
             .replace("u4,active,TRUE,s2,student,Omar,حسن,1004,,11,\n", ""))
    folder = write_roster(tmp_path / "again", users=users)
    report, _n, problems = run_import(app, session, folder)
    assert [p.code for p in report.problems] == ["too_many_students_removed"]  # 2 of 4
    report, _n, problems = run_import(app, session, folder, allow_removals=True)
    assert problems == []
    session.expire_all()
    after = students(session)
    assert {sid: s.id for sid, s in after.items()} == ids  # same rows, same ids
    assert after["u1"].given_name == "Ana María"
    assert after["u1"].active
    assert not after["u2"].active
    assert after["u2"].deleted_at is not None
    assert not after["u4"].active  # missing from a bulk users.csv
    assert _snapshot(session) == before
    assert report.counts["students"]["deleted"] == 2
    assert report.counts["students"]["updated"] == 1
    # the same file again changes nothing
    report, _n, _p = run_import(app, session, folder)
    assert dict(report.counts["students"]) == {"unchanged": 3}


def test_unknown_org_and_class_are_problems(app, session, tmp_path):
    folder = write_roster(
        tmp_path / "r", users=USERS.replace("u4,active,TRUE,s2,", "u4,active,TRUE,s9,"),
        enrollments="classSourcedId,userSourcedId,role\nc7,u1,student\n")
    report, _n, _p = run_import(app, session, folder)
    where = {(p.file, p.row, p.column, p.code) for p in report.problems}
    assert ("users.csv", 5, "orgSourcedIds", "unknown_school") in where
    assert ("enrollments.csv", 2, "classSourcedId", "unknown_class") in where


def test_non_utf8_file_is_reported(app, session, tmp_path):
    folder = write_roster(tmp_path / "r")
    (folder / "users.csv").write_bytes(USERS.replace("Nguyễn", "Nguy\xe9n").encode("latin-1",
                                                                              "replace"))
    report, _n, problems = run_import(app, session, folder)
    assert (report.problems[0].code, report.problems[0].file) == ("not_utf8", "users.csv")
    assert session.exec(select(Student)).all() == []
    assert "UTF-8" in problems[0]


def test_absurdly_long_field_is_reported(app, session, tmp_path):
    users = USERS.replace("Ana,Reyes", "Ana," + "x" * 20_000)
    report, _n, _p = run_import(app, session, write_roster(tmp_path / "r", users=users))
    assert report.problems[0].code == "field_too_long"
    users = USERS.replace("Ana,Reyes", "Ana," + "x" * 300)
    report, _n, _p = run_import(app, session, write_roster(tmp_path / "s", users=users))
    assert (report.problems[0].code, report.problems[0].column) == ("value_too_long",
                                                                    "familyName")


def _zip(path, members):
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


@pytest.mark.parametrize("name", ["../users.csv", "/etc/users.csv", "a/../../users.csv",
                                  "C:/users.csv", "a\\..\\users.csv"])
def test_zip_with_path_traversal_is_refused(tmp_path, name):
    path = _zip(tmp_path / "evil.zip", {name: USERS})
    with pytest.raises(PackageError) as caught:
        open_package(path)
    assert caught.value.problem.code == "unsafe_name"


def test_zip_bomb_is_refused(tmp_path):
    path = _zip(tmp_path / "bomb.zip", {"users.csv": b"0" * (20 * 1024 * 1024)})
    with pytest.raises(PackageError) as caught:
        open_package(path)
    assert caught.value.problem.code == "zip_ratio"


def test_not_a_zip_is_refused(tmp_path):
    path = tmp_path / "x.zip"
    path.write_bytes(b"hello")
    with pytest.raises(PackageError):
        open_package(path)


def test_zip_in_a_folder_imports(app, session, roster, tmp_path):
    members = {f"export/{p.name}": p.read_bytes() for p in roster.iterdir()}
    report, _n, problems = run_import(app, session, _zip(tmp_path / "r.zip", members))
    assert problems == []
    assert len(students(session)) == 4


def test_households_survive_household_table(app, session, roster):
    run_import(app, session, roster)
    assert len(session.exec(select(Household)).all()) == 2


def test_staff_email_links_an_account_or_is_refused(app, session, world, roster):
    from tests.factories import make_user

    make_user(session, world.district, "staff", world.school, email="Jo@Example.org")
    session.commit()
    report, _n, _p = run_import(app, session, roster)
    assert [(p.row, p.column, p.code) for p in report.problems] == [(8, "email", "link_account")]
    assert report.confirmable
    report, notes, problems = run_import(app, session, roster, link_accounts=True)
    assert problems == []
    assert any("now linked" in n for n in notes)
    linked = session.exec(select(StaffUser).where(StaffUser.email == "jo@example.org")).one()
    assert linked.sourced_id == "t1"
    assert linked.password_hash is not None  # the account keeps its sign-in
    # t1 stays (a blank email never clears the account's), and t9 asks for its email.
    users = USERS.replace(",jo@example.org", ",") + "t9,active,TRUE,s1,teacher,Al,Bo,,,,jo@example.org\n"
    report, _n, _p = run_import(app, session, write_roster(roster.parent / "r2", users=users),
                                allow_removals=True, link_accounts=True)
    assert [(p.row, p.column, p.code) for p in report.problems] == [(9, "email", "email_taken")]
    assert "Jo Park" in describe(report.problems[0])
    assert "t1" in describe(report.problems[0])
