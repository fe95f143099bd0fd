"""Staff titles in Chromium: an admin sets one on the staff titles page, a teacher sets
their own on the account page, both at 390 px without sideways scroll and with axe-core
finding nothing; the survey's staff picker then shows "Ms. …" (in Spanish, "Sra. …")."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from survey_app.db import get_engine
from survey_app.models import StaffUser
from survey_app.services import invitations
from tests import factories
from tests.browser.conftest import describe
from tests.conftest import TEST_CONFIG

pytestmark = pytest.mark.browser
LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def world(app):
    with Session(get_engine(app), expire_on_commit=False) as s:
        world = factories.build_world(s)
        world.brown = factories.make_user(s, world.district, "staff", world.school,
                                          given_name="Anna", family_name="Brown")
        s.commit()
    return world


def _sign_in(page, base, user):
    page.goto(f"{base}/staff/login")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", factories.PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(f"{base}/staff/**")


def _fits_and_passes_axe(page, axe_check):
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    violations = axe_check(page)
    assert not violations, describe(violations)


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_titles_set_by_an_admin_and_by_staff_show_in_the_picker(app, live_server, make_page,
                                                                axe_check, world, viewport):
    admin = make_page(viewport=viewport)
    _sign_in(admin, live_server, world.users["district_admin"])
    admin.goto(f"{live_server}/admin/staff?q=brown")
    _fits_and_passes_axe(admin, axe_check)
    card = admin.locator(f"#staff-{world.brown.id}")
    card.locator("select").select_option("ms")
    card.get_by_role("button", name="Save").click()
    admin.wait_for_url("**/admin/staff**")
    assert "Ms. Brown" in admin.locator(f"#staff-{world.brown.id}").inner_text()
    _fits_and_passes_axe(admin, axe_check)

    teacher = make_page(viewport=viewport)
    _sign_in(teacher, live_server, world.users["staff"])
    teacher.goto(f"{live_server}/staff/account")
    _fits_and_passes_axe(teacher, axe_check)
    teacher.locator("select").select_option("mr")
    teacher.get_by_role("button", name="Save").click()
    teacher.wait_for_url("**/staff/account")
    assert "Mr. " in teacher.locator("main").inner_text()
    with Session(get_engine(app)) as s:
        assert s.get(StaffUser, world.users["staff"].id).honorific == "mr"

    with Session(get_engine(app), expire_on_commit=False) as s:
        inv = invitations._new_invitation(
            secret=TEST_CONFIG["SECRET_KEY"], wave_id=world.wave.id, kind="student",
            student_id=world.students[0].id, language="es")
        s.add(inv)
        s.commit()
        access = invitations.access(inv, secret=TEST_CONFIG["SECRET_KEY"], base_url="")
    child = make_page(viewport=PHONE)
    child.goto(f"{live_server}{access.url}")
    child.wait_for_url("**/survey/**")
    child.goto(f"{live_server}/survey/adults")
    child.locator("details.staff-pick:has(#adults-0-staff_query) > summary").click()
    child.fill("#adults-0-staff_query", "brown")
    child.locator("button[name=find][value='0']").click()
    child.get_by_label("Sra. Brown").check()
    _fits_and_passes_axe(child, axe_check)
