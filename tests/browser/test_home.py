"""The public home page in a real Chromium at phone size."""

import pytest

from tests.browser.conftest import describe

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(("lang", "direction"), [("en", "ltr"), ("es", "ltr"), ("ar", "rtl")])
def test_home_page_language_direction_and_accessibility(live_server, page, axe_check, lang,
                                                        direction):
    page.goto(f"{live_server}/?lang={lang}")
    html = page.locator("html")
    assert html.get_attribute("lang") == lang
    assert html.get_attribute("dir") == direction
    assert page.locator("input[name=code]").is_visible()
    violations = axe_check(page)
    assert not violations, describe(violations)
    assert page.requests.outside(live_server) == []


def test_no_horizontal_scroll_on_a_phone(live_server, page):
    page.goto(f"{live_server}/?lang=ar")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390


def test_wrong_code_shows_an_error_tied_to_the_field(live_server, page):
    page.goto(f"{live_server}/?lang=es")
    page.fill("input[name=code]", "WRONG-CODE-1")
    page.get_by_role("button").last.click()
    field = page.locator("input[name=code]")
    assert field.get_attribute("aria-invalid") == "true"
    assert "code-error" in field.get_attribute("aria-describedby")
    assert page.locator("#error-summary").is_visible()
