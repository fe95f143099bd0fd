"""A survey save moves its own school's counter only (``declare_schools``): another school's
counselor pages stay cached, and the saving school's pages show the new answer at once; a
student's profile stays cached through classmates' saves and follows its own household's."""

from __future__ import annotations

from sqlalchemy import text

from survey_app.db import DATA_VERSION, HOUSEHOLD_ROW, SCHOOL_ROW, STUDENT_ROW, get_engine
from survey_app.reading import cache
from survey_app.services import students as students_service
from tests.factories import PASSWORD, make_student
from tests.survey_app.respond.conftest import counting_loads

ADULT = {"adults-0-entry": "", "adults-0-name": "Rosalind", "adults-0-reliability": "4"}


def _counters(app) -> dict[int, int]:
    with get_engine(app).connect() as conn:
        return dict(conn.execute(text("SELECT id, n FROM data_version")).all())


def _counselor(app, user):
    client = app.test_client()
    assert client.post("/staff/login", data={"email": user.email, "password": PASSWORD}
                       ).status_code == 302
    return client


def test_a_save_at_one_school_leaves_the_other_schools_pages_warm(
        app, client, started, world, monkeypatch):
    cache.clear()
    inv = started()  # a student of world.school (A)
    here, there = world.school.id, world.other_school.id
    a = _counselor(app, world.users["counselor"])
    b = _counselor(app, world.users["other_counselor"])
    loads = counting_loads(monkeypatch)
    for url in (f"/counsel/students?school={there}", "/counsel/map/data?school="
                f"{there}"):
        assert b.get(url).status_code == 200
    assert a.get(f"/counsel/students?school={here}").status_code == 200
    warm = list(loads)
    assert (there,) in warm
    assert (here,) in warm
    assert b.get(f"/counsel/students?school={there}").status_code == 200
    assert loads == warm  # cached

    before = _counters(app)
    saved = client.post("/survey/adults", data=ADULT)
    assert saved.status_code == 302, saved.data.decode()[-500:]
    after = _counters(app)
    assert after[DATA_VERSION] == before[DATA_VERSION]  # the shared counter stays
    assert after[SCHOOL_ROW + here] > before.get(SCHOOL_ROW + here, 0)
    assert after.get(SCHOOL_ROW + there) == before.get(SCHOOL_ROW + there)

    for url in (f"/counsel/students?school={there}", f"/counsel/map/data?school={there}"):
        assert b.get(url).status_code == 200
    assert loads == warm  # school B: no load at all
    assert a.get(f"/counsel/students?school={here}").status_code == 200
    assert loads == warm  # school A: its kept state follows the save, no full load
    assert inv.invitation.student_id == world.students[0].id


def test_the_caseload_never_lags_a_staff_write(app, world, monkeypatch):
    cache.clear()
    here = world.school.id
    a = _counselor(app, world.users["counselor"])
    loads = counting_loads(monkeypatch)
    assert a.get(f"/counsel/students?school={here}").status_code == 200
    with get_engine(app).begin() as conn:  # undeclared: the shared counter moves
        conn.exec_driver_sql("UPDATE student SET grade = grade")
    assert a.get(f"/counsel/students?school={here}").status_code == 200
    assert loads == [(here,), (here,)]


def test_a_save_shows_on_its_schools_pages_at_once(app, client, started, world):
    cache.clear()
    started()
    student = world.students[0].id
    a = _counselor(app, world.users["counselor"])
    profile = f"/counsel/students/{student}"
    page = a.get(profile)
    assert page.status_code == 200
    assert b"Rosalind" not in page.data  # now cached
    assert client.post("/survey/adults", data=ADULT).status_code == 302
    done = client.post("/survey/school", data={"school_wants_mentor": "yes"})
    assert done.headers["Location"].endswith("/survey/done")  # submitted: counselors see it
    assert b"Rosalind" in a.get(profile).data


def test_an_undeclared_write_still_moves_the_shared_counter(app, world):
    before = _counters(app)
    with get_engine(app).begin() as conn:
        conn.exec_driver_sql("UPDATE student SET grade = grade")
    after = _counters(app)
    assert after[DATA_VERSION] == before[DATA_VERSION] + 1
    assert {k: v for k, v in after.items() if k >= SCHOOL_ROW} == {
        k: v for k, v in before.items() if k >= SCHOOL_ROW}


