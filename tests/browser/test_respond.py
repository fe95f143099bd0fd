"""Respondents in a real Chromium at 390×844: link, code, resume, Arabic, no JavaScript, axe."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlmodel import Session, select

from survey_app.db import get_engine
from survey_app.models import Answer, FollowUp, Household, Student
from survey_app.models.enums import Consent
from survey_app.services import invitations
from tests.browser.conftest import describe
from tests.conftest import TEST_CONFIG
from tests.factories import build_world, make_student, make_user

pytestmark = pytest.mark.browser
SECRET = TEST_CONFIG["SECRET_KEY"]
SHOTS = Path(os.environ.get("SHOTS_DIR", "/tmp/shots"))


@pytest.fixture
def district(app):
    """A world with staff on the roster, and a function making invitations."""
    with Session(get_engine(app), expire_on_commit=False) as s:
        world = build_world(s)
        make_user(s, world.district, "staff", world.school, given_name="Ana",
                  family_name="Rivera")
        s.commit()

    def invite(kind="student", language="en", student=None):
        with Session(get_engine(app), expire_on_commit=False) as s:
            inv = invitations._new_invitation(
                secret=SECRET, wave_id=world.wave.id, kind=kind, language=language,
                student_id=(student or world.students[0]).id if kind == "student" else None,
                household_id=world.students[0].household_id if kind == "family" else None)
            s.add(inv)
            s.commit()
            return invitations.access(inv, secret=SECRET, base_url="")

    def rows(query):
        with Session(get_engine(app)) as s:
            return s.exec(query).all()

    world.invite, world.rows, world.app = invite, rows, app
    return world


def _next(page):
    page.locator(".actions button.primary").click()


def _choose(page, field_id: str, index: int = 0):
    page.locator(f"label[for='{field_id}-{index}']").click()


def test_student_completes_in_spanish_from_a_link(live_server, page, district):
    access = district.invite(language="es")
    page.goto(f"{live_server}{access.url}")
    assert page.locator("html").get_attribute("lang") == "es"
    _choose(page, "home_internet", 1)
    _choose(page, "home_devices", 2)
    _choose(page, "home_quiet_place", 0)
    _next(page)
    page.wait_for_url("**/survey/after_school")
    _choose(page, "home_adult_after_school", 0)
    _choose(page, "home_caregiving", 2)
    _next(page)
    page.wait_for_url("**/survey/adults")
    page.locator("details.staff-pick:has(#adults-0-staff_query) > summary").click()  # folded
    page.fill("#adults-0-staff_query", "rivera")
    page.locator("button[name=find][value='0']").click()
    page.get_by_label("Ana Rivera").check()
    page.select_option("#adults-0-relation", "teacher")
    _choose(page, "adults-0-reliability", 0)
    page.locator("button[name=action][value=add]").click()
    page.fill("#adults-1-name", "Tía Rosa")
    page.select_option("#adults-1-relation", "aunt_uncle")
    _choose(page, "adults-1-support", 0)
    _choose(page, "adults-1-lives_with", 1)
    # The saved adult folds to one line, named as the child knows them.
    assert "Ana Rivera" in page.locator("details.adult-folded > summary").first.inner_text()
    _next(page)
    page.wait_for_url("**/survey/school")
    _choose(page, "school_trusted_adult", 0)
    _next(page)
    page.wait_for_url("**/survey/done")
    assert page.locator("h1").inner_text() == "Gracias"
    adults = district.rows(select(Answer).where(Answer.item_id == "adults", Answer.current))
    assert sorted(a.value["name"] for a in adults) == ["Ana Rivera", "Tía Rosa"]
    assert {a.language for a in adults} == {"es"}
    assert page.requests.outside(live_server) == []


def test_resume_with_the_typed_code_after_closing(live_server, make_page, district):
    access = district.invite()
    first = make_page()
    first.goto(f"{live_server}{access.url}")
    _choose(first, "home_internet", 3)
    _choose(first, "home_quiet_place", 1)
    _next(first)  # soft-required: asked once
    first.wait_for_selector("#skipped")
    _next(first)
    first.wait_for_url("**/survey/after_school")
    first.context.close()
    second = make_page()
    second.goto(f"{live_server}/")
    second.fill("input[name=code]", access.code.lower())
    second.locator("form button[type=submit]").last.click()
    second.wait_for_url("**/survey/after_school")
    second.locator("button[name=action][value=back]").click()
    second.wait_for_url("**/survey/home")
    assert second.locator("#home_internet-3").is_checked()
    assert second.locator("#home_quiet_place-1").is_checked()


def test_family_completes_in_arabic(live_server, page, district):
    access = district.invite("family", language="ar")
    page.goto(f"{live_server}{access.url}")
    html = page.locator("html")
    assert (html.get_attribute("lang"), html.get_attribute("dir")) == ("ar", "rtl")
    _choose(page, "contact_channels", 0)
    _next(page)
    page.wait_for_url("**/survey/home")
    _choose(page, "home_internet", 4)
    _next(page)
    page.wait_for_selector("#skipped")  # the soft-required reminder, then on
    _next(page)
    page.wait_for_url("**/survey/adults")
    page.fill("#adults-0-name", "مريم")
    page.select_option("#adults-0-relation", "grandparent")
    assert page.locator("#adult-new").evaluate("e => getComputedStyle(e).direction") == "rtl"
    _next(page)
    page.wait_for_url("**/survey/school")
    _next(page)
    page.wait_for_url("**/survey/help")
    _choose(page, "help_requests", 2)
    _next(page)
    page.wait_for_url("**/survey/done")
    follow_ups = district.rows(select(FollowUp))
    assert {f.help_type for f in follow_ups} == {"food"}


def test_without_javascript_end_to_end(live_server, make_page, district):
    page = make_page(javascript=False)
    access = district.invite()
    page.goto(f"{live_server}/")
    page.fill("input[name=code]", access.code)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url("**/survey/home")
    assert page.locator("button.listen").first.is_hidden()
    _choose(page, "home_internet", 0)
    _choose(page, "home_devices", 0)
    _choose(page, "home_quiet_place", 0)
    _next(page)
    _choose(page, "home_adult_after_school", 1)
    _choose(page, "home_caregiving", 2)
    _next(page)
    page.wait_for_url("**/survey/adults")
    page.fill("#adults-0-name", "Coach Dee")
    page.locator("button[name=action][value=add]").click()
    page.fill("#adults-1-name", "Grandma")
    page.locator("details.adult-folded > summary").first.click()  # a saved adult: open it
    page.locator("button[name=remove][value='0']").click()
    page.wait_for_url("**/survey/adults*")
    assert page.locator("#adults-0-name").input_value() == "Grandma"
    page.locator("details.switch-language > summary").click()  # folded after page 1
    page.locator("button[name=switch_lang][value=es]").click()
    assert page.locator("html").get_attribute("lang") == "es"
    _next(page)
    page.wait_for_url("**/survey/school")
    _next(page)
    page.wait_for_url("**/survey/done")
    page.locator("form[action$='/survey/leave'] button").click()
    assert page.locator("h1").is_visible()


def _pages_for(live_server, page, district, lang, shots):
    """Visit every respondent page in ``lang``; yield (name, page) at each."""
    student = district.invite(language=lang)
    family = district.invite("family", language=lang)
    page.goto(f"{live_server}/?lang={lang}")
    yield "start"
    page.goto(f"{live_server}{student.url}")
    for name in ("home", "after_school", "adults", "school"):
        page.goto(f"{live_server}/survey/{name}")
        yield f"student-{name}"
    page.goto(f"{live_server}/survey/adults")
    page.eval_on_selector("#adults-0-name", "e => e.removeAttribute('maxlength')")
    page.fill("#adults-0-name", "x" * 101)
    _next(page)
    page.wait_for_selector("#error-summary")
    yield "student-adults-error"
    page.goto(f"{live_server}{family.url}")
    for name in ("contact", "home", "adults", "school", "help"):
        page.goto(f"{live_server}/survey/{name}")
        yield f"family-{name}"
    _next(page)
    page.wait_for_url("**/survey/done")
    yield "done"
    page.goto(f"{live_server}/survey/home")
    yield "lost"


#: The languages are walked in this many parts (every language in one of them), so that
#: pytest-xdist can spread the longest browser test over both workers.
PARTS = 3


@pytest.mark.parametrize("part", range(PARTS))
def test_every_respondent_page_in_every_language_passes_axe(live_server, page, district,
                                                            axe_check, part):
    offered = district.app.config["OFFERED_LANGUAGES"]
    assert {"en", "es", "ar"} <= set(offered)
    failures = []
    SHOTS.mkdir(parents=True, exist_ok=True)
    for lang in offered[part::PARTS]:
        for name in _pages_for(live_server, page, district, lang, SHOTS):
            assert page.locator("html").get_attribute("lang") == lang.replace("_", "-"), name
            if lang in ("es", "ar"):
                page.screenshot(path=str(SHOTS / f"{lang}-{name}.png"), full_page=True)
            violations = axe_check(page)
            if violations:
                failures.append(f"{lang} {name}: {describe(violations)}")
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > 390:
                failures.append(f"{lang} {name}: horizontal scroll ({width}px)")
    assert not failures, "\n".join(failures)
    assert page.requests.outside(live_server) == []


def test_opted_out_student_in_the_browser(live_server, page, district, axe_check):
    with Session(get_engine(district.app)) as s:
        student = make_student(s, district.school, consent=Consent.OPTED_OUT,
                               household=s.get(Household, district.students[0].household_id))
        s.commit()
        s.refresh(student)
    access = district.invite(student=student, language="es")
    page.goto(f"{live_server}{access.url}")
    assert "no participes" in page.locator("main").inner_text()
    assert not axe_check(page)
    assert district.rows(select(Student))
