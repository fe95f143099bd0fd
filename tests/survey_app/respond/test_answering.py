"""Answering: versioned saves, idempotent resends, the adult block, language switches."""

from sqlmodel import select

from survey_app.models import (
    Adult,
    Answer,
    FollowUp,
    Invitation,
    LanguageSwitch,
    Response,
    SupportTie,
)

HOME = {"home_internet": "works_well", "home_devices": ["phone"], "home_quiet_place": "always"}


def _answers(session, item_id):
    try:
        return session.exec(select(Answer).where(Answer.item_id == item_id)
                            .order_by(Answer.version)).all()
    finally:
        session.rollback()


def test_changed_answer_is_a_new_version(client, started, session):
    started()
    client.post("/survey/home", data=HOME)
    client.post("/survey/home", data=HOME | {"home_internet": "none"})
    rows = _answers(session, "home.internet")
    assert [(a.version, a.current, a.value) for a in rows] == [
        (1, False, "works_well"), (2, True, "none")]


def test_identical_resend_changes_nothing(client, started, session, fetch):
    started()
    first = client.post("/survey/home", data=HOME)
    again = client.post("/survey/home", data=HOME)
    assert first.status_code == again.status_code == 302
    assert first.headers["Location"] == again.headers["Location"]
    assert len(fetch(select(Answer))) == 3


def test_final_submit_is_idempotent(client, started, session, school_staff, fetch):
    started()
    block = {"adults-0-entry": "", "adults-0-name": "Rosa", "adults-0-reliability": "4"}
    client.post("/survey/adults", data=block)
    block["adults-0-entry"] = "0"
    for _unused in range(2):
        r = client.post("/survey/school", data={"school_wants_mentor": "yes"})
        assert r.headers["Location"].endswith("/survey/done")
    assert len(fetch(select(SupportTie))) == 1
    assert len(fetch(select(Adult))) == 1
    late = client.post("/survey/adults", data=block)
    assert late.status_code == 302, late.data.decode()[-800:]
    assert late.headers["Location"].endswith("/survey/done")


def test_soft_required_asks_once(client, started):
    started()
    first = client.post("/survey/home", data={"home_quiet_place": "always"})
    assert first.status_code == 200
    assert b"You did not answer these questions" in first.data
    assert b'name="skip_ok" type="hidden" value="1"' in first.data
    second = client.post("/survey/home", data={"home_quiet_place": "always", "skip_ok": "1"})
    assert second.headers["Location"].endswith("/survey/after_school")


def test_prefer_not_to_say_is_stored(client, started, session):
    started()
    client.post("/survey/home", data={"home_internet": "prefer_not",
                                      "home_devices": ["prefer_not"], "skip_ok": "1"})
    assert _answers(session, "home.devices")[0].value == "prefer_not"


def test_adults_beyond_the_limit_are_refused_with_a_message(client, started, session):
    started()
    data = {}
    for n in range(11):
        data |= {f"adults-{n}-entry": "", f"adults-{n}-name": f"Adult {n}"}
    r = client.post("/survey/adults", data=data)
    assert r.status_code == 400
    assert b"You can name up to 10 adults" in r.data
    assert b"Adult 10" in r.data  # everything typed is kept on the page
    assert _answers(session, "adults") == []


def test_ten_adults_and_no_more_add_button(client, started, session):
    started()
    data = {}
    for n in range(10):
        data |= {f"adults-{n}-entry": "", f"adults-{n}-name": f"Person {n}"}
    assert client.post("/survey/adults", data=data).status_code == 302
    assert len(_answers(session, "adults")) == 10
    page = client.get("/survey/adults")
    assert b'value="add"' not in page.data
    assert b"That is the most this survey asks for" in page.data


def test_zero_adults_allowed(client, started):
    started()
    r = client.post("/survey/adults", data={"adults-0-entry": "", "adults-0-name": ""})
    assert r.headers["Location"].endswith("/survey/school")


