"""The audit-log page: admins only, filters, paging, district scope."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from survey_app.models import AuditEvent, District, StaffUser


def _events(session, world):
    admin, staff = world.users["district_admin"], world.users["staff"]
    old = datetime.now(UTC) - timedelta(days=40)
    session.add_all([AuditEvent(staff_id=staff.id, action="view_profile", target_type="student",
                                target_id=str(i), school_id=world.school.id) for i in range(60)])
    session.add(AuditEvent(staff_id=admin.id, action="export", at=old, detail={"kind": "flagged"}))
    elsewhere = District(name="Elsewhere", code="EW")
    session.add(elsewhere)
    session.flush()
    stranger = StaffUser(district_id=elsewhere.id, given_name="Far", family_name="Away",
                         email="far@example.org")
    session.add(stranger)
    session.flush()
    session.add(AuditEvent(staff_id=stranger.id, action="secret_elsewhere"))
    session.commit()


def test_admin_reads_filters_and_pages(client, world, login_as, session):
    _events(session, world)
    login_as(world.users["district_admin"])
    first = client.get("/admin/audit").get_data(as_text=True)
    assert "secret_elsewhere" not in first  # another district's events stay out
    assert "Page 1 of 2" in first
    only = client.get("/admin/audit?action=export").get_data(as_text=True)
    assert "flagged" in only
    assert "view_profile</code>" not in only
    staff_id = world.users["staff"].id
    theirs = client.get(f"/admin/audit?user={staff_id}&page=2").get_data(as_text=True)
    assert "view_profile" in theirs
    assert "export</code>" not in theirs
    since = (datetime.now(UTC) - timedelta(days=2)).date().isoformat()
    recent = client.get(f"/admin/audit?action=export&date_from={since}").get_data(as_text=True)
    assert "No event matches." in recent
    assert client.get("/admin/audit?date_from=notadate").status_code == 200


def test_sign_in_is_in_the_log(client, world, login_as):
    login_as(world.users["district_admin"])
    assert "sign_in" in client.get("/admin/audit").get_data(as_text=True)


def test_others_cannot_read(client, world, login_as):
    for role in ("counselor", "staff", "analyst"):
        login_as(world.users[role])
        assert client.get("/admin/audit").status_code == 403
        client.post("/staff/logout")
