"""The counselor's day in Chromium: caseload, a flagged student's map, the equity chart.

Family-typed names with markup must show as text everywhere (no dialog opens),
nothing may load from outside the app, and axe-core finds no WCAG 2.2 AA issue.
"""

from __future__ import annotations

import pytest

from tests import factories
from tests.browser.conftest import describe
from tests.survey_app.counsel.conftest import XSS_NAMES, story  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser
DESKTOP = {"width": 1280, "height": 800}


def _sign_in(page, base, user):
    page.goto(f"{base}/staff/login")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", factories.PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(f"{base}/staff/**")


def test_counselor_opens_caseload_and_a_flagged_students_map(live_server, make_page, axe_check,
                                                               story):  # noqa: F811
    page = make_page(viewport=DESKTOP)
    _sign_in(page, live_server, story.world.users["counselor"])
    page.goto(f"{live_server}/counsel/students")
    assert page.get_by_role("heading", level=1).inner_text() == "Students to connect with"
    assert XSS_NAMES[0] in page.locator("table.caseload").inner_text()  # a reason names her
    violations = axe_check(page)
    assert not violations, describe(violations)
    page.get_by_role("link", name=story.flagged.given_name, exact=False).first.click()
    page.wait_for_selector("#map[data-drawn]")
    assert page.locator("#map canvas").count() == 1
    nodes = page.evaluate("JSON.parse(document.getElementById('map-data').textContent).nodes")
    labels = [n["label"] for n in nodes]
    for name in XSS_NAMES:
        assert name in labels  # drawn as text on the canvas
        assert page.locator("#map-table").get_by_text(name, exact=True).count() == 1
    assert page.locator("#map-table tbody tr").count() == len(nodes) - 1
    violations = axe_check(page)
    assert not violations, describe(violations)
    # hover an adult: the tooltip shows the name as text
    box = page.locator("#map canvas").bounding_box()
    positions = page.evaluate("""() => {
        const d = JSON.parse(document.getElementById('map-data').textContent);
        return d.nodes.map(n => n.title); }""")
    assert any(XSS_NAMES[0] in t for t in positions)
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    assert page.dialogs == []
    assert page.requests.outside(live_server) == []


def test_equity_chart_renders(live_server, make_page, axe_check, story):  # noqa: F811
    page = make_page(viewport=DESKTOP)
    _sign_in(page, live_server, story.world.users["analyst"])
    page.goto(f"{live_server}/counsel/equity?measure=responded&by=grade")
    assert page.locator("#equity-chart").is_visible()
    assert page.locator("#equity-table tbody tr").count() >= 2
    violations = axe_check(page)
    assert not violations, describe(violations)
    assert page.requests.outside(live_server) == []
    assert page.dialogs == []


def test_school_map_draws_without_physics(live_server, make_page, axe_check, story):  # noqa: F811
    page = make_page(viewport=DESKTOP)
    _sign_in(page, live_server, story.world.users["counselor"])
    page.goto(f"{live_server}/counsel/map")
    page.wait_for_selector("#map[data-drawn]")
    violations = axe_check(page)
    assert not violations, describe(violations)
    assert page.dialogs == []
    assert page.requests.outside(live_server) == []