def test_add_another_adult_without_javascript(client, started, session):
    started()
    r = client.post("/survey/adults", data={"adults-0-entry": "", "adults-0-name": "Rosa",
                                            "action": "add"})
    assert "add=1" in r.headers["Location"]
    page = client.get(r.headers["Location"])
    assert b"adults-1-name" in page.data
    assert b"Rosa" in page.data


def test_remove_an_adult_keeps_history(client, started, session):
    started()
    client.post("/survey/adults", data={"adults-0-entry": "", "adults-0-name": "Rosa"})
    client.post("/survey/adults", data={"adults-0-entry": "0", "adults-0-name": "Rosa",
                                        "remove": "0"})
    rows = _answers(session, "adults")
    assert [(a.version, a.value and a.value["name"]) for a in rows] == [(1, "Rosa"), (2, None)]


def test_staff_search_and_pick(client, started, session, school_staff):
    started()
    ana = school_staff[0]
    r = client.post("/survey/adults", data={"adults-0-entry": "", "adults-0-staff_query": "rive",
                                            "find": "0"})
    page = client.get(r.headers["Location"])
    assert b"Ana Rivera" in page.data  # no title: the full name, as children say it
    client.post("/survey/adults", data={"adults-0-entry": "", "adults-0-staff_id": str(ana.id),
                                        "adults-0-relation": "teacher"})
    value = _answers(session, "adults")[0].value
    assert value["staff_id"] == ana.id
    assert value["name"] == "Ana Rivera"


def test_staff_from_another_school_is_refused(client, started, world, session):
    started()
    outsider = world.users["other_staff"]
    r = client.post("/survey/adults", data={"adults-0-entry": "",
                                            "adults-0-staff_id": str(outsider.id)})
    assert r.status_code == 400
    assert b"Please choose one of the answers shown" in r.data


def test_answers_survive_a_language_switch(client, started, session, fetch):
    started()
    r = client.post("/survey/home", data=HOME | {"switch_lang": "es"})
    assert r.status_code == 302
    assert "lang=es" in r.headers["Location"]
    page = client.get(r.headers["Location"])
    assert b'lang="es"' in page.data
    assert b'value="works_well" checked' in page.data
    client.post("/survey/home", data=HOME)
    answer = _answers(session, "home.internet")[0]
    assert answer.value == "works_well"
    switch = fetch(select(LanguageSwitch))[0]
    assert (switch.from_language, switch.to_language, switch.page) == ("en", "es", "home")
    response = fetch(select(Response))[0]
    assert response.language == "en"


def test_a_language_switch_on_a_page_with_a_mistake_shows_it_in_the_new_language(
        client, started, session, fetch):
    """Nothing is saved while a block has a mistake, but the page, its error and what was
    typed come back in the language asked for, and the next pages stay in it."""
    started()
    r = client.post("/survey/adults", data={
        "adults-0-entry": "", "adults-0-name": "Rosa", "adults-1-entry": "",
        "adults-1-name": "", "adults-1-reliability": "3", "switch_lang": "ar"})
    assert r.status_code == 400
    page = r.get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in page
    assert 'value="Rosa"' in page
    assert 'aria-invalid="true"' in page
    assert "Please write a first name" not in page  # the error is in Arabic too
    assert _answers(session, "adults") == []
    assert '<html lang="ar" dir="rtl">' in client.get("/survey/adults").get_data(as_text=True)
    client.post("/survey/adults", data={"adults-0-entry": "", "adults-0-name": "Rosa"})
    switch = fetch(select(LanguageSwitch))[0]
    assert (switch.from_language, switch.to_language, switch.page) == ("en", "ar", "adults")


def test_language_comes_from_the_invitation(client, invite):
    inv = invite(language="ar")
    client.get(f"/r/{inv.token}")
    assert b'dir="rtl"' in client.get("/survey/home").data


