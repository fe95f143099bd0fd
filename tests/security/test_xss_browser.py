"""Stored XSS end to end: every payload in every free-text field, every page that shows them,
opened in Chromium.

The world is seeded once per module (tests/security/hostile.py); one browser page per role
walks every page. On each: no dialog, ``window.__pwned`` stays undefined, no element a
payload could have made exists, no script holds payload code, nothing is asked from another
host, and names show exactly as typed.
"""

from __future__ import annotations

import pytest

from tests._servers import served_in_thread
from tests.browser.conftest import _new_page
from tests.security import hostile
from tests.security.figures import FIGURES, add
from tests.security.payloads import XSS

pytestmark = pytest.mark.browser
DESKTOP = {"width": 1280, "height": 900}

#: Elements and attributes no page of ours has; any of them came from a payload.
PROBE = """() => {
  const sel = 'img[src="x"], svg[onload], [onerror], [onload], [onfocus], [onmouseover],'
    + ' [ontoggle], [onstart], iframe, object, embed, base, meta[http-equiv], marquee,'
    + ' math, a[href^="javascript"], style:not([nonce])';
  const bad = [...document.querySelectorAll(sel)].map(e => e.outerHTML.slice(0, 80));
  const scripts = [...document.scripts].filter(s => s.type !== 'application/json'
    && /alert\\(|__pwned/.test(s.textContent)).map(s => s.outerHTML.slice(0, 80));
  return {pwned: typeof window.__pwned, bad, scripts, text: document.body.innerText,
          title: document.title};
}"""


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    app, engine, world = hostile.build_on_file(tmp_path_factory.mktemp("hostile"))
    engine.dispose()
    FIGURES["XSS payloads"] = f"{len(XSS)} (+{len(hostile.PWNED)} window.__pwned variants)"
    FIGURES["XSS free-text fields"] = len(world.fields)
    with served_in_thread(app) as base:
        yield base, world


def _signed_in(browser, base, email):
    context, page = _new_page(browser, viewport=DESKTOP)
    page.goto(f"{base}/staff/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", hostile.PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(f"{base}/staff/**")
    return context, page


def _check(page, base, path) -> str:
    response = page.goto(f"{base}{path}")
    assert response.status < 400, f"{path}: {response.status}"
    if page.locator("#map").count():
        page.wait_for_selector("#map[data-drawn]", timeout=15000)
        box = page.locator("#map canvas").bounding_box()
        for fx, fy in ((0.5, 0.5), (0.3, 0.4), (0.7, 0.6)):  # hover nodes: tooltips as text
            page.mouse.move(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
            page.wait_for_timeout(50)
        assert page.locator(".vis-tooltip *").count() == 0, f"{path}: markup in a tooltip"
    found = page.evaluate(PROBE)
    assert page.dialogs == [], f"{path}: a dialog opened: {page.dialogs}"
    assert found["pwned"] == "undefined", f"{path}: a payload ran"
    assert found["bad"] == [], f"{path}: payload elements {found['bad']}"
    assert found["scripts"] == [], f"{path}: payload scripts {found['scripts']}"
    assert page.requests.outside(base) == [], f"{path}: {page.requests.outside(base)}"
    add("XSS page loads checked in Chromium")
    return found["text"]


def _map_titles(page) -> list[str]:
    return page.evaluate("""() => JSON.parse(document.getElementById('map-data').textContent)
        .nodes.map(n => (n.label || '') + '\\n' + (n.title || ''))""")


def test_counselor_pages_show_every_payload_as_text(seeded, browser):
    base, world = seeded
    context, page = _signed_in(browser, base, world.users["counselor"])
    text = _check(page, base, "/staff/")
    caseload = "".join(_check(page, base, f"/counsel/students?page={n}") for n in (1, 2, 3))
    shown = [p for p in XSS if p in caseload]
    assert len(shown) >= len(XSS) // 2, f"caseload shows only {len(shown)} payloads as typed"
    for i, student_id in enumerate(world.student_ids):
        text = _check(page, base, f"/counsel/students/{student_id}")
        assert XSS[i] in text, f"student {i}'s name not shown as typed"
        if i % 4 != 3:
            assert hostile.PWNED[i] in text, f"adult {i}'s name not shown as typed"
            assert any(hostile.PWNED[i] in t for t in _map_titles(page))
    text = _check(page, base, "/counsel/map")
    titles = "\n".join(_map_titles(page))
    assert sum(p in titles for p in XSS) >= len(XSS) - 1
    for path in ("/counsel/equity", "/counsel/equity?by=grade&measure=responded",
                 "/admin/responses", "/staff/mapping", "/staff/mapping?page=2", "/exports/",
                 "/letters", "/letters?kind=student"):
        _check(page, base, path)
    text = _check(page, base, "/staff/engagement")
    for i, household_id in enumerate(world.household_ids):
        text = _check(page, base, f"/staff/engagement/households/{household_id}")
        assert XSS[i] in text, f"household {i}'s contact note not shown as typed"
    context.close()


def test_admin_pages_show_every_payload_as_text(seeded, browser):
    base, world = seeded
    context, page = _signed_in(browser, base, world.users["district_admin"])
    text = _check(page, base, "/admin/settings")
    values = page.evaluate("() => [...document.querySelectorAll('input')].map(i => i.value)")
    missing = [p for p in XSS if p not in values and p not in text]
    assert not missing, f"wave names not shown as typed: {missing}"
    for path in ("/admin/audit", "/admin/responses", f"/admin/responses?school={world.school_id}",
                 "/exports/roster", "/counsel/students", "/staff/"):
        _check(page, base, path)
    context.close()


def test_staff_and_analyst_pages(seeded, browser):
    base, world = seeded
    for role, paths in (("staff", ["/staff/", "/staff/mapping", "/staff/engagement"]),
                        ("analyst", ["/staff/", "/counsel/equity", "/admin/responses"])):
        context, page = _signed_in(browser, base, world.users[role])
        for path in paths:
            text = _check(page, base, path)
            if role == "staff" and path == "/staff/mapping":
                assert sum(p in text for p in XSS) >= 10
        context.close()
