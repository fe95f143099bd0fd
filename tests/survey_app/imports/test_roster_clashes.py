"""What a roster may clash with: unique emails and sourcedIds, rows repeated in a file, people
who changed role, schools and staff given new sourcedIds, accounts made in the app.

Each clash is merged (with the admin's confirmation where it takes over an account) or
refused with the file, row and column; never a database error, never half an import. The
check (a dry run) names the same clashes as the import.
"""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from survey_app.imports import roster_import, roster_staff, undo
from survey_app.imports.report import describe
from survey_app.models import (
    CounselorSchool,
    District,
    School,
    Section,
    SectionStudent,
    StaffIdentity,
    StaffUser,
    Student,
)
from tests.factories import make_user
from tests.survey_app.exports.conftest import CLASSES, ENROLLMENTS, ORGS, USERS, write_roster

JO = "t1,active,TRUE,s1,teacher,Jo,Park,,,,jo@example.org\n"
AL = "t2,active,TRUE,s1,teacher,Al,Bo,,,,al@example.org\n"
#: users.csv rows: the header is row 1, the fixture's seven people rows 2-8, then these.
TWO = USERS + AL


def run(app, session, folder, **kwargs):
    """The check, then the import: both name the same problems."""
    with app.test_request_context():
        check = roster_import.run(session=session, path=folder, dry_run=True, **kwargs)
        report = roster_import.run(session=session, path=folder, **kwargs)
        words = [describe(p) for p in report.problems]
    session.expire_all()
    assert [(p.code, p.file, p.row, p.column) for p in check.problems] == \
        [(p.code, p.file, p.row, p.column) for p in report.problems]
    return report, words


def where(report) -> list[tuple]:
    return [(p.code, p.file, p.row, p.column) for p in report.problems]


def staff(session) -> dict[str, StaffUser]:
    return {u.email: u for u in session.exec(select(StaffUser)) if u.email}


def test_an_account_made_in_the_app_is_linked_only_when_confirmed(app, session, world,
                                                                   tmp_path):
    made = make_user(session, world.district, "district_admin", None,
                     email=" Jo@Example.ORG ".strip(), given_name="Joanna")
    session.add(StaffIdentity(user_id=made.id, issuer="https://idp.example", subject="42",
                              email="jo@example.org"))
    session.commit()
    report, words = run(app, session, write_roster(tmp_path / "r"))
    assert where(report) == [("link_account", "users.csv", 8, "email")]
    assert "Joanna" in words[0]
    assert report.confirmable
    assert session.get(StaffUser, made.id).sourced_id is None  # nothing was saved
    report, _w = run(app, session, write_roster(tmp_path / "r"), link_accounts=True)
    assert report.ok
    account = session.get(StaffUser, made.id)
    assert (account.sourced_id, account.email, account.role) == \
        ("t1", "jo@example.org", "district_admin")  # keeps its role and sign-in
    assert account.password_hash
    assert session.exec(select(StaffIdentity)).one().user_id == made.id
    assert len([u for u in session.exec(select(StaffUser))
                if (u.email or "").lower() == "jo@example.org"]) == 1


def test_two_rows_with_one_email_are_refused_naming_both_rows(app, session, tmp_path):
    users = USERS + "t2,active,TRUE,s1,teacher,Al,Bo,,,, JO@example.org \n"
    report, words = run(app, session, write_roster(tmp_path / "r", users=users))
    assert where(report) == [("email_twice", "users.csv", 9, "email")]  # no knock-on problems
    assert "Rows 8 and 9" in words[0]
    assert session.exec(select(Student)).all() == []


