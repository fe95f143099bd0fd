"""The roster upload page."""

from __future__ import annotations

import io
import zipfile

import pytest
from sqlmodel import select

from survey_app.jobs import worker
from survey_app.models import AuditEvent, JobRun, Student
from tests.survey_app.exports.conftest import USERS, write_roster


def _zip_of(folder) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in folder.iterdir():
            archive.write(path, path.name)
    buffer.seek(0)
    return buffer


def _upload(client, app, data: io.BytesIO, **fields):
    """Send the file: a job checks it (run here by a worker); its page shows the check."""
    handed = client.post("/exports/roster", data={"package": (data, "roster.zip"), **fields},
                         content_type="multipart/form-data")
    if handed.status_code != 303:
        return handed  # the form refused it
    assert "/jobs/" in handed.headers["Location"]
    assert worker.work(app, burst=True) == 1
    return client.get(handed.headers["Location"])


def _confirmed(client, app, checked, **fields):
    """Save the checked upload: the page hands it to the job queue; a worker runs it."""
    handed = client.post(f"{checked.request.path}/save", data=fields)
    assert handed.status_code == 303, handed.data
    assert "/jobs/" in handed.headers["Location"]
    assert worker.work(app, burst=True) == 1
    return client.get(handed.headers["Location"])


def test_page_is_for_district_admins(client, world, login_as):
    login_as(world.users["counselor"])
    assert client.get("/exports/roster").status_code == 403
    client.post("/staff/logout")
    login_as(world.users["district_admin"])
    page = client.get("/exports/roster")
    assert page.status_code == 200
    assert b'enctype="multipart/form-data"' in page.data


def test_upload_checks_first_then_imports_when_confirmed(app, client, world, login_as, session,
                                                       roster):
    login_as(world.users["district_admin"])
    checked = _upload(client, app, _zip_of(roster))
    assert checked.status_code == 200, checked.data
    text = checked.get_data(as_text=True)
    assert "Check the changes before saving them" in text
    assert "Differences by kind" in text
    assert session.exec(select(Student).where(Student.sourced_id == "u1")).first() is None
    session.rollback()  # end this read, to see what the page saves
    page = _confirmed(client, app, checked)
    assert page.status_code == 200, page.data
    text = page.get_data(as_text=True)
    assert "The roster is imported" in text
    assert "Students" in text
    assert session.exec(select(Student).where(Student.sourced_id == "u1")).one()
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "roster_import")).one()
    assert event.detail["counts"]["students"]["created"] == 4
    check, job = session.exec(select(JobRun).order_by(JobRun.id)).all()
    assert (check.kind, check.status, check.started_by) == ("roster_check", "done",
                                                             world.users["district_admin"].id)
    assert (job.kind, job.status, job.started_by) == ("roster_import", "done",
                                                       world.users["district_admin"].id)
    assert event.detail["job"] == job.id
    assert check.report["saved_as"] == job.id
    # Saved once: the check's page now links to the save instead of offering it again.
    again = client.get(checked.request.path).get_data(as_text=True)
    assert "Save these changes" not in again
    assert f"/jobs/{job.id}" in again
    assert client.post(f"{checked.request.path}/save").status_code == 303
    session.rollback()
    assert len(session.exec(select(JobRun)).all()) == 2


def test_broken_upload_names_row_and_column_and_saves_nothing(app, client, world, login_as,
                                                              session, tmp_path):
    login_as(world.users["district_admin"])
    folder = write_roster(tmp_path / "b", users=USERS.replace(",03,", ",ZZ,"))
    page = _upload(client, app, _zip_of(folder))
    text = page.get_data(as_text=True)
    assert "Nothing was imported" in text
    assert "<td>users.csv</td><td>2</td><td><bdi>grades</bdi></td>" in text
    assert session.exec(select(Student).where(Student.sourced_id == "u1")).first() is None


@pytest.mark.parametrize(("members", "message"), [
    ({"../users.csv": "x"}, "points outside the package"),
    ({"users.csv": b"0" * (20 * 1024 * 1024)}, "ZIP bomb"),
])
def test_unsafe_zips_are_refused_with_a_clear_message(app, client, world, login_as, members,
                                                      message):
    login_as(world.users["district_admin"])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    buffer.seek(0)
    page = _upload(client, app, buffer)
    assert "Nothing was imported" in page.get_data(as_text=True)
    assert message in page.get_data(as_text=True)


