"""Audit complete by construction: every staff route declares what it audits, and each
request writes exactly the declared events, with user, address, target and outcome.

The walk covers every GET route × every role (own school); the POST routes that change
identifiable data are driven with valid forms below. Before survey_app.audited the
caseload list, letters, family list and family page wrote nothing, the map had no
address, and a download that failed was recorded as an export.
"""

from __future__ import annotations

import pytest
from sqlmodel import select

from survey_app.models import AuditEvent, FollowUp
from tests.security.figures import FIGURES
from tests.security.test_access import ROLES, _build, _samples, _views

ADDRESS = "203.0.113.44"
#: Routes whose GET lists students or families only when asked (a wave's nonrespondents).
CONDITIONAL = {"admin.responses"}


@pytest.fixture(autouse=True)
def _from_one_address(client):
    """Every request of these tests, sign-in included, comes from ADDRESS (a staff session
    is bound to the address it was signed in from)."""
    client.environ_base["REMOTE_ADDR"] = ADDRESS


@pytest.fixture(autouse=True)
def _other_household(session, world):
    from survey_app.models import Household

    household = Household(district_id=world.district.id, language="en")
    session.add(household)
    session.flush()
    world.other_students[0].household_id = household.id
    session.add(world.other_students[0])
    session.commit()
    world.other_household_id = household.id


def _events(session, after: int) -> list[AuditEvent]:
    session.rollback()  # a fresh snapshot: what the app committed since
    return list(session.exec(select(AuditEvent).where(AuditEvent.id > after)
                             .order_by(AuditEvent.id)))


def _last_id(session) -> int:
    session.rollback()  # a fresh snapshot: what the app committed since
    return max(session.exec(select(AuditEvent.id)).all(), default=0)


def test_every_staff_route_declares_what_it_audits(app):
    undeclared = [rule.rule for rule, view in _views(app)
                  if not getattr(view, "public", False) and not hasattr(view, "audits")]
    assert not undeclared, f"routes without @audited / audited.by_view / audited.nothing: " \
                           f"{undeclared}"
    for _rule, view in _views(app):
        if getattr(view, "audits", None) == {}:
            assert getattr(view, "audits_reason", ""), view  # saying nothing needs a reason


@pytest.mark.parametrize("role", ROLES)
def test_each_get_writes_exactly_the_declared_events(app, client, session, world, login_as,
                                                     role, deferred_writes):
    login_as(world.users[role])
    user = world.users[role]
    samples = _samples(world)
    walked = 0
    for rule, view in _views(app):
        if getattr(view, "public", False) or "GET" not in rule.methods:
            continue
        with app.test_request_context():
            url = _build(rule, samples, 0)
        if rule.endpoint == "staff.mapping":
            url += f"?school={world.school.id}"  # the grid (several schools: a menu first)
        before = _last_id(session)
        response = client.get(url)
        events = _events(session, before)
        declared = view.audits.get("GET")
        walked += 1
        if response.status_code >= 400 or declared is None or rule.endpoint in CONDITIONAL:
            assert events == [] or rule.endpoint in CONDITIONAL, (role, url, events)
            continue
        assert [e.action for e in events] == [declared], (role, url, response.status_code)
        event = events[0]
        assert (event.staff_id, event.ip, event.outcome) == (user.id, ADDRESS, "ok"), url
        assert event.target_type, (url, "no target")
    assert deferred_writes == [], "a read request wrote without write_next"
    FIGURES[f"audit walk: GET routes x {role}"] = walked


def _post_checked(client, session, url, data, action, user):
    before = _last_id(session)
    response = client.post(url, data=data)
    events = _events(session, before)
    assert [e.action for e in events] == [action], (url, response.status_code, events)
    assert (events[0].staff_id, events[0].ip, events[0].outcome) == (user.id, ADDRESS, "ok")
    return events[0]


def test_follow_ups_are_audited_when_saved_and_not_when_refused(client, session, world,
                                                                login_as):
    user = world.users["counselor"]
    login_as(user)
    student = world.students[0]
    url = f"/counsel/students/{student.id}/followups"
    before = _last_id(session)
    client.post(url, data={"new-note": "", "new-owner_id": user.id, "new-about": ""})
    assert _events(session, before) == []  # the form was sent back: nothing changed
    event = _post_checked(client, session, url, {"new-note": "Call home",
                                                 "new-owner_id": user.id, "new-about": ""},
                          "followup_add", user)
    assert (event.target_type, event.target_id) == ("student", str(student.id))
    row = session.exec(select(FollowUp).where(FollowUp.student_id == student.id)).one()
    _post_checked(client, session, f"{url}/{row.id}", {f"f{row.id}-status": "done",
                                                       f"f{row.id}-outcome": "Talked"},
                  "followup_update", user)


