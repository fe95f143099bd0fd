"""My families: contacts by kind this school year, the trust mark per teacher and wave,
and the class shares that move when a family is marked or contacted."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import select

from survey_app.models import Engagement, FamilyTrustMark, SurveyWave
from survey_app.services.families import school_year_start
from tests.factories import make_user

CONTACT = {"contacted_on": date.today().isoformat(), "channel": "call", "started_by": "school",
           "positive": "y", "two_way": "y"}


def _contact(session, world, household_id, staff, on, **kind):
    session.add(Engagement(household_id=household_id, school_id=world.school.id,
                           staff_id=staff.id, contacted_on=on, channel="call",
                           started_by="school", **kind))


def test_school_year_starts_in_august():
    assert school_year_start(date(2026, 12, 6)) == date(2026, 8, 1)
    assert school_year_start(date(2027, 3, 1)) == date(2026, 8, 1)
    assert school_year_start(date(2026, 8, 1)) == date(2026, 8, 1)


def test_my_contacts_this_year_by_kind(client, world, login_as, classroom, session):
    teacher, hid = world.users["staff"], classroom.students[0].household_id
    today = date.today()
    _contact(session, world, hid, teacher, today, two_way=True, positive=True)
    _contact(session, world, hid, teacher, today - timedelta(days=1), concern=True)
    _contact(session, world, hid, teacher, school_year_start(today) - timedelta(days=1),
             two_way=True)  # last school year: not counted
    _contact(session, world, hid, world.users["counselor"], today, two_way=True)  # not mine
    session.commit()
    login_as(teacher)
    html = client.get("/staff/families").get_data(as_text=True)
    row = html.split(f'data-household="{hid}"')[1].split("</tr>")[0]
    cells = [c.split(">", 1)[1] for c in row.split("<td")[1:6]]
    assert cells == ["2</td>\n    ", "1</td>\n    ", "1</td>\n    ", "1</td>\n    ",
                     cells[4]]
    assert "—" not in cells[4]


def test_trust_mark_is_stored_per_teacher_and_wave(client, world, login_as, classroom,
                                                   session):
    teacher, hid = world.users["staff"], classroom.students[0].household_id
    login_as(teacher)
    assert client.post(f"/staff/families/{hid}/trust", data={"trust": "not_yet"}).status_code == 302
    assert client.post(f"/staff/families/{hid}/trust", data={"trust": "yes"}).status_code == 302
    spring = SurveyWave(district_id=world.district.id, ordinal=2, name="Spring")
    session.add(spring)
    session.commit()
    client.post(f"/staff/families/{hid}/trust", data={"trust": "dont_know"})
    marks = session.exec(select(FamilyTrustMark).order_by(FamilyTrustMark.wave_id)).all()
    assert [(m.staff_id, m.household_id, m.wave_id, m.trust) for m in marks] == [
        (teacher.id, hid, world.wave.id, "yes"), (teacher.id, hid, spring.id, "dont_know")]
    session.commit()


def test_bad_trust_answer_is_refused_and_nothing_is_lost(client, world, login_as, classroom,
                                                         session):
    hid = classroom.students[0].household_id
    login_as(world.users["staff"])
    client.post(f"/staff/families/{hid}/trust", data={"trust": "yes"})
    response = client.post(f"/staff/families/{hid}/trust", data={"trust": "<script>"},
                           follow_redirects=True)
    assert response.status_code == 200
    assert "Choose one of the answers" in response.get_data(as_text=True)
    assert session.exec(select(FamilyTrustMark.trust)).all() == ["yes"]
    session.commit()


def test_a_colleague_cannot_mark_families_outside_their_classes(client, world, login_as,
                                                               classroom, session):
    colleague = make_user(session, world.district, "staff", world.school)
    session.commit()
    login_as(colleague)
    hid = classroom.students[0].household_id
    assert client.post(f"/staff/families/{hid}/trust", data={"trust": "yes"}).status_code == 404


def test_shares_move_when_a_family_is_marked_and_contacted(client, world, login_as,
                                                           session, app_config, classroom):
    """min_n = 1 here so the whole-class share of a class of four is shown."""
    from survey_app.models import DistrictSettings

    session.add(DistrictSettings(district_id=world.district.id, min_n=1))
    for kid, gender in zip(classroom.students, "ffmm", strict=True):
        kid.gender = gender
        session.add(kid)
    session.commit()
    login_as(world.users["staff"])
    page = f"/staff/classes/{classroom.section.id}"

    def whole_class(measure):
        html = client.get(page).get_data(as_text=True)
        table = html.split(f'id="share-{measure}-all"')[1].split("</table>")[0]
        return table.split('class="share-value">')[1].split("<")[0]

    assert whole_class("trusted") == "5% or less"
    hid = classroom.students[1].household_id
    client.post(f"/staff/families/{hid}/trust", data={"trust": "yes"})
    assert whole_class("trusted") == "25%"
    client.post(f"/staff/engagement/households/{hid}", data=CONTACT)
    assert whole_class("contact") == "25%"


def test_school_leaders_see_the_shares_per_teacher(client, world, login_as, classroom,
                                                   session):
    login_as(world.users["counselor"])
    response = client.get("/staff/families/school")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert world.users["staff"].family_name in html  # the class's teacher has a row
    assert "fewer than 10" in html  # a class of four: hidden
    assert "Kid0" not in html  # no student names
    assert client.get(f"/staff/families/school?school={world.other_school.id}").status_code == 404
    from survey_app.models import AuditEvent

    assert session.exec(select(AuditEvent).where(
        AuditEvent.action == "engagement_school_view")).first() is not None
    session.commit()
    client.post("/staff/logout")
    login_as(world.users["staff"])
    assert client.get("/staff/families/school").status_code == 403


def test_the_reading_names_the_group_that_lags(app):
    """20 families of English learners, 2 reached; 20 others, 12 reached: the line says so."""
    import pandas as pd

    from survey_app.services.families import class_shares, reading
    from survey_app.words.classroom import reading_line

    frame = pd.DataFrame({"race_ethnicity": [None] * 40, "gender": ["f", "m"] * 20,
                          "english_learner": [True] * 20 + [False] * 20,
                          "contact": [True] * 2 + [False] * 18 + [True] * 12 + [False] * 8,
                          "trusted": [True, False] * 20})
    found = reading(class_shares(frame, min_n=10))
    assert found == ("contact", "english_learner", True)
    with app.test_request_context():
        assert reading_line(found) == ("Families of English learners: fewer two-way contacts "
                                       "than the class overall.")
        assert reading_line(None).startswith("No group of families")