def test_wrong_file_type_is_a_form_error(client, world, login_as):
    login_as(world.users["district_admin"])
    page = client.post("/exports/roster", data={"package": (io.BytesIO(b"x"), "roster.csv")},
                       content_type="multipart/form-data")
    assert page.status_code == 400
    assert "Please choose a .zip file." in page.get_data(as_text=True)


def test_upload_needs_csrf(make_app, world, tmp_path, roster):
    from tests.factories import PASSWORD

    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    page = client.get("/staff/login")
    token = page.get_data(as_text=True).split('name="csrf_token" type="hidden" value="')[1]
    client.post("/staff/login", data={"email": world.users["district_admin"].email,
                                      "password": PASSWORD, "csrf_token": token.split('"')[0]})
    page = _upload(client, app, _zip_of(roster))
    assert page.status_code == 400
    assert 'name="csrf_token"' in client.get("/exports/roster").get_data(as_text=True)


def test_removals_are_listed_and_need_confirming_and_the_import_can_be_undone(
        app, client, world, login_as, session, roster, tmp_path):
    admin = world.users["district_admin"]
    login_as(admin)
    _confirmed(client, app, _upload(client, app, _zip_of(roster)))
    fewer = USERS.replace("u4,active,TRUE,s2,student,Omar,حسن,1004,,11,\n", "")
    checked = _upload(client, app, _zip_of(write_roster(tmp_path / "fewer", users=fewer)))
    text = checked.get_data(as_text=True)
    assert "would remove 1 of the 9 active students (11%)" in text
    assert "<li><bdi>Omar حسن</bdi></li>" in text
    assert 'name="allow_removals"' in text
    refused = client.post(f"{checked.request.path}/save", data={}, follow_redirects=True)
    assert "Please tick the box to confirm the removals" in refused.get_data(as_text=True)
    session.rollback()
    assert session.exec(select(Student).where(Student.sourced_id == "u4")).one().active
    assert 'name="allow_removals"' in refused.get_data(as_text=True)  # still waiting
    page = _confirmed(client, app, checked, allow_removals="y")
    assert "The roster is imported" in page.get_data(as_text=True)
    session.rollback()
    assert not session.exec(select(Student).where(Student.sourced_id == "u4")).one().active
    assert "Undo the last import" in client.get("/exports/roster").get_data(as_text=True)
    page = client.post("/exports/roster/undo", follow_redirects=True)
    assert "the roster is as it was before it" in page.get_data(as_text=True)
    session.rollback()
    assert session.exec(select(Student).where(Student.sourced_id == "u4")).one().active


def test_a_new_upload_replaces_the_one_waiting_and_only_its_uploader_saves_it(
        app, client, world, login_as, session, roster):
    admin = world.users["district_admin"]
    login_as(admin)
    first = _upload(client, app, _zip_of(roster))
    second = _upload(client, app, _zip_of(roster))
    assert "Save these changes" in second.get_data(as_text=True)
    stale = client.get(first.request.path).get_data(as_text=True)
    assert "Save these changes" not in stale
    assert "That upload is no longer waiting" in stale
    assert client.post(f"{first.request.path}/save").status_code == 303  # nothing started
    session.rollback()
    assert [j.kind for j in session.exec(select(JobRun))] == ["roster_check", "roster_check"]
    # Another district admin neither sees the check (it names who would be removed) nor
    # saves it.
    from survey_app.models.enums import Role
    from tests import factories

    other = factories.make_user(session, world.district, Role.DISTRICT_ADMIN, None)
    session.commit()
    client.post("/staff/logout")
    login_as(other)
    assert client.get(second.request.path).status_code == 404
    assert client.post(f"{second.request.path}/save").status_code == 404
    session.rollback()
    assert len(session.exec(select(JobRun)).all()) == 2
    events = session.exec(select(AuditEvent).where(AuditEvent.action == "roster_check")).all()
    assert [e.staff_id for e in events] == [admin.id, admin.id]