def test_a_family_contact_is_audited(client, session, world, login_as):
    user = world.users["staff"]
    login_as(user)
    household = world.students[0].household_id
    event = _post_checked(client, session, f"/staff/engagement/households/{household}", {
        "contacted_on": "2026-10-01", "channel": "call", "started_by": "school",
        "note": "Good talk"}, "engagement_add", user)
    assert (event.target_type, event.target_id, event.school_id) == (
        "household", str(household), world.school.id)


def test_a_download_that_fails_is_recorded_as_failed(client, session, world, login_as,
                                                     monkeypatch):
    from survey_app.exports import service

    user = world.users["counselor"]
    login_as(user)

    def broken(**_kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(service, "write_export", broken)
    before = _last_id(session)
    response = client.post("/exports/download", data={
        "kind": "flagged", "flagged-fmt": "csv", "flagged-school": ""})
    assert response.status_code == 500
    events = _events(session, before)
    assert [(e.action, e.outcome, e.ip) for e in events] == [("export", "failed", ADDRESS)]


def test_a_download_is_recorded_once_it_is_built(client, session, world, login_as):
    user = world.users["counselor"]
    login_as(user)
    before = _last_id(session)
    response = client.post("/exports/download", data={
        "kind": "flagged", "flagged-fmt": "csv", "flagged-school": ""})
    assert response.status_code == 200
    response.close()  # the file's buffer
    events = _events(session, before)
    assert [(e.action, e.outcome, e.ip) for e in events] == [("export", "ok", ADDRESS)]


def test_sign_out_is_audited(client, session, world, login_as):
    user = world.users["staff"]
    login_as(user)
    before = _last_id(session)
    client.post("/staff/logout")
    events = _events(session, before)
    assert [(e.action, e.staff_id, e.ip) for e in events] == [("sign_out", user.id, ADDRESS)]


def test_audit_events_cannot_be_changed_or_deleted_through_the_app(session, world):
    from sqlalchemy import delete, update

    from survey_app.models.audit import AuditIsAppendOnly
    from survey_app.services import audit

    event = audit.record(session=session, staff_id=world.users["staff"].id, action="sign_in")
    session.commit()
    event.action = "nothing_happened"
    with pytest.raises(AuditIsAppendOnly):
        session.commit()
    session.rollback()
    session.delete(session.get(AuditEvent, event.id))
    with pytest.raises(AuditIsAppendOnly):
        session.commit()
    session.rollback()
    for statement in (update(AuditEvent).values(ip="x"), delete(AuditEvent)):
        with pytest.raises(AuditIsAppendOnly):
            session.exec(statement)
        session.rollback()
    assert session.get(AuditEvent, event.id).action == "sign_in"


def test_the_admin_filters_by_student_and_exports_the_log(client, session, world, login_as):
    import csv
    import io

    counselor, admin = world.users["counselor"], world.users["district_admin"]
    login_as(counselor)
    first, second = world.students[0], world.students[1]
    client.get(f"/counsel/students/{first.id}")
    client.get(f"/counsel/students/{second.id}")
    client.post("/staff/logout")
    login_as(admin)
    page = client.get(f"/admin/audit?student={first.sis_id}").get_data(as_text=True)
    table = page.split("<tbody>", 1)[1]
    assert table.count("view_student") == 1
    assert f"student {first.id}" in table
    unknown = client.get("/admin/audit?student=NOPE").get_data(as_text=True)
    assert "No student with that SIS id" in unknown
    assert "<tbody>" not in unknown
    exported = client.get(f"/admin/audit.csv?student={first.sis_id}&user={counselor.id}")
    assert exported.headers["Content-Disposition"].startswith("attachment; filename=audit-log")
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True))))
    assert [(r["action"], r["target_id"], r["outcome"], r["address"]) for r in rows] == [
        ("view_student", str(first.id), "ok", ADDRESS)]
    # and the export itself is recorded
    last = _events(session, 0)[-1]
    assert (last.action, last.staff_id, last.target_type) == ("export_audit_log", admin.id,
                                                              "audit_log")
