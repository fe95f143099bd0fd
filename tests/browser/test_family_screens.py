"""The family survey on a phone (Chromium at 390×844), as the grade-4 student test measures
the student survey: how many screens a family scrolls on every page (the page's full
height / 844), naming three adults on the adults page, and the smallest interactive target
on every family page state, with and without JavaScript. At most three screens a page;
every target at least 44 × 44 CSS px."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from survey_app.db import get_engine
from survey_app.models import Adult, Student
from tests.browser.conftest import FIGURES
from tests.browser.test_integrity import (
    FAMILY,
    PHONE_HEIGHT,
    SCREENS_AT_MOST,
    SHOTS,
    SMALLEST,
    _fill,
)
from tests.browser.test_integrity import district as district  # noqa: F401  (a fixture)

pytestmark = pytest.mark.browser
NAMES = ("Tío Pepe", "Grandma June", "Mr. Okafor")


def _adult(page, n: int, name: str) -> None:
    page.fill(f"#adults-{n}-name", name)
    page.select_option(f"#adults-{n}-relation", "aunt_uncle")
    for field in ("support-0", "support-2", "reliability-0", "lives_with-1", "children-0"):
        label = page.locator(f"label[for='adults-{n}-{field}']")
        if label.count():
            label.click()


@pytest.mark.parametrize("javascript", [True, False])
def test_screens_and_targets_of_every_family_page(app, live_server, make_page, district,
                                                  javascript):
    with Session(get_engine(app)) as s:  # the worst case: the "for which child" question
        children = s.execute(select(func.count()).select_from(Student).where(
            Student.household_id == district.students[0].household_id)).scalar_one()
    assert children >= 2, children
    page = make_page(javascript=javascript)
    page.set_viewport_size({"width": 390, "height": PHONE_HEIGHT})
    access = district.invite("family")
    page.goto(f"{live_server}/r/{access.token}")
    screens: dict[str, float] = {}
    smallest: dict[str, list] = {}
    spoken: dict[str, float] = {}  # with the Listen buttons a phone with voices shows

    def measure(where: str) -> None:
        page.wait_for_load_state("load")
        height = page.evaluate("document.documentElement.scrollHeight")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, (where, width)  # no sideways scroll
        screens[where] = round(height / PHONE_HEIGHT, 2)
        found = page.evaluate(SMALLEST)  # (shows every Listen button, to measure it too)
        smallest[where] = found[0] if found else None
        spoken[where] = round(page.evaluate("document.documentElement.scrollHeight")
                              / PHONE_HEIGHT, 2)
        js = "js" if javascript else "nojs"
        page.screenshot(path=str(SHOTS / f"family-screens-{js}-{where.replace(' ', '-')}.png"),
                        full_page=True)

    for name, answers in FAMILY:
        page.wait_for_url(f"**/survey/{name}")
        if name == "adults":
            for n, who in enumerate(NAMES):
                if n:
                    page.locator("button[value=add]").click()
                    page.wait_for_url("**/survey/adults**")
                    assert page.locator("details.adult-folded").count() == n
                _adult(page, n, who)
                measure(f"adults ({n + 1} named)")
        else:
            _fill(page, answers)
            measure(name)
        if name == "home":  # the language choice, folded after page 1, opens from the header
            switch = page.locator("details.switch-language")
            assert switch.get_attribute("open") is None
            page.locator(".lang-jump a").click()
            page.locator("button[name=switch_lang][value=es]").wait_for(state="visible")
            assert switch.get_attribute("open") is not None
        page.locator(".actions button.primary").click()
        page.wait_for_load_state("load")
        if page.locator("#skipped").count():
            measure(f"{name} reminder")
            page.locator(".actions button.primary").click()
        if name == "adults":  # back again: the three adults, folded
            page.wait_for_url("**/survey/school")
            page.locator("button[value=back]").click()
            page.wait_for_url("**/survey/adults")
            measure("adults (back, three folded)")
            page.locator(".actions button.primary").click()
    page.wait_for_url("**/survey/done")
    measure("done")
    with Session(get_engine(app)) as s:
        assert s.execute(select(func.count()).select_from(Adult)).scalar_one() == len(NAMES)
    tiny = min((r for r in smallest.values() if r), key=lambda r: r[0])
    FIGURES.append(f"family screens at 390x844 ({'with' if javascript else 'without'} "
                   f"JavaScript, three adults): {screens}; smallest target {tiny[0]:.0f} px "
                   f"({tiny[1]}), per page: "
                   f"{ {w: round(r[0]) for w, r in smallest.items() if r} }; with Listen "
                   f"buttons shown: {spoken}")
    assert max(screens.values()) <= SCREENS_AT_MOST, screens
    assert max(spoken.values()) <= SCREENS_AT_MOST, spoken  # a phone with a voice too
    assert {w: r for w, r in smallest.items() if r and r[0] < 44} == {}