def test_emails_swapped_between_two_teachers_are_saved_and_undone(app, session, tmp_path):
    assert run(app, session, write_roster(tmp_path / "a", users=TWO))[0].ok
    before = {u.sourced_id: (u.id, u.email) for u in session.exec(select(StaffUser))}
    swapped = (USERS.replace("jo@example.org", "al@example.org")
               + AL.replace("al@example.org", "jo@example.org"))
    report, _w = run(app, session, write_roster(tmp_path / "b", users=swapped))
    assert report.ok
    assert report.counts["staff"]["updated"] == 2
    after = {u.sourced_id: (u.id, u.email) for u in session.exec(select(StaffUser))}
    assert after == {"t1": (before["t1"][0], "al@example.org"),
                     "t2": (before["t2"][0], "jo@example.org")}
    undo.undo(session=session, run=undo.last_run(session), staff_id=None)
    session.commit()
    session.expire_all()
    assert {u.sourced_id: (u.id, u.email) for u in session.exec(select(StaffUser))} == before


@pytest.mark.parametrize("how", ["left_out", "tobedeleted"])
def test_a_teacher_given_a_new_sourced_id_keeps_the_account_when_confirmed(app, session,
                                                                          tmp_path, how):
    assert run(app, session, write_roster(tmp_path / "a"))[0].ok
    account = staff(session)["jo@example.org"]
    users = USERS.replace("t1,active", "t9,active")
    enrollments = ENROLLMENTS.replace(",t1,", ",t9,")
    if how == "tobedeleted":
        users += JO.replace("active", "tobedeleted")
    folder = write_roster(tmp_path / "b", users=users, enrollments=enrollments)
    report, words = run(app, session, folder)
    assert where(report) == [("link_moved", "users.csv", 8, "email")]
    assert "“t1”" in words[0]
    assert "“t9”" in words[0]
    report, _w = run(app, session, folder, link_accounts=True)
    assert report.ok, report.problems
    assert session.get(StaffUser, account.id).sourced_id == "t9"
    assert session.get(StaffUser, account.id).active
    assert len(session.exec(select(StaffUser).where(StaffUser.sourced_id.is_not(None))).all()) \
        == 1


def test_an_email_kept_by_a_teacher_who_stays_is_refused_naming_the_account(app, session,
                                                                           tmp_path):
    assert run(app, session, write_roster(tmp_path / "a"))[0].ok
    users = USERS.replace(",jo@example.org", ",") + AL.replace("al@", "jo@")
    report, words = run(app, session, write_roster(tmp_path / "b", users=users),
                        link_accounts=True)
    assert where(report) == [("email_taken", "users.csv", 9, "email")]
    assert "Jo Park" in words[0]
    assert "“t1”" in words[0]


def test_a_roster_account_edited_to_an_email_made_by_hand_is_never_merged(app, session, world,
                                                                          tmp_path):
    assert run(app, session, write_roster(tmp_path / "a"))[0].ok
    make_user(session, world.district, "staff", world.school, email="jo.park@example.org")
    session.commit()
    users = USERS.replace("jo@example.org", "jo.park@example.org")
    report, words = run(app, session, write_roster(tmp_path / "b", users=users),
                        link_accounts=True)
    assert where(report) == [("email_two_accounts", "users.csv", 8, "email")]
    assert "jo@example.org" in words[0]


def test_an_email_that_is_not_an_address_is_a_note_and_clears_nothing(app, session, tmp_path):
    assert run(app, session, write_roster(tmp_path / "a"))[0].ok
    users = (USERS.replace("jo@example.org", "n/a")
             + "t2,active,TRUE,s1,teacher,Al,Bo,,,,n/a\nt3,active,TRUE,s1,aide,Cy,Do,,,,n/a\n")
    report, _w = run(app, session, write_roster(tmp_path / "b", users=users))
    assert report.ok
    assert session.exec(select(StaffUser.email).where(StaffUser.sourced_id == "t1")).one() == \
        "jo@example.org"
    assert any(n.code == "staff_email_invalid" and n.params["count"] == 3 for n in report.notes)


