"""An import cannot lock the district out, removes only what was confirmed, and can be undone;
a ZIP that cannot be read is a clear message, never a traceback."""

from __future__ import annotations

import struct
import zipfile

from sqlmodel import select

from survey_app.imports import roster_import, undo
from survey_app.imports.report import describe
from survey_app.models import (
    DistrictSettings,
    ImportRun,
    SectionStudent,
    StaffUser,
    Student,
)
from survey_app.models.enums import Role
from tests.survey_app.exports.conftest import USERS, write_roster

HEADER = USERS.splitlines()[0]
MANY = HEADER + "\n" + "".join(
    f"k{i},active,TRUE,s1,student,Kid{i},Family{i},{2000 + i},,04,\n" for i in range(30)) + \
    "t1,active,TRUE,s1,teacher,Jo,Park,,,,jo@example.org\n" + \
    "a1,active,TRUE,s1,administrator,Ada,Admin,,,,admin@example.org\n"


def people(folder, users):
    """A roster of these users only (no classes to point at the fixture's ones)."""
    return write_roster(folder, users=users, classes=None, enrollments=None, demographics=None)


def run(app, session, path, **kwargs):
    with app.test_request_context():
        report = roster_import.run(session=session, path=path, **kwargs)
        words = [describe(p) for p in report.problems]
    session.expire_all()
    return report, words


def active_students(session) -> int:
    return len(session.exec(select(Student).where(Student.active)).all())


def test_a_bulk_file_missing_most_users_is_refused_then_confirmed(app, session, tmp_path):
    run(app, session, people(tmp_path / "full", MANY))
    assert active_students(session) == 30
    junk = HEADER + "\nk0,active,TRUE,s1,student,Kid0,Family0,2000,,04,\n"
    report, words = run(app, session, people(tmp_path / "junk", junk))
    assert [p.code for p in report.problems] == ["too_many_students_removed",
                                                 "too_many_staff_removed"]
    assert "remove 29 of the 30 active students (97%)" in words[0]
    assert active_students(session) == 30  # nothing was changed
    assert session.exec(select(ImportRun)).all()[-1].id == 1  # only the first import
    report, _w = run(app, session, people(tmp_path / "junk", junk),
                     allow_removals=True)
    assert report.ok
    assert active_students(session) == 1


def test_the_share_is_a_district_setting(app, session, tmp_path):
    run(app, session, people(tmp_path / "full", MANY))
    settings = DistrictSettings(district_id=1, removal_share=0.5)
    session.add(settings)
    session.commit()
    fewer = "\n".join(line for line in MANY.splitlines() if not line.startswith("k1"))
    report, _w = run(app, session, people(tmp_path / "fewer", fewer + "\n"))
    assert report.ok  # 11 of 30 is under half
    assert active_students(session) == 19


def test_the_importer_and_the_last_admin_stay_active(app, session, tmp_path):
    run(app, session, people(tmp_path / "full", MANY))
    admin = session.exec(select(StaffUser).where(StaffUser.sourced_id == "a1")).one()
    admin.role = Role.DISTRICT_ADMIN
    session.add(admin)
    session.commit()
    gone = "\n".join(line for line in MANY.splitlines()
                     if not line.startswith(("a1", "t1"))) + "\n"
    # on the command line (no importer): the last admin is kept
    report, _w = run(app, session, people(tmp_path / "gone", gone),
                     allow_removals=True)
    assert report.ok
    assert session.get(StaffUser, admin.id).active
    assert "kept_account" in {n.code for n in report.notes}
    assert report.removed["staff_user"] == ["Jo Park"]  # the kept admin is not listed
    assert dict(report.counts["staff"]) == {"deleted": 1, "unchanged": 1}
    # marked tobedeleted, imported by the admin themselves: still kept
    deleted = MANY.replace("a1,active,", "a1,tobedeleted,")
    report, _w = run(app, session, people(tmp_path / "del", deleted),
                     allow_removals=True, staff_id=admin.id)
    assert report.ok
    assert session.get(StaffUser, admin.id).active