def _counting_profiles(monkeypatch) -> list:
    made, derive = [], students_service._derive

    def counted(session, ctx, student):
        made.append(student.id)
        return derive(session, ctx, student)

    monkeypatch.setattr(students_service, "_derive", counted)
    return made


def _open_student_survey(app, invite, student):
    survey = app.test_client()
    inv = invite(student=student)
    assert survey.get(f"/r/{inv.token}").status_code == 302
    return survey


def _submit(survey) -> None:
    assert survey.post("/survey/adults", data=ADULT).status_code == 302
    done = survey.post("/survey/school", data={"school_wants_mentor": "yes"})
    assert done.headers["Location"].endswith("/survey/done")


def test_a_classmates_save_leaves_a_profile_warm_and_the_households_refreshes_it(
        app, invite, world, session, monkeypatch):
    """Profiles key on their student's and household's own counters: a save by another
    student of the same school (or of another school) leaves them warm; a save by the
    student's household (the family survey, or a brother's or sister's) makes the profile
    again, with the new answer on it."""
    cache.clear()
    classmate = make_student(session, world.school)  # same school, another household
    session.commit()
    kid, elsewhere = world.students[1], world.other_students[0]
    # Opening a survey writes (undeclared: every cache goes cold), so both open first.
    survey = _open_student_survey(app, invite, classmate)
    sibling = _open_student_survey(app, invite, world.students[0])  # kid's household
    family = app.test_client()
    inv = invite("family", household_id=kid.household_id)
    assert family.get(f"/r/{inv.token}").status_code == 302
    a = _counselor(app, world.users["counselor"])
    b = _counselor(app, world.users["other_counselor"])
    made = _counting_profiles(monkeypatch)
    assert a.get(f"/counsel/students/{kid.id}").status_code == 200
    assert b.get(f"/counsel/students/{elsewhere.id}").status_code == 200
    assert a.get(f"/counsel/students/{kid.id}").status_code == 200
    assert made == [kid.id, elsewhere.id]  # kept

    before = _counters(app)
    _submit(survey)
    after = _counters(app)
    assert after[DATA_VERSION] == before[DATA_VERSION]
    assert after[SCHOOL_ROW + world.school.id] > before.get(SCHOOL_ROW + world.school.id, 0)
    assert after[STUDENT_ROW + classmate.id] > before.get(STUDENT_ROW + classmate.id, 0)
    assert after.get(STUDENT_ROW + kid.id) == before.get(STUDENT_ROW + kid.id)
    page = a.get(f"/counsel/students/{classmate.id}")  # the saver's own profile: fresh
    assert b"Rosalind" in page.data
    assert a.get(f"/counsel/students/{kid.id}").status_code == 200
    assert b.get(f"/counsel/students/{elsewhere.id}").status_code == 200
    assert made == [kid.id, elsewhere.id, classmate.id]  # the classmate's save: no remake

    family.post("/survey/adults", data={"adults-0-entry": "", "adults-0-name": "Abuela Rosa",
                                        "adults-0-relation": "grandparent",
                                        "adults-0-children": [str(kid.id)],
                                        "adults-0-lives_with": "yes"})
    assert family.post("/survey/help", data={}).headers["Location"].endswith("/survey/done")
    assert _counters(app)[HOUSEHOLD_ROW + kid.household_id] > 0
    page = a.get(f"/counsel/students/{kid.id}")
    assert "Abuela Rosa" in page.get_data(as_text=True)  # the household's answer, at once
    assert made == [kid.id, elsewhere.id, classmate.id, kid.id]
    assert b.get(f"/counsel/students/{elsewhere.id}").status_code == 200
    assert made[-1] == kid.id  # the other school's profile: still kept
    # A brother's or sister's own survey may name the household's adults: it counts as
    # the household's save.
    _submit(sibling)
    assert a.get(f"/counsel/students/{kid.id}").status_code == 200
    assert made.count(kid.id) == 3