@pytest.mark.parametrize(("file", "extra", "row"), [
    ("orgs", "s2,active,,Oak High School,school,OAK1,d1\n", 5),
    ("classes", "c2,active,Chemistry,s2\n", 4),
])
def test_a_sourced_id_twice_in_orgs_or_classes_is_refused_and_a_repeated_row_noted(
        app, session, tmp_path, file, extra, row):
    body = {"orgs": ORGS, "classes": CLASSES}[file]
    report, _w = run(app, session, write_roster(tmp_path / "a", **{file: body + extra}))
    assert where(report) == [("duplicate", f"{file}.csv", row, "sourcedId")]
    again = body + body.splitlines(keepends=True)[-1]
    report, _w = run(app, session, write_roster(tmp_path / "b", **{file: again}))
    assert report.ok
    assert any(n.code == "duplicate_row" and n.params["name"] == f"{file}.csv"
               for n in report.notes)


def test_a_school_with_a_new_sourced_id_keeps_its_people_and_counselors(app, session, world,
                                                                        tmp_path):
    assert run(app, session, write_roster(tmp_path / "a"))[0].ok
    oak = session.exec(select(School).where(School.sourced_id == "s2")).one()
    counselor = world.users["counselor"]
    session.add(CounselorSchool(staff_id=counselor.id, school_id=oak.id))
    session.commit()
    moved = {name: text.replace(",s2,", ",s2b,").replace(",s2\n", ",s2b\n")
             .replace("\ns2,", "\ns2b,") for name, text in
             (("orgs", ORGS), ("users", USERS), ("classes", CLASSES), ("enrollments", ENROLLMENTS))}
    report, _w = run(app, session, write_roster(tmp_path / "b", **moved))
    assert report.ok, report.problems
    assert any(n.code == "school_moved" for n in report.notes)
    assert report.counts["schools"] == {"updated": 1, "unchanged": 1}
    assert session.get(School, oak.id).sourced_id == "s2b"
    assert session.get(School, oak.id).active
    assert {s.school_id for s in session.exec(select(Student).where(Student.active))
            if s.sourced_id in ("u3", "u4")} == {oak.id}
    assert len(session.exec(select(School).where(School.code == "OAK1")).all()) == 1


def test_a_school_code_already_taken_twice_gets_a_code_of_its_own(app, session, world,
                                                                   tmp_path):
    world.school.code = "s3"
    session.add(world.school)
    session.commit()
    orgs = ORGS + f"s3,active,,Pine,school,{world.other_school.code},d1\n"
    report, _w = run(app, session, write_roster(tmp_path / "a", orgs=orgs))
    assert report.ok
    codes = [s.code for s in session.exec(select(School))]
    assert len(codes) == len(set(codes))


def test_a_student_who_became_staff_keeps_one_active_record(app, session, tmp_path):
    assert run(app, session, write_roster(tmp_path / "a"))[0].ok
    users = USERS.replace("u4,active,TRUE,s2,student,Omar,حسن,1004,,11,",
                          "u4,active,TRUE,s2,aide,Omar,حسن,,,,omar@example.org")
    enrollments = ENROLLMENTS + "e9,c2,s2,u4,student,true\n"  # enrolled under the old role
    folder = write_roster(tmp_path / "b", users=users, demographics=None, enrollments=enrollments)
    report, _w = run(app, session, folder)  # 1 of 4 students: confirmed like any removal
    assert [p.code for p in report.problems] == ["too_many_students_removed"]
    assert report.removed["student"] == ["Omar حسن"]
    report, _w = run(app, session, folder, allow_removals=True)
    assert report.ok, report.problems
    student = session.exec(select(Student).where(Student.sourced_id == "u4")).one()
    assert not student.active
    assert staff(session)["omar@example.org"].active
    assert any(n.code == "role_changed" and n.params["row"] == 5 for n in report.notes)
    assert any(n.code == "enrolled_other_role" for n in report.notes)
    assert not session.exec(select(SectionStudent).where(SectionStudent.student_id ==
                                                         student.id)).all()
    undo.undo(session=session, run=undo.last_run(session), staff_id=None)
    session.commit()
    session.expire_all()
    assert session.exec(select(Student).where(Student.sourced_id == "u4")).one().active


