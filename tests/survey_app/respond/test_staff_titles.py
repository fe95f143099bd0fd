"""The staff picker shows staff the way children know them: "Ms. Brown · Teacher · Grade 5"
with a title (put into words in the respondent's language), "Anna Brown · …" without."""

from __future__ import annotations

import re

import pytest

from survey_app.models import Section, SectionStudent, SectionTeacher, StaffUser
from survey_app.models.enums import Honorific


def _picker(client, query: str, lang: str | None = None) -> list[str]:
    r = client.post("/survey/adults" + (f"?lang={lang}" if lang else ""),
                    data={"adults-0-entry": "", "adults-0-staff_query": query, "find": "0"})
    assert r.status_code == 302, r.data
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    return [re.sub(r"\s+", " ", x).strip()
            for x in re.findall(r'name="adults-0-staff_id" value="\d+"[^>]*>\s*<label[^>]*>'
                                r'<bdi>(.*?)</bdi>', page, re.S)]


@pytest.fixture
def brown(session, world, school_staff):
    """Anna Brown teaches grade 5 (a homeroom of one of the students); Bo has no title."""
    from tests.factories import make_user

    anna = make_user(session, world.district, "staff", world.school, given_name="Anna",
                     family_name="Brown")
    anna.title = "Teacher"
    student = world.students[0]
    section = Section(school_id=world.school.id, title="Homeroom")
    session.add_all([anna, section])
    session.flush()
    session.add_all([SectionTeacher(section_id=section.id, staff_id=anna.id),
                     SectionStudent(section_id=section.id, student_id=student.id)])
    session.commit()
    return anna, student.grade


def _set(session, user_id: int, honorific: str | None) -> None:
    session.get(StaffUser, user_id).honorific = honorific
    session.commit()


def test_title_and_surname_when_the_staff_member_has_a_title(client, started, session, brown):
    anna, grade = brown
    started()
    assert _picker(client, "brown") == [f"Anna Brown · Teacher · Grade {grade}"]
    _set(session, anna.id, Honorific.MS)
    assert _picker(client, "brown") == [f"Ms. Brown · Teacher · Grade {grade}"]
    _set(session, anna.id, Honorific.COACH)
    assert _picker(client, "brown") == [f"Coach Brown · Teacher · Grade {grade}"]


def test_found_by_how_children_say_it(client, started, session, brown, school_staff):
    """A child types what they call the adult: "ms brown" finds Ms. Brown only."""
    anna, grade = brown
    _set(session, anna.id, Honorific.MS)
    _set(session, school_staff[0].id, Honorific.MR)  # Mr. Rivera: "ms" must not find him
    started()
    assert _picker(client, "ms brown") == [f"Ms. Brown · Teacher · Grade {grade}"]
    assert _picker(client, "mr") == ["Mr. Rivera"]


def test_the_title_is_in_the_respondents_language(client, started, session, brown):
    """One stored code, worded per language: Sra. Brown in Spanish, 布朗-style order in Chinese
    (the title after the name), the English title on an English page."""
    anna, _grade = brown
    _set(session, anna.id, Honorific.MRS)
    started()
    assert _picker(client, "brown", "es")[0].startswith("Sra. Brown · ")
    _set(session, anna.id, Honorific.MR)
    assert _picker(client, "brown", "es")[0].startswith("Sr. Brown · ")
    zh = _picker(client, "brown", "zh_Hans")[0]
    assert zh.startswith("Brown")
    assert "Mr." not in zh
    assert _picker(client, "brown", "en")[0].startswith("Mr. Brown · ")


def test_a_picked_staff_member_is_named_by_title_in_the_block(client, started, session, brown):
    """After picking, the adult's block is headed "Ms. Brown", not "Adult 1"."""
    anna, _grade = brown
    _set(session, anna.id, Honorific.MS)
    started()
    r = client.post("/survey/adults", data={"adults-0-entry": "",
                                            "adults-0-staff_id": str(anna.id),
                                            "adults-0-relation": "teacher"})
    assert r.status_code == 302
    page = client.get("/survey/adults").get_data(as_text=True)
    assert re.search(r"<legend>\s*Adult 1: <bdi>Ms\. Brown</bdi>", page), page


def test_an_unknown_stored_code_shows_the_full_name(client, started, session, brown):
    """A code no list knows (written by hand in the database) never shows as text."""
    anna, grade = brown
    _set(session, anna.id, "<b>lord")
    started()
    assert _picker(client, "brown") == [f"Anna Brown · Teacher · Grade {grade}"]


def test_the_rosters_role_is_the_job_in_the_respondents_language(client, started, session,
                                                                 brown):
    """The import keeps a staff member's OneRoster role ("teacher", "aide", …) as the job
    title: the picker words it in the page's language; a job title no roster role names
    ("Math Teacher") shows as the roster wrote it."""
    anna, grade = brown
    session.get(StaffUser, anna.id).title = "teacher"
    session.commit()
    started()
    assert _picker(client, "brown") == [f"Anna Brown · Teacher · Grade {grade}"]
    assert _picker(client, "brown", "es")[0].startswith("Anna Brown · Maestro o maestra · ")
    assert _picker(client, "maestra", "es")[0].startswith("Anna Brown · ")  # found by it too
    session.get(StaffUser, anna.id).title = "aide"
    session.commit()
    assert _picker(client, "brown", "en")[0] == f"Anna Brown · Teaching assistant · Grade {grade}"
    session.get(StaffUser, anna.id).title = "Math Teacher"
    session.commit()
    assert _picker(client, "brown", "es")[0].startswith("Anna Brown · Math Teacher · ")
