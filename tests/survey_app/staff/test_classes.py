"""My classes: a teacher sees their classes and only their students, context beside
academics, nothing counselors keep to themselves, and every view audited."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from survey_app.models import AuditEvent, Household


def _rows(html: str) -> list[str]:
    return re.findall(r'<tr data-student="(\d+)"', html)


def test_teacher_sees_their_classes_only(client, world, login_as, classroom):
    login_as(world.users["staff"])
    html = client.get("/staff/classes").get_data(as_text=True)
    assert "5A Reading" in html
    assert "5B Maths" not in html


def test_class_view_shows_every_student_with_context(client, world, login_as, classroom):
    login_as(world.users["staff"])
    response = client.get(f"/staff/classes/{classroom.section.id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert sorted(_rows(html)) == sorted(str(s.id) for s in classroom.students)
    assert "55%" in html
    assert "78.5" in html
    assert "No internet" in html
    assert "the family asked for help with internet" in html
    assert "no data yet" in html
    assert "Outsider" not in html


def test_low_completion_beside_a_barrier_comes_first(client, world, login_as, classroom):
    login_as(world.users["staff"])
    html = client.get(f"/staff/classes/{classroom.section.id}").get_data(as_text=True)
    assert _rows(html)[0] == str(classroom.barrier.id)
    assert _rows(html)[-1] == str(classroom.quiet.id)  # nothing known: last
    only = client.get(f"/staff/classes/{classroom.section.id}?show=priority").get_data(as_text=True)
    assert _rows(only) == [str(classroom.barrier.id)]
    by_completion = client.get(
        f"/staff/classes/{classroom.section.id}?sort=completion").get_data(as_text=True)
    assert _rows(by_completion)[:3] == [str(classroom.barrier.id), str(classroom.students[2].id),
                                        str(classroom.students[1].id)]


def test_named_teacher_and_own_mark_are_shown(client, world, login_as, classroom):
    login_as(world.users["staff"])
    html = client.get(f"/staff/classes/{classroom.section.id}?sort=name").get_data(as_text=True)
    row = html.split(f'data-student="{classroom.students[1].id}"')[1].split("</tr>")[0]
    assert "Yes" in row
    assert "✓" in row


@pytest.mark.parametrize("page", ["/staff/classes/{sid}", "/staff/families",
                                  "/staff/classes", "/staff/classes/{sid}/students/{kid}",
                                  "/staff/engagement/households/{hid}"])
def test_no_free_text_or_adult_names_on_teacher_pages(client, world, login_as, classroom,
                                                       page):
    login_as(world.users["staff"])
    response = client.get(page.format(sid=classroom.section.id, kid=classroom.barrier.id,
                                      hid=classroom.barrier.household_id))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for secret in ("SECRET-FREE-TEXT", "Rosalind", "Grandma Odalys", "Odalys"):
        assert secret not in html


def test_another_teachers_class_is_404(client, world, login_as, classroom):
    login_as(world.users["staff"])
    assert client.get(f"/staff/classes/{classroom.other_section.id}").status_code == 404
    assert client.get("/staff/classes/999999").status_code == 404


def test_a_student_not_in_my_classes_is_404(client, world, login_as, classroom):
    """Teachers reach students only through their classes: a student of another class, or
    of this class through another class's address, answers 404; so does marking their family."""
    login_as(world.users["staff"])
    sid, mine = classroom.section.id, classroom.students[0].id
    assert client.get(f"/staff/classes/{sid}/students/{mine}").status_code == 200
    assert client.get(f"/staff/classes/{sid}/students/{classroom.outsider.id}").status_code == 404
    assert client.get(f"/staff/classes/{classroom.other_section.id}/students/"
                      f"{classroom.outsider.id}").status_code == 404
    assert client.get(f"/counsel/students/{classroom.outsider.id}").status_code in (403, 404)
    outsider_family = Household(district_id=world.district.id)
    response = client.post(f"/staff/families/{classroom.outsider.household_id or 999999}/trust",
                           data={"trust": "yes"})
    assert response.status_code == 404
    del outsider_family


def test_staff_of_another_school_cannot_open_the_class(client, world, login_as, classroom):
    login_as(world.users["other_staff"])
    assert client.get(f"/staff/classes/{classroom.section.id}").status_code == 404
    client.post("/staff/logout")
    login_as(world.users["other_counselor"])
    assert client.get("/staff/classes").status_code == 200
    assert client.get(f"/staff/classes/{classroom.section.id}").status_code == 404


@pytest.mark.parametrize("role", ["counselor", "district_admin"])
def test_counselors_and_admins_open_any_class_of_their_schools(client, world, login_as,
                                                               classroom, role):
    login_as(world.users[role])
    html = client.get("/staff/classes").get_data(as_text=True)
    assert "5A Reading" in html
    assert "5B Maths" in html
    assert client.get(f"/staff/classes/{classroom.other_section.id}").status_code == 200


def test_analysts_cannot_open_classes(client, world, login_as, classroom):
    login_as(world.users["analyst"])
    assert client.get(f"/staff/classes/{classroom.section.id}").status_code == 403


def test_every_class_view_is_audited(client, world, login_as, classroom, session):
    login_as(world.users["staff"])
    for _i in range(2):
        client.get(f"/staff/classes/{classroom.section.id}")
    client.get("/staff/families")
    client.get(f"/staff/classes/{classroom.section.id}/students/{classroom.barrier.id}")
    events = session.exec(select(AuditEvent).where(AuditEvent.action == "class_view")).all()
    assert len(events) == 2
    assert {e.target_id for e in events} == {str(classroom.section.id)}
    assert events[0].staff_id == world.users["staff"].id
    assert events[0].detail == {"students": 4}
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "families_view")).first()
    one = session.exec(select(AuditEvent).where(AuditEvent.action == "class_student_view")).one()
    assert one.target_id == str(classroom.barrier.id)
    session.commit()


def test_bad_sort_and_filter_fall_back(client, world, login_as, classroom):
    login_as(world.users["staff"])
    response = client.get(f"/staff/classes/{classroom.section.id}?sort=%27;drop&show=<x>")
    assert response.status_code == 200
    assert len(_rows(response.get_data(as_text=True))) == 4


def test_workspace_links_to_my_classes(client, world, login_as, classroom):
    login_as(world.users["staff"])
    html = client.get("/staff/").get_data(as_text=True)
    assert "/staff/classes" in html
    assert "/staff/families" in html


def test_a_class_in_another_school_stays_closed_even_if_the_roster_says_i_teach_it(
        client, world, login_as, classroom, session):
    from survey_app.models import Section, SectionStudent, SectionTeacher

    section = Section(school_id=world.other_school.id, title="Oak Chemistry")
    session.add(section)
    session.flush()
    session.add(SectionTeacher(section_id=section.id, staff_id=world.users["staff"].id))
    session.add(SectionStudent(section_id=section.id, student_id=world.other_students[0].id))
    session.commit()
    login_as(world.users["staff"])
    assert "Oak Chemistry" not in client.get("/staff/classes").get_data(as_text=True)
    assert client.get(f"/staff/classes/{section.id}").status_code == 404