def test_an_enrollment_naming_another_school_follows_its_class(app, session, tmp_path):
    enrollments = ENROLLMENTS.replace("e1,c1,s1,u1", "e1,c1,s2,u1")
    report, _w = run(app, session, write_roster(tmp_path / "a", enrollments=enrollments))
    assert report.ok
    c1 = session.exec(select(Section).where(Section.sourced_id == "c1")).one()
    assert session.exec(select(SectionStudent).where(SectionStudent.section_id == c1.id)).one()


def test_a_parent_sourced_id_too_long_is_a_located_problem_on_every_database(app, session,
                                                                            tmp_path):
    long = "p" + "x" * 300
    users = USERS.replace("p1,active", f"{long},active").replace(",p1,", f",{long},")
    report, _w = run(app, session, write_roster(tmp_path / "a", users=users))
    assert where(report) == [("value_too_long", "users.csv", 6, "sourcedId")]


def test_a_clash_the_checks_miss_is_still_a_refusal_not_a_traceback(app, session, tmp_path,
                                                                    monkeypatch):
    """The last line: with the two-step email writing taken away, a swap meets the unique
    constraint; the database's refusal is the report's problem and nothing is saved."""
    assert run(app, session, write_roster(tmp_path / "a", users=TWO))[0].ok
    monkeypatch.setattr(roster_staff, "_release", lambda *args: None)
    swapped = (USERS.replace("jo@example.org", "al@example.org")
               + AL.replace("al@example.org", "jo@example.org"))
    with app.test_request_context():
        report = roster_import.run(session=session, path=write_roster(tmp_path / "b",
                                                                       users=swapped))
        assert "Nothing was saved" in describe(report.problems[0])
    assert [p.code for p in report.problems] == ["database_refused"]
    session.expire_all()
    assert staff(session)["jo@example.org"].sourced_id == "t1"


def test_the_command_line_names_the_clash_and_the_flag_that_confirms_it(runner, session, world,
                                                                        tmp_path):
    make_user(session, world.district, "staff", world.school, email="jo@example.org")
    session.commit()
    folder = write_roster(tmp_path / "r")
    result = runner.invoke(args=["import-roster", str(folder)])
    assert result.exit_code == 1
    assert "users.csv:8 [email]" in result.output
    assert "--link-accounts" in result.output
    assert "Traceback" not in result.output
    as_json = runner.invoke(args=["import-roster", str(folder), "--json"])
    data = json.loads(as_json.stdout)
    assert [(p["code"], p["row"], p["column"]) for p in data["problems"]] == \
        [("link_account", 8, "email")]
    result = runner.invoke(args=["import-roster", str(folder), "--link-accounts"])
    assert result.exit_code == 0, result.output
    twice = write_roster(tmp_path / "t", users=USERS + AL.replace("al@", "JO@"))
    result = runner.invoke(args=["import-roster", str(twice), "--link-accounts"])
    assert result.exit_code == 1
    assert "Rows 8 and 9" in result.output
    assert "Traceback" not in result.output


