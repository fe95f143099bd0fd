"""A teacher's "my students": mentees and follow-ups they own, with what is due."""

from __future__ import annotations

from datetime import date, timedelta

from survey_app.models import FollowUp
from survey_app.models.enums import FollowUpKind, FollowUpStatus


def _mentor(session, world, student, teacher, *, due_in: int) -> None:
    counselor = world.users["counselor"]
    today = date.today()
    session.add(FollowUp(student_id=student.id, kind=FollowUpKind.MENTOR,
                         mentor_staff_id=teacher.id, owner_id=counselor.id,
                         status=FollowUpStatus.IN_PROGRESS, due_on=today + timedelta(28)))
    session.add(FollowUp(student_id=student.id, kind=FollowUpKind.CHECK_IN,
                         mentor_staff_id=teacher.id, owner_id=counselor.id,
                         due_on=today + timedelta(due_in)))
    session.commit()


def test_teacher_sees_their_mentee_with_the_check_in_due(client, login_as, world, session):
    teacher, student = world.users["staff"], world.students[0]
    _mentor(session, world, student, teacher, due_in=3)
    login_as(teacher)
    html = client.get("/staff/my-students").get_data(as_text=True)
    assert f'id="student-{student.id}"' in html
    assert "You are the mentor" in html
    assert "Check-in" in html
    assert "This week" in html
    assert "1 thing due this week" in html
    assert "Just one adult" not in html
    assert "reason" not in html.lower()


def test_owner_of_a_follow_up_sees_it_overdue_first(client, login_as, world, session):
    teacher = world.users["staff"]
    late, later = world.students[0], world.students[1]
    session.add(FollowUp(student_id=later.id, owner_id=teacher.id, note="Ask about the team",
                         due_on=date.today() + timedelta(20)))
    session.add(FollowUp(student_id=late.id, owner_id=teacher.id, note="Call home",
                         due_on=date.today() - timedelta(2)))
    session.add(FollowUp(student_id=world.students[2].id, owner_id=teacher.id,
                         status=FollowUpStatus.DONE, due_on=date.today()))
    session.commit()
    login_as(teacher)
    html = client.get("/staff/my-students").get_data(as_text=True)
    assert html.index(f'id="student-{late.id}"') < html.index(f'id="student-{later.id}"')
    assert f'id="student-{world.students[2].id}"' not in html  # closed: gone
    assert "Overdue" in html
    assert "Call home" in html


def test_others_see_nothing_of_it(client, login_as, world, session):
    _mentor(session, world, world.students[0], world.users["staff"], due_in=1)
    login_as(world.users["other_staff"])
    html = client.get("/staff/my-students").get_data(as_text=True)
    assert f'id="student-{world.students[0].id}"' not in html
    assert "No student yet" in html
    client.post("/staff/logout")
    login_as(world.users["analyst"])
    assert client.get("/staff/my-students").status_code == 403


def test_workspace_links_to_my_students(client, login_as, world):
    login_as(world.users["staff"])
    assert 'href="/staff/my-students"' in client.get("/staff/").get_data(as_text=True)


def test_each_plan_says_its_goal_and_whose_it_is_when_not_mine(client, login_as, world,
                                                               session):
    """A mentor sees what the plan is for, and a check-in someone else owns says whose it is
    (a teacher must not read the counselor's own check-in as their task)."""
    teacher, counselor, student = world.users["staff"], world.users["counselor"], world.students[0]
    session.add(FollowUp(student_id=student.id, kind=FollowUpKind.MENTOR, goal="Lunch club weekly",
                         mentor_staff_id=teacher.id, owner_id=teacher.id,
                         due_on=date.today() + timedelta(2)))
    session.add(FollowUp(student_id=student.id, kind=FollowUpKind.CHECK_IN,
                         mentor_staff_id=teacher.id, owner_id=counselor.id,
                         due_on=date.today() + timedelta(9)))
    session.commit()
    login_as(teacher)
    html = client.get("/staff/my-students").get_data(as_text=True)
    card = html[html.index(f'id="student-{student.id}"'):]
    assert "Goal: Lunch club weekly" in card
    assert card.count("Owner:") == 1  # only the counselor's check-in names its owner
    assert f"Owner: {counselor.given_name} {counselor.family_name}" in card \
        or f"Owner: {counselor.family_name}" in card
