"""Real Chromium (Debian's /usr/bin/chromium) driving the app served on 127.0.0.1.

Skips loudly when Chromium is absent, unless REQUIRE_BROWSER=1 (CI), where a
missing browser fails. Every request the page makes is recorded, so tests can
assert that nothing leaves the app.
"""

from __future__ import annotations

import os
import shutil
import warnings
from urllib.parse import urlsplit

import pytest

from tests import figures
from tests._servers import Switch, served_in_thread
from tests.conftest import BACKENDS, fresh_database

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
PHONE = {"width": 390, "height": 844}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic",
]


def pytest_collection_modifyitems(config, items):
    if shutil.which(CHROMIUM) or os.path.exists(CHROMIUM):
        return
    if os.environ.get("REQUIRE_BROWSER") == "1":
        raise pytest.UsageError(f"REQUIRE_BROWSER=1 but no Chromium at {CHROMIUM}")
    message = (f"\n{'!' * 70}\nBROWSER TESTS SKIPPED: no Chromium at {CHROMIUM}.\n"
               f"Install it with `apt-get install -y chromium`.\n{'!' * 70}")
    warnings.warn(message, stacklevel=1)
    skip = pytest.mark.skip(reason=f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(params=["sqlite"])
def database_url(request, tmp_path) -> str:
    """What a person sees in the browser does not depend on the engine: these tests run on
    SQLite only (every query behind the pages runs on both engines in the other suites).
    A test where the engine does matter (concurrent saves) takes both with
    ``@EVERY_ENGINE``."""
    return fresh_database(request, tmp_path, request.param)


#: For a browser test whose outcome can depend on the engine (e.g. two saves racing).
EVERY_ENGINE = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)


@pytest.fixture(scope="session")
def _live_switch():
    """One threaded server per test process, on a port fixed for the session (a provider
    can be told the app's address before the app exists); each test plugs its app in."""
    switch = Switch()
    with served_in_thread(switch) as base:
        switch.base = base
        yield switch


@pytest.fixture(scope="session")
def live_base(_live_switch) -> str:
    """The base URL ``live_server`` will have, known before any app is made."""
    return _live_switch.base


@pytest.fixture
def live_server(app, _live_switch):
    """Serve ``app`` in a thread on this process's live port; yields the base URL."""
    _live_switch.current = app
    try:
        yield _live_switch.base
    finally:
        _live_switch.current = None


_RUNNING: dict = {}


def launch_browser():
    """One Playwright and one Chromium per test process, whichever conftest asks first
    (Playwright's sync API refuses a second instance in the same thread)."""
    if "browser" not in _RUNNING:
        from playwright.sync_api import sync_playwright

        _RUNNING["pw"] = sync_playwright().start()
        _RUNNING["browser"] = _RUNNING["pw"].chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    return _RUNNING["browser"]


def close_browser() -> None:
    if "browser" in _RUNNING:
        _RUNNING.pop("browser").close()
        _RUNNING.pop("pw").stop()


def pytest_sessionfinish(session):
    close_browser()


#: Figures the browser tests measure ("browser figures", printed by tests/conftest.py).
FIGURES = figures.BROWSER


@pytest.fixture(scope="session")
def browser():
    return launch_browser()


class RequestLog(list):
    """Every URL a page asked for; ``outside(base)`` lists those to any other host."""

    def outside(self, base: str) -> list[str]:
        host = urlsplit(base).netloc
        return [u for u in self if urlsplit(u).scheme in ("http", "https", "ws", "wss")
                and urlsplit(u).netloc != host]


def _new_page(browser, *, javascript: bool = True, viewport=PHONE):
    context = browser.new_context(viewport=viewport, java_script_enabled=javascript)
    page = context.new_page()
    page.requests = RequestLog()
    page.on("request", lambda request: page.requests.append(request.url))
    page.dialogs = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    return context, page


@pytest.fixture
def page(browser):
    """A phone-sized page (390×844) that records its requests and any dialog."""
    context, page = _new_page(browser)
    yield page
    context.close()


@pytest.fixture
def make_page(browser):
    """Open more pages: ``make_page(javascript=False, viewport={...})``."""
    contexts = []

    def _make(**kwargs):
        context, page = _new_page(browser, **kwargs)
        contexts.append(context)
        return page

    yield _make
    for context in contexts:
        context.close()


@pytest.fixture
def axe_check():
    """Run axe-core (bundled, offline) on a page; return the violations."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()

    def _check(page) -> list[dict]:
        results = axe.run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
        return results.response["violations"]

    return _check


def describe(violations: list[dict]) -> str:
    return "\n".join(f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes: "
                     f"{[n['target'] for n in v['nodes'][:3]]})" for v in violations)