def test_family_survey_help_requests_become_follow_ups(client, invite, session, world, fetch):
    inv = invite("family")
    client.get(f"/r/{inv.token}")
    client.post("/survey/help", data={"help_requests": ["food", "other"],
                                      "help_other": "=1+1 a ride on Fridays"})
    again = client.post("/survey/help", data={"help_requests": ["food", "other"],
                                              "help_other": "=1+1 a ride on Fridays"})
    assert again.headers["Location"].endswith("/survey/done")  # sent once, not twice
    follow_ups = fetch(select(FollowUp))
    kids = len(world.students)
    assert len(follow_ups) == 2 * kids
    assert {f.help_type for f in follow_ups} == {"food", "other"}
    assert any(f.note == "=1+1 a ride on Fridays" for f in follow_ups)
    assert fetch(select(Invitation))[0].status == "submitted"


def test_family_adult_for_one_child(client, invite, session, world, fetch):
    inv = invite("family")
    client.get(f"/r/{inv.token}")
    kid = world.students[1]
    client.post("/survey/adults", data={"adults-0-entry": "", "adults-0-name": "Abuela",
                                        "adults-0-relation": "grandparent",
                                        "adults-0-children": [str(kid.id)],
                                        "adults-0-lives_with": "yes"})
    client.post("/survey/help", data={})
    ties = fetch(select(SupportTie))
    assert [(t.student_id, t.setting, t.source) for t in ties] == [
        (kid.id, "home", "family_survey")]


def test_saved_household_items_are_kept_decoded(client, started, fetch):
    """The counselor pages read household conditions from household_condition."""
    from survey_app.models import HouseholdCondition

    started()
    client.post("/survey/home", data=HOME)
    row = fetch(select(HouseholdCondition))[0]
    assert (row.internet, row.device_phone, row.device_own, row.quiet_place, row.adult_home) == (
        "works_well", True, False, "always", None)
    client.post("/survey/home", data=HOME | {"home_internet": "none"})
    rows = fetch(select(HouseholdCondition))
    assert [r.internet for r in rows] == ["none"]


def test_a_district_language_change_is_seen_on_the_next_page_and_save(
        client, started, session, world):
    """The district's language choice comes with the page's own statement: a change made
    between two requests holds on the very next page and save."""
    from survey_app.models import DistrictSettings

    started()
    assert "العربية" in client.get("/survey/home").get_data(as_text=True)
    session.add(DistrictSettings(district_id=world.district.id, languages=["es"]))
    session.commit()
    page = client.get("/survey/home").get_data(as_text=True)
    assert "español" in page
    assert "العربية" not in page
    r = client.post("/survey/home", data=HOME | {"switch_lang": "ar"})
    assert r.status_code == 302
    assert "lang=ar" not in r.headers["Location"]
    r = client.post("/survey/home", data=HOME | {"switch_lang": "es"})
    assert "lang=es" in r.headers["Location"]


def test_the_staff_picker_shows_staff_as_children_know_them(client, started, session, world,
                                                            school_staff):
    """Full name without a title (given name first), job title, and the grade they teach;
    found by the job title too."""
    from survey_app.models import Section, SectionStudent, SectionTeacher

    ana, bo = school_staff
    ana.title, bo.title = "Teacher", "Music Teacher"
    student = world.students[0]
    section = Section(school_id=world.school.id, title="Homeroom")
    session.add_all([ana, bo, section])
    session.flush()
    session.add_all([SectionTeacher(section_id=section.id, staff_id=ana.id),
                     SectionStudent(section_id=section.id, student_id=student.id)])
    session.commit()
    started()
    r = client.post("/survey/adults", data={"adults-0-entry": "", "adults-0-staff_query": "teacher",
                                            "find": "0"})
    page = client.get(r.headers["Location"]).data.decode()
    assert f"Ana Rivera · Teacher · Grade {student.grade}" in page
    assert "Bo Nguyễn · Music Teacher" in page

