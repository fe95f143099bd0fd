"""The relationship-mapping grid: scope, own marks only, idempotent saves, paging."""

from __future__ import annotations

from sqlmodel import select

from survey_app.models import Section, SectionStudent, StaffMark
from survey_app.services import mapping
from tests.factories import make_student, make_user


def _marks(session, staff_id):
    """The staff member's marks, read in a transaction that is closed at once (SQLite lock)."""
    rows = session.exec(select(StaffMark).where(StaffMark.staff_id == staff_id)
                        .execution_options(populate_existing=True)).all()
    session.commit()
    return rows


def test_staff_sees_own_school_students_only(client, world, login_as):
    login_as(world.users["staff"])
    html = client.get("/staff/mapping").get_data(as_text=True)
    for s in world.students:
        assert s.given_name in html
    for s in world.other_students:
        assert s.given_name not in html
    assert client.get(f"/staff/mapping?school={world.other_school.id}").status_code == 404


def test_grid_has_labelled_checkboxes_and_no_flags(client, world, login_as):
    login_as(world.users["staff"])
    html = client.get("/staff/mapping").get_data(as_text=True)
    name = f"{world.students[0].given_name} {world.students[0].family_name}"
    assert f"{name}: trusting relationship" in html
    assert f"{name}: may benefit from an adult" in html
    assert f"{name}: I would mentor" in html
    assert "js/mapping.js" in html
    assert "<script>" not in html
    assert "flag" not in html.lower()


def test_form_post_saves_page_and_keeps_filters(client, world, login_as, session):
    staff = world.users["staff"]
    login_as(staff)
    a, b, c = world.students
    data = {"ids": [a.id, b.id, c.id], f"trusting-{a.id}": "1", f"willing_mentor-{b.id}": "1",
            "grade": "5", "q": "Student"}
    response = client.post("/staff/mapping", data=data)
    assert response.status_code == 302
    assert "grade=5" in response.headers["Location"]
    assert "q=Student" in response.headers["Location"]
    marks = {m.student_id: m for m in _marks(session, staff.id)}
    assert set(marks) == {a.id, b.id}  # no empty row for c
    assert marks[a.id].trusting
    assert not marks[a.id].may_benefit
    assert marks[b.id].willing_mentor
    assert marks[b.id].wave_id == world.wave.id
    # the same post again: same rows, same values (idempotent)
    client.post("/staff/mapping", data=data)
    again = _marks(session, staff.id)
    assert len(again) == 2
    # unticking is saved too
    client.post("/staff/mapping", data={"ids": [a.id]})
    assert not next(m for m in _marks(session, staff.id) if m.student_id == a.id).trusting


def test_single_mark_endpoint_is_idempotent_and_scoped(client, world, login_as, session):
    staff = world.users["staff"]
    login_as(staff)
    student = world.students[0]
    for _i in range(3):
        response = client.post(f"/staff/mapping/students/{student.id}",
                               data={"trusting": "1", "may_benefit": "1"})
        assert response.status_code == 200
        assert response.json["saved"] is True
    marks = _marks(session, staff.id)
    assert len(marks) == 1
    assert marks[0].trusting
    assert marks[0].may_benefit
    other = world.other_students[0]
    assert client.post(f"/staff/mapping/students/{other.id}",
                       data={"trusting": "1"}).status_code == 404
    assert all(m.student_id != other.id for m in _marks(session, staff.id))


def test_staff_never_sees_another_staff_members_marks(client, world, login_as, session):
    colleague = make_user(session, world.district, "staff", world.school)
    student = world.students[1]
    session.add(StaffMark(staff_id=colleague.id, student_id=student.id, wave_id=world.wave.id,
                          trusting=True, may_benefit=True, willing_mentor=True))
    session.commit()
    login_as(world.users["staff"])
    html = client.get("/staff/mapping").get_data(as_text=True)
    assert " checked" not in html


def test_paging_filters_and_search(client, world, login_as, session):
    for i in range(55):
        make_student(session, world.school, given_name=f"Pupil{i:02d}", family_name="Zed",
                     grade=3)
    section = Section(school_id=world.school.id, title="Room 12")
    session.add(section)
    session.flush()
    session.add(SectionStudent(section_id=section.id, student_id=world.students[0].id))
    session.commit()
    login_as(world.users["staff"])
    first = client.get("/staff/mapping?grade=3").get_data(as_text=True)
    assert first.count('name="ids"') == 50
    assert "Page 1 of 2" in first
    second = client.get("/staff/mapping?grade=3&page=2").get_data(as_text=True)
    assert second.count('name="ids"') == 5
    assert client.get("/staff/mapping?q=pupil07").get_data(as_text=True).count('name="ids"') == 1
    only = client.get(f"/staff/mapping?section={section.id}").get_data(as_text=True)
    assert only.count('name="ids"') == 1
    assert world.students[0].given_name in only
    assert client.get("/staff/mapping?q=%25").get_data(as_text=True).count('name="ids"') == 0


def test_admin_picks_a_school_counselor_sees_own(client, world, login_as):
    login_as(world.users["district_admin"])
    html = client.get("/staff/mapping").get_data(as_text=True)
    assert world.school.name in html
    assert world.other_school.name in html
    html = client.get(f"/staff/mapping?school={world.other_school.id}").get_data(as_text=True)
    assert world.other_students[0].given_name in html


def test_analyst_cannot_map(client, world, login_as):
    login_as(world.users["analyst"])
    assert client.get("/staff/mapping").status_code == 403


def test_grid_page_is_one_query(world, session):
    from sqlalchemy import event

    statements = []
    engine = session.get_bind()
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        page = mapping.grid_page(session=session, staff_id=world.users["staff"].id,
                                 school_id=world.school.id, wave_id=world.wave.id)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert page.total == 3
    assert len(selects) == 1