def test_the_upload_page_shows_the_clash_first_and_links_only_when_ticked(
        app, client, world, login_as, session, tmp_path):
    from tests.survey_app.exports.test_views import _confirmed, _upload, _zip_of

    made = make_user(session, world.district, "staff", world.school, email="JO@example.org")
    session.commit()
    login_as(world.users["district_admin"])
    twice = write_roster(tmp_path / "twice", users=USERS + AL.replace("al@", "jo@"))
    page = _upload(client, app, _zip_of(twice)).get_data(as_text=True)
    assert "Rows 8 and 9 both give the email" in page
    assert "Nothing was imported" in page
    assert 'action="/jobs/' not in page  # nothing to save
    checked = _upload(client, app, _zip_of(write_roster(tmp_path / "r")))
    page = checked.get_data(as_text=True)
    assert "which was made in the app" in page
    assert 'name="link_accounts"' in page
    assert 'name="allow_removals"' not in page
    refused = client.post(f"{checked.request.path}/save", data={}, follow_redirects=True)
    assert "confirm the linked accounts" in refused.get_data(as_text=True)
    session.rollback()  # a new read (SQLite keeps an open reader on its old snapshot)
    session.expire_all()
    assert session.get(StaffUser, made.id).sourced_id is None
    page = _confirmed(client, app, checked, link_accounts="y").get_data(as_text=True)
    assert "The roster is imported" in page
    session.rollback()  # a new read (SQLite keeps an open reader on its old snapshot)
    session.expire_all()
    assert session.get(StaffUser, made.id).sourced_id == "t1"
    assert "Traceback" not in page


def test_an_undo_that_would_take_back_an_email_given_since_is_refused(
        app, runner, client, session, world, login_as, tmp_path):
    assert run(app, session, write_roster(tmp_path / "a"))[0].ok
    users = USERS.replace("jo@example.org", "jo.park@example.org")
    assert run(app, session, write_roster(tmp_path / "b", users=users))[0].ok
    make_user(session, world.district, "staff", world.school, email="jo@example.org",
              given_name="Josephine", family_name="Hand")
    session.commit()
    result = runner.invoke(args=["undo-import", "--yes"])
    assert result.exit_code == 1
    assert "jo@example.org belongs to the account of Josephine Hand" in result.output
    assert "Traceback" not in result.output
    login_as(world.users["district_admin"])
    page = client.post("/exports/roster/undo", follow_redirects=True).get_data(as_text=True)
    assert "cannot be undone" in page
    session.rollback()
    session.expire_all()
    assert staff(session)["jo.park@example.org"].sourced_id == "t1"  # nothing was undone
    assert undo.last_run(session) is not None


def test_a_school_of_another_district_is_refused_by_its_row(app, session, world, tmp_path):
    world.other_school.sourced_id = "s2"
    other = District(name="Elsewhere", code="elsewhere")
    session.add(other)
    session.flush()
    world.other_school.district_id = other.id
    session.add(world.other_school)
    session.commit()
    report, words = run(app, session, write_roster(tmp_path / "a"))
    assert where(report)[0] == ("school_elsewhere", "orgs.csv", 4, "sourcedId")
    assert world.other_school.name in words[0]


def test_a_swap_copied_back_beside_sqlite_empties_the_emails_first(app, session, tmp_path,
                                                                   monkeypatch):
    """On SQLite the import is worked out on a copy and copied back: the copy-back too
    writes a swap in two steps. Without them, the database refuses, and that is a report."""
    from survey_app.imports import roster_beside

    assert run(app, session, write_roster(tmp_path / "a", users=TWO))[0].ok
    swapped = (USERS.replace("jo@example.org", "al@example.org")
               + AL.replace("al@example.org", "jo@example.org"))
    folder = write_roster(tmp_path / "b", users=swapped)
    beside = roster_beside.database_file(session.get_bind()) is not None
    with monkeypatch.context() as patched:
        patched.setattr(roster_beside, "_release", lambda *args: None)
        with app.test_request_context():
            report = roster_beside.run(session=session, path=folder)
    assert [p.code for p in report.problems] == (["database_refused"] if beside else [])
    session.rollback()
    session.expire_all()
    if beside:
        assert staff(session)["jo@example.org"].sourced_id == "t1"  # nothing was saved
        with app.test_request_context():
            assert roster_beside.run(session=session, path=folder).ok
        session.rollback()
        session.expire_all()
    assert staff(session)["jo@example.org"].sourced_id == "t2"