def test_undo_restores_what_the_last_import_removed_or_changed(app, session, tmp_path):
    run(app, session, write_roster(tmp_path / "first"))
    before = {s.sourced_id: (s.active, s.given_name, s.grade)
              for s in session.exec(select(Student))}
    members = len(session.exec(select(SectionStudent)).all())
    changed = (USERS.replace("Ana,Reyes", "Anita,Reyes")
               .replace("u4,active,TRUE,s2,student,Omar,حسن,1004,,11,\n", "")
               + "u9,active,TRUE,s1,student,New,Kid,1009,,04,\n")
    enrollments = "sourcedId,classSourcedId,schoolSourcedId,userSourcedId,role\n"
    report, _w = run(app, session, write_roster(tmp_path / "second", users=changed,
                                                enrollments=enrollments),
                     allow_removals=True)
    assert report.ok
    assert len(session.exec(select(SectionStudent)).all()) == 0
    run_row = undo.last_run(session)
    undo.undo(session=session, run=run_row, staff_id=None)
    session.commit()
    session.expire_all()
    after = {s.sourced_id: (s.active, s.given_name, s.grade)
             for s in session.exec(select(Student))}
    assert after == {**before, "u9": (False, "New", 4)}  # the new student is removed again
    assert len(session.exec(select(SectionStudent)).all()) == members
    assert undo.last_run(session) is None  # once only


def _zip(path, names=("orgs.csv", "users.csv"), **kwargs):
    folder = write_roster(path.parent / "src")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in names:
            archive.write(folder / name, name)
    return path


def _patch(path, signature: bytes, offset: int, fmt: str, value) -> None:
    data = bytearray(path.read_bytes())
    at = data.find(signature)
    while at != -1:
        struct.pack_into(fmt, data, at + offset, value)
        at = data.find(signature, at + 1)
    path.write_bytes(bytes(data))


def test_zip_failures_are_clear_messages(app, session, tmp_path):
    cut = _zip(tmp_path / "cut.zip")
    cut.write_bytes(cut.read_bytes()[:300])
    encrypted = _zip(tmp_path / "enc.zip")
    _patch(encrypted, b"PK\x01\x02", 8, "<H", 1)
    deflate64 = _zip(tmp_path / "d64.zip")
    _patch(deflate64, b"PK\x03\x04", 8, "<H", 9)
    _patch(deflate64, b"PK\x01\x02", 10, "<H", 9)
    faked = _zip(tmp_path / "faked.zip")
    _patch(faked, b"PK\x03\x04", 22, "<I", 10)
    _patch(faked, b"PK\x01\x02", 24, "<I", 10)
    expected = {cut: "zip_damaged", encrypted: "zip_encrypted", deflate64: "zip_method",
                faked: "zip_damaged"}
    for path, code in expected.items():
        report, words = run(app, session, path)
        assert [p.code for p in report.problems] == [code], path.name
        assert "Nothing was saved" in words[0]
    assert session.exec(select(Student)).first() is None


def test_cli_refuses_then_allows_removals_and_undoes(runner, session, tmp_path):
    full = people(tmp_path / "full", MANY)
    assert runner.invoke(args=["import-roster", str(full)]).exit_code == 0
    # A header and one junk row (a header alone removes nobody: an empty file is a note)
    junk = people(tmp_path / "junk", HEADER + "\nj1,active,TRUE,s1,student,J,Unk,,,,\n")
    refused = runner.invoke(args=["import-roster", str(junk)])
    assert refused.exit_code != 0
    assert "would remove 30 of the 30 active students" in refused.output
    allowed = runner.invoke(args=["import-roster", str(junk), "--allow-removals"])
    assert allowed.exit_code == 0, allowed.output
    assert active_students(session) == 1
    session.rollback()
    undone = runner.invoke(args=["undo-import", "--yes"])
    assert undone.exit_code == 0, undone.output
    assert "32 rows put back" in undone.output
    assert active_students(session) == 30
    assert runner.invoke(args=["undo-import", "--yes"]).exit_code != 0  # once only
