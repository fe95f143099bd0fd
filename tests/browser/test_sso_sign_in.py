"""A teacher signs in through the district's OpenID Connect provider in a real Chromium:
the app's sign-in page, the provider's own login and consent pages (oidc-provider on
loopback), and back to the teacher's staff page. The app's pages fit a phone and pass axe."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import FIGURES, describe
from tests.survey_app.signin import conftest as signin

pytestmark = pytest.mark.browser
# The sign-in tests' fixtures: the app set up for the provider, its people reset for each
# test, and the teacher's account. Only where the provider runs and the app's address differ.
app_config, provider, teacher = signin.app_config, signin.provider, signin.teacher


@pytest.fixture(scope="module")
def provider_started(live_base, tmp_path_factory):
    """The provider, once for the module, sending the browser back to this process's live
    server (its port is fixed for the session)."""
    callback = f"{live_base}/staff/sso/district/callback"
    with signin.start_provider(tmp_path_factory.mktemp("op"), redirect_uris=(callback,)) as op:
        yield op


@pytest.fixture
def public_base_url(live_base) -> str:
    return live_base


def _loopback_only(page):
    """The provider's development pages import a web font; nothing leaves this machine."""
    page.context.route("**/*", lambda route: route.continue_()
                       if urlsplit(route.request.url).hostname == "127.0.0.1"
                       else route.abort())


def _through_the_provider(page, issuer: str, login: str,
                          link: str = "Sign in with Test District ID") -> None:
    page.get_by_role("link", name=link).click()
    page.wait_for_url(f"{issuer}/interaction/**")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", "anything")
    page.get_by_role("button", name="Sign-in").click()
    page.get_by_role("button", name="Continue").click()


def test_a_teacher_signs_in_through_the_provider(live_server, provider, teacher, page,
                                                 axe_check):
    _loopback_only(page)
    page.goto(f"{live_server}/staff/login")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    violations = axe_check(page)
    assert not violations, describe(violations)
    assert [u for u in page.requests if not u.startswith(live_server)] == []
    started = time.perf_counter()
    _through_the_provider(page, provider.issuer, "teacher")
    page.wait_for_url(f"{live_server}/staff/")
    FIGURES.append(f"single sign-on through oidc-provider, click to staff page: "
                   f"{time.perf_counter() - started:.2f} s")
    assert page.get_by_text("Tess Teacher").first.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_an_unknown_person_sees_why_in_their_language(live_server, provider, teacher, page,
                                                      axe_check):
    _loopback_only(page)
    page.goto(f"{live_server}/staff/login?lang=ar")
    page.goto(f"{live_server}/staff/login")
    assert page.locator("html").get_attribute("dir") == "rtl"
    _through_the_provider(page, provider.issuer, "stranger", link="Test District ID")
    page.wait_for_url(f"{live_server}/staff/sso/district/callback**")
    assert "لا يوجد حساب موظف لك" in page.locator("[role=alert]").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    violations = axe_check(page)
    assert not violations, describe(violations)


def test_an_admin_turns_password_sign_in_off(live_server, provider, world, page, axe_check):
    from tests import factories

    _loopback_only(page)
    page.goto(f"{live_server}/staff/login")
    page.fill("input[name=email]", world.users["district_admin"].email)
    page.fill("input[name=password]", factories.PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(f"{live_server}/staff/")
    page.goto(f"{live_server}/admin/settings#sign-in")
    section = page.locator("form[action='/admin/settings/sign-in']")
    assert "Test District ID" in section.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    violations = axe_check(page)
    assert not violations, describe(violations)
    page.uncheck("#password_sign_in")
    page.get_by_role("button", name="Save sign-in setting").click()
    page.wait_for_url(f"{live_server}/admin/settings#sign-in")
    assert not page.is_checked("#password_sign_in")
    page.get_by_role("button", name="Sign out").click()
    page.goto(f"{live_server}/staff/login")
    assert page.locator("input[name=password]").count() == 0
    assert page.get_by_role("link", name="Sign in with Test District ID").is_visible()
