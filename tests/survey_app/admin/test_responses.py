"""Response tracking: rates by breakdown, suppression, and who has not answered."""

from __future__ import annotations

from sqlmodel import select

from survey_app.models import AuditEvent, Invitation
from survey_app.services import response_rates as responses
from tests.factories import make_student


def _invite(session, world, student, submitted):
    n = student.id
    session.add(Invitation(wave_id=world.wave.id, kind="student", student_id=student.id,
                           nonce=f"n{n}", code_hash=f"c{n}", token_hash=f"t{n}",
                           status="submitted" if submitted else "sent"))


def _setup(session, world):
    _invite(session, world, world.students[0], True)
    _invite(session, world, world.students[1], False)
    for i in range(12):
        s = make_student(session, world.school, given_name=f"Big{i}", gender="f", grade=4)
        _invite(session, world, s, i % 2 == 0)
    session.commit()


def test_counselor_sees_rates_and_names_of_nonrespondents(client, world, login_as, session):
    _setup(session, world)
    login_as(world.users["counselor"])
    html = client.get("/admin/responses").get_data(as_text=True)
    assert "not a gap in the data to ignore" in html  # non-response as an equity signal
    assert "7 of 15" in html  # 1 + 6 submitted out of 3 + 12 students
    assert world.students[1].given_name in html
    assert world.students[2].given_name in html
    assert world.students[0].given_name not in html.split('id="missing"')[1]
    assert world.other_students[0].given_name not in html
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "view_nonrespondents"))
    assert event.first() is not None
    session.commit()


def test_analyst_sees_no_names_and_small_cells_suppressed(client, world, login_as, session):
    _setup(session, world)
    login_as(world.users["analyst"])
    html = client.get("/admin/responses").get_data(as_text=True)
    assert 'id="missing"' not in html
    for s in world.students:
        assert s.given_name not in html
    assert "fewer than 10" in html


def test_staff_cannot_track(client, world, login_as):
    login_as(world.users["staff"])
    assert client.get("/admin/responses").status_code == 403


def test_counselor_cannot_list_another_school(client, world, login_as):
    login_as(world.users["counselor"])
    assert client.get(f"/admin/responses?school={world.other_school.id}").status_code == 404
    assert client.get("/admin/responses?wave=999999").status_code == 404


def test_suppression_hides_a_complement():
    cells = [responses.Cell("a", 30, 10), responses.Cell("b", 4, 1), responses.Cell("c", 20, 5)]
    out = responses.suppress(cells, 10)
    hidden = {c.key for c in out if c.suppressed}
    assert hidden == {"b", "c"}  # b is small; c hides too, or b = total - a - c
    assert all(c.total == 0 and c.rate is None for c in out if c.suppressed)


def test_grades_in_numeric_order():
    cells = responses.breakdown([2, 10, 1, None], lambda g: g, lambda g: True)
    assert [c.key for c in cells] == [1, 2, 10, None]
