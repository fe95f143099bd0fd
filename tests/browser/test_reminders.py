"""Survey reminders in real Chromium on a phone: a counselor counts and sends; a family
opens the stop page from the email in Arabic. Both fit 390 px and pass axe."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from survey_app.jobs import worker
from tests.browser.conftest import describe
from tests.browser.test_classes import _sign_in
from tests.survey_app.reminders.conftest import families, smtp  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_counselor_counts_then_sends_on_a_phone_and_a_family_stops_them(
        smtp, app, live_server, page, make_page, world, families, axe_check):  # noqa: F811
    _sign_in(page, live_server, world.users["counselor"])
    page.goto(f"{live_server}/reminders/")
    _fits(page)
    violations = axe_check(page)
    assert not violations, describe(violations)
    page.select_option("select[name=audience]", "family")
    page.get_by_role("button", name="Count who would get it").click()
    page.wait_for_selector("#preview-title")
    shown = int(re.search(r"\d+", page.inner_text("#preview-title")).group())
    assert shown == 4  # Elm's families with an address, one the server refuses; not Oak's
    _fits(page)
    violations = axe_check(page)
    assert not violations, describe(violations)
    page.get_by_role("button", name="Send the reminders").click()
    page.wait_for_url(re.compile(r".*/jobs/\d+$"))
    with app.app_context():
        assert worker.work(app, burst=True) == 1
    page.reload()
    assert "3 reminders sent." in page.inner_text("main")
    _fits(page)
    assert not page.requests.outside(live_server)
    # The Arabic family opens the stop link from its email, on its own phone.
    [message] = smtp.to("omar@usra.example")
    stop = re.search(r"<(https://[^>]+)>", message["List-Unsubscribe"]).group(1)
    parts = urlsplit(stop)
    family = make_page()
    family.goto(f"{live_server}{parts.path}?{parts.query}")
    assert family.get_attribute("html", "dir") == "rtl"
    _fits(family)
    violations = axe_check(family)
    assert not violations, describe(violations)
    family.locator("main button[type=submit]").click()
    family.wait_for_selector("main h1")
    assert family.get_attribute("html", "lang") == "ar"
    _fits(family)
    violations = axe_check(family)
    assert not violations, describe(violations)
