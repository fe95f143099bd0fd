"""Staff titles: a staff member sets how students address them on their account page; an
admin sets anyone's on the staff titles page; the survey's staff picker follows at once.
Every change is audited; a code not in the list is refused with a message, never stored."""

from __future__ import annotations

import re

from sqlmodel import select

from survey_app.models import AuditEvent, District, StaffUser
from survey_app.services import invitations
from tests.conftest import TEST_CONFIG
from tests.factories import make_user


def _user(session, user_id):
    session.rollback()
    session.expire_all()
    return session.get(StaffUser, user_id)


def _changes(session):
    session.rollback()
    return session.exec(select(AuditEvent).where(AuditEvent.action == "honorific_change")).all()


def test_staff_set_their_own_title(client, session, world, login_as):
    teacher = world.users["staff"]
    login_as(teacher)
    page = client.get("/staff/account").get_data(as_text=True)
    assert f"Ms. {teacher.family_name}" in page  # each choice with my own surname
    assert f"Staff {teacher.family_name}" in page  # shown by full name while none is set
    r = client.post("/staff/account", data={"honorific": "ms"})
    assert r.status_code == 302
    assert _user(session, teacher.id).honorific == "ms"
    assert f"Ms. {teacher.family_name}" in client.get(r.headers["Location"]).get_data(as_text=True)
    [event] = _changes(session)
    assert (event.staff_id, event.target_id, event.detail) == (
        teacher.id, str(teacher.id), {"before": None, "after": "ms"})
    assert client.post("/staff/account", data={"honorific": ""}).status_code == 302
    assert _user(session, teacher.id).honorific is None  # back to the full name
    assert client.post("/staff/account", data={"honorific": ""}).status_code == 302
    assert len(_changes(session)) == 2  # nothing changed: nothing recorded


def test_a_title_not_in_the_list_is_refused(client, session, world, login_as):
    teacher = world.users["staff"]
    login_as(teacher)
    for bad in ("lord", "Ms.", "MS", "<script>", "d\x00x", "x" * 500):
        r = client.post("/staff/account", data={"honorific": bad})
        assert r.status_code == 400, bad
        assert "Please choose one of the titles in the list." in r.get_data(as_text=True)
    assert client.post("/staff/account", data={}).status_code == 302  # none sent: kept
    assert _user(session, teacher.id).honorific is None
    assert _changes(session) == []


def test_the_account_page_is_in_the_readers_language(client, world, login_as):
    teacher = world.users["staff"]
    login_as(teacher)
    page = client.get("/staff/account?lang=es").get_data(as_text=True)
    assert f"Sra. {teacher.family_name}" in page
    assert f"Sr. {teacher.family_name}" in page


def test_admins_set_anyones_title(client, session, world, login_as):
    admin, teacher = world.users["district_admin"], world.users["other_staff"]
    login_as(admin)
    page = client.get(f"/admin/staff?q={teacher.family_name}").get_data(as_text=True)
    assert f'id="staff-{teacher.id}"' in page
    assert len(re.findall(r'<li class="card" id="staff-', page)) == 1
    r = client.post(f"/admin/staff/{teacher.id}/title?q={teacher.family_name}",
                    data={f"s{teacher.id}-honorific": "coach"})
    assert r.status_code == 302
    assert r.headers["Location"].endswith(f"q={teacher.family_name}#staff-{teacher.id}")
    assert _user(session, teacher.id).honorific == "coach"
    [event] = _changes(session)
    assert (event.staff_id, event.target_id) == (admin.id, str(teacher.id))
    r = client.post(f"/admin/staff/{teacher.id}/title", data={f"s{teacher.id}-honorific": "x"})
    assert r.status_code == 400
    assert "Please choose one of the titles in the list." in r.get_data(as_text=True)
    assert _user(session, teacher.id).honorific == "coach"


def test_only_admins_and_only_their_districts_staff(client, session, world, login_as):
    other = District(name="Elsewhere", code="ELSE")
    session.add(other)
    session.flush()
    stranger = make_user(session, other, "staff", None)
    session.commit()
    login_as(world.users["counselor"])
    assert client.get("/admin/staff").status_code == 403
    assert client.post(f"/admin/staff/{world.users['staff'].id}/title",
                       data={f"s{world.users['staff'].id}-honorific": "ms"}).status_code == 403
    client.post("/staff/logout")
    login_as(world.users["district_admin"])
    assert client.get("/admin/staff").status_code == 200
    r = client.post(f"/admin/staff/{stranger.id}/title", data={f"s{stranger.id}-honorific": "ms"})
    assert r.status_code == 404
    assert _user(session, stranger.id).honorific is None
    assert stranger.family_name not in client.get("/admin/staff").get_data(as_text=True)


def test_the_survey_picker_follows_a_change_at_once(app, client, session, world, login_as):
    """A title set on the account page shows in the next survey page (the staff list kept
    per worker is refreshed by the staff version a write to staff_user moves)."""
    teacher = world.users["staff"]
    inv = invitations._new_invitation(secret=TEST_CONFIG["SECRET_KEY"], wave_id=world.wave.id,
                                      kind="student", student_id=world.students[0].id,
                                      language="en")
    session.add(inv)
    session.commit()
    access = invitations.access(inv, secret=TEST_CONFIG["SECRET_KEY"], base_url="http://x")
    child = app.test_client()
    assert child.get(f"/r/{access.token}").status_code == 302

    def picker():
        r = child.post("/survey/adults", data={"adults-0-entry": "", "find": "0",
                                                "adults-0-staff_query": teacher.family_name})
        return child.get(r.headers["Location"]).get_data(as_text=True)

    assert f"Staff {teacher.family_name}" in picker()
    login_as(teacher)
    assert client.post("/staff/account", data={"honorific": "mr"}).status_code == 302
    assert f"Mr. {teacher.family_name}" in picker()
