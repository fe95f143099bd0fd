"""My families: contacts by kind this school year, the trust mark per teacher and wave,
and the class shares that move when a family is marked or contacted."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
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
                                                           session, siblings_class):
    """12 families: two already trusted and contacted (2 of 12 is hidden, as a count of
    1 or 2 always is); a third makes 3 of 12, shown as 25 %."""
    section, households, _kids = siblings_class
    teacher = world.users["staff"]
    for household in households[:2]:
        session.add(FamilyTrustMark(staff_id=teacher.id, household_id=household.id,
                                    wave_id=world.wave.id, trust="yes"))
        _contact(session, world, household.id, teacher, date.today(), two_way=True,
                 positive=True)
    session.commit()
    login_as(teacher)
    page = f"/staff/classes/{section.id}"

    def whole_class(measure):
        return _share(client.get(page).get_data(as_text=True), measure)[0][0]

    assert whole_class("trusted") == whole_class("contact") == "hidden to protect a small group"
    hid = households[2].id
    client.post(f"/staff/families/{hid}/trust", data={"trust": "yes"})
    assert whole_class("trusted") == "25%"
    assert whole_class("contact") == "hidden to protect a small group"
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
    """20 families of English learners, 4 reached; 20 others, 12 reached: the line says so."""
    import pandas as pd

    from survey_app.services.families import class_shares, reading
    from survey_app.words.classroom import reading_line

    frame = pd.DataFrame({"race_ethnicity": [None] * 40, "gender": ["f", "m"] * 20,
                          "english_learner": [True] * 20 + [False] * 20,
                          "contact": [True] * 4 + [False] * 16 + [True] * 12 + [False] * 8,
                          "trusted": [True, False] * 20})
    found = reading(class_shares(frame, min_n=10))
    assert found == ("contact", "english_learner", True)
    with app.test_request_context():
        assert reading_line(found) == ("Families of English learners: fewer two-way contacts "
                                       "than the class overall.")
        assert reading_line(None).startswith("No group of families")
        assert reading_line(None, compared=False).startswith("No groups to compare yet")


def test_a_family_is_counted_once_whatever_its_children():
    """Two children of one household are one family; where they are in different groups
    the family is a family of an English learner if one of them is, and in a group of its
    own ("children in more than one group") by gender, race/ethnicity or grade."""
    import pandas as pd

    from survey_app.services.families import SEVERAL, per_family

    students = pd.DataFrame({
        "household_id": [1, 1, 2, 3, 3, 4],
        "grade": [3, 5, 4, 2, 2, 1],
        "race_ethnicity": ["asian", "asian", "white", None, "white", None],
        "gender": ["f", "m", "f", "m", "m", None],
        "english_learner": [True, False, False, None, False, None]})
    families = per_family(students, ["grade", "race_ethnicity", "gender", "english_learner"])
    assert families.to_dict("records") == [
        {"household_id": 1, "grade": SEVERAL, "race_ethnicity": "asian", "gender": SEVERAL,
         "english_learner": True},
        {"household_id": 2, "grade": 4, "race_ethnicity": "white", "gender": "f",
         "english_learner": False},
        {"household_id": 3, "grade": 2, "race_ethnicity": "white", "gender": "m",
         "english_learner": False},
        {"household_id": 4, "grade": 1, "race_ethnicity": None, "gender": None,
         "english_learner": None}]


@pytest.fixture
def siblings_class(session, world):
    """Twelve families in one class of the world's staff user; three of them have two
    children in it (a sister who is an English learner and a brother who is not)."""
    from survey_app.models import Household, Section, SectionStudent, SectionTeacher
    from tests.factories import make_student

    section = Section(school_id=world.school.id, title="3C Art")
    session.add(section)
    session.flush()
    session.add(SectionTeacher(section_id=section.id, staff_id=world.users["staff"].id))
    households, kids = [], []
    for i in range(12):
        household = Household(district_id=world.district.id)
        session.add(household)
        session.flush()
        households.append(household)
        children = [("f", i < 3 or i % 2 == 0)] + ([("m", False)] if i < 3 else [])
        for gender, learner in children:
            kid = make_student(session, world.school, household=household, grade=3,
                               given_name=f"Sib{i}{gender}", family_name="Cole",
                               gender=gender, english_learner=learner)
            session.add(SectionStudent(section_id=section.id, student_id=kid.id))
            kids.append(kid)
    session.commit()
    return section, households, kids


def _share(html, measure, by="all"):
    table = html.split(f'id="share-{measure}-{by}"')[1].split("</table>")[0]
    return [(cell.split('class="share-value">')[1].split("<")[0],
             cell.split("(")[1].split(")")[0] if "famil" in cell else None)
            for cell in table.split("<td>")[1:]]


def test_a_class_with_siblings_counts_families_not_children(client, world, login_as,
                                                             session, siblings_class):
    """15 children, 12 families. The three families with two children are marked
    trusted: 3 of 12 families (25 %), not 6 of 15 children (40 %)."""
    section, households, _kids = siblings_class
    login_as(world.users["staff"])
    for household in households[:3]:
        assert client.post(f"/staff/families/{household.id}/trust",
                           data={"trust": "yes"}).status_code == 302
    html = client.get(f"/staff/classes/{section.id}").get_data(as_text=True)
    assert _share(html, "trusted") == [("25%", "12 families")]
    assert "No groups to compare yet" in html  # every group has fewer than 10 families
    families = client.get("/staff/families").get_data(as_text=True)
    assert _share(families, "trusted") == [("25%", "12 families")]
    assert "All my families" in families
    assert families.count("<tr data-household=") == 12


def test_school_leaders_count_each_family_once(client, world, login_as, session,
                                               siblings_class):
    section, households, _kids = siblings_class
    for household in households[:3]:
        session.add(FamilyTrustMark(staff_id=world.users["staff"].id, household_id=household.id,
                                    wave_id=world.wave.id, trust="yes"))
    session.commit()
    login_as(world.users["counselor"])
    html = client.get("/staff/families/school").get_data(as_text=True)
    rows = [part.split("</tr>")[0] for part in html.split(world.users["staff"].family_name)[1:]]
    assert len(rows) == 2  # the teacher's row under each measure
    assert "25%" in rows[1]
    assert "40%" not in rows[1]
