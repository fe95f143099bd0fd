"""Relationship mapping in real Chromium at phone size: keyboard only, saved as you go."""

from __future__ import annotations

import pytest
from sqlmodel import select

from survey_app.models import StaffMark
from tests import factories
from tests.browser.conftest import EVERY_ENGINE, describe
from tests.factories import make_student

pytestmark = pytest.mark.browser


def _sign_in(page, base, user):
    page.goto(f"{base}/staff/login")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", factories.PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url(f"{base}/staff/")


@pytest.fixture
def teacher_school(world, session):
    """The world's school with 25 more students (so one page holds more than 20)."""
    for i in range(25):
        make_student(session, world.school, given_name=f"Kid{i:02d}", family_name="Able",
                     grade=4)
    session.commit()
    return world


@EVERY_ENGINE  # each mark saves as it is made: saves follow each other closely
def test_teacher_marks_20_students_with_the_keyboard(live_server, page, teacher_school,
                                                     session, axe_check):
    world = teacher_school
    teacher = world.users["staff"]
    _sign_in(page, live_server, teacher)
    page.goto(f"{live_server}/staff/mapping")
    violations = axe_check(page)
    assert not violations, describe(violations)
    for _press in range(60):  # Tab from the top of the page to the first box
        if page.evaluate("document.activeElement.dataset && document.activeElement.dataset.mark"):
            break
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.mark") == "trusting"
    for row in range(20):
        assert page.evaluate("document.activeElement.dataset.mark") == "trusting", row
        page.keyboard.press("Space")
        if row < 19:
            for _tab in range(3):
                page.keyboard.press("Tab")
    status = page.locator("#save-status")
    page.wait_for_function(  # a function, not an expression: the CSP forbids eval
        "() => document.querySelectorAll('tr[aria-busy]').length === 0 && "
        "document.getElementById('save-status').textContent.startsWith('Saved')")
    assert status.is_visible()
    marks = session.exec(select(StaffMark).where(StaffMark.staff_id == teacher.id)
                         .execution_options(populate_existing=True)).all()
    session.commit()
    assert len(marks) == 20
    assert all(m.trusting and not m.may_benefit and not m.willing_mentor for m in marks)
    assert all(m.wave_id == world.wave.id for m in marks)
    # what was saved is what the grid shows after a reload
    page.reload()
    assert page.locator("#grid-form input[data-mark=trusting]:checked").count() == 20
    assert page.requests.outside(live_server) == []
    assert page.dialogs == []


def test_focus_is_visible_on_a_mark(live_server, page, world):
    _sign_in(page, live_server, world.users["staff"])
    page.goto(f"{live_server}/staff/mapping")
    box = page.locator("#grid-form input[data-mark=trusting]").first
    box.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    outline = page.evaluate(
        "getComputedStyle(document.activeElement.closest('label')).outlineStyle")
    assert outline == "solid"


def test_without_javascript_the_page_form_saves(live_server, make_page, world, session):
    page = make_page(javascript=False)
    teacher = world.users["staff"]
    _sign_in(page, live_server, teacher)
    page.goto(f"{live_server}/staff/mapping")
    page.locator("#grid-form input[data-mark=willing_mentor]").first.check()
    page.get_by_role("button", name="Save this page").click()
    page.wait_for_load_state()
    assert "Saved: 3 students." in page.content()
    marks = session.exec(select(StaffMark).where(StaffMark.staff_id == teacher.id)).all()
    session.commit()
    assert len(marks) == 1
    assert marks[0].willing_mentor


def test_engagement_form_is_accessible(live_server, page, world, axe_check):
    _sign_in(page, live_server, world.users["staff"])
    page.goto(f"{live_server}/staff/engagement")
    violations = axe_check(page)
    assert not violations, describe(violations)
    page.goto(f"{live_server}/staff/engagement/households/{world.students[0].household_id}")
    violations = axe_check(page)
    assert not violations, describe(violations)
    page.get_by_label("The family", exact=True).check()
    page.get_by_label("Two-way: the family spoke and was listened to").check()
    page.get_by_label("Good news was shared").check()
    page.get_by_role("button", name="Save the contact").click()
    page.wait_for_load_state()
    assert "The contact is saved." in page.content()
    violations = axe_check(page)
    assert not violations, describe(violations)
    assert page.requests.outside(live_server) == []
