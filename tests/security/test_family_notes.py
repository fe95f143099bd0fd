"""Family notes stay with the school they were written for, unless their author shared
them district-wide. Before: a teacher at one school read a contact note written at
another school about a family with children at both."""

from __future__ import annotations

from survey_app.models import Student


def _two_school_family(session, world):
    """Move one of the first school's household's children to the other school."""
    household = world.students[0].household_id
    other_child = Student(school_id=world.other_school.id, household_id=household,
                          sourced_id="two-schools", sis_id="T1", given_name="Sib",
                          family_name="Ling", grade=10)
    session.add(other_child)
    session.commit()
    return household


def _log(client, household, note, *, shared=False):
    data = {"contacted_on": "2026-10-01", "channel": "call", "started_by": "school",
            "note": note}
    if shared:
        data["district_wide"] = "y"
    assert client.post(f"/staff/engagement/households/{household}", data=data
                       ).status_code == 302


def test_a_note_is_read_only_at_its_school_unless_shared(app, session, world, login_as,
                                                         client):
    household = _two_school_family(session, world)
    login_as(world.users["staff"])  # first school
    _log(client, household, "Mum works nights; call after 4")
    _log(client, household, "Moving house in May", shared=True)
    own = client.get(f"/staff/engagement/households/{household}").get_data(as_text=True)
    assert "Mum works nights" in own
    other = app.test_client()
    other.post("/staff/login", data={"email": world.users["other_staff"].email,
                                     "password": "correct horse battery staple"})
    page = other.get(f"/staff/engagement/households/{household}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Mum works nights" not in body  # written for the first school
    assert "Moving house in May" in body  # its author shared it
    assert body.count("<tr") == own.count("<tr")  # the contacts themselves still count
