"""The family engagement log: scope, recording, counts, and the per-household service."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import select

from survey_app.models import AuditEvent, Engagement, Household
from survey_app.services.engagement import family_page
from tests.factories import make_student

GOOD = {"contacted_on": date.today().isoformat(), "channel": "call", "started_by": "school",
        "positive": "y", "two_way": "y", "note": "Talked about reading <b>club</b>"}


def _other_household(session, world):
    household = Household(district_id=world.district.id, language="ar")
    session.add(household)
    session.flush()
    make_student(session, world.other_school, household=household, grade=10)
    session.commit()
    return household


def test_list_shows_families_of_my_schools(client, world, login_as, session):
    other = _other_household(session, world)
    login_as(world.users["staff"])
    html = client.get("/staff/engagement").get_data(as_text=True)
    assert world.students[0].given_name in html
    assert f"/staff/engagement/households/{world.students[0].household_id}" in html
    assert f"/staff/engagement/households/{other.id}\"" not in html


def test_record_and_list_a_contact(client, world, login_as, session):
    login_as(world.users["staff"])
    hid = world.students[0].household_id
    response = client.post(f"/staff/engagement/households/{hid}", data=GOOD)
    assert response.status_code == 302
    html = client.get(f"/staff/engagement/households/{hid}").get_data(as_text=True)
    assert "Phone call" in html
    assert "&lt;b&gt;club&lt;/b&gt;" in html
    rows = session.exec(select(Engagement)).all()
    assert len(rows) == 1
    assert rows[0].two_way
    assert rows[0].positive
    assert not rows[0].concern
    assert rows[0].school_id == world.school.id
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "engagement_add")).first()
    session.commit()


def test_invalid_contact_is_refused_with_messages(client, world, login_as, session):
    login_as(world.users["staff"])
    hid = world.students[0].household_id
    future = (date.today() + timedelta(days=3)).isoformat()
    response = client.post(f"/staff/engagement/households/{hid}",
                           data={**GOOD, "contacted_on": future, "started_by": ""})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "cannot be in the future" in html
    assert "who reached out first" in html
    assert "reading &lt;b&gt;club" in html  # what was typed is kept
    assert session.exec(select(Engagement)).first() is None
    session.commit()


def test_another_schools_family_is_404(client, world, login_as, session):
    other = _other_household(session, world)
    login_as(world.users["staff"])
    assert client.get(f"/staff/engagement/households/{other.id}").status_code == 404
    assert client.post(f"/staff/engagement/households/{other.id}", data=GOOD).status_code == 404
    assert client.get("/staff/engagement/households/999999").status_code == 404


def test_analyst_cannot_log(client, world, login_as):
    login_as(world.users["analyst"])
    assert client.get("/staff/engagement").status_code == 403


def test_family_counts(world, session):
    hid = world.students[0].household_id
    staff = world.users["staff"].id
    today = date.today()
    for day, two_way, positive in ((1, False, True), (2, True, False), (0, True, True)):
        session.add(Engagement(household_id=hid, school_id=world.school.id, staff_id=staff,
                               contacted_on=today - timedelta(days=day), channel="call",
                               started_by="school", two_way=two_way, positive=positive))
    lonely = Household(district_id=world.district.id)
    session.add(lonely)
    session.flush()
    make_student(session, world.school, household=lonely)
    session.commit()
    rows, _total = family_page(session=session, school_ids=[world.school.id], per_page=1000)
    counts = {row.household_id: row for row in rows}
    assert counts[hid].contacts == 3
    assert counts[hid].two_way_positive is True  # one contact was both
    assert counts[hid].last_contact == today
    assert (counts[lonely.id].contacts, counts[lonely.id].two_way_positive) == (0, False)
    assert lonely.id not in {r.household_id for r in family_page(
        session=session, school_ids=[world.other_school.id])[0]}
